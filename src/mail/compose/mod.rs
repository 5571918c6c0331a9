//! Writing mail, apart from any window: the draft as it is kept, address lists, replies and
//! forwards, the questions asked before sending, and the message lettre builds from a draft.

pub mod address;
pub mod build;
pub mod checks;
pub mod flowed;
pub mod reply;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// What the sender marks a message as; mail clients show the marks `X-Priority` and
/// `Importance` as a flag or an arrow.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Priority {
    High,
    #[default]
    Normal,
    Low,
}

/// A message being written. Kept whole in the store on every autosave, so a crash loses at
/// most the last few seconds of typing; attachments are kept as paths and read at sending.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Draft {
    /// The account that sends it (its SMTP server and Sent folder).
    pub account: i64,
    /// `Name <address>` of one of the account's identities.
    pub from: String,
    pub to: String,
    pub cc: String,
    pub bcc: String,
    pub subject: String,
    pub body: String,
    pub attachments: Vec<PathBuf>,
    /// Messages from the store forwarded as attachments (their store ids).
    pub forwarded: Vec<i64>,
    /// The Message-ID answered, without angle brackets.
    pub in_reply_to: Option<String>,
    /// The conversation so far, oldest first, without angle brackets.
    pub references: Vec<String>,
    /// The store id of the message answered, to mark it `\Answered` once this one is sent.
    pub answers: Option<i64>,
    pub priority: Priority,
    /// Names this draft's copies in the server's Drafts folder (`X-Portolan-Draft`), so a
    /// newer copy replaces the older ones; empty until the first copy is made.
    pub server_token: String,
}

impl Draft {
    /// True when nothing was written yet (a draft like this is not worth keeping).
    pub fn is_blank(&self) -> bool {
        self.to.trim().is_empty()
            && self.cc.trim().is_empty()
            && self.bcc.trim().is_empty()
            && self.subject.trim().is_empty()
            && self.body.trim().is_empty()
            && self.attachments.is_empty()
            && self.forwarded.is_empty()
    }

    /// From a `mailto:` link (RFC 6068).
    pub fn from_mailto(m: &crate::link::Mailto) -> Draft {
        Draft {
            to: m.to.join(", "),
            cc: m.cc.join(", "),
            bcc: m.bcc.join(", "),
            subject: m.subject.clone().unwrap_or_default(),
            body: m.body.clone().unwrap_or_default(),
            in_reply_to: m.in_reply_to.as_deref().map(|s| {
                s.trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_string()
            }),
            ..Draft::default()
        }
    }
}
