//! Any text through the tools' parsers: an XML-RPC argument as typed (`i:42`, JSON, ...) never
//! panics, and a value it gives survives being written into a call and read back; a response
//! body of any kind is indented or shown as received, never a panic, and indenting JSON or
//! XML keeps every character that is not layout.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portolan::proto::xmlrpc::parse_arg;
use portolan::ui::tools::pretty::pretty;

#[path = "common/xmlrpc_round_trip.rs"]
mod round_trip;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(value) = parse_arg(text) {
        round_trip::assert_round_trip(&value);
    }
    for media in [None, Some("application/json"), Some("text/xml")] {
        let shown = pretty(text, media);
        // XML indented keeps every character but layout (JSON is written anew by serde, so
        // `1e5` may come back as `100000.0`; it is only required not to panic).
        if media == Some("text/xml") && !text.trim_start().starts_with(['{', '[']) {
            let squeeze = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
            assert_eq!(squeeze(&shown), squeeze(text), "{text:?}");
        }
    }
});
