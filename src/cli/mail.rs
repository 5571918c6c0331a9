//! `portolan ls|get imap://...` and `pop://...`: folders, message lists and raw messages.
//! Nothing is marked read: folders are opened with EXAMINE and bodies fetched with PEEK;
//! POP3 sessions end with QUIT after RETR only, which deletes nothing.

use std::io::Write as _;
use std::sync::Arc;

use super::{CliError, NetOptions, Output, err};
use crate::link::{Scheme, Server};
use crate::mail::Summary;
use crate::proto::imap::{self, ImapSession};
use crate::proto::net::{Limits, ServerLogin};
use crate::proto::pop3::Pop3Session;
use crate::proto::tls::{TlsMode, Trust};

/// The login for a mail URL: the user from `--user` or the URL, the password from the URL,
/// `PORTOLAN_PASSWORD` or a prompt.
fn login_of(server: &Server, net: &NetOptions) -> Result<(String, String), CliError> {
    let user = net
        .user
        .clone()
        .or_else(|| server.user.clone())
        .ok_or_else(|| {
            CliError(
                "the URL names no user: write imap://USER@HOST/ (or pop://USER@HOST/), or pass \
                 --user NAME"
                    .into(),
            )
        })?;
    if let Some(p) = &server.password {
        return Ok((user, p.clone()));
    }
    let net = NetOptions {
        user: Some(user),
        ..net.clone()
    };
    super::password_for(&net)?.ok_or_else(|| CliError("no password".into()))
}

fn tls_of(scheme: Scheme, net: &NetOptions) -> TlsMode {
    if scheme.implicit_tls() {
        TlsMode::Implicit
    } else {
        TlsMode::from_name(&net.tls)
    }
}

/// The login for a mail URL: its host and port, the TLS its scheme and `--tls` say, the user
/// and password from [`login_of`].
fn site_of(scheme: Scheme, server: &Server, net: &NetOptions) -> Result<ServerLogin, CliError> {
    let (user, password) = login_of(server, net)?;
    Ok(ServerLogin {
        host: server.host.clone(),
        port: server.port,
        tls: tls_of(scheme, net),
        user,
        password,
    })
}

async fn imap_open(
    scheme: Scheme,
    server: &Server,
    net: &NetOptions,
    trust: &Arc<Trust>,
    limits: &Limits,
) -> Result<ImapSession, CliError> {
    ImapSession::connect(&site_of(scheme, server, net)?, trust, limits)
        .await
        .map_err(err)
}

/// `ls imap://USER@HOST/` (folders) or `ls imap://USER@HOST/FOLDER` (messages).
pub async fn ls_imap(
    scheme: Scheme,
    server: &Server,
    path: &str,
    json: bool,
    net: &NetOptions,
    trust: &Arc<Trust>,
) -> Result<(), CliError> {
    let target = imap::url::parse_path(path).map_err(err)?;
    let limits = Limits::default();
    let mut session = imap_open(scheme, server, net, trust, &limits).await?;
    let mut out = std::io::BufWriter::new(std::io::stdout());
    match &target.folder {
        None => {
            let folders = session.folders().await.map_err(err)?;
            for f in &folders {
                let status = if f.selectable {
                    Some(session.status(&f.name).await.map_err(err)?)
                } else {
                    None
                };
                let special = f
                    .attributes
                    .iter()
                    .find(|a| is_special_use_attribute(a))
                    .cloned();
                let line = if json {
                    serde_json::json!({
                        "folder": f.name,
                        "delimiter": f.delimiter,
                        "special_use": special,
                        "messages": status.map(|s| s.messages),
                        "unseen": status.and_then(|s| s.unseen),
                    })
                    .to_string()
                } else {
                    format!(
                        "{:<30} {:>8} {:>8} {}",
                        f.name,
                        status.map(|s| s.messages.to_string()).unwrap_or_default(),
                        status
                            .and_then(|s| s.unseen)
                            .map(|u| u.to_string())
                            .unwrap_or_default(),
                        special.unwrap_or_default()
                    )
                };
                writeln!(out, "{line}").map_err(err)?;
            }
        }
        Some(folder) => {
            let status = session.examine(folder).await.map_err(err)?;
            check_validity(folder, target.uidvalidity, status.uidvalidity)?;
            let heads = if status.messages == 0 {
                Vec::new()
            } else {
                let set = target
                    .uid
                    .map_or_else(|| "1:*".to_string(), |u| u.to_string());
                session.heads(&set).await.map_err(err)?
            };
            for h in &heads {
                let s = Summary::from_header(&h.header);
                let from = if s.from_name.is_empty() || s.from_name == s.from_address {
                    s.from_address.clone()
                } else if s.from_address.is_empty() {
                    s.from_name.clone()
                } else {
                    format!("{} <{}>", s.from_name, s.from_address)
                };
                let date = s
                    .date
                    .or(h.internal_date)
                    .map(crate::mail::summary::rfc3339_utc);
                let line = if json {
                    serde_json::json!({
                        "uid": h.uid,
                        "from": from,
                        "subject": s.subject,
                        "date": date,
                        "size": h.size,
                        "flags": h.flags,
                    })
                    .to_string()
                } else {
                    format!(
                        "{:>7} {:<20} {:<30} {:>9} {}",
                        h.uid,
                        date.unwrap_or_default(),
                        from,
                        h.size,
                        s.subject_shown()
                    )
                };
                writeln!(out, "{line}").map_err(err)?;
            }
        }
    }
    out.flush().map_err(err)?;
    session.logout().await;
    Ok(())
}

fn is_special_use_attribute(a: &str) -> bool {
    [
        "\\All",
        "\\Archive",
        "\\Drafts",
        "\\Flagged",
        "\\Junk",
        "\\Sent",
        "\\Trash",
    ]
    .iter()
    .any(|s| s.eq_ignore_ascii_case(a))
}

fn check_validity(folder: &str, wanted: Option<u32>, found: Option<u32>) -> Result<(), CliError> {
    match (wanted, found) {
        (Some(expected), Some(found)) if expected != found => {
            Err(err(imap::ImapError::UidValidity {
                folder: folder.to_string(),
                expected,
                found,
            }))
        }
        _ => Ok(()),
    }
}

/// `get "imap://USER@HOST/FOLDER;UID=N"`: the raw message, byte for byte.
pub async fn get_imap(
    scheme: Scheme,
    server: &Server,
    path: &str,
    output: Option<std::path::PathBuf>,
    net: &NetOptions,
    trust: &Arc<Trust>,
) -> Result<(), CliError> {
    let target = imap::url::parse_path(path).map_err(err)?;
    let (Some(folder), Some(uid)) = (&target.folder, target.uid) else {
        return Err(CliError(
            "get needs one message: imap://USER@HOST/FOLDER;UID=N (use ls for a folder)".into(),
        ));
    };
    if target.section.is_some() {
        return Err(CliError(
            ";SECTION= is not supported yet: get fetches the whole message".into(),
        ));
    }
    let limits = Limits::default();
    let mut session = imap_open(scheme, server, net, trust, &limits).await?;
    let status = session.examine(folder).await.map_err(err)?;
    check_validity(folder, target.uidvalidity, status.uidvalidity)?;
    let size = session.size_of(uid).await.map_err(err)?;
    if size.is_none() {
        return Err(err(imap::ImapError::NoSuchMessage {
            folder: folder.clone(),
            uid,
        }));
    }
    let raw = session.raw(folder, uid, size).await.map_err(err)?;
    session.logout().await;
    let mut out = Output::open(output)?;
    out.writer().write_all(&raw).map_err(err)?;
    out.finish()
}

async fn pop_open(
    scheme: Scheme,
    server: &Server,
    net: &NetOptions,
    trust: &Arc<Trust>,
    limits: &Limits,
) -> Result<Pop3Session, CliError> {
    Pop3Session::connect(&site_of(scheme, server, net)?, trust, limits)
        .await
        .map_err(err)
}

/// `ls pop://USER@HOST/`: number, unique id and size of each message.
pub async fn ls_pop(
    scheme: Scheme,
    server: &Server,
    json: bool,
    net: &NetOptions,
    trust: &Arc<Trust>,
) -> Result<(), CliError> {
    let limits = Limits::default();
    let mut session = pop_open(scheme, server, net, trust, &limits).await?;
    let sizes = session.list().await.map_err(err)?;
    // UIDL is optional (RFC 1939): without it the ids are null.
    let uids: std::collections::HashMap<u32, String> = match session.uidl().await {
        Ok(list) => list.into_iter().collect(),
        Err(crate::proto::pop3::Pop3Error::Refused { .. }) => std::collections::HashMap::new(),
        Err(e) => return Err(err(e)),
    };
    session.quit().await.map_err(err)?;
    let mut out = std::io::BufWriter::new(std::io::stdout());
    for (number, size) in sizes {
        let uid = uids.get(&number);
        let line = if json {
            serde_json::json!({"number": number, "uid": uid, "size": size}).to_string()
        } else {
            format!("{number:>6} {size:>10} {}", uid.map_or("", String::as_str))
        };
        writeln!(out, "{line}").map_err(err)?;
    }
    out.flush().map_err(err)
}

/// `get pop://USER@HOST/N`: message N, dot-unstuffed, byte for byte.
pub async fn get_pop(
    scheme: Scheme,
    server: &Server,
    path: &str,
    output: Option<std::path::PathBuf>,
    net: &NetOptions,
    trust: &Arc<Trust>,
) -> Result<(), CliError> {
    let number: u32 = path
        .trim_matches('/')
        .parse()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| {
            CliError(format!(
                "get needs a message number: pop://USER@HOST/N (got {path:?}; use ls for the list)"
            ))
        })?;
    let limits = Limits::default();
    let mut session = pop_open(scheme, server, net, trust, &limits).await?;
    let sizes = session.list().await.map_err(err)?;
    let Some(&(_, size)) = sizes.iter().find(|(n, _)| *n == number) else {
        return Err(CliError(format!(
            "there is no message {number} on the server ({} messages)",
            sizes.len()
        )));
    };
    let mut out = Output::open(output)?;
    session
        .retr(number, Some(size), out.writer())
        .await
        .map_err(err)?;
    session.quit().await.map_err(err)?;
    out.finish()
}
