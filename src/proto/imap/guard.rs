//! Bounds on what an IMAP server may send, enforced under async-imap, which would otherwise
//! buffer a line or a literal of any size up to 512 MiB (and allocate a claimed literal's size
//! before the bytes arrive) and wait for ever. The guard reads the stream's framing as it goes
//! by: lines outside literals, and `{N}` literal announcements, which it checks before the
//! parser sees them. It also times out a read that waits too long.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::client::MessageHead;
use super::heads::{
    HeadError, Responses, is_esearch, is_fetch, is_search, parse_esearch, parse_head, parse_search,
};

/// What the guard stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GuardError {
    #[error("the server sent a line longer than {limit} bytes")]
    LineTooLong { limit: u64 },
    #[error(
        "the server announced {claimed} bytes of data in one piece, more than the {limit} allowed here"
    )]
    LiteralTooLarge { claimed: u64, limit: u64 },
    #[error("the server sent one response of more than {limit} bytes")]
    ResponseTooLarge { limit: usize },
    #[error("the server sent nothing for {secs} s")]
    Timeout { secs: u64 },
}

/// The limits in force, changed by the session between commands (a message body may be large;
/// a header batch may not; IDLE may wait for half an hour).
#[derive(Debug)]
pub struct Bounds {
    max_line: AtomicU64,
    max_literal: AtomicU64,
    timeout_ms: AtomicU64,
}

impl Bounds {
    pub fn new(max_line: u64, max_literal: u64, timeout: Duration) -> Arc<Bounds> {
        Arc::new(Bounds {
            max_line: AtomicU64::new(max_line),
            max_literal: AtomicU64::new(max_literal),
            timeout_ms: AtomicU64::new(timeout.as_millis() as u64),
        })
    }

    pub fn set_max_literal(&self, limit: u64) {
        self.max_literal.store(limit, Ordering::Relaxed);
    }

    pub fn max_literal(&self) -> u64 {
        self.max_literal.load(Ordering::Relaxed)
    }

    pub fn set_timeout(&self, timeout: Duration) {
        self.timeout_ms
            .store(timeout.as_millis() as u64, Ordering::Relaxed);
    }

    fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms.load(Ordering::Relaxed))
    }
}

/// The framing scanner, apart from I/O so it can be tested and fuzzed on any split of bytes.
#[derive(Debug, Default, Clone)]
pub struct Framing {
    /// Bytes of the current line outside literals.
    line_len: u64,
    /// Bytes of a literal still to pass.
    literal_left: u64,
    /// The last bytes of the current line, to read a `{N}` just before its CR LF.
    tail: Vec<u8>,
}

const TAIL: usize = 24;

impl Framing {
    /// Checks `bytes`, the next bytes from the server.
    pub fn scan(
        &mut self,
        bytes: &[u8],
        max_line: u64,
        max_literal: u64,
    ) -> Result<(), GuardError> {
        let mut i = 0;
        while i < bytes.len() {
            if self.literal_left > 0 {
                let take =
                    (bytes.len() - i).min(usize::try_from(self.literal_left).unwrap_or(usize::MAX));
                self.literal_left -= take as u64;
                i += take;
                continue;
            }
            let rest = &bytes[i..];
            match memchr::memchr(b'\n', rest) {
                None => {
                    self.line_len += rest.len() as u64;
                    self.keep_tail(rest);
                    i = bytes.len();
                }
                Some(at) => {
                    self.line_len += at as u64 + 1;
                    self.keep_tail(&rest[..at]);
                    i += at + 1;
                    let claimed = literal_claim(&self.tail);
                    self.tail.clear();
                    self.line_len = 0;
                    if let Some(claimed) = claimed {
                        if claimed > max_literal {
                            return Err(GuardError::LiteralTooLarge {
                                claimed,
                                limit: max_literal,
                            });
                        }
                        self.literal_left = claimed;
                    }
                    continue;
                }
            }
            if self.line_len > max_line {
                return Err(GuardError::LineTooLong { limit: max_line });
            }
        }
        if self.line_len > max_line {
            return Err(GuardError::LineTooLong { limit: max_line });
        }
        Ok(())
    }

    fn keep_tail(&mut self, piece: &[u8]) {
        self.tail
            .extend_from_slice(&piece[piece.len().saturating_sub(TAIL)..]);
        if self.tail.len() > TAIL {
            self.tail.drain(..self.tail.len() - TAIL);
        }
    }
}

/// `{123}` (or `~{123}`, a BINARY literal, or `{123+}`, RFC 7888's form) at the end of a
/// line, before its CR.
pub(super) fn literal_claim(tail: &[u8]) -> Option<u64> {
    let t = tail.strip_suffix(b"\r").unwrap_or(tail);
    let t = t.strip_suffix(b"}")?;
    let t = t.strip_suffix(b"+").unwrap_or(t);
    let Some(open) = t.iter().rposition(|b| *b == b'{') else {
        // A run of digits longer than the tail kept: a claim too large to read.
        return (t.len() + 2 >= TAIL && t.iter().all(u8::is_ascii_digit)).then_some(u64::MAX);
    };
    let digits = &t[open + 1..];
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    // Too many digits to fit is as good as too large.
    Some(
        std::str::from_utf8(digits)
            .ok()?
            .parse()
            .unwrap_or(u64::MAX),
    )
}

/// The stream async-imap reads: the connection with its framing checked and reads timed.
/// While a summary fetch runs, its FETCH responses are read here ([`Guarded::divert`])
/// and only the rest goes up to async-imap.
pub struct Guarded<S> {
    inner: S,
    bounds: Arc<Bounds>,
    framing: Framing,
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
    divert: Option<Diversion>,
    /// Bytes for async-imap that arrived with diverted ones, handed over before any read.
    held: Vec<u8>,
    held_at: usize,
    /// Where diverted reads land.
    scratch: Vec<u8>,
}

/// The FETCH and SEARCH responses of a command, read by our own parser.
#[derive(Debug, Default)]
struct Diversion {
    responses: Responses,
    found: Diverted,
    limit: usize,
    sink: Option<Sink>,
}

/// Where summaries go while their command is still being answered, `every` at a time, so
/// they can be stored while the rest arrive (see [`Guarded::divert_heads`]).
struct Sink {
    every: usize,
    deliver: Box<dyn FnMut(Vec<MessageHead>) + Send>,
}

impl std::fmt::Debug for Sink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sink")
            .field("every", &self.every)
            .finish_non_exhaustive()
    }
}

/// What [`Guarded::divert`] read.
#[derive(Debug, Default)]
pub struct Diverted {
    /// The summaries of `* n FETCH` responses that carry a UID.
    pub heads: Vec<MessageHead>,
    /// The numbers of `* SEARCH` and `* ESEARCH` responses.
    pub numbers: Vec<u32>,
    /// The first response that could not be read.
    pub error: Option<HeadError>,
}

const SCRATCH: usize = 64 * 1024;

impl Diversion {
    /// Cuts the next bytes into responses: FETCH and SEARCH ones are read here, the rest go
    /// to `held`, in order, for async-imap.
    fn read(&mut self, new: &[u8], held: &mut Vec<u8>) -> std::io::Result<()> {
        let found = &mut self.found;
        self.responses
            .push(new, self.limit, |response| {
                let read = if is_fetch(response) {
                    parse_head(response).map(|head| found.heads.extend(head))
                } else if is_search(response) {
                    parse_search(response).map(|n| found.numbers.extend(n))
                } else if is_esearch(response) {
                    parse_esearch(response, found.numbers.len()).map(|n| found.numbers.extend(n))
                } else {
                    held.extend_from_slice(response);
                    return;
                };
                if let Err(e) = read {
                    found.error.get_or_insert(e);
                }
            })
            .map_err(|_| {
                std::io::Error::other(GuardError::ResponseTooLarge { limit: self.limit })
            })?;
        if let Some(sink) = self.sink.as_mut()
            && self.found.heads.len() >= sink.every
        {
            (sink.deliver)(std::mem::take(&mut self.found.heads));
        }
        Ok(())
    }
}

impl<S> Guarded<S> {
    pub fn new(inner: S, bounds: Arc<Bounds>) -> Guarded<S> {
        Guarded {
            inner,
            bounds,
            framing: Framing::default(),
            sleep: None,
            divert: None,
            held: Vec::new(),
            held_at: 0,
            scratch: Vec::new(),
        }
    }

    /// From now on, `* n FETCH` responses are read as message summaries here, and
    /// `* SEARCH` and `* ESEARCH` responses as numbers, kept for [`Guarded::undivert`];
    /// everything else (the tagged answer, other untagged ones) still goes to async-imap, in
    /// order. A response over `limit` bytes ends the read with an error. Set between
    /// commands, when async-imap is not reading.
    pub fn divert(&mut self, limit: usize) {
        self.divert = Some(Diversion {
            limit,
            ..Diversion::default()
        });
    }

    /// [`Guarded::divert`], with the summaries handed to `deliver` as they are read, at least
    /// `every` at a time; [`Guarded::undivert`] hands over the rest. A
    /// large summary fetch is then stored while it is still arriving, and what is left to
    /// store when its answer ends is one hand-over at most.
    pub fn divert_heads(
        &mut self,
        limit: usize,
        every: usize,
        deliver: impl FnMut(Vec<MessageHead>) + Send + 'static,
    ) {
        self.divert = Some(Diversion {
            limit,
            sink: Some(Sink {
                every: every.max(1),
                deliver: Box::new(deliver),
            }),
            ..Diversion::default()
        });
    }

    /// What was read since [`Guarded::divert`]. Bytes of a response not yet complete go to
    /// async-imap.
    pub fn undivert(&mut self) -> Diverted {
        let Some(mut d) = self.divert.take() else {
            return Diverted::default();
        };
        if let Some(mut sink) = d.sink.take()
            && !d.found.heads.is_empty()
        {
            (sink.deliver)(std::mem::take(&mut d.found.heads));
        }
        let rest = d.responses.into_rest();
        if !rest.is_empty() {
            self.held.drain(..self.held_at);
            self.held_at = 0;
            self.held.extend_from_slice(&rest);
        }
        d.found
    }

    /// The connection again, for STARTTLS.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S> std::fmt::Debug for Guarded<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Guarded").finish_non_exhaustive()
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Guarded<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = &mut *self;
        loop {
            if this.held_at < this.held.len() {
                let n = buf.remaining().min(this.held.len() - this.held_at);
                buf.put_slice(&this.held[this.held_at..this.held_at + n]);
                this.held_at += n;
                if this.held_at == this.held.len() {
                    this.held.clear();
                    this.held_at = 0;
                }
                return Poll::Ready(Ok(()));
            }
            if this.divert.is_none() {
                let before = buf.filled().len();
                return match Pin::new(&mut this.inner).poll_read(cx, buf) {
                    Poll::Ready(Ok(())) => {
                        this.sleep = None;
                        check(&mut this.framing, &this.bounds, &buf.filled()[before..])?;
                        Poll::Ready(Ok(()))
                    }
                    Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
                    Poll::Pending => this.wait(cx),
                };
            }
            this.scratch.resize(SCRATCH, 0);
            let mut scratch = ReadBuf::new(&mut this.scratch);
            match Pin::new(&mut this.inner).poll_read(cx, &mut scratch) {
                Poll::Ready(Ok(())) => {
                    this.sleep = None;
                    let n = scratch.filled().len();
                    if n == 0 {
                        // The end of the stream: async-imap sees it and reports the cut.
                        return Poll::Ready(Ok(()));
                    }
                    let new = &this.scratch[..n];
                    check(&mut this.framing, &this.bounds, new)?;
                    if let Some(d) = this.divert.as_mut() {
                        d.read(new, &mut this.held)?;
                    }
                }
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return this.wait(cx),
            }
        }
    }
}

/// The bounds on the next bytes from the server.
fn check(framing: &mut Framing, bounds: &Bounds, new: &[u8]) -> std::io::Result<()> {
    let max_line = bounds.max_line.load(Ordering::Relaxed);
    let max_literal = bounds.max_literal.load(Ordering::Relaxed);
    framing
        .scan(new, max_line, max_literal)
        .map_err(std::io::Error::other)
}

impl<S> Guarded<S> {
    /// Nothing to read yet: pending, or an error once the server has been silent too long.
    fn wait(&mut self, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let timeout = self.bounds.timeout();
        let sleep = self
            .sleep
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
        match sleep.as_mut().poll(cx) {
            Poll::Ready(()) => {
                self.sleep = None;
                Poll::Ready(Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    GuardError::Timeout {
                        secs: timeout.as_secs(),
                    },
                )))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Guarded<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The guard's words, if this I/O error came from it.
pub fn guard_error(e: &std::io::Error) -> Option<&GuardError> {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<GuardError>())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan_all(
        wire: &[u8],
        piece: usize,
        max_line: u64,
        max_literal: u64,
    ) -> Result<(), GuardError> {
        let mut f = Framing::default();
        for chunk in wire.chunks(piece) {
            f.scan(chunk, max_line, max_literal)?;
        }
        Ok(())
    }

    #[test]
    fn literals_are_skipped_and_lines_counted() {
        // The literal holds a long "line" and a fake claim; neither counts.
        let body = format!("{}\r\n{{999999999}}\r\n", "x".repeat(300));
        let wire = format!(
            "* 1 FETCH (UID 5 BODY[] {{{}}}\r\n{body})\r\nA1 OK done\r\n",
            body.len()
        );
        for piece in [1, 2, 7, 64, wire.len()] {
            assert_eq!(
                scan_all(wire.as_bytes(), piece, 100, 1000),
                Ok(()),
                "piece {piece}"
            );
        }
    }

    #[test]
    fn a_long_line_is_stopped() {
        let wire = format!("* OK {}\r\n", "y".repeat(5000));
        assert_eq!(
            scan_all(wire.as_bytes(), 512, 1024, 1 << 20),
            Err(GuardError::LineTooLong { limit: 1024 })
        );
    }

    #[test]
    fn a_huge_claim_is_stopped_before_its_data() {
        let wire = b"* 1 FETCH (BODY[] {4000000000}\r\n";
        assert_eq!(
            scan_all(wire, 3, 1024, 1 << 20),
            Err(GuardError::LiteralTooLarge {
                claimed: 4_000_000_000,
                limit: 1 << 20
            })
        );
        let absurd = b"* 1 FETCH (BODY[] {99999999999999999999999}\r\n";
        assert!(scan_all(absurd, 5, 1024, 1 << 20).is_err());
        let binary = b"* 1 FETCH (BINARY[] ~{5000}\r\n";
        assert!(scan_all(binary, 5, 1024, 100).is_err());
    }

    #[test]
    fn braces_that_are_not_claims() {
        assert_eq!(literal_claim(b"* OK {abc}\r"), None);
        assert_eq!(literal_claim(b"* OK {}\r"), None);
        assert_eq!(literal_claim(b"* OK {12} x\r"), None);
        assert_eq!(literal_claim(b"{12}"), Some(12));
    }
}
