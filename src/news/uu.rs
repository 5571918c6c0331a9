//! uuencoded files inside article bodies (`begin 644 name` ... `end`), as old posts carry
//! them. The name is a suggestion only; lines that do not decode end the file with an error.

/// A uuencoded file found in a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UuFile {
    pub name: String,
    pub data: Vec<u8>,
}

/// Why a uuencoded block cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UuError {
    #[error("no `begin` line: this article has no uuencoded file")]
    NoBegin,
    #[error("line {0} of the encoded file is damaged")]
    BadLine(usize),
    #[error("the file ends without its `end` line (the article may be cut)")]
    NoEnd,
}

/// Finds the first uuencoded file in `body` and decodes it.
pub fn decode(body: &[u8]) -> Result<UuFile, UuError> {
    let mut lines = body
        .split(|b| *b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let name = lines
        .by_ref()
        .find_map(|l| {
            let t = std::str::from_utf8(l).ok()?;
            let rest = t.strip_prefix("begin ")?;
            let (mode, name) = rest.split_once(' ')?;
            (mode.len() <= 4 && mode.bytes().all(|b| (b'0'..=b'7').contains(&b)))
                .then(|| name.trim().to_string())
        })
        .ok_or(UuError::NoBegin)?;
    let mut data = Vec::new();
    for (i, line) in lines.enumerate() {
        if line == b"end" {
            return Ok(UuFile { name, data });
        }
        let Some((&first, rest)) = line.split_first() else {
            continue;
        };
        let len = usize::from(first.wrapping_sub(32) & 63);
        if len == 0 {
            continue;
        }
        let need = len.div_ceil(3) * 4;
        if rest.len() < need {
            return Err(UuError::BadLine(i + 1));
        }
        let mut out = Vec::with_capacity(need / 4 * 3);
        for quad in rest[..need].chunks(4) {
            let v: Vec<u8> = quad.iter().map(|c| c.wrapping_sub(32) & 63).collect();
            if quad.iter().any(|c| !(32..=96).contains(c)) {
                return Err(UuError::BadLine(i + 1));
            }
            out.push((v[0] << 2) | (v[1] >> 4));
            out.push((v[1] << 4) | (v[2] >> 2));
            out.push((v[2] << 6) | v[3]);
        }
        out.truncate(len);
        data.extend_from_slice(&out);
    }
    Err(UuError::NoEnd)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_known_encoding() {
        // "Cat" uuencoded, as the classic example gives it.
        let body = b"Some words.\r\nbegin 644 cat.txt\r\n#0V%T\r\n`\r\nend\r\n";
        let f = decode(body).unwrap();
        assert_eq!(f.name, "cat.txt");
        assert_eq!(f.data, b"Cat");
    }

    #[test]
    fn damage_is_named() {
        assert_eq!(decode(b"hello\r\n"), Err(UuError::NoBegin));
        assert_eq!(decode(b"begin 644 a\r\n#0V%T\r\n"), Err(UuError::NoEnd));
        assert_eq!(
            decode(b"begin 644 a\r\nM0V\r\nend\r\n"),
            Err(UuError::BadLine(1))
        );
        assert_eq!(
            decode(b"begin 644 a\r\n#0V\x01T\r\nend\r\n"),
            Err(UuError::BadLine(1))
        );
        assert_eq!(decode(b"begin 99999 a\r\nend\r\n"), Err(UuError::NoBegin));
    }
}
