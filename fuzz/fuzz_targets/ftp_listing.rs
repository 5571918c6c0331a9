//! Any bytes as a LIST or MLSD response: never a panic, every line kept.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portolan::proto::ftp::{EntryKind, parse_list, parse_mlsd};

fuzz_target!(|data: &[u8]| {
    for entry in parse_list(data, 1_795_435_200)
        .iter()
        .chain(parse_mlsd(data).iter())
    {
        assert!(!entry.raw.is_empty());
        if entry.kind == EntryKind::Unknown {
            assert!(!entry.name.is_empty() || entry.raw.is_empty());
        }
        if let Some(t) = entry.modified {
            let _ = portolan::proto::ftp::rfc3339(t);
        }
    }
});
