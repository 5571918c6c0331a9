//! XML-RPC (the 1999 specification at xmlrpc.com, with the `nil` and `i8` extensions that
//! Python's `xmlrpc` and Apache's client understand): a typed value, the `methodCall` we
//! write, the `methodResponse` we read, and a call over the Browser's HTTP client.
//!
//! The response parser is strict about structure and lenient about whitespace, because
//! servers pretty-print differently; any shape the specification does not allow is a
//! [`ResponseError`] that names the element, never a guess.

mod call;
mod read;
mod text_args;
mod value;
mod write;

pub use call::{CallError, call};
pub use read::{ResponseError, parse_response};
pub use text_args::parse_arg;
pub use value::{Member, Value};
pub use write::method_call;

/// What a server answered: a value, or a fault with its code and words.
#[derive(Debug, Clone, PartialEq)]
pub enum Response {
    Value(Value),
    Fault { code: i64, message: String },
}
