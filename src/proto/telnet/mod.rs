//! Telnet (RFC 854, 855): the option engine, without I/O. Negotiation follows the Q method
//! of RFC 1143; the options spoken are BINARY, ECHO, SGA, TTYPE, NAWS, NEW-ENVIRON, CHARSET
//! and EOR, and every other one is refused.

pub mod client;
pub mod engine;
pub mod qmethod;

pub use client::{TelnetError, TelnetSession};
pub use engine::{OptionState, Subnegotiation, Telnet, TelnetConfig, TelnetEvent, option_name};
pub use qmethod::Q;

#[cfg(test)]
mod tests;
