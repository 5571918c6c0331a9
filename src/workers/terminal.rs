//! The Terminal panel's worker: one Telnet session per tab. It owns the connection, feeds
//! what arrives into the shared screen (answering the host's terminal queries), and sends
//! what the user types. The panel draws the screen; only this task writes it.

use std::sync::{Arc, Mutex};

use tokio::sync::mpsc;

use super::{MappedSink, Services};
use crate::proto::telnet::{TelnetConfig, TelnetEvent, TelnetSession};
use crate::terminal::{Screen, ScreenCharset};

/// What the panel asks of its session.
#[derive(Debug, Clone)]
pub enum TerminalCommand {
    /// Bytes the user typed (already encoded for the terminal).
    Send(Vec<u8>),
    Resize {
        cols: u16,
        rows: u16,
    },
    Disconnect,
}

/// What the session reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TerminalEvent {
    Connected,
    /// The screen changed: draw it again.
    Output,
    /// The host echoes what is typed (else the panel may echo locally).
    RemoteEcho(bool),
    Closed(Option<String>),
}

/// Connects to `host:port` and serves the session until it ends or the panel lets go.
pub fn spawn<E: Send + 'static>(
    services: &Services,
    host: String,
    port: u16,
    screen: Arc<Mutex<Screen>>,
    config: TelnetConfig,
    events: MappedSink<TerminalEvent, E>,
) -> mpsc::UnboundedSender<TerminalCommand> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let limits = services.limits;
    services.runtime.spawn(async move {
        let mut session = match TelnetSession::connect(&host, port, None, config, &limits).await {
            Ok(s) => s,
            Err(e) => {
                events.send(TerminalEvent::Closed(Some(e.to_string())));
                return;
            }
        };
        events.send(TerminalEvent::Connected);
        loop {
            tokio::select! {
                cmd = rx.recv() => match cmd {
                    Some(TerminalCommand::Send(bytes)) => {
                        if let Err(e) = session.send(&bytes).await {
                            events.send(TerminalEvent::Closed(Some(e.to_string())));
                            return;
                        }
                    }
                    Some(TerminalCommand::Resize { cols, rows }) => {
                        if let Ok(mut s) = screen.lock() {
                            s.resize(cols, rows);
                        }
                        let _ = session.resize(cols, rows).await;
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
                    if let Ok(mut s) = screen.lock() {
                        for e in &events_in {
                            match e {
                                TelnetEvent::Data(bytes) => s.feed(bytes),
                                TelnetEvent::Charset(name) => {
                                    if let Some(c) = ScreenCharset::from_telnet_name(name) {
                                        s.set_charset(c);
                                    }
                                }
                                _ => {}
                            }
                        }
                        replies = s.take_replies();
                    }
                    for e in events_in {
                        if let TelnetEvent::RemoteEcho(on) = e {
                            events.send(TerminalEvent::RemoteEcho(on));
                        }
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
