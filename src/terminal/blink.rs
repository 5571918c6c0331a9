//! Blink (SGR 5 and 6), which `alacritty_terminal` drops: its handler ignores the attribute
//! and its cells have no flag for it. BBS menus and ANSI art use it, so it is carried through
//! the model as a mark: on its way to the parser an SGR that turns blink on also sets the
//! underline colour to [`BLINK_MARK`], and one that turns it off resets that colour (SGR 59).
//! The widget never draws underline colours, so nothing else changes; it draws cells with the
//! mark blinking. Only SGR sequences are touched, and only their blink parameters.

use alacritty_terminal::vte::ansi::Rgb;

/// The underline colour that marks a blinking cell.
pub const BLINK_MARK: Rgb = Rgb { r: 1, g: 2, b: 3 };

/// The longest CSI parameter list looked at; a longer one passes untouched.
const MAX_PARAMS: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum State {
    #[default]
    Ground,
    /// After ESC.
    Esc,
    /// After ESC [, collecting parameter and intermediate bytes.
    Csi,
}

/// The rewriter; it keeps its place across reads, so a sequence split anywhere is seen whole.
#[derive(Debug, Default)]
pub struct BlinkMarker {
    state: State,
    params: Vec<u8>,
}

impl BlinkMarker {
    /// Appends `input` (UTF-8 already) to `out`, with the blink parameters of SGR sequences
    /// rewritten.
    pub fn rewrite(&mut self, input: &[u8], out: &mut Vec<u8>) {
        self.rewrite_mapped(input, out, |bytes, out| out.extend_from_slice(bytes));
    }

    /// As [`BlinkMarker::rewrite`], for bytes in a single-byte charset: a run of text is
    /// scanned once, for ESC and for the first byte that is not ASCII, and each run of bytes
    /// at or above 0x80 goes through `map` on its way out. The charset decode and the blink marking
    /// are then one pass over the host's bytes, with one copy, not two of each.
    pub fn rewrite_mapped(
        &mut self,
        input: &[u8],
        out: &mut Vec<u8>,
        map: impl Fn(&[u8], &mut Vec<u8>),
    ) {
        out.reserve(input.len() + input.len() / 4);
        let mut rest = input;
        while !rest.is_empty() {
            if self.state == State::Ground {
                // Text up to the next ESC passes in runs: ASCII as it is, the rest mapped.
                let stop = rest
                    .iter()
                    .position(|&b| b == 0x1b || b >= 0x80)
                    .unwrap_or(rest.len());
                out.extend_from_slice(&rest[..stop]);
                rest = &rest[stop..];
                let high = rest.iter().take_while(|&&b| b >= 0x80).count();
                if high > 0 {
                    map(&rest[..high], out);
                    rest = &rest[high..];
                    continue;
                }
                if rest.is_empty() {
                    break;
                }
            }
            let b = rest[0];
            rest = &rest[1..];
            match self.state {
                State::Ground => {
                    out.push(b);
                    self.state = State::Esc;
                }
                State::Esc => {
                    if b >= 0x80 {
                        map(&[b], out);
                    } else {
                        out.push(b);
                    }
                    self.state = match b {
                        b'[' => {
                            self.params.clear();
                            State::Csi
                        }
                        0x1b => State::Esc,
                        _ => State::Ground,
                    };
                }
                State::Csi => {
                    if (0x40..=0x7e).contains(&b) {
                        if b == b'm' {
                            sgr(&self.params, out);
                        } else {
                            out.extend_from_slice(&self.params);
                        }
                        out.push(b);
                        self.state = State::Ground;
                    } else if (0x20..=0x3f).contains(&b) && self.params.len() < MAX_PARAMS {
                        self.params.push(b);
                    } else {
                        // A control inside the sequence, or one too long: passed as it came,
                        // for the parser to treat as it would have.
                        out.extend_from_slice(&self.params);
                        if b >= 0x80 {
                            map(&[b], out);
                        } else {
                            out.push(b);
                        }
                        self.state = if b == 0x1b { State::Esc } else { State::Ground };
                    }
                }
            }
        }
    }
}

/// Writes an SGR parameter list with blink on (5, 6) and off (25) turned into the mark.
fn sgr(params: &[u8], out: &mut Vec<u8>) {
    // 5, 6 and 25 all hold a 5 or a 6: most SGRs have neither and pass as they are.
    let maybe_blink = params.iter().any(|&b| b == b'5' || b == b'6');
    if !maybe_blink
        || !params
            .iter()
            .all(|&b| b.is_ascii_digit() || b == b';' || b == b':')
    {
        out.extend_from_slice(params);
        return;
    }
    let parts: Vec<&[u8]> = params.split(|&b| b == b';').collect();
    let number = |p: &[u8]| -> Option<u32> {
        if p.is_empty() || p.len() > 5 || p.contains(&b':') {
            return None;
        }
        p.iter()
            .try_fold(0u32, |n, &d| Some(n * 10 + u32::from(d - b'0')))
    };
    let mut i = 0;
    while i < parts.len() {
        if i > 0 {
            out.push(b';');
        }
        let p = parts[i];
        i += 1;
        match number(p) {
            // A colour: its own parameters (5;N or 2;R;G;B) are not attributes.
            Some(38 | 48 | 58) => {
                out.extend_from_slice(p);
                let take = match parts.get(i).and_then(|q| number(q)) {
                    Some(5) => 2,
                    Some(2) => 4,
                    _ => 0,
                };
                for q in parts.iter().skip(i).take(take) {
                    out.push(b';');
                    out.extend_from_slice(q);
                }
                i += take.min(parts.len() - i);
            }
            Some(5 | 6) => out.extend_from_slice(
                format!("58;2;{};{};{}", BLINK_MARK.r, BLINK_MARK.g, BLINK_MARK.b).as_bytes(),
            ),
            Some(25) => out.extend_from_slice(b"59"),
            _ => out.extend_from_slice(p),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(chunks: &[&[u8]]) -> String {
        let mut m = BlinkMarker::default();
        let mut out = Vec::new();
        for c in chunks {
            m.rewrite(c, &mut out);
        }
        String::from_utf8(out).expect("utf8")
    }

    #[test]
    fn blink_becomes_the_mark_and_nothing_else_changes() {
        assert_eq!(
            run(&[b"\x1b[1;5;31mX\x1b[25mY"]),
            "\x1b[1;58;2;1;2;3;31mX\x1b[59mY"
        );
        // The 5 of a 256-colour and the 5s of an RGB colour are not blink.
        assert_eq!(run(&[b"\x1b[38;5;5;5m"]), "\x1b[38;5;5;58;2;1;2;3m");
        assert_eq!(run(&[b"\x1b[48;2;5;5;5m"]), "\x1b[48;2;5;5;5m");
        assert_eq!(
            run(&[b"\x1b[38:5:5m\x1b[6m"]),
            "\x1b[38:5:5m\x1b[58;2;1;2;3m"
        );
        // Other sequences, private ones and text pass untouched.
        for same in [
            "\x1b[5A\x1b[?5h\x1b[>5m plain 5 text \x1b]2;5\x07",
            "\x1b[0m\x1b[m\x1b[;1m",
        ] {
            assert_eq!(run(&[same.as_bytes()]), same);
        }
    }

    #[test]
    fn a_sequence_split_anywhere_is_rewritten_the_same() {
        let whole = b"a\x1b[0;5;33mb\x1b[25mc";
        for cut in 0..whole.len() {
            assert_eq!(
                run(&[&whole[..cut], &whole[cut..]]),
                run(&[whole]),
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn a_control_inside_or_an_endless_sequence_passes_as_it_came() {
        assert_eq!(run(&[b"\x1b[5\r;5m"]), "\x1b[5\r;5m");
        let long = format!("\x1b[{}m", "1;".repeat(200));
        assert_eq!(run(&[long.as_bytes()]), long);
    }

    /// The one-pass decode and marking writes what decoding first and marking after did.
    fn two_passes(charset: crate::terminal::ScreenCharset, chunks: &[&[u8]]) -> Vec<u8> {
        let mut d = crate::terminal::Decoder::new(charset);
        let mut m = BlinkMarker::default();
        let mut out = Vec::new();
        for c in chunks {
            let mut text = Vec::new();
            d.decode(c, &mut text);
            m.rewrite(&text, &mut out);
        }
        out
    }

    fn one_pass(charset: crate::terminal::ScreenCharset, chunks: &[&[u8]]) -> Vec<u8> {
        let d = crate::terminal::Decoder::new(charset);
        let map = d.single_byte_map().expect("a single-byte charset");
        let mut m = BlinkMarker::default();
        let mut out = Vec::new();
        for c in chunks {
            m.rewrite_mapped(c, &mut out, map);
        }
        out
    }

    #[test]
    fn one_pass_decode_and_marking_equals_two() {
        use crate::terminal::ScreenCharset::{Cp437, Latin1};
        let whole: &[u8] =
            b"\xc9\xcd\xbb a\x1b[1;5;31m\xdb\xb2\x1b[25m\x1b\xb0\x1b[5\xc4m\x1b]2;caf\xe9\x07\xff";
        for charset in [Cp437, Latin1] {
            for cut in 0..whole.len() {
                let chunks = [&whole[..cut], &whole[cut..]];
                assert_eq!(
                    String::from_utf8(one_pass(charset, &chunks)).expect("utf8"),
                    String::from_utf8(two_passes(charset, &chunks)).expect("utf8"),
                    "{charset:?} cut at {cut}"
                );
            }
        }
        assert_eq!(
            String::from_utf8(one_pass(Cp437, &[b"\x1b[5m\xdb"])).expect("utf8"),
            "\x1b[58;2;1;2;3m\u{2588}"
        );
    }

    proptest::proptest! {
        #[test]
        fn one_pass_equals_two_on_any_bytes(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300),
            cut in 0usize..300,
        ) {
            let cut = cut.min(bytes.len());
            let chunks = [&bytes[..cut], &bytes[cut..]];
            for charset in [crate::terminal::ScreenCharset::Cp437, crate::terminal::ScreenCharset::Latin1] {
                proptest::prop_assert_eq!(one_pass(charset, &chunks), two_passes(charset, &chunks));
            }
        }
    }
}
