//! FTP and FTPS: sessions (over suppaftp) and listing parsers of our own.

mod client;
pub mod listing;

pub use client::{Features, FtpError, FtpSession, FtpSite, TlsMode};
pub use listing::{Entry, EntryKind, parse_list, parse_list_line, parse_mlsd, rfc3339};
