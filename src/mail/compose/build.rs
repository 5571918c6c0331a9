//! A draft made into the bytes that go to the server: lettre's builder writes the header
//! (RFC 2047 words, RFC 2231 file names), the text as format=flowed, attachments typed by
//! their content, a Message-ID and a Date of ours.

use std::time::SystemTime;

use lettre::address::Envelope;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Body, Mailbox, MultiPart, SinglePart};

use super::{Draft, Priority, address, flowed};

/// Why a draft cannot become a message.
#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    #[error("{field}: not an address: {}", .entries.join("; "))]
    BadAddress {
        field: &'static str,
        entries: Vec<String>,
    },
    #[error("there is no recipient")]
    NoRecipients,
    #[error("the sender {0:?} is not an address; choose an identity with an address")]
    BadSender(String),
    #[error("cannot build the message: {0}")]
    Build(String),
}

/// An attachment's name and content, read from disk (or the store) just before building.
#[derive(Debug, Clone)]
pub struct Part {
    pub name: String,
    pub bytes: Vec<u8>,
}

impl Part {
    /// A file from disk, under its own name; the error says which file and why.
    pub fn read(path: &std::path::Path) -> Result<Part, String> {
        let bytes =
            std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let name = path
            .file_name()
            .map_or_else(|| "attachment".into(), |n| n.to_string_lossy().into_owned());
        Ok(Part { name, bytes })
    }
}

/// A message ready for the outbox.
#[derive(Debug, Clone)]
pub struct Built {
    pub envelope: Envelope,
    pub bytes: Vec<u8>,
    /// Without angle brackets.
    pub message_id: String,
    pub sender: String,
    pub recipients: Vec<String>,
}

/// The MIME type of an attachment from its first bytes; text that is UTF-8 is text/plain,
/// anything else unknown is application/octet-stream.
pub fn mime_of(bytes: &[u8]) -> String {
    if let Some(kind) = infer::get(bytes) {
        return kind.mime_type().to_string();
    }
    let head = &bytes[..bytes.len().min(64 * 1024)];
    let text = match std::str::from_utf8(head) {
        Ok(_) => true,
        // A character cut at the 64 KB mark is still text.
        Err(e) => e.error_len().is_none() && e.valid_up_to() + 4 > head.len(),
    };
    if text && !head.contains(&0) {
        "text/plain; charset=utf-8".into()
    } else {
        "application/octet-stream".into()
    }
}

/// A new Message-ID under the sender's domain.
pub fn new_message_id(sender: &Mailbox) -> String {
    let domain = sender.email.domain();
    let r: u128 = rand::random();
    let t = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    format!("{t:x}.{r:032x}@{domain}")
}

/// Builds the message. `forwarded` are whole messages attached as `message/rfc822`.
pub fn build(
    d: &Draft,
    attachments: Vec<Part>,
    forwarded: Vec<Part>,
    now: SystemTime,
) -> Result<Built, ComposeError> {
    assemble(d, attachments, forwarded, now, false)
}

/// The copy of a draft kept in the server's Drafts folder: the same message, allowed to have
/// no recipient yet, marked with the draft's token.
pub fn build_draft(
    d: &Draft,
    attachments: Vec<Part>,
    now: SystemTime,
) -> Result<Vec<u8>, ComposeError> {
    assemble(d, attachments, Vec::new(), now, true).map(|b| b.bytes)
}

fn assemble(
    d: &Draft,
    attachments: Vec<Part>,
    forwarded: Vec<Part>,
    now: SystemTime,
    draft: bool,
) -> Result<Built, ComposeError> {
    let from: Mailbox = d
        .from
        .parse()
        .map_err(|_| ComposeError::BadSender(d.from.clone()))?;
    let field = |name: &'static str, v: &str| {
        address::parse(v).map_err(|entries| ComposeError::BadAddress {
            field: name,
            entries,
        })
    };
    let (to, cc, bcc) = (
        field("To", &d.to)?,
        field("Cc", &d.cc)?,
        field("Bcc", &d.bcc)?,
    );
    let nobody = to.is_empty() && cc.is_empty() && bcc.is_empty();
    if nobody && !draft {
        return Err(ComposeError::NoRecipients);
    }
    let message_id = new_message_id(&from);
    let mut b = lettre::Message::builder()
        .from(from.clone())
        .subject(d.subject.trim())
        .date(now)
        .message_id(Some(format!("<{message_id}>")))
        .user_agent(format!("Portolan/{}", env!("CARGO_PKG_VERSION")));
    for m in &to {
        b = b.to(m.clone());
    }
    for m in &cc {
        b = b.cc(m.clone());
    }
    for m in &bcc {
        b = b.bcc(m.clone());
    }
    if !draft {
        // One RCPT per person, however many fields name them.
        let mut unique: Vec<lettre::Address> = Vec::new();
        for m in to.iter().chain(&cc).chain(&bcc) {
            if !unique
                .iter()
                .any(|u| u.to_string().eq_ignore_ascii_case(m.email.as_ref()))
            {
                unique.push(m.email.clone());
            }
        }
        let envelope = lettre::address::Envelope::new(Some(from.email.clone()), unique)
            .map_err(|e| ComposeError::Build(e.to_string()))?;
        b = b.envelope(envelope);
    }
    if draft {
        // A draft keeps its Bcc, and may have nobody to go to yet.
        b = b.keep_bcc();
        if nobody {
            let me =
                lettre::address::Envelope::new(Some(from.email.clone()), vec![from.email.clone()])
                    .map_err(|e| ComposeError::Build(e.to_string()))?;
            b = b.envelope(me);
        }
        if !d.server_token.is_empty() {
            b = b.raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("X-Portolan-Draft"),
                d.server_token.clone(),
            ));
        }
    }
    if let Some(id) = &d.in_reply_to {
        b = b.in_reply_to(format!("<{id}>"));
    }
    if !d.references.is_empty() {
        let refs: Vec<String> = d.references.iter().map(|r| format!("<{r}>")).collect();
        b = b.references(refs.join(" "));
    }
    let (x_priority, importance) = match d.priority {
        Priority::High => (Some("1 (Highest)"), Some("high")),
        Priority::Low => (Some("5 (Lowest)"), Some("low")),
        Priority::Normal => (None, None),
    };
    if let (Some(x), Some(i)) = (x_priority, importance) {
        b = b
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("X-Priority"),
                x.into(),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("Importance"),
                i.into(),
            ));
    }
    let text_type = ContentType::parse("text/plain; charset=utf-8; format=flowed")
        .map_err(|e| ComposeError::Build(e.to_string()))?;
    let text = SinglePart::builder()
        .content_type(text_type)
        .body(flowed::encode(&d.body).replace('\n', "\r\n"));
    let message = if attachments.is_empty() && forwarded.is_empty() {
        b.singlepart(text)
    } else {
        let mut mixed = MultiPart::mixed().singlepart(text);
        for p in attachments {
            let ct = ContentType::parse(&mime_of(&p.bytes)).unwrap_or(
                ContentType::parse("application/octet-stream")
                    .map_err(|e| ComposeError::Build(e.to_string()))?,
            );
            // Base64 always: a text file's line ends stay as they were on disk, byte for byte.
            let body = Body::new_with_encoding(
                p.bytes.clone(),
                lettre::message::header::ContentTransferEncoding::Base64,
            )
            .unwrap_or_else(|_| Body::new(p.bytes));
            mixed = mixed.singlepart(Attachment::new(p.name).body(body, ct));
        }
        for p in forwarded {
            let ct = ContentType::parse("message/rfc822")
                .map_err(|e| ComposeError::Build(e.to_string()))?;
            // RFC 2046 5.2.1: message/rfc822 is never base64; 8bit where lines allow.
            let body = Body::new_with_encoding(
                p.bytes.clone(),
                lettre::message::header::ContentTransferEncoding::EightBit,
            )
            .unwrap_or_else(|_| Body::new(p.bytes));
            mixed = mixed.singlepart(Attachment::new(p.name).body(body, ct));
        }
        b.multipart(mixed)
    }
    .map_err(|e| ComposeError::Build(e.to_string()))?;
    let envelope = message.envelope().clone();
    let recipients = envelope.to().iter().map(ToString::to_string).collect();
    Ok(Built {
        bytes: message.formatted(),
        envelope,
        message_id,
        sender: from.email.to_string(),
        recipients,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use mail_parser::{MessageParser, MimeHeaders as _};

    fn draft() -> Draft {
        Draft {
            from: "Ann Example <ann@example.test>".into(),
            to: "\"Doe, Bob\" <bob@example.test>".into(),
            cc: "carol@example.test".into(),
            bcc: "dave@example.test".into(),
            subject: "Grüße aus Köln — ünïcödé".into(),
            body: format!("{}\n> quoted\n-- \nAnn", "long words ".repeat(20)),
            in_reply_to: Some("orig@x.org".into()),
            references: vec!["a@x.org".into(), "orig@x.org".into()],
            priority: Priority::High,
            ..Draft::default()
        }
    }

    #[test]
    fn headers_envelope_and_text() {
        let built = build(&draft(), Vec::new(), Vec::new(), SystemTime::now()).expect("build");
        assert_eq!(built.sender, "ann@example.test");
        assert_eq!(
            built.recipients,
            vec![
                "bob@example.test",
                "carol@example.test",
                "dave@example.test"
            ]
        );
        let raw = String::from_utf8_lossy(&built.bytes);
        assert!(
            !raw.contains("dave@"),
            "Bcc stays out of the message:\n{raw}"
        );
        assert!(raw.contains("format=flowed"));
        assert!(raw.contains("X-Priority: 1 (Highest)"));
        assert!(built.bytes.is_ascii(), "headers are RFC 2047 encoded");
        let m = MessageParser::default()
            .parse(&built.bytes)
            .expect("parses");
        assert_eq!(m.subject(), Some("Grüße aus Köln — ünïcödé"));
        assert_eq!(m.message_id(), Some(built.message_id.as_str()));
        assert_eq!(m.in_reply_to().as_text(), Some("orig@x.org"));
        let to = m.to().and_then(mail_parser::Address::first).expect("to");
        assert_eq!(to.name.as_deref(), Some("Doe, Bob"));
        let text = m.body_text(0).expect("text");
        assert!(text.contains("> quoted"), "{text}");
    }

    #[test]
    fn attachments_keep_bytes_names_and_types() {
        let png =
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89"
                .to_vec();
        let blob: Vec<u8> = (0..=255u8).cycle().take(100_000).collect();
        let parts = vec![
            Part {
                name: "Bild ÄÖÜ.png".into(),
                bytes: png.clone(),
            },
            Part {
                name: "data.bin".into(),
                bytes: blob.clone(),
            },
            Part {
                name: "notes.txt".into(),
                bytes: "héllo\nbare LF\n".as_bytes().to_vec(),
            },
        ];
        let fwd = vec![Part {
            name: "the plan.eml".into(),
            bytes: b"Subject: plan\r\n\r\nbody\r\n".to_vec(),
        }];
        let built = build(&draft(), parts, fwd, SystemTime::now()).expect("build");
        let m = MessageParser::default()
            .parse(&built.bytes)
            .expect("parses");
        let atts: Vec<_> = m.attachments().collect();
        assert_eq!(atts.len(), 4);
        assert_eq!(atts[0].attachment_name(), Some("Bild ÄÖÜ.png"));
        assert_eq!(
            atts[0].content_type().map(|c| c.subtype()),
            Some(Some("png"))
        );
        assert_eq!(atts[0].contents(), png.as_slice());
        assert_eq!(atts[1].contents(), blob.as_slice());
        assert_eq!(
            atts[1].content_type().and_then(|c| c.subtype()),
            Some("octet-stream")
        );
        assert_eq!(
            atts[2].content_type().and_then(|c| c.subtype()),
            Some("plain")
        );
        assert_eq!(
            atts[2].contents(),
            "héllo\nbare LF\n".as_bytes(),
            "line ends kept"
        );
        assert_eq!(
            atts[3].content_type().and_then(|c| c.subtype()),
            Some("rfc822")
        );
    }

    #[test]
    fn a_person_named_twice_gets_one_copy() {
        let mut d = draft();
        d.cc = "BOB@example.test, carol@example.test".into();
        d.bcc = "carol@example.test".into();
        let built = build(&d, vec![], vec![], SystemTime::now()).expect("build");
        assert_eq!(
            built.recipients,
            vec!["bob@example.test", "carol@example.test"]
        );
        assert!(!String::from_utf8_lossy(&built.bytes).contains("Bcc:"));
    }

    #[test]
    fn bad_drafts_say_why() {
        let mut d = draft();
        d.to = "bob@, fine@x.org".into();
        assert!(matches!(
            build(&d, vec![], vec![], SystemTime::now()),
            Err(ComposeError::BadAddress { field: "To", .. })
        ));
        let mut d = draft();
        (d.to, d.cc, d.bcc) = (String::new(), String::new(), String::new());
        assert!(matches!(
            build(&d, vec![], vec![], SystemTime::now()),
            Err(ComposeError::NoRecipients)
        ));
        let mut d = draft();
        d.from = "nobody".into();
        assert!(matches!(
            build(&d, vec![], vec![], SystemTime::now()),
            Err(ComposeError::BadSender(_))
        ));
    }

    #[test]
    fn a_draft_copy_may_have_nobody_yet_and_keeps_its_token_and_bcc() {
        let mut d = draft();
        d.server_token = "tok123".into();
        let raw = build_draft(&d, vec![], SystemTime::now()).expect("a draft builds");
        let text = String::from_utf8_lossy(&raw);
        assert!(text.contains("X-Portolan-Draft: tok123"), "{text}");
        assert!(text.contains("dave@example.test"), "Bcc kept in the draft");
        (d.to, d.cc, d.bcc) = (String::new(), String::new(), String::new());
        assert!(
            build_draft(&d, vec![], SystemTime::now()).is_ok(),
            "nobody yet is fine"
        );
        assert!(
            build(&d, vec![], vec![], SystemTime::now()).is_err(),
            "but it cannot be sent"
        );
    }

    #[test]
    fn mime_from_content() {
        assert_eq!(mime_of(b"%PDF-1.7\n"), "application/pdf");
        assert_eq!(mime_of(b"plain words"), "text/plain; charset=utf-8");
        assert_eq!(mime_of(&[0u8, 1, 2, 3]), "application/octet-stream");
        assert_eq!(mime_of(b""), "text/plain; charset=utf-8");
    }
}
