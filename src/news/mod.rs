//! Usenet beyond the wire: read ranges and `.newsrc`, and the binaries articles carry (yEnc,
//! uuencode). Pure code; the worker and the store use it.

pub mod groups;
pub mod post;
pub mod ranges;
pub mod score;
pub mod threads;
pub mod uu;
pub mod yenc;
