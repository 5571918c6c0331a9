//! The last bytes a raw session received, as they came, for the hex view: bounded, so a
//! peer that sends without end costs a fixed amount of memory.

use std::collections::VecDeque;

/// Bytes kept for the hex view of one session.
pub const KEPT: usize = 1024 * 1024;

/// Bytes per row of the hex view.
pub const ROW: usize = 16;

/// The newest [`KEPT`] bytes received, and how many came in all.
#[derive(Debug, Default)]
pub struct ByteLog {
    bytes: VecDeque<u8>,
    total: u64,
}

impl ByteLog {
    pub fn push(&mut self, data: &[u8]) {
        self.total += data.len() as u64;
        let data = &data[data.len().saturating_sub(KEPT)..];
        let over = (self.bytes.len() + data.len()).saturating_sub(KEPT);
        // Whole rows are dropped from the front, so row boundaries keep their offsets.
        let drop = over.div_ceil(ROW) * ROW;
        self.bytes.drain(..drop.min(self.bytes.len()));
        self.bytes.extend(data);
    }

    /// How many bytes came in all.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Rows of the hex view.
    pub fn rows(&self) -> usize {
        self.bytes.len().div_ceil(ROW)
    }

    /// Row `i` as a hex dump line: offset, the bytes in hex, and as ASCII.
    pub fn row(&self, i: usize) -> String {
        let first = self.total - self.bytes.len() as u64;
        let start = i * ROW;
        let end = (start + ROW).min(self.bytes.len());
        let bytes: Vec<u8> = self.bytes.range(start..end).copied().collect();
        hex_line(first + start as u64, &bytes)
    }
}

/// `00000010  68 65 6c 6c 6f 0a                                 |hello.|`
pub fn hex_line(offset: u64, bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut line = format!("{offset:08x} ");
    for i in 0..ROW {
        if i == ROW / 2 {
            line.push(' ');
        }
        match bytes.get(i) {
            Some(b) => {
                let _ = write!(line, " {b:02x}");
            }
            None => line.push_str("   "),
        }
    }
    line.push_str("  |");
    line.extend(bytes.iter().map(|&b| {
        if b.is_ascii_graphic() || b == b' ' {
            char::from(b)
        } else {
            '.'
        }
    }));
    line.push('|');
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_as_hexdump_writes_them() {
        assert_eq!(
            hex_line(16, b"hello raw\n"),
            "00000010  68 65 6c 6c 6f 20 72 61  77 0a                    |hello raw.|"
        );
        let mut log = ByteLog::default();
        log.push(b"0123456789abcdefXY");
        assert_eq!(log.rows(), 2);
        assert!(log.row(1).starts_with("00000010  58 59"));
    }

    #[test]
    fn only_the_newest_bytes_are_kept_with_their_offsets() {
        let mut log = ByteLog::default();
        for _ in 0..3 {
            log.push(&vec![b'a'; KEPT / 2 + 5]);
        }
        assert!(log.rows() * ROW <= KEPT + ROW);
        assert_eq!(log.total(), 3 * (KEPT as u64 / 2 + 5));
        // The first row kept starts on a row boundary of the whole stream.
        let first: u64 = u64::from_str_radix(&log.row(0)[..8], 16).expect("offset");
        assert_eq!(first % ROW as u64, 0);
        log.push(&vec![b'b'; 3 * KEPT]);
        assert!(log.row(log.rows() - 1).ends_with("bbbb|"));
    }
}
