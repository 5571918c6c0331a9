//! Multi-line data blocks as POP3 (RFC 1939) and NNTP (RFC 3977) send them: lines ending in
//! CR LF, a line that starts with a dot sent with one more, and a line of a single dot at the
//! end. One decoder for both protocols, fed any read sizes, and the encoder for what we send.

/// A streaming decoder for a multi-line answer: bytes in, the unstuffed content out, until the
/// line that is a single `.`. It keeps every byte of the content as sent (CR LF or a bare LF),
/// so a message comes out byte for byte, and it works whatever the read sizes are.
#[derive(Debug, Default)]
pub struct DotDecoder {
    /// Bytes of the current line, held until we know whether it is the final `.`.
    pending: Vec<u8>,
    /// At the start of a line (nothing of it seen yet).
    in_line: bool,
    done: bool,
}

/// How a chunk went through [`DotDecoder::feed`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fed {
    /// Bytes of the chunk used; the rest belongs to the next reply.
    pub used: usize,
    /// The final `.` line was seen.
    pub done: bool,
}

impl DotDecoder {
    pub fn new() -> DotDecoder {
        DotDecoder::default()
    }

    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Bytes held back at the start of a line (at most 3: `.`, `.` CR, `..`).
    pub fn held(&self) -> usize {
        self.pending.len()
    }

    /// Decodes `chunk`, appending content to `out`.
    pub fn feed(&mut self, chunk: &[u8], out: &mut Vec<u8>) -> Fed {
        let mut i = 0;
        while i < chunk.len() && !self.done {
            if self.in_line {
                // Inside a line: copy up to and including its LF.
                if let Some(at) = memchr::memchr(b'\n', &chunk[i..]) {
                    out.extend_from_slice(&chunk[i..=i + at]);
                    i += at + 1;
                    self.in_line = false;
                } else {
                    out.extend_from_slice(&chunk[i..]);
                    i = chunk.len();
                }
                continue;
            }
            // At a line start: decide what a leading dot means.
            let b = chunk[i];
            i += 1;
            self.pending.push(b);
            match self.pending.as_slice() {
                [b'.'] | [b'.', b'\r'] => {}
                [b'.', b'\n'] | [b'.', b'\r', b'\n'] => {
                    self.pending.clear();
                    self.done = true;
                }
                [b'.', b'.'] => {
                    // A stuffed dot: drop the first one.
                    out.push(b'.');
                    self.pending.clear();
                    self.in_line = true;
                }
                [b'.', b'\r', _] => {
                    // ".\rX": not the end; the RFCs do not stuff it, keep it as sent.
                    out.extend_from_slice(&self.pending);
                    self.in_line = self.pending.last() != Some(&b'\n');
                    self.pending.clear();
                }
                [b'.', other] => {
                    // A dot that was not stuffed, as some servers send: keep it.
                    let other = *other;
                    out.push(b'.');
                    out.push(other);
                    self.pending.clear();
                    self.in_line = other != b'\n';
                }
                [b'\n'] => {
                    out.push(b'\n');
                    self.pending.clear();
                }
                [other] => {
                    out.push(*other);
                    self.pending.clear();
                    self.in_line = true;
                }
                _ => {
                    out.extend_from_slice(&self.pending);
                    self.pending.clear();
                    self.in_line = true;
                }
            }
        }
        Fed {
            used: i,
            done: self.done,
        }
    }
}

/// Why a data block could not be read to its end.
#[derive(Debug)]
pub enum BlockError {
    Net(crate::proto::net::NetError),
    /// The connection ended before the final dot.
    Cut,
    /// More content than `limit` bytes.
    Overlong {
        limit: u64,
    },
    Sink(std::io::Error),
}

/// Reads a data block from `reader` into `sink`, unstuffed, byte for byte, to its final dot:
/// every read bounded by the read timeout, every line by `max_line` and the whole by `limit`,
/// so a block that never ends can fill neither memory nor the disk. Returns the bytes written.
pub async fn copy_block<R, W>(
    reader: &mut R,
    limits: &crate::proto::net::Limits,
    addr: &str,
    max_line: usize,
    limit: u64,
    sink: &mut W,
) -> Result<u64, BlockError>
where
    R: tokio::io::AsyncBufRead + Unpin,
    W: std::io::Write + ?Sized,
{
    use tokio::io::AsyncBufReadExt as _;
    let mut decoder = DotDecoder::new();
    let mut out = Vec::with_capacity(64 * 1024);
    let mut total = 0u64;
    let mut line_len = 0usize;
    loop {
        let chunk = crate::proto::net::bounded(limits, addr, reader.fill_buf())
            .await
            .map_err(BlockError::Net)?;
        if chunk.is_empty() {
            return Err(BlockError::Cut);
        }
        out.clear();
        let fed = decoder.feed(chunk, &mut out);
        // The longest line: counted over what went through, reset at each line end.
        match memchr::memrchr(b'\n', &chunk[..fed.used]) {
            Some(at) => line_len = fed.used - at - 1,
            None => line_len += fed.used,
        }
        reader.consume(fed.used);
        if line_len > max_line {
            return Err(BlockError::Net(crate::proto::net::NetError::LineTooLong {
                addr: addr.to_string(),
                limit: max_line,
            }));
        }
        total += out.len() as u64;
        if total > limit {
            return Err(BlockError::Overlong { limit });
        }
        sink.write_all(&out).map_err(BlockError::Sink)?;
        if fed.done {
            return Ok(total);
        }
    }
}

/// Encodes `content` as a data block for sending: every line ends in CR LF (a bare LF
/// becomes CR LF), a line starting with a dot gets one more, and the final `.` line follows.
pub fn stuff(content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + content.len() / 32 + 5);
    let mut at_start = true;
    let mut i = 0;
    while i < content.len() {
        let b = content[i];
        if at_start && b == b'.' {
            out.push(b'.');
        }
        match b {
            b'\r' if content.get(i + 1) == Some(&b'\n') => {
                out.extend_from_slice(b"\r\n");
                i += 1;
                at_start = true;
            }
            b'\n' => {
                out.extend_from_slice(b"\r\n");
                at_start = true;
            }
            _ => {
                out.push(b);
                at_start = false;
            }
        }
        i += 1;
    }
    if !at_start {
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b".\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_in_pieces(wire: &[u8], piece: usize) -> (Vec<u8>, usize) {
        let mut d = DotDecoder::new();
        let mut out = Vec::new();
        let mut used = 0;
        for chunk in wire.chunks(piece) {
            let fed = d.feed(chunk, &mut out);
            used += fed.used;
            if fed.done {
                break;
            }
        }
        assert!(d.is_done(), "no end seen in {wire:?}");
        (out, used)
    }

    #[test]
    fn dot_unstuffing_keeps_bytes_and_survives_any_split() {
        let wire = b"Subject: x\r\n\r\n..leading dot\r\n.. two\r\nbare lf\n.\rodd\r\nlast\r\n.\r\n+OK next";
        let want = b"Subject: x\r\n\r\n.leading dot\r\n. two\r\nbare lf\n.\rodd\r\nlast\r\n";
        for piece in 1..wire.len() {
            let (out, used) = decode_in_pieces(wire, piece);
            assert_eq!(out, want, "piece size {piece}");
            assert_eq!(&wire[used..], b"+OK next", "piece size {piece}");
        }
    }

    #[test]
    fn an_empty_answer_and_a_bare_lf_end() {
        assert_eq!(decode_in_pieces(b".\r\n", 1).0, b"");
        assert_eq!(decode_in_pieces(b"a\n.\n", 2).0, b"a\n");
        // A dot that was not stuffed is kept as sent.
        assert_eq!(decode_in_pieces(b".x\r\n.\r\n", 3).0, b".x\r\n");
    }

    #[test]
    fn no_end_means_not_done() {
        let mut d = DotDecoder::new();
        let mut out = Vec::new();
        let fed = d.feed(b"line one\r\n.. no end\r\n", &mut out);
        assert!(!fed.done);
        assert_eq!(out, b"line one\r\n. no end\r\n");
    }

    #[test]
    fn stuffing_then_unstuffing_gives_crlf_lines_back() {
        let content = b".starts\nmiddle\r\n.\n..two\nno end";
        let wire = stuff(content);
        assert_eq!(
            wire,
            b"..starts\r\nmiddle\r\n..\r\n...two\r\nno end\r\n.\r\n".to_vec()
        );
        let (back, used) = decode_in_pieces(&wire, 4);
        assert_eq!(used, wire.len());
        assert_eq!(back, b".starts\r\nmiddle\r\n.\r\n..two\r\nno end\r\n");
        assert_eq!(stuff(b""), b".\r\n");
    }
}
