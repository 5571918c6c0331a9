//! Account setup in few words: from an address, try the usual hosts of its domain (`imap.`,
//! `pop.`, `mail.`, the domain itself) with implicit TLS, then STARTTLS, and report what
//! answered. Nothing is logged in to and no password is sent: only greetings and capabilities.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncBufRead, AsyncWriteExt as _, BufReader};

use crate::proto::net::{self, Limits};
use crate::proto::tls::{TlsMode, Trust};

/// One server that answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// `imap`, `pop3` or `smtp`.
    pub kind: &'static str,
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    /// The first line it greeted with, for the user to see.
    pub greeting: String,
}

/// The candidates for `domain`, in the order they are tried.
pub fn candidates(domain: &str) -> Vec<(&'static str, String, u16, TlsMode)> {
    let mut out = Vec::new();
    for (kind, prefixes, implicit, starttls) in [
        ("imap", &["imap.", "mail.", ""][..], 993, 143),
        ("pop3", &["pop.", "pop3.", "mail.", ""][..], 995, 110),
        ("smtp", &["smtp.", "mail.", ""][..], 465, 587),
    ] {
        for p in prefixes {
            out.push((kind, format!("{p}{domain}"), implicit, TlsMode::Implicit));
            out.push((kind, format!("{p}{domain}"), starttls, TlsMode::Explicit));
        }
    }
    out
}

/// Tries every candidate of the address's domain, a few at a time, and returns the first that
/// answered for each kind of server.
pub async fn probe(address: &str, trust: &Arc<Trust>) -> Vec<Found> {
    let Some((_, domain)) = address.rsplit_once('@') else {
        return Vec::new();
    };
    let domain = domain.trim().to_ascii_lowercase();
    probe_candidates(candidates(&domain), trust).await
}

/// Tries `list` all at once and keeps, for each kind of server, the first in list order that
/// answered as that kind (with STARTTLS offered where the candidate says so).
pub async fn probe_candidates(
    list: Vec<(&'static str, String, u16, TlsMode)>,
    trust: &Arc<Trust>,
) -> Vec<Found> {
    let limits = Limits {
        connect_timeout: Duration::from_secs(4),
        read_timeout: Duration::from_secs(4),
        ..Limits::default()
    };
    let tries = list.into_iter().map(|(kind, host, port, tls)| {
        let trust = trust.clone();
        async move {
            let greeting = greet(kind, &host, port, tls, &trust, &limits).await?;
            Some(Found {
                kind,
                host,
                port,
                tls,
                greeting,
            })
        }
    });
    let results = futures_util::future::join_all(tries).await;
    let mut out: Vec<Found> = Vec::new();
    for found in results.into_iter().flatten() {
        if !out.iter().any(|f| f.kind == found.kind) {
            out.push(found);
        }
    }
    out
}

/// Connects and reads the greeting; on a STARTTLS port, checks the upgrade is offered.
async fn greet(
    kind: &str,
    host: &str,
    port: u16,
    tls: TlsMode,
    trust: &Arc<Trust>,
    limits: &Limits,
) -> Option<String> {
    let addr = format!("{host}:{port}");
    let tcp = net::connect(host, port, limits).await.ok()?;
    if tls == TlsMode::Implicit {
        let stream = trust.wrap(tcp, host, port, limits).await.ok()?;
        let mut r = BufReader::new(stream);
        return first_line(&mut r, limits, &addr)
            .await
            .filter(|l| looks_like(kind, l));
    }
    let mut r = BufReader::new(tcp);
    let line = first_line(&mut r, limits, &addr).await?;
    if !looks_like(kind, &line) {
        return None;
    }
    let (ask, offered): (&[u8], fn(&str) -> bool) = match kind {
        "imap" => (b"a CAPABILITY\r\n", |l| {
            l.to_ascii_uppercase().contains("STARTTLS")
        }),
        "pop3" => (b"CAPA\r\n", |l| l.eq_ignore_ascii_case("STLS")),
        _ => (b"EHLO portolan.invalid\r\n", |l| {
            l.to_ascii_uppercase().contains("STARTTLS")
        }),
    };
    if line.to_ascii_uppercase().contains("STARTTLS") {
        return Some(line);
    }
    r.get_mut().write_all(ask).await.ok()?;
    for _ in 0..64 {
        let l = first_line(&mut r, limits, &addr).await?;
        if offered(&l) {
            return Some(line);
        }
        let end = match kind {
            "imap" => l.starts_with("a "),
            "pop3" => l == ".",
            _ => l.len() >= 4 && l.as_bytes()[3] == b' ',
        };
        if end {
            return None;
        }
    }
    None
}

async fn first_line<R: AsyncBufRead + Unpin>(
    r: &mut R,
    limits: &Limits,
    addr: &str,
) -> Option<String> {
    let mut line = Vec::new();
    net::read_line(r, &mut line, limits, addr)
        .await
        .ok()?
        .then(|| String::from_utf8_lossy(&line).into_owned())
}

fn looks_like(kind: &str, line: &str) -> bool {
    match kind {
        "imap" => line.starts_with("* OK") || line.starts_with("* PREAUTH"),
        "pop3" => line.starts_with("+OK"),
        _ => line.starts_with("220"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_try_implicit_tls_first() {
        let c = candidates("example.test");
        assert_eq!(
            c[0],
            (
                "imap",
                "imap.example.test".to_string(),
                993,
                TlsMode::Implicit
            )
        );
        assert_eq!(
            c[1],
            (
                "imap",
                "imap.example.test".to_string(),
                143,
                TlsMode::Explicit
            )
        );
        assert!(
            c.iter()
                .any(|(k, h, p, _)| *k == "pop3" && h == "pop.example.test" && *p == 995)
        );
        assert!(
            c.iter()
                .any(|(k, h, p, _)| *k == "smtp" && h == "example.test" && *p == 587)
        );
        assert!(looks_like("imap", "* OK [CAPABILITY IMAP4rev1] ready"));
        assert!(!looks_like("imap", "+OK pop"));
    }
}
