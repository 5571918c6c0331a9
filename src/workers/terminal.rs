//! The Terminal panel's worker: one Telnet session per tab. It owns the connection, feeds
//! what arrives into the shared screen (answering the host's terminal queries), writes the
//! capture file, and sends what the user types. The panel draws the screen; only this task
//! writes it.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use tokio::io::AsyncWriteExt as _;
use tokio::sync::mpsc;

use super::{MappedSink, Services};
use crate::proto::net::NetError;
use crate::proto::telnet::{
    OptionState, Subnegotiation, TelnetConfig, TelnetError, TelnetEvent, TelnetSession,
};
use crate::proto::tls::CertRejection;
use crate::terminal::{CaptureKind, HostRequest, HostText, Screen, ScreenCharset, TextFilter};

/// Where a session connects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub host: String,
    pub port: u16,
    /// TLS from the first byte (telnets, port 992).
    pub tls: bool,
    /// A raw TCP session: no Telnet, the bytes as they are; Enter sends this line end.
    pub raw: Option<LineEnd>,
}

/// What Enter sends in a raw session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LineEnd {
    /// `\n`, as `nc` in a terminal sends.
    #[default]
    Lf,
    CrLf,
    Cr,
}

impl LineEnd {
    pub fn bytes(self) -> &'static [u8] {
        match self {
            LineEnd::Lf => b"\n",
            LineEnd::CrLf => b"\r\n",
            LineEnd::Cr => b"\r",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            LineEnd::Lf => "LF",
            LineEnd::CrLf => "CR LF",
            LineEnd::Cr => "CR",
        }
    }
}

/// What was typed, with each line end (Enter's CR, or the CR LF a line typed here ends in)
/// as the user chose for the raw session.
fn with_line_end(bytes: &[u8], line_end: LineEnd) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + 8);
    let mut rest = bytes.iter().peekable();
    while let Some(&b) = rest.next() {
        if b == b'\r' {
            out.extend_from_slice(line_end.bytes());
            rest.next_if_eq(&&b'\n');
        } else {
            out.push(b);
        }
    }
    out
}

/// A raw peer ends its lines with LF alone, as a program's output does (a tty would add the
/// CR): a lone LF is shown as a new line. The screen model's LNM mode does not apply to LF.
#[derive(Default)]
struct NewLines {
    after_cr: bool,
}

impl NewLines {
    fn convert(&mut self, text: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(text.len() + text.len() / 16);
        for &b in text {
            if b == b'\n' && !self.after_cr {
                out.push(b'\r');
            }
            out.push(b);
            self.after_cr = b == b'\r';
        }
        out
    }
}

/// A session's connection: Telnet, or raw TCP (optionally in TLS) with nothing added.
enum Link {
    Telnet(Box<TelnetSession>),
    Raw {
        stream: Box<dyn crate::proto::net::Stream>,
        addr: String,
        line_end: LineEnd,
        buf: Vec<u8>,
    },
}

fn raw_error(addr: &str, source: std::io::Error) -> TelnetError {
    TelnetError::Io {
        addr: addr.to_string(),
        source,
    }
}

impl Link {
    async fn read(&mut self) -> Result<Option<Vec<TelnetEvent>>, TelnetError> {
        match self {
            Link::Telnet(s) => s.read().await,
            Link::Raw {
                stream, buf, addr, ..
            } => {
                let n = tokio::io::AsyncReadExt::read(stream, buf)
                    .await
                    .map_err(|e| raw_error(addr, e))?;
                Ok((n > 0).then(|| vec![TelnetEvent::Data(buf[..n].to_vec())]))
            }
        }
    }

    /// Sends what was typed: in a raw session Enter's CR becomes the chosen line end.
    async fn send(&mut self, bytes: &[u8]) -> Result<(), TelnetError> {
        match self {
            Link::Telnet(s) => s.send(bytes).await,
            Link::Raw {
                stream,
                line_end,
                addr,
                ..
            } => {
                let out = with_line_end(bytes, *line_end);
                stream.write_all(&out).await.map_err(|e| raw_error(addr, e))
            }
        }
    }

    /// Sends the model's answers (DSR, DA) as they are.
    async fn answer(&mut self, bytes: &[u8]) -> Result<(), TelnetError> {
        match self {
            Link::Telnet(s) => s.send(bytes).await,
            Link::Raw { stream, addr, .. } => stream
                .write_all(bytes)
                .await
                .map_err(|e| raw_error(addr, e)),
        }
    }

    fn is_raw(&self) -> bool {
        matches!(self, Link::Raw { .. })
    }

    async fn resize(&mut self, cols: u16, rows: u16) {
        if let Link::Telnet(s) = self {
            let _ = s.resize(cols, rows).await;
        }
    }

    fn negotiation(&self) -> Negotiation {
        match self {
            Link::Telnet(s) => Negotiation {
                options: s.engine().options(),
                last_subnegotiation: s.engine().last_subnegotiation().cloned(),
                charset: s.engine().charset().map(str::to_string),
            },
            Link::Raw { .. } => Negotiation::default(),
        }
    }
}

/// What the panel asks of its session.
#[derive(Debug, Clone)]
pub enum TerminalCommand {
    /// Bytes the user typed (already encoded for the terminal).
    Send(Vec<u8>),
    /// Bytes for the screen only: the local echo of a line being typed.
    Echo(Vec<u8>),
    Resize {
        cols: u16,
        rows: u16,
    },
    /// The user chose another charset for this session.
    SetCharset(ScreenCharset),
    /// Start capturing to a file (it is created, or replaced), or stop.
    Capture(Option<(PathBuf, CaptureKind)>),
    Disconnect,
}

/// The negotiation as the inspector shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Negotiation {
    pub options: Vec<OptionState>,
    pub last_subnegotiation: Option<Subnegotiation>,
    pub charset: Option<String>,
}

/// What the session reports.
#[derive(Debug, Clone)]
pub enum TerminalEvent {
    Connected,
    /// The screen changed: draw it again.
    Output,
    /// The host echoes what is typed (else the panel may echo locally).
    RemoteEcho(bool),
    /// The option negotiation changed.
    Negotiation(Box<Negotiation>),
    /// The host asked something of the desktop (the clipboard, a title).
    Requests(Vec<HostRequest>),
    /// A capture started (`Some(path)`), stopped (`None`), or failed (an error in words).
    Capture(Result<Option<PathBuf>, String>),
    /// The certificate (telnets) is not trusted: the user decides.
    Untrusted(Box<CertRejection>),
    Closed(Option<String>),
}

/// An open capture file.
struct Capture {
    file: tokio::fs::File,
    path: PathBuf,
    kind: CaptureKind,
    text: TextFilter,
}

impl Capture {
    async fn write(&mut self, raw: &[u8], screen_text: &[u8]) -> Result<(), String> {
        let bytes = match self.kind {
            CaptureKind::Raw => raw.to_vec(),
            CaptureKind::Text => self.text.filter(screen_text),
        };
        self.file
            .write_all(&bytes)
            .await
            .map_err(|e| format!("writing the capture {} failed: {e}", self.path.display()))
    }
}

/// What the feeding thread does, in the order the session saw it.
enum Feed {
    /// A raw session's bytes as they came, for its hex view.
    Received(Vec<u8>),
    /// Text for the model (already converted), and the charset it was converted from.
    Text(Vec<u8>, ScreenCharset),
    Resize(u16, u16),
    ScrollToBottom,
}

/// What the model made while it was fed: answers for the host, requests for the desktop.
struct Fed {
    replies: Vec<u8>,
    requests: Vec<HostRequest>,
}

/// How many converted reads may wait for the model: a fast host is held back there instead
/// of filling memory.
const FEED_QUEUE: usize = 4;

/// Feeds the screen model on a thread of its own, so that reading, the Telnet engine and
/// the charset conversion (on the session's task) run beside the model rather than before
/// it: a host's output is drawn into the model at close to the model's own speed.
fn spawn_feeder<E: Send + 'static>(
    screen: Arc<Mutex<Screen>>,
    events: MappedSink<TerminalEvent, E>,
) -> (
    mpsc::Sender<Feed>,
    mpsc::UnboundedReceiver<Fed>,
    tokio::task::JoinHandle<()>,
) {
    let (feed_tx, mut feed_rx) = mpsc::channel::<Feed>(FEED_QUEUE);
    let (fed_tx, fed_rx) = mpsc::unbounded_channel();
    let handle = tokio::task::spawn_blocking(move || {
        while let Some(first) = feed_rx.blocking_recv() {
            let Ok(mut s) = screen.lock() else { return };
            let mut next = Some(first);
            // Whatever queued up meanwhile goes in under the same hold of the screen.
            while let Some(item) = next {
                match item {
                    Feed::Text(text, charset) => s.feed_text(&text, charset),
                    Feed::Received(raw) => s.received.push(&raw),
                    Feed::Resize(cols, rows) => s.resize(cols, rows),
                    Feed::ScrollToBottom => s.scroll_to_bottom(),
                }
                next = feed_rx.try_recv().ok();
            }
            let fed = Fed {
                replies: s.take_replies(),
                requests: s.take_requests(),
            };
            drop(s);
            if !fed.replies.is_empty() || !fed.requests.is_empty() {
                let _ = fed_tx.send(fed);
            }
            events.send(TerminalEvent::Output);
        }
    });
    (feed_tx, fed_rx, handle)
}

/// Connects to `target` and serves the session until it ends or the panel lets go.
pub fn spawn<E: Send + 'static>(
    services: &Services,
    target: Target,
    screen: Arc<Mutex<Screen>>,
    config: TelnetConfig,
    events: MappedSink<TerminalEvent, E>,
) -> mpsc::UnboundedSender<TerminalCommand> {
    spawn_with(services, target, None, screen, config, events)
}

/// Serves a peer that connected to a listener (`target` names it), as a raw session.
pub fn spawn_accepted<E: Send + 'static>(
    services: &Services,
    target: Target,
    peer: tokio::net::TcpStream,
    screen: Arc<Mutex<Screen>>,
    events: MappedSink<TerminalEvent, E>,
) -> mpsc::UnboundedSender<TerminalCommand> {
    spawn_with(
        services,
        target,
        Some(peer),
        screen,
        TelnetConfig::default(),
        events,
    )
}

fn spawn_with<E: Send + 'static>(
    services: &Services,
    target: Target,
    accepted: Option<tokio::net::TcpStream>,
    screen: Arc<Mutex<Screen>>,
    config: TelnetConfig,
    events: MappedSink<TerminalEvent, E>,
) -> mpsc::UnboundedSender<TerminalCommand> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let limits = services.limits;
    let trust = services.trust.clone();
    services.runtime.spawn(async move {
        let tls = target.tls.then_some(&trust);
        let addr = format!("{}:{}", target.host, target.port);
        let connected = match (accepted, target.raw) {
            (Some(peer), line_end) => Ok(Link::Raw {
                stream: Box::new(peer),
                addr,
                line_end: line_end.unwrap_or_default(),
                buf: vec![0; 64 * 1024],
            }),
            (None, None) => TelnetSession::connect(&target.host, target.port, tls, config, &limits)
                .await
                .map(|s| Link::Telnet(Box::new(s))),
            (None, Some(line_end)) => {
                crate::proto::net::connect_maybe_tls(&target.host, target.port, tls, &limits)
                    .await
                    .map(|stream| Link::Raw {
                        stream,
                        addr,
                        line_end,
                        buf: vec![0; 64 * 1024],
                    })
                    .map_err(TelnetError::Net)
            }
        };
        let mut session = match connected {
            Ok(s) => s,
            Err(TelnetError::Net(NetError::Untrusted(rejection))) => {
                events.send(TerminalEvent::Untrusted(rejection));
                return;
            }
            Err(e) => {
                events.send(TerminalEvent::Closed(Some(e.to_string())));
                return;
            }
        };
        events.send(TerminalEvent::Connected);
        let charset = screen.lock().map_or(ScreenCharset::Auto, |s| s.charset());
        let mut text = HostText::new(charset);
        let (feed, mut fed, feeder) = spawn_feeder(screen, events.clone());
        let end = serve(&mut session, &mut rx, &mut text, &feed, &mut fed, &events).await;
        // What was read is in the model before the session is reported closed.
        drop(feed);
        let _ = feeder.await;
        events.send(TerminalEvent::Closed(end));
    });
    tx
}

/// The session's loop: commands from the panel, reads from the host, the model's answers.
/// Returns why it ended (`None`: the host closed, or the panel let go).
async fn serve<E: Send + 'static>(
    session: &mut Link,
    rx: &mut mpsc::UnboundedReceiver<TerminalCommand>,
    text: &mut HostText,
    feed: &mpsc::Sender<Feed>,
    fed: &mut mpsc::UnboundedReceiver<Fed>,
    events: &MappedSink<TerminalEvent, E>,
) -> Option<String> {
    let mut capture: Option<Capture> = None;
    let mut shown = Negotiation::default();
    let mut new_lines = NewLines::default();
    loop {
        tokio::select! {
            cmd = rx.recv() => match cmd {
                Some(TerminalCommand::Send(bytes)) => {
                    let _ = feed.send(Feed::ScrollToBottom).await;
                    if let Err(e) = session.send(&bytes).await {
                        return Some(e.to_string());
                    }
                }
                Some(TerminalCommand::Echo(bytes)) => {
                    let _ = feed.send(Feed::ScrollToBottom).await;
                    let mut out = Vec::with_capacity(bytes.len());
                    text.convert(&bytes, &mut out);
                    let _ = feed.send(Feed::Text(out, text.charset())).await;
                }
                Some(TerminalCommand::Resize { cols, rows }) => {
                    let _ = feed.send(Feed::Resize(cols, rows)).await;
                    session.resize(cols, rows).await;
                }
                Some(TerminalCommand::SetCharset(charset)) => {
                    text.set_charset(charset);
                    // Shown as the screen's at once, before any output in it arrives.
                    let _ = feed.send(Feed::Text(Vec::new(), charset)).await;
                }
                Some(TerminalCommand::Capture(to)) => {
                    capture = None;
                    let report = match to {
                        None => Ok(None),
                        Some((path, kind)) => match tokio::fs::File::create(&path).await {
                            Ok(file) => {
                                capture = Some(Capture {
                                    file,
                                    path: path.clone(),
                                    kind,
                                    text: TextFilter::default(),
                                });
                                Ok(Some(path))
                            }
                            Err(e) => Err(format!("cannot capture to {}: {e}", path.display())),
                        },
                    };
                    events.send(TerminalEvent::Capture(report));
                }
                Some(TerminalCommand::Disconnect) | None => return None,
            },
            Some(done) = fed.recv() => {
                if !done.requests.is_empty() {
                    events.send(TerminalEvent::Requests(done.requests));
                }
                if !done.replies.is_empty() && let Err(e) = session.answer(&done.replies).await {
                    return Some(e.to_string());
                }
            }
            read = session.read() => {
                let events_in = match read {
                    Ok(Some(e)) => e,
                    Ok(None) => return None,
                    Err(e) => return Some(e.to_string()),
                };
                for e in events_in {
                    match e {
                        TelnetEvent::Data(bytes) => {
                            let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 2);
                            text.convert(&bytes, &mut out);
                            if session.is_raw() {
                                out = new_lines.convert(&out);
                            }
                            if let Some(c) = capture.as_mut()
                                && let Err(e) = c.write(&bytes, &out).await
                            {
                                capture = None;
                                events.send(TerminalEvent::Capture(Err(e)));
                            }
                            if session.is_raw() {
                                let _ = feed.send(Feed::Received(bytes)).await;
                            }
                            if feed.send(Feed::Text(out, text.charset())).await.is_err() {
                                return Some("the screen stopped taking output".to_string());
                            }
                        }
                        TelnetEvent::Charset(name) => {
                            if let Some(c) = ScreenCharset::from_telnet_name(&name) {
                                text.set_charset(c);
                            }
                        }
                        TelnetEvent::RemoteEcho(on) => events.send(TerminalEvent::RemoteEcho(on)),
                        // Prompt marks (EOR, GA) change nothing on the screen.
                        TelnetEvent::Prompt => {}
                    }
                }
                let now = session.negotiation();
                if now != shown {
                    shown = now.clone();
                    events.send(TerminalEvent::Negotiation(Box::new(now)));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{LineEnd, NewLines, with_line_end};

    #[test]
    fn enter_sends_the_chosen_line_end_once() {
        assert_eq!(with_line_end(b"hi\r\n", LineEnd::Lf), b"hi\n");
        assert_eq!(with_line_end(b"hi\r", LineEnd::CrLf), b"hi\r\n");
        assert_eq!(with_line_end(b"a\rb\r\n", LineEnd::Cr), b"a\rb\r");
        assert_eq!(with_line_end(b"no end", LineEnd::Lf), b"no end");
    }

    #[test]
    fn a_lone_lf_is_a_new_line_and_cr_lf_stays_as_it_is() {
        let mut n = NewLines::default();
        assert_eq!(n.convert(b"a\nb\r\nc\r"), b"a\r\nb\r\nc\r");
        // The CR at the end of the last read and the LF at the start of this one are a pair.
        assert_eq!(n.convert(b"\nd\n"), b"\nd\r\n");
    }
}
