//! Capturing a session to a file: the raw bytes as the host sent them (after Telnet's own
//! commands are taken out), or the text a person read, without escape sequences.

use alacritty_terminal::vte::{Parser, Perform};

/// What a capture keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaptureKind {
    /// Every byte of the data stream: replayable ANSI, in the host's charset.
    Raw,
    /// The text, in UTF-8, one line per line: colours, cursor moves and other escape
    /// sequences are left out.
    Text,
}

/// Turns the decoded stream into plain text, keeping its place across chunks.
pub struct TextFilter {
    parser: Parser,
    out: Collect,
}

#[derive(Default)]
struct Collect(Vec<u8>);

impl Perform for Collect {
    fn print(&mut self, c: char) {
        let mut buf = [0u8; 4];
        self.0.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
    }

    fn execute(&mut self, byte: u8) {
        match byte {
            b'\n' | b'\t' => self.0.push(byte),
            // A backspace takes back the last character of the line (echoed deletions).
            0x08 => {
                if let Some(&last) = self.0.last()
                    && last != b'\n'
                {
                    // Drop a whole UTF-8 character.
                    while let Some(b) = self.0.pop() {
                        if b & 0xc0 != 0x80 {
                            break;
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

impl Default for TextFilter {
    fn default() -> Self {
        TextFilter {
            parser: Parser::new(),
            out: Collect::default(),
        }
    }
}

impl TextFilter {
    /// The text in `utf8` (the screen's decoded input), escape sequences removed.
    pub fn filter(&mut self, utf8: &[u8]) -> Vec<u8> {
        self.parser.advance(&mut self.out, utf8);
        std::mem::take(&mut self.out.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_capture_keeps_the_words_and_drops_the_escapes() {
        let mut f = TextFilter::default();
        let mut text = f.filter(b"\x1b[1;31mred\x1b[0m\r\nnext \x1b[");
        text.extend(f.filter(b"5Cline\x1b]2;title\x07 abx\x08c\r\n"));
        assert_eq!(
            String::from_utf8(text).expect("utf8"),
            "red\nnext line abc\n"
        );
        assert_eq!(f.filter("é\x08ü".as_bytes()), "ü".as_bytes());
    }
}
