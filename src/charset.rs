//! The charsets offered for gopher text and menus: bytes stay bytes until one is chosen.

/// A charset the user can pick in the Browser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Charset {
    Utf8,
    Latin1,
    /// The IBM PC code page that BBS and ANSI art use.
    Cp437,
}

impl Charset {
    pub const ALL: [Charset; 3] = [Charset::Utf8, Charset::Latin1, Charset::Cp437];

    pub fn label(self) -> &'static str {
        match self {
            Charset::Utf8 => "UTF-8",
            Charset::Latin1 => "Latin-1",
            Charset::Cp437 => "CP437",
        }
    }

    pub fn from_label(s: &str) -> Option<Charset> {
        Charset::ALL
            .into_iter()
            .find(|c| c.label().eq_ignore_ascii_case(s))
    }

    /// Decodes every byte to some character: nothing is dropped.
    pub fn decode(self, bytes: &[u8]) -> String {
        match self {
            Charset::Utf8 => String::from_utf8_lossy(bytes).into_owned(),
            Charset::Latin1 => bytes.iter().map(|b| char::from(*b)).collect(),
            Charset::Cp437 => oem_cp::decode_string_complete_table(
                bytes,
                &oem_cp::code_table::DECODING_TABLE_CP437,
            ),
        }
    }

    /// Guesses: valid UTF-8 is UTF-8; text with box-drawing and block bytes (0xB0–0xDF) in
    /// runs is CP437; anything else is Latin-1.
    pub fn detect(bytes: &[u8]) -> Charset {
        let sample = &bytes[..bytes.len().min(64 * 1024)];
        let valid = match std::str::from_utf8(sample) {
            Ok(_) => true,
            // A cut at the sample end may split a character.
            Err(e) => e.error_len().is_none() && e.valid_up_to() + 4 > sample.len(),
        };
        if valid {
            return Charset::Utf8;
        }
        let high = sample.iter().filter(|b| **b >= 0x80).count();
        let boxes = sample
            .windows(2)
            .filter(|w| (0xB0..=0xDF).contains(&w[0]) && (0xB0..=0xDF).contains(&w[1]))
            .count();
        if high > 0 && boxes * 4 >= high {
            Charset::Cp437
        } else {
            Charset::Latin1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding() {
        assert_eq!(Charset::Latin1.decode(b"caf\xe9"), "café");
        assert_eq!(Charset::Cp437.decode(b"\xc9\xcd\xbb"), "╔═╗");
        assert_eq!(Charset::Utf8.decode(b"a\xffb"), "a\u{fffd}b");
    }

    #[test]
    fn detection() {
        assert_eq!(Charset::detect("naïve ☃".as_bytes()), Charset::Utf8);
        assert_eq!(Charset::detect(b"caf\xe9 cr\xe8me"), Charset::Latin1);
        assert_eq!(
            Charset::detect(b"\xc9\xcd\xcd\xcd\xbb\r\n\xba hi \xba\r\n\xc8\xcd\xcd\xbc"),
            Charset::Cp437
        );
        assert_eq!(Charset::detect(b""), Charset::Utf8);
    }

    #[test]
    fn labels_round_trip() {
        for c in Charset::ALL {
            assert_eq!(Charset::from_label(c.label()), Some(c));
        }
    }
}
