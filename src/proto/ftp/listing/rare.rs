//! Listing formats of less common servers: numeric Unix listings, old VShell, IBM AS/400,
//! Nortel routers (wfFtp and VxWorks) and Microware OS-9. Each is recognised by a layout
//! that the common parsers refuse, so it never takes their lines.

use super::{Entry, EntryKind, civil_to_unix, dates, fields, hh_mm, name_after_spaces, num, trim};

/// Tries each rare format in turn.
pub fn parse(line: &[u8]) -> Option<Entry> {
    numeric_unix(line)
        .or_else(|| vshell(line))
        .or_else(|| as400(line))
        .or_else(|| wfftp(line))
        .or_else(|| vxworks(line))
        .or_else(|| os9(line))
}

fn size(token: &[u8]) -> Option<u64> {
    num(token).and_then(|n| u64::try_from(n).ok())
}

/// `0100644   500  101   12345    123456789       name`: an octal mode, uid, gid, size and
/// the modification time in Unix seconds.
fn numeric_unix(line: &[u8]) -> Option<Entry> {
    let (f, rest) = fields(line, 5)?;
    let mode = f[0];
    if !(6..=7).contains(&mode.len()) || !mode.iter().all(|b| (b'0'..=b'7').contains(b)) {
        return None;
    }
    let (_uid, _gid) = (num(f[1])?, num(f[2])?);
    let name = name_after_spaces(rest);
    if name.is_empty() {
        return None;
    }
    let mode_bits = i64::from_str_radix(std::str::from_utf8(mode).ok()?, 8).ok()?;
    let kind = match mode_bits & 0o170_000 {
        0o040_000 => EntryKind::Dir,
        0o120_000 => EntryKind::Link,
        0o100_000 => EntryKind::File,
        _ => EntryKind::Special,
    };
    let mut entry = Entry::new(name, kind, line);
    entry.size = size(f[3]);
    entry.modified = num(f[4]);
    entry.permissions = Some(String::from_utf8_lossy(mode).into_owned());
    Some(entry)
}

/// `206876  Apr 04, 2000 21:06 name`, with a trailing `/` for folders (old VShell).
fn vshell(line: &[u8]) -> Option<Entry> {
    let (f, rest) = fields(line, 5)?;
    let bytes = size(f[0])?;
    let mon = dates::month_name(f[1]).filter(|_| f[1].len() == 3)?;
    let day = num(f[2].strip_suffix(b",")?)?;
    let year = num(f[3])?;
    let (h, m) = hh_mm(f[4])?;
    let raw = name_after_spaces(rest);
    let (kind, name) = match raw.strip_suffix(b"/") {
        Some(n) => (EntryKind::Dir, n),
        None => (EntryKind::File, raw),
    };
    if name.is_empty() {
        return None;
    }
    let mut entry = Entry::new(name, kind, line);
    entry.size = Some(bytes);
    entry.modified = civil_to_unix(year, mon, day, h, m, 0);
    Some(entry)
}

/// A date of two-digit fields, `02/23/00` or `18.09.06`: whichever of the first two is above
/// 12 is the day; otherwise month first with slashes, day first with dots.
fn short_date(token: &[u8]) -> Option<(i64, i64, i64)> {
    let dots = token.contains(&b'.');
    let parts: Vec<&[u8]> = token.split(|b| *b == b'/' || *b == b'.').collect();
    if parts.len() != 3 || !parts.iter().all(|p| p.len() == 2) {
        return None;
    }
    let (a, b, y) = (num(parts[0])?, num(parts[1])?, num(parts[2])?);
    let (mon, day) = if a > 12 || (dots && b <= 12) {
        (b, a)
    } else {
        (a, b)
    };
    ((1..=12).contains(&mon) && (1..=31).contains(&day)).then_some((dates::full_year(y), mon, day))
}

fn hh_mm_ss(token: &[u8]) -> Option<(i64, i64, i64)> {
    let parts: Vec<&[u8]> = token.split(|b| *b == b':').collect();
    if parts.len() != 3 {
        return None;
    }
    let (h, m) = hh_mm(token)?;
    let s = num(parts[2].get(..2)?)?;
    (0..60).contains(&s).then_some((h, m, s))
}

/// `QSYS            77824 02/23/00 15:09:55 *DIR name/` (IBM AS/400).
fn as400(line: &[u8]) -> Option<Entry> {
    let (f, rest) = fields(line, 5)?;
    let owner = f[0];
    let bytes = size(f[1])?;
    let (y, mon, day) = short_date(f[2])?;
    let (h, m, s) = hh_mm_ss(f[3])?;
    let object = f[4].strip_prefix(b"*")?;
    let raw = name_after_spaces(rest);
    let (trailing_slash, name) = match raw.strip_suffix(b"/") {
        Some(n) => (true, n),
        None => (false, raw),
    };
    if name.is_empty() {
        return None;
    }
    let dir = trailing_slash || object.eq_ignore_ascii_case(b"DIR");
    let mut entry = Entry::file_or_dir(name, dir, line);
    entry.size = Some(bytes);
    entry.modified = civil_to_unix(y, mon, day, h, m, s);
    entry.owner = Some(String::from_utf8_lossy(owner).into_owned());
    Some(entry)
}

/// `name       1014196  06/03/04  Thur.   10:20:03` (Nortel wfFtp): the name comes first.
fn wfftp(line: &[u8]) -> Option<Entry> {
    let f: Vec<&[u8]> = trim(line)
        .split(|b| *b == b' ' || *b == b'\t')
        .filter(|t| !t.is_empty())
        .collect();
    if f.len() != 5 || !f[3].ends_with(b".") || !f[3].iter().any(u8::is_ascii_alphabetic) {
        return None;
    }
    let bytes = size(f[1])?;
    let (y, mon, day) = short_date(f[2])?;
    let (h, m, s) = hh_mm_ss(f[4])?;
    let mut entry = Entry::new(f[0], EntryKind::File, line);
    entry.size = Some(bytes);
    entry.modified = civil_to_unix(y, mon, day, h, m, s);
    Some(entry)
}

/// `2048    Feb-28-1998  05:23:30   name <DIR>` (VxWorks, in Nortel routers).
fn vxworks(line: &[u8]) -> Option<Entry> {
    let (f, rest) = fields(line, 3)?;
    let bytes = size(f[0])?;
    let parts: Vec<&[u8]> = f[1].split(|b| *b == b'-').collect();
    if parts.len() != 3 {
        return None;
    }
    let mon = dates::month_name(parts[0]).filter(|_| parts[0].len() == 3)?;
    let (day, year) = (num(parts[1])?, num(parts[2])?);
    let (h, m, s) = hh_mm_ss(f[2])?;
    let raw = trim(rest);
    let (dir, name) = match raw.strip_suffix(b"<DIR>") {
        Some(n) => (true, trim(n)),
        None => (false, raw),
    };
    if name.is_empty() {
        return None;
    }
    let mut entry = Entry::file_or_dir(name, dir, line);
    entry.size = Some(bytes);
    entry.modified = civil_to_unix(year, mon, day, h, m, s);
    Some(entry)
}

/// `20.20 07/03/29 1026 d-ewrewr 2650 85920 name` (Microware OS-9): group.user, YY/MM/DD,
/// HHMM, attributes, sector, size.
fn os9(line: &[u8]) -> Option<Entry> {
    let (f, rest) = fields(line, 6)?;
    let owner = f[0];
    if !owner.contains(&b'.') || !owner.iter().all(|b| b.is_ascii_digit() || *b == b'.') {
        return None;
    }
    let parts: Vec<&[u8]> = f[1].split(|b| *b == b'/').collect();
    if parts.len() != 3 || !parts.iter().all(|p| p.len() == 2) {
        return None;
    }
    let (y, mon, day) = (num(parts[0])?, num(parts[1])?, num(parts[2])?);
    let hhmm = f[2];
    if hhmm.len() != 4 {
        return None;
    }
    let (h, m) = (num(&hhmm[..2])?, num(&hhmm[2..])?);
    let attrs = f[3];
    if !attrs.iter().all(|b| b"-dsewr".contains(b)) {
        return None;
    }
    num(f[4])?;
    let bytes = size(f[5])?;
    let name = name_after_spaces(rest);
    if name.is_empty() {
        return None;
    }
    let dir = attrs.first() == Some(&b'd');
    let mut entry = Entry::file_or_dir(name, dir, line);
    entry.size = Some(bytes);
    entry.modified = civil_to_unix(dates::full_year(y), mon, day, h, m, 0);
    entry.permissions = Some(String::from_utf8_lossy(attrs).into_owned());
    entry.owner = Some(String::from_utf8_lossy(owner).into_owned());
    Some(entry)
}
