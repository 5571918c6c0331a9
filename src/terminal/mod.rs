//! The terminal: `alacritty_terminal`'s model fed with what a session receives, decoded from
//! the session's charset first, and what the keyboard sends back. No PTY and no UI: the
//! command line prints the screen, the Terminal panel draws it.

mod blink;
pub mod byte_log;
mod capture;
mod decode;
mod host_text;
mod keys;
mod line_editor;
mod mouse;
mod screen;

pub use capture::{CaptureKind, TextFilter};
pub use decode::{Decoder, ScreenCharset};
pub use host_text::HostText;
pub use keys::{
    KeyMods, KeypadKey, TermKey, encode as encode_key, encode_keypad_app, paste as encode_paste,
};
pub use line_editor::{Edited, LineEditor};
pub use mouse::{MouseAction, MouseButton, MouseEncoding, MouseEvent, MouseTracking, encode_mouse};
pub use screen::{HostRequest, Modes, Screen, SelectionKind, blinks, is_drawing, readable_text};
