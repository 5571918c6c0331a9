//! Any bytes as a gopher menu: never a panic, every item bounded, every link printable.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portolan::proto::gopher::{MAX_DISPLAY, parse_menu};

fuzz_target!(|data: &[u8]| {
    let menu = parse_menu(data, "fuzz.example", 70);
    for item in &menu.items {
        assert!(item.display.len() <= MAX_DISPLAY);
        assert!(item.port > 0);
        if let Some(link) = item.link() {
            let _ = link.to_string();
        }
    }
});
