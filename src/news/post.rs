//! Articles to post: a follow-up from the article it answers (Followup-To honoured, the
//! References chain kept short enough for servers, the quote under an attribution), the checks
//! before posting, the article's bytes, and the cancel message for one's own article.

use std::time::SystemTime;

use base64::Engine as _;
use mail_parser::MessageParser;

use crate::mail::compose::flowed;
use crate::mail::compose::reply::{self, Original};

/// What the poster typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct NewsDraft {
    /// `Name <address>`.
    pub from: String,
    /// Comma-separated group names.
    pub newsgroups: String,
    pub followup_to: String,
    pub subject: String,
    /// Message-IDs with angle brackets, oldest first.
    pub references: Vec<String>,
    pub body: String,
}

/// Most References a follow-up carries: the first (the thread's root) and the latest ones,
/// as RFC 5537 §3.4.4 allows trimming, so the header stays well under servers' limits.
const MAX_REFERENCES: usize = 20;

/// A follow-up to `raw`, posted as `from` with `signature`. The second value is set when the
/// author asked for answers by mail (`Followup-To: poster`).
pub fn followup(raw: &[u8], from: &str, signature: &str) -> (NewsDraft, bool) {
    let original = Original::from_raw(0, raw);
    let parsed = MessageParser::default().parse_headers(raw);
    let header = |name: &str| {
        parsed
            .as_ref()
            .and_then(|m| m.header_raw(name))
            .map(|v| v.split_whitespace().collect::<Vec<_>>().join(""))
            .unwrap_or_default()
    };
    let followup_to = header("Followup-To");
    let by_mail = followup_to.eq_ignore_ascii_case("poster");
    let newsgroups = if followup_to.is_empty() || by_mail {
        header("Newsgroups")
    } else {
        followup_to
    };
    let mut references: Vec<String> = original
        .references
        .iter()
        .map(|r| format!("<{}>", r.trim_matches(['<', '>'])))
        .collect();
    if let Some(id) = &original.message_id {
        references.push(format!("<{}>", id.trim_matches(['<', '>'])));
    }
    if references.len() > MAX_REFERENCES {
        let keep = references.len() - (MAX_REFERENCES - 1);
        references.drain(1..keep);
    }
    let mut body = reply::quoted(&original);
    body.push('\n');
    body.push_str(&reply::signature_block(signature));
    (
        NewsDraft {
            from: from.to_string(),
            newsgroups,
            followup_to: String::new(),
            subject: reply::reply_subject(&original.subject),
            references,
            body,
        },
        by_mail,
    )
}

/// The groups named, cleaned of spaces and empty entries.
pub fn groups_of(list: &str) -> Vec<String> {
    list.split(',')
        .map(str::trim)
        .filter(|g| !g.is_empty())
        .map(str::to_string)
        .collect()
}

/// What stops a post, or deserves a question first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Concern {
    NoGroup,
    BadGroup(String),
    BadFrom,
    NoSubject,
    /// Posted to this many groups: a question, not a refusal.
    WideCrosspost(usize),
}

impl Concern {
    pub fn blocks(&self) -> bool {
        !matches!(self, Concern::WideCrosspost(_))
    }

    pub fn words(&self) -> String {
        match self {
            Concern::NoGroup => "Name at least one newsgroup.".into(),
            Concern::BadGroup(g) => {
                format!("{g:?} is not a newsgroup name (no spaces or control characters).")
            }
            Concern::BadFrom => {
                "The From address does not parse; write it as Name <user@example.org>.".into()
            }
            Concern::NoSubject => {
                "Write a subject: articles without one are often filtered out.".into()
            }
            Concern::WideCrosspost(n) => format!(
                "This goes to {n} groups. Wide crossposts annoy readers and are often filtered; \
                 set Followup-To to one group, or post anyway."
            ),
        }
    }
}

/// Crossposting to more groups than this asks first.
pub const WIDE_CROSSPOST: usize = 3;

pub fn concerns(d: &NewsDraft) -> Vec<Concern> {
    let mut out = Vec::new();
    let groups = groups_of(&d.newsgroups);
    if groups.is_empty() {
        out.push(Concern::NoGroup);
    }
    for g in &groups {
        if g.chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == ':')
        {
            out.push(Concern::BadGroup(g.clone()));
        }
    }
    if d.from.parse::<lettre::message::Mailbox>().is_err() {
        out.push(Concern::BadFrom);
    }
    if d.subject.trim().is_empty() {
        out.push(Concern::NoSubject);
    }
    if groups.len() > WIDE_CROSSPOST {
        out.push(Concern::WideCrosspost(groups.len()));
    }
    out
}

/// An RFC 2047 encoded word for text that is not ASCII; ASCII stays as it is.
fn encode_words(text: &str) -> String {
    if text.is_ascii() {
        return text.to_string();
    }
    format!(
        "=?UTF-8?B?{}?=",
        base64::engine::general_purpose::STANDARD.encode(text.as_bytes())
    )
}

fn from_header(from: &lettre::message::Mailbox) -> String {
    match &from.name {
        Some(name) if !name.is_empty() => {
            let shown = if name.is_ascii() && !name.contains(['"', ',', '(', ')', '<', '>', '@']) {
                name.clone()
            } else if name.is_ascii() {
                format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""))
            } else {
                encode_words(name)
            };
            format!("{shown} <{}>", from.email)
        }
        _ => from.email.to_string(),
    }
}

/// The article's bytes and its Message-ID, or what stops it.
pub fn build(d: &NewsDraft, now: SystemTime) -> Result<(Vec<u8>, String), Vec<Concern>> {
    let blocking: Vec<Concern> = concerns(d).into_iter().filter(Concern::blocks).collect();
    if !blocking.is_empty() {
        return Err(blocking);
    }
    let from: lettre::message::Mailbox = d.from.parse().map_err(|_| vec![Concern::BadFrom])?;
    let id = format!("<{}>", crate::mail::compose::build::new_message_id(&from));
    let date = chrono::DateTime::<chrono::Utc>::from(now).to_rfc2822();
    let clean = |s: &str| s.replace(['\r', '\n'], " ");
    let mut h = vec![
        format!("From: {}", from_header(&from)),
        format!("Newsgroups: {}", groups_of(&d.newsgroups).join(",")),
        format!("Subject: {}", encode_words(&clean(d.subject.trim()))),
        format!("Date: {date}"),
        format!("Message-ID: {id}"),
    ];
    let followup = groups_of(&d.followup_to);
    if !followup.is_empty() {
        h.push(format!("Followup-To: {}", followup.join(",")));
    }
    if !d.references.is_empty() {
        // Folded so no line passes 998 octets however long the chain.
        h.push(format!("References: {}", d.references.join("\r\n ")));
    }
    h.push("MIME-Version: 1.0".into());
    h.push("Content-Type: text/plain; charset=UTF-8; format=flowed".into());
    h.push("Content-Transfer-Encoding: 8bit".into());
    h.push(format!(
        "User-Agent: Portolan/{}",
        env!("CARGO_PKG_VERSION")
    ));
    let mut out = h.join("\r\n").into_bytes();
    out.extend_from_slice(b"\r\n\r\n");
    let body = flowed::encode(&d.body.replace("\r\n", "\n"));
    out.extend_from_slice(body.replace('\n', "\r\n").as_bytes());
    if !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    Ok((out, id))
}

/// A cancel for one's own article (RFC 5537 §5.3), posted to the groups it went to.
pub fn cancel(from: &str, newsgroups: &str, message_id: &str, now: SystemTime) -> Option<Vec<u8>> {
    let mailbox: lettre::message::Mailbox = from.parse().ok()?;
    let id = format!(
        "<{}>",
        crate::mail::compose::build::new_message_id(&mailbox)
    );
    let date = chrono::DateTime::<chrono::Utc>::from(now).to_rfc2822();
    let target = format!("<{}>", message_id.trim_matches(['<', '>']));
    Some(
        format!(
            "From: {}\r\nNewsgroups: {}\r\nSubject: cmsg cancel {target}\r\nControl: cancel {target}\r\n\
             Date: {date}\r\nMessage-ID: {id}\r\n\r\nThis article was cancelled by its author.\r\n",
            from_header(&mailbox),
            groups_of(newsgroups).join(",")
        )
        .into_bytes(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORIGINAL: &[u8] =
        b"From: Rita Reader <rita@example.test>\r\nNewsgroups: local.test,local.general\r\n\
Followup-To: local.general\r\nSubject: Re: Plans\r\nDate: Thu, 01 Jan 2026 00:01:40 GMT\r\n\
Message-ID: <b@x>\r\nReferences: <a@x>\r\n\r\nShall we?\r\n";

    #[test]
    fn a_followup_honours_followup_to_and_chains_references() {
        let (d, by_mail) = followup(ORIGINAL, "Tess Ter <tester@example.test>", "Tess");
        assert!(!by_mail);
        assert_eq!(d.newsgroups, "local.general");
        assert_eq!(d.subject, "Re: Plans");
        assert_eq!(d.references, vec!["<a@x>", "<b@x>"]);
        assert!(
            d.body.contains("Rita Reader wrote:\n> Shall we?\n"),
            "{}",
            d.body
        );
        assert!(
            d.body.ends_with("-- \nTess\n") || d.body.contains("-- \nTess"),
            "{}",
            d.body
        );
        let poster = String::from_utf8_lossy(ORIGINAL)
            .replace("Followup-To: local.general", "Followup-To: poster");
        let (d, by_mail) = followup(poster.as_bytes(), "t <t@x.test>", "");
        assert!(by_mail);
        assert_eq!(d.newsgroups, "local.test,local.general");
    }

    #[test]
    fn long_chains_keep_the_root_and_the_latest() {
        let refs: Vec<String> = (0..40).map(|i| format!("<r{i}@x>")).collect();
        let raw = format!(
            "From: a@x.test\r\nNewsgroups: g\r\nSubject: s\r\nMessage-ID: <last@x>\r\nReferences: {}\r\n\r\nb\r\n",
            refs.join(" ")
        );
        let (d, _) = followup(raw.as_bytes(), "t <t@x.test>", "");
        assert_eq!(d.references.len(), MAX_REFERENCES);
        assert_eq!(d.references[0], "<r0@x>");
        assert_eq!(d.references.last().map(String::as_str), Some("<last@x>"));
    }

    #[test]
    fn articles_are_built_and_checked() {
        let d = NewsDraft {
            from: "Jürgen Müller <j@example.test>".into(),
            newsgroups: " local.test , ".into(),
            subject: "Grüße".into(),
            references: vec!["<a@x>".into()],
            body: "A line.\n.starts with a dot\n".into(),
            ..NewsDraft::default()
        };
        let (raw, id) = build(&d, SystemTime::UNIX_EPOCH).expect("build");
        let text = String::from_utf8(raw).expect("utf-8");
        assert!(text.contains("From: =?UTF-8?B?"), "{text}");
        assert!(text.contains("\r\nNewsgroups: local.test\r\n"));
        assert!(text.contains(&format!("Message-ID: {id}\r\n")));
        assert!(text.contains("References: <a@x>\r\n"));
        assert!(text.contains("\r\n\r\nA line.\r\n.starts with a dot\r\n"));
        let parsed = MessageParser::default()
            .parse(text.as_bytes())
            .expect("parse");
        assert_eq!(parsed.subject(), Some("Grüße"));
        assert_eq!(
            parsed
                .from()
                .and_then(|f| f.first())
                .and_then(|a| a.name.as_deref()),
            Some("Jürgen Müller")
        );

        let bad = NewsDraft {
            from: "nobody".into(),
            newsgroups: "a b".into(),
            ..NewsDraft::default()
        };
        let errors = build(&bad, SystemTime::UNIX_EPOCH).expect_err("refused");
        assert!(errors.contains(&Concern::BadFrom));
        assert!(errors.contains(&Concern::BadGroup("a b".into())));
        assert!(errors.contains(&Concern::NoSubject));
        let wide = NewsDraft {
            newsgroups: "a,b,c,d".into(),
            ..d
        };
        assert!(concerns(&wide).contains(&Concern::WideCrosspost(4)));
        assert!(
            build(&wide, SystemTime::UNIX_EPOCH).is_ok(),
            "a question, not a refusal"
        );
    }

    #[test]
    fn a_cancel_names_its_target() {
        let c = cancel(
            "Tess <t@example.test>",
            "local.test",
            "a@x",
            SystemTime::UNIX_EPOCH,
        )
        .expect("cancel");
        let text = String::from_utf8(c).expect("utf-8");
        assert!(text.contains("Control: cancel <a@x>\r\n"));
        assert!(text.contains("Newsgroups: local.test\r\n"));
        assert!(cancel("nobody", "g", "a@x", SystemTime::UNIX_EPOCH).is_none());
    }
}
