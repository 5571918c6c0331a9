//! `portolan ls|get nntp://...`, `news://`, `snews://` and `portolan post`: groups, overviews
//! and raw articles as a script wants them. Nothing here marks anything read.

use std::io::{Read as _, Write as _};
use std::sync::Arc;

use super::{CliError, NetOptions, Output, err};
use crate::link::{Link, NewsTarget, Scheme, Server};
use crate::mail::summary::rfc3339_utc;
use crate::proto::net::{Limits, ServerLogin};
use crate::proto::nntp::{ArticleId, NntpSession};
use crate::proto::tls::{TlsMode, Trust};

/// Largest article `get` writes and `post` reads from stdin.
const MAX_ARTICLE: u64 = 64 << 20;

/// The server of a news URL; `news:group` names none.
fn server_of<'a>(
    link: &'a Link,
    url: &str,
) -> Result<(Scheme, &'a Server, &'a NewsTarget), CliError> {
    match link {
        Link::News {
            scheme,
            server: Some(server),
            target,
        } => Ok((*scheme, server, target)),
        Link::News { server: None, .. } => Err(CliError(format!(
            "{url} names no server: write nntp://HOST/GROUP or news://HOST/<message-id>"
        ))),
        _ => Err(CliError(format!("{url} is not a news URL"))),
    }
}

async fn open(
    scheme: Scheme,
    server: &Server,
    net: &NetOptions,
    trust: &Arc<Trust>,
) -> Result<NntpSession, CliError> {
    let tls = if scheme == Scheme::Snews {
        TlsMode::Implicit
    } else {
        TlsMode::from_name(&net.tls)
    };
    // A login only where one is named: most news servers let anyone read.
    let net = NetOptions {
        user: net.user.clone().or_else(|| server.user.clone()),
        ..net.clone()
    };
    let (user, password) = match (&net.user, &server.password) {
        (Some(u), Some(p)) => (u.clone(), p.clone()),
        (Some(_), None) => super::password_for(&net)?.unwrap_or_default(),
        (None, _) => (String::new(), String::new()),
    };
    let login = ServerLogin {
        host: server.host.clone(),
        port: server.port,
        tls,
        user,
        password,
    };
    NntpSession::connect(&login, trust, &Limits::default())
        .await
        .map_err(err)
}

/// `ls nntp://HOST/` (groups, or those a wildmat matches) or `ls nntp://HOST/GROUP`
/// (the overview of every article).
pub async fn ls(
    link: &Link,
    url: &str,
    json: bool,
    net: &NetOptions,
    trust: &Arc<Trust>,
) -> Result<(), CliError> {
    let (scheme, server, target) = server_of(link, url)?;
    let mut session = open(scheme, server, net, trust).await?;
    let mut out = std::io::BufWriter::new(std::io::stdout());
    let name = match target {
        NewsTarget::Group {
            name,
            article: None,
        } => name.clone(),
        NewsTarget::Group {
            article: Some(_), ..
        }
        | NewsTarget::MessageId(_) => {
            return Err(CliError(format!(
                "{url} is one article: use `portolan get` to read it"
            )));
        }
    };
    if name == "*" || name.contains(['*', '?', ',', '[']) {
        let groups = session.list_groups(Some(&name)).await.map_err(err)?;
        session.quit().await;
        for g in &groups {
            let line = if json {
                serde_json::json!({
                    "group": g.name,
                    "first": g.first,
                    "last": g.last,
                    "count": g.count,
                    "posting": g.posting(),
                })
                .to_string()
            } else {
                format!(
                    "{:<40} {:>10} {:>10}-{:<10} {}",
                    g.name, g.count, g.first, g.last, g.status
                )
            };
            writeln!(out, "{line}").map_err(err)?;
        }
        return out.flush().map_err(err);
    }
    let group = session.select(&name).await.map_err(err)?;
    let mut write_error = None;
    let result = session
        .over(
            group.first,
            group.last,
            encoding_rs::WINDOWS_1252,
            |batch| {
                for o in batch {
                    if write_error.is_some() {
                        return;
                    }
                    let date = o.date.map(rfc3339_utc);
                    let line = if json {
                        serde_json::json!({
                            "number": o.number,
                            "subject": o.subject,
                            "from": o.from,
                            "date": date,
                            "message_id": o.message_id,
                            "references": o.references,
                            "bytes": o.bytes,
                            "lines": o.lines,
                        })
                        .to_string()
                    } else {
                        format!(
                            "{:>8} {:<20} {:<30} {}",
                            o.number,
                            date.unwrap_or_default(),
                            o.from,
                            o.subject
                        )
                    };
                    if let Err(e) = writeln!(out, "{line}") {
                        write_error = Some(e);
                    }
                }
            },
        )
        .await;
    if let Some(e) = write_error {
        return Err(err(e));
    }
    let stats = result.map_err(err)?;
    session.quit().await;
    if stats.malformed + stats.overlong > 0 {
        super::eprintln_warning(&format!(
            "{} overview lines could not be read and were left out",
            stats.malformed + stats.overlong
        ));
    }
    out.flush().map_err(err)
}

/// `get nntp://HOST/GROUP/N` or `get news://HOST/<message-id>`: the raw article.
pub async fn get(
    link: &Link,
    url: &str,
    output: Option<std::path::PathBuf>,
    net: &NetOptions,
    trust: &Arc<Trust>,
) -> Result<(), CliError> {
    let (scheme, server, target) = server_of(link, url)?;
    let id = match target {
        NewsTarget::Group {
            name,
            article: Some(n),
        } => Some((name.clone(), ArticleId::Number(*n))),
        NewsTarget::MessageId(id) => Some((String::new(), ArticleId::message_id(id))),
        NewsTarget::Group { article: None, .. } => None,
    };
    let Some((group, id)) = id else {
        return Err(CliError(format!(
            "{url} is a group: use `portolan ls` to list it, or name an article \
             (nntp://HOST/GROUP/NUMBER or news://HOST/<message-id>)"
        )));
    };
    let mut session = open(scheme, server, net, trust).await?;
    if !group.is_empty() {
        session.select(&group).await.map_err(err)?;
    }
    let mut out = Output::open(output)?;
    session
        .fetch(
            crate::proto::nntp::Part::Article,
            &id,
            MAX_ARTICLE,
            out.writer(),
        )
        .await
        .map_err(err)?;
    session.quit().await;
    out.finish()
}

/// `post nntp://HOST/ < article`: posts what stdin holds and prints the server's reply.
pub async fn post(url: &str, net: &NetOptions, trust: &Arc<Trust>) -> Result<(), CliError> {
    let link = Link::parse(url).map_err(err)?;
    let (scheme, server, _) = server_of(&link, url)?;
    let mut article = Vec::new();
    std::io::stdin()
        .take(MAX_ARTICLE + 1)
        .read_to_end(&mut article)
        .map_err(|e| CliError(format!("cannot read the article from stdin: {e}")))?;
    if article.len() as u64 > MAX_ARTICLE {
        return Err(CliError(format!(
            "the article is larger than {} MB",
            MAX_ARTICLE >> 20
        )));
    }
    if !article.windows(2).any(|w| w == b"\n\n") && !article.windows(4).any(|w| w == b"\r\n\r\n") {
        return Err(CliError(
            "the article has no blank line between its headers and its body".into(),
        ));
    }
    let mut session = open(scheme, server, net, trust).await?;
    let status = session.post(&article).await.map_err(err)?;
    session.quit().await;
    let mut stdout = std::io::stdout();
    writeln!(stdout, "{} {}", status.code, status.text).map_err(err)?;
    stdout.flush().map_err(err)
}
