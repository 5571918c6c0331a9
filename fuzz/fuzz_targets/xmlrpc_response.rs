//! Any bytes as an XML-RPC `methodResponse`: the reader never panics, and a value it reads,
//! written as we write values and read again, is the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portolan::proto::xmlrpc::{Response, parse_response};

#[path = "common/xmlrpc_round_trip.rs"]
mod round_trip;

fuzz_target!(|data: &[u8]| {
    if let Ok(Response::Value(value)) = parse_response(data) {
        round_trip::assert_round_trip(&value);
    }
});
