//! `IMAP4rev1` (RFC 3501) through async-imap, behind our own types: folders, STATUS, header
//! summaries, bodies, flags, moves and IDLE. Folder names are decoded from modified UTF-7;
//! every command argument is built by [`quote`]; every read is bounded by [`guard`].

pub mod client;
pub mod guard;
pub mod heads;
pub mod quote;
pub mod url;
pub mod utf7;

pub use client::{
    Folder, FolderStatus, IdleEnd, ImapError, ImapServer, ImapSession, MessageHead, SpecialUse,
    capability_report, head_query,
};
