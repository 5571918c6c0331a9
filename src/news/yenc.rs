//! yEnc (yEnc 1.3): one article's part decoded and checked, and the parts of a multi-part
//! post put together. Every number in the header lines is checked against the data and a
//! limit, and the `name=` is only ever a suggestion the caller sanitizes.

use std::collections::BTreeMap;

/// The largest file assembled from parts.
pub const MAX_FILE: u64 = 4 << 30;

/// One decoded part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YencPart {
    /// As the poster wrote it: never a path to use without sanitizing.
    pub name: String,
    pub part: Option<u32>,
    pub total: Option<u32>,
    /// Size of the whole file.
    pub size: u64,
    /// Where this part sits in the file, 1-based and inclusive, as `=ypart` says.
    pub begin: u64,
    pub end: u64,
    pub data: Vec<u8>,
}

/// Why a part cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum YencError {
    #[error("no =ybegin line: this article has no yEnc data")]
    NoBegin,
    #[error("the =ybegin line has no usable size")]
    BadHeader,
    #[error("the part ends without its =yend line (the article may be cut)")]
    NoEnd,
    #[error("part {part}: {got} bytes decoded where {want} were announced")]
    WrongSize { part: u32, got: u64, want: u64 },
    #[error("part {part}: the checksum does not match (CRC32 {got:08x}, expected {want:08x})")]
    Checksum { part: u32, got: u32, want: u32 },
    #[error("the =ypart range {begin}-{end} does not fit a file of {size} bytes")]
    BadRange { begin: u64, end: u64, size: u64 },
    #[error("the file would be larger than {} GB", MAX_FILE >> 30)]
    TooLarge,
}

fn field<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    line.split_ascii_whitespace()
        .find_map(|w| w.strip_prefix(key).and_then(|v| v.strip_prefix('=')))
}

fn number(line: &str, key: &str) -> Option<u64> {
    field(line, key).and_then(|v| v.parse().ok())
}

fn crc(line: &str, key: &str) -> Option<u32> {
    field(line, key).and_then(|v| u32::from_str_radix(v.trim_start_matches("0x"), 16).ok())
}

/// Finds the yEnc block in an article body (lines before `=ybegin` are text) and decodes it,
/// checking the part's size and CRC32 where given.
pub fn decode(body: &[u8]) -> Result<YencPart, YencError> {
    let mut lines = body
        .split(|b| *b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let begin_line = lines
        .by_ref()
        .find(|l| l.starts_with(b"=ybegin "))
        .ok_or(YencError::NoBegin)?;
    let begin_text = String::from_utf8_lossy(begin_line).into_owned();
    let size = number(&begin_text, "size").ok_or(YencError::BadHeader)?;
    if size > MAX_FILE {
        return Err(YencError::TooLarge);
    }
    let part = number(&begin_text, "part").and_then(|p| u32::try_from(p).ok());
    let total = number(&begin_text, "total").and_then(|p| u32::try_from(p).ok());
    // The name is the rest of the line after `name=`, spaces and all.
    let name = begin_text
        .find(" name=")
        .map(|at| begin_text[at + 6..].trim().to_string())
        .unwrap_or_default();
    let mut range = None;
    let mut data = Vec::with_capacity(size.min(16 << 20) as usize);
    let mut end_line = None;
    for line in lines {
        if line.starts_with(b"=ypart ") {
            let t = String::from_utf8_lossy(line);
            range = Some((
                number(&t, "begin").ok_or(YencError::BadHeader)?,
                number(&t, "end").ok_or(YencError::BadHeader)?,
            ));
            continue;
        }
        if line.starts_with(b"=yend") {
            end_line = Some(String::from_utf8_lossy(line).into_owned());
            break;
        }
        decode_line(line, &mut data);
        if data.len() as u64 > size {
            break;
        }
    }
    let end_text = end_line.ok_or(YencError::NoEnd)?;
    let (begin, end) = range.unwrap_or((1, size));
    if begin == 0 || end < begin || end > size {
        return Err(YencError::BadRange { begin, end, size });
    }
    let part_no = part.unwrap_or(1);
    let want = number(&end_text, "size").unwrap_or(end - begin + 1);
    let got = data.len() as u64;
    if got != want || got != end - begin + 1 {
        return Err(YencError::WrongSize {
            part: part_no,
            got,
            want: end - begin + 1,
        });
    }
    let check = if part.is_some() {
        crc(&end_text, "pcrc32")
    } else {
        crc(&end_text, "crc32")
    };
    if let Some(want) = check {
        let got = crc32fast::hash(&data);
        if got != want {
            return Err(YencError::Checksum {
                part: part_no,
                got,
                want,
            });
        }
    }
    Ok(YencPart {
        name,
        part,
        total,
        size,
        begin,
        end,
        data,
    })
}

/// The whole-file CRC32 an `=yend` line gives, for checking an assembled file.
pub fn file_crc(body: &[u8]) -> Option<u32> {
    body.split(|b| *b == b'\n')
        .find(|l| l.starts_with(b"=yend"))
        .and_then(|l| crc(&String::from_utf8_lossy(l), "crc32"))
}

fn decode_line(line: &[u8], out: &mut Vec<u8>) {
    let mut escaped = false;
    for &b in line {
        if escaped {
            out.push(b.wrapping_sub(64).wrapping_sub(42));
            escaped = false;
        } else if b == b'=' {
            escaped = true;
        } else if b != b'\r' && b != b'\n' {
            out.push(b.wrapping_sub(42));
        }
    }
}

/// The parts of one file as they arrive, in any order; complete when they cover it.
#[derive(Debug, Default)]
pub struct Assembly {
    pub name: String,
    pub size: u64,
    pub total: Option<u32>,
    parts: BTreeMap<u64, Vec<u8>>,
}

impl Assembly {
    /// Adds a decoded part; a part of another size than the first is refused.
    pub fn add(&mut self, part: YencPart) -> Result<(), YencError> {
        if self.parts.is_empty() {
            self.name.clone_from(&part.name);
            self.size = part.size;
            self.total = part.total;
        } else if part.size != self.size {
            return Err(YencError::BadRange {
                begin: part.begin,
                end: part.end,
                size: self.size,
            });
        }
        self.parts.insert(part.begin, part.data);
        Ok(())
    }

    /// Every byte is covered, with no gap and no overlap.
    pub fn is_complete(&self) -> bool {
        let mut next = 1u64;
        for (begin, data) in &self.parts {
            if *begin != next {
                return false;
            }
            next += data.len() as u64;
        }
        next == self.size + 1
    }

    /// Parts held, for a progress line ("2 of 5").
    pub fn parts_held(&self) -> usize {
        self.parts.len()
    }

    /// The file, when complete; checked against `crc32` where the poster gave it.
    pub fn finish(self, crc32: Option<u32>) -> Result<Vec<u8>, YencError> {
        if !self.is_complete() {
            return Err(YencError::NoEnd);
        }
        let mut out = Vec::with_capacity(self.size as usize);
        for data in self.parts.into_values() {
            out.extend_from_slice(&data);
        }
        if let Some(want) = crc32 {
            let got = crc32fast::hash(&out);
            if got != want {
                return Err(YencError::Checksum { part: 0, got, want });
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The encoder the yEnc spec describes, for the tests only.
    fn encode(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut col = 0;
        for &b in data {
            let o = b.wrapping_add(42);
            if matches!(o, 0 | b'\n' | b'\r' | b'=')
                || (col == 0 && matches!(o, b'.' | b' ' | b'\t'))
            {
                out.extend_from_slice(&[b'=', o.wrapping_add(64)]);
                col += 2;
            } else {
                out.push(o);
                col += 1;
            }
            if col >= 128 {
                out.extend_from_slice(b"\r\n");
                col = 0;
            }
        }
        if col > 0 {
            out.extend_from_slice(b"\r\n");
        }
        out
    }

    fn single(name: &str, data: &[u8]) -> Vec<u8> {
        let mut body = format!(
            "Some text first.\r\n=ybegin line=128 size={} name={name}\r\n",
            data.len()
        )
        .into_bytes();
        body.extend(encode(data));
        body.extend(
            format!(
                "=yend size={} crc32={:08x}\r\n",
                data.len(),
                crc32fast::hash(data)
            )
            .into_bytes(),
        );
        body
    }

    fn part(data: &[u8], begin: usize, end: usize, n: u32, total: u32) -> Vec<u8> {
        let chunk = &data[begin - 1..end];
        let mut body = format!(
            "=ybegin part={n} total={total} line=128 size={} name=../../x y.bin\r\n=ypart begin={begin} end={end}\r\n",
            data.len()
        )
        .into_bytes();
        body.extend(encode(chunk));
        body.extend(
            format!(
                "=yend size={} part={n} pcrc32={:08x} crc32={:08x}\r\n",
                chunk.len(),
                crc32fast::hash(chunk),
                crc32fast::hash(data)
            )
            .into_bytes(),
        );
        body
    }

    #[test]
    fn every_byte_value_round_trips() {
        let data: Vec<u8> = (0..=255u8).cycle().take(5000).collect();
        let p = decode(&single("all bytes.bin", &data)).unwrap();
        assert_eq!(p.data, data);
        assert_eq!(p.name, "all bytes.bin");
        assert_eq!((p.begin, p.end, p.part), (1, 5000, None));
    }

    #[test]
    fn parts_in_any_order_make_the_file() {
        let data: Vec<u8> = (0..3000u32).map(|i| (i * 7 + 3) as u8).collect();
        let one = part(&data, 1, 1500, 1, 2);
        let two = part(&data, 1501, 3000, 2, 2);
        let mut a = Assembly::default();
        a.add(decode(&two).unwrap()).unwrap();
        assert!(!a.is_complete());
        a.add(decode(&one).unwrap()).unwrap();
        assert!(a.is_complete());
        assert_eq!(
            a.name, "../../x y.bin",
            "the name is kept raw for the caller to sanitize"
        );
        let file = a.finish(file_crc(&one)).unwrap();
        assert_eq!(file, data);
    }

    /// Replaces the first `from` in `hay` (yEnc data is not UTF-8, so no string replace).
    fn replace(hay: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
        let at = hay
            .windows(from.len())
            .position(|w| w == from)
            .expect("the text to replace");
        [&hay[..at], to, &hay[at + from.len()..]].concat()
    }

    #[test]
    fn damage_is_named() {
        let data = b"hello yEnc world".repeat(20);
        let good = single("h.txt", &data);
        assert_eq!(decode(b"no yenc here\r\n"), Err(YencError::NoBegin));
        // Cut before =yend.
        let cut = &good[..good.len() - 30];
        assert_eq!(decode(cut), Err(YencError::NoEnd));
        // A flipped data byte: the checksum catches it.
        let mut flipped = good.clone();
        let at = flipped.iter().position(|b| *b == b'\n').unwrap() + 1;
        let at = at + flipped[at..].iter().position(|b| *b == b'\n').unwrap() + 5;
        flipped[at] ^= 1;
        assert!(matches!(decode(&flipped), Err(YencError::Checksum { .. })));
        // Sizes that lie.
        let lying = replace(&good, b"size=320 name", b"size=999999999999 name");
        assert_eq!(decode(&lying), Err(YencError::TooLarge));
        let short = replace(&good, b"=yend size=320", b"=yend size=319");
        assert!(matches!(decode(&short), Err(YencError::WrongSize { .. })));
        let range = part(&data, 1, 100, 1, 2);
        let bad = replace(&range, b"end=100", b"end=99999");
        assert!(matches!(decode(&bad), Err(YencError::BadRange { .. })));
        assert_eq!(
            decode(b"=ybegin name=x\r\n=yend\r\n"),
            Err(YencError::BadHeader)
        );
    }
}
