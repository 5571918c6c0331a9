//! `--limit-rate` values: any text gives a positive rate or an error, never a panic, and a
//! rate read back from its digits is the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portolan::cli::parse_rate;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(rate) = parse_rate(text) {
        assert!(rate > 0);
        assert_eq!(parse_rate(&rate.to_string()), Ok(rate));
    }
});
