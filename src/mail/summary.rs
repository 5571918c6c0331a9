//! A message's summary from its header block, through mail-parser: what the list, the threads
//! and the search index need, with RFC 2047 words and charsets decoded.

use mail_parser::{Address, Header, HeaderName, HeaderValue, Message, MessageParser};

/// The list's view of one message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// The sender as shown: the name, else the address.
    pub from_name: String,
    pub from_address: String,
    /// Every recipient, `Name <address>` joined by ", ".
    pub to: String,
    pub cc: String,
    pub subject: String,
    /// The Date header as Unix seconds, when it parses.
    pub date: Option<i64>,
    pub message_id: Option<String>,
    pub in_reply_to: Option<String>,
    /// Message-IDs of the References header, oldest first.
    pub references: Vec<String>,
    pub list_id: Option<String>,
    /// `multipart/mixed` and the like hint at attachments before the body is fetched.
    pub content_type: Option<String>,
}

impl Summary {
    /// Reads a header block (or a whole message: only its header is read). Never fails: a
    /// header mail-parser cannot read gives an empty summary, shown as "(no subject)".
    pub fn from_header(raw: &[u8]) -> Summary {
        let Some(message) = MessageParser::default().parse_headers(raw) else {
            return Summary::default();
        };
        let fields = Fields::of(&message);
        let (from_name, from_address) = fields
            .from
            .and_then(HeaderValue::as_address)
            .and_then(Address::first)
            .map(|a| {
                let address = a.address.as_deref().unwrap_or("").to_string();
                let name = a
                    .name
                    .as_deref()
                    .map(str::trim)
                    .filter(|n| !n.is_empty())
                    .map_or_else(|| address.clone(), str::to_string);
                (name, address)
            })
            .unwrap_or_default();
        let ct = fields
            .content_type
            .and_then(HeaderValue::as_content_type)
            .map(|ct| {
                let mut t = ct.ctype().to_ascii_lowercase();
                if let Some(sub) = ct.subtype() {
                    t.push('/');
                    t.extend(sub.chars().map(|c| c.to_ascii_lowercase()));
                }
                t
            });
        Summary {
            from_name,
            from_address,
            to: addresses(fields.to.and_then(HeaderValue::as_address)),
            cc: addresses(fields.cc.and_then(HeaderValue::as_address)),
            subject: fields
                .subject
                .and_then(HeaderValue::as_text)
                .unwrap_or("")
                .trim()
                .to_string(),
            date: fields
                .date
                .and_then(HeaderValue::as_datetime)
                .map(mail_parser::DateTime::to_timestamp),
            message_id: fields
                .message_id
                .and_then(HeaderValue::as_text)
                .map(str::to_string),
            in_reply_to: fields.in_reply_to.and_then(last_id),
            references: fields.references.map(ids).unwrap_or_default(),
            list_id: fields
                .list_id
                .and_then(|h| {
                    message
                        .raw_message
                        .get(h.offset_start as usize..h.offset_end as usize)
                })
                .and_then(|b| std::str::from_utf8(b).ok())
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty()),
            content_type: ct,
        }
    }

    /// The sender for a list column.
    pub fn from_shown(&self) -> &str {
        if self.from_name.is_empty() {
            "(no sender)"
        } else {
            &self.from_name
        }
    }

    /// The subject for a list column.
    pub fn subject_shown(&self) -> &str {
        if self.subject.is_empty() {
            "(no subject)"
        } else {
            &self.subject
        }
    }
}

/// The header fields a summary reads, found in one pass over the header block. Asking the
/// message for each field by name went through its headers once per field, ten times per
/// message, and a first sync reads 100,000 header blocks. As with those calls, when a field
/// appears more than once the last one counts.
#[derive(Default)]
struct Fields<'m, 'x> {
    from: Option<&'m HeaderValue<'x>>,
    to: Option<&'m HeaderValue<'x>>,
    cc: Option<&'m HeaderValue<'x>>,
    subject: Option<&'m HeaderValue<'x>>,
    date: Option<&'m HeaderValue<'x>>,
    message_id: Option<&'m HeaderValue<'x>>,
    in_reply_to: Option<&'m HeaderValue<'x>>,
    references: Option<&'m HeaderValue<'x>>,
    content_type: Option<&'m HeaderValue<'x>>,
    /// Kept whole, as the header has it: where it is in the raw block.
    list_id: Option<&'m Header<'x>>,
}

impl<'m, 'x> Fields<'m, 'x> {
    fn of(message: &'m Message<'x>) -> Self {
        let mut f = Fields::default();
        for h in message.headers().iter().rev() {
            let slot = match h.name {
                HeaderName::From => &mut f.from,
                HeaderName::To => &mut f.to,
                HeaderName::Cc => &mut f.cc,
                HeaderName::Subject => &mut f.subject,
                HeaderName::Date => &mut f.date,
                HeaderName::MessageId => &mut f.message_id,
                HeaderName::InReplyTo => &mut f.in_reply_to,
                HeaderName::References => &mut f.references,
                HeaderName::ContentType => &mut f.content_type,
                HeaderName::ListId => {
                    f.list_id.get_or_insert(h);
                    continue;
                }
                _ => continue,
            };
            slot.get_or_insert(&h.value);
        }
        f
    }
}

fn addresses(list: Option<&Address<'_>>) -> String {
    let Some(list) = list else {
        return String::new();
    };
    // Written into one string: a folder's first sync reads this for every message.
    let mut out = String::new();
    for a in list.iter() {
        let address = a.address.as_deref().unwrap_or("");
        let name = a.name.as_deref().map(str::trim).filter(|n| !n.is_empty());
        if !out.is_empty() {
            out.push_str(", ");
        }
        match name {
            Some(name) if !address.is_empty() => {
                out.push_str(name);
                out.push_str(" <");
                out.push_str(address);
                out.push('>');
            }
            Some(name) => out.push_str(name),
            None => out.push_str(address),
        }
    }
    out
}

/// The last Message-ID of a header (In-Reply-To names the parent last).
fn last_id(value: &HeaderValue<'_>) -> Option<String> {
    match value {
        HeaderValue::Text(t) => Some(t.to_string()),
        HeaderValue::TextList(list) => list.last().map(ToString::to_string),
        _ => None,
    }
}

/// The Message-IDs of a header (References, In-Reply-To), in order.
pub(crate) fn ids(value: &HeaderValue<'_>) -> Vec<String> {
    match value {
        HeaderValue::Text(t) => vec![t.to_string()],
        HeaderValue::TextList(list) => list.iter().map(ToString::to_string).collect(),
        _ => Vec::new(),
    }
}

/// Unix seconds as RFC 3339 in UTC (`2023-11-14T22:13:20Z`), as the FTP listings give it.
pub use crate::proto::ftp::rfc3339 as rfc3339_utc;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_words_and_threading_headers() {
        let raw = b"From: =?ISO-8859-1?Q?J=FCrgen_M=FCller?= <juergen@example.test>\r\n\
To: a@example.test, \"B B\" <b@example.test>\r\n\
Subject: =?ISO-8859-1?Q?Gr=FC=DFe_aus_K=F6ln?=\r\n\
Date: Thu, 16 Nov 2023 22:13:20 +0100\r\n\
Message-ID: <qp-03@example.test>\r\n\
In-Reply-To: <parent@example.test>\r\n\
References: <root@example.test> <parent@example.test>\r\n\
List-Id: Shop news <news.shop.example.test>\r\n\
Content-Type: multipart/Mixed; boundary=x\r\n\r\n";
        let s = Summary::from_header(raw);
        assert_eq!(s.from_name, "Jürgen Müller");
        assert_eq!(s.from_address, "juergen@example.test");
        assert_eq!(s.to, "a@example.test, B B <b@example.test>");
        assert_eq!(s.subject, "Grüße aus Köln");
        assert_eq!(s.date, Some(1_700_169_200));
        assert_eq!(s.message_id.as_deref(), Some("qp-03@example.test"));
        assert_eq!(s.in_reply_to.as_deref(), Some("parent@example.test"));
        assert_eq!(
            s.references,
            vec!["root@example.test", "parent@example.test"]
        );
        assert!(
            s.list_id
                .as_deref()
                .is_some_and(|l| l.contains("news.shop.example.test"))
        );
        assert_eq!(s.content_type.as_deref(), Some("multipart/mixed"));
    }

    /// The summary as the message's own accessors give it, field by field.
    fn by_accessors(raw: &[u8]) -> Summary {
        let Some(m) = MessageParser::default().parse_headers(raw) else {
            return Summary::default();
        };
        let from = m.from().and_then(Address::first);
        let address = from
            .and_then(|a| a.address.as_deref())
            .unwrap_or("")
            .to_string();
        let name = from
            .and_then(|a| a.name.as_deref())
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map_or_else(|| address.clone(), str::to_string);
        Summary {
            from_name: if from.is_some() { name } else { String::new() },
            from_address: address,
            to: addresses(m.to()),
            cc: addresses(m.cc()),
            subject: m.subject().unwrap_or("").trim().to_string(),
            date: m.date().map(mail_parser::DateTime::to_timestamp),
            message_id: m.message_id().map(str::to_string),
            in_reply_to: last_id(m.in_reply_to()),
            references: ids(m.references()),
            list_id: m
                .header_raw(HeaderName::ListId)
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty()),
            content_type: m
                .header(HeaderName::ContentType)
                .and_then(HeaderValue::as_content_type)
                .map(|ct| match ct.subtype() {
                    Some(sub) => format!("{}/{sub}", ct.ctype()),
                    None => ct.ctype().to_string(),
                })
                .map(|t| t.to_ascii_lowercase()),
        }
    }

    #[test]
    fn one_pass_over_the_fields_finds_what_the_accessors_find() {
        let blocks: [&[u8]; 5] = [
            // Repeated fields: the last one counts.
            b"From: First <first@example.test>\r\nSubject: one\r\nFrom: Second <second@example.test>\r\n\
Subject: two\r\nDate: Thu, 16 Nov 2023 22:13:20 +0100\r\nDate: Fri, 17 Nov 2023 08:00:00 +0000\r\n\
Cc: a@example.test\r\nCc: b@example.test, c@example.test\r\nList-Id: <one.example.test>\r\n\
List-Id:   Two <two.example.test>  \r\n\r\n",
            // Names in other cases, folded values, threading fields.
            b"SUBJECT: folded\r\n  across lines\r\nfrom: \"Q\" <q@example.test>\r\n\
message-id: <id@example.test>\r\nIN-REPLY-TO: <a@x> <b@x>\r\nreferences: <r@x>\r\n\
 <a@x> <b@x>\r\ncontent-type: Application/PDF\r\n\r\n",
            // A last From that is no address, after one that is.
            b"From: Good <good@example.test>\r\nFrom:\r\nTo: undisclosed-recipients:;\r\n\r\n",
            // A last Date that does not parse, after one that does.
            b"Date: Thu, 16 Nov 2023 22:13:20 +0100\r\nDate: not a date\r\n\r\n",
            // Nothing the summary reads.
            b"X-Other: value\r\nReceived: from x by y\r\n\r\n",
        ];
        for raw in blocks {
            assert_eq!(
                Summary::from_header(raw),
                by_accessors(raw),
                "{}",
                String::from_utf8_lossy(raw)
            );
        }
        let s = Summary::from_header(blocks[0]);
        assert_eq!(
            (s.from_address.as_str(), s.subject.as_str()),
            ("second@example.test", "two")
        );
        assert_eq!(s.cc, "b@example.test, c@example.test");
        assert_eq!(s.list_id.as_deref(), Some("Two <two.example.test>"));
    }

    #[test]
    fn broken_headers_give_an_empty_summary() {
        for raw in [
            &b""[..],
            b"\xff\xfe\x00",
            b"no colon here\r\n\r\n",
            b"Subject:\r\n\r\n",
        ] {
            let s = Summary::from_header(raw);
            assert_eq!(s.subject_shown(), "(no subject)", "{raw:?}");
            assert_eq!(s.from_shown(), "(no sender)");
        }
    }

    #[test]
    fn utc_dates() {
        assert_eq!(rfc3339_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_utc(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339_utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339_utc(-1), "1969-12-31T23:59:59Z");
    }
}
