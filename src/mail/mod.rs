//! Mail as the reader sees it, apart from the protocols that carry it: summaries from headers
//! (and, as the reader grows, bodies and attachments), shared by IMAP, POP3 and News.

pub mod summary;
pub mod when;

pub use summary::Summary;
pub mod compose;
pub mod render;
pub mod search;
pub mod threads;
