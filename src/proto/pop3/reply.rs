//! POP3 replies as bytes: the status line (RFC 1939, with RFC 2449 response codes), CAPA,
//! LIST and UIDL lines, and the dot-stuffed multi-line body. Pure functions, fuzzed.

/// A `+OK` or `-ERR` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub ok: bool,
    /// The RFC 2449 response code in brackets (`IN-USE`, `LOGIN-DELAY`, `AUTH`, `SYS/TEMP`).
    pub code: Option<String>,
    /// The rest of the line, for the user to read.
    pub text: String,
}

/// Why a reply line could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplyError {
    #[error("the reply does not start with +OK or -ERR")]
    NotStatus,
    #[error("the line is not a message number and {0}")]
    BadListing(&'static str),
}

/// Reads a status line (without its CR LF). A continuation (`+ ...`, for SASL) is not a status.
pub fn parse_status(line: &[u8]) -> Result<Status, ReplyError> {
    let (ok, rest) = if let Some(rest) = strip_prefix_ci(line, b"+OK") {
        (true, rest)
    } else if let Some(rest) = strip_prefix_ci(line, b"-ERR") {
        (false, rest)
    } else {
        return Err(ReplyError::NotStatus);
    };
    // "+OKAY" is not "+OK": the keyword ends the line or is followed by a space.
    if !rest.is_empty() && rest[0] != b' ' {
        return Err(ReplyError::NotStatus);
    }
    let text = String::from_utf8_lossy(rest).trim().to_string();
    let (code, text) = match text.strip_prefix('[').and_then(|t| t.split_once(']')) {
        Some((code, rest)) if !code.is_empty() && !code.contains(' ') => {
            (Some(code.to_ascii_uppercase()), rest.trim().to_string())
        }
        _ => (None, text),
    };
    Ok(Status { ok, code, text })
}

fn strip_prefix_ci<'a>(line: &'a [u8], prefix: &[u8]) -> Option<&'a [u8]> {
    (line.len() >= prefix.len() && line[..prefix.len()].eq_ignore_ascii_case(prefix))
        .then(|| &line[prefix.len()..])
}

/// What a server said it can do in its CAPA answer (RFC 2449).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Capabilities {
    /// The server answered CAPA at all (RFC 1939 servers do not know it).
    pub known: bool,
    pub top: bool,
    pub uidl: bool,
    pub user: bool,
    pub stls: bool,
    pub pipelining: bool,
    pub resp_codes: bool,
    /// SASL mechanisms, upper-case.
    pub sasl: Vec<String>,
    /// `EXPIRE` days: `None` never, `Some(0)` the server deletes what was read.
    pub expire: Option<String>,
    pub login_delay: Option<String>,
    pub implementation: Option<String>,
    /// Every line as sent, for the capability report.
    pub raw: Vec<String>,
}

impl Capabilities {
    /// Reads the lines of a CAPA answer (after dot-unstuffing, without the final `.`).
    pub fn parse(lines: &[Vec<u8>]) -> Capabilities {
        let mut caps = Capabilities {
            known: true,
            ..Capabilities::default()
        };
        for line in lines {
            let text = String::from_utf8_lossy(line).trim().to_string();
            let mut words = text.split_ascii_whitespace();
            let Some(name) = words.next() else {
                continue;
            };
            let rest: Vec<&str> = words.collect();
            match name.to_ascii_uppercase().as_str() {
                "TOP" => caps.top = true,
                "UIDL" => caps.uidl = true,
                "USER" => caps.user = true,
                "STLS" => caps.stls = true,
                "PIPELINING" => caps.pipelining = true,
                "RESP-CODES" => caps.resp_codes = true,
                "SASL" => caps.sasl = rest.iter().map(|m| m.to_ascii_uppercase()).collect(),
                "EXPIRE" => caps.expire = Some(rest.join(" ")),
                "LOGIN-DELAY" => caps.login_delay = Some(rest.join(" ")),
                "IMPLEMENTATION" => caps.implementation = Some(rest.join(" ")),
                _ => {}
            }
            caps.raw.push(text);
        }
        caps
    }

    /// The capabilities in words a user understands, one line each.
    pub fn report(&self) -> Vec<String> {
        if !self.known {
            return vec![
                "The server does not answer CAPA (an RFC 1939 server): Portolan tries UIDL and \
                 TOP and logs in with USER and PASS."
                    .into(),
            ];
        }
        let mut out = Vec::new();
        out.push(if self.uidl {
            "UIDL: messages keep their identity, so each is downloaded once.".into()
        } else {
            "No UIDL: the server cannot say which messages are new, so leave-on-server is not \
             possible; messages are downloaded and then deleted."
                .into()
        });
        out.push(if self.top {
            "TOP: large messages can be previewed before they are downloaded.".into()
        } else {
            "No TOP: a message is only seen after it is downloaded whole.".into()
        });
        out.push(if self.stls {
            "STLS: the connection can switch to TLS before the password is sent.".into()
        } else {
            "No STLS: use POP3S (port 995) for an encrypted connection.".into()
        });
        if !self.sasl.is_empty() {
            out.push(format!("SASL logins: {}.", self.sasl.join(", ")));
        }
        if let Some(expire) = &self.expire {
            out.push(format!(
                "EXPIRE {expire}: the server deletes messages after that many days, whatever \
                 Portolan asks."
            ));
        }
        if let Some(delay) = &self.login_delay {
            out.push(format!(
                "LOGIN-DELAY {delay}: the server refuses logins more often than that."
            ));
        }
        out
    }
}

/// Reads a LIST line, `NUMBER SIZE` (extra words after the size are allowed by RFC 1939).
pub fn parse_listing(line: &[u8]) -> Result<(u32, u64), ReplyError> {
    let text = std::str::from_utf8(line).map_err(|_| ReplyError::BadListing("size"))?;
    let mut words = text.split_ascii_whitespace();
    let number = words
        .next()
        .and_then(|w| w.parse().ok())
        .filter(|n| *n > 0)
        .ok_or(ReplyError::BadListing("size"))?;
    let size = words
        .next()
        .and_then(|w| w.parse().ok())
        .ok_or(ReplyError::BadListing("size"))?;
    Ok((number, size))
}

/// Reads a UIDL line, `NUMBER UID`, where the UID is 1 to 70 printable characters
/// (0x21 to 0x7E, RFC 1939 section 7).
pub fn parse_uidl(line: &[u8]) -> Result<(u32, String), ReplyError> {
    let text = std::str::from_utf8(line).map_err(|_| ReplyError::BadListing("UID"))?;
    let mut words = text.split(' ').filter(|w| !w.is_empty());
    let number = words
        .next()
        .and_then(|w| w.parse().ok())
        .filter(|n| *n > 0)
        .ok_or(ReplyError::BadListing("UID"))?;
    let uid = words
        .next()
        .map(|w| w.trim_end_matches(['\r', '\n']))
        .filter(|u| !u.is_empty() && u.len() <= 70 && u.bytes().all(|b| (0x21..=0x7e).contains(&b)))
        .ok_or(ReplyError::BadListing("UID"))?;
    Ok((number, uid.to_string()))
}

pub use crate::proto::dot::{DotDecoder, Fed};

/// Splits decoded multi-line content into lines without their line ends.
pub fn lines_of(content: &[u8]) -> Vec<Vec<u8>> {
    content
        .split(|b| *b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l).to_vec())
        .filter(|l| !l.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_lines() {
        let s = parse_status(b"+OK Dovecot ready.").expect("ok");
        assert!(s.ok);
        assert_eq!(s.text, "Dovecot ready.");
        let s = parse_status(b"-ERR [IN-USE] Mailbox locked by another session").expect("err");
        assert!(!s.ok);
        assert_eq!(s.code.as_deref(), Some("IN-USE"));
        assert_eq!(s.text, "Mailbox locked by another session");
        let s = parse_status(b"-ERR [SYS/TEMP] try later").expect("err");
        assert_eq!(s.code.as_deref(), Some("SYS/TEMP"));
        assert!(parse_status(b"+ok").expect("lower case").ok);
        assert!(parse_status(b"-ERR").is_ok());
    }

    #[test]
    fn garbage_is_not_a_status() {
        for bad in [
            &b""[..],
            b"HTTP/1.1 400 Bad Request",
            b"+OKAY",
            b"* OK IMAP4rev1",
            b"220 smtp ready",
            b"\xff\xfe",
            b"+ ",
        ] {
            assert_eq!(parse_status(bad), Err(ReplyError::NotStatus), "{bad:?}");
        }
        // A bracket that is not a code stays in the text.
        let s = parse_status(b"+OK [not a code] hello").expect("ok");
        assert_eq!(s.code, None);
        assert_eq!(s.text, "[not a code] hello");
    }

    #[test]
    fn capa_lines() {
        let lines: Vec<Vec<u8>> = [
            "TOP",
            "UIDL",
            "RESP-CODES",
            "STLS",
            "SASL PLAIN login",
            "EXPIRE NEVER",
            "IMPLEMENTATION Dovecot",
        ]
        .iter()
        .map(|l| l.as_bytes().to_vec())
        .collect();
        let c = Capabilities::parse(&lines);
        assert!(c.top && c.uidl && c.stls && c.resp_codes && !c.user);
        assert_eq!(c.sasl, vec!["PLAIN", "LOGIN"]);
        assert_eq!(c.expire.as_deref(), Some("NEVER"));
        assert_eq!(c.implementation.as_deref(), Some("Dovecot"));
        assert!(c.report().iter().any(|l| l.starts_with("UIDL:")));
        let none = Capabilities::default();
        assert!(none.report()[0].contains("does not answer CAPA"));
    }

    #[test]
    fn listing_and_uidl_lines() {
        assert_eq!(parse_listing(b"1 1205"), Ok((1, 1205)));
        assert_eq!(parse_listing(b"2  300 extra"), Ok((2, 300)));
        assert!(parse_listing(b"0 12").is_err());
        assert!(parse_listing(b"x 12").is_err());
        assert!(parse_listing(b"3").is_err());
        assert!(parse_listing(b"3 -1").is_err());
        assert_eq!(
            parse_uidl(b"1 whqtswO00WBw418f9t5JxYwZ"),
            Ok((1, "whqtswO00WBw418f9t5JxYwZ".into()))
        );
        assert!(parse_uidl(b"1 ").is_err());
        assert!(parse_uidl(&[b'1', b' ', 0xc3, 0xa9]).is_err());
        let long = format!("1 {}", "a".repeat(71));
        assert!(parse_uidl(long.as_bytes()).is_err());
    }
}
