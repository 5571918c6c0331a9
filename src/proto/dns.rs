//! DNS lookups for the DNS tool and `portolan dns`. Addresses (A, AAAA) go through the system
//! resolver first, so `/etc/hosts`, nsswitch and a VPN's split DNS answer as they do for every
//! other program; other record types, and every type when a server is named, go through
//! hickory-resolver with the system's configured servers.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use hickory_resolver::TokioResolver;
use hickory_resolver::config::{NameServerConfig, ResolveHosts, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError as HickoryDns, NetError};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::RecordType;

/// The record types the tool asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    A,
    Aaaa,
    Cname,
    Mx,
    Txt,
    /// Reverse: the name of an address.
    Ptr,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::A,
        Kind::Aaaa,
        Kind::Cname,
        Kind::Mx,
        Kind::Txt,
        Kind::Ptr,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Kind::A => "A",
            Kind::Aaaa => "AAAA",
            Kind::Cname => "CNAME",
            Kind::Mx => "MX",
            Kind::Txt => "TXT",
            Kind::Ptr => "PTR",
        }
    }

    /// `a`, `AAAA`, `ptr`...: the type named on the command line.
    pub fn parse(text: &str) -> Option<Kind> {
        Kind::ALL
            .into_iter()
            .find(|k| k.label().eq_ignore_ascii_case(text.trim()))
    }

    fn record_type(self) -> RecordType {
        match self {
            Kind::A => RecordType::A,
            Kind::Aaaa => RecordType::AAAA,
            Kind::Cname => RecordType::CNAME,
            Kind::Mx => RecordType::MX,
            Kind::Txt => RecordType::TXT,
            Kind::Ptr => RecordType::PTR,
        }
    }
}

/// What to ask and whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// A name, or for PTR an address (a name is looked up first and each address reversed).
    pub name: String,
    pub kind: Kind,
    /// A DNS server to ask instead of the system's, with its port.
    pub server: Option<SocketAddr>,
    /// Longest wait for one server's answer.
    pub timeout: Duration,
}

/// Who answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// getaddrinfo: hosts file, nsswitch and the system's servers.
    System,
    /// A DNS query, to the system's servers or the one named.
    Dns,
}

/// One answer row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The name the record belongs to (a CNAME chain shows each step).
    pub name: String,
    pub kind: String,
    /// Seconds the record may be cached; the system resolver does not say.
    pub ttl: Option<u32>,
    /// The record in zone-file form: `10 mail.example.org.`, `"v=spf1 -all"`.
    pub data: String,
    pub source: Source,
}

/// Why a lookup gave no records, in words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    #[error("{0:?} is not a name that can be looked up: {1}")]
    BadName(String, String),
    #[error("{name} does not exist (the DNS answered NXDOMAIN)")]
    NoSuchName { name: String },
    #[error("{name} is not known: neither the hosts file nor the system's DNS has it")]
    NotKnown { name: String },
    #[error("{name} exists but has no {kind} records")]
    NoRecords { name: String, kind: &'static str },
    #[error(
        "no DNS server answered within {seconds} s ({servers}); check the network or name a server"
    )]
    Timeout { seconds: u64, servers: String },
    #[error("the DNS server refused or failed the query ({code}); try another server")]
    ServerFailed { code: String, servers: String },
    #[error("cannot reach the DNS server ({servers}): {message}")]
    Unreachable { servers: String, message: String },
    #[error("the system's DNS settings cannot be read: {0}; name a server instead")]
    SystemConfig(String),
}

/// `1.1.1.1`, `127.0.0.1:5354`, `[::1]:53`: a server to ask, port 53 unless given.
pub fn parse_server(text: &str) -> Result<SocketAddr, String> {
    let text = text.trim();
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, 53));
    }
    text.parse().map_err(|_| {
        format!("{text:?} is not a DNS server address: give an IP address, with :PORT if not 53")
    })
}

/// Looks the query up; an empty answer is an error saying so.
pub async fn lookup(query: &Query) -> Result<Vec<Answer>, LookupError> {
    let name = query.name.trim().trim_end_matches('.').to_string();
    if name.is_empty() {
        return Err(LookupError::BadName(
            query.name.clone(),
            "it is empty".into(),
        ));
    }
    if query.server.is_none() && matches!(query.kind, Kind::A | Kind::Aaaa) {
        return system_addresses(&name, query.kind).await;
    }
    let resolver = resolver(query)?;
    let servers = servers_text(query);
    if query.kind == Kind::Ptr {
        let addresses: Vec<IpAddr> = match name.parse::<IpAddr>() {
            Ok(ip) => vec![ip],
            Err(_) => resolver
                .lookup_ip(name.as_str())
                .await
                .map_err(|e| describe(&e, &name, query, &servers))?
                .iter()
                .collect(),
        };
        let mut answers = Vec::new();
        let mut last_error = None;
        for ip in addresses {
            match resolver.reverse_lookup(ip).await {
                Ok(lookup) => answers.extend(rows(lookup.answers())),
                Err(e) => last_error = Some(describe(&e, &ip.to_string(), query, &servers)),
            }
        }
        return match (answers.is_empty(), last_error) {
            (false, _) => Ok(answers),
            (true, Some(e)) => Err(e),
            (true, None) => Err(LookupError::NoRecords { name, kind: "PTR" }),
        };
    }
    let lookup = resolver
        .lookup(name.as_str(), query.kind.record_type())
        .await
        .map_err(|e| describe(&e, &name, query, &servers))?;
    let mut answers = rows(lookup.answers());
    if query.kind == Kind::Mx {
        // The order mail is tried in: lowest preference first.
        answers.sort_by_key(|a| {
            a.data
                .split_whitespace()
                .next()
                .and_then(|p| p.parse::<u16>().ok())
                .unwrap_or(u16::MAX)
        });
    }
    if answers.is_empty() {
        return Err(LookupError::NoRecords {
            name,
            kind: query.kind.label(),
        });
    }
    Ok(answers)
}

async fn system_addresses(name: &str, kind: Kind) -> Result<Vec<Answer>, LookupError> {
    let found = tokio::net::lookup_host((name, 0)).await.map_err(|e| {
        // getaddrinfo says "failed to lookup address information: Name or service not known".
        if e.to_string().contains("not known") {
            LookupError::NotKnown {
                name: name.to_string(),
            }
        } else {
            LookupError::Unreachable {
                servers: "the system resolver".into(),
                message: e.to_string(),
            }
        }
    })?;
    let mut seen = Vec::new();
    for addr in found {
        let ip = addr.ip();
        let wanted = match kind {
            Kind::Aaaa => ip.is_ipv6(),
            _ => ip.is_ipv4(),
        };
        if wanted && !seen.contains(&ip) {
            seen.push(ip);
        }
    }
    if seen.is_empty() {
        return Err(LookupError::NoRecords {
            name: name.to_string(),
            kind: kind.label(),
        });
    }
    Ok(seen
        .into_iter()
        .map(|ip| Answer {
            name: name.to_string(),
            kind: kind.label().to_string(),
            ttl: None,
            data: ip.to_string(),
            source: Source::System,
        })
        .collect())
}

fn resolver(query: &Query) -> Result<TokioResolver, LookupError> {
    let mut builder = match query.server {
        Some(server) => {
            let mut ns = NameServerConfig::udp_and_tcp(server.ip());
            for connection in &mut ns.connections {
                connection.port = server.port();
            }
            TokioResolver::builder_with_config(
                ResolverConfig::from_name_servers(vec![ns]),
                TokioRuntimeProvider::default(),
            )
        }
        None => {
            TokioResolver::builder_tokio().map_err(|e| LookupError::SystemConfig(e.to_string()))?
        }
    };
    let options = builder.options_mut();
    options.timeout = query.timeout;
    options.attempts = 1;
    if query.server.is_some() {
        // A named server is asked as it is, as `dig @server` does: the hosts file would
        // answer for it.
        options.use_hosts_file = ResolveHosts::Never;
    }
    builder
        .build()
        .map_err(|e| LookupError::SystemConfig(e.to_string()))
}

fn servers_text(query: &Query) -> String {
    query
        .server
        .map_or_else(|| "the system's DNS servers".to_string(), |s| s.to_string())
}

/// The records as rows, each once: the hosts file may list a name twice.
fn rows(records: &[hickory_resolver::proto::rr::Record]) -> Vec<Answer> {
    let mut out: Vec<Answer> = Vec::with_capacity(records.len());
    for r in records {
        let row = Answer {
            name: r.name.to_string(),
            kind: r.record_type().to_string(),
            ttl: Some(r.ttl),
            data: r.data.to_string(),
            source: Source::Dns,
        };
        if !out
            .iter()
            .any(|o| o.kind == row.kind && o.data == row.data && o.name == row.name)
        {
            out.push(row);
        }
    }
    out
}

fn describe(e: &NetError, name: &str, query: &Query, servers: &str) -> LookupError {
    match e {
        NetError::Dns(HickoryDns::NoRecordsFound(no))
            if no.response_code == ResponseCode::NXDomain =>
        {
            LookupError::NoSuchName {
                name: name.to_string(),
            }
        }
        NetError::Dns(HickoryDns::NoRecordsFound(_)) => LookupError::NoRecords {
            name: name.to_string(),
            kind: query.kind.label(),
        },
        NetError::Dns(HickoryDns::ResponseCode(code)) => LookupError::ServerFailed {
            code: code.to_string(),
            servers: servers.to_string(),
        },
        NetError::Timeout => LookupError::Timeout {
            seconds: query.timeout.as_secs().max(1),
            servers: servers.to_string(),
        },
        NetError::Proto(p)
            if p.to_string().contains("parse") || p.to_string().contains("label") =>
        {
            LookupError::BadName(name.to_string(), p.to_string())
        }
        other => LookupError::Unreachable {
            servers: servers.to_string(),
            message: other.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_parse_in_any_case() {
        assert_eq!(Kind::parse("mx"), Some(Kind::Mx));
        assert_eq!(Kind::parse("AAAA"), Some(Kind::Aaaa));
        assert_eq!(Kind::parse("SRV"), None);
    }
}
