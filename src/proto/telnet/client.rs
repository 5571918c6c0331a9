//! A Telnet connection: the engine over a TCP (or TLS, for telnets) stream. Reads wait as
//! long as the server is quiet, as a terminal does; the caller bounds them when it must.

use std::sync::Arc;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use super::engine::{Telnet, TelnetConfig, TelnetEvent};
use crate::proto::net::{self, Limits, NetError, Stream};
use crate::proto::tls::Trust;
use crate::proto::wire::{self, Flow};

/// Why a Telnet session failed.
#[derive(Debug, thiserror::Error)]
pub enum TelnetError {
    #[error(transparent)]
    Net(#[from] NetError),
    #[error("{addr}: the connection failed: {source}")]
    Io {
        addr: String,
        source: std::io::Error,
    },
}

/// One session.
pub struct TelnetSession {
    stream: Box<dyn Stream>,
    engine: Telnet,
    addr: String,
    buf: Vec<u8>,
}

impl TelnetSession {
    /// Connects to `host:port`, with TLS from the first byte when `tls` is given (telnets).
    pub async fn connect(
        host: &str,
        port: u16,
        tls: Option<&Arc<Trust>>,
        config: TelnetConfig,
        limits: &Limits,
    ) -> Result<TelnetSession, TelnetError> {
        let tcp = net::connect(host, port, limits).await?;
        // A Telnet "Synch" (after an interrupt, inetutils telnetd sends IAC DM as urgent data)
        // must stay in the stream, as RFC 6093 asks: out of band, the DM would vanish and the
        // IAC before it would swallow the next byte of the screen.
        let _ = socket2::SockRef::from(&tcp).set_out_of_band_inline(true);
        let stream: Box<dyn net::Stream> = match tls {
            None => Box::new(tcp),
            Some(trust) => Box::new(trust.wrap(tcp, host, port, limits).await?),
        };
        let addr = if host.contains(':') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        };
        wire::log(&format!("telnet {addr}"), Flow::Note, b"connected");
        Ok(TelnetSession {
            stream,
            engine: Telnet::new(config),
            addr,
            buf: vec![0; 64 * 1024],
        })
    }

    /// The engine, for the negotiation inspector.
    pub fn engine(&self) -> &Telnet {
        &self.engine
    }

    /// Waits for the next bytes from the server and returns what they mean; answers to the
    /// server's negotiation are sent before it returns. An empty result is the end of the
    /// session.
    pub async fn read(&mut self) -> Result<Option<Vec<TelnetEvent>>, TelnetError> {
        let n = self
            .stream
            .read(&mut self.buf)
            .await
            .map_err(|source| TelnetError::Io {
                addr: self.addr.clone(),
                source,
            })?;
        if n == 0 {
            return Ok(None);
        }
        let mut events = Vec::new();
        self.engine.receive(&self.buf[..n], &mut events);
        self.flush().await?;
        Ok(Some(events))
    }

    /// Sends what the user typed.
    pub async fn send(&mut self, data: &[u8]) -> Result<(), TelnetError> {
        self.engine.send_data(data);
        self.flush().await
    }

    /// Tells the server the window's new size (when NAWS is on).
    pub async fn resize(&mut self, cols: u16, rows: u16) -> Result<(), TelnetError> {
        self.engine.resize(cols, rows);
        self.flush().await
    }

    async fn flush(&mut self) -> Result<(), TelnetError> {
        let out = self.engine.take_outgoing();
        if out.is_empty() {
            return Ok(());
        }
        self.stream
            .write_all(&out)
            .await
            .map_err(|source| TelnetError::Io {
                addr: self.addr.clone(),
                source,
            })
    }
}
