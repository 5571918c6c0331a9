//! An IMAP session: async-imap underneath, our types on top. No async-imap or imap-proto type
//! leaves this module, so the rest of the program (the sync, the command line, the panel) can be
//! driven by a fake in tests and the crate could be swapped for imap-next.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use async_imap::imap_proto::{self, Response};
use async_imap::types::{Flag, NameAttribute};
use futures_util::StreamExt as _;
use tokio::net::TcpStream;

use super::guard::{self, Bounds, GuardError, Guarded};
use super::quote::{self, QuoteError};
use super::utf7;
use crate::proto::net::{self, Limits, NetError, Stream};
use crate::proto::tls::{TlsMode, Trust};

/// Where and how to log in.
pub type ImapServer = crate::proto::net::ServerLogin;

/// Why an IMAP session failed, in words a user can act on.
#[derive(Debug, thiserror::Error)]
pub enum ImapError {
    #[error(transparent)]
    Net(#[from] NetError),
    #[error("{addr} is not an IMAP server: it greeted with {line:?}")]
    Greeting { addr: String, line: String },
    #[error(
        "{addr} does not offer STARTTLS, and this account requires TLS: nothing was sent in \
         plain text. Use IMAPS (port 993) or, only on a network you trust, choose plain."
    )]
    NoStarttls { addr: String },
    #[error("{addr} refused the login: {text}")]
    Login { addr: String, text: String },
    #[error("{addr} refused {command}: {text}")]
    Refused {
        addr: String,
        command: String,
        text: String,
    },
    #[error("{addr}: {what}; stopped reading")]
    Bounds { addr: String, what: GuardError },
    #[error("{addr} closed the connection{during}")]
    Cut { addr: String, during: String },
    #[error("{addr} sent a reply Portolan cannot read: {text}")]
    Protocol { addr: String, text: String },
    #[error(
        "the folder {folder:?} was replaced on the server (UIDVALIDITY {expected} is now \
         {found}): the link points at a message that no longer exists as such"
    )]
    UidValidity {
        folder: String,
        expected: u32,
        found: u32,
    },
    #[error("there is no message with UID {uid} in {folder:?}")]
    NoSuchMessage { folder: String, uid: u32 },
    #[error(transparent)]
    Quote(#[from] QuoteError),
}

impl ImapError {
    /// The connection is gone (or was never made): the next sync may reconnect and carry on.
    pub fn is_connection(&self) -> bool {
        matches!(
            self,
            ImapError::Net(_) | ImapError::Cut { .. } | ImapError::Bounds { .. }
        )
    }

    fn from_imap(addr: &str, command: &str, e: async_imap::error::Error) -> ImapError {
        use async_imap::error::Error as E;
        match e {
            E::Io(io) => from_io(addr, command, &io),
            E::No(text) | E::Bad(text) => ImapError::Refused {
                addr: addr.to_string(),
                command: command.to_string(),
                text: server_words(&text),
            },
            E::ConnectionLost => ImapError::Cut {
                addr: addr.to_string(),
                during: format!(" during {command}"),
            },
            E::Validate(v) => ImapError::Quote(QuoteError::LineBreak(v.to_string())),
            other => ImapError::Protocol {
                addr: addr.to_string(),
                text: other.to_string(),
            },
        }
    }
}

/// The server's own words from async-imap's NO/BAD text, which carries them in Debug form
/// (`code: Some(..), info: Some("words")` or `Outcome { .., information: Some("words") }`); a
/// server that said nothing gets "no reason given".
fn server_words(text: &str) -> String {
    let info = ["info: Some(\"", "information: Some(\""]
        .iter()
        .find_map(|key| text.split_once(key))
        .map(|(_, rest)| rest.rsplit_once("\")").map_or(rest, |(words, _)| words))
        .map(|words| words.replace("\\\"", "\"").replace("\\\\", "\\"));
    match info {
        Some(words) if !words.trim().is_empty() => words.trim().to_string(),
        Some(_) => "no reason given".into(),
        None if text.contains(": None") || text.trim().is_empty() => "no reason given".into(),
        None => text.trim().to_string(),
    }
}

/// A login refusal with a hint of what to do.
fn login_words(text: String) -> String {
    let upper = text.to_ascii_uppercase();
    if upper.contains("AUTHENTICATIONFAILED") || upper.contains("AUTHENTICATION FAILED") {
        format!("{text} (check the user name and password)")
    } else if upper.contains("PRIVACYREQUIRED") || upper.contains("LOGINDISABLED") {
        format!("{text} (the server wants TLS first: choose STARTTLS or implicit TLS)")
    } else if upper.contains("UNAVAILABLE") {
        format!("{text} (the server is busy; try again later)")
    } else {
        text
    }
}

fn from_io(addr: &str, command: &str, io: &std::io::Error) -> ImapError {
    if let Some(g) = guard::guard_error(io) {
        return match g {
            GuardError::Timeout { secs } => ImapError::Net(NetError::ReadTimeout {
                addr: addr.to_string(),
                secs: *secs,
            }),
            other => ImapError::Bounds {
                addr: addr.to_string(),
                what: other.clone(),
            },
        };
    }
    match io.kind() {
        std::io::ErrorKind::UnexpectedEof
        | std::io::ErrorKind::ConnectionReset
        | std::io::ErrorKind::BrokenPipe => ImapError::Cut {
            addr: addr.to_string(),
            during: format!(" during {command}"),
        },
        // async-imap reports a reply it cannot parse as an "other" I/O error.
        std::io::ErrorKind::Other => ImapError::Protocol {
            addr: addr.to_string(),
            text: io.to_string(),
        },
        _ => ImapError::Net(NetError::Io {
            addr: addr.to_string(),
            source: std::io::Error::new(io.kind(), io.to_string()),
        }),
    }
}

/// A SPECIAL-USE role (RFC 6154), or the INBOX.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SpecialUse {
    Inbox,
    All,
    Archive,
    Drafts,
    Flagged,
    Junk,
    Sent,
    Trash,
}

impl SpecialUse {
    /// The RFC 6154 attribute (`\Sent`); the INBOX has none and is named `INBOX`.
    pub fn attribute(self) -> &'static str {
        match self {
            SpecialUse::Inbox => "INBOX",
            SpecialUse::All => "\\All",
            SpecialUse::Archive => "\\Archive",
            SpecialUse::Drafts => "\\Drafts",
            SpecialUse::Flagged => "\\Flagged",
            SpecialUse::Junk => "\\Junk",
            SpecialUse::Sent => "\\Sent",
            SpecialUse::Trash => "\\Trash",
        }
    }

    /// A role guessed from a folder's name, for servers without SPECIAL-USE.
    pub fn guess(name: &str) -> Option<SpecialUse> {
        let leaf = name
            .rsplit(['/', '.'])
            .next()
            .unwrap_or(name)
            .to_lowercase();
        Some(match leaf.as_str() {
            "sent" | "sent items" | "sent mail" | "sent messages" | "gesendet" | "envoyés" => {
                SpecialUse::Sent
            }
            "drafts" | "entwürfe" | "brouillons" => SpecialUse::Drafts,
            "trash" | "deleted items" | "deleted messages" | "papierkorb" | "corbeille" => {
                SpecialUse::Trash
            }
            "junk" | "spam" | "junk e-mail" => SpecialUse::Junk,
            "archive" | "archives" => SpecialUse::Archive,
            _ => return None,
        })
    }
}

/// One folder from LIST.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folder {
    /// The name decoded to UTF-8, with the server's delimiter.
    pub name: String,
    /// The name as the server sends it (modified UTF-7), for commands.
    pub wire: String,
    pub delimiter: Option<String>,
    /// Attributes as sent (`\HasChildren`, `\Noselect`, `\Sent`...).
    pub attributes: Vec<String>,
    pub special_use: Option<SpecialUse>,
    pub selectable: bool,
}

/// What STATUS or SELECT tells of a folder.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FolderStatus {
    pub messages: u32,
    pub unseen: Option<u32>,
    pub uidnext: Option<u32>,
    pub uidvalidity: Option<u32>,
    pub highest_modseq: Option<u64>,
}

/// A message's summary as fetched for the list: flags, dates, size and the header fields that
/// the list, the threads and search need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageHead {
    pub uid: u32,
    pub flags: Vec<String>,
    /// INTERNALDATE as Unix seconds.
    pub internal_date: Option<i64>,
    pub size: u32,
    pub modseq: Option<u64>,
    /// The raw header fields fetched (see [`HEAD_FIELDS`]), for mail-parser.
    pub header: Vec<u8>,
}

/// Why an IDLE ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdleEnd<T> {
    /// The server reported new mail, a flag change or an expunge.
    Changed,
    /// The wait passed with no news: time to renew.
    TimedOut,
    /// The caller's interrupt completed with this value.
    Interrupted(T),
}

/// The header fields fetched for each message of a folder.
pub const HEAD_FIELDS: &[&str] = &[
    "From",
    "To",
    "Cc",
    "Subject",
    "Date",
    "Message-ID",
    "In-Reply-To",
    "References",
    "List-Id",
    "List-Post",
    "Content-Type",
    "Reply-To",
];

/// The FETCH items of a message summary; with CONDSTORE, its MODSEQ too.
pub fn head_query(condstore: bool) -> Result<String, QuoteError> {
    let fields: Vec<&str> = HEAD_FIELDS
        .iter()
        .map(|f| quote::header_name(f))
        .collect::<Result<_, _>>()?;
    let modseq = if condstore { " MODSEQ" } else { "" };
    Ok(format!(
        "(UID FLAGS INTERNALDATE RFC822.SIZE{modseq} BODY.PEEK[HEADER.FIELDS ({})])",
        fields.join(" ")
    ))
}

/// Longest line outside literals. A SEARCH answer for a million UIDs is about 7 MB.
const MAX_LINE: u64 = 8 * 1024 * 1024;
/// The largest literal outside a body fetch (a header block, a folder name).
const MAX_SMALL_LITERAL: u64 = 1024 * 1024;
/// The largest whole FETCH response of a summary: its lines and its header block. Above
/// [`MAX_LINE`], so a single long line is reported as that.
const MAX_HEAD_RESPONSE: usize = 16 * 1024 * 1024;

type Conn = Guarded<Box<dyn Stream>>;

/// One logged-in IMAP session.
pub struct ImapSession {
    session: async_imap::Session<Conn>,
    bounds: Arc<Bounds>,
    addr: String,
    limits: Limits,
    /// Capabilities after login, upper-case.
    pub capabilities: HashSet<String>,
    /// The connection is encrypted (implicit TLS or after STARTTLS).
    pub tls: bool,
}

impl std::fmt::Debug for ImapSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImapSession")
            .field("addr", &self.addr)
            .field("tls", &self.tls)
            .finish_non_exhaustive()
    }
}

impl ImapSession {
    /// Connects, upgrades to TLS as `server.tls` says, and logs in.
    pub async fn connect(
        server: &ImapServer,
        trust: &Arc<Trust>,
        limits: &Limits,
    ) -> Result<ImapSession, ImapError> {
        let addr = format!("{}:{}", server.host, server.port);
        let bounds = Bounds::new(MAX_LINE, MAX_SMALL_LITERAL, limits.read_timeout);
        let tcp = net::connect(&server.host, server.port, limits).await?;
        let (client, tls) = if server.tls == TlsMode::Implicit {
            let tls = trust.wrap(tcp, &server.host, server.port, limits).await?;
            let stream: Box<dyn Stream> = Box::new(tls);
            let mut client = async_imap::Client::new(Guarded::new(stream, bounds.clone()));
            greet(&mut client, &addr).await?;
            (client, true)
        } else {
            let mut plain = async_imap::Client::new(Guarded::new(tcp, bounds.clone()));
            let greeting_caps = greet(&mut plain, &addr).await?;
            let caps = match greeting_caps {
                Some(c) => c,
                None => raw_capabilities(&mut plain, &addr).await?,
            };
            let offered = caps.contains("STARTTLS");
            let upgrade = match server.tls {
                TlsMode::Plain => false,
                TlsMode::IfOffered => offered,
                TlsMode::Explicit if offered => true,
                TlsMode::Explicit => return Err(ImapError::NoStarttls { addr }),
                TlsMode::Implicit => unreachable!("handled above"),
            };
            if upgrade {
                plain
                    .run_command_and_check_ok("STARTTLS", None)
                    .await
                    .map_err(|e| match server.tls {
                        TlsMode::Explicit => ImapError::from_imap(&addr, "STARTTLS", e),
                        // Offered, then refused: plain would be a downgrade nobody chose.
                        _ => ImapError::NoStarttls { addr: addr.clone() },
                    })?;
                // Whatever the server sent after its OK is dropped with the plain reader
                // (RFC 3501 section 6.2.1), so nothing injected before TLS is read after it.
                let tcp: TcpStream = plain.into_inner().into_inner();
                let tls = trust.wrap(tcp, &server.host, server.port, limits).await?;
                let stream: Box<dyn Stream> = Box::new(tls);
                (
                    async_imap::Client::new(Guarded::new(stream, bounds.clone())),
                    true,
                )
            } else {
                let tcp: TcpStream = plain.into_inner().into_inner();
                let stream: Box<dyn Stream> = Box::new(tcp);
                (
                    async_imap::Client::new(Guarded::new(stream, bounds.clone())),
                    false,
                )
            }
        };
        let mut session =
            client
                .login(&server.user, &server.password)
                .await
                .map_err(|(e, _)| match ImapError::from_imap(&addr, "LOGIN", e) {
                    ImapError::Refused { text, .. } => ImapError::Login {
                        addr: addr.clone(),
                        text: login_words(text),
                    },
                    other => other,
                })?;
        let capabilities = session
            .capabilities()
            .await
            .map_err(|e| ImapError::from_imap(&addr, "CAPABILITY", e))?
            .iter()
            .map(|c| match c {
                async_imap::types::Capability::Imap4rev1 => "IMAP4REV1".to_string(),
                async_imap::types::Capability::Auth(m) => format!("AUTH={}", m.to_uppercase()),
                async_imap::types::Capability::Atom(a) => a.to_uppercase(),
            })
            .collect();
        Ok(ImapSession {
            session,
            bounds,
            addr,
            limits: *limits,
            capabilities,
            tls,
        })
    }

    pub fn has(&self, capability: &str) -> bool {
        self.capabilities.contains(capability)
    }

    fn err(&self, command: &str) -> impl Fn(async_imap::error::Error) -> ImapError + '_ {
        let command = command.to_string();
        move |e| ImapError::from_imap(&self.addr, &command, e)
    }

    /// Every folder (LIST "" "*"), names decoded, roles from SPECIAL-USE or, failing that,
    /// guessed from the name.
    pub async fn folders(&mut self) -> Result<Vec<Folder>, ImapError> {
        let addr = self.addr.clone();
        let names: Vec<_> = {
            let stream = self
                .session
                .list(Some(""), Some("*"))
                .await
                .map_err(|e| ImapError::from_imap(&addr, "LIST", e))?;
            stream.collect().await
        };
        let mut out = Vec::with_capacity(names.len());
        for name in names {
            let name = name.map_err(|e| ImapError::from_imap(&addr, "LIST", e))?;
            let wire = name.name().to_string();
            let decoded = utf7::decode_lenient(&wire);
            let attributes: Vec<String> = name.attributes().iter().map(attribute_name).collect();
            let special_use = if wire.eq_ignore_ascii_case("INBOX") {
                Some(SpecialUse::Inbox)
            } else {
                name.attributes()
                    .iter()
                    .find_map(special_use_of)
                    .or_else(|| SpecialUse::guess(&decoded))
            };
            let selectable = !name
                .attributes()
                .iter()
                .any(|a| matches!(a, NameAttribute::NoSelect));
            out.push(Folder {
                name: decoded,
                wire,
                delimiter: name.delimiter().map(str::to_string),
                attributes,
                special_use,
                selectable,
            });
        }
        // INBOX first, then by name, as every mail client shows them.
        out.sort_by(|a, b| {
            (a.special_use != Some(SpecialUse::Inbox))
                .cmp(&(b.special_use != Some(SpecialUse::Inbox)))
                .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
        });
        Ok(out)
    }

    /// STATUS of a folder by its decoded name.
    pub async fn status(&mut self, folder: &str) -> Result<FolderStatus, ImapError> {
        let items = if self.has("CONDSTORE") {
            "(MESSAGES UNSEEN UIDNEXT UIDVALIDITY HIGHESTMODSEQ)"
        } else {
            "(MESSAGES UNSEEN UIDNEXT UIDVALIDITY)"
        };
        let wire = utf7::encode(folder);
        let addr = self.addr.clone();
        let m = self
            .session
            .status(&wire, items)
            .await
            .map_err(|e| ImapError::from_imap(&addr, "STATUS", e))?;
        Ok(FolderStatus {
            messages: m.exists,
            unseen: m.unseen,
            uidnext: m.uid_next,
            uidvalidity: m.uid_validity,
            highest_modseq: m.highest_modseq,
        })
    }

    /// EXAMINE (read-only: nothing is marked read or expunged by what follows).
    pub async fn examine(&mut self, folder: &str) -> Result<FolderStatus, ImapError> {
        let wire = utf7::encode(folder);
        let addr = self.addr.clone();
        let m = self
            .session
            .examine(&wire)
            .await
            .map_err(|e| ImapError::from_imap(&addr, "EXAMINE", e))?;
        Ok(selected(&m))
    }

    /// SELECT (read-write), with CONDSTORE where offered so MODSEQs come back.
    pub async fn select(&mut self, folder: &str) -> Result<FolderStatus, ImapError> {
        let wire = utf7::encode(folder);
        let addr = self.addr.clone();
        let m = if self.has("CONDSTORE") {
            self.session.select_condstore(&wire).await
        } else {
            self.session.select(&wire).await
        }
        .map_err(|e| ImapError::from_imap(&addr, "SELECT", e))?;
        Ok(selected(&m))
    }

    /// Runs UID FETCH and collects every answer, the first error in the stream ending it.
    async fn uid_fetch_all(
        &mut self,
        uids: &str,
        query: &str,
    ) -> Result<Vec<async_imap::types::Fetch>, ImapError> {
        let addr = self.addr.clone();
        let results: Vec<_> = {
            let stream = self
                .session
                .uid_fetch(uids, query)
                .await
                .map_err(|e| ImapError::from_imap(&addr, "UID FETCH", e))?;
            stream.collect().await
        };
        results
            .into_iter()
            .map(|f| f.map_err(|e| ImapError::from_imap(&addr, "UID FETCH", e)))
            .collect()
    }

    /// Summaries of the messages in `uids` (a sequence set such as `1:*`) of the selected
    /// folder, without marking anything read. The FETCH responses are read by our own parser
    /// under async-imap ([`super::heads`]), which reads them at the speed they arrive.
    pub async fn heads(&mut self, uids: &str) -> Result<Vec<MessageHead>, ImapError> {
        let query = head_query(self.has("CONDSTORE"))?;
        self.bounds.set_max_literal(MAX_SMALL_LITERAL);
        let read = self
            .diverted("UID FETCH", &format!("{uids} {query}"), MAX_HEAD_RESPONSE)
            .await?;
        Ok(read.heads)
    }

    /// The summaries' FETCH, by UID or by message number (`by_number`, `99001:100000`: a
    /// first sync needs no SEARCH for the folder's UIDs this way; while only FETCH commands
    /// run, the server may not send EXPUNGE (RFC 3501, 7.4.1), so the numbers stay those
    /// SELECT counted), with each summary handed to
    /// `deliver` while the answer still arrives, at least `every` at a time, and the rest
    /// when it ends. Answers how many were handed over. What was read before a failure is
    /// handed over all the same, so a sync cut off keeps it.
    pub async fn stream_heads(
        &mut self,
        by_number: bool,
        set: &str,
        every: usize,
        mut deliver: impl FnMut(Vec<MessageHead>) + Send + 'static,
    ) -> Result<usize, ImapError> {
        let query = head_query(self.has("CONDSTORE"))?;
        self.bounds.set_max_literal(MAX_SMALL_LITERAL);
        let count = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = count.clone();
        self.session
            .get_mut()
            .divert_heads(MAX_HEAD_RESPONSE, every, move |heads| {
                counted.fetch_add(heads.len(), std::sync::atomic::Ordering::Relaxed);
                deliver(heads);
            });
        let command = if by_number { "FETCH" } else { "UID FETCH" };
        self.run_diverted(command, &format!("{set} {query}"))
            .await?;
        Ok(count.load(std::sync::atomic::Ordering::Relaxed))
    }

    /// Runs `command` with its FETCH and SEARCH answers read by our own parser
    /// ([`Guarded::divert`]); a response that parser cannot read is an error.
    async fn diverted(
        &mut self,
        command: &str,
        args: &str,
        limit: usize,
    ) -> Result<guard::Diverted, ImapError> {
        self.session.get_mut().divert(limit);
        self.run_diverted(command, args).await
    }

    /// Runs `command` while its answers are diverted as the caller set up.
    async fn run_diverted(
        &mut self,
        command: &str,
        args: &str,
    ) -> Result<guard::Diverted, ImapError> {
        let done = self
            .session
            .run_command_and_check_ok(format!("{command} {args}"))
            .await;
        let read = self.session.get_mut().undivert();
        done.map_err(|e| ImapError::from_imap(&self.addr, command, e))?;
        match read.error {
            Some(e) => Err(ImapError::Protocol {
                addr: self.addr.clone(),
                text: e.to_string(),
            }),
            None => Ok(read),
        }
    }

    /// `(uid, flags, modseq)` of the messages in `uids`: all of them, or with `since` only
    /// those changed after that MODSEQ (CONDSTORE's CHANGEDSINCE).
    pub async fn flags_since(
        &mut self,
        uids: &str,
        since: Option<u64>,
    ) -> Result<Vec<(u32, Vec<String>, Option<u64>)>, ImapError> {
        let query = match since {
            Some(m) => format!("(UID FLAGS) (CHANGEDSINCE {m})"),
            None => "(UID FLAGS)".to_string(),
        };
        self.bounds.set_max_literal(MAX_SMALL_LITERAL);
        let fetches = self.uid_fetch_all(uids, &query).await?;
        let mut out = Vec::with_capacity(fetches.len());
        for f in fetches {
            if let Some(uid) = f.uid {
                out.push((uid, lasting_flags(f.flags()), f.modseq));
            }
        }
        Ok(out)
    }

    /// The whole message `uid` of the selected folder, as the server has it (BODY.PEEK[], so it
    /// is not marked read). `size` is its RFC822.SIZE when known, which bounds what is accepted.
    pub async fn raw(
        &mut self,
        folder: &str,
        uid: u32,
        size: Option<u32>,
    ) -> Result<Vec<u8>, ImapError> {
        let limit = size.map_or(self.limits.max_body, |s| {
            (u64::from(s) + 64 * 1024).min(self.limits.max_body)
        });
        self.bounds.set_max_literal(limit);
        let result = self
            .uid_fetch_all(&uid.to_string(), "(UID BODY.PEEK[])")
            .await
            .map(|fetches| {
                fetches
                    .iter()
                    .filter(|f| f.uid == Some(uid))
                    .find_map(|f| f.body().map(<[u8]>::to_vec))
            });
        self.bounds.set_max_literal(MAX_SMALL_LITERAL);
        result?.ok_or_else(|| ImapError::NoSuchMessage {
            folder: folder.to_string(),
            uid,
        })
    }

    /// The size of message `uid` in the selected folder, or `None` if there is no such message.
    pub async fn size_of(&mut self, uid: u32) -> Result<Option<u32>, ImapError> {
        let fetches = self
            .uid_fetch_all(&uid.to_string(), "(UID RFC822.SIZE)")
            .await?;
        Ok(fetches
            .iter()
            .filter(|f| f.uid == Some(uid))
            .find_map(|f| f.size))
    }

    /// UID SEARCH with a query built by the caller from [`quote`] pieces.
    pub async fn search(&mut self, query: &str) -> Result<Vec<u32>, ImapError> {
        if query.contains(['\r', '\n']) && !self.has("LITERAL+") {
            return Err(QuoteError::LineBreak(query.to_string()).into());
        }
        // The answer is read by our own parser, as the summaries are ([`super::heads`]).
        // Where ESEARCH is offered (RFC 4731), it comes as ranges: `1:100000` for a whole
        // folder, where a plain SEARCH lists every number.
        let args = if self.has("ESEARCH") {
            format!("RETURN (ALL) {query}")
        } else {
            query.to_string()
        };
        let read = self
            .diverted("UID SEARCH", &args, MAX_LINE as usize + 2)
            .await?;
        let mut uids = read.numbers;
        uids.sort_unstable();
        uids.dedup();
        Ok(uids)
    }

    /// Adds or removes flags on messages of the selected folder.
    pub async fn store_flags(
        &mut self,
        uids: &[u32],
        flags: &[&str],
        add: bool,
    ) -> Result<(), ImapError> {
        let set = quote::sequence_set(uids);
        let sign = if add { "+" } else { "-" };
        let query = format!("{sign}FLAGS.SILENT ({})", flags.join(" "));
        let addr = self.addr.clone();
        let stream = self
            .session
            .uid_store(&set, &query)
            .await
            .map_err(|e| ImapError::from_imap(&addr, "UID STORE", e))?;
        let results: Vec<_> = stream.collect().await;
        for r in results {
            r.map_err(|e| ImapError::from_imap(&addr, "UID STORE", e))?;
        }
        Ok(())
    }

    /// Moves messages to another folder: MOVE (RFC 6851) where offered, else COPY, mark
    /// deleted and expunge them (UID EXPUNGE where UIDPLUS allows, so nothing else goes).
    pub async fn move_to(&mut self, uids: &[u32], target: &str) -> Result<(), ImapError> {
        let set = quote::sequence_set(uids);
        let wire = utf7::encode(target);
        if self.has("MOVE") {
            return self
                .session
                .uid_mv(&set, &wire)
                .await
                .map_err(self.err("UID MOVE"));
        }
        self.copy_to(uids, target).await?;
        self.store_flags(uids, &["\\Deleted"], true).await?;
        self.expunge(uids).await
    }

    /// Copies messages to another folder.
    pub async fn copy_to(&mut self, uids: &[u32], target: &str) -> Result<(), ImapError> {
        let set = quote::sequence_set(uids);
        let wire = utf7::encode(target);
        self.session
            .uid_copy(&set, &wire)
            .await
            .map_err(self.err("UID COPY"))
    }

    /// Removes messages marked `\Deleted`: only `uids` with UIDPLUS, else all of the folder's.
    pub async fn expunge(&mut self, uids: &[u32]) -> Result<(), ImapError> {
        let addr = self.addr.clone();
        if self.has("UIDPLUS") {
            let set = quote::sequence_set(uids);
            let stream = self
                .session
                .uid_expunge(&set)
                .await
                .map_err(|e| ImapError::from_imap(&addr, "UID EXPUNGE", e))?;
            let _: Vec<_> = stream.collect().await;
        } else {
            let stream = self
                .session
                .expunge()
                .await
                .map_err(|e| ImapError::from_imap(&addr, "EXPUNGE", e))?;
            let _: Vec<_> = stream.collect().await;
        }
        Ok(())
    }

    /// Creates a folder (by its decoded name).
    pub async fn create(&mut self, folder: &str) -> Result<(), ImapError> {
        let wire = utf7::encode(folder);
        self.session.create(&wire).await.map_err(self.err("CREATE"))
    }

    /// Deletes a folder.
    pub async fn delete(&mut self, folder: &str) -> Result<(), ImapError> {
        let wire = utf7::encode(folder);
        self.session.delete(&wire).await.map_err(self.err("DELETE"))
    }

    /// Renames a folder.
    pub async fn rename(&mut self, from: &str, to: &str) -> Result<(), ImapError> {
        let (from, to) = (utf7::encode(from), utf7::encode(to));
        self.session
            .rename(&from, &to)
            .await
            .map_err(self.err("RENAME"))
    }

    /// Subscribes to or unsubscribes from a folder.
    pub async fn subscribe(&mut self, folder: &str, on: bool) -> Result<(), ImapError> {
        let wire = utf7::encode(folder);
        if on {
            self.session
                .subscribe(&wire)
                .await
                .map_err(self.err("SUBSCRIBE"))
        } else {
            self.session
                .unsubscribe(&wire)
                .await
                .map_err(self.err("UNSUBSCRIBE"))
        }
    }

    /// Adds a message to a folder (the composer's Sent and Drafts).
    pub async fn append(
        &mut self,
        folder: &str,
        flags: Option<&str>,
        message: &[u8],
    ) -> Result<(), ImapError> {
        let wire = utf7::encode(folder);
        self.session
            .append(&wire, flags, None, message)
            .await
            .map_err(self.err("APPEND"))
    }

    /// NOOP: keeps the session alive and collects what the server has to say.
    pub async fn noop(&mut self) -> Result<(), ImapError> {
        self.session.noop().await.map_err(self.err("NOOP"))
    }

    /// Waits in IDLE (RFC 2177) until the server reports a change, `wait` passes (renew
    /// before 29 minutes, as the RFC asks) or `interrupt` completes (a command from the user).
    /// The session comes back in every case where the connection still works.
    pub async fn idle<T>(
        self,
        wait: Duration,
        interrupt: impl std::future::Future<Output = T>,
    ) -> Result<(ImapSession, IdleEnd<T>), ImapError> {
        let ImapSession {
            session,
            bounds,
            addr,
            limits,
            capabilities,
            tls,
        } = self;
        // The guard must not time the wait out; the IDLE timer does.
        bounds.set_timeout(wait + Duration::from_mins(1));
        let mut handle = session.idle();
        handle
            .init()
            .await
            .map_err(|e| ImapError::from_imap(&addr, "IDLE", e))?;
        let (outcome, interrupted) = {
            let (fut, stop) = handle.wait_with_timeout(wait);
            tokio::pin!(fut);
            tokio::pin!(interrupt);
            tokio::select! {
                r = &mut fut => (r, None),
                t = &mut interrupt => {
                    drop(stop);
                    (fut.await, Some(t))
                }
            }
        };
        let outcome = outcome.map_err(|e| ImapError::from_imap(&addr, "IDLE", e))?;
        let end = match (interrupted, outcome) {
            (Some(t), _) => IdleEnd::Interrupted(t),
            (None, async_imap::extensions::idle::IdleResponse::NewData(_)) => IdleEnd::Changed,
            (None, _) => IdleEnd::TimedOut,
        };
        let session = handle
            .done()
            .await
            .map_err(|e| ImapError::from_imap(&addr, "DONE", e))?;
        bounds.set_timeout(limits.read_timeout);
        Ok((
            ImapSession {
                session,
                bounds,
                addr,
                limits,
                capabilities,
                tls,
            },
            end,
        ))
    }

    /// LOGOUT; errors are of no interest by then.
    pub async fn logout(mut self) {
        let _ = self.session.logout().await;
    }
}

/// Reads the greeting: `* OK` (perhaps with its capabilities), or `* PREAUTH`; `* BYE` and
/// anything else is an error.
async fn greet(
    client: &mut async_imap::Client<
        Guarded<impl tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send>,
    >,
    addr: &str,
) -> Result<Option<HashSet<String>>, ImapError> {
    let response = client
        .read_response()
        .await
        .map_err(|e| match from_io(addr, "the greeting", &e) {
            ImapError::Protocol { .. } => ImapError::Greeting {
                addr: addr.to_string(),
                line: "(a reply that is not IMAP)".into(),
            },
            other => other,
        })?
        .ok_or_else(|| ImapError::Cut {
            addr: addr.to_string(),
            during: " before greeting".into(),
        })?;
    match response.parsed() {
        Response::Data {
            status: imap_proto::Status::Ok | imap_proto::Status::PreAuth,
            outcome,
        } => Ok(match &outcome.code {
            Some(imap_proto::ResponseCode::Capabilities(caps)) => {
                Some(caps.iter().map(capability_name).collect())
            }
            _ => None,
        }),
        Response::Data {
            status: imap_proto::Status::Bye,
            outcome,
        } => Err(ImapError::Refused {
            addr: addr.to_string(),
            command: "the connection".into(),
            text: outcome.information.as_deref().unwrap_or("BYE").to_string(),
        }),
        other => Err(ImapError::Greeting {
            addr: addr.to_string(),
            line: format!("{other:?}").chars().take(200).collect(),
        }),
    }
}

/// CAPABILITY before login, where the greeting did not carry them.
async fn raw_capabilities(
    client: &mut async_imap::Client<Guarded<TcpStream>>,
    addr: &str,
) -> Result<HashSet<String>, ImapError> {
    // async-imap hands untagged answers to a channel; the capability line is one of them.
    let (tx, rx) = async_channel::unbounded();
    client
        .run_command_and_check_ok("CAPABILITY", Some(tx))
        .await
        .map_err(|e| ImapError::from_imap(addr, "CAPABILITY", e))?;
    let mut caps = HashSet::new();
    while let Ok(response) = rx.try_recv() {
        if let async_imap::types::UnsolicitedResponse::Other(data) = response
            && let Response::Capabilities(list) = data.parsed()
        {
            caps.extend(list.iter().map(capability_name));
        }
    }
    Ok(caps)
}

fn capability_name(c: &imap_proto::Capability<'_>) -> String {
    match c {
        imap_proto::Capability::Imap4rev1 => "IMAP4REV1".into(),
        imap_proto::Capability::Auth(m) => format!("AUTH={}", m.to_uppercase()),
        imap_proto::Capability::Atom(a) => a.to_uppercase(),
    }
}

fn selected(m: &async_imap::types::Mailbox) -> FolderStatus {
    FolderStatus {
        messages: m.exists,
        unseen: None,
        uidnext: m.uid_next,
        uidvalidity: m.uid_validity,
        highest_modseq: m.highest_modseq,
    }
}

/// A message's flags without `\Recent`: that one belongs to a session (RFC 3501 2.3.2, gone in
/// `IMAP4rev2`), so another client opening the folder would look like a change to every message.
fn lasting_flags<'a>(flags: impl Iterator<Item = Flag<'a>>) -> Vec<String> {
    flags
        .filter(|f| !matches!(f, Flag::Recent))
        .map(|f| flag_name(&f))
        .collect()
}

fn flag_name(f: &Flag<'_>) -> String {
    match f {
        Flag::Seen => "\\Seen".into(),
        Flag::Answered => "\\Answered".into(),
        Flag::Flagged => "\\Flagged".into(),
        Flag::Deleted => "\\Deleted".into(),
        Flag::Draft => "\\Draft".into(),
        Flag::Recent => "\\Recent".into(),
        Flag::MayCreate => "\\*".into(),
        Flag::Custom(c) => c.to_string(),
    }
}

fn attribute_name(a: &NameAttribute<'_>) -> String {
    match a {
        NameAttribute::NoInferiors => "\\Noinferiors".into(),
        NameAttribute::NoSelect => "\\Noselect".into(),
        NameAttribute::Marked => "\\Marked".into(),
        NameAttribute::Unmarked => "\\Unmarked".into(),
        NameAttribute::All => "\\All".into(),
        NameAttribute::Archive => "\\Archive".into(),
        NameAttribute::Drafts => "\\Drafts".into(),
        NameAttribute::Flagged => "\\Flagged".into(),
        NameAttribute::Junk => "\\Junk".into(),
        NameAttribute::Sent => "\\Sent".into(),
        NameAttribute::Trash => "\\Trash".into(),
        NameAttribute::Extension(e) => e.to_string(),
        _ => "\\Unknown".into(),
    }
}

fn special_use_of(a: &NameAttribute<'_>) -> Option<SpecialUse> {
    Some(match a {
        NameAttribute::All => SpecialUse::All,
        NameAttribute::Archive => SpecialUse::Archive,
        NameAttribute::Drafts => SpecialUse::Drafts,
        NameAttribute::Flagged => SpecialUse::Flagged,
        NameAttribute::Junk => SpecialUse::Junk,
        NameAttribute::Sent => SpecialUse::Sent,
        NameAttribute::Trash => SpecialUse::Trash,
        _ => return None,
    })
}

/// The capabilities in words a user understands, one line each.
pub fn capability_report<S: std::hash::BuildHasher>(caps: &HashSet<String, S>) -> Vec<String> {
    let has = |c: &str| caps.contains(c);
    let mut out = Vec::new();
    let mut line =
        |yes: bool, good: &str, bad: &str| out.push(if yes { good } else { bad }.to_string());
    line(
        has("IDLE"),
        "IDLE: new mail appears within seconds.",
        "No IDLE: the folder is checked for new mail every few minutes.",
    );
    line(
        has("QRESYNC"),
        "QRESYNC: a visit fetches only what changed, deletions included.",
        "No QRESYNC: flags are re-read on each visit.",
    );
    line(
        has("CONDSTORE"),
        "CONDSTORE: flag changes are fetched by modification sequence.",
        "No CONDSTORE: every message's flags are compared on each sync.",
    );
    line(
        has("MOVE"),
        "MOVE: messages move in one step.",
        "No MOVE: a move is a copy, then a delete and expunge.",
    );
    line(
        has("UIDPLUS"),
        "UIDPLUS: expunging removes only the messages chosen.",
        "No UIDPLUS: expunging removes every message marked deleted in the folder.",
    );
    line(
        has("SPECIAL-USE") || has("XLIST"),
        "SPECIAL-USE: Sent, Drafts, Trash and Junk are named by the server.",
        "No SPECIAL-USE: Sent, Drafts and Trash are guessed from folder names.",
    );
    line(
        has("COMPRESS=DEFLATE"),
        "COMPRESS: the connection can be compressed.",
        "No COMPRESS: data is sent uncompressed.",
    );
    line(
        has("UTF8=ACCEPT"),
        "UTF8=ACCEPT: folder names and addresses may be UTF-8.",
        "No UTF8=ACCEPT: folder names travel as modified UTF-7.",
    );
    line(
        caps.iter().any(|c| c.starts_with("THREAD=")),
        "THREAD: the server can thread conversations.",
        "No THREAD: conversations are threaded by Portolan.",
    );
    line(
        has("LIST-STATUS"),
        "LIST-STATUS: folder counts come in one request.",
        "No LIST-STATUS: each folder's counts are asked separately.",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_words_without_debug_text() {
        assert_eq!(
            server_words(r#"code: None, info: Some("Mailbox doesn't exist: Nope")"#),
            "Mailbox doesn't exist: Nope"
        );
        assert_eq!(
            server_words(r#"outcome: Outcome { code: None, information: Some("No \"x\" here") }"#),
            r#"No "x" here"#
        );
        assert_eq!(server_words("code: None, info: None"), "no reason given");
        assert_eq!(server_words("plain words"), "plain words");
        assert!(
            login_words("[AUTHENTICATIONFAILED] Authentication failed.".into())
                .contains("password")
        );
    }

    #[test]
    fn roles_guessed_from_names() {
        assert_eq!(
            SpecialUse::guess("INBOX/Sent Items"),
            Some(SpecialUse::Sent)
        );
        assert_eq!(SpecialUse::guess("Papierkorb"), Some(SpecialUse::Trash));
        assert_eq!(SpecialUse::guess("Projects"), None);
        let report = capability_report(&HashSet::from(["IDLE".to_string()]));
        assert!(
            report
                .iter()
                .any(|l| l == "No QRESYNC: flags are re-read on each visit.")
        );
        assert!(report.iter().any(|l| l.starts_with("IDLE:")));
    }
}
