//! Connecting and reading with bounds: every protocol goes through here.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite};
use tokio::net::TcpStream;

use super::tls::{CertRejection, Trust};

/// Limits that keep a misbehaving server from hanging or flooding the client.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub connect_timeout: Duration,
    /// Longest wait for any single read.
    pub read_timeout: Duration,
    /// Longest protocol line (a menu line, a status line).
    pub max_line: usize,
    /// Largest response held in memory; downloads to disk are not bounded by this.
    pub max_body: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            connect_timeout: Duration::from_secs(15),
            read_timeout: Duration::from_secs(30),
            max_line: 64 * 1024,
            max_body: 256 * 1024 * 1024,
        }
    }
}

/// Why a connection or read failed, in words a user can act on.
#[derive(Debug, thiserror::Error)]
pub enum NetError {
    #[error("cannot resolve {host}: {source}")]
    Resolve {
        host: String,
        source: std::io::Error,
    },
    #[error("{host} has no address")]
    NoAddress { host: String },
    #[error("connecting to {addr} timed out after {secs} s")]
    ConnectTimeout { addr: String, secs: u64 },
    #[error("cannot connect to {addr}: {}", connect_words(source))]
    Connect {
        addr: String,
        source: std::io::Error,
    },
    #[error("{addr} sent nothing for {secs} s")]
    ReadTimeout { addr: String, secs: u64 },
    #[error("{}", .0.reason)]
    Untrusted(Box<CertRejection>),
    #[error("TLS with {addr} failed: {source}")]
    Tls {
        addr: String,
        source: std::io::Error,
    },
    #[error("bad host name {0:?} for TLS")]
    BadServerName(String),
    #[error("{addr} sent a line longer than {limit} bytes")]
    LineTooLong { addr: String, limit: usize },
    #[error("{addr} sent more than {limit} bytes")]
    TooLarge { addr: String, limit: u64 },
    #[error("I/O error with {addr}: {source}")]
    Io {
        addr: String,
        source: std::io::Error,
    },
}

/// Where and how to log in to a mail or news server: one shape for IMAP, POP3 and the
/// protocols to come, so accounts and the command line fill it once.
#[derive(Clone)]
pub struct ServerLogin {
    pub host: String,
    pub port: u16,
    pub tls: super::tls::TlsMode,
    pub user: String,
    pub password: String,
}

impl std::fmt::Debug for ServerLogin {
    // The password never reaches a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerLogin")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

/// Why a connection was not made, in words.
fn connect_words(e: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::ConnectionRefused => {
            "nothing listens on that port (connection refused): check the port, or start the server"
                .to_string()
        }
        ErrorKind::HostUnreachable | ErrorKind::NetworkUnreachable => {
            "the host cannot be reached from here (no route): check the address and the network"
                .to_string()
        }
        ErrorKind::PermissionDenied => {
            "the system refused the connection (a firewall?)".to_string()
        }
        _ => e.to_string(),
    }
}

/// Why an address cannot be listened on, in words.
pub fn bind_words(addr: SocketAddr, e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::AddrInUse => {
            format!("{addr} is in use: something else listens there; pick another port")
        }
        std::io::ErrorKind::PermissionDenied => {
            format!("not allowed to listen on {addr}: ports below 1024 need root")
        }
        std::io::ErrorKind::AddrNotAvailable => {
            format!("{} is not an address of this machine", addr.ip())
        }
        _ => format!("cannot listen on {addr}: {e}"),
    }
}

/// A byte stream, plain or TLS.
pub trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// Resolves `host` and connects to the first address that answers, IPv6 and IPv4 alike.
pub async fn connect(host: &str, port: u16, limits: &Limits) -> Result<TcpStream, NetError> {
    let addrs: Vec<SocketAddr> = match host.parse::<std::net::IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => tokio::time::timeout(
            limits.connect_timeout,
            tokio::net::lookup_host((host, port)),
        )
        .await
        .map_err(|_| NetError::ConnectTimeout {
            addr: format!("{host}:{port}"),
            secs: limits.connect_timeout.as_secs(),
        })?
        .map_err(|source| NetError::Resolve {
            host: host.to_string(),
            source,
        })?
        .collect(),
    };
    let mut last = None;
    for addr in &addrs {
        match tokio::time::timeout(limits.connect_timeout, TcpStream::connect(addr)).await {
            Ok(Ok(stream)) => {
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Ok(Err(source)) => {
                last = Some(NetError::Connect {
                    addr: addr.to_string(),
                    source,
                });
            }
            Err(_) => {
                last = Some(NetError::ConnectTimeout {
                    addr: addr.to_string(),
                    secs: limits.connect_timeout.as_secs(),
                });
            }
        }
    }
    Err(last.unwrap_or_else(|| NetError::NoAddress {
        host: host.to_string(),
    }))
}

/// Connects, with TLS from the first byte when `tls` is set.
pub async fn connect_maybe_tls(
    host: &str,
    port: u16,
    tls: Option<&Arc<Trust>>,
    limits: &Limits,
) -> Result<Box<dyn Stream>, NetError> {
    let tcp = connect(host, port, limits).await?;
    match tls {
        None => Ok(Box::new(tcp)),
        Some(trust) => Ok(Box::new(trust.wrap(tcp, host, port, limits).await?)),
    }
}

/// Reads one line ending in LF into `buf` (without CR LF). Returns `false` at a clean end of
/// stream with nothing read. A line longer than `limits.max_line` is an error, so a server cannot
/// make the client buffer without end.
pub async fn read_line<R: AsyncBufRead + Unpin>(
    reader: &mut R,
    buf: &mut Vec<u8>,
    limits: &Limits,
    addr: &str,
) -> Result<bool, NetError> {
    buf.clear();
    loop {
        let available = bounded(limits, addr, reader.fill_buf()).await?;
        if available.is_empty() {
            return Ok(!buf.is_empty());
        }
        let (take, done) = match memchr::memchr(b'\n', available) {
            Some(i) => (i + 1, true),
            None => (available.len(), false),
        };
        if buf.len() + take > limits.max_line + 2 {
            return Err(NetError::LineTooLong {
                addr: addr.to_string(),
                limit: limits.max_line,
            });
        }
        buf.extend_from_slice(&available[..take]);
        reader.consume(take);
        if done {
            if buf.last() == Some(&b'\n') {
                buf.pop();
            }
            if buf.last() == Some(&b'\r') {
                buf.pop();
            }
            return Ok(true);
        }
    }
}

/// One read, bounded by the read timeout.
pub async fn read_some<R: AsyncRead + Unpin>(
    reader: &mut R,
    buf: &mut [u8],
    limits: &Limits,
    addr: &str,
) -> Result<usize, NetError> {
    bounded(limits, addr, reader.read(buf)).await
}

/// Waits for one I/O operation at most `limits.read_timeout`, naming `addr` in the error.
pub async fn bounded<T>(
    limits: &Limits,
    addr: &str,
    io: impl std::future::Future<Output = std::io::Result<T>>,
) -> Result<T, NetError> {
    tokio::time::timeout(limits.read_timeout, io)
        .await
        .map_err(|_| NetError::ReadTimeout {
            addr: addr.to_string(),
            secs: limits.read_timeout.as_secs(),
        })?
        .map_err(|source| NetError::Io {
            addr: addr.to_string(),
            source,
        })
}

/// Reads to the end of the stream, at most `limit` bytes, calling `progress` with the running
/// total so callers can report it.
pub async fn read_to_end_bounded<R: AsyncRead + Unpin>(
    reader: &mut R,
    limit: u64,
    limits: &Limits,
    addr: &str,
    mut progress: impl FnMut(u64),
) -> Result<Vec<u8>, NetError> {
    let mut out = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = read_some(reader, &mut chunk, limits, addr).await?;
        if n == 0 {
            return Ok(out);
        }
        if out.len() as u64 + n as u64 > limit {
            return Err(NetError::TooLarge {
                addr: addr.to_string(),
                limit,
            });
        }
        out.extend_from_slice(&chunk[..n]);
        progress(out.len() as u64);
    }
}

/// Copies the stream into `sink` until it ends, with a read timeout, reporting the running
/// total. Used for downloads, which are bounded by the disk, not by memory.
pub async fn copy_with_progress<R: AsyncRead + Unpin, W: std::io::Write>(
    reader: &mut R,
    sink: &mut W,
    limits: &Limits,
    addr: &str,
    mut progress: impl FnMut(u64),
) -> Result<u64, NetError> {
    let mut total = 0u64;
    let mut chunk = vec![0u8; 256 * 1024];
    loop {
        let n = read_some(reader, &mut chunk, limits, addr).await?;
        if n == 0 {
            return Ok(total);
        }
        sink.write_all(&chunk[..n]).map_err(|source| NetError::Io {
            addr: "local file".to_string(),
            source,
        })?;
        total += n as u64;
        progress(total);
    }
}

/// `9000`, `127.0.0.1:9000`, `[::1]:9000`, `localhost:9000`: an address of this machine to
/// bind, loopback when only a port is given.
pub fn local_addr(text: &str) -> Result<std::net::SocketAddr, String> {
    let text = text.trim();
    if let Ok(port) = text.parse::<u16>() {
        return Ok(std::net::SocketAddr::from(([127, 0, 0, 1], port)));
    }
    text.replace("localhost", "127.0.0.1").parse().map_err(|_| {
        format!("{text:?} is not ADDRESS:PORT of this machine (such as 127.0.0.1:9000; port 0 lets the system pick)")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn read_line_strips_crlf_and_bounds_length() {
        let limits = Limits {
            max_line: 8,
            ..Limits::default()
        };
        let data: &[u8] = b"abc\r\ndef\nlast";
        let mut r = tokio::io::BufReader::new(data);
        let mut buf = Vec::new();
        assert!(
            read_line(&mut r, &mut buf, &limits, "t")
                .await
                .expect("line")
        );
        assert_eq!(buf, b"abc");
        assert!(
            read_line(&mut r, &mut buf, &limits, "t")
                .await
                .expect("line")
        );
        assert_eq!(buf, b"def");
        assert!(
            read_line(&mut r, &mut buf, &limits, "t")
                .await
                .expect("line")
        );
        assert_eq!(buf, b"last");
        assert!(
            !read_line(&mut r, &mut buf, &limits, "t")
                .await
                .expect("eof")
        );

        let long: &[u8] = b"0123456789abcdef\n";
        let mut r = tokio::io::BufReader::with_capacity(4, long);
        let err = read_line(&mut r, &mut buf, &limits, "t").await.unwrap_err();
        assert!(
            matches!(err, NetError::LineTooLong { limit: 8, .. }),
            "{err}"
        );
    }

    #[tokio::test]
    async fn read_to_end_is_bounded() {
        let data = vec![7u8; 1000];
        let mut r = &data[..];
        let err = read_to_end_bounded(&mut r, 999, &Limits::default(), "t", |_| {})
            .await
            .unwrap_err();
        assert!(matches!(err, NetError::TooLarge { limit: 999, .. }));
        let mut r = &data[..];
        let got = read_to_end_bounded(&mut r, 1000, &Limits::default(), "t", |_| {})
            .await
            .expect("fits");
        assert_eq!(got.len(), 1000);
    }

    #[tokio::test]
    async fn connect_refused_is_a_clear_error() {
        // Bind then drop to find a port nobody listens on.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("free port");
        let err = connect("127.0.0.1", port, &Limits::default())
            .await
            .unwrap_err();
        assert!(
            err.to_string().starts_with("cannot connect to 127.0.0.1:"),
            "{err}"
        );
    }
}
