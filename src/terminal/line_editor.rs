//! Local echo and line mode, for hosts that do not echo (MUDs, talkers, simple services):
//! what is typed is shown at once and edited on this side, and the host gets whole lines, as
//! `PuTTY` and the classic telnet client do. A host that starts echoing (IAC WILL ECHO, a
//! password prompt) turns it off.

/// The line being typed.
#[derive(Debug, Default, Clone)]
pub struct LineEditor {
    line: String,
}

/// What one input does: bytes for the screen, bytes for the host.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Edited {
    pub echo: Vec<u8>,
    pub send: Vec<u8>,
}

impl LineEditor {
    /// The line typed so far and not yet sent.
    pub fn pending(&self) -> &str {
        &self.line
    }

    /// Takes what the keyboard produced (text, or a key's bytes).
    pub fn input(&mut self, typed: &[u8]) -> Edited {
        let mut out = Edited::default();
        let text = String::from_utf8_lossy(typed);
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\r' | '\n' => {
                    if c == '\r' && chars.peek() == Some(&'\n') {
                        chars.next();
                    }
                    out.echo.extend_from_slice(b"\r\n");
                    out.send.extend_from_slice(self.line.as_bytes());
                    out.send.extend_from_slice(b"\r\n");
                    self.line.clear();
                }
                '\u{7f}' | '\u{8}' => {
                    if let Some(gone) = self.line.pop() {
                        let width = if is_wide(gone) { 2 } else { 1 };
                        for _ in 0..width {
                            out.echo.extend_from_slice(b"\x08 \x08");
                        }
                    }
                }
                // Ctrl+U: the whole line is taken back.
                '\u{15}' => {
                    for c in self.line.chars() {
                        let width = if is_wide(c) { 2 } else { 1 };
                        for _ in 0..width {
                            out.echo.extend_from_slice(b"\x08 \x08");
                        }
                    }
                    self.line.clear();
                }
                // An escape sequence (an arrow key) goes to the host as it is.
                '\u{1b}' => {
                    out.send.push(0x1b);
                    for rest in chars.by_ref() {
                        let mut buf = [0u8; 4];
                        out.send
                            .extend_from_slice(rest.encode_utf8(&mut buf).as_bytes());
                    }
                }
                // Other control keys (Ctrl+C, Ctrl+D, Tab) go at once.
                c if c.is_control() && c != '\t' => {
                    out.send.push(c as u8);
                }
                c => {
                    self.line.push(c);
                    let mut buf = [0u8; 4];
                    out.echo
                        .extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
            }
        }
        out
    }

    /// The host took over echoing: what was typed goes to it as it is, unsent lines and all.
    pub fn take_pending(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.line).into_bytes()
    }
}

/// East Asian wide characters take two cells, so erasing one takes two backspaces.
fn is_wide(c: char) -> bool {
    matches!(u32::from(c), 0x1100..=0x115f | 0x2e80..=0xa4cf | 0xac00..=0xd7a3 | 0xf900..=0xfaff | 0xfe30..=0xfe4f | 0xff00..=0xff60 | 0xffe0..=0xffe6 | 0x1f300..=0x1faff | 0x20000..=0x3fffd)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_echoed_edited_and_sent_whole() {
        let mut e = LineEditor::default();
        let a = e.input(b"helo");
        assert_eq!(a.echo, b"helo");
        assert!(a.send.is_empty());
        let b = e.input(b"\x7f\x7fllo");
        assert_eq!(b.echo, b"\x08 \x08\x08 \x08llo");
        assert_eq!(e.pending(), "hello");
        let c = e.input(b"\r");
        assert_eq!(c.send, b"hello\r\n");
        assert_eq!(c.echo, b"\r\n");
        assert_eq!(e.pending(), "");
        // Backspace on an empty line does nothing.
        assert_eq!(e.input(b"\x7f"), Edited::default());
    }

    #[test]
    fn control_keys_and_escape_sequences_pass_through() {
        let mut e = LineEditor::default();
        e.input(b"ab");
        let out = e.input(b"\x03");
        assert_eq!(out.send, vec![3]);
        let out = e.input(b"\x1b[A");
        assert_eq!(out.send, b"\x1b[A");
        assert!(out.echo.is_empty());
        let out = e.input(b"\x15");
        assert_eq!(out.echo, b"\x08 \x08\x08 \x08");
        assert_eq!(e.pending(), "");
        e.input("日x".as_bytes());
        let out = e.input(b"\x7f\x7f");
        assert_eq!(out.echo.len(), 9, "one cell for x, two for the wide one");
        e.input(b"half");
        assert_eq!(e.take_pending(), b"half");
    }
}
