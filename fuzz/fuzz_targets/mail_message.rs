//! Any bytes as a message from a server: the path from raw bytes to what the list and the
//! reader show never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portolan::mail::Summary;

fuzz_target!(|data: &[u8]| {
    let s = Summary::from_header(data);
    let _ = (s.from_shown(), s.subject_shown());
    if let Some(d) = s.date {
        let _ = portolan::mail::summary::rfc3339_utc(d);
    }
});
