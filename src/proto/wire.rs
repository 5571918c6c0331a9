//! The protocol log: what each session sends and receives, as lines.
//!
//! Protocol code reports traffic here through `tracing` with the target [`TARGET`]; the app
//! installs a layer that keeps the lines for its log window, and the command line can print them
//! with `RUST_LOG=wire=debug`. Callers mask secrets before they log.

/// The `tracing` target of protocol log lines.
pub const TARGET: &str = "wire";

/// Longest line kept in the log; longer ones are cut with a note.
pub const MAX_LOGGED_LINE: usize = 300;

/// Which way a line went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Sent,
    Received,
    Note,
}

impl Flow {
    pub fn arrow(self) -> &'static str {
        match self {
            Flow::Sent => ">",
            Flow::Received => "<",
            Flow::Note => "*",
        }
    }
}

/// Logs one line for `session` (such as `gopher localhost:7070`).
pub fn log(session: &str, dir: Flow, line: &[u8]) {
    let text = printable(line);
    tracing::debug!(target: TARGET, session = session, dir = dir.arrow(), "{text}");
}

/// Renders bytes for the log: invalid UTF-8 and control characters become escapes, long
/// lines are cut.
pub fn printable(line: &[u8]) -> String {
    let cut = line.len() > MAX_LOGGED_LINE;
    let shown = &line[..line.len().min(MAX_LOGGED_LINE)];
    let mut out = String::with_capacity(shown.len());
    for chunk in shown.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c == '\t' {
                out.push_str("\\t");
            } else if c.is_control() {
                out.push_str(&format!("\\x{:02x}", u32::from(c)));
            } else {
                out.push(c);
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    if cut {
        out.push_str(&format!(" … ({} bytes)", line.len()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_escapes_and_cuts() {
        assert_eq!(printable(b"a\tb\x01\xff"), "a\\tb\\x01\\xff");
        let long = vec![b'x'; MAX_LOGGED_LINE + 10];
        let shown = printable(&long);
        assert!(shown.ends_with(&format!("({} bytes)", MAX_LOGGED_LINE + 10)));
    }
}
