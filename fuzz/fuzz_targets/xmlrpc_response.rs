//! Any bytes as an XML-RPC `methodResponse`: the reader never panics, and a value it reads,
//! written as we write values and read again, is the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portolan::proto::xmlrpc::{Response, method_call, parse_response};

fuzz_target!(|data: &[u8]| {
    let Ok(Response::Value(value)) = parse_response(data) else {
        return;
    };
    // NaN is not equal to itself; such a value has nothing to compare.
    #[allow(clippy::eq_op)]
    if value != value {
        return;
    }
    // The writer makes a methodCall; its params are a methodResponse's params.
    let call = method_call("m", std::slice::from_ref(&value));
    let start = call.find("<params>").expect("params");
    let end = call.rfind("</methodCall>").expect("end");
    let response = format!("<methodResponse>{}</methodResponse>", &call[start..end]);
    match parse_response(response.as_bytes()) {
        Ok(Response::Value(again)) => assert_eq!(again, value),
        other => panic!("our own writing of {value:?} read as {other:?}"),
    }
});
