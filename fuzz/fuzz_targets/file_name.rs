//! Any name from a server: the cleaned name never leaves the target folder.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portolan::filename::sanitize;

fuzz_target!(|data: &[u8]| {
    let name = String::from_utf8_lossy(data);
    let clean = sanitize(&name);
    assert!(!clean.is_empty());
    assert!(!clean.contains(['/', '\\', '\0']));
    assert!(clean != "." && clean != "..");
    let joined = std::path::Path::new("/base").join(&clean);
    assert_eq!(joined.parent(), Some(std::path::Path::new("/base")));
});
