//! SMTP submission (RFC 6409): lettre speaks the protocol, over a connection we make.
//!
//! Why not lettre's own transport: its TLS cannot take our trust store (pinned self-signed
//! certificates, the trust dialog), and it keeps no transcript. So we connect, do STARTTLS
//! ourselves when asked (RFC 3207, refusing to go on in plain text when the account requires
//! TLS), and hand the stream to lettre's `AsyncSmtpConnection`, driving MAIL, RCPT and DATA one
//! command at a time so every reply lands in the transcript the outbox keeps.

mod stream;

use std::sync::Arc;
use std::time::Duration;

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::AsyncSmtpConnection;
use lettre::transport::smtp::commands::{Data, Mail, Quit, Rcpt};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
use tokio::io::{AsyncWriteExt, BufReader};

pub use stream::SmtpStream;

use crate::proto::net::{self, Limits, NetError, ServerLogin};
use crate::proto::tls::{TlsMode, Trust};

/// Where and how to submit: host, port, TLS mode, login (an empty user sends no AUTH).
pub type SmtpServer = ServerLogin;

/// Why a message was not accepted, in words a user can act on.
#[derive(Debug, thiserror::Error)]
pub enum SmtpError {
    #[error(transparent)]
    Net(#[from] NetError),
    #[error("{addr} is not an SMTP server: it greeted with {line:?}")]
    Greeting { addr: String, line: String },
    #[error(
        "{addr} does not offer STARTTLS, and this account requires TLS: nothing was sent in \
         plain text. Use SMTPS (port 465) or, only on a network you trust, choose plain."
    )]
    NoStartTls { addr: String },
    #[error(
        "{addr} sent data before the TLS handshake (possible STARTTLS injection); the \
         connection was closed"
    )]
    Injection { addr: String },
    #[error("{addr} refused the login ({code}): {text}. Check the user name and password.")]
    Login {
        addr: String,
        code: String,
        text: String,
    },
    #[error(
        "{addr} offers no login this client knows (PLAIN or LOGIN) on this connection; many \
         servers offer one only over TLS: choose STARTTLS or SMTPS"
    )]
    NoMechanism { addr: String },
    #[error("{addr} refused {stage} ({code}): {text}")]
    Refused {
        addr: String,
        stage: String,
        code: String,
        text: String,
        /// A 4xx reply: the same message may go later.
        temporary: bool,
    },
    #[error("{addr}: {text}")]
    Protocol { addr: String, text: String },
    #[error("sending to {addr} took longer than {secs} s; it was stopped")]
    TimedOut { addr: String, secs: u64 },
}

impl SmtpError {
    /// Worth trying again without the user changing anything: the network, a 4xx reply.
    pub fn is_temporary(&self) -> bool {
        match self {
            SmtpError::Net(NetError::Untrusted(_)) => false,
            SmtpError::Net(_) | SmtpError::TimedOut { .. } | SmtpError::Protocol { .. } => true,
            SmtpError::Refused { temporary, .. } => *temporary,
            _ => false,
        }
    }
}

/// What a send did: the server's last words on success, and the whole exchange either way
/// (passwords left out).
#[derive(Debug, Clone, Default)]
pub struct Transcript {
    pub lines: Vec<String>,
}

impl Transcript {
    fn client(&mut self, line: &str) {
        self.lines.push(format!("C: {line}"));
    }

    fn server(&mut self, line: &str) {
        self.lines.push(format!("S: {line}"));
    }

    fn note(&mut self, line: &str) {
        self.lines.push(format!("-- {line}"));
    }

    pub fn text(&self) -> String {
        self.lines.join("\n")
    }
}

/// The outcome of one submission.
#[derive(Debug)]
pub struct Attempt {
    /// The server's reply to the end of DATA (often the queue id).
    pub result: Result<String, SmtpError>,
    pub transcript: Transcript,
}

/// Longest a whole submission may take: a minute, plus time for the message at 64 KB/s.
pub fn overall_limit(size: usize) -> Duration {
    Duration::from_secs(60 + (size / (64 * 1024)) as u64)
}

/// Submits `message` (CRLF lines, not yet dot-stuffed) for `envelope`.
pub async fn send(
    server: &SmtpServer,
    trust: &Arc<Trust>,
    limits: &Limits,
    envelope: &Envelope,
    message: &[u8],
) -> Attempt {
    let mut transcript = Transcript::default();
    let addr = format!("{}:{}", server.host, server.port);
    let limit = overall_limit(message.len());
    let result = match tokio::time::timeout(
        limit,
        submit(server, trust, limits, envelope, message, &mut transcript),
    )
    .await
    {
        Ok(r) => r,
        Err(_) => Err(SmtpError::TimedOut {
            addr,
            secs: limit.as_secs(),
        }),
    };
    if let Err(e) = &result {
        transcript.note(&e.to_string());
    }
    Attempt { result, transcript }
}

async fn submit(
    server: &SmtpServer,
    trust: &Arc<Trust>,
    limits: &Limits,
    envelope: &Envelope,
    message: &[u8],
    t: &mut Transcript,
) -> Result<String, SmtpError> {
    let addr = format!("{}:{}", server.host, server.port);
    let hello = ClientId::default();
    t.note(&format!("connecting to {addr} ({})", server.tls.name()));
    let mut conn = connect(server, trust, limits, &hello, t).await?;
    let info = conn.server_info().clone();
    t.server(&format!("{info}"));

    if !server.user.is_empty() {
        let mechanisms = [Mechanism::Plain, Mechanism::Login];
        if info.get_auth_mechanism(&mechanisms).is_none() {
            return Err(SmtpError::NoMechanism { addr });
        }
        t.client("AUTH (password not shown)");
        let creds = Credentials::new(server.user.clone(), server.password.clone());
        match conn.auth(&mechanisms, &creds).await {
            Ok(r) => t.server(&reply_text(&r)),
            Err(e) => {
                let err = match (e.status(), e.source_text()) {
                    (Some(code), text) => SmtpError::Login {
                        addr: addr.clone(),
                        code: code.to_string(),
                        text,
                    },
                    _ => refused(t, &addr, "the login", &e),
                };
                conn.abort().await;
                return Err(err);
            }
        }
    }

    let mut params = Vec::new();
    let non_ascii = envelope
        .from()
        .into_iter()
        .chain(envelope.to())
        .any(|a: &lettre::Address| !AsRef::<str>::as_ref(a).is_ascii());
    if non_ascii {
        if !info.supports_feature(Extension::SmtpUtfEight) {
            return Err(SmtpError::Protocol {
                addr,
                text: "an address is not ASCII and the server does not offer SMTPUTF8".into(),
            });
        }
        params.push(MailParameter::SmtpUtfEight);
    }
    if !message.is_ascii() && info.supports_feature(Extension::EightBitMime) {
        params.push(MailParameter::Body(MailBodyParameter::EightBitMime));
    }
    let mail = Mail::new(envelope.from().cloned(), params);
    t.client(mail.to_string().trim_end());
    match conn.command(mail).await {
        Ok(r) => t.server(&reply_text(&r)),
        Err(e) => {
            conn.abort().await;
            return Err(refused(t, &addr, "the sender", &e));
        }
    }
    for to in envelope.to() {
        let rcpt = Rcpt::new(to.clone(), Vec::new());
        t.client(rcpt.to_string().trim_end());
        match conn.command(rcpt).await {
            Ok(r) => t.server(&reply_text(&r)),
            Err(e) => {
                conn.abort().await;
                return Err(refused(t, &addr, &format!("the recipient <{to}>"), &e));
            }
        }
    }
    t.client("DATA");
    match conn.command(Data).await {
        Ok(r) => t.server(&reply_text(&r)),
        Err(e) => {
            conn.abort().await;
            return Err(refused(t, &addr, "DATA", &e));
        }
    }
    t.client(&format!("({} bytes of message)", message.len()));
    let accepted = match conn.message(message).await {
        Ok(r) => {
            let text = reply_text(&r);
            t.server(&text);
            text
        }
        Err(e) => {
            conn.abort().await;
            return Err(refused(t, &addr, "the message", &e));
        }
    };
    t.client("QUIT");
    // The message is accepted; a QUIT that fails changes nothing.
    if let Ok(r) = conn.command(Quit).await {
        t.server(&reply_text(&r));
    }
    Ok(accepted)
}

/// Connects as `server.tls` says and lets lettre read the greeting and send EHLO.
async fn connect(
    server: &SmtpServer,
    trust: &Arc<Trust>,
    limits: &Limits,
    hello: &ClientId,
    t: &mut Transcript,
) -> Result<AsyncSmtpConnection, SmtpError> {
    let addr = format!("{}:{}", server.host, server.port);
    let tcp = net::connect(&server.host, server.port, limits).await?;
    let peer = tcp.peer_addr().map_err(|source| NetError::Io {
        addr: addr.clone(),
        source,
    })?;
    let stream = match server.tls {
        TlsMode::Implicit => {
            let tls = trust.wrap(tcp, &server.host, server.port, limits).await?;
            t.note("TLS from the first byte");
            SmtpStream::new(Box::new(tls), peer, limits.read_timeout)
        }
        TlsMode::Plain => SmtpStream::new(Box::new(tcp), peer, limits.read_timeout),
        TlsMode::Explicit | TlsMode::IfOffered => {
            starttls(server, trust, limits, hello, tcp, peer, t).await?
        }
    };
    AsyncSmtpConnection::connect_with_transport(Box::new(stream), hello)
        .await
        .map_err(|e| match e.status() {
            Some(_) => SmtpError::Greeting {
                addr: addr.clone(),
                line: e.source_text(),
            },
            None => words(&addr, "the greeting", &e),
        })
}

/// RFC 3207 before lettre takes over: greeting, EHLO, STARTTLS, handshake. When the server
/// offers no STARTTLS, `require` stops here; `auto` goes on in plain text.
async fn starttls(
    server: &SmtpServer,
    trust: &Arc<Trust>,
    limits: &Limits,
    hello: &ClientId,
    tcp: tokio::net::TcpStream,
    peer: std::net::SocketAddr,
    t: &mut Transcript,
) -> Result<SmtpStream, SmtpError> {
    let addr = format!("{}:{}", server.host, server.port);
    let mut plain = BufReader::new(tcp);
    let greeting = read_reply(&mut plain, limits, &addr).await?;
    t.server(&greeting.text());
    if greeting.code != 220 {
        return Err(SmtpError::Greeting {
            addr,
            line: greeting.text(),
        });
    }
    let ehlo = format!("EHLO {hello}");
    t.client(&ehlo);
    write_line(&mut plain, &ehlo, limits, &addr).await?;
    let caps = read_reply(&mut plain, limits, &addr).await?;
    t.server(&caps.text());
    let offered = caps.code == 250
        && caps
            .lines
            .iter()
            .skip(1)
            .any(|l| l.trim().eq_ignore_ascii_case("STARTTLS"));
    if !offered {
        if server.tls == TlsMode::Explicit {
            let _ = write_line(&mut plain, "QUIT", limits, &addr).await;
            return Err(SmtpError::NoStartTls { addr });
        }
        t.note("no STARTTLS offered: going on in plain text, as the account allows");
        let replay = format!("220 {}\r\n", server.host);
        return Ok(
            SmtpStream::new(Box::new(plain.into_inner()), peer, limits.read_timeout)
                .replaying(replay.as_bytes()),
        );
    }
    t.client("STARTTLS");
    write_line(&mut plain, "STARTTLS", limits, &addr).await?;
    let go = read_reply(&mut plain, limits, &addr).await?;
    t.server(&go.text());
    if go.code != 220 {
        if server.tls == TlsMode::Explicit {
            return Err(SmtpError::NoStartTls { addr });
        }
        return Err(SmtpError::Refused {
            addr,
            stage: "STARTTLS".into(),
            code: go.code.to_string(),
            text: go.lines.join(" "),
            temporary: go.code / 100 == 4,
        });
    }
    if !plain.buffer().is_empty() {
        return Err(SmtpError::Injection { addr });
    }
    let tls = trust
        .wrap(plain.into_inner(), &server.host, server.port, limits)
        .await?;
    t.note("TLS negotiated");
    // RFC 3207: the server sends no new greeting; lettre expects one before its EHLO, which
    // must be sent again anyway, since what was learnt in plain text is forgotten.
    let replay = format!("220 {} (TLS)\r\n", server.host);
    Ok(SmtpStream::new(Box::new(tls), peer, limits.read_timeout).replaying(replay.as_bytes()))
}

/// One SMTP reply, all its lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub code: u16,
    pub lines: Vec<String>,
}

impl Reply {
    pub fn text(&self) -> String {
        format!("{} {}", self.code, self.lines.join(" | "))
    }
}

/// At most this many lines in one reply (an EHLO answer has about a dozen).
const MAX_REPLY_LINES: usize = 256;

/// Reads a (possibly multi-line) reply: `250-...` lines go on, `250 ...` ends it.
pub async fn read_reply<R: tokio::io::AsyncBufRead + Unpin>(
    reader: &mut R,
    limits: &Limits,
    addr: &str,
) -> Result<Reply, SmtpError> {
    let mut buf = Vec::new();
    let mut lines = Vec::new();
    let mut code = None;
    loop {
        if !net::read_line(reader, &mut buf, limits, addr).await? {
            return Err(SmtpError::Protocol {
                addr: addr.to_string(),
                text: "the server closed the connection in the middle of a reply".into(),
            });
        }
        let (this, last, text) = parse_reply_line(&buf).ok_or_else(|| SmtpError::Greeting {
            addr: addr.to_string(),
            line: String::from_utf8_lossy(&buf).chars().take(200).collect(),
        })?;
        if *code.get_or_insert(this) != this {
            return Err(SmtpError::Protocol {
                addr: addr.to_string(),
                text: format!(
                    "a reply changed its code from {} to {this}",
                    code.unwrap_or(0)
                ),
            });
        }
        lines.push(text);
        if last {
            return Ok(Reply { code: this, lines });
        }
        if lines.len() >= MAX_REPLY_LINES {
            return Err(SmtpError::Protocol {
                addr: addr.to_string(),
                text: format!("a reply went on for more than {MAX_REPLY_LINES} lines"),
            });
        }
    }
}

/// `250-text` → (250, false, "text"); `250 text` or `250` → (250, true, ...). `None` when the
/// line is not a reply line.
pub fn parse_reply_line(line: &[u8]) -> Option<(u16, bool, String)> {
    if line.len() < 3
        || !line[..3].iter().all(u8::is_ascii_digit)
        || !(b'2'..=b'5').contains(&line[0])
    {
        return None;
    }
    let code = u16::from(line[0] - b'0') * 100
        + u16::from(line[1] - b'0') * 10
        + u16::from(line[2] - b'0');
    let last = match line.get(3) {
        None | Some(b' ') => true,
        Some(b'-') => false,
        Some(_) => return None,
    };
    let text = line
        .get(4..)
        .map_or_else(String::new, |t| String::from_utf8_lossy(t).into_owned());
    Some((code, last, text))
}

async fn write_line(
    w: &mut BufReader<tokio::net::TcpStream>,
    line: &str,
    limits: &Limits,
    addr: &str,
) -> Result<(), SmtpError> {
    let data = format!("{line}\r\n");
    net::bounded(limits, addr, w.get_mut().write_all(data.as_bytes())).await?;
    Ok(())
}

fn reply_text(r: &lettre::transport::smtp::response::Response) -> String {
    format!(
        "{} {}",
        r.code(),
        r.message().collect::<Vec<_>>().join(" | ")
    )
}

trait SourceText {
    /// The server's words (or lettre's), without lettre's "permanent error (550)" prefix.
    fn source_text(&self) -> String;
}

impl SourceText for lettre::transport::smtp::Error {
    fn source_text(&self) -> String {
        std::error::Error::source(self).map_or_else(|| self.to_string(), ToString::to_string)
    }
}

/// Puts the server's refusal into the transcript and says it in words.
fn refused(
    t: &mut Transcript,
    addr: &str,
    stage: &str,
    e: &lettre::transport::smtp::Error,
) -> SmtpError {
    if let Some(code) = e.status() {
        t.server(&format!("{code} {}", e.source_text()));
    }
    words(addr, stage, e)
}

/// A lettre error in words: a server refusal with its code and text, a network failure as such.
fn words(addr: &str, stage: &str, e: &lettre::transport::smtp::Error) -> SmtpError {
    if let Some(code) = e.status() {
        return SmtpError::Refused {
            addr: addr.to_string(),
            stage: stage.to_string(),
            code: code.to_string(),
            text: e.source_text(),
            temporary: e.is_transient(),
        };
    }
    let text = if e.is_timeout() {
        "the server stopped answering".to_string()
    } else {
        format!("{stage} failed: {}", e.source_text())
    };
    SmtpError::Protocol {
        addr: addr.to_string(),
        text,
    }
}

#[cfg(test)]
mod tests;
