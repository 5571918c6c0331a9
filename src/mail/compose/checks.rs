//! The questions asked before a message leaves: each is something people get wrong often
//! enough that Thunderbird asks too, and each can be answered "send anyway".

use super::{Draft, address};

/// Something that may be a mistake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Concern {
    /// Nobody to send to: this one cannot be answered "send anyway".
    NoRecipients,
    /// These entries are not addresses: cannot be sent either.
    BadAddresses(Vec<String>),
    EmptySubject,
    /// The text speaks of an attachment (the word is given) and there is none.
    MentionsAttachment(String),
}

impl Concern {
    /// A question for the user, or (when it blocks) a statement.
    pub fn question(&self) -> String {
        match self {
            Concern::NoRecipients => "There is no recipient: add one in To, Cc or Bcc.".into(),
            Concern::BadAddresses(bad) => format!(
                "These are not addresses: {}. Correct them before sending.",
                bad.join("; ")
            ),
            Concern::EmptySubject => "The subject is empty. Send without a subject?".into(),
            Concern::MentionsAttachment(word) => format!(
                "The text says \"{word}\" but nothing is attached. Send without an attachment?"
            ),
        }
    }

    /// True when the message cannot go as it is.
    pub fn blocks(&self) -> bool {
        matches!(self, Concern::NoRecipients | Concern::BadAddresses(_))
    }
}

/// Words that speak of an attached file, in the languages of most of our users.
const ATTACHMENT_WORDS: [&str; 12] = [
    "attached",
    "attachment",
    "attaching",
    "i attach",
    "enclosed",
    "see the file",
    "anbei",
    "anhang",
    "pièce jointe",
    "ci-joint",
    "adjunto",
    "in allegato",
];

/// What may be wrong with `d` before it is sent.
pub fn concerns(d: &Draft) -> Vec<Concern> {
    let mut out = Vec::new();
    let mut bad = Vec::new();
    let mut count = 0;
    for field in [&d.to, &d.cc, &d.bcc] {
        match address::parse(field) {
            Ok(list) => count += list.len(),
            Err(b) => bad.extend(b),
        }
    }
    if !bad.is_empty() {
        out.push(Concern::BadAddresses(bad));
    } else if count == 0 {
        out.push(Concern::NoRecipients);
    }
    if d.subject.trim().is_empty() {
        out.push(Concern::EmptySubject);
    }
    if d.attachments.is_empty()
        && d.forwarded.is_empty()
        && let Some(word) = mentions_attachment(&d.body)
    {
        out.push(Concern::MentionsAttachment(word));
    }
    out
}

/// The first attachment word in what the user wrote: quoted lines and the signature do not
/// count (a quoted "see attached" is someone else's attachment).
fn mentions_attachment(body: &str) -> Option<String> {
    for line in body.lines() {
        if line == "-- " {
            break;
        }
        if line.trim_start().starts_with('>') {
            continue;
        }
        let lower = line.to_lowercase();
        for word in ATTACHMENT_WORDS {
            if let Some(i) = lower.find(word) {
                let before = lower[..i].chars().next_back();
                if before.is_none_or(|c| !c.is_alphanumeric()) {
                    return Some(word.to_string());
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(to: &str, subject: &str, body: &str) -> Draft {
        Draft {
            to: to.into(),
            subject: subject.into(),
            body: body.into(),
            ..Draft::default()
        }
    }

    #[test]
    fn each_question_comes_when_it_should() {
        assert_eq!(concerns(&draft("a@b.org", "Hi", "Hello")), vec![]);
        assert_eq!(concerns(&draft("", "Hi", "x")), vec![Concern::NoRecipients]);
        assert_eq!(
            concerns(&draft("a@b.org, oops", "Hi", "x")),
            vec![Concern::BadAddresses(vec!["oops".into()])]
        );
        assert_eq!(
            concerns(&draft("a@b.org", " ", "x")),
            vec![Concern::EmptySubject]
        );
        assert_eq!(
            concerns(&draft("a@b.org", "Hi", "The report is Attached.")),
            vec![Concern::MentionsAttachment("attached".into())]
        );
        assert!(concerns(&draft("a@b.org", "Hi", "Voir la pièce jointe")).len() == 1);
    }

    #[test]
    fn quotes_signatures_and_other_words_do_not_count() {
        assert_eq!(
            concerns(&draft("a@b.org", "Hi", "ok\n> see attached\n")),
            vec![]
        );
        assert_eq!(
            concerns(&draft("a@b.org", "Hi", "ok\n-- \nattachments welcome")),
            vec![]
        );
        assert_eq!(
            concerns(&draft("a@b.org", "Hi", "unattached thoughts")),
            vec![]
        );
        let mut d = draft("a@b.org", "Hi", "see attached");
        d.attachments.push("/tmp/x".into());
        assert_eq!(concerns(&d), vec![]);
    }

    #[test]
    fn blocking_and_words() {
        assert!(Concern::NoRecipients.blocks());
        assert!(!Concern::EmptySubject.blocks());
        assert!(
            Concern::BadAddresses(vec!["x".into()])
                .question()
                .contains('x')
        );
    }
}
