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
use crate::terminal::{CaptureKind, HostRequest, Screen, ScreenCharset, TextFilter};

/// Where a session connects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub host: String,
    pub port: u16,
    /// TLS from the first byte (telnets, port 992).
    pub tls: bool,
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

/// Connects to `target` and serves the session until it ends or the panel lets go.
pub fn spawn<E: Send + 'static>(
    services: &Services,
    target: Target,
    screen: Arc<Mutex<Screen>>,
    config: TelnetConfig,
    events: MappedSink<TerminalEvent, E>,
) -> mpsc::UnboundedSender<TerminalCommand> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let limits = services.limits;
    let trust = services.trust.clone();
    services.runtime.spawn(async move {
        let tls = target.tls.then_some(&trust);
        let mut session =
            match TelnetSession::connect(&target.host, target.port, tls, config, &limits).await {
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
        let mut capture: Option<Capture> = None;
        let mut shown = Negotiation::default();
        loop {
            tokio::select! {
                cmd = rx.recv() => match cmd {
                    Some(TerminalCommand::Send(bytes)) => {
                        if let Ok(mut s) = screen.lock() {
                            s.scroll_to_bottom();
                        }
                        if let Err(e) = session.send(&bytes).await {
                            events.send(TerminalEvent::Closed(Some(e.to_string())));
                            return;
                        }
                    }
                    Some(TerminalCommand::Echo(bytes)) => {
                        if let Ok(mut s) = screen.lock() {
                            s.scroll_to_bottom();
                            s.feed(&bytes);
                        }
                        events.send(TerminalEvent::Output);
                    }
                    Some(TerminalCommand::Resize { cols, rows }) => {
                        if let Ok(mut s) = screen.lock() {
                            s.resize(cols, rows);
                        }
                        let _ = session.resize(cols, rows).await;
                    }
                    Some(TerminalCommand::SetCharset(charset)) => {
                        if let Ok(mut s) = screen.lock() {
                            s.set_charset(charset);
                        }
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
                                Err(e) => Err(format!(
                                    "cannot capture to {}: {e}",
                                    path.display()
                                )),
                            },
                        };
                        events.send(TerminalEvent::Capture(report));
                    }
                    Some(TerminalCommand::Disconnect) | None => {
                        events.send(TerminalEvent::Closed(None));
                        return;
                    }
                },
                read = session.read() => {
                    let events_in = match read {
                        Ok(Some(e)) => e,
                        Ok(None) => {
                            events.send(TerminalEvent::Closed(None));
                            return;
                        }
                        Err(e) => {
                            events.send(TerminalEvent::Closed(Some(e.to_string())));
                            return;
                        }
                    };
                    let mut replies = Vec::new();
                    let mut requests = Vec::new();
                    let mut captured: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
                    if let Ok(mut s) = screen.lock() {
                        for e in &events_in {
                            match e {
                                TelnetEvent::Data(bytes) => {
                                    s.feed(bytes);
                                    if capture.is_some() {
                                        captured.push((bytes.clone(), s.last_text().to_vec()));
                                    }
                                }
                                TelnetEvent::Charset(name) => {
                                    if let Some(c) = ScreenCharset::from_telnet_name(name) {
                                        s.set_charset(c);
                                    }
                                }
                                _ => {}
                            }
                        }
                        replies = s.take_replies();
                        requests = s.take_requests();
                    }
                    if let Some(c) = capture.as_mut() {
                        for (raw, text) in &captured {
                            if let Err(e) = c.write(raw, text).await {
                                capture = None;
                                events.send(TerminalEvent::Capture(Err(e)));
                                break;
                            }
                        }
                    }
                    for e in events_in {
                        if let TelnetEvent::RemoteEcho(on) = e {
                            events.send(TerminalEvent::RemoteEcho(on));
                        }
                    }
                    if !requests.is_empty() {
                        events.send(TerminalEvent::Requests(requests));
                    }
                    let now = Negotiation {
                        options: session.engine().options(),
                        last_subnegotiation: session.engine().last_subnegotiation().cloned(),
                        charset: session.engine().charset().map(str::to_string),
                    };
                    if now != shown {
                        shown = now.clone();
                        events.send(TerminalEvent::Negotiation(Box::new(now)));
                    }
                    if !replies.is_empty() {
                        let _ = session.send(&replies).await;
                    }
                    events.send(TerminalEvent::Output);
                }
            }
        }
    });
    tx
}
