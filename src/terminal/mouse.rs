//! Mouse reports for a host that asked for them (xterm's modes 1000, 1002 and 1003): `mc`,
//! `htop`, editors with the mouse on. Encoded as the host chose: SGR (mode 1006, no limit on
//! the position), UTF-8 (1005) or the original bytes (positions up to 223).

/// Which mouse reports the host asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MouseTracking {
    #[default]
    Off,
    /// Presses, releases and the wheel (1000).
    Clicks,
    /// Those, and moves while a button is held (1002).
    Drags,
    /// Those, and every move (1003).
    Motion,
}

/// How reports are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MouseEncoding {
    /// `ESC [ M` and three bytes, each the value plus 32.
    #[default]
    X10,
    /// `ESC [ M` and three characters in UTF-8 (1005).
    Utf8,
    /// `ESC [ <` b ; x ; y and `M` for a press, `m` for a release (1006).
    Sgr,
}

/// A mouse button, or the wheel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MouseButton {
    Left,
    Middle,
    Right,
    WheelUp,
    WheelDown,
}

/// What the mouse did, on which cell (0-based), with which modifiers held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MouseEvent {
    /// `None`: a move with no button held.
    pub button: Option<MouseButton>,
    pub kind: MouseAction,
    pub row: usize,
    pub col: usize,
    pub shift: bool,
    pub alt: bool,
    pub ctrl: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MouseAction {
    Press,
    Release,
    Move,
}

/// The bytes reporting `event`, or `None` when the host did not ask for this kind of event or
/// the position cannot be encoded (beyond column or row 223 without SGR).
pub fn encode_mouse(
    event: MouseEvent,
    tracking: MouseTracking,
    encoding: MouseEncoding,
) -> Option<Vec<u8>> {
    let wanted = match (tracking, event.kind, event.button) {
        (MouseTracking::Off, _, _) => false,
        (_, MouseAction::Press | MouseAction::Release, Some(_))
        | (MouseTracking::Drags, MouseAction::Move, Some(_))
        | (MouseTracking::Motion, MouseAction::Move, _) => true,
        _ => false,
    };
    // The wheel has no release.
    let wheel = matches!(
        event.button,
        Some(MouseButton::WheelUp | MouseButton::WheelDown)
    );
    if !wanted || (wheel && event.kind == MouseAction::Release) {
        return None;
    }
    let mut code: u32 = match event.button {
        Some(MouseButton::Left) => 0,
        Some(MouseButton::Middle) => 1,
        Some(MouseButton::Right) => 2,
        Some(MouseButton::WheelUp) => 64,
        Some(MouseButton::WheelDown) => 65,
        None => 3,
    };
    // The original encoding cannot say which button was released.
    if event.kind == MouseAction::Release && encoding != MouseEncoding::Sgr {
        code = 3;
    }
    if event.kind == MouseAction::Move {
        code += 32;
    }
    code += 4 * u32::from(event.shift) + 8 * u32::from(event.alt) + 16 * u32::from(event.ctrl);
    let (x, y) = (event.col + 1, event.row + 1);
    match encoding {
        MouseEncoding::Sgr => {
            let end = if event.kind == MouseAction::Release {
                'm'
            } else {
                'M'
            };
            Some(format!("\x1b[<{code};{x};{y}{end}").into_bytes())
        }
        MouseEncoding::X10 => {
            let byte = |v: usize| u8::try_from(v + 32).ok();
            let (cx, cy) = (byte(x)?, byte(y)?);
            Some(vec![
                0x1b,
                b'[',
                b'M',
                u8::try_from(code + 32).ok()?,
                cx,
                cy,
            ])
        }
        MouseEncoding::Utf8 => {
            let mut out = b"\x1b[M".to_vec();
            for v in [code as usize, x, y] {
                // xterm's limit for this encoding.
                let c = char::from_u32(u32::try_from(v + 32).ok().filter(|&v| v < 2048)?)?;
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
            Some(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(button: Option<MouseButton>, kind: MouseAction, row: usize, col: usize) -> MouseEvent {
        MouseEvent {
            button,
            kind,
            row,
            col,
            shift: false,
            alt: false,
            ctrl: false,
        }
    }

    #[test]
    fn reports_as_xterm_writes_them() {
        use MouseAction::{Move, Press, Release};
        use MouseButton::{Left, Right, WheelDown};
        let sgr = |e| encode_mouse(e, MouseTracking::Clicks, MouseEncoding::Sgr);
        assert_eq!(
            sgr(at(Some(Left), Press, 2, 4)),
            Some(b"\x1b[<0;5;3M".to_vec())
        );
        assert_eq!(
            sgr(at(Some(Left), Release, 2, 4)),
            Some(b"\x1b[<0;5;3m".to_vec())
        );
        assert_eq!(
            sgr(at(Some(Right), Press, 0, 0)),
            Some(b"\x1b[<2;1;1M".to_vec())
        );
        assert_eq!(
            sgr(at(Some(WheelDown), Press, 9, 9)),
            Some(b"\x1b[<65;10;10M".to_vec())
        );
        assert_eq!(
            sgr(at(Some(WheelDown), Release, 9, 9)),
            None,
            "the wheel has no release"
        );
        let x10 = |e| encode_mouse(e, MouseTracking::Clicks, MouseEncoding::X10);
        assert_eq!(
            x10(at(Some(Left), Press, 2, 4)),
            Some(b"\x1b[M %#".to_vec())
        );
        assert_eq!(
            x10(at(Some(Left), Release, 2, 4)),
            Some(b"\x1b[M#%#".to_vec())
        );
        assert_eq!(
            x10(at(Some(Left), Press, 0, 223)),
            None,
            "beyond what a byte holds"
        );
        assert_eq!(
            encode_mouse(
                at(Some(Left), Press, 0, 300),
                MouseTracking::Clicks,
                MouseEncoding::Utf8
            ),
            Some("\x1b[M \u{14d}!".as_bytes().to_vec())
        );
        let mut ctrl = at(Some(Left), Press, 0, 0);
        ctrl.ctrl = true;
        ctrl.shift = true;
        assert_eq!(sgr(ctrl), Some(b"\x1b[<20;1;1M".to_vec()));
        // Moves: only with a button held in mode 1002, always in 1003, never in 1000.
        assert_eq!(sgr(at(Some(Left), Move, 1, 1)), None);
        let drag = |e| encode_mouse(e, MouseTracking::Drags, MouseEncoding::Sgr);
        assert_eq!(
            drag(at(Some(Left), Move, 1, 1)),
            Some(b"\x1b[<32;2;2M".to_vec())
        );
        assert_eq!(drag(at(None, Move, 1, 1)), None);
        assert_eq!(
            encode_mouse(
                at(None, Move, 1, 1),
                MouseTracking::Motion,
                MouseEncoding::Sgr
            ),
            Some(b"\x1b[<35;2;2M".to_vec())
        );
        assert_eq!(
            encode_mouse(
                at(Some(Left), Press, 0, 0),
                MouseTracking::Off,
                MouseEncoding::Sgr
            ),
            None
        );
    }
}
