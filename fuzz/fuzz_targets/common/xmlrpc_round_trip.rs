//! A value written as our `methodCall` writes it, then read back as a `methodResponse`: the
//! same value, or the fuzz target stops with both.

use portolan::proto::xmlrpc::{Response, Value, method_call, parse_response};

pub fn assert_round_trip(value: &Value) {
    // NaN is not equal to itself; such a value has nothing to compare.
    #[allow(clippy::eq_op)]
    if value != value {
        return;
    }
    // The params of a methodCall are the params of a methodResponse.
    let call = method_call("m", std::slice::from_ref(value));
    let start = call.find("<params>").expect("params");
    let end = call.rfind("</methodCall>").expect("end");
    let response = format!("<methodResponse>{}</methodResponse>", &call[start..end]);
    match parse_response(response.as_bytes()) {
        Ok(Response::Value(again)) => assert_eq!(&again, value),
        other => panic!("our own writing of {value:?} read as {other:?}"),
    }
}
