//! Any bytes as a message from a server: the path from raw bytes to what the list and the
//! reader show (summary, MIME parts, flowed text, attachment names, remote-image scan, search
//! words) never panics, and every attachment it lists can be fetched again by its index.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portolan::mail::{Summary, render};

fuzz_target!(|data: &[u8]| {
    let s = Summary::from_header(data);
    let _ = (s.from_shown(), s.subject_shown());
    if let Some(d) = s.date {
        let _ = portolan::mail::summary::rfc3339_utc(d);
    }
    let r = render::render(data);
    for a in &r.attachments {
        assert!(!a.name.contains('/') && !a.name.is_empty());
        assert!(render::attachment_bytes(data, a.index).is_some());
    }
    let text = String::from_utf8_lossy(data);
    let _ = render::lines_of(&text, true, true);
    let _ = render::remote_content(&text);
    let _ = render::rfc2231_name(data);
    let _ = render::plain_text_of(data);
    // A charset chosen by the reader: the message still parses, whatever the bytes.
    let _ = render::render(&render::with_charset(data, "ISO-8859-1"));
});
