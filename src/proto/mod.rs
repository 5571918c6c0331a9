//! Protocol clients and pure parsers.
//!
//! This layer knows nothing of egui, the store or other protocols: it could be published on its
//! own. Bytes stay bytes until a charset is chosen, every read is bounded, errors are typed.

pub mod dns;
pub mod dot;
pub mod ftp;
pub mod gopher;
pub mod http;
pub mod imap;
pub mod net;
pub mod nntp;
pub mod pop3;
pub mod rate;
pub mod robots;
pub mod smtp;
pub mod telnet;
pub mod tls;
pub mod wire;
pub mod xmlrpc;
