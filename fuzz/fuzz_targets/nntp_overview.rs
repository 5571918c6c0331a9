//! Any bytes as NNTP replies: overview lines (under the default and a declared format),
//! LIST ACTIVE/COUNTS, NEWSGROUPS, GROUP, CAPABILITIES and status lines never panic, and an
//! overview line that parses keeps its number.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portolan::proto::nntp::overview::{self, OverviewFormat};
use portolan::proto::nntp::reply::{self, Capabilities};

fuzz_target!(|data: &[u8]| {
    let lines = reply::lines_of(data);
    let declared = OverviewFormat::parse(&lines);
    for format in [OverviewFormat::default(), declared] {
        for line in &lines {
            if let Ok(o) = overview::parse_line(line, &format, encoding_rs::WINDOWS_1252) {
                assert!(o.number > 0);
                let _ = o.crossposts();
            }
        }
    }
    for line in &lines {
        let _ = reply::parse_status(line);
        let _ = reply::parse_active(line, false);
        let _ = reply::parse_active(line, true);
        let _ = reply::parse_description(line);
        let text = String::from_utf8_lossy(line);
        let _ = reply::parse_group(&text);
        let _ = reply::parse_date(&text);
    }
    let _ = Capabilities::parse(&lines).report();
});
