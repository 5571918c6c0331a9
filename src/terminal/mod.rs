//! The terminal's screen: `alacritty_terminal`'s model fed with what a session receives,
//! decoded from the session's charset first. No PTY and no UI: the command line prints it, the
//! Terminal panel will draw it.

mod decode;
mod screen;

pub use decode::{Decoder, ScreenCharset};
pub use screen::Screen;
