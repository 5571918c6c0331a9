//! One typed parser for every URL the suite handles.
//!
//! The `url` crate treats only `http(s)` and `ftp` as special schemes: for the others it neither
//! lower-cases nor IDNA-maps the host, knows no default port, and mangles `pop://user;AUTH=*@host`.
//! So the authority of every non-HTTP scheme is parsed here, and each URL becomes a [`Link`] that
//! names the panel that owns it.

use std::fmt;

use percent_encoding::percent_decode_str;

/// Why a URL could not be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("not a URL: {0:?} (expected scheme:...)")]
    NoScheme(String),
    #[error("unsupported scheme {0:?}")]
    UnsupportedScheme(String),
    #[error("missing host in {0:?}")]
    MissingHost(String),
    #[error("bad host {host:?}: {reason}")]
    BadHost { host: String, reason: String },
    #[error("bad port {0:?}")]
    BadPort(String),
    #[error("bad URL {url:?}: {reason}")]
    Malformed { url: String, reason: String },
}

/// The schemes Portolan knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    Ftp,
    Ftps,
    Imap,
    Imaps,
    Pop,
    Pops,
    Smtp,
    Smtps,
    Mailto,
    News,
    Nntp,
    Snews,
    Gopher,
    Http,
    Https,
    Telnet,
    /// Telnet over TLS from the first byte (port 992).
    Telnets,
}

impl Scheme {
    /// Every scheme, for help texts and the `.desktop` handler list.
    pub const ALL: [Scheme; 17] = [
        Scheme::Ftp,
        Scheme::Ftps,
        Scheme::Imap,
        Scheme::Imaps,
        Scheme::Pop,
        Scheme::Pops,
        Scheme::Smtp,
        Scheme::Smtps,
        Scheme::Mailto,
        Scheme::News,
        Scheme::Nntp,
        Scheme::Snews,
        Scheme::Gopher,
        Scheme::Http,
        Scheme::Https,
        Scheme::Telnet,
        Scheme::Telnets,
    ];

    pub fn from_name(name: &str) -> Option<Scheme> {
        let lower = name.to_ascii_lowercase();
        Scheme::ALL.into_iter().find(|s| s.name() == lower)
    }

    pub fn name(self) -> &'static str {
        match self {
            Scheme::Ftp => "ftp",
            Scheme::Ftps => "ftps",
            Scheme::Imap => "imap",
            Scheme::Imaps => "imaps",
            Scheme::Pop => "pop",
            Scheme::Pops => "pops",
            Scheme::Smtp => "smtp",
            Scheme::Smtps => "smtps",
            Scheme::Mailto => "mailto",
            Scheme::News => "news",
            Scheme::Nntp => "nntp",
            Scheme::Snews => "snews",
            Scheme::Gopher => "gopher",
            Scheme::Http => "http",
            Scheme::Https => "https",
            Scheme::Telnet => "telnet",
            Scheme::Telnets => "telnets",
        }
    }

    /// The registered default port; `mailto` has none.
    pub fn default_port(self) -> Option<u16> {
        Some(match self {
            Scheme::Ftp => 21,
            Scheme::Ftps => 990,
            Scheme::Imap => 143,
            Scheme::Imaps => 993,
            Scheme::Pop => 110,
            Scheme::Pops => 995,
            Scheme::Smtp => 25,
            Scheme::Smtps => 465,
            Scheme::News | Scheme::Nntp => 119,
            Scheme::Snews => 563,
            Scheme::Gopher => 70,
            Scheme::Http => 80,
            Scheme::Https => 443,
            Scheme::Telnet => 23,
            Scheme::Telnets => 992,
            Scheme::Mailto => return None,
        })
    }

    /// Whether the connection starts with TLS (implicit TLS).
    pub fn implicit_tls(self) -> bool {
        matches!(
            self,
            Scheme::Ftps
                | Scheme::Imaps
                | Scheme::Pops
                | Scheme::Smtps
                | Scheme::Snews
                | Scheme::Https
                | Scheme::Telnets
        )
    }

    /// The panel that owns links of this scheme.
    pub fn panel(self) -> PanelKind {
        match self {
            Scheme::Ftp | Scheme::Ftps => PanelKind::Files,
            Scheme::Imap
            | Scheme::Imaps
            | Scheme::Pop
            | Scheme::Pops
            | Scheme::Smtp
            | Scheme::Smtps
            | Scheme::Mailto => PanelKind::Mail,
            Scheme::News | Scheme::Nntp | Scheme::Snews => PanelKind::News,
            Scheme::Gopher | Scheme::Http | Scheme::Https => PanelKind::Browser,
            Scheme::Telnet | Scheme::Telnets => PanelKind::Terminal,
        }
    }
}

/// The five panels of the suite, named as the user sees them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PanelKind {
    Files,
    Mail,
    News,
    Browser,
    Terminal,
}

impl PanelKind {
    pub fn title(self) -> &'static str {
        match self {
            PanelKind::Files => "Files",
            PanelKind::Mail => "Mail",
            PanelKind::News => "News",
            PanelKind::Browser => "Browser",
            PanelKind::Terminal => "Terminal",
        }
    }
}

/// Host, port and optional credentials of a server named in a URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Server {
    /// ASCII host: IDNA-mapped and lower-cased domain, or an IP literal without brackets.
    pub host: String,
    pub port: u16,
    pub user: Option<String>,
    pub password: Option<String>,
    /// `;AUTH=` of IMAP/POP URLs (RFC 5092, RFC 2384).
    pub auth: Option<String>,
}

impl Server {
    /// `host:port` with brackets around IPv6 literals, for display and connecting.
    pub fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// A gopher URL (RFC 4266): item type, selector bytes and an optional search string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GopherLink {
    pub server: Server,
    pub item_type: u8,
    /// Selectors are bytes: percent-decoding may yield any octet except TAB, CR and LF.
    pub selector: Vec<u8>,
    pub search: Option<String>,
}

/// What a `news:`/`nntp:`/`snews:` URL points at (RFC 5538).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewsTarget {
    /// A group name, or a wildmat such as `*` or `comp.*`.
    Group { name: String, article: Option<u64> },
    /// A message-id without angle brackets.
    MessageId(String),
}

/// RFC 6068 fields of a `mailto:` URL.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mailto {
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub bcc: Vec<String>,
    pub subject: Option<String>,
    pub body: Option<String>,
    pub in_reply_to: Option<String>,
    /// Other header fields, kept in order.
    pub headers: Vec<(String, String)>,
}

/// A parsed URL, typed by what it points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    Ftp {
        scheme: Scheme,
        server: Server,
        /// Percent-decoded path bytes, starting with `/`.
        path: Vec<u8>,
    },
    /// IMAP, POP and SMTP servers. `path` is what follows the `/`, still percent-encoded:
    /// an IMAP path's `;UID=` parts are told from a `;` in a folder name only before decoding
    /// (`proto::imap::url` reads it; for POP it is a message number).
    Mail {
        scheme: Scheme,
        server: Server,
        path: String,
    },
    Mailto(Mailto),
    News {
        scheme: Scheme,
        /// `None` for `news:group`, which uses the default news server.
        server: Option<Server>,
        target: NewsTarget,
    },
    Gopher(GopherLink),
    Http(url::Url),
    Telnet {
        server: Server,
        /// `telnets:`: TLS from the first byte.
        tls: bool,
    },
}

impl Link {
    pub fn parse(input: &str) -> Result<Link, LinkError> {
        parse(input)
    }

    pub fn scheme(&self) -> Scheme {
        match self {
            Link::Ftp { scheme, .. } | Link::Mail { scheme, .. } | Link::News { scheme, .. } => {
                *scheme
            }
            Link::Mailto(_) => Scheme::Mailto,
            Link::Gopher(_) => Scheme::Gopher,
            Link::Http(url) => {
                if url.scheme() == "https" {
                    Scheme::Https
                } else {
                    Scheme::Http
                }
            }
            Link::Telnet { tls: false, .. } => Scheme::Telnet,
            Link::Telnet { tls: true, .. } => Scheme::Telnets,
        }
    }

    pub fn panel(&self) -> PanelKind {
        self.scheme().panel()
    }
}

impl fmt::Display for Link {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Link::Gopher(g) => write!(f, "{}", gopher_url(g)),
            // A password in an address is used for the request and never shown or stored:
            // every address bar, history entry, saved tab and log line is made from this.
            Link::Http(url) if url.password().is_some() => {
                let mut shown = url.clone();
                let _ = shown.set_password(None);
                write!(f, "{shown}")
            }
            Link::Http(url) => write!(f, "{url}"),
            Link::Ftp {
                scheme,
                server,
                path,
            } => write!(
                f,
                "{}://{}{}{}",
                scheme.name(),
                userinfo(server),
                authority_for(server, *scheme),
                encode_path(path)
            ),
            Link::Mail {
                scheme,
                server,
                path,
            } => write!(
                f,
                "{}://{}{}/{}",
                scheme.name(),
                userinfo(server),
                authority_for(server, *scheme),
                path
            ),
            Link::Telnet { server, .. } => write!(
                f,
                "{}://{}{}",
                self.scheme().name(),
                userinfo(server),
                authority_for(server, self.scheme())
            ),
            Link::Mailto(m) => write!(f, "mailto:{}", m.to.join(",")),
            Link::News {
                scheme,
                server,
                target,
            } => {
                let tail = match target {
                    NewsTarget::Group { name, article } => match article {
                        Some(n) => format!("{name}/{n}"),
                        None => name.clone(),
                    },
                    NewsTarget::MessageId(id) => id.clone(),
                };
                match server {
                    Some(s) => write!(
                        f,
                        "{}://{}/{}",
                        scheme.name(),
                        authority_for(s, *scheme),
                        tail
                    ),
                    None => write!(f, "{}:{}", scheme.name(), tail),
                }
            }
        }
    }
}

fn userinfo(server: &Server) -> String {
    match &server.user {
        Some(u) => format!(
            "{}@",
            percent_encoding::utf8_percent_encode(u, USERINFO_SET)
        ),
        None => String::new(),
    }
}

const USERINFO_SET: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'@')
    .add(b':')
    .add(b'/')
    .add(b'%')
    .add(b';');

const PATH_SET: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'%')
    .add(b'?')
    .add(b'#')
    .add(b'"')
    .add(b'<')
    .add(b'>');

fn encode_path(path: &[u8]) -> String {
    percent_encoding::percent_encode(path, PATH_SET).to_string()
}

fn authority_for(server: &Server, scheme: Scheme) -> String {
    let host = if server.host.contains(':') {
        format!("[{}]", server.host)
    } else {
        server.host.clone()
    };
    if scheme.default_port() == Some(server.port) {
        host
    } else {
        format!("{host}:{}", server.port)
    }
}

/// The canonical URL of a gopher item, as used in history, bookmarks and the URL bar.
pub fn gopher_url(g: &GopherLink) -> String {
    let mut s = format!(
        "gopher://{}/{}",
        authority_for(&g.server, Scheme::Gopher),
        g.item_type as char
    );
    s.push_str(&encode_path(&g.selector));
    if let Some(q) = &g.search {
        s.push_str("%09");
        s.push_str(&percent_encoding::utf8_percent_encode(q, PATH_SET).to_string());
    }
    s
}

fn parse(input: &str) -> Result<Link, LinkError> {
    let input = input.trim();
    let Some((scheme_name, rest)) = input.split_once(':') else {
        return Err(LinkError::NoScheme(input.to_string()));
    };
    if scheme_name.is_empty()
        || !scheme_name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    {
        return Err(LinkError::NoScheme(input.to_string()));
    }
    let scheme = Scheme::from_name(scheme_name)
        .ok_or_else(|| LinkError::UnsupportedScheme(scheme_name.to_ascii_lowercase()))?;
    match scheme {
        Scheme::Http | Scheme::Https => {
            let url = url::Url::parse(input).map_err(|e| LinkError::Malformed {
                url: input.to_string(),
                reason: e.to_string(),
            })?;
            if url.host_str().is_none_or(str::is_empty) {
                return Err(LinkError::MissingHost(input.to_string()));
            }
            Ok(Link::Http(url))
        }
        Scheme::Mailto => Ok(Link::Mailto(parse_mailto(rest))),
        Scheme::News if !rest.starts_with("//") => Ok(Link::News {
            scheme,
            server: None,
            target: news_target(&decode_lossy(strip_fragment(rest)))?,
        }),
        _ => {
            let Some(after) = rest.strip_prefix("//") else {
                return Err(LinkError::Malformed {
                    url: input.to_string(),
                    reason: "expected // after the scheme".into(),
                });
            };
            let (authority, path) = split_authority(after);
            let server = parse_authority(authority, scheme, input)?;
            build(scheme, server, path, input)
        }
    }
}

fn strip_fragment(s: &str) -> &str {
    s.split_once('#').map_or(s, |(a, _)| a)
}

/// The authority and what follows it (path, query, fragment).
pub(crate) fn split_authority(after: &str) -> (&str, &str) {
    let end = after.find(['/', '?', '#']).unwrap_or(after.len());
    (&after[..end], &after[end..])
}

/// Percent-decoded, with bytes that are not UTF-8 shown as replacement characters.
pub(crate) fn decode_lossy(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

fn parse_authority(authority: &str, scheme: Scheme, input: &str) -> Result<Server, LinkError> {
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, authority),
    };
    let (mut user, mut password, mut auth) = (None, None, None);
    if let Some(info) = userinfo {
        let (name_part, pass_part) = match info.split_once(':') {
            Some((n, p)) => (n, Some(p)),
            None => (info, None),
        };
        // IMAP/POP: user;AUTH=mech (RFC 5092 / RFC 2384).
        let (name_part, auth_part) = match name_part.split_once(';') {
            Some((n, a)) => (n, Some(a)),
            None => (name_part, None),
        };
        if let Some(a) = auth_part {
            let value = a
                .split_once('=')
                .filter(|(k, _)| k.eq_ignore_ascii_case("auth"))
                .map(|(_, v)| decode_lossy(v));
            auth = value;
        }
        if !name_part.is_empty() {
            user = Some(decode_lossy(name_part));
        }
        password = pass_part.map(decode_lossy);
    }
    let (host_raw, port_raw) = if let Some(v6) = hostport.strip_prefix('[') {
        let Some((h, tail)) = v6.split_once(']') else {
            return Err(LinkError::BadHost {
                host: hostport.to_string(),
                reason: "unclosed [".into(),
            });
        };
        let port = match tail {
            "" => None,
            t => Some(
                t.strip_prefix(':')
                    .ok_or_else(|| LinkError::BadPort(t.to_string()))?,
            ),
        };
        h.parse::<std::net::Ipv6Addr>()
            .map_err(|e| LinkError::BadHost {
                host: h.to_string(),
                reason: e.to_string(),
            })?;
        (h.to_string(), port)
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), Some(p)),
            None => (hostport.to_string(), None),
        }
    };
    if host_raw.is_empty() {
        return Err(LinkError::MissingHost(input.to_string()));
    }
    let host = if host_raw.contains(':') {
        host_raw.to_ascii_lowercase()
    } else {
        let decoded = decode_lossy(&host_raw);
        let ascii = idna::domain_to_ascii(&decoded).map_err(|_| LinkError::BadHost {
            host: decoded.clone(),
            reason: "not a valid domain name".into(),
        })?;
        if !ascii
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
        {
            return Err(LinkError::BadHost {
                host: decoded,
                reason: "a host name has only letters, digits, '-' and '.'".into(),
            });
        }
        ascii
    };
    if host.is_empty() {
        return Err(LinkError::MissingHost(input.to_string()));
    }
    let port = match port_raw {
        None | Some("") => scheme
            .default_port()
            .ok_or_else(|| LinkError::BadPort(String::new()))?,
        Some(p) => p
            .parse::<u16>()
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(|| LinkError::BadPort(p.to_string()))?,
    };
    Ok(Server {
        host,
        port,
        user,
        password,
        auth,
    })
}

fn build(scheme: Scheme, server: Server, path: &str, input: &str) -> Result<Link, LinkError> {
    match scheme {
        Scheme::Gopher => Ok(Link::Gopher(parse_gopher_path(server, path))),
        Scheme::Ftp | Scheme::Ftps => {
            let path = strip_fragment(path.split_once('?').map_or(path, |(p, _)| p));
            // RFC 1738 `;type=a|i|d` is accepted and dropped: the Files panel picks the mode.
            let path = path.split_once(";type=").map_or(path, |(p, _)| p);
            let mut bytes: Vec<u8> = percent_decode_str(path).collect();
            if bytes.first() != Some(&b'/') {
                bytes.insert(0, b'/');
            }
            Ok(Link::Ftp {
                scheme,
                server,
                path: bytes,
            })
        }
        Scheme::Imap
        | Scheme::Imaps
        | Scheme::Pop
        | Scheme::Pops
        | Scheme::Smtp
        | Scheme::Smtps => {
            let p = strip_fragment(path);
            let p = p.strip_prefix('/').unwrap_or(p);
            Ok(Link::Mail {
                scheme,
                server,
                path: p.to_string(),
            })
        }
        Scheme::News | Scheme::Nntp | Scheme::Snews => {
            let p = strip_fragment(path);
            let p = p.strip_prefix('/').unwrap_or(p);
            let p = decode_lossy(p);
            let target = if scheme == Scheme::Nntp {
                // nntp://host/group/number
                match p.split_once('/') {
                    Some((g, n)) if !n.is_empty() => NewsTarget::Group {
                        name: g.to_string(),
                        article: Some(n.parse().map_err(|_| LinkError::Malformed {
                            url: input.to_string(),
                            reason: format!("article number {n:?} is not a number"),
                        })?),
                    },
                    _ => news_target(p.trim_end_matches('/'))?,
                }
            } else {
                news_target(&p)?
            };
            Ok(Link::News {
                scheme,
                server: Some(server),
                target,
            })
        }
        Scheme::Telnet | Scheme::Telnets => Ok(Link::Telnet {
            server,
            tls: scheme == Scheme::Telnets,
        }),
        Scheme::Http | Scheme::Https | Scheme::Mailto => Err(LinkError::Malformed {
            url: input.to_string(),
            reason: "internal: handled elsewhere".into(),
        }),
    }
}

fn news_target(s: &str) -> Result<NewsTarget, LinkError> {
    let s = s.trim();
    if let Some(inner) = s.strip_prefix('<') {
        return Ok(NewsTarget::MessageId(
            inner.trim_end_matches('>').to_string(),
        ));
    }
    if s.contains('@') {
        return Ok(NewsTarget::MessageId(s.to_string()));
    }
    let name = if s.is_empty() { "*" } else { s };
    if name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(LinkError::Malformed {
            url: s.to_string(),
            reason: "a newsgroup name has no spaces".into(),
        });
    }
    Ok(NewsTarget::Group {
        name: name.to_string(),
        article: None,
    })
}

fn parse_gopher_path(server: Server, path: &str) -> GopherLink {
    // RFC 4266: /<type><selector>%09<search>%09<gopher+ string>. A `?` is part of the selector
    // on gopher, but many links write the search after it; both forms are accepted for type 7.
    let path = strip_fragment(path);
    let rest = path.strip_prefix('/').unwrap_or(path);
    let mut chars = rest.chars();
    let (item_type, tail) = match chars.next() {
        None => (b'1', ""),
        Some(c) if c.is_ascii() => (c as u8, chars.as_str()),
        Some(_) => (b'1', rest),
    };
    let decoded: Vec<u8> = percent_decode_str(tail).collect();
    let mut parts = decoded.split(|b| *b == b'\t');
    let mut selector = parts.next().unwrap_or_default().to_vec();
    let mut search = parts
        .next()
        .map(|s| String::from_utf8_lossy(s).into_owned());
    if search.is_none()
        && item_type == b'7'
        && let Some((sel, query)) = tail.split_once('?')
    {
        selector = percent_decode_str(sel).collect();
        search = Some(decode_lossy(query));
    }
    selector.retain(|b| *b != b'\r' && *b != b'\n');
    GopherLink {
        server,
        item_type,
        selector,
        search,
    }
}

fn parse_mailto(rest: &str) -> Mailto {
    let rest = strip_fragment(rest);
    let (to_part, query) = rest.split_once('?').unwrap_or((rest, ""));
    let split_addrs = |s: &str| -> Vec<String> {
        decode_lossy(s)
            .split(',')
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_string)
            .collect()
    };
    let mut m = Mailto {
        to: split_addrs(to_part),
        ..Mailto::default()
    };
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let key = decode_lossy(k).to_ascii_lowercase();
        // RFC 6068 uses %20 for spaces, but `+` from form encoders is common in the wild
        // only in queries built by HTML forms; keep `+` literal as the RFC says.
        let value = decode_lossy(v);
        match key.as_str() {
            "to" => m.to.extend(split_addrs(v)),
            "cc" => m.cc.extend(split_addrs(v)),
            "bcc" => m.bcc.extend(split_addrs(v)),
            "subject" => m.subject = Some(value),
            "body" => m.body = Some(value.replace("\r\n", "\n")),
            "in-reply-to" => m.in_reply_to = Some(value),
            _ => m.headers.push((key, value)),
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn server(link: &Link) -> &Server {
        match link {
            Link::Ftp { server, .. } | Link::Mail { server, .. } | Link::Telnet { server, .. } => {
                server
            }
            Link::Gopher(g) => &g.server,
            Link::News {
                server: Some(s), ..
            } => s,
            other => panic!("no server in {other:?}"),
        }
    }

    #[test]
    fn default_ports_per_scheme() {
        let cases = [
            ("ftp://h/", 21),
            ("ftps://h/", 990),
            ("imap://h/", 143),
            ("imaps://h/", 993),
            ("pop://h/", 110),
            ("pops://h/", 995),
            ("smtp://h/", 25),
            ("smtps://h/", 465),
            ("nntp://h/g", 119),
            ("news://h/g", 119),
            ("snews://h/g", 563),
            ("gopher://h/", 70),
            ("telnet://h", 23),
            ("telnets://h", 992),
        ];
        for (url, port) in cases {
            let link = Link::parse(url).expect(url);
            assert_eq!(server(&link).port, port, "{url}");
        }
    }

    #[test]
    fn scheme_and_host_are_case_insensitive_and_idna_mapped() {
        let link = Link::parse("GOPHER://Bücher.Example:7070/0/a.txt").expect("parse");
        let Link::Gopher(g) = link else { panic!() };
        assert_eq!(g.server.host, "xn--bcher-kva.example");
        assert_eq!(g.server.port, 7070);
        assert_eq!(g.item_type, b'0');
        assert_eq!(g.selector, b"/a.txt");
    }

    #[test]
    fn gopher_empty_path_is_root_menu() {
        let Link::Gopher(g) = Link::parse("gopher://localhost").expect("parse") else {
            panic!()
        };
        assert_eq!(g.item_type, b'1');
        assert!(g.selector.is_empty());
        assert_eq!(g.search, None);
    }

    #[test]
    fn gopher_search_after_tab() {
        let Link::Gopher(g) =
            Link::parse("gopher://127.0.0.1:7070/7/cgi-bin/search%09apple pie").expect("parse")
        else {
            panic!()
        };
        assert_eq!(g.item_type, b'7');
        assert_eq!(g.selector, b"/cgi-bin/search");
        assert_eq!(g.search.as_deref(), Some("apple pie"));
        assert_eq!(
            gopher_url(&g),
            "gopher://127.0.0.1:7070/7/cgi-bin/search%09apple%20pie"
        );
    }

    #[test]
    fn gopher_selector_keeps_raw_bytes() {
        let Link::Gopher(g) = Link::parse("gopher://h/9/f%FF%00x").expect("parse") else {
            panic!()
        };
        assert_eq!(g.selector, b"/f\xff\x00x");
    }

    #[test]
    fn ipv6_literal() {
        let link = Link::parse("gopher://[::1]:7070/1/files").expect("parse");
        assert_eq!(server(&link).host, "::1");
        assert_eq!(server(&link).authority(), "[::1]:7070");
        assert_eq!(link.to_string(), "gopher://[::1]:7070/1/files");
    }

    #[test]
    fn bad_ports_and_hosts_are_errors() {
        assert!(matches!(
            Link::parse("gopher://h:99999/"),
            Err(LinkError::BadPort(_))
        ));
        assert!(matches!(
            Link::parse("gopher://h:x/"),
            Err(LinkError::BadPort(_))
        ));
        assert!(matches!(
            Link::parse("ftp:///x"),
            Err(LinkError::MissingHost(_))
        ));
        assert!(matches!(
            Link::parse("gopher://[::1/"),
            Err(LinkError::BadHost { .. })
        ));
        assert!(matches!(
            Link::parse("gopher://a b/"),
            Err(LinkError::BadHost { .. })
        ));
        assert!(matches!(
            Link::parse("foo://h/"),
            Err(LinkError::UnsupportedScheme(_))
        ));
        assert!(matches!(
            Link::parse("no scheme"),
            Err(LinkError::NoScheme(_))
        ));
        assert!(matches!(
            Link::parse("telnet:host"),
            Err(LinkError::Malformed { .. })
        ));
    }

    #[test]
    fn pop_auth_and_userinfo() {
        let link = Link::parse("pop://rg%40x;AUTH=*@mail.Example.com").expect("parse");
        let s = server(&link);
        assert_eq!(s.user.as_deref(), Some("rg@x"));
        assert_eq!(s.auth.as_deref(), Some("*"));
        assert_eq!(s.host, "mail.example.com");
        let link = Link::parse("ftp://u:p%3Aw@h/dir/a%20b.txt").expect("parse");
        assert_eq!(server(&link).password.as_deref(), Some("p:w"));
        let Link::Ftp { path, .. } = link else {
            panic!()
        };
        assert_eq!(path, b"/dir/a b.txt");
    }

    #[test]
    fn imap_mailbox_path() {
        let Link::Mail { path, scheme, .. } =
            Link::parse("imaps://u@h/INBOX%2FWork").expect("parse")
        else {
            panic!()
        };
        assert_eq!(scheme, Scheme::Imaps);
        assert_eq!(path, "INBOX%2FWork", "kept encoded for the IMAP URL parser");
    }

    #[test]
    fn news_group_and_message_id() {
        assert_eq!(
            Link::parse("news:comp.lang.rust").expect("parse"),
            Link::News {
                scheme: Scheme::News,
                server: None,
                target: NewsTarget::Group {
                    name: "comp.lang.rust".into(),
                    article: None
                }
            }
        );
        let Link::News { target, .. } = Link::parse("news:abc.123@example.org").expect("parse")
        else {
            panic!()
        };
        assert_eq!(target, NewsTarget::MessageId("abc.123@example.org".into()));
        let Link::News { target, .. } = Link::parse("news:%3Cx@y%3E").expect("parse") else {
            panic!()
        };
        assert_eq!(target, NewsTarget::MessageId("x@y".into()));
        let Link::News { target, server, .. } =
            Link::parse("nntp://news.example:1119/local.test/42").expect("parse")
        else {
            panic!()
        };
        assert_eq!(server.map(|s| s.port), Some(1119));
        assert_eq!(
            target,
            NewsTarget::Group {
                name: "local.test".into(),
                article: Some(42)
            }
        );
        assert!(Link::parse("nntp://h/g/notanumber").is_err());
        let Link::News { target, .. } = Link::parse("news:*").expect("parse") else {
            panic!()
        };
        assert_eq!(
            target,
            NewsTarget::Group {
                name: "*".into(),
                article: None
            }
        );
    }

    #[test]
    fn mailto_fields() {
        let Link::Mailto(m) = Link::parse(
            "mailto:a@x.org,b@y.org?cc=c@z.org&subject=Hello%20there&body=line1%0D%0Aline2&In-Reply-To=%3Cid@x%3E&X-Tag=1",
        )
        .expect("parse") else {
            panic!()
        };
        assert_eq!(m.to, vec!["a@x.org", "b@y.org"]);
        assert_eq!(m.cc, vec!["c@z.org"]);
        assert_eq!(m.subject.as_deref(), Some("Hello there"));
        assert_eq!(m.body.as_deref(), Some("line1\nline2"));
        assert_eq!(m.in_reply_to.as_deref(), Some("<id@x>"));
        assert_eq!(m.headers, vec![("x-tag".to_string(), "1".to_string())]);
        let Link::Mailto(m) = Link::parse("mailto:?to=a@b&to=c@d").expect("parse") else {
            panic!()
        };
        assert_eq!(m.to, vec!["a@b", "c@d"]);
    }

    #[test]
    fn http_uses_whatwg_rules() {
        let link = Link::parse("HTTP://Example.COM:80/a/../b?q=1").expect("parse");
        assert_eq!(link.to_string(), "http://example.com/b?q=1");
        assert_eq!(link.panel(), PanelKind::Browser);
        assert!(Link::parse("http://").is_err());
    }

    #[test]
    fn panels_by_scheme() {
        assert_eq!(
            Link::parse("ftp://h/").expect("p").panel(),
            PanelKind::Files
        );
        assert_eq!(
            Link::parse("mailto:a@b").expect("p").panel(),
            PanelKind::Mail
        );
        assert_eq!(
            Link::parse("snews://h/g").expect("p").panel(),
            PanelKind::News
        );
        assert_eq!(
            Link::parse("telnet://h").expect("p").panel(),
            PanelKind::Terminal
        );
        let secure = Link::parse("telnets://h:2992/").expect("p");
        assert_eq!(secure.panel(), PanelKind::Terminal);
        assert!(matches!(secure, Link::Telnet { tls: true, .. }));
        assert_eq!(secure.to_string(), "telnets://h:2992");
        assert_eq!(
            Link::parse("gopher://h").expect("p").panel(),
            PanelKind::Browser
        );
    }

    #[test]
    fn gopher_round_trip_display() {
        for url in [
            "gopher://localhost:7070/0/about.txt",
            "gopher://localhost/1",
            "gopher://localhost:7070/9/files/blob.bin",
        ] {
            assert_eq!(Link::parse(url).expect(url).to_string(), url);
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = Link::parse(&s);
        }

        #[test]
        fn url_like_never_panics(
            scheme in proptest::sample::select(Scheme::ALL.map(Scheme::name).to_vec()),
            rest in "[a-zA-Z0-9%:@/\\[\\];=?&#. -]{0,40}"
        ) {
            let _ = Link::parse(&format!("{scheme}://{rest}"));
            let _ = Link::parse(&format!("{scheme}:{rest}"));
        }

        #[test]
        fn gopher_display_reparses_to_same_link(
            host in "[a-z]{1,10}(\\.[a-z]{2,5})?",
            port in 1u16..,
            ty in proptest::sample::select(b"0179gIh".to_vec()),
            selector in proptest::collection::vec(proptest::num::u8::ANY.prop_filter("no tab/cr/lf", |b| !matches!(*b, b'\t' | b'\r' | b'\n')), 0..30),
        ) {
            let g = GopherLink {
                server: Server { host, port, user: None, password: None, auth: None },
                item_type: ty,
                selector,
                search: None,
            };
            let again = Link::parse(&gopher_url(&g)).expect("own output parses");
            proptest::prop_assert_eq!(again, Link::Gopher(g));
        }

        #[test]
        fn mailto_fields_come_back_as_written(
            to in proptest::collection::vec("[a-z]{1,8}@[a-z]{1,8}\\.org", 0..4),
            cc in proptest::collection::vec("[a-z]{1,8}@[a-z]{1,8}\\.org", 0..3),
            subject in "\\PC{0,40}",
            body in "(\\PC|\n){0,80}",
        ) {
            let enc = |t: &str| {
                percent_encoding::utf8_percent_encode(t, percent_encoding::NON_ALPHANUMERIC)
                    .to_string()
            };
            let url = format!(
                "mailto:{}?cc={}&subject={}&body={}",
                to.join(","),
                cc.join(","),
                enc(&subject),
                enc(&body.replace('\n', "\r\n"))
            );
            let Ok(Link::Mailto(m)) = Link::parse(&url) else {
                return Err(proptest::test_runner::TestCaseError::fail(url));
            };
            proptest::prop_assert_eq!(m.to, to);
            proptest::prop_assert_eq!(m.cc, cc);
            proptest::prop_assert_eq!(m.subject, Some(subject));
            proptest::prop_assert_eq!(m.body, Some(body));
        }
    }
}
