//! NNTP replies and lists as pure parsers: the status line, CAPABILITIES, GROUP, LIST ACTIVE,
//! LIST COUNTS, LIST NEWSGROUPS and DATE. Nothing here does I/O, so each is tested and fuzzed
//! on bytes alone.

/// A status line: three digits and the server's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub code: u16,
    pub text: String,
}

impl Status {
    /// The server's words, or a stand-in when it gave none.
    pub fn words(&self) -> String {
        if self.text.is_empty() {
            format!("code {} with no reason given", self.code)
        } else {
            format!("{} ({})", self.text, self.code)
        }
    }
}

/// Why a line could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplyError {
    #[error("not an NNTP status line")]
    NotStatus,
    #[error("a malformed {0} line")]
    Malformed(&'static str),
}

/// Reads `ddd text` (RFC 3977 §3.2). The text may be in any charset; it is shown, never parsed
/// further except where a command says so.
pub fn parse_status(line: &[u8]) -> Result<Status, ReplyError> {
    let digits = line.get(..3).ok_or(ReplyError::NotStatus)?;
    if !digits.iter().all(u8::is_ascii_digit) || !(b'1'..=b'5').contains(&digits[0]) {
        return Err(ReplyError::NotStatus);
    }
    let rest = &line[3..];
    if !rest.is_empty() && rest[0] != b' ' {
        return Err(ReplyError::NotStatus);
    }
    let code = digits
        .iter()
        .fold(0u16, |n, d| n * 10 + u16::from(d - b'0'));
    Ok(Status {
        code,
        text: String::from_utf8_lossy(rest).trim().to_string(),
    })
}

/// What CAPABILITIES said (RFC 3977 §5.2), or that the server predates it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Capabilities {
    /// The server answered CAPABILITIES; `false` for an RFC 977/2980 server.
    pub answered: bool,
    pub version: Option<u32>,
    pub implementation: Option<String>,
    pub reader: bool,
    /// MODE READER is needed before reader commands.
    pub mode_reader: bool,
    pub post: bool,
    pub over: bool,
    pub hdr: bool,
    pub newnews: bool,
    pub starttls: bool,
    /// AUTHINFO arguments: `USER`, `SASL`.
    pub authinfo: Vec<String>,
    pub sasl: Vec<String>,
    /// LIST keywords: `ACTIVE`, `NEWSGROUPS`, `OVERVIEW.FMT`, `COUNTS`...
    pub list: Vec<String>,
    pub compress: Vec<String>,
}

impl Capabilities {
    /// Reads the lines of a CAPABILITIES answer (without the final dot).
    pub fn parse(lines: &[Vec<u8>]) -> Capabilities {
        let mut c = Capabilities {
            answered: true,
            ..Capabilities::default()
        };
        for line in lines {
            let text = String::from_utf8_lossy(line);
            let mut words = text.split_ascii_whitespace();
            let Some(label) = words.next() else { continue };
            let args: Vec<String> = words.map(str::to_ascii_uppercase).collect();
            match label.to_ascii_uppercase().as_str() {
                "VERSION" => c.version = args.iter().filter_map(|v| v.parse().ok()).max(),
                "IMPLEMENTATION" => {
                    let rest = text.trim()[label.len()..].trim();
                    c.implementation = Some(rest.to_string()).filter(|s| !s.is_empty());
                }
                "READER" => c.reader = true,
                "MODE-READER" => c.mode_reader = true,
                "POST" => c.post = true,
                "OVER" => c.over = true,
                "HDR" => c.hdr = true,
                "NEWNEWS" => c.newnews = true,
                "STARTTLS" => c.starttls = true,
                "AUTHINFO" => c.authinfo = args,
                "SASL" => c.sasl = args,
                "LIST" => c.list = args,
                "COMPRESS" => c.compress = args,
                _ => {}
            }
        }
        c
    }

    /// AUTHINFO USER is offered now (RFC 4643 lets a server hide it until TLS is up).
    pub fn user_login(&self) -> bool {
        !self.answered || self.authinfo.iter().any(|a| a == "USER")
    }

    /// `LIST keyword` is known to work.
    pub fn lists(&self, keyword: &str) -> bool {
        self.list.iter().any(|k| k.eq_ignore_ascii_case(keyword))
    }

    /// What the server offers, in words a user understands, for the account's report.
    pub fn report(&self) -> Vec<String> {
        if !self.answered {
            return vec![
                "The server does not answer CAPABILITIES (an RFC 977 server): Portolan asks \
                 for XOVER and LIST ACTIVE and falls back where they fail."
                    .into(),
            ];
        }
        let mut out = Vec::new();
        if let Some(i) = &self.implementation {
            out.push(format!("Server: {i}"));
        }
        let yes_no =
            |b: bool, yes: &str, no: &str| if b { yes.to_string() } else { no.to_string() };
        out.push(yes_no(
            self.reader || self.mode_reader,
            "READER: groups and articles can be read",
            "no READER: this looks like a transit server; reading may fail",
        ));
        out.push(yes_no(
            self.over,
            "OVER: headers come in one batch per range",
            "no OVER: headers come through XOVER where the server knows it",
        ));
        out.push(yes_no(
            self.post,
            "POST: you may post here",
            "no POST: this server does not take posts (now)",
        ));
        out.push(yes_no(
            self.starttls,
            "STARTTLS: the connection can be encrypted on port 119",
            "no STARTTLS: use NNTPS (port 563) for an encrypted connection",
        ));
        out.push(yes_no(
            !self.authinfo.is_empty(),
            &format!("AUTHINFO {}: login is offered", self.authinfo.join(" ")),
            "no AUTHINFO now: no login is needed, or it is offered only after STARTTLS",
        ));
        if self.lists("COUNTS") {
            out.push("LIST COUNTS: exact article counts per group".into());
        }
        if self.hdr {
            out.push("HDR: single headers can be fetched for a range".into());
        }
        if !self.compress.is_empty() {
            out.push(format!(
                "COMPRESS {} (not used by Portolan)",
                self.compress.join(" ")
            ));
        }
        out
    }
}

/// The answer to GROUP (211): the estimated count and the range of article numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupInfo {
    pub name: String,
    pub count: u64,
    pub first: u64,
    pub last: u64,
}

/// Reads the text of a 211 reply: `count first last name`.
pub fn parse_group(text: &str) -> Result<GroupInfo, ReplyError> {
    let mut w = text.split_ascii_whitespace();
    let mut num = || -> Result<u64, ReplyError> {
        w.next()
            .and_then(|n| n.parse().ok())
            .ok_or(ReplyError::Malformed("GROUP"))
    };
    let (count, first, last) = (num()?, num()?, num()?);
    let name = w.next().ok_or(ReplyError::Malformed("GROUP"))?.to_string();
    Ok(GroupInfo {
        name,
        count,
        first,
        last,
    })
}

/// One line of LIST ACTIVE, LIST COUNTS or NEWGROUPS.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ActiveGroup {
    pub name: String,
    pub last: u64,
    pub first: u64,
    /// From LIST COUNTS; otherwise estimated from the range.
    pub count: u64,
    /// `y` posting allowed, `n` not, `m` moderated, `x` no local posting, `=other` an alias.
    pub status: String,
}

impl ActiveGroup {
    /// Posting is allowed (moderated groups take posts, which go to the moderator).
    pub fn posting(&self) -> bool {
        matches!(self.status.as_str(), "y" | "m")
    }

    pub fn moderated(&self) -> bool {
        self.status == "m"
    }
}

/// Reads `name last first status` (LIST ACTIVE, NEWGROUPS) or `name last first count status`
/// (LIST COUNTS). Numbers that do not parse make the line malformed; a group whose last is
/// below its first is empty.
pub fn parse_active(line: &[u8], with_count: bool) -> Result<ActiveGroup, ReplyError> {
    let text = std::str::from_utf8(line).map_err(|_| ReplyError::Malformed("LIST ACTIVE"))?;
    let mut w = text.split_ascii_whitespace();
    let bad = || ReplyError::Malformed("LIST ACTIVE");
    let name = w.next().ok_or_else(bad)?.to_string();
    let last: u64 = w.next().and_then(|n| n.parse().ok()).ok_or_else(bad)?;
    let first: u64 = w.next().and_then(|n| n.parse().ok()).ok_or_else(bad)?;
    let counted: Option<u64> = if with_count {
        Some(w.next().and_then(|n| n.parse().ok()).ok_or_else(bad)?)
    } else {
        None
    };
    let status = w.next().unwrap_or("y").to_string();
    let estimate = if last >= first && last > 0 {
        last - first + 1
    } else {
        0
    };
    Ok(ActiveGroup {
        name,
        last,
        first,
        count: counted.unwrap_or(estimate),
        status,
    })
}

/// Reads a LIST NEWSGROUPS line: the name, white space, the description (often Latin-1 on
/// old servers, so it is decoded as UTF-8 where valid and as Latin-1 otherwise).
pub fn parse_description(line: &[u8]) -> Option<(String, String)> {
    let at = line.iter().position(|b| *b == b'\t' || *b == b' ')?;
    let name = std::str::from_utf8(&line[..at]).ok()?.to_string();
    if name.is_empty() {
        return None;
    }
    let raw = &line[at..];
    let text = match std::str::from_utf8(raw) {
        Ok(t) => t.to_string(),
        Err(_) => crate::charset::Charset::Latin1.decode(raw),
    };
    Some((name, text.trim().to_string()))
}

/// Reads the 111 reply of DATE (`yyyymmddhhmmss`, UTC) as Unix seconds.
pub fn parse_date(text: &str) -> Option<i64> {
    let d = text.split_ascii_whitespace().next()?;
    if d.len() != 14 || !d.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |r: std::ops::Range<usize>| d[r].parse::<u32>().ok();
    let date = chrono::NaiveDate::from_ymd_opt(n(0..4)? as i32, n(4..6)?, n(6..8)?)?;
    let time = date.and_hms_opt(n(8..10)?, n(10..12)?, n(12..14)?)?;
    Some(time.and_utc().timestamp())
}

/// Unix seconds as NEWGROUPS wants them: `yyyymmdd hhmmss GMT`.
pub fn newgroups_since(unix: i64) -> String {
    let t = chrono::DateTime::from_timestamp(unix, 0).unwrap_or_default();
    t.format("%Y%m%d %H%M%S GMT").to_string()
}

/// Splits decoded multi-line content into lines without their line ends (empty lines kept
/// out: no NNTP list has meaningful empty lines).
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
        let s = parse_status(b"200 news.localdomain InterNetNews NNRP server ready").unwrap();
        assert_eq!(s.code, 200);
        assert!(s.text.starts_with("news.localdomain"));
        assert_eq!(parse_status(b"480").unwrap().code, 480);
        for bad in [
            &b""[..],
            b"20",
            b"2000 x",
            b"+OK pop",
            b"* OK imap",
            b"600 x",
            b"abc",
        ] {
            assert!(parse_status(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            parse_status(b"441 no").unwrap().words(),
            "no (441)",
            "the words keep the code"
        );
    }

    #[test]
    fn capabilities_of_inn_and_of_an_old_server() {
        let lines: Vec<Vec<u8>> = [
            "VERSION 2",
            "IMPLEMENTATION INN 2.7.1",
            "AUTHINFO USER SASL",
            "HDR",
            "LIST ACTIVE ACTIVE.TIMES COUNTS NEWSGROUPS OVERVIEW.FMT",
            "OVER",
            "POST",
            "READER",
            "STARTTLS",
        ]
        .iter()
        .map(|l| l.as_bytes().to_vec())
        .collect();
        let c = Capabilities::parse(&lines);
        assert_eq!(c.version, Some(2));
        assert_eq!(c.implementation.as_deref(), Some("INN 2.7.1"));
        assert!(c.reader && c.over && c.post && c.starttls && c.hdr && c.user_login());
        assert!(c.lists("counts") && !c.lists("MOTD"));
        assert!(c.report().iter().any(|l| l.starts_with("LIST COUNTS")));
        let old = Capabilities::default();
        assert!(old.user_login(), "an old server is asked anyway");
        assert!(old.report()[0].contains("RFC 977"));
        let hidden = Capabilities::parse(&[b"VERSION 2".to_vec(), b"READER".to_vec()]);
        assert!(!hidden.user_login());
    }

    #[test]
    fn group_and_active_lines() {
        let g = parse_group("100000 1 100000 test.bulk").unwrap();
        assert_eq!((g.count, g.first, g.last), (100_000, 1, 100_000));
        assert_eq!(g.name, "test.bulk");
        assert!(parse_group("x 1 2 g").is_err());
        assert!(parse_group("1 2 3").is_err());

        let a = parse_active(b"local.test 0000000013 0000000001 y", false).unwrap();
        assert_eq!((a.last, a.first, a.count), (13, 1, 13));
        assert!(a.posting() && !a.moderated());
        let empty = parse_active(b"local.empty 0000000000 0000000001 y", false).unwrap();
        assert_eq!(empty.count, 0);
        let counted = parse_active(b"g 20 11 7 m", true).unwrap();
        assert_eq!(counted.count, 7);
        assert!(counted.moderated() && counted.posting());
        let alias = parse_active(b"old.name 5 1 =new.name", false).unwrap();
        assert!(!alias.posting());
        for bad in [&b""[..], b"name", b"name x 1 y", b"name 1", b"\xff 1 1 y"] {
            assert!(parse_active(bad, false).is_err(), "{bad:?}");
        }
        assert!(
            parse_active(b"g 1 1 y", true).is_err(),
            "COUNTS needs four fields"
        );
    }

    #[test]
    fn descriptions_in_any_charset() {
        assert_eq!(
            parse_description(b"local.test\tTest posts."),
            Some(("local.test".into(), "Test posts.".into()))
        );
        assert_eq!(
            parse_description(b"de.talk  Caf\xe9"),
            Some(("de.talk".into(), "Café".into()))
        );
        assert_eq!(parse_description(b"nodescription"), None);
        assert_eq!(parse_description(b"\tx"), None);
    }

    #[test]
    fn dates_both_ways() {
        assert_eq!(parse_date("20260101000000"), Some(1_767_225_600));
        assert_eq!(parse_date("2026010100000"), None);
        assert_eq!(parse_date("20261301000000"), None);
        assert_eq!(newgroups_since(1_767_225_600), "20260101 000000 GMT");
    }
}
