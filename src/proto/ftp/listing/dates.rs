//! The dates of `ls -l` style lines as servers print them around the world: month names in
//! several languages, the day before or after the month, numeric and ISO dates, years with or
//! without a time. The variants are those FTP clients meet in the wild (FileZilla's listing
//! tests were read as the list of what exists).

use super::{civil_to_unix, hh_mm, num, recent_date};

/// Month names and abbreviations other than English ones (and a few long English forms).
const FULL: [(&str, i64); 22] = [
    ("juli", 7),
    ("juni", 6),
    ("mär", 3),
    ("märz", 3),
    ("mrz", 3),
    ("mai", 5),
    ("okt", 10),
    ("dez", 12),
    ("janv", 1),
    ("févr", 2),
    ("fevr", 2),
    ("mars", 3),
    ("avr", 4),
    ("juin", 6),
    ("juil", 7),
    ("jui", 7),
    ("août", 8),
    ("aout", 8),
    ("déc", 12),
    ("szept", 9),
    ("sept", 9),
    ("june", 6),
];

const ENGLISH: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// A month's number from its name or abbreviation, in English, German, French, Hungarian
/// and the like; trailing `.` and `,` are ignored (`Okt.`, `Jan.,`).
pub fn month_name(word: &[u8]) -> Option<i64> {
    let w = String::from_utf8_lossy(word)
        .trim_end_matches(['.', ','])
        .to_lowercase();
    if let Some((_, m)) = FULL.iter().find(|(name, _)| *name == w) {
        return Some(*m);
    }
    // English names and their longer forms ("January", "Sept").
    let prefix: String = w.chars().take(3).collect();
    let full_english = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    ENGLISH
        .iter()
        .position(|m| *m == prefix)
        .and_then(|i| (w.len() == 3 || full_english[i].starts_with(&w)).then_some(i as i64 + 1))
}

/// A day of the month, maybe with a trailing `.` or `,` (`26.`, `08,`).
fn day(word: &[u8]) -> Option<i64> {
    let w = word
        .strip_suffix(b",")
        .or_else(|| word.strip_suffix(b"."))
        .unwrap_or(word);
    num(w).filter(|d| (1..=31).contains(d))
}

fn year(word: &[u8]) -> Option<i64> {
    let w = word.strip_suffix(b",").unwrap_or(word);
    num(w).filter(|y| w.len() == 4 && (1900..=2200).contains(y))
}

/// Two-digit and Y2K-unaware years (`99`, `103` for 2003) as four digits.
pub fn full_year(y: i64) -> i64 {
    match y {
        0..=69 => 2000 + y,
        70..=999 => 1900 + y,
        _ => y,
    }
}

/// A time of day; `24:00` is the end of the day (the next day's midnight).
fn time_of_day(word: &[u8]) -> Option<(i64, i64)> {
    if word == b"24:00" {
        return Some((24, 0));
    }
    hh_mm(word)
}

/// A date whose year is missing: the most recent that fits, with `24:00` rolled over.
fn without_year(mon: i64, day: i64, (h, m): (i64, i64), now: i64) -> Option<i64> {
    if h == 24 {
        return recent_date(mon, day, 0, m, now).map(|t| t + 86_400);
    }
    recent_date(mon, day, h, m, now)
}

fn with_year(y: i64, mon: i64, day: i64, time: Option<(i64, i64)>) -> Option<i64> {
    let (h, m) = time.unwrap_or((0, 0));
    if h == 24 {
        return civil_to_unix(y, mon, day, 0, m, 0).map(|t| t + 86_400);
    }
    civil_to_unix(y, mon, day, h, m, 0)
}

/// The date after a month and a day: a year, a time, or `YYYY HH:MM` (VShell).
fn year_or_time(
    tokens: &[&[u8]],
    at: usize,
    mon: i64,
    d: i64,
    now: i64,
) -> Option<(Option<i64>, usize)> {
    let third = tokens.get(at)?;
    if let Some(t) = time_of_day(third) {
        return Some((without_year(mon, d, t, now), 1));
    }
    let y = year(third)?;
    if let Some(t) = tokens.get(at + 1).and_then(|w| time_of_day(w)) {
        return Some((with_year(y, mon, d, Some(t)), 2));
    }
    Some((with_year(y, mon, d, None), 1))
}

/// A date written with a month name starting at `tokens[i]`: `Mon DD HH:MM|YYYY`,
/// `Mon DD, YYYY HH:MM`, `DD Mon HH:MM|YYYY`, `DD. Mon[.,] HH:MM|YYYY`, `DD-mon-YY`,
/// `Mon-DD-YYYY HH:MM:SS`. Returns the time and how many tokens it took.
pub fn named(tokens: &[&[u8]], i: usize, now: i64) -> Option<(Option<i64>, usize)> {
    let first = tokens.get(i)?;
    if let Some(mon) = month_name(first).filter(|_| first.iter().any(u8::is_ascii_alphabetic)) {
        let d = day(tokens.get(i + 1)?)?;
        let (t, n) = year_or_time(tokens, i + 2, mon, d, now)?;
        return Some((t, 2 + n));
    }
    if let Some(d) = day(first)
        && let Some(mon) = tokens.get(i + 1).and_then(|w| month_name(w))
    {
        let (t, n) = year_or_time(tokens, i + 2, mon, d, now)?;
        return Some((t, 2 + n));
    }
    // One token: `01-jun-99`, `Feb-28-1998`.
    let parts: Vec<&[u8]> = first.split(|b| *b == b'-').collect();
    if parts.len() == 3 {
        if let (Some(d), Some(mon), Some(y)) = (day(parts[0]), month_name(parts[1]), num(parts[2]))
            && parts[1].iter().all(u8::is_ascii_alphabetic)
        {
            return Some((with_year(full_year(y), mon, d, None), 1));
        }
        if let (Some(mon), Some(d), Some(y)) = (month_name(parts[0]), day(parts[1]), num(parts[2]))
            && parts[0].iter().all(u8::is_ascii_alphabetic)
        {
            let time = tokens.get(i + 1).and_then(|w| time_of_day(w));
            return Some((
                with_year(full_year(y), mon, d, time),
                1 + usize::from(time.is_some()),
            ));
        }
    }
    None
}

/// A numeric date starting at `tokens[i]`: `YYYY-MM-DD`, `YYYY/MM/DD`, `YYYY.MM.DD`,
/// `DD-MM-YYYY`, `MM-DD YYYY|HH:MM`, or `M DD HH:MM|YYYY`, each maybe followed by a time.
pub fn numeric(tokens: &[&[u8]], i: usize, now: i64) -> Option<(Option<i64>, usize)> {
    let first = tokens.get(i)?;
    let time_after = |at: usize| tokens.get(at).and_then(|w| time_of_day(w));
    let parts: Vec<&[u8]> = first.split(|b| matches!(b, b'-' | b'/' | b'.')).collect();
    if parts.len() == 3 && parts.iter().all(|p| num(p).is_some()) {
        let (a, b, c) = (num(parts[0])?, num(parts[1])?, num(parts[2])?);
        let (y, mon, d) = if parts[0].len() == 4 {
            (a, b, c)
        } else if parts[2].len() == 4 {
            (c, b, a)
        } else {
            return None;
        };
        if !(1..=12).contains(&mon) || !(1..=31).contains(&d) {
            return None;
        }
        let time = time_after(i + 1);
        return Some((with_year(y, mon, d, time), 1 + usize::from(time.is_some())));
    }
    if parts.len() == 2 && parts.iter().all(|p| num(p).is_some() && p.len() <= 2) {
        let (mon, d) = (num(parts[0])?, num(parts[1])?);
        if !(1..=12).contains(&mon) || !(1..=31).contains(&d) {
            return None;
        }
        let (t, n) = year_or_time(tokens, i + 1, mon, d, now)?;
        return Some((t, 1 + n));
    }
    // `3 29 03:26`: a month number, a day, then a time or a year.
    let mon = num(first).filter(|m| first.len() <= 2 && (1..=12).contains(m))?;
    let d = day(tokens.get(i + 1)?).filter(|_| tokens[i + 1].len() <= 2)?;
    let (t, n) = year_or_time(tokens, i + 2, mon, d, now)?;
    Some((t, 2 + n))
}
