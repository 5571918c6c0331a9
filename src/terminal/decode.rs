//! Bytes from a host to the UTF-8 the screen model reads. BBSes send CP437 and older hosts
//! Latin-1; a byte that is not UTF-8 must show as what it is, never as a replacement mark.

/// The charset of a session: chosen by the user, agreed through Telnet CHARSET, or detected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScreenCharset {
    /// UTF-8 until a byte sequence that is not UTF-8 arrives, CP437 from then on (a host told
    /// `TTYPE ANSI` usually speaks CP437); what was shown before stays as it was.
    Auto,
    Utf8,
    Cp437,
    Latin1,
}

impl ScreenCharset {
    /// From the command line's or a setting's word.
    pub fn from_word(word: &str) -> Option<ScreenCharset> {
        match word.to_ascii_lowercase().as_str() {
            "auto" => Some(ScreenCharset::Auto),
            "utf-8" | "utf8" => Some(ScreenCharset::Utf8),
            "cp437" | "ibm437" => Some(ScreenCharset::Cp437),
            "latin1" | "latin-1" | "iso-8859-1" => Some(ScreenCharset::Latin1),
            _ => None,
        }
    }

    /// From the name agreed through Telnet CHARSET.
    pub fn from_telnet_name(name: &str) -> Option<ScreenCharset> {
        let n: String = name
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_uppercase();
        match n.as_str() {
            "UTF8" => Some(ScreenCharset::Utf8),
            "IBM437" | "CP437" => Some(ScreenCharset::Cp437),
            "ISO88591" | "LATIN1" => Some(ScreenCharset::Latin1),
            _ => None,
        }
    }
}

/// Writes the UTF-8 of a run of bytes of a single-byte charset.
pub type RunMap = fn(&[u8], &mut Vec<u8>);

/// A streaming decoder: a UTF-8 sequence split across reads is joined, not broken.
#[derive(Debug, Clone)]
pub struct Decoder {
    charset: ScreenCharset,
    /// The start of a UTF-8 sequence whose end has not arrived (at most 3 bytes).
    pending: Vec<u8>,
}

impl Decoder {
    pub fn new(charset: ScreenCharset) -> Decoder {
        Decoder {
            charset,
            pending: Vec::new(),
        }
    }

    /// The charset in use now (`Auto` until it decided).
    pub fn charset(&self) -> ScreenCharset {
        self.charset
    }

    /// Switches charset from now on (a CHARSET agreement, the user's choice).
    pub fn set_charset(&mut self, charset: ScreenCharset) {
        self.charset = charset;
    }

    /// Appends the UTF-8 for `bytes` to `out`.
    pub fn decode(&mut self, bytes: &[u8], out: &mut Vec<u8>) {
        match self.charset {
            ScreenCharset::Cp437 => single_byte(bytes, out, cp437),
            ScreenCharset::Latin1 => single_byte(bytes, out, char::from),
            ScreenCharset::Utf8 | ScreenCharset::Auto => self.utf8(bytes, out),
        }
    }

    /// For a single-byte charset, what writes the UTF-8 of a run of bytes at or above 0x80
    /// (below that every such charset is ASCII); `None` for UTF-8, which needs the stream.
    pub fn single_byte_map(&self) -> Option<RunMap> {
        match self.charset {
            ScreenCharset::Cp437 => Some(|run, out| {
                for &b in run {
                    push_char(out, cp437(b));
                }
            }),
            ScreenCharset::Latin1 => Some(|run, out| {
                for &b in run {
                    push_char(out, char::from(b));
                }
            }),
            ScreenCharset::Utf8 | ScreenCharset::Auto => None,
        }
    }

    fn utf8(&mut self, bytes: &[u8], out: &mut Vec<u8>) {
        let mut input = std::mem::take(&mut self.pending);
        input.extend_from_slice(bytes);
        let mut rest = input.as_slice();
        loop {
            match std::str::from_utf8(rest) {
                Ok(text) => {
                    out.extend_from_slice(text.as_bytes());
                    return;
                }
                Err(e) => {
                    let (valid, after) = rest.split_at(e.valid_up_to());
                    out.extend_from_slice(valid);
                    match e.error_len() {
                        // The end of a sequence is still to come.
                        None => {
                            self.pending = after.to_vec();
                            return;
                        }
                        Some(_) if self.charset == ScreenCharset::Auto => {
                            // Not UTF-8 after all: CP437 from here on.
                            self.charset = ScreenCharset::Cp437;
                            single_byte(after, out, cp437);
                            return;
                        }
                        Some(bad) => {
                            // UTF-8 was chosen: show the stray bytes as Latin-1 rather than
                            // replacement marks, so they stay readable.
                            single_byte(&after[..bad], out, char::from);
                            rest = &after[bad..];
                        }
                    }
                }
            }
        }
    }
}

fn single_byte(bytes: &[u8], out: &mut Vec<u8>, map: impl Fn(u8) -> char) {
    out.reserve(bytes.len());
    let mut rest = bytes;
    while !rest.is_empty() {
        // ASCII, escape sequences included, passes in runs.
        let ascii = rest.iter().position(|&b| b >= 0x80).unwrap_or(rest.len());
        out.extend_from_slice(&rest[..ascii]);
        rest = &rest[ascii..];
        if let Some((&b, tail)) = rest.split_first() {
            push_char(out, map(b));
            rest = tail;
        }
    }
}

fn push_char(out: &mut Vec<u8>, c: char) {
    let mut buf = [0u8; 4];
    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
}

/// CP437's upper half (box drawing, blocks, accented letters) as Unicode; the lower half is
/// ASCII, control codes included, so escape sequences pass untouched.
fn cp437(b: u8) -> char {
    oem_cp::code_table::DECODING_TABLE_CP437[usize::from(b - 0x80)]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(d: &mut Decoder, chunks: &[&[u8]]) -> String {
        let mut out = Vec::new();
        for c in chunks {
            d.decode(c, &mut out);
        }
        String::from_utf8(out).expect("always UTF-8")
    }

    #[test]
    fn utf8_split_across_reads_is_joined() {
        let mut d = Decoder::new(ScreenCharset::Utf8);
        assert_eq!(
            run(&mut d, &[b"caf\xc3", b"\xa9 \xe2\x94", b"\x80"]),
            "café ─"
        );
    }

    #[test]
    fn auto_turns_to_cp437_at_the_first_byte_that_is_not_utf8() {
        let mut d = Decoder::new(ScreenCharset::Auto);
        // ANSI art: ESC[1m, then CP437 double-line box corners and a full block.
        let text = run(&mut d, &[b"ok \xe2\x94\x80 ", b"\x1b[1m\xc9\xcd\xbb\xdb"]);
        assert_eq!(text, "ok ─ \u{1b}[1m╔═╗█");
        assert_eq!(d.charset(), ScreenCharset::Cp437);
        assert!(!text.contains('\u{fffd}'));
    }

    #[test]
    fn chosen_charsets_map_every_byte() {
        let mut d = Decoder::new(ScreenCharset::Latin1);
        assert_eq!(run(&mut d, &[b"caf\xe9"]), "café");
        let mut d = Decoder::new(ScreenCharset::Cp437);
        assert_eq!(run(&mut d, &[b"\xb0\xb1\xb2\x82"]), "░▒▓é");
        // Stray bytes in a UTF-8 session stay readable, not replacement marks.
        let mut d = Decoder::new(ScreenCharset::Utf8);
        assert_eq!(run(&mut d, &[b"a\xe9b"]), "aéb");
        assert_eq!(
            ScreenCharset::from_word("CP437"),
            Some(ScreenCharset::Cp437)
        );
        assert_eq!(
            ScreenCharset::from_telnet_name("utf-8"),
            Some(ScreenCharset::Utf8)
        );
    }
}
