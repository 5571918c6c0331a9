//! What a key sends to the host, as xterm encodes it: the bytes depend on the terminal's
//! modes (application cursor keys) and on Alt, which puts ESC before the key.

/// The modifiers that change what a key sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KeyMods {
    pub ctrl: bool,
    pub alt: bool,
    pub shift: bool,
}

/// The keys the terminal sends something for, apart from text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TermKey {
    Enter,
    Backspace,
    Tab,
    Escape,
    Up,
    Down,
    Right,
    Left,
    Home,
    End,
    PageUp,
    PageDown,
    Insert,
    Delete,
    /// F1 to F12.
    F(u8),
    /// A letter, digit or punctuation key (with Ctrl or Alt; plain ones arrive as text).
    Char(char),
}

/// A key of the numeric keypad (as the window layer reports where a key is), when it types
/// what is printed on it (Num Lock on; with it off the keypad's keys are arrows and the like,
/// sent as those keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeypadKey {
    Digit(u8),
    Decimal,
    Plus,
    Minus,
    Multiply,
    Divide,
    Enter,
    Equal,
    Comma,
}

/// What a keypad key sends while the host asked for application keypad mode (DECKPAM,
/// `ESC =`), as a VT100's keypad does: `ESC O` and a letter. In numeric mode (`ESC >`) the
/// keys send what they type, and this is not used.
pub fn encode_keypad_app(key: KeypadKey) -> Vec<u8> {
    let letter = match key {
        KeypadKey::Digit(d) => b'p' + d.min(9),
        KeypadKey::Decimal => b'n',
        KeypadKey::Plus => b'k',
        KeypadKey::Minus => b'm',
        KeypadKey::Multiply => b'j',
        KeypadKey::Divide => b'o',
        KeypadKey::Enter => b'M',
        KeypadKey::Equal => b'X',
        KeypadKey::Comma => b'l',
    };
    vec![0x1b, b'O', letter]
}

/// The bytes for `key`, or `None` when it sends nothing (a plain letter comes as text).
pub fn encode(key: TermKey, mods: KeyMods, app_cursor: bool) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    if mods.alt {
        out.push(0x1b);
    }
    let modifier = xterm_modifier(mods);
    match key {
        TermKey::Char(c) => {
            if mods.ctrl {
                out.push(ctrl_byte(c)?);
            } else if mods.alt {
                let c = if mods.shift {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                };
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            } else {
                return None;
            }
        }
        // A bare CR: the Telnet engine sends it as CR NUL outside binary mode.
        TermKey::Enter => out.push(b'\r'),
        TermKey::Backspace => out.push(if mods.ctrl { 0x08 } else { 0x7f }),
        TermKey::Tab if mods.shift => out.extend_from_slice(b"\x1b[Z"),
        TermKey::Tab => out.push(b'\t'),
        TermKey::Escape => out.push(0x1b),
        TermKey::Up
        | TermKey::Down
        | TermKey::Right
        | TermKey::Left
        | TermKey::Home
        | TermKey::End => {
            let letter = match key {
                TermKey::Up => b'A',
                TermKey::Down => b'B',
                TermKey::Right => b'C',
                TermKey::Left => b'D',
                TermKey::Home => b'H',
                _ => b'F',
            };
            match modifier {
                Some(m) => out.extend_from_slice(format!("\x1b[1;{m}").as_bytes()),
                None if app_cursor => out.extend_from_slice(b"\x1bO"),
                None => out.extend_from_slice(b"\x1b["),
            }
            out.push(letter);
        }
        TermKey::PageUp => tilde(&mut out, 5, modifier),
        TermKey::PageDown => tilde(&mut out, 6, modifier),
        TermKey::Insert => tilde(&mut out, 2, modifier),
        TermKey::Delete => tilde(&mut out, 3, modifier),
        TermKey::F(n @ 1..=4) => {
            let letter = b"PQRS"[usize::from(n - 1)];
            match modifier {
                Some(m) => out.extend_from_slice(format!("\x1b[1;{m}").as_bytes()),
                None => out.extend_from_slice(b"\x1bO"),
            }
            out.push(letter);
        }
        TermKey::F(n @ 5..=12) => {
            const CODES: [u8; 8] = [15, 17, 18, 19, 20, 21, 23, 24];
            tilde(&mut out, CODES[usize::from(n - 5)], modifier);
        }
        TermKey::F(_) => return None,
    }
    Some(out)
}

/// xterm's modifier parameter (1 + shift + 2·alt + 4·ctrl) when any is held.
fn xterm_modifier(mods: KeyMods) -> Option<u8> {
    let m = u8::from(mods.shift) + 2 * u8::from(mods.alt) + 4 * u8::from(mods.ctrl);
    (m > 0).then_some(m + 1)
}

fn tilde(out: &mut Vec<u8>, code: u8, modifier: Option<u8>) {
    match modifier {
        Some(m) => out.extend_from_slice(format!("\x1b[{code};{m}~").as_bytes()),
        None => out.extend_from_slice(format!("\x1b[{code}~").as_bytes()),
    }
}

/// Ctrl with a key: the control code of its letter, and the usual ones for `@ [ \ ] ^ _`,
/// space and `?` (DEL).
fn ctrl_byte(c: char) -> Option<u8> {
    let c = c.to_ascii_uppercase();
    match c {
        'A'..='Z' | '@' | '[' | '\\' | ']' | '^' | '_' => Some((c as u8) & 0x1f),
        ' ' | '2' => Some(0),
        '?' => Some(0x7f),
        _ => None,
    }
}

/// Wraps pasted text as the host asked: between `ESC[200~` and `ESC[201~` when bracketed
/// paste is on (with any end marker inside the text removed, so a paste cannot end itself
/// early and type commands), and with line ends as the Enter key sends them.
pub fn paste(text: &str, bracketed: bool) -> Vec<u8> {
    let text = text.replace("\r\n", "\r").replace('\n', "\r");
    if bracketed {
        let inner = text.replace("\x1b[201~", "").replace("\x1b[200~", "");
        format!("\x1b[200~{inner}\x1b[201~").into_bytes()
    } else {
        text.into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NONE: KeyMods = KeyMods {
        ctrl: false,
        alt: false,
        shift: false,
    };

    fn with(ctrl: bool, alt: bool, shift: bool) -> KeyMods {
        KeyMods { ctrl, alt, shift }
    }

    #[test]
    fn keys_send_what_xterm_sends() {
        assert_eq!(encode(TermKey::Up, NONE, false), Some(b"\x1b[A".to_vec()));
        assert_eq!(encode(TermKey::Up, NONE, true), Some(b"\x1bOA".to_vec()));
        assert_eq!(
            encode(TermKey::Right, with(true, false, false), true),
            Some(b"\x1b[1;5C".to_vec())
        );
        assert_eq!(encode(TermKey::Enter, NONE, false), Some(b"\r".to_vec()));
        assert_eq!(
            encode(TermKey::Char('c'), with(true, false, false), false),
            Some(vec![3])
        );
        assert_eq!(
            encode(TermKey::Char('['), with(true, false, false), false),
            Some(vec![0x1b])
        );
        assert_eq!(
            encode(TermKey::Char('x'), with(false, true, false), false),
            Some(b"\x1bx".to_vec())
        );
        assert_eq!(
            encode(TermKey::Char('x'), with(false, true, true), false),
            Some(b"\x1bX".to_vec())
        );
        assert_eq!(encode(TermKey::Char('a'), NONE, false), None);
        assert_eq!(encode(TermKey::F(1), NONE, false), Some(b"\x1bOP".to_vec()));
        assert_eq!(
            encode(TermKey::F(5), NONE, false),
            Some(b"\x1b[15~".to_vec())
        );
        assert_eq!(
            encode(TermKey::F(12), NONE, false),
            Some(b"\x1b[24~".to_vec())
        );
        assert_eq!(
            encode(TermKey::Delete, with(false, false, true), false),
            Some(b"\x1b[3;2~".to_vec())
        );
        assert_eq!(
            encode(TermKey::Tab, with(false, false, true), false),
            Some(b"\x1b[Z".to_vec())
        );
        assert_eq!(encode(TermKey::F(13), NONE, false), None);
    }

    #[test]
    fn keypad_keys_send_vt100_application_codes() {
        assert_eq!(encode_keypad_app(KeypadKey::Digit(0)), b"\x1bOp");
        assert_eq!(encode_keypad_app(KeypadKey::Digit(8)), b"\x1bOx");
        assert_eq!(encode_keypad_app(KeypadKey::Digit(9)), b"\x1bOy");
        assert_eq!(encode_keypad_app(KeypadKey::Enter), b"\x1bOM");
        assert_eq!(encode_keypad_app(KeypadKey::Plus), b"\x1bOk");
        assert_eq!(encode_keypad_app(KeypadKey::Minus), b"\x1bOm");
        assert_eq!(encode_keypad_app(KeypadKey::Multiply), b"\x1bOj");
        assert_eq!(encode_keypad_app(KeypadKey::Divide), b"\x1bOo");
        assert_eq!(encode_keypad_app(KeypadKey::Decimal), b"\x1bOn");
    }

    #[test]
    fn a_bracketed_paste_cannot_end_itself() {
        assert_eq!(paste("a\nb", false), b"a\rb");
        assert_eq!(
            paste("ls\x1b[201~rm -rf x\n", true),
            b"\x1b[200~lsrm -rf x\r\x1b[201~"
        );
    }
}
