//! NNTP for readers: RFC 3977, with RFC 2980's XOVER for older servers, STARTTLS (RFC 4642)
//! and AUTHINFO (RFC 4643). Our own client, since no crate both posts and uses our TLS.

pub mod client;
pub mod overview;
pub mod reply;

pub use client::{
    ArticleId, NntpError, NntpServer, NntpSession, OVER_BATCH, OVER_CHUNK, OverStats, Part,
};
pub use overview::{Overview, OverviewFormat};
pub use reply::{ActiveGroup, Capabilities, GroupInfo, Status};
