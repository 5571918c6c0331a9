//! The byte stream lettre's SMTP connection runs over: our own TCP and TLS (so certificates go
//! through the same trust store and dialog as every other protocol), an idle timeout on every
//! read and write (lettre has none after the connect), and an optional greeting to replay.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

use crate::proto::net::Stream;

/// A connection handed to lettre. Lettre reads a greeting before it sends EHLO; after a
/// STARTTLS we negotiated ourselves the server sends none, so `replay` holds one to give it.
pub struct SmtpStream {
    inner: Box<dyn Stream + Sync>,
    peer: SocketAddr,
    replay: Vec<u8>,
    idle: Duration,
    timer: Pin<Box<Sleep>>,
}

impl std::fmt::Debug for SmtpStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpStream")
            .field("peer", &self.peer)
            .finish_non_exhaustive()
    }
}

impl SmtpStream {
    pub fn new(inner: Box<dyn Stream + Sync>, peer: SocketAddr, idle: Duration) -> SmtpStream {
        SmtpStream {
            inner,
            peer,
            replay: Vec::new(),
            idle,
            timer: Box::pin(tokio::time::sleep(idle)),
        }
    }

    /// Gives `line` to the next read before anything from the server.
    #[must_use]
    pub fn replaying(mut self, line: &[u8]) -> SmtpStream {
        self.replay = line.to_vec();
        self
    }

    fn moved(&mut self) {
        self.timer.as_mut().reset(Instant::now() + self.idle);
    }

    /// Called when the inner stream is not ready: an error once nothing moved for `idle`.
    fn check_idle(&mut self, cx: &mut Context<'_>) -> Poll<io::Error> {
        match self.timer.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("the server sent nothing for {} s", self.idle.as_secs()),
            )),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl AsyncRead for SmtpStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if !this.replay.is_empty() {
            let n = this.replay.len().min(buf.remaining());
            buf.put_slice(&this.replay[..n]);
            this.replay.drain(..n);
            return Poll::Ready(Ok(()));
        }
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(r) => {
                this.moved();
                Poll::Ready(r)
            }
            Poll::Pending => this.check_idle(cx).map(Err),
        }
    }
}

impl AsyncWrite for SmtpStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_write(cx, data) {
            Poll::Ready(r) => {
                this.moved();
                Poll::Ready(r)
            }
            Poll::Pending => this.check_idle(cx).map(Err),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_flush(cx) {
            Poll::Ready(r) => {
                this.moved();
                Poll::Ready(r)
            }
            Poll::Pending => this.check_idle(cx).map(Err),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

impl lettre::transport::smtp::client::AsyncTokioStream for SmtpStream {
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.peer)
    }
}
