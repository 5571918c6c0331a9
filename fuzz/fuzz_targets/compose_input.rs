//! What reaches the composer from outside: a `mailto:` link (RFC 6068) and typed address
//! lists. Nothing panics; every entry the list parser keeps is a real address, and a draft
//! made from any link either builds or says why.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portolan::link::Link;
use portolan::mail::compose::{Draft, address, build};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(Link::Mailto(m)) = Link::parse(&format!("mailto:{text}")) {
        let mut d = Draft::from_mailto(&m);
        d.from = "fuzz@example.org".into();
        match build::build(
            &d,
            Vec::new(),
            Vec::new(),
            std::time::SystemTime::UNIX_EPOCH,
        ) {
            Ok(b) => {
                assert!(!b.recipients.is_empty());
                assert!(
                    b.bytes.windows(4).any(|w| w == b"\r\n\r\n"),
                    "a header and a body"
                );
            }
            Err(e) => assert!(!e.to_string().is_empty()),
        }
    }
    let parts = address::split(&text);
    for p in &parts {
        assert!(!p.trim().is_empty());
    }
    if let Ok(list) = address::parse(&text) {
        assert_eq!(list.len(), parts.len());
        for m in list {
            assert!(m.email.to_string().contains('@'));
        }
    }
});
