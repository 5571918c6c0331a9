//! The host's bytes as the text the screen model reads: decoded from the session's charset
//! and with blink marked (see `blink`). Kept apart from the model so that a session can do
//! this on the thread that reads the connection while another thread feeds the model.

use super::blink::BlinkMarker;
use super::decode::{Decoder, ScreenCharset};

/// A stream's conversion state: a UTF-8 sequence or an escape sequence split across reads is
/// seen whole.
#[derive(Debug)]
pub struct HostText {
    decoder: Decoder,
    blink: BlinkMarker,
    utf8: Vec<u8>,
}

impl HostText {
    pub fn new(charset: ScreenCharset) -> HostText {
        HostText {
            decoder: Decoder::new(charset),
            blink: BlinkMarker::default(),
            utf8: Vec::new(),
        }
    }

    /// Appends the model's text for `bytes` to `out`.
    pub fn convert(&mut self, bytes: &[u8], out: &mut Vec<u8>) {
        if let Some(map) = self.decoder.single_byte_map() {
            // CP437 and Latin-1 are decoded in the same pass that marks blink.
            self.blink.rewrite_mapped(bytes, out, map);
        } else {
            self.utf8.clear();
            self.decoder.decode(bytes, &mut self.utf8);
            self.blink.rewrite(&self.utf8, out);
        }
    }

    /// The charset in use (a detected one once `Auto` decided).
    pub fn charset(&self) -> ScreenCharset {
        self.decoder.charset()
    }

    pub fn set_charset(&mut self, charset: ScreenCharset) {
        self.decoder.set_charset(charset);
    }
}
