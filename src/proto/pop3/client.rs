//! A POP3 session over plain TCP, STLS or implicit TLS: CAPA, USER/PASS or SASL PLAIN, STAT,
//! LIST, UIDL, TOP, RETR, DELE and QUIT. Every read is bounded by the read timeout, the longest
//! line and, for a message, the size the server announced for it.

use std::sync::Arc;

use base64::Engine as _;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWriteExt, BufReader};

use super::reply::{self, Capabilities, DotDecoder, Status};
use crate::proto::net::{self, Limits, NetError, Stream};
use crate::proto::tls::{TlsMode, Trust};

/// Where and how to log in.
pub type Pop3Server = crate::proto::net::ServerLogin;

/// Why a POP3 session failed, in words a user can act on.
#[derive(Debug, thiserror::Error)]
pub enum Pop3Error {
    #[error(transparent)]
    Net(#[from] NetError),
    #[error("{addr} is not a POP3 server: it greeted with {line:?}")]
    Greeting { addr: String, line: String },
    #[error("{addr} sent {line:?} where a POP3 reply was expected")]
    Garbage { addr: String, line: String },
    #[error(
        "{addr} does not offer STLS, and this account requires TLS: nothing was sent in plain \
         text. Use POP3S (port 995) or, only on a network you trust, choose plain."
    )]
    NoStls { addr: String },
    #[error(
        "{addr} sent data before the TLS handshake (possible STARTTLS injection); the \
         connection was closed"
    )]
    Injection { addr: String },
    #[error("{addr} refused the login: {}", words(.status))]
    Login { addr: String, status: Status },
    #[error("{addr} refused {command}: {}", words(.status))]
    Refused {
        addr: String,
        command: String,
        status: Status,
    },
    #[error("{addr} closed the connection in the middle of {what}")]
    Cut { addr: String, what: String },
    #[error("{addr} sent more than {limit} bytes for {what}, more than it announced; stopped")]
    Overlong {
        addr: String,
        what: String,
        limit: u64,
    },
    #[error("{addr} sent a malformed {what} line: {line:?}")]
    Malformed {
        addr: String,
        what: &'static str,
        line: String,
    },
    #[error("cannot write the message: {0}")]
    Sink(std::io::Error),
}

impl Pop3Error {
    /// The server is fine but busy or locked: try again later rather than fix a setting.
    pub fn is_temporary(&self) -> bool {
        match self {
            Pop3Error::Login { status, .. } | Pop3Error::Refused { status, .. } => matches!(
                status.code.as_deref(),
                Some("IN-USE" | "LOGIN-DELAY" | "SYS/TEMP")
            ),
            Pop3Error::Net(_) | Pop3Error::Cut { .. } => true,
            _ => false,
        }
    }
}

fn words(status: &Status) -> String {
    let text = if status.text.is_empty() {
        "no reason given".to_string()
    } else {
        status.text.clone()
    };
    match status.code.as_deref() {
        Some("IN-USE") => format!("{text} (the mailbox is in use by another session; try later)"),
        Some("LOGIN-DELAY") => format!("{text} (logins are too frequent; wait and try again)"),
        Some("AUTH") => format!("{text} (check the user name and password)"),
        Some("SYS/TEMP") => format!("{text} (a temporary server problem; try later)"),
        Some(code) => format!("{text} [{code}]"),
        None => text,
    }
}

/// Longest line of a message body; a longer one is an error, not a buffer without end.
const MAX_MESSAGE_LINE: usize = 4 * 1024 * 1024;

/// One logged-in POP3 session.
pub struct Pop3Session {
    reader: BufReader<Box<dyn Stream>>,
    addr: String,
    limits: Limits,
    pub capabilities: Capabilities,
    /// The connection is encrypted (implicit TLS or after STLS).
    pub tls: bool,
    /// The greeting's text, for the capability report.
    pub greeting: String,
}

impl std::fmt::Debug for Pop3Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pop3Session")
            .field("addr", &self.addr)
            .field("tls", &self.tls)
            .finish_non_exhaustive()
    }
}

impl Pop3Session {
    /// Connects, upgrades to TLS as `server.tls` says, and logs in.
    pub async fn connect(
        server: &Pop3Server,
        trust: &Arc<Trust>,
        limits: &Limits,
    ) -> Result<Pop3Session, Pop3Error> {
        let mut session = Pop3Session::open(server, trust, limits).await?;
        session.login(&server.user, &server.password).await?;
        Ok(session)
    }

    /// Connects and upgrades to TLS, without logging in: for the capability report and setup.
    pub async fn open(
        server: &Pop3Server,
        trust: &Arc<Trust>,
        limits: &Limits,
    ) -> Result<Pop3Session, Pop3Error> {
        let addr = format!("{}:{}", server.host, server.port);
        let tcp = net::connect(&server.host, server.port, limits).await?;
        if server.tls == TlsMode::Implicit {
            let tls = trust.wrap(tcp, &server.host, server.port, limits).await?;
            let mut s = Pop3Session::new(Box::new(tls), addr, *limits, true);
            s.greet().await?;
            s.capabilities = s.capa().await?;
            return Ok(s);
        }
        // Before TLS the stream stays a TcpStream, so STLS can wrap it.
        let mut plain = BufReader::new(tcp);
        let greeting = read_status(&mut plain, limits, &addr)
            .await
            .map_err(|e| match e {
                Pop3Error::Garbage { addr, line } => Pop3Error::Greeting { addr, line },
                other => other,
            })?;
        if !greeting.ok {
            return Err(Pop3Error::Refused {
                addr,
                command: "the connection".into(),
                status: greeting,
            });
        }
        let capabilities = capa_on(&mut plain, limits, &addr).await?;
        let want_tls = match server.tls {
            TlsMode::Plain => false,
            TlsMode::IfOffered => capabilities.stls,
            TlsMode::Explicit => {
                if !capabilities.stls {
                    return Err(Pop3Error::NoStls { addr });
                }
                true
            }
            TlsMode::Implicit => unreachable!("handled above"),
        };
        if !want_tls {
            let mut s = Pop3Session::new(Box::new(plain.into_inner()), addr, *limits, false);
            s.capabilities = capabilities;
            s.greeting = greeting.text;
            // A bare TcpStream came out of the reader: nothing buffered is lost, since the
            // server sends nothing unasked.
            return Ok(s);
        }
        send_on(plain.get_mut(), b"STLS\r\n", &addr).await?;
        let status = read_status(&mut plain, limits, &addr).await?;
        if !status.ok {
            return Err(if server.tls == TlsMode::Explicit {
                Pop3Error::Refused {
                    addr,
                    command: "STLS".into(),
                    status,
                }
            } else {
                // It offered STLS and then refused it: going on in plain would be a downgrade
                // the user did not choose.
                Pop3Error::NoStls { addr }
            });
        }
        if !plain.buffer().is_empty() {
            return Err(Pop3Error::Injection { addr });
        }
        let tls = trust
            .wrap(plain.into_inner(), &server.host, server.port, limits)
            .await?;
        let mut s = Pop3Session::new(Box::new(tls), addr, *limits, true);
        s.greeting = greeting.text;
        // RFC 2595: what was learnt before TLS is forgotten.
        s.capabilities = s.capa().await?;
        Ok(s)
    }

    fn new(stream: Box<dyn Stream>, addr: String, limits: Limits, tls: bool) -> Pop3Session {
        Pop3Session {
            reader: BufReader::with_capacity(256 * 1024, stream),
            addr,
            limits,
            capabilities: Capabilities::default(),
            tls,
            greeting: String::new(),
        }
    }

    async fn greet(&mut self) -> Result<(), Pop3Error> {
        let status = read_status(&mut self.reader, &self.limits, &self.addr)
            .await
            .map_err(|e| match e {
                Pop3Error::Garbage { addr, line } => Pop3Error::Greeting { addr, line },
                other => other,
            })?;
        if !status.ok {
            return Err(Pop3Error::Refused {
                addr: self.addr.clone(),
                command: "the connection".into(),
                status,
            });
        }
        self.greeting = status.text;
        Ok(())
    }

    /// Logs in: SASL PLAIN where offered, else USER and PASS.
    pub async fn login(&mut self, user: &str, password: &str) -> Result<(), Pop3Error> {
        if user.contains(['\r', '\n', '\0']) || password.contains(['\r', '\n', '\0']) {
            return Err(Pop3Error::Login {
                addr: self.addr.clone(),
                status: Status {
                    ok: false,
                    code: None,
                    text: "the user name or password contains a line break".into(),
                },
            });
        }
        let status = if self.capabilities.sasl.iter().any(|m| m == "PLAIN") {
            let token =
                base64::engine::general_purpose::STANDARD.encode(format!("\0{user}\0{password}"));
            self.send(format!("AUTH PLAIN {token}\r\n").as_bytes())
                .await?;
            self.status().await?
        } else {
            self.send(format!("USER {user}\r\n").as_bytes()).await?;
            let status = self.status().await?;
            if status.ok {
                self.send(format!("PASS {password}\r\n").as_bytes()).await?;
                self.status().await?
            } else {
                status
            }
        };
        if status.ok {
            Ok(())
        } else {
            Err(Pop3Error::Login {
                addr: self.addr.clone(),
                status,
            })
        }
    }

    /// CAPA; a server that does not know it (an RFC 1939 server) gives empty capabilities.
    pub async fn capa(&mut self) -> Result<Capabilities, Pop3Error> {
        capa_on(&mut self.reader, &self.limits, &self.addr).await
    }

    /// STAT: the number of messages and their total size.
    pub async fn stat(&mut self) -> Result<(u32, u64), Pop3Error> {
        let status = self.command("STAT").await?;
        reply::parse_listing(status.text.as_bytes()).map_err(|_| Pop3Error::Malformed {
            addr: self.addr.clone(),
            what: "STAT",
            line: status.text.clone(),
        })
    }

    /// LIST: each message's number and size.
    pub async fn list(&mut self) -> Result<Vec<(u32, u64)>, Pop3Error> {
        self.command("LIST").await?;
        let lines = self.small_multiline("LIST").await?;
        lines
            .iter()
            .map(|l| {
                reply::parse_listing(l).map_err(|_| Pop3Error::Malformed {
                    addr: self.addr.clone(),
                    what: "LIST",
                    line: String::from_utf8_lossy(l).into_owned(),
                })
            })
            .collect()
    }

    /// UIDL: each message's number and its unique id, which stays the same across sessions.
    pub async fn uidl(&mut self) -> Result<Vec<(u32, String)>, Pop3Error> {
        self.command("UIDL").await?;
        let lines = self.small_multiline("UIDL").await?;
        lines
            .iter()
            .map(|l| {
                reply::parse_uidl(l).map_err(|_| Pop3Error::Malformed {
                    addr: self.addr.clone(),
                    what: "UIDL",
                    line: String::from_utf8_lossy(l).into_owned(),
                })
            })
            .collect()
    }

    /// TOP: the headers and the first `lines` lines of message `number`, at most `limit` bytes.
    pub async fn top(&mut self, number: u32, lines: u32, limit: u64) -> Result<Vec<u8>, Pop3Error> {
        self.command(&format!("TOP {number} {lines}")).await?;
        let mut out = Vec::new();
        self.multiline_into(&mut out, &format!("message {number}"), limit)
            .await?;
        Ok(out)
    }

    /// RETR into `sink`: message `number`, dot-unstuffed, byte for byte as the server has it.
    /// `announced` is its LIST size: a server that sends much more than that is stopped, so a
    /// message that never ends cannot fill the disk.
    pub async fn retr<W: std::io::Write + ?Sized>(
        &mut self,
        number: u32,
        announced: Option<u64>,
        sink: &mut W,
    ) -> Result<u64, Pop3Error> {
        self.command(&format!("RETR {number}")).await?;
        let limit = announced.map_or(self.limits.max_body, |size| {
            size.saturating_mul(2).saturating_add(64 * 1024)
        });
        let what = format!("message {number}");
        crate::proto::dot::copy_block(
            &mut self.reader,
            &self.limits,
            &self.addr,
            MAX_MESSAGE_LINE,
            limit,
            sink,
        )
        .await
        .map_err(|e| match e {
            crate::proto::dot::BlockError::Net(e) => Pop3Error::Net(e),
            crate::proto::dot::BlockError::Cut => Pop3Error::Cut {
                addr: self.addr.clone(),
                what,
            },
            crate::proto::dot::BlockError::Overlong { limit } => Pop3Error::Overlong {
                addr: self.addr.clone(),
                what,
                limit,
            },
            crate::proto::dot::BlockError::Sink(e) => Pop3Error::Sink(e),
        })
    }

    /// RETR into memory, for messages that go to the store.
    pub async fn retr_vec(
        &mut self,
        number: u32,
        announced: Option<u64>,
    ) -> Result<Vec<u8>, Pop3Error> {
        let mut out = Vec::with_capacity(announced.unwrap_or(4096).min(64 << 20) as usize);
        self.retr(number, announced, &mut out).await?;
        Ok(out)
    }

    /// DELE: marks message `number` deleted; the server removes it only at QUIT.
    pub async fn dele(&mut self, number: u32) -> Result<(), Pop3Error> {
        self.command(&format!("DELE {number}")).await.map(|_| ())
    }

    /// RSET: forgets the deletions of this session.
    pub async fn rset(&mut self) -> Result<(), Pop3Error> {
        self.command("RSET").await.map(|_| ())
    }

    /// NOOP, to keep the session alive and see it still works.
    pub async fn noop(&mut self) -> Result<(), Pop3Error> {
        self.command("NOOP").await.map(|_| ())
    }

    /// QUIT: the server commits the deletions (its UPDATE state) and closes.
    pub async fn quit(mut self) -> Result<(), Pop3Error> {
        self.command("QUIT").await.map(|_| ())
    }

    async fn send(&mut self, line: &[u8]) -> Result<(), Pop3Error> {
        send_on(self.reader.get_mut(), line, &self.addr).await
    }

    async fn status(&mut self) -> Result<Status, Pop3Error> {
        read_status(&mut self.reader, &self.limits, &self.addr).await
    }

    /// Sends `command` and reads a `+OK`; a `-ERR` is [`Pop3Error::Refused`].
    async fn command(&mut self, command: &str) -> Result<Status, Pop3Error> {
        self.send(format!("{command}\r\n").as_bytes()).await?;
        let status = self.status().await?;
        if status.ok {
            Ok(status)
        } else {
            Err(Pop3Error::Refused {
                addr: self.addr.clone(),
                command: command.split(' ').next().unwrap_or(command).to_string(),
                status,
            })
        }
    }

    async fn small_multiline(&mut self, what: &str) -> Result<Vec<Vec<u8>>, Pop3Error> {
        let mut out = Vec::new();
        // A LIST or UIDL of a million messages is about 30 MB.
        self.multiline_into(&mut out, what, 64 * 1024 * 1024)
            .await?;
        Ok(reply::lines_of(&out))
    }

    async fn multiline_into(
        &mut self,
        out: &mut Vec<u8>,
        what: &str,
        limit: u64,
    ) -> Result<(), Pop3Error> {
        multiline_on(&mut self.reader, out, what, limit, &self.limits, &self.addr).await
    }
}

async fn send_on<W: tokio::io::AsyncWrite + Unpin + ?Sized>(
    w: &mut W,
    line: &[u8],
    addr: &str,
) -> Result<(), Pop3Error> {
    let io = async {
        w.write_all(line).await?;
        w.flush().await
    };
    io.await.map_err(|source| {
        Pop3Error::Net(NetError::Io {
            addr: addr.to_string(),
            source,
        })
    })
}

async fn read_status<R: AsyncBufRead + Unpin>(
    r: &mut R,
    limits: &Limits,
    addr: &str,
) -> Result<Status, Pop3Error> {
    let mut line = Vec::new();
    if !net::read_line(r, &mut line, limits, addr).await? {
        return Err(Pop3Error::Cut {
            addr: addr.to_string(),
            what: "a reply".into(),
        });
    }
    reply::parse_status(&line).map_err(|_| Pop3Error::Garbage {
        addr: addr.to_string(),
        line: String::from_utf8_lossy(&line[..line.len().min(200)]).into_owned(),
    })
}

async fn capa_on<R: AsyncBufRead + Unpin + tokio::io::AsyncWrite>(
    r: &mut R,
    limits: &Limits,
    addr: &str,
) -> Result<Capabilities, Pop3Error> {
    send_on(r, b"CAPA\r\n", addr).await?;
    let status = read_status(r, limits, addr).await?;
    if !status.ok {
        return Ok(Capabilities::default());
    }
    let mut out = Vec::new();
    multiline_on(r, &mut out, "CAPA", 1024 * 1024, limits, addr).await?;
    Ok(Capabilities::parse(&reply::lines_of(&out)))
}

async fn multiline_on<R: AsyncBufRead + Unpin>(
    r: &mut R,
    out: &mut Vec<u8>,
    what: &str,
    limit: u64,
    limits: &Limits,
    addr: &str,
) -> Result<(), Pop3Error> {
    let mut decoder = DotDecoder::new();
    loop {
        let chunk = net::bounded(limits, addr, r.fill_buf()).await?;
        if chunk.is_empty() {
            return Err(Pop3Error::Cut {
                addr: addr.to_string(),
                what: what.to_string(),
            });
        }
        let fed = decoder.feed(chunk, out);
        r.consume(fed.used);
        if out.len() as u64 > limit {
            return Err(Pop3Error::Overlong {
                addr: addr.to_string(),
                what: what.to_string(),
                limit,
            });
        }
        if fed.done {
            return Ok(());
        }
    }
}
