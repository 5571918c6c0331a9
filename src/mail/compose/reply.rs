//! Replies and forwards as a Thunderbird user expects them: the right people, `Re:` and
//! `Fwd:` never stacked, the quote with its attribution, In-Reply-To and References set.

use mail_parser::{Address, MessageParser};

use super::address::{self, display};
use super::{Draft, Priority};

/// Whom a reply goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyTo {
    Sender,
    All,
    /// The mailing list the message came through (its `List-Post`).
    List,
}

/// What a reply or forward needs of the original.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Original {
    /// Its id in the store, for `\Answered` and forwarding as an attachment.
    pub id: i64,
    pub from: Vec<String>,
    pub reply_to: Vec<String>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    /// The list's posting address from `List-Post: <mailto:...>`.
    pub list_post: Option<String>,
    pub subject: String,
    /// The sender's name as shown in the attribution.
    pub author: String,
    pub date: Option<i64>,
    pub message_id: Option<String>,
    pub references: Vec<String>,
    /// The readable text (the plain part, else the HTML part as text).
    pub text: String,
}

impl Original {
    /// Reads what a reply needs from a whole message. Never fails: a message mail-parser
    /// cannot read gives an empty original.
    pub fn from_raw(id: i64, raw: &[u8]) -> Original {
        let Some(m) = MessageParser::default().parse(raw) else {
            return Original {
                id,
                ..Original::default()
            };
        };
        let author = m
            .from()
            .and_then(Address::first)
            .map(|a| {
                a.name
                    .as_deref()
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .or(a.address.as_deref())
                    .unwrap_or("")
                    .to_string()
            })
            .unwrap_or_default();
        let list_post = m.header_raw("List-Post").and_then(|v| {
            let v = v.trim();
            let start = v.find("<mailto:")? + "<mailto:".len();
            let end = v[start..].find('>')? + start;
            let link = crate::link::Link::parse(&format!("mailto:{}", &v[start..end])).ok()?;
            match link {
                crate::link::Link::Mailto(mt) => mt.to.into_iter().next(),
                _ => None,
            }
        });
        let text = m
            .body_text(0)
            .map(std::borrow::Cow::into_owned)
            .unwrap_or_default();
        Original {
            id,
            from: entries(m.from()),
            reply_to: entries(m.reply_to()),
            to: entries(m.to()),
            cc: entries(m.cc()),
            list_post,
            subject: m.subject().unwrap_or("").trim().to_string(),
            author,
            date: m.date().map(mail_parser::DateTime::to_timestamp),
            message_id: m.message_id().map(str::to_string),
            references: crate::mail::summary::ids(m.references()),
            text,
        }
    }
}

fn entries(list: Option<&Address<'_>>) -> Vec<String> {
    list.map(|l| {
        l.iter()
            .filter_map(|a| {
                let addr = a.address.as_deref()?.trim();
                (!addr.is_empty()).then(|| display(a.name.as_deref().unwrap_or(""), addr))
            })
            .collect()
    })
    .unwrap_or_default()
}

/// Prefixes people and clients put before a subject: English, German, Nordic, Dutch, French.
const PREFIXES: [&str; 9] = ["re", "aw", "sv", "vs", "antw", "fwd", "fw", "wg", "tr"];

/// The subject without any stack of `Re:`, `Fwd:`, `AW:`, `Re[2]:` in front.
pub fn base_subject(subject: &str) -> &str {
    let mut s = subject.trim();
    loop {
        let Some(colon) = s.find(':') else { return s };
        let head = s[..colon].trim();
        let word = head.split('[').next().unwrap_or(head).trim();
        let counter_ok = head.find('[').is_none_or(|i| {
            head.ends_with(']')
                && head[i + 1..head.len() - 1]
                    .chars()
                    .all(|c| c.is_ascii_digit())
        });
        if counter_ok && PREFIXES.iter().any(|p| word.eq_ignore_ascii_case(p)) {
            s = s[colon + 1..].trim_start();
        } else {
            return s;
        }
    }
}

pub fn reply_subject(subject: &str) -> String {
    format!("Re: {}", base_subject(subject))
}

pub fn forward_subject(subject: &str) -> String {
    format!("Fwd: {}", base_subject(subject))
}

/// `On Sun, 6 Dec 2026 10:00, Ann wrote:` followed by the text quoted one level deeper.
pub fn quoted(original: &Original) -> String {
    let when = original
        .date
        .map(|d| format!("On {}, ", attribution_date(d)))
        .unwrap_or_default();
    let who = if original.author.is_empty() {
        "the sender".to_string()
    } else {
        original.author.clone()
    };
    let mut out = format!("{when}{who} wrote:\n");
    let text = original.text.replace("\r\n", "\n");
    let text = text.trim_end_matches('\n');
    for line in text.split('\n') {
        if line.starts_with('>') {
            out.push('>');
        } else if !line.is_empty() {
            out.push_str("> ");
        } else {
            out.push('>');
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// A date as the attribution line shows it, in local time: `2026-12-06 10:00`.
pub fn attribution_date(secs: i64) -> String {
    crate::mail::when::local_short(secs)
}

/// A reply draft: recipients as `to` says, my own addresses left out of Cc.
pub fn reply(original: &Original, to: ReplyTo, mine: &[String], signature: &str) -> Draft {
    let mine: Vec<String> = mine.iter().map(|m| address::key(m)).collect();
    let author = if original.reply_to.is_empty() {
        original.from.clone()
    } else {
        original.reply_to.clone()
    };
    let (to_list, cc_list) = match to {
        ReplyTo::Sender => (author, Vec::new()),
        ReplyTo::List => (original.list_post.clone().into_iter().collect(), Vec::new()),
        ReplyTo::All => {
            // Replying to my own sent message goes to its recipients, as Thunderbird does.
            let from_me = author.iter().all(|a| mine.contains(&address::key(a)));
            if from_me && !original.to.is_empty() {
                (original.to.clone(), original.cc.clone())
            } else {
                let mut cc = original.to.clone();
                cc.extend(original.cc.iter().cloned());
                (author, cc)
            }
        }
    };
    let mut seen: Vec<String> = Vec::new();
    let mut keep = |list: Vec<String>, drop_mine: bool| -> Vec<String> {
        list.into_iter()
            .filter(|a| {
                let k = address::key(a);
                let fresh = !(seen.contains(&k) || (drop_mine && mine.contains(&k)));
                if fresh {
                    seen.push(k);
                }
                fresh
            })
            .collect()
    };
    let to_list = keep(to_list, false);
    let cc_list = keep(cc_list, true);
    let mut references = original.references.clone();
    if let Some(id) = &original.message_id {
        references.push(id.clone());
    }
    // Long threads: the first and the last twenty, as RFC 5322 3.6.4 allows trimming.
    if references.len() > 21 {
        let tail = references.split_off(references.len() - 20);
        references.truncate(1);
        references.extend(tail);
    }
    Draft {
        account: 0,
        from: String::new(),
        to: to_list.join(", "),
        cc: cc_list.join(", "),
        bcc: String::new(),
        subject: reply_subject(&original.subject),
        body: format!("\n\n{}{}", quoted(original), signature_block(signature)),
        attachments: Vec::new(),
        forwarded: Vec::new(),
        in_reply_to: original.message_id.clone(),
        references,
        answers: (original.id > 0).then_some(original.id),
        priority: Priority::Normal,
        server_token: String::new(),
    }
}

/// A forward: inline (the text under a header block) or as the whole message attached.
pub fn forward(original: &Original, attached: bool, signature: &str) -> Draft {
    let body = if attached {
        format!("\n{}", signature_block(signature))
    } else {
        let mut head = String::from("\n\n-------- Forwarded Message --------\n");
        head.push_str(&format!("Subject: {}\n", original.subject));
        if let Some(d) = original.date {
            head.push_str(&format!("Date: {}\n", attribution_date(d)));
        }
        head.push_str(&format!("From: {}\n", original.from.join(", ")));
        if !original.to.is_empty() {
            head.push_str(&format!("To: {}\n", original.to.join(", ")));
        }
        format!(
            "{head}\n{}\n{}",
            original.text.trim_end(),
            signature_block(signature)
        )
    };
    Draft {
        subject: forward_subject(&original.subject),
        body,
        forwarded: if attached && original.id > 0 {
            vec![original.id]
        } else {
            Vec::new()
        },
        ..Draft::default()
    }
}

/// The signature under the separator, or nothing.
pub fn signature_block(signature: &str) -> String {
    let s = signature.trim_end();
    if s.is_empty() {
        String::new()
    } else if s.starts_with("-- \n") {
        format!("\n{s}\n")
    } else {
        format!("\n-- \n{s}\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MSG: &[u8] = b"From: \"Doe, Ann\" <ann@x.org>\r\n\
To: me@here.org, Bob <bob@y.org>\r\n\
Cc: carol@z.org, ME@here.org\r\n\
Subject: Re: AW: Fwd: the plan\r\n\
Date: Sun, 06 Dec 2026 10:00:00 +0000\r\n\
Message-ID: <m2@x.org>\r\n\
References: <m0@x.org> <m1@y.org>\r\n\
List-Post: <mailto:plans@lists.org>\r\n\
\r\n\
First line.\r\n\
> earlier words\r\n";

    #[test]
    fn subjects_are_never_stacked() {
        assert_eq!(reply_subject("Re: Re: AW: hello"), "Re: hello");
        assert_eq!(reply_subject("Re[3]: SV: hello"), "Re: hello");
        assert_eq!(forward_subject("Fwd: Re: hello"), "Fwd: hello");
        assert_eq!(reply_subject("Reading: a book"), "Re: Reading: a book");
        assert_eq!(reply_subject(""), "Re: ");
        assert_eq!(base_subject("re:"), "");
    }

    #[test]
    fn reply_to_sender_all_and_list() {
        let o = Original::from_raw(7, MSG);
        let mine = vec!["me@here.org".to_string()];
        let r = reply(&o, ReplyTo::Sender, &mine, "");
        assert_eq!(r.to, "\"Doe, Ann\" <ann@x.org>");
        assert_eq!(r.cc, "");
        assert_eq!(r.subject, "Re: the plan");
        assert_eq!(r.in_reply_to.as_deref(), Some("m2@x.org"));
        assert_eq!(r.references, vec!["m0@x.org", "m1@y.org", "m2@x.org"]);
        assert_eq!(r.answers, Some(7));
        assert!(
            r.body
                .contains("Doe, Ann wrote:\n> First line.\n>> earlier words\n"),
            "{}",
            r.body
        );

        let all = reply(&o, ReplyTo::All, &mine, "Me");
        assert_eq!(all.to, "\"Doe, Ann\" <ann@x.org>");
        assert_eq!(all.cc, "Bob <bob@y.org>, carol@z.org");
        assert!(all.body.ends_with("\n-- \nMe\n"), "{}", all.body);
        // The parsed list splits back into the same people.
        assert_eq!(
            crate::mail::compose::address::parse(&all.cc)
                .expect("parses")
                .len(),
            2
        );

        let list = reply(&o, ReplyTo::List, &mine, "");
        assert_eq!(list.to, "plans@lists.org");
    }

    #[test]
    fn forwards() {
        let o = Original::from_raw(7, MSG);
        let inline = forward(&o, false, "");
        assert_eq!(inline.subject, "Fwd: the plan");
        assert!(inline.body.contains("-------- Forwarded Message --------"));
        assert!(inline.body.contains("First line."));
        assert!(inline.forwarded.is_empty());
        let attached = forward(&o, true, "");
        assert_eq!(attached.forwarded, vec![7]);
        assert!(!attached.body.contains("First line."));
    }

    #[test]
    fn garbage_gives_an_empty_original() {
        let o = Original::from_raw(1, b"\xff\xfe not a message at all");
        let r = reply(&o, ReplyTo::All, &[], "");
        assert!(r.subject.starts_with("Re: "));
        let _ = Original::from_raw(1, b"");
    }
}
