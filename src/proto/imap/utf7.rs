//! Modified UTF-7 (RFC 3501 section 5.1.3), the form folder names take on the wire unless the
//! server has UTF8=ACCEPT enabled: printable ASCII stands for itself (`&` as `&-`), anything else
//! is UTF-16 in a base64 variant with `,` for `/`, between `&` and `-`.

/// Why a folder name from the server is not valid modified UTF-7.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Utf7Error {
    #[error("a `&` section is not closed with `-`")]
    Unclosed,
    #[error("a `&` section holds a character that is not modified base64")]
    BadBase64,
    #[error("a `&` section does not decode to UTF-16")]
    BadUtf16,
    #[error("a byte outside printable ASCII")]
    NotAscii,
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

fn value_of(b: u8) -> Option<u32> {
    ALPHABET.iter().position(|a| *a == b).map(|p| p as u32)
}

/// Encodes a folder name for the wire.
pub fn encode(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut pending: Vec<u16> = Vec::new();
    for c in name.chars() {
        if (' '..='~').contains(&c) {
            flush(&mut pending, &mut out);
            if c == '&' {
                out.push_str("&-");
            } else {
                out.push(c);
            }
        } else {
            let mut units = [0u16; 2];
            pending.extend_from_slice(c.encode_utf16(&mut units));
        }
    }
    flush(&mut pending, &mut out);
    out
}

fn flush(units: &mut Vec<u16>, out: &mut String) {
    if units.is_empty() {
        return;
    }
    out.push('&');
    let bytes: Vec<u8> = units.iter().flat_map(|u| u.to_be_bytes()).collect();
    for chunk in bytes.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        let digits = chunk.len() + 1;
        for i in 0..digits {
            let v = (n >> (18 - 6 * i)) & 63;
            out.push(char::from(ALPHABET[v as usize]));
        }
    }
    out.push('-');
    units.clear();
}

/// Decodes a folder name from the wire. A server that sends raw UTF-8 (some do, without
/// UTF8=ACCEPT) is an error here; [`decode_lenient`] shows such names anyway.
pub fn decode(wire: &str) -> Result<String, Utf7Error> {
    let bytes = wire.as_bytes();
    let mut out = String::with_capacity(wire.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if !(0x20..=0x7e).contains(&b) {
            return Err(Utf7Error::NotAscii);
        }
        if b != b'&' {
            out.push(char::from(b));
            i += 1;
            continue;
        }
        let end = bytes[i + 1..]
            .iter()
            .position(|c| *c == b'-')
            .ok_or(Utf7Error::Unclosed)?
            + i
            + 1;
        let section = &bytes[i + 1..end];
        if section.is_empty() {
            out.push('&');
        } else {
            out.push_str(&decode_section(section)?);
        }
        i = end + 1;
    }
    Ok(out)
}

/// Decodes what the server sent as best it can: modified UTF-7, else the bytes as UTF-8.
pub fn decode_lenient(wire: &str) -> String {
    decode(wire).unwrap_or_else(|_| wire.to_string())
}

fn decode_section(section: &[u8]) -> Result<String, Utf7Error> {
    let mut bits: u32 = 0;
    let mut nbits = 0;
    let mut bytes = Vec::with_capacity(section.len());
    for b in section {
        bits = (bits << 6) | value_of(*b).ok_or(Utf7Error::BadBase64)?;
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            bytes.push((bits >> nbits) as u8);
            bits &= (1 << nbits) - 1;
        }
    }
    // Leftover bits must be zero padding, and the bytes whole UTF-16 units.
    if bits != 0 || bytes.len() % 2 != 0 {
        return Err(Utf7Error::BadUtf16);
    }
    let units: Vec<u16> = bytes
        .chunks(2)
        .map(|p| u16::from_be_bytes([p[0], p[1]]))
        .collect();
    let text = String::from_utf16(&units).map_err(|_| Utf7Error::BadUtf16)?;
    // RFC 3501: printable ASCII must not be encoded; a section that does it is not canonical.
    if text.chars().any(|c| (' '..='~').contains(&c)) {
        return Err(Utf7Error::BadBase64);
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_examples() {
        // RFC 3501 section 5.1.3.
        assert_eq!(
            encode("~peter/mail/台北/日本語"),
            "~peter/mail/&U,BTFw-/&ZeVnLIqe-"
        );
        assert_eq!(
            decode("~peter/mail/&U,BTFw-/&ZeVnLIqe-").expect("decode"),
            "~peter/mail/台北/日本語"
        );
        assert_eq!(encode("Entwürfe"), "Entw&APw-rfe");
        assert_eq!(decode("Entw&APw-rfe").expect("decode"), "Entwürfe");
        assert_eq!(encode("Tom & Jerry"), "Tom &- Jerry");
        assert_eq!(decode("Tom &- Jerry").expect("decode"), "Tom & Jerry");
        // Outside the BMP: a surrogate pair.
        assert_eq!(decode(&encode("mail 📬")).expect("decode"), "mail 📬");
    }

    #[test]
    fn malformed_names() {
        assert_eq!(decode("a&AAA"), Err(Utf7Error::Unclosed));
        assert_eq!(decode("a&A*A-"), Err(Utf7Error::BadBase64));
        assert_eq!(decode("&AGE-"), Err(Utf7Error::BadBase64), "encoded ASCII");
        assert_eq!(decode("&2D3-"), Err(Utf7Error::BadUtf16), "odd bits");
        assert_eq!(
            decode("&2D0-"),
            Err(Utf7Error::BadUtf16),
            "a lone surrogate"
        );
        assert_eq!(decode("Entwürfe"), Err(Utf7Error::NotAscii));
        assert_eq!(decode_lenient("Entwürfe"), "Entwürfe");
    }

    proptest::proptest! {
        #[test]
        fn round_trip(name in "\\PC{0,30}") {
            let wire = encode(&name);
            proptest::prop_assert!(wire.bytes().all(|b| (0x20..=0x7e).contains(&b)));
            proptest::prop_assert_eq!(decode(&wire).expect("own encoding decodes"), name);
        }
    }
}
