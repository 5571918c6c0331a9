//! Dates as a person reads them: in the desktop's time zone (the list, the reader, the
//! attribution of a reply). What is stored and printed for scripts stays UTC.

use chrono::{Local, TimeZone as _};

/// `2026-12-06 11:04` in local time: the message list.
pub fn local_short(secs: i64) -> String {
    match Local.timestamp_opt(secs, 0).single() {
        Some(t) => t.format("%Y-%m-%d %H:%M").to_string(),
        None => utc_fallback(secs, 16),
    }
}

/// `2026-12-06 11:04:03 +01:00` in local time, with its offset: the reader's header.
pub fn local_long(secs: i64) -> String {
    match Local.timestamp_opt(secs, 0).single() {
        Some(t) => t.format("%Y-%m-%d %H:%M:%S %:z").to_string(),
        None => format!("{} UTC", utc_fallback(secs, 19)),
    }
}

/// A time the local zone cannot show (out of its range): UTC, cut to `len` characters.
fn utc_fallback(secs: i64, len: usize) -> String {
    let full = crate::mail::summary::rfc3339_utc(secs).replace('T', " ");
    full.get(..len).unwrap_or(&full).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_long_form_names_the_same_instant_in_any_zone() {
        for secs in [0, 1_700_000_000, 1_796_553_691, -86_400] {
            let shown = local_long(secs);
            let back = chrono::DateTime::parse_from_str(&shown, "%Y-%m-%d %H:%M:%S %:z")
                .unwrap_or_else(|e| panic!("{shown}: {e}"));
            assert_eq!(back.timestamp(), secs, "{shown}");
            assert!(local_long(secs).starts_with(&local_short(secs)));
        }
    }

    #[test]
    fn times_out_of_range_still_show() {
        assert!(!local_short(i64::MAX).is_empty());
        assert!(!local_long(i64::MIN).is_empty());
    }
}
