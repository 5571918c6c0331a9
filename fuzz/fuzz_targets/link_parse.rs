//! Any string given to the URL parser: never a panic, and what it prints parses again. The URL
//! inspector's parts of the same string: never a panic either.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portolan::link::Link;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = portolan::link_parts::parts(text);
    if let Ok(link) = Link::parse(text) {
        let _ = link.panel();
        if let Link::Gopher(_) = &link {
            let printed = link.to_string();
            assert!(
                Link::parse(&printed).is_ok(),
                "{printed:?} does not parse again"
            );
        }
    }
});
