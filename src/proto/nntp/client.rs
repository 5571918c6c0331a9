//! An NNTP reader session over plain TCP, STARTTLS (RFC 4642) or NNTPS: CAPABILITIES, MODE
//! READER, AUTHINFO USER/PASS (RFC 4643, also when a command is answered 480), LIST ACTIVE,
//! COUNTS and NEWSGROUPS, NEWGROUPS, GROUP, OVER with XOVER for older servers, ARTICLE, HEAD,
//! BODY, POST, DATE and QUIT. Every read is bounded by the read timeout, the longest line and,
//! for an article, a size limit.

use std::sync::Arc;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use super::overview::{self, Overview, OverviewFormat};
use super::reply::{self, ActiveGroup, Capabilities, GroupInfo, Status};
use crate::proto::dot;
use crate::proto::net::{self, Limits, NetError, Stream};
use crate::proto::tls::{TlsMode, Trust};
use crate::proto::wire::{self, Flow};

/// Where and how to log in; an empty user means no AUTHINFO unless the server asks.
pub type NntpServer = crate::proto::net::ServerLogin;

/// Why an NNTP session or command failed, in words a user can act on.
#[derive(Debug, thiserror::Error)]
pub enum NntpError {
    #[error(transparent)]
    Net(#[from] NetError),
    #[error("{addr} is not an NNTP server: it greeted with {line:?}")]
    Greeting { addr: String, line: String },
    #[error("{addr} does not serve readers now: {}", .status.words())]
    Unavailable { addr: String, status: Status },
    #[error("{addr} sent {line:?} where an NNTP reply was expected")]
    Garbage { addr: String, line: String },
    #[error(
        "{addr} does not offer STARTTLS, and this server is set to require TLS: nothing was \
         sent in plain text. Use NNTPS (port 563) or, only on a network you trust, choose plain."
    )]
    NoStartTls { addr: String },
    #[error(
        "{addr} sent data before the TLS handshake (possible STARTTLS injection); the \
         connection was closed"
    )]
    Injection { addr: String },
    #[error(
        "{addr} asks for a user name and password ({}): add them to the server's settings",
        .status.words()
    )]
    AuthRequired { addr: String, status: Status },
    #[error("{addr} refused the login: {}. Check the user name and password.", .status.words())]
    Login { addr: String, status: Status },
    #[error("{addr} has no group {group:?}")]
    NoSuchGroup { addr: String, group: String },
    #[error("{addr} has no article {what}: {}", .status.words())]
    NoSuchArticle {
        addr: String,
        what: String,
        status: Status,
    },
    #[error("{addr} does not let you post: {}", .status.words())]
    PostingNotAllowed { addr: String, status: Status },
    #[error("{addr} refused the article: {}", .status.words())]
    PostRefused { addr: String, status: Status },
    #[error("{addr} refused {command}: {}", .status.words())]
    Refused {
        addr: String,
        command: String,
        status: Status,
    },
    #[error("{addr} closed the connection in the middle of {what}")]
    Cut { addr: String, what: String },
    #[error("{addr} sent more than {limit} bytes for {what}; stopped")]
    Overlong {
        addr: String,
        what: String,
        limit: u64,
    },
    #[error("a user name or password with a line break cannot be sent")]
    BadCredentials,
    #[error("cannot write the article: {0}")]
    Sink(std::io::Error),
}

impl NntpError {
    /// The server or the network may do better later: worth a retry rather than a setting.
    pub fn is_temporary(&self) -> bool {
        match self {
            NntpError::Net(_) | NntpError::Cut { .. } | NntpError::Unavailable { .. } => true,
            NntpError::Refused { status, .. } | NntpError::PostRefused { status, .. } => {
                status.code / 100 == 4 && matches!(status.code, 400 | 403)
            }
            _ => false,
        }
    }
}

/// An article by number in the current group, or by Message-ID anywhere on the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArticleId {
    Number(u64),
    /// With angle brackets.
    MessageId(String),
}

impl ArticleId {
    /// A Message-ID given with or without its angle brackets.
    pub fn message_id(id: &str) -> ArticleId {
        let id = id.trim();
        if id.starts_with('<') {
            ArticleId::MessageId(id.to_string())
        } else {
            ArticleId::MessageId(format!("<{id}>"))
        }
    }

    fn arg(&self) -> String {
        match self {
            ArticleId::Number(n) => n.to_string(),
            ArticleId::MessageId(id) => id.clone(),
        }
    }
}

/// Which part of an article to fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Article,
    Head,
    Body,
}

/// What an OVER run did: how many lines were read and how many skipped, and why.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OverStats {
    pub read: u64,
    /// Lines without an article number.
    pub malformed: u64,
    /// Lines longer than the limit, dropped whole.
    pub overlong: u64,
}

/// Longest overview line kept; INN trims References, so real lines stay far below.
pub const MAX_OVERVIEW_LINE: usize = 256 * 1024;
/// Longest line inside an article.
const MAX_ARTICLE_LINE: usize = 4 * 1024 * 1024;
/// Articles in one batch handed to the caller of [`NntpSession::over`].
pub const OVER_BATCH: usize = 10_000;
/// Articles asked for in one OVER command of [`NntpSession::over`].
pub const OVER_CHUNK: u64 = 10_000;

/// One NNTP session, logged in where needed, with a group possibly selected.
pub struct NntpSession {
    reader: BufReader<Box<dyn Stream>>,
    addr: String,
    log_name: String,
    limits: Limits,
    user: String,
    password: String,
    authenticated: bool,
    pub capabilities: Capabilities,
    /// The greeting allowed posting (200, not 201).
    pub posting_allowed: bool,
    /// The connection is encrypted (NNTPS or after STARTTLS).
    pub tls: bool,
    pub greeting: String,
    /// The group GROUP last selected, which numbers refer to.
    pub group: Option<GroupInfo>,
    overview_format: Option<OverviewFormat>,
    /// XOVER is used after the server refused OVER.
    legacy_over: bool,
}

impl std::fmt::Debug for NntpSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NntpSession")
            .field("addr", &self.addr)
            .field("tls", &self.tls)
            .field("group", &self.group)
            .finish_non_exhaustive()
    }
}

impl NntpSession {
    /// Connects, upgrades to TLS as `server.tls` says, switches to reader mode and logs in
    /// when a user is given (else only if a command is answered 480 and a user is known).
    pub async fn connect(
        server: &NntpServer,
        trust: &Arc<Trust>,
        limits: &Limits,
    ) -> Result<NntpSession, NntpError> {
        if server.user.contains(['\r', '\n', '\0']) || server.password.contains(['\r', '\n', '\0'])
        {
            return Err(NntpError::BadCredentials);
        }
        let addr = format!("{}:{}", server.host, server.port);
        let tcp = net::connect(&server.host, server.port, limits).await?;
        let mut session;
        if server.tls == TlsMode::Implicit {
            let tls = trust.wrap(tcp, &server.host, server.port, limits).await?;
            session = NntpSession::new(Box::new(tls), addr, *limits, true);
            session.greet().await?;
            session.capabilities = session.read_capabilities().await?;
        } else {
            session = NntpSession::new(Box::new(tcp), addr, *limits, false);
            session.greet().await?;
            session.capabilities = session.read_capabilities().await?;
            let want_tls = match server.tls {
                TlsMode::Plain => false,
                TlsMode::IfOffered => session.capabilities.starttls,
                TlsMode::Explicit => {
                    if !session.capabilities.starttls {
                        return Err(NntpError::NoStartTls { addr: session.addr });
                    }
                    true
                }
                TlsMode::Implicit => unreachable!("handled above"),
            };
            if want_tls {
                session = session.starttls(server, trust).await?;
            }
        }
        session.user.clone_from(&server.user);
        session.password.clone_from(&server.password);
        session.reader_mode().await?;
        if !server.user.is_empty() {
            session.authinfo().await?;
        }
        Ok(session)
    }

    fn new(stream: Box<dyn Stream>, addr: String, limits: Limits, tls: bool) -> NntpSession {
        NntpSession {
            reader: BufReader::with_capacity(256 * 1024, stream),
            log_name: format!("nntp {addr}"),
            addr,
            limits,
            user: String::new(),
            password: String::new(),
            authenticated: false,
            capabilities: Capabilities::default(),
            posting_allowed: false,
            tls,
            greeting: String::new(),
            group: None,
            overview_format: None,
            legacy_over: false,
        }
    }

    async fn greet(&mut self) -> Result<(), NntpError> {
        let status = self.status().await.map_err(|e| match e {
            NntpError::Garbage { addr, line } => NntpError::Greeting { addr, line },
            other => other,
        })?;
        match status.code {
            200 | 201 => {
                self.posting_allowed = status.code == 200;
                self.greeting = status.text;
                Ok(())
            }
            _ => Err(NntpError::Unavailable {
                addr: self.addr.clone(),
                status,
            }),
        }
    }

    async fn starttls(
        mut self,
        server: &NntpServer,
        trust: &Arc<Trust>,
    ) -> Result<NntpSession, NntpError> {
        self.send("STARTTLS").await?;
        let status = self.status().await?;
        if status.code != 382 {
            return Err(if server.tls == TlsMode::Explicit {
                NntpError::Refused {
                    addr: self.addr,
                    command: "STARTTLS".into(),
                    status,
                }
            } else {
                // It offered STARTTLS, then refused it: going on in plain would be a
                // downgrade the user did not choose.
                NntpError::NoStartTls { addr: self.addr }
            });
        }
        if !self.reader.buffer().is_empty() {
            return Err(NntpError::Injection { addr: self.addr });
        }
        let NntpSession {
            reader,
            addr,
            limits,
            ..
        } = self;
        let stream = reader.into_inner();
        let tls = trust
            .wrap(stream, &server.host, server.port, &limits)
            .await?;
        let mut s = NntpSession::new(Box::new(tls), addr, limits, true);
        s.posting_allowed = self.posting_allowed;
        s.greeting = self.greeting;
        // RFC 4642: what was learnt before TLS is forgotten.
        s.capabilities = s.read_capabilities().await?;
        Ok(s)
    }

    /// CAPABILITIES; a server that does not know it gives the empty (RFC 977) set.
    async fn read_capabilities(&mut self) -> Result<Capabilities, NntpError> {
        self.send("CAPABILITIES").await?;
        let status = self.status().await?;
        if status.code != 101 {
            return Ok(Capabilities::default());
        }
        let lines = self.small_block("CAPABILITIES").await?;
        Ok(Capabilities::parse(&lines))
    }

    /// MODE READER where the server needs it, or where it does not say (old servers, and
    /// INN's innd, serve readers only after it).
    async fn reader_mode(&mut self) -> Result<(), NntpError> {
        let needed = self.capabilities.mode_reader
            || (!self.capabilities.answered && !self.capabilities.reader);
        if !needed {
            return Ok(());
        }
        self.send("MODE READER").await?;
        let status = self.status().await?;
        match status.code {
            200 | 201 => {
                self.posting_allowed = status.code == 200;
                if self.capabilities.answered {
                    self.capabilities = self.read_capabilities().await?;
                }
                Ok(())
            }
            // An old server that does not know MODE READER reads anyway; one that wants a
            // login first gets it with the first command that needs it.
            500 | 501 | 480 => Ok(()),
            _ => Err(NntpError::Unavailable {
                addr: self.addr.clone(),
                status,
            }),
        }
    }

    /// AUTHINFO USER and PASS (RFC 4643 §2.3).
    async fn authinfo(&mut self) -> Result<(), NntpError> {
        if self.user.is_empty() {
            return Err(NntpError::AuthRequired {
                addr: self.addr.clone(),
                status: Status {
                    code: 480,
                    text: "authentication required".into(),
                },
            });
        }
        let line = format!("AUTHINFO USER {}", self.user);
        self.send(&line).await?;
        let mut status = self.status().await?;
        if status.code == 381 {
            self.send_secret("AUTHINFO PASS", &self.password.clone())
                .await?;
            status = self.status().await?;
        }
        if status.code != 281 {
            return Err(NntpError::Login {
                addr: self.addr.clone(),
                status,
            });
        }
        self.authenticated = true;
        // RFC 4643 §2.3.2: capabilities may change after authentication.
        if self.capabilities.answered {
            self.capabilities = self.read_capabilities().await?;
        }
        Ok(())
    }

    /// Sends `command` and reads its status; a 480 logs in (once) with the known user and
    /// sends the command again.
    async fn command(&mut self, command: &str) -> Result<Status, NntpError> {
        self.send(command).await?;
        let status = self.status().await?;
        if status.code != 480 || self.authenticated {
            return Ok(status);
        }
        if self.user.is_empty() {
            return Err(NntpError::AuthRequired {
                addr: self.addr.clone(),
                status,
            });
        }
        self.authinfo().await?;
        // The group selection does not survive AUTHINFO on every server: select it again.
        if let Some(g) = self.group.clone()
            && !command.starts_with("GROUP ")
        {
            self.send(&format!("GROUP {}", g.name)).await?;
            let reselected = self.status().await?;
            if reselected.code != 211 {
                return Err(NntpError::NoSuchGroup {
                    addr: self.addr.clone(),
                    group: g.name,
                });
            }
        }
        self.send(command).await?;
        self.status().await
    }

    fn refused(&self, command: &str, status: Status) -> NntpError {
        NntpError::Refused {
            addr: self.addr.clone(),
            command: command.split(' ').next().unwrap_or(command).to_string(),
            status,
        }
    }

    /// GROUP: selects a group and gives its range.
    pub async fn select(&mut self, group: &str) -> Result<GroupInfo, NntpError> {
        if group.is_empty() || group.contains(|c: char| c.is_whitespace() || c.is_control()) {
            return Err(NntpError::NoSuchGroup {
                addr: self.addr.clone(),
                group: group.to_string(),
            });
        }
        let command = format!("GROUP {group}");
        let status = self.command(&command).await?;
        match status.code {
            211 => {
                let info = reply::parse_group(&status.text).map_err(|_| NntpError::Garbage {
                    addr: self.addr.clone(),
                    line: status.text.clone(),
                })?;
                self.group = Some(info.clone());
                Ok(info)
            }
            411 => Err(NntpError::NoSuchGroup {
                addr: self.addr.clone(),
                group: group.to_string(),
            }),
            _ => Err(self.refused(&command, status)),
        }
    }

    /// Every group, or those `wildmat` matches (`comp.*,!comp.os.*`, RFC 3977 §4): LIST
    /// COUNTS where offered (exact counts), else LIST ACTIVE.
    pub async fn list_groups(
        &mut self,
        wildmat: Option<&str>,
    ) -> Result<Vec<ActiveGroup>, NntpError> {
        let arg = match wildmat
            .map(str::trim)
            .filter(|w| !w.is_empty() && *w != "*")
        {
            Some(w) if w.contains(|c: char| c.is_whitespace() || c.is_control()) => {
                return Err(NntpError::NoSuchGroup {
                    addr: self.addr.clone(),
                    group: w.to_string(),
                });
            }
            Some(w) => format!(" {w}"),
            None => String::new(),
        };
        let counts = self.capabilities.lists("COUNTS");
        if counts {
            let status = self.command(&format!("LIST COUNTS{arg}")).await?;
            if status.code == 215 {
                return self.read_active(status, "LIST COUNTS", true, 215).await;
            }
        }
        let status = self.command(&format!("LIST ACTIVE{arg}")).await?;
        self.read_active(status, "LIST ACTIVE", false, 215).await
    }

    /// NEWGROUPS: groups created since `since` (Unix seconds, by the server's clock).
    pub async fn new_groups(&mut self, since: i64) -> Result<Vec<ActiveGroup>, NntpError> {
        let command = format!("NEWGROUPS {}", reply::newgroups_since(since));
        let status = self.command(&command).await?;
        self.read_active(status, "NEWGROUPS", false, 231).await
    }

    async fn read_active(
        &mut self,
        status: Status,
        command: &str,
        counts: bool,
        want: u16,
    ) -> Result<Vec<ActiveGroup>, NntpError> {
        if status.code != want {
            return Err(self.refused(command, status));
        }
        let mut out = Vec::new();
        self.each_line(command, 4096, |line| {
            // A malformed line is one group the list lacks, not a failed list.
            if let Ok(g) = reply::parse_active(line, counts) {
                out.push(g);
            }
        })
        .await?;
        Ok(out)
    }

    /// LIST NEWSGROUPS: each group's description. A server without it gives none.
    pub async fn descriptions(&mut self) -> Result<Vec<(String, String)>, NntpError> {
        let status = self.command("LIST NEWSGROUPS").await?;
        if status.code != 215 {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        self.each_line("LIST NEWSGROUPS", 4096, |line| {
            if let Some(d) = reply::parse_description(line) {
                out.push(d);
            }
        })
        .await?;
        Ok(out)
    }

    /// DATE: the server's clock (for NEWGROUPS next time), when it has the command.
    pub async fn date(&mut self) -> Result<Option<i64>, NntpError> {
        let status = self.command("DATE").await?;
        Ok(if status.code == 111 {
            reply::parse_date(&status.text)
        } else {
            None
        })
    }

    /// LIST OVERVIEW.FMT, read once per session; the RFC 3977 order where it fails.
    pub async fn overview_format(&mut self) -> Result<OverviewFormat, NntpError> {
        if let Some(f) = &self.overview_format {
            return Ok(f.clone());
        }
        let status = self.command("LIST OVERVIEW.FMT").await?;
        let format = if status.code == 215 {
            OverviewFormat::parse(&self.small_block("LIST OVERVIEW.FMT").await?)
        } else {
            OverviewFormat::default()
        };
        self.overview_format = Some(format.clone());
        Ok(format)
    }

    /// OVER (or XOVER where OVER is refused) of `first..=last` in the selected group. Lines
    /// come to `batch` in groups of up to [`OVER_BATCH`], so the caller stores them while the
    /// next ones arrive; malformed and overlong lines are skipped and counted.
    ///
    /// The range is asked for in pieces of about [`OVER_CHUNK`] articles, the next piece sent
    /// as soon as the last one is answered (RFC 3977 3.5 pipelining). A server such as INN
    /// gathers a whole range before it sends its first line: asked for 100,000 articles at
    /// once, it leaves the client idle for most of the transfer, while in pieces it works
    /// out the next one while the client stores this one.
    pub async fn over(
        &mut self,
        first: u64,
        last: u64,
        fallback: &'static encoding_rs::Encoding,
        mut batch: impl FnMut(Vec<Overview>),
    ) -> Result<OverStats, NntpError> {
        let format = self.overview_format().await?;
        let span = self.over_span(first, last);
        let piece = |from: u64| (from, from.saturating_add(span - 1).min(last));
        let mut stats = OverStats::default();
        let mut rows = Vec::with_capacity(OVER_BATCH);
        let mut range = piece(first);
        let mut status = self.over_command(range).await?;
        let outcome = loop {
            let next = (range.1 < last).then(|| piece(range.1 + 1));
            let mut pipelined = false;
            match status.code {
                224 => {
                    if let Some(next) = next {
                        self.send(&self.over_verb(next)).await?;
                        pipelined = true;
                    }
                    let read = self
                        .over_lines(&format, fallback, &mut stats, &mut rows, &mut batch)
                        .await;
                    if let Err(e) = read {
                        break Err(e);
                    }
                }
                // RFC 3977: a range without articles is 423; old servers say 420.
                423 | 420 => {}
                412 => {
                    break Err(self.refused(
                        "OVER",
                        Status {
                            code: 412,
                            text: "no group selected".into(),
                        },
                    ));
                }
                _ => break Err(self.refused("OVER", status)),
            }
            let Some(next) = next else {
                break Ok(());
            };
            range = next;
            status = if pipelined {
                self.status().await?
            } else {
                self.over_command(range).await?
            };
        };
        // What arrived before a cut is handed over: the cache keeps every whole line.
        if !rows.is_empty() {
            batch(rows);
        }
        outcome.map(|()| stats)
    }

    /// Article numbers asked for in one piece of an OVER run: [`OVER_CHUNK`] articles, or
    /// more numbers where the group's count says they are sparse, so a group numbered up to
    /// millions with few articles left is not asked for in thousands of pieces.
    fn over_span(&self, first: u64, last: u64) -> u64 {
        let numbers = last.saturating_sub(first).saturating_add(1);
        let count = self
            .group
            .as_ref()
            .map_or(numbers, |g| g.count.clamp(1, numbers.max(1)));
        OVER_CHUNK.saturating_mul((numbers / count).max(1))
    }

    fn over_verb(&self, (from, to): (u64, u64)) -> String {
        let verb = if self.legacy_over { "XOVER" } else { "OVER" };
        format!("{verb} {from}-{to}")
    }

    /// The first OVER of a run, falling back to XOVER where OVER is not known.
    async fn over_command(&mut self, range: (u64, u64)) -> Result<Status, NntpError> {
        if !self.legacy_over && self.capabilities.answered && !self.capabilities.over {
            self.legacy_over = true;
        }
        let mut status = self.command(&self.over_verb(range)).await?;
        if !self.legacy_over && matches!(status.code, 500 | 501) {
            self.legacy_over = true;
            status = self.command(&self.over_verb(range)).await?;
        }
        Ok(status)
    }

    /// The lines of one OVER answer, parsed into `rows`, handed to `batch` when full.
    async fn over_lines(
        &mut self,
        format: &OverviewFormat,
        fallback: &'static encoding_rs::Encoding,
        stats: &mut OverStats,
        rows: &mut Vec<Overview>,
        batch: &mut impl FnMut(Vec<Overview>),
    ) -> Result<(), NntpError> {
        let log_name = self.log_name.clone();
        let mut logged = 0;
        self.each_line_or_skip("OVER", MAX_OVERVIEW_LINE, |line| match line {
            Some(line) => {
                if logged < 3 {
                    wire::log(&log_name, Flow::Received, line);
                    logged += 1;
                }
                match overview::parse_line(line, format, fallback) {
                    Ok(o) => {
                        stats.read += 1;
                        rows.push(o);
                        if rows.len() == OVER_BATCH {
                            batch(std::mem::replace(rows, Vec::with_capacity(OVER_BATCH)));
                        }
                    }
                    Err(_) => stats.malformed += 1,
                }
            }
            None => stats.overlong += 1,
        })
        .await
    }

    /// ARTICLE, HEAD or BODY into `sink`, dot-unstuffed, byte for byte as the server has it,
    /// at most `limit` bytes.
    pub async fn fetch<W: std::io::Write + ?Sized>(
        &mut self,
        part: Part,
        id: &ArticleId,
        limit: u64,
        sink: &mut W,
    ) -> Result<u64, NntpError> {
        let (verb, want) = match part {
            Part::Article => ("ARTICLE", 220),
            Part::Head => ("HEAD", 221),
            Part::Body => ("BODY", 222),
        };
        let command = format!("{verb} {}", id.arg());
        let status = self.command(&command).await?;
        if status.code != want {
            return Err(match status.code {
                423 | 430 | 420 => NntpError::NoSuchArticle {
                    addr: self.addr.clone(),
                    what: id.arg(),
                    status,
                },
                _ => self.refused(&command, status),
            });
        }
        let what = format!("article {}", id.arg());
        dot::copy_block(
            &mut self.reader,
            &self.limits,
            &self.addr,
            MAX_ARTICLE_LINE,
            limit,
            sink,
        )
        .await
        .map_err(|e| match e {
            dot::BlockError::Net(e) => NntpError::Net(e),
            dot::BlockError::Cut => NntpError::Cut {
                addr: self.addr.clone(),
                what,
            },
            dot::BlockError::Overlong { limit } => NntpError::Overlong {
                addr: self.addr.clone(),
                what,
                limit,
            },
            dot::BlockError::Sink(e) => NntpError::Sink(e),
        })
    }

    /// ARTICLE into memory, at most `limits.max_body` bytes.
    pub async fn article(&mut self, id: &ArticleId) -> Result<Vec<u8>, NntpError> {
        let mut out = Vec::new();
        let limit = self.limits.max_body;
        self.fetch(Part::Article, id, limit, &mut out).await?;
        Ok(out)
    }

    /// POST: sends a prepared article (headers, blank line, body) and gives the server's
    /// acceptance (240). A refusal keeps the server's words.
    pub async fn post(&mut self, article: &[u8]) -> Result<Status, NntpError> {
        let status = self.command("POST").await?;
        match status.code {
            340 => {}
            440 => {
                return Err(NntpError::PostingNotAllowed {
                    addr: self.addr.clone(),
                    status,
                });
            }
            _ => return Err(self.refused("POST", status)),
        }
        let block = dot::stuff(article);
        wire::log(
            &self.log_name,
            Flow::Note,
            format!("({} bytes of article)", block.len()).as_bytes(),
        );
        self.write_raw(&block).await?;
        let status = self.status().await?;
        if status.code == 240 {
            Ok(status)
        } else {
            Err(NntpError::PostRefused {
                addr: self.addr.clone(),
                status,
            })
        }
    }

    /// QUIT, politely; errors on the way out do not matter.
    pub async fn quit(mut self) {
        if self.send("QUIT").await.is_ok() {
            let _ = self.status().await;
        }
    }

    async fn send(&mut self, line: &str) -> Result<(), NntpError> {
        wire::log(&self.log_name, Flow::Sent, line.as_bytes());
        let mut bytes = Vec::with_capacity(line.len() + 2);
        bytes.extend_from_slice(line.as_bytes());
        bytes.extend_from_slice(b"\r\n");
        self.write_raw(&bytes).await
    }

    async fn send_secret(&mut self, verb: &str, secret: &str) -> Result<(), NntpError> {
        wire::log(
            &self.log_name,
            Flow::Sent,
            format!("{verb} ****").as_bytes(),
        );
        self.write_raw(format!("{verb} {secret}\r\n").as_bytes())
            .await
    }

    async fn write_raw(&mut self, bytes: &[u8]) -> Result<(), NntpError> {
        let w = self.reader.get_mut();
        let io = async {
            w.write_all(bytes).await?;
            w.flush().await
        };
        net::bounded(&self.limits, &self.addr, io).await?;
        Ok(())
    }

    async fn status(&mut self) -> Result<Status, NntpError> {
        let mut line = Vec::new();
        if !net::read_line(&mut self.reader, &mut line, &self.limits, &self.addr).await? {
            return Err(NntpError::Cut {
                addr: self.addr.clone(),
                what: "a reply".into(),
            });
        }
        wire::log(&self.log_name, Flow::Received, &line);
        reply::parse_status(&line).map_err(|_| NntpError::Garbage {
            addr: self.addr.clone(),
            line: String::from_utf8_lossy(&line[..line.len().min(200)]).into_owned(),
        })
    }

    /// A short multi-line answer as lines.
    async fn small_block(&mut self, what: &str) -> Result<Vec<Vec<u8>>, NntpError> {
        let mut lines = Vec::new();
        self.each_line(what, 4096, |l| {
            if !l.is_empty() {
                lines.push(l.to_vec());
            }
        })
        .await?;
        Ok(lines)
    }

    /// Calls `each` with every line of a multi-line answer; a line longer than `max_line`
    /// fails the answer.
    async fn each_line(
        &mut self,
        what: &str,
        max_line: usize,
        mut each: impl FnMut(&[u8]),
    ) -> Result<(), NntpError> {
        let mut overlong = false;
        self.each_line_or_skip(what, max_line, |l| match l {
            Some(l) => each(l),
            None => overlong = true,
        })
        .await?;
        if overlong {
            return Err(NetError::LineTooLong {
                addr: self.addr.clone(),
                limit: max_line,
            }
            .into());
        }
        Ok(())
    }

    /// Reads a multi-line answer to its final dot, unstuffed, giving each line without its
    /// line end, or `None` for a line longer than `max_line`, which is skipped to its end so
    /// the answer goes on.
    async fn each_line_or_skip(
        &mut self,
        what: &str,
        max_line: usize,
        mut each: impl FnMut(Option<&[u8]>),
    ) -> Result<(), NntpError> {
        let mut line: Vec<u8> = Vec::with_capacity(512);
        let mut skipping = false;
        loop {
            let buf = net::bounded(&self.limits, &self.addr, self.reader.fill_buf()).await?;
            if buf.is_empty() {
                return Err(NntpError::Cut {
                    addr: self.addr.clone(),
                    what: what.to_string(),
                });
            }
            let mut used = 0;
            let mut done = false;
            while used < buf.len() {
                if let Some(at) = memchr::memchr(b'\n', &buf[used..]) {
                    let piece = &buf[used..used + at];
                    used += at + 1;
                    if skipping {
                        skipping = false;
                        line.clear();
                        each(None);
                        continue;
                    }
                    // Whole lines straight from the buffer, without a copy.
                    let full: &[u8] = if line.is_empty() {
                        piece
                    } else {
                        line.extend_from_slice(piece);
                        &line
                    };
                    let full = full.strip_suffix(b"\r").unwrap_or(full);
                    if full.len() > max_line {
                        each(None);
                    } else if full == b"." {
                        done = true;
                    } else if let Some(unstuffed) = full.strip_prefix(b".") {
                        each(Some(unstuffed));
                    } else {
                        each(Some(full));
                    }
                    line.clear();
                    if done {
                        break;
                    }
                } else {
                    if !skipping {
                        line.extend_from_slice(&buf[used..]);
                        if line.len() > max_line + 1 {
                            skipping = true;
                            line.clear();
                        }
                    }
                    used = buf.len();
                }
            }
            self.reader.consume(used);
            if done {
                return Ok(());
            }
        }
    }
}
