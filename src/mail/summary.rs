//! A message's summary from its header block, through mail-parser: what the list, the threads
//! and the search index need, with RFC 2047 words and charsets decoded.

use mail_parser::{Address, HeaderName, HeaderValue, MessageParser};

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
        let (from_name, from_address) = message
            .from()
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
        // Looked up by name, not by text: a text is mapped to its name on each call, which
        // cost as much as reading the Date header.
        let ct = message
            .header(HeaderName::ContentType)
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
            to: addresses(message.to()),
            cc: addresses(message.cc()),
            subject: message.subject().unwrap_or("").trim().to_string(),
            date: message.date().map(mail_parser::DateTime::to_timestamp),
            message_id: message.message_id().map(str::to_string),
            in_reply_to: last_id(message.in_reply_to()),
            references: ids(message.references()),
            list_id: message
                .header_raw(HeaderName::ListId)
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
