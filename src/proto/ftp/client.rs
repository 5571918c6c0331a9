//! An FTP/FTPS session over suppaftp, with the suite's TLS trust and bounded waits.
//!
//! suppaftp speaks strings; we set its charset to Latin-1, which maps every byte to one
//! character and back, so paths and listing lines keep their exact bytes. Names are decoded
//! for display only, with the site's charset.

use std::sync::Arc;
use std::time::Duration;

use suppaftp::tokio::{AsyncRustlsConnector, AsyncRustlsFtpStream};
use suppaftp::{Mode, Status};
use tokio::io::AsyncWriteExt as _;

use super::listing::{self, Entry};
use crate::link::{Link, Scheme};
use crate::proto::net::{self, Limits, NetError};
use crate::proto::rate::Pacing;
pub use crate::proto::tls::TlsMode;
use crate::proto::tls::{CertRejection, Trust};
use crate::proto::wire::{self, Flow};

/// Where and how to log in.
#[derive(Debug, Clone)]
pub struct FtpSite {
    pub host: String,
    pub port: u16,
    /// `None` logs in as `anonymous`.
    pub user: Option<String>,
    pub password: Option<String>,
    pub tls: TlsMode,
    /// Passive (EPSV, then PASV) unless false: active (EPRT/PORT).
    pub passive: bool,
    /// ASCII transfers (line ends converted by the server) instead of binary.
    pub ascii: bool,
    /// Transfers to this site that run at once, each on its own connection. The session does
    /// not use it; the app's transfer queue and mirror do.
    pub max_parallel: usize,
}

impl FtpSite {
    /// The site named by an `ftp://` or `ftps://` link, and the path in it.
    pub fn from_link(link: &Link) -> Option<(FtpSite, Vec<u8>)> {
        let Link::Ftp {
            scheme,
            server,
            path,
        } = link
        else {
            return None;
        };
        Some((
            FtpSite {
                host: server.host.clone(),
                port: server.port,
                user: server.user.clone(),
                password: server.password.clone(),
                tls: if *scheme == Scheme::Ftps {
                    TlsMode::Implicit
                } else {
                    TlsMode::IfOffered
                },
                passive: true,
                ascii: false,
                max_parallel: 3,
            },
            path.clone(),
        ))
    }

    fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// Why an FTP operation failed.
#[derive(Debug, thiserror::Error)]
pub enum FtpError {
    #[error(transparent)]
    Net(#[from] NetError),
    #[error("{}", .0.reason)]
    Untrusted(Box<CertRejection>),
    #[error("{site}: the server does not offer TLS (AUTH TLS), and this site requires it")]
    NoTls { site: String },
    /// The server answered with an error reply (`code`), or the exchange broke off.
    #[error("{site}: {}", describe_reply(what, *code, message))]
    Server {
        site: String,
        what: String,
        /// The reply code (530, 550, ...) when the server sent one.
        code: Option<u16>,
        /// The server's own words, or what went wrong on the connection.
        message: String,
        /// The control connection broke (closed, reset, or a 421 reply): reconnecting may help.
        lost: bool,
    },
    #[error("{site}: {what} took longer than {secs} s")]
    Timeout {
        site: String,
        what: String,
        secs: u64,
    },
    #[error("{0}")]
    Local(String),
}

/// What the server said it supports (FEAT).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Features {
    pub mlsd: bool,
    pub utf8: bool,
    pub size: bool,
    pub mdtm: bool,
    pub rest_stream: bool,
    pub auth_tls: bool,
    pub epsv: bool,
    /// MFMT: set a file's modification time (pure-ftpd, pyftpdlib and others).
    pub mfmt: bool,
}

impl Features {
    fn from_feat(feat: &std::collections::HashMap<String, Option<String>>) -> Features {
        let has = |k: &str| feat.keys().any(|f| f.eq_ignore_ascii_case(k));
        let auth = feat
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("AUTH"))
            .and_then(|(_, v)| v.as_deref())
            .is_some_and(|v| v.to_ascii_uppercase().contains("TLS"));
        let rest = feat
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("REST"))
            .and_then(|(_, v)| v.as_deref())
            .is_some_and(|v| v.to_ascii_uppercase().contains("STREAM"));
        Features {
            mlsd: has("MLSD") || has("MLST"),
            utf8: has("UTF8"),
            size: has("SIZE"),
            mdtm: has("MDTM"),
            rest_stream: rest,
            auth_tls: auth,
            epsv: has("EPSV"),
            mfmt: has("MFMT"),
        }
    }
}

/// Every byte is one char and back: lossless transport of raw names through suppaftp.
#[derive(Debug, Clone, Copy)]
struct Latin1;

impl suppaftp::Encoding for Latin1 {
    fn decode(&self, bytes: &[u8]) -> String {
        bytes.iter().map(|b| char::from(*b)).collect()
    }

    fn encode(&self, text: &str) -> std::io::Result<Vec<u8>> {
        text.chars()
            .map(|c| {
                u8::try_from(u32::from(c)).map_err(|_| {
                    std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a byte")
                })
            })
            .collect()
    }
}

fn to_wire(path: &[u8]) -> Result<String, FtpError> {
    if path.iter().any(|b| matches!(*b, b'\r' | b'\n' | 0)) {
        return Err(FtpError::Local(
            "a path with CR, LF or NUL cannot be sent over FTP".into(),
        ));
    }
    Ok(path.iter().map(|b| char::from(*b)).collect())
}

fn from_wire(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
        .collect()
}

/// A command that moves data over a connection of its own.
#[derive(Debug, Clone, Copy)]
enum DataCommand<'a> {
    Retr(&'a str),
    Stor(&'a str),
    Appe(&'a str),
    /// `LIST path` or `MLSD path`, whole.
    Listing(&'a str),
}

impl DataCommand<'_> {
    /// The verb (for errors) and the line (for the protocol log).
    fn describe(&self) -> (&'static str, String) {
        match self {
            DataCommand::Retr(p) => ("RETR", format!("RETR {p}")),
            DataCommand::Stor(p) => ("STOR", format!("STOR {p}")),
            DataCommand::Appe(p) => ("APPE", format!("APPE {p}")),
            DataCommand::Listing(line) => (
                if line.starts_with("MLSD") {
                    "MLSD"
                } else {
                    "LIST"
                },
                (*line).to_string(),
            ),
        }
    }
}

/// One logged-in control connection.
pub struct FtpSession {
    stream: AsyncRustlsFtpStream,
    site: FtpSite,
    pub features: Features,
    pub secure: bool,
    limits: Limits,
    trust: Arc<Trust>,
    session: String,
    pacing: Pacing,
    /// EPSV is in use; cleared when the server refuses it, and PASV is used from then on.
    epsv: bool,
}

impl FtpSession {
    /// Connects, negotiates TLS as the site asks, and logs in.
    pub async fn connect(
        site: &FtpSite,
        trust: &Arc<Trust>,
        limits: &Limits,
    ) -> Result<FtpSession, FtpError> {
        let name = site.authority();
        let session = format!("ftp {name}");
        let connector =
            || AsyncRustlsConnector::from(tokio_rustls::TlsConnector::from(trust.client_config()));
        let mut stream = if site.tls == TlsMode::Implicit {
            let addr = name.clone();
            let fut = AsyncRustlsFtpStream::connect_secure_implicit(addr, connector(), &site.host);
            match tokio::time::timeout(limits.connect_timeout, fut).await {
                Err(_) => {
                    return Err(FtpError::Timeout {
                        site: name,
                        what: "connecting".into(),
                        secs: limits.connect_timeout.as_secs(),
                    });
                }
                Ok(r) => {
                    r.map_err(|e| tls_or_server(trust, &site.host, &name, "TLS connect", &e))?
                }
            }
        } else {
            let tcp = net::connect(&site.host, site.port, limits).await?;
            timed(
                limits,
                &name,
                "greeting",
                AsyncRustlsFtpStream::connect_with_stream(tcp),
            )
            .await?
        };
        stream.set_encoding(Latin1).await;
        if let Some(w) = stream.get_welcome_msg() {
            wire::log(&session, Flow::Received, w.as_bytes());
        }
        let feat = timed(limits, &name, "FEAT", stream.feat())
            .await
            .unwrap_or_default();
        let mut features = Features::from_feat(&feat);
        wire::log(&session, Flow::Sent, b"FEAT");
        let mut secure = site.tls == TlsMode::Implicit;
        let want_tls = match site.tls {
            TlsMode::Explicit => true,
            TlsMode::IfOffered => features.auth_tls,
            TlsMode::Implicit | TlsMode::Plain => false,
        };
        if site.tls == TlsMode::Explicit && !features.auth_tls {
            // Some servers support AUTH TLS without listing it; try before giving up.
            wire::log(&session, Flow::Note, b"AUTH TLS not in FEAT; trying anyway");
        }
        if want_tls {
            wire::log(&session, Flow::Sent, b"AUTH TLS");
            stream = match tokio::time::timeout(
                limits.connect_timeout,
                stream.into_secure(connector(), &site.host),
            )
            .await
            {
                Err(_) => {
                    return Err(FtpError::Timeout {
                        site: name,
                        what: "TLS negotiation".into(),
                        secs: limits.connect_timeout.as_secs(),
                    });
                }
                Ok(Ok(s)) => s,
                Ok(Err(e)) => {
                    if let Some(r) = trust.take_rejection(&site.host) {
                        return Err(FtpError::Untrusted(Box::new(r)));
                    }
                    if site.tls == TlsMode::Explicit {
                        return Err(FtpError::NoTls { site: name });
                    }
                    return Err(server(&name, "AUTH TLS", &e));
                }
            };
            secure = true;
        }
        let user = site.user.clone().unwrap_or_else(|| "anonymous".into());
        let password = site.password.clone().unwrap_or_else(|| "portolan@".into());
        wire::log(&session, Flow::Sent, format!("USER {user}").as_bytes());
        wire::log(&session, Flow::Sent, b"PASS ****");
        if site.tls == TlsMode::Implicit {
            // suppaftp protects the data connection of an implicit session without asking the
            // server to: say so, or the server sends data in the clear.
            for cmd in ["PBSZ 0", "PROT P"] {
                wire::log(&session, Flow::Sent, cmd.as_bytes());
                timed(
                    limits,
                    &name,
                    cmd,
                    stream.custom_command(cmd, &[Status::CommandOk]),
                )
                .await?;
            }
        }
        timed(
            limits,
            &name,
            "login",
            stream.login(user.as_str(), password.as_str()),
        )
        .await?;
        // Binary unless asked otherwise: ASCII mode would rewrite line ends in every file.
        let (type_cmd, file_type) = if site.ascii {
            (
                "TYPE A",
                suppaftp::types::FileType::Ascii(suppaftp::types::FormatControl::Default),
            )
        } else {
            ("TYPE I", suppaftp::types::FileType::Binary)
        };
        wire::log(&session, Flow::Sent, type_cmd.as_bytes());
        timed(limits, &name, type_cmd, stream.transfer_type(file_type)).await?;
        if features.utf8 {
            let _ = timed(
                limits,
                &name,
                "OPTS UTF8",
                stream.custom_command("OPTS UTF8 ON", &[Status::CommandOk, Status::Ready]),
            )
            .await;
        }
        if site.passive {
            stream.set_mode(if features.epsv {
                Mode::ExtendedPassive
            } else {
                Mode::Passive
            });
            // A PASV reply naming a private or wrong address is answered with the control
            // connection's address.
            stream.set_passive_nat_workaround(true);
        } else {
            stream = stream.active_mode(limits.connect_timeout);
        }
        if !features.epsv && site.passive {
            features.epsv = false;
        }
        let epsv = site.passive && features.epsv;
        Ok(FtpSession {
            stream,
            site: site.clone(),
            features,
            secure,
            limits: *limits,
            trust: trust.clone(),
            session,
            pacing: Pacing::default(),
            epsv,
        })
    }

    fn name(&self) -> String {
        self.site.authority()
    }

    /// Puts this session's transfers under the app's speed limits.
    pub fn set_pacing(&mut self, pacing: Pacing) {
        self.pacing = pacing;
    }

    /// The current directory, raw.
    pub async fn pwd(&mut self) -> Result<Vec<u8>, FtpError> {
        let name = self.name();
        let p = timed(&self.limits, &name, "PWD", self.stream.pwd()).await?;
        Ok(from_wire(&p))
    }

    /// Lists a directory: MLSD where offered, else LIST parsed for the common formats.
    pub async fn list(&mut self, path: &[u8]) -> Result<Vec<Entry>, FtpError> {
        let wire_path = to_wire(path)?;
        if self.features.mlsd {
            let data = self.read_listing("MLSD", &wire_path).await?;
            return Ok(listing::parse_mlsd(&data));
        }
        let data = self.read_listing("LIST", &wire_path).await?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
        Ok(listing::parse_list(&data, now))
    }

    /// A listing's raw bytes, read with the same bounds as everything else: each read waits
    /// at most the read timeout, and a listing larger than `max_body` is refused rather than
    /// filling memory.
    async fn read_listing(&mut self, verb: &str, wire_path: &str) -> Result<Vec<u8>, FtpError> {
        let name = self.name();
        let command = if wire_path.is_empty() {
            verb.to_string()
        } else {
            format!("{verb} {wire_path}")
        };
        let mut data = self.open_data(DataCommand::Listing(&command), 0).await?;
        let mut out = Vec::new();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = net::read_some(&mut data, &mut buf, &self.limits, &name).await?;
            if n == 0 {
                break;
            }
            if (out.len() + n) as u64 > self.limits.max_body {
                return Err(FtpError::Server {
                    site: name,
                    what: verb.to_string(),
                    code: None,
                    lost: false,
                    message: format!(
                        "the listing is larger than {} MB; not loaded",
                        self.limits.max_body / 1_000_000
                    ),
                });
            }
            out.extend_from_slice(&buf[..n]);
        }
        timed(&self.limits, &name, "end of listing", data.finish()).await?;
        Ok(out)
    }

    /// True when `e` is the server refusing EPSV (some servers and NAT boxes do): the session
    /// switches to PASV, whose reply address is replaced by the control connection's, and the
    /// caller tries once more.
    fn refuses_epsv(&mut self, e: &FtpError) -> bool {
        let FtpError::Server { code, .. } = e else {
            return false;
        };
        let refused = matches!(code, Some(500 | 501 | 502 | 522));
        if !(self.epsv && refused) {
            return false;
        }
        self.epsv = false;
        self.stream.set_mode(Mode::Passive);
        wire::log(
            &self.session,
            Flow::Note,
            b"EPSV refused; using PASV from now on",
        );
        true
    }

    /// The size of a file, if the server supports SIZE.
    pub async fn size(&mut self, path: &[u8]) -> Result<Option<u64>, FtpError> {
        if !self.features.size {
            return Ok(None);
        }
        let name = self.name();
        let p = to_wire(path)?;
        match timed(&self.limits, &name, "SIZE", self.stream.size(p)).await {
            Ok(n) => Ok(Some(n as u64)),
            Err(FtpError::Server { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The modification time of a file (MDTM), if the server supports it.
    pub async fn modified(&mut self, path: &[u8]) -> Result<Option<i64>, FtpError> {
        if !self.features.mdtm {
            return Ok(None);
        }
        let name = self.name();
        let p = to_wire(path)?;
        match timed(&self.limits, &name, "MDTM", self.stream.mdtm(p)).await {
            Ok(t) => Ok(Some(t.and_utc().timestamp())),
            Err(FtpError::Server { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Downloads `path` into `sink`, starting at `offset` (REST) for a resumed transfer.
    /// Returns the bytes written this time.
    pub async fn retrieve<W: std::io::Write>(
        &mut self,
        path: &[u8],
        offset: u64,
        sink: &mut W,
        mut progress: impl FnMut(u64),
    ) -> Result<u64, FtpError> {
        let name = self.name();
        let p = to_wire(path)?;
        let mut data = self.open_data(DataCommand::Retr(&p), offset).await?;
        let mut buf = vec![0u8; 256 * 1024];
        let mut total = 0u64;
        loop {
            let want = self.pacing.down.chunk(buf.len());
            let n = net::read_some(&mut data, &mut buf[..want], &self.limits, &name).await?;
            if n == 0 {
                break;
            }
            sink.write_all(&buf[..n])
                .map_err(|e| FtpError::Local(format!("writing the download: {e}")))?;
            total += n as u64;
            progress(total);
            self.pacing.down.consume(n).await;
        }
        timed(&self.limits, &name, "end of download", data.finish()).await?;
        wire::log(
            &self.session,
            Flow::Note,
            format!("{total} bytes received").as_bytes(),
        );
        Ok(total)
    }

    /// Asks the next transfer to start at `offset` (REST), when it is not the start.
    async fn rest(&mut self, name: &str, offset: u64) -> Result<(), FtpError> {
        if offset == 0 {
            return Ok(());
        }
        wire::log(
            &self.session,
            Flow::Sent,
            format!("REST {offset}").as_bytes(),
        );
        let offset =
            usize::try_from(offset).map_err(|_| FtpError::Local("offset too large".into()))?;
        timed(
            &self.limits,
            name,
            "REST",
            self.stream.resume_transfer(offset),
        )
        .await
    }

    /// Uploads `source` to `path`, replacing what is there.
    pub async fn store<R: std::io::Read>(
        &mut self,
        path: &[u8],
        source: &mut R,
        progress: impl FnMut(u64),
    ) -> Result<u64, FtpError> {
        self.send(path, source, false, progress).await
    }

    /// Appends `source` to `path` (APPE): resumes an upload whose first part is on the server,
    /// with `source` positioned at the server's size. Returns the bytes sent this time.
    pub async fn append<R: std::io::Read>(
        &mut self,
        path: &[u8],
        source: &mut R,
        progress: impl FnMut(u64),
    ) -> Result<u64, FtpError> {
        self.send(path, source, true, progress).await
    }

    async fn send<R: std::io::Read>(
        &mut self,
        path: &[u8],
        source: &mut R,
        append: bool,
        mut progress: impl FnMut(u64),
    ) -> Result<u64, FtpError> {
        let name = self.name();
        let p = to_wire(path)?;
        let command = if append {
            DataCommand::Appe(&p)
        } else {
            DataCommand::Stor(&p)
        };
        let mut data = self.open_data(command, 0).await?;
        let mut buf = vec![0u8; 256 * 1024];
        let mut total = 0u64;
        loop {
            let want = self.pacing.up.chunk(buf.len());
            let n = source
                .read(&mut buf[..want])
                .map_err(|e| FtpError::Local(format!("reading the upload: {e}")))?;
            if n == 0 {
                break;
            }
            net::bounded(&self.limits, &name, data.write_all(&buf[..n])).await?;
            total += n as u64;
            progress(total);
            self.pacing.up.consume(n).await;
        }
        timed(&self.limits, &name, "end of upload", data.finish()).await?;
        Ok(total)
    }

    /// Opens the data connection of `command` (after `REST offset` when not 0). The one place
    /// that knows about EPSV refusals: a server that refuses it is asked again with PASV, and
    /// the offset, which the refused attempt used up, is set again.
    async fn open_data(
        &mut self,
        command: DataCommand<'_>,
        offset: u64,
    ) -> Result<suppaftp::tokio::TransferStream<suppaftp::tokio::AsyncRustlsStream>, FtpError> {
        let name = self.name();
        let (verb, line) = command.describe();
        wire::log(&self.session, Flow::Sent, line.as_bytes());
        let mut second_try = false;
        loop {
            self.rest(&name, offset).await?;
            let opened = match command {
                DataCommand::Retr(p) => {
                    timed(&self.limits, &name, verb, self.stream.retr_as_stream(p)).await
                }
                DataCommand::Stor(p) => {
                    timed(&self.limits, &name, verb, self.stream.put_with_stream(p)).await
                }
                DataCommand::Appe(p) => {
                    timed(&self.limits, &name, verb, self.stream.append_with_stream(p)).await
                }
                DataCommand::Listing(line) => timed(
                    &self.limits,
                    &name,
                    verb,
                    self.stream
                        .custom_data_command(line, &[Status::AboutToSend, Status::AlreadyOpen]),
                )
                .await
                .map(|(_, data)| data),
            };
            match opened {
                Err(e) if !second_try && self.refuses_epsv(&e) => second_try = true,
                other => return other,
            }
        }
    }

    /// Sets a file's modification time (seconds since 1970, UTC), so an uploaded copy keeps
    /// the original's time and the next comparison sees the two as the same. MFMT where the
    /// server lists it, else vsftpd's `MDTM time path`. Returns false when the server would not.
    pub async fn set_modified(&mut self, path: &[u8], secs: i64) -> Result<bool, FtpError> {
        if secs < 0 {
            return Ok(false);
        }
        // `YYYYMMDDHHMMSS`: the digits of the RFC 3339 form.
        let stamp: String = listing::rfc3339(secs)
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        let p = to_wire(path)?;
        let command = if self.features.mfmt {
            format!("MFMT {stamp} {p}")
        } else if self.features.mdtm {
            format!("MDTM {stamp} {p}")
        } else {
            return Ok(false);
        };
        wire::log(&self.session, Flow::Sent, command.as_bytes());
        let name = self.name();
        match timed(
            &self.limits,
            &name,
            "set time",
            self.stream.custom_command(command, &[Status::File]),
        )
        .await
        {
            Ok(_) => Ok(true),
            Err(FtpError::Server { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    pub async fn mkdir(&mut self, path: &[u8]) -> Result<(), FtpError> {
        let name = self.name();
        let p = to_wire(path)?;
        timed(&self.limits, &name, "MKD", self.stream.mkdir(p)).await
    }

    pub async fn rename(&mut self, from: &[u8], to: &[u8]) -> Result<(), FtpError> {
        let name = self.name();
        let (f, t) = (to_wire(from)?, to_wire(to)?);
        timed(&self.limits, &name, "RNFR/RNTO", self.stream.rename(f, t)).await
    }

    pub async fn delete_file(&mut self, path: &[u8]) -> Result<(), FtpError> {
        let name = self.name();
        let p = to_wire(path)?;
        timed(&self.limits, &name, "DELE", self.stream.rm(p)).await
    }

    pub async fn remove_dir(&mut self, path: &[u8]) -> Result<(), FtpError> {
        let name = self.name();
        let p = to_wire(path)?;
        timed(&self.limits, &name, "RMD", self.stream.rmdir(p)).await
    }

    /// `SITE CHMOD mode path`.
    pub async fn chmod(&mut self, path: &[u8], mode: u32) -> Result<(), FtpError> {
        let name = self.name();
        let p = to_wire(path)?;
        timed(
            &self.limits,
            &name,
            "SITE CHMOD",
            self.stream.site(format!("CHMOD {mode:o} {p}")),
        )
        .await
        .map(|_| ())
    }

    /// Keeps an idle session alive.
    pub async fn noop(&mut self) -> Result<(), FtpError> {
        let name = self.name();
        timed(&self.limits, &name, "NOOP", self.stream.noop()).await
    }

    pub async fn quit(mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(2), self.stream.quit()).await;
    }

    /// The trust used, for reconnecting transfers on their own connections.
    pub fn trust(&self) -> &Arc<Trust> {
        &self.trust
    }
}

fn server(site: &str, what: &str, e: &suppaftp::FtpError) -> FtpError {
    use suppaftp::FtpError as E;
    let (code, message, lost) = match e {
        E::UnexpectedResponse(r) => {
            let code = u16::try_from(r.status.code()).ok();
            let text = String::from_utf8_lossy(&r.body);
            // The body repeats the code ("530 Login incorrect."): keep the words.
            let text = text.trim();
            let words = text
                .strip_prefix(&r.status.code().to_string())
                .map_or(text, |t| t.trim_start_matches(['-', ' ']))
                .to_string();
            (code, words, code == Some(421))
        }
        E::ConnectionError(io) => (None, io.to_string(), true),
        E::SecureError(m) => (None, format!("TLS: {m}"), true),
        E::BadResponse => (None, "the server's reply could not be read".into(), true),
        other => (None, other.to_string(), false),
    };
    FtpError::Server {
        site: site.to_string(),
        what: what.to_string(),
        code,
        message,
        lost,
    }
}

/// An error reply in words: what was refused, why in the server's words, and what to do
/// where that is clear from the code.
fn describe_reply(what: &str, code: Option<u16>, message: &str) -> String {
    let said = |m: &str| {
        if m.is_empty() {
            String::new()
        } else {
            format!(" (the server said: \"{m}\")")
        }
    };
    match code {
        Some(530) => format!(
            "the server refused the login{}: check the user name and password",
            said(message)
        ),
        Some(421) => format!(
            "the server closed the connection{}: try again later",
            said(message)
        ),
        Some(550) => format!("{what} was refused{}", said(message)),
        Some(552) => format!(
            "{what} was refused: no space left on the server{}",
            said(message)
        ),
        Some(553) => format!(
            "{what} was refused: the name is not allowed{}",
            said(message)
        ),
        Some(code) => format!("{what} was refused with reply {code}{}", said(message)),
        None => format!("{what}: {message}"),
    }
}

fn tls_or_server(
    trust: &Trust,
    host: &str,
    site: &str,
    what: &str,
    e: &suppaftp::FtpError,
) -> FtpError {
    match trust.take_rejection(host) {
        Some(r) => FtpError::Untrusted(Box::new(r)),
        None => server(site, what, e),
    }
}

async fn timed<T>(
    limits: &Limits,
    site: &str,
    what: &str,
    fut: impl std::future::Future<Output = suppaftp::FtpResult<T>>,
) -> Result<T, FtpError> {
    timed_long(limits.read_timeout, site, what, fut).await
}

async fn timed_long<T>(
    limit: Duration,
    site: &str,
    what: &str,
    fut: impl std::future::Future<Output = suppaftp::FtpResult<T>>,
) -> Result<T, FtpError> {
    match tokio::time::timeout(limit, fut).await {
        Err(_) => Err(FtpError::Timeout {
            site: site.to_string(),
            what: what.to_string(),
            secs: limit.as_secs(),
        }),
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(server(site, what, &e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin1_transport_is_lossless() {
        use suppaftp::Encoding as _;
        let bytes: Vec<u8> = (0u8..=255).collect();
        let text = Latin1.decode(&bytes);
        assert_eq!(Latin1.encode(&text).expect("encode"), bytes);
        assert_eq!(
            from_wire(&to_wire(b"caf\xe9/\xff").expect("ok")),
            b"caf\xe9/\xff"
        );
        assert!(to_wire(b"a\r\nDELE x").is_err());
    }

    #[test]
    fn features_from_feat() {
        let mut feat = std::collections::HashMap::new();
        feat.insert("MLSD".to_string(), None);
        feat.insert("UTF8".to_string(), None);
        feat.insert("AUTH".to_string(), Some("TLS".to_string()));
        feat.insert("REST".to_string(), Some("STREAM".to_string()));
        feat.insert("EPSV".to_string(), None);
        let f = Features::from_feat(&feat);
        assert!(f.mlsd && f.utf8 && f.auth_tls && f.rest_stream && f.epsv);
        assert!(!f.size && !f.mdtm);
    }

    #[test]
    fn site_from_links() {
        let (site, path) = FtpSite::from_link(&Link::parse("ftps://u:p@h/dir/f%20x").expect("url"))
            .expect("ftp link");
        assert_eq!(site.tls, TlsMode::Implicit);
        assert_eq!(site.port, 990);
        assert_eq!(site.user.as_deref(), Some("u"));
        assert_eq!(path, b"/dir/f x");
        let (site, _) =
            FtpSite::from_link(&Link::parse("ftp://h:2121/").expect("url")).expect("ftp");
        assert_eq!(
            (site.tls, site.port, site.user),
            (TlsMode::IfOffered, 2121, None)
        );
    }
}
