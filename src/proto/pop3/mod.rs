//! POP3 (RFC 1939) with CAPA (RFC 2449), STLS and POP3S (RFC 2595, RFC 8314) and SASL PLAIN.
//! Our own: no maintained crate has STLS, and the protocol is small.

pub mod client;
pub mod reply;

pub use client::{Pop3Error, Pop3Server, Pop3Session};
pub use reply::{Capabilities, Status};
