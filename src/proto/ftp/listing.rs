//! FTP directory listings: MLSD facts, and LIST in the formats real servers send.
//!
//! Names are kept as raw bytes: a name that is not valid in the site's charset can still be
//! downloaded, renamed or deleted. A line no parser understands becomes an entry of kind
//! [`EntryKind::Unknown`] that carries the raw line, so nothing is dropped in silence.

/// What an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryKind {
    File,
    Dir,
    Link,
    /// Devices, sockets, pipes: listed, not transferred.
    Special,
    /// A line no parser understood; `raw` holds it.
    Unknown,
}

impl EntryKind {
    /// The word used by `portolan ls --json`.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::File => "file",
            EntryKind::Dir => "dir",
            EntryKind::Link => "link",
            EntryKind::Special => "special",
            EntryKind::Unknown => "unknown",
        }
    }
}

/// One directory entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The name as the server sent it.
    pub name: Vec<u8>,
    pub kind: EntryKind,
    pub size: Option<u64>,
    /// Seconds since the Unix epoch, UTC (LIST times are taken as UTC).
    pub modified: Option<i64>,
    /// Target of a symbolic link, raw.
    pub target: Option<Vec<u8>>,
    /// `rwxr-xr-x`, `RWED` or the MLSD `perm` fact, as sent.
    pub permissions: Option<String>,
    pub owner: Option<String>,
    /// The whole line, for entries shown raw and for the "details" view.
    pub raw: Vec<u8>,
}

impl Entry {
    fn new(name: &[u8], kind: EntryKind, raw: &[u8]) -> Entry {
        Entry {
            name: name.to_vec(),
            kind,
            size: None,
            modified: None,
            target: None,
            permissions: None,
            owner: None,
            raw: raw.to_vec(),
        }
    }

    /// `.` and `..`, which listings include and the UI does not show.
    pub fn is_dot(&self) -> bool {
        self.name == b"." || self.name == b".."
    }
}

/// Parses a LIST response. `now` (Unix seconds) decides the year of dates written without
/// one, as `ls` does: the most recent such date not more than a day in the future.
pub fn parse_list(data: &[u8], now: i64) -> Vec<Entry> {
    lines(data)
        .filter(|l| !is_list_noise(l))
        .map(|l| parse_list_line(l, now))
        .filter(|e| !e.is_dot())
        .collect()
}

/// Parses an MLSD response (RFC 3659).
pub fn parse_mlsd(data: &[u8]) -> Vec<Entry> {
    lines(data)
        .map(parse_mlsd_line)
        .filter(|e| !e.is_dot() && !matches!(e.kind, EntryKind::Special if e.raw.starts_with(b"type=cdir") || e.raw.starts_with(b"type=pdir")))
        .collect()
}

fn lines(data: &[u8]) -> impl Iterator<Item = &[u8]> {
    data.split(|b| *b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
}

fn is_list_noise(line: &[u8]) -> bool {
    // `ls -l` prints a total line; some servers add a directory header.
    let t = trim(line);
    (t.starts_with(b"total ") && t[6..].iter().all(|b| b.is_ascii_digit() || *b == b' '))
        || t == b"total"
}

/// Parses one MLSD line: `fact=value;fact=value; name`.
pub fn parse_mlsd_line(line: &[u8]) -> Entry {
    let Some(space) = line.iter().position(|b| *b == b' ') else {
        return Entry::new(line, EntryKind::Unknown, line);
    };
    let (facts, name) = (&line[..space], &line[space + 1..]);
    if name.is_empty() {
        // No name after the facts: shown whole, as a line that was not understood.
        return Entry::new(line, EntryKind::Unknown, line);
    }
    let mut entry = Entry::new(name, EntryKind::Unknown, line);
    let mut saw_type = false;
    for fact in facts.split(|b| *b == b';').filter(|f| !f.is_empty()) {
        let Some(eq) = fact.iter().position(|b| *b == b'=') else {
            continue;
        };
        let key = String::from_utf8_lossy(&fact[..eq]).to_ascii_lowercase();
        let value = &fact[eq + 1..];
        let text = String::from_utf8_lossy(value);
        match key.as_str() {
            "type" => {
                saw_type = true;
                let t = text.to_ascii_lowercase();
                entry.kind = match t.as_str() {
                    "file" => EntryKind::File,
                    "dir" => EntryKind::Dir,
                    "cdir" | "pdir" => EntryKind::Special,
                    _ if t.starts_with("os.unix=symlink") || t.starts_with("os.unix=slink") => {
                        EntryKind::Link
                    }
                    _ => EntryKind::Special,
                };
            }
            "size" | "sizd" => entry.size = text.parse().ok(),
            "modify" => entry.modified = parse_mlsd_time(&text),
            "perm" => entry.permissions = Some(text.into_owned()),
            "unix.mode" if entry.permissions.is_none() => {
                entry.permissions = Some(text.into_owned());
            }
            "unix.owner" | "unix.ownername" => entry.owner = Some(text.into_owned()),
            _ => {}
        }
    }
    if !saw_type {
        entry.kind = EntryKind::Unknown;
    }
    if matches!(&entry.name[..], b"." | b"..") {
        entry.kind = EntryKind::Special;
    }
    entry
}

/// `YYYYMMDDHHMMSS[.sss]` in UTC.
pub fn parse_mlsd_time(s: &str) -> Option<i64> {
    let digits = s.split('.').next()?;
    if digits.len() != 14 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |r: std::ops::Range<usize>| digits[r].parse::<i64>().ok();
    civil_to_unix(
        n(0..4)?,
        n(4..6)?,
        n(6..8)?,
        n(8..10)?,
        n(10..12)?,
        n(12..14)?,
    )
}

/// Parses one LIST line, trying each known format.
pub fn parse_list_line(line: &[u8], now: i64) -> Entry {
    parse_eplf(line)
        .or_else(|| parse_unix(line, now))
        .or_else(|| parse_dos(line))
        .or_else(|| parse_os2(line))
        .or_else(|| parse_vms(line))
        .or_else(|| parse_netware(line, now))
        .unwrap_or_else(|| Entry::new(line, EntryKind::Unknown, line))
}

fn trim(s: &[u8]) -> &[u8] {
    let start = s
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(s.len());
    let end = s
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |i| i + 1);
    &s[start..end]
}

/// Splits off `n` whitespace-separated fields and returns them with the rest of the line
/// (which keeps its inner spaces: names may contain them).
fn fields(line: &[u8], n: usize) -> Option<(Vec<&[u8]>, &[u8])> {
    let mut out = Vec::with_capacity(n);
    let mut rest = line;
    for _ in 0..n {
        let start = rest.iter().position(|b| *b != b' ' && *b != b'\t')?;
        rest = &rest[start..];
        let end = rest
            .iter()
            .position(|b| *b == b' ' || *b == b'\t')
            .unwrap_or(rest.len());
        out.push(&rest[..end]);
        rest = &rest[end..];
    }
    Some((out, rest))
}

/// The name part after the date: exactly one separating space is dropped, so names that
/// start with spaces survive.
fn name_after(rest: &[u8]) -> &[u8] {
    rest.strip_prefix(b" ")
        .unwrap_or(rest.strip_prefix(b"\t").unwrap_or(rest))
}

fn parse_eplf(line: &[u8]) -> Option<Entry> {
    // +i8388621.48594,m825718503,r,s280,<TAB>djb.html
    let body = line.strip_prefix(b"+")?;
    let tab = body.iter().position(|b| *b == b'\t')?;
    let (facts, name) = (&body[..tab], &body[tab + 1..]);
    let mut entry = Entry::new(name, EntryKind::File, line);
    let mut dir = false;
    for fact in facts.split(|b| *b == b',') {
        match fact.first() {
            Some(b'/') => dir = true,
            Some(b's') => entry.size = std::str::from_utf8(&fact[1..]).ok()?.parse().ok(),
            Some(b'm') => entry.modified = std::str::from_utf8(&fact[1..]).ok()?.parse().ok(),
            Some(b'u') if fact.get(1) == Some(&b'p') => {
                entry.permissions = Some(String::from_utf8_lossy(&fact[2..]).into_owned());
            }
            _ => {}
        }
    }
    if dir {
        entry.kind = EntryKind::Dir;
    }
    Some(entry)
}

fn month(s: &[u8]) -> Option<i64> {
    const MONTHS: [&[u8]; 12] = [
        b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov",
        b"dec",
    ];
    if s.len() < 3 {
        return None;
    }
    let lower = s[..3].to_ascii_lowercase();
    MONTHS
        .iter()
        .position(|m| *m == lower.as_slice())
        .map(|i| i as i64 + 1)
}

fn num(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() > 18 || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(s).ok()?.parse().ok()
}

/// `1234`, or with a unit as some servers print (`1.5K`, `12M`).
fn size_with_units(s: &[u8]) -> Option<u64> {
    if let Some(n) = num(s) {
        return u64::try_from(n).ok();
    }
    let (digits, unit) = s.split_at(s.len().checked_sub(1)?);
    let mult: f64 = match unit[0].to_ascii_uppercase() {
        b'K' => 1024.0,
        b'M' => 1024.0 * 1024.0,
        b'G' => 1024.0 * 1024.0 * 1024.0,
        b'T' => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    let value: f64 = std::str::from_utf8(digits).ok()?.parse().ok()?;
    (value.is_finite() && value >= 0.0).then_some((value * mult) as u64)
}

fn hh_mm(s: &[u8]) -> Option<(i64, i64)> {
    let text = std::str::from_utf8(s).ok()?;
    let (h, m) = text.split_once(':')?;
    let m = m.get(..2).unwrap_or(m);
    let (h, m) = (h.parse().ok()?, m.parse().ok()?);
    ((0..24).contains(&h) && (0..60).contains(&m)).then_some((h, m))
}

fn parse_unix(line: &[u8], now: i64) -> Option<Entry> {
    let perms = line.split(|b| *b == b' ').next()?;
    if perms.len() < 10 || !b"-dlcbpsDn".contains(&perms[0]) {
        return None;
    }
    if !perms[1..10].iter().all(|b| b"rwxsStTl-".contains(b)) {
        return None;
    }
    let kind = match perms[0] {
        b'd' => EntryKind::Dir,
        b'l' => EntryKind::Link,
        b'-' => EntryKind::File,
        _ => EntryKind::Special,
    };
    // Find the date: "Mon DD HH:MM|YYYY" or "YYYY-MM-DD HH:MM"; what comes before it is
    // links, owner, group and size in some combination.
    let (all, _) = fields(line, 12).or_else(|| fields_upto(line))?;
    let mut date_at = None;
    for i in 1..all.len() {
        if month(all[i]).is_some()
            && all[i].len() == 3
            && i + 2 < all.len()
            && num(all[i + 1]).is_some()
        {
            date_at = Some((i, 3));
            break;
        }
        if all[i].len() == 10 && all[i][4] == b'-' && all[i][7] == b'-' && i + 1 < all.len() {
            date_at = Some((i, 2));
            break;
        }
    }
    let (at, width) = date_at?;
    let before = &all[1..at];
    let size = before.last().and_then(|s| size_with_units(s));
    let owner = match before.len() {
        n if n >= 3 => Some(String::from_utf8_lossy(before[1]).into_owned()),
        2 if num(before[0]).is_none() => Some(String::from_utf8_lossy(before[0]).into_owned()),
        _ => None,
    };
    let modified = if width == 3 {
        let mon = month(all[at])?;
        let day = num(all[at + 1])?;
        let third = all[at + 2];
        if let Some((h, m)) = hh_mm(third) {
            recent_date(mon, day, h, m, now)
        } else {
            civil_to_unix(num(third)?, mon, day, 0, 0, 0)
        }
    } else {
        let d = all[at];
        let y = num(&d[0..4])?;
        let mo = num(&d[5..7])?;
        let da = num(&d[8..10])?;
        let (h, m) = hh_mm(all[at + 1])?;
        civil_to_unix(y, mo, da, h, m, 0)
    };
    // The name is everything after the date fields, spaces included.
    let (_, rest) = fields(line, at + width)?;
    let mut name = name_after(rest).to_vec();
    if name.is_empty() {
        return None;
    }
    let mut target = None;
    if kind == EntryKind::Link
        && let Some(pos) = find(&name, b" -> ")
    {
        target = Some(name[pos + 4..].to_vec());
        name.truncate(pos);
    }
    let mut entry = Entry::new(&name, kind, line);
    entry.size = if kind == EntryKind::Special {
        None
    } else {
        size
    };
    entry.modified = modified;
    entry.target = target;
    entry.permissions = Some(String::from_utf8_lossy(&perms[1..10]).into_owned());
    entry.owner = owner;
    Some(entry)
}

/// All fields of a short line (fewer than 12).
fn fields_upto(line: &[u8]) -> Option<(Vec<&[u8]>, &[u8])> {
    let all: Vec<&[u8]> = line
        .split(|b| *b == b' ' || *b == b'\t')
        .filter(|f| !f.is_empty())
        .collect();
    (all.len() >= 4).then_some((all, &[][..]))
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn parse_dos(line: &[u8]) -> Option<Entry> {
    // 01-15-20  03:04PM       <DIR>          My Folder
    // 2020-01-15  15:04             1234 file.txt
    let (f, rest) = fields(line, 3)?;
    let (date, time, size_or_dir) = (f[0], f[1], f[2]);
    let parts: Vec<&[u8]> = date.split(|b| *b == b'-' || *b == b'/').collect();
    if parts.len() != 3 || !parts.iter().all(|p| num(p).is_some()) {
        return None;
    }
    let (a, b, c) = (num(parts[0])?, num(parts[1])?, num(parts[2])?);
    let (y, mo, d) = if parts[0].len() == 4 {
        (a, b, c)
    } else {
        (c, a, b)
    };
    let y = if y < 70 {
        2000 + y
    } else if y < 100 {
        1900 + y
    } else {
        y
    };
    let upper = time.to_ascii_uppercase();
    let (tpart, pm, am) = match upper.strip_suffix(b"PM") {
        Some(t) => (t.to_vec(), true, false),
        None => match upper.strip_suffix(b"AM") {
            Some(t) => (t.to_vec(), false, true),
            None => (upper.clone(), false, false),
        },
    };
    let (mut h, m) = hh_mm(&tpart)?;
    if pm && h < 12 {
        h += 12;
    }
    if am && h == 12 {
        h = 0;
    }
    let name = name_after_spaces(rest);
    if name.is_empty() {
        return None;
    }
    let mut entry = Entry::new(name, EntryKind::File, line);
    if size_or_dir.eq_ignore_ascii_case(b"<DIR>") {
        entry.kind = EntryKind::Dir;
    } else if size_or_dir.eq_ignore_ascii_case(b"<JUNCTION>")
        || size_or_dir.eq_ignore_ascii_case(b"<SYMLINKD>")
    {
        entry.kind = EntryKind::Link;
    } else {
        entry.size = u64::try_from(num(&size_or_dir
            .iter()
            .copied()
            .filter(|b| *b != b',')
            .collect::<Vec<_>>())?)
        .ok();
    }
    entry.modified = civil_to_unix(y, mo, d, h, m, 0);
    Some(entry)
}

/// DOS and OS/2 align names in a column after several spaces.
fn name_after_spaces(rest: &[u8]) -> &[u8] {
    let start = rest.iter().position(|b| *b != b' ').unwrap_or(rest.len());
    &rest[start..]
}

fn parse_os2(line: &[u8]) -> Option<Entry> {
    //            0           DIR   01-15-20  15:04  folder
    //        12345      A          01-15-20  15:04  file.txt
    let trimmed = trim(line);
    let (first, _) = fields(trimmed, 1)?;
    let size = num(first[0])?;
    let all: Vec<&[u8]> = trimmed
        .split(|b| *b == b' ')
        .filter(|f| !f.is_empty())
        .collect();
    let date_idx = all
        .iter()
        .position(|f| f.len() == 8 && f[2] == b'-' && f[5] == b'-' && num(&f[0..2]).is_some())?;
    let dir = all[1..date_idx].iter().any(|f| *f == b"DIR");
    let date = all[date_idx];
    let (mo, d, y) = (num(&date[0..2])?, num(&date[3..5])?, num(&date[6..8])?);
    let (h, m) = hh_mm(all.get(date_idx + 1)?)?;
    let (_, rest) = fields(trimmed, date_idx + 2)?;
    let name = name_after_spaces(rest);
    if name.is_empty() {
        return None;
    }
    let mut entry = Entry::new(
        name,
        if dir { EntryKind::Dir } else { EntryKind::File },
        line,
    );
    entry.size = (!dir).then_some(u64::try_from(size).ok()).flatten();
    let y = if y < 70 { 2000 + y } else { 1900 + y };
    entry.modified = civil_to_unix(y, mo, d, h, m, 0);
    Some(entry)
}

fn parse_vms(line: &[u8]) -> Option<Entry> {
    // NAME.TXT;1        2/4     15-JAN-2020 15:04:05  [GROUP,OWNER]  (RWED,RWED,RE,)
    // DIR.DIR;1         1/4     15-JAN-2020 15:04:05  [GROUP,OWNER]  (RWE,RWE,RE,E)
    let (f, _) = fields(line, 4)?;
    let name = f[0];
    let semi = name.iter().rposition(|b| *b == b';')?;
    num(&name[semi + 1..])?;
    let base = &name[..semi];
    let date: Vec<&[u8]> = f[2].split(|b| *b == b'-').collect();
    if date.len() != 3 {
        return None;
    }
    let (d, mo, y) = (num(date[0])?, month(date[1])?, num(date[2])?);
    let (h, m) = hh_mm(f[3])?;
    let blocks = f[1].split(|b| *b == b'/').next().and_then(num);
    let (kind, name) = match base.strip_suffix(b".DIR") {
        Some(stem) => (EntryKind::Dir, stem),
        None => (EntryKind::File, base),
    };
    let mut entry = Entry::new(name, kind, line);
    if kind == EntryKind::File {
        entry.size = blocks.and_then(|b| u64::try_from(b * 512).ok());
    }
    entry.modified = civil_to_unix(y, mo, d, h, m, 0);
    if let (Some(o), Some(c)) = (find(line, b"["), find(line, b"]"))
        && o < c
    {
        entry.owner = Some(String::from_utf8_lossy(&line[o + 1..c]).into_owned());
    }
    if let (Some(o), Some(c)) = (find(line, b"("), find(line, b")"))
        && o < c
    {
        entry.permissions = Some(String::from_utf8_lossy(&line[o + 1..c]).into_owned());
    }
    Some(entry)
}

fn parse_netware(line: &[u8], now: i64) -> Option<Entry> {
    // d [R----F--] supervisor            512       Jan 16 18:53    login
    // - [RWCEAFMS] owner                1234       Jan 16  2020    file.txt
    let (f, rest) = fields(line, 7)?;
    let kind = match f[0] {
        b"d" => EntryKind::Dir,
        b"-" => EntryKind::File,
        _ => return None,
    };
    let rights = f[1].strip_prefix(b"[")?.strip_suffix(b"]")?;
    let size = num(f[3])?;
    let mon = month(f[4])?;
    let day = num(f[5])?;
    let modified = match hh_mm(f[6]) {
        Some((h, m)) => recent_date(mon, day, h, m, now),
        None => civil_to_unix(num(f[6])?, mon, day, 0, 0, 0),
    };
    let name = name_after_spaces(rest);
    if name.is_empty() {
        return None;
    }
    let mut entry = Entry::new(name, kind, line);
    entry.size = (kind == EntryKind::File)
        .then_some(u64::try_from(size).ok())
        .flatten();
    entry.modified = modified;
    entry.permissions = Some(String::from_utf8_lossy(rights).into_owned());
    entry.owner = Some(String::from_utf8_lossy(f[2]).into_owned());
    Some(entry)
}

/// A date printed without a year: the most recent one that is not more than a day ahead.
fn recent_date(mon: i64, day: i64, h: i64, m: i64, now: i64) -> Option<i64> {
    let year = unix_to_year(now);
    let this_year = civil_to_unix(year, mon, day, h, m, 0)?;
    if this_year > now + 86_400 {
        civil_to_unix(year - 1, mon, day, h, m, 0)
    } else {
        Some(this_year)
    }
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Unix seconds for a UTC civil time, if it is a real date.
pub fn civil_to_unix(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64) -> Option<i64> {
    if !(1..=12).contains(&mo)
        || !(1..=31).contains(&d)
        || !(0..24).contains(&h)
        || !(0..60).contains(&mi)
        || !(0..=60).contains(&s)
        || !(1..=9999).contains(&y)
    {
        return None;
    }
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s)
}

fn unix_to_year(t: i64) -> i64 {
    civil_from_days(t.div_euclid(86_400)).0
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// RFC 3339 in UTC: `2020-01-15T15:04:00Z`.
pub fn rfc3339(t: i64) -> String {
    let (y, m, d) = civil_from_days(t.div_euclid(86_400));
    let secs = t.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// 2026-11-23 12:00:00 UTC.
    const NOW: i64 = 1_795_435_200;

    fn one(line: &str) -> Entry {
        parse_list_line(line.as_bytes(), NOW)
    }

    #[test]
    fn calendar_maths() {
        assert_eq!(civil_to_unix(1970, 1, 1, 0, 0, 0), Some(0));
        assert_eq!(civil_to_unix(2020, 1, 15, 15, 4, 0), Some(1_579_100_640));
        assert_eq!(rfc3339(1_579_100_640), "2020-01-15T15:04:00Z");
        assert_eq!(rfc3339(NOW), "2026-11-23T12:00:00Z");
        assert_eq!(civil_to_unix(2020, 13, 1, 0, 0, 0), None);
        assert_eq!(parse_mlsd_time("20200115150400"), Some(1_579_100_640));
        assert_eq!(parse_mlsd_time("20200115150400.123"), Some(1_579_100_640));
        assert_eq!(parse_mlsd_time("2020"), None);
    }

    #[test]
    fn unix_variants() {
        let e = one("-rw-r--r--    1 1000     1000         1234 Jan 15  2020 file.txt");
        assert_eq!(
            (e.kind, e.size, e.name.as_slice()),
            (EntryKind::File, Some(1234), &b"file.txt"[..])
        );
        assert_eq!(e.modified, civil_to_unix(2020, 1, 15, 0, 0, 0));
        assert_eq!(e.permissions.as_deref(), Some("rw-r--r--"));
        assert_eq!(e.owner.as_deref(), Some("1000"));

        let e = one("drwxr-xr-x    2 ftp      ftp          4096 Nov 20 10:30 pub");
        assert_eq!(e.kind, EntryKind::Dir);
        assert_eq!(e.modified, civil_to_unix(2026, 11, 20, 10, 30, 0));
        // A date in December seen in November is last year's.
        let e = one("-rw-r--r--    1 ftp      ftp            10 Dec 24 18:00 old");
        assert_eq!(e.modified, civil_to_unix(2025, 12, 24, 18, 0, 0));

        let e = one("lrwxrwxrwx    1 root     root            7 Mar  3  2021 bin -> usr/bin");
        assert_eq!(e.kind, EntryKind::Link);
        assert_eq!(e.name, b"bin");
        assert_eq!(e.target.as_deref(), Some(&b"usr/bin"[..]));

        let e =
            one("-rw-r--r--    1 user     group          99 Jan  1  2020 name with  spaces.txt");
        assert_eq!(e.name, b"name with  spaces.txt");

        // No group column.
        let e = one("-rw-r--r--   1 owner   5120 Feb  2  2022 nogroup.bin");
        assert_eq!(
            (e.size, e.name.as_slice()),
            (Some(5120), &b"nogroup.bin"[..])
        );
        assert_eq!(e.owner.as_deref(), Some("owner"));

        // ISO dates (ls --time-style=long-iso).
        let e = one("-rw-r--r-- 1 user group 300 2021-06-07 08:09 iso.txt");
        assert_eq!(e.modified, civil_to_unix(2021, 6, 7, 8, 9, 0));
        assert_eq!(e.name, b"iso.txt");

        // Sizes with units, ACL marker, device file.
        let e = one("-rw-r--r--+ 1 user group 1.5K Jan  1  2020 units.txt");
        assert_eq!(e.size, Some(1536));
        let e = one("crw-rw-rw-   1 root     root       1,   3 Jan  1  2020 null");
        assert_eq!((e.kind, e.size), (EntryKind::Special, None));
        assert_eq!(e.name, b"null");

        // A name that is not UTF-8 keeps its bytes.
        let e = parse_list_line(b"-rw-r--r-- 1 u g 5 Jan  1  2020 caf\xe9.txt", NOW);
        assert_eq!(e.name, b"caf\xe9.txt");
    }

    #[test]
    fn netware_lines_are_kept() {
        let e = one("d [R----F--] supervisor            512       Jan 16 18:53    login");
        assert_eq!((e.kind, e.name.as_slice()), (EntryKind::Dir, &b"login"[..]));
        assert_eq!(e.owner.as_deref(), Some("supervisor"));
        assert_eq!(e.modified, civil_to_unix(2026, 1, 16, 18, 53, 0));
        let e = one("- [RWCEAFMS] owner                1234       Jan 16  2020    my file.txt");
        assert_eq!(
            (e.kind, e.size, e.name.as_slice()),
            (EntryKind::File, Some(1234), &b"my file.txt"[..])
        );
        assert_eq!(e.permissions.as_deref(), Some("RWCEAFMS"));
    }

    #[test]
    fn dos_and_iis() {
        let e = one("01-15-20  03:04PM       <DIR>          My Folder");
        assert_eq!(
            (e.kind, e.name.as_slice()),
            (EntryKind::Dir, &b"My Folder"[..])
        );
        assert_eq!(e.modified, civil_to_unix(2020, 1, 15, 15, 4, 0));
        let e = one("01-15-2020  12:04AM                 1,234 file.txt");
        assert_eq!((e.kind, e.size), (EntryKind::File, Some(1234)));
        assert_eq!(e.modified, civil_to_unix(2020, 1, 15, 0, 4, 0));
        let e = one("2020-01-15  15:04             1234 iso.txt");
        assert_eq!(e.modified, civil_to_unix(2020, 1, 15, 15, 4, 0));
    }

    #[test]
    fn eplf() {
        let e = one("+i8388621.48594,m825718503,r,s280,\tdjb.html");
        assert_eq!(
            (e.kind, e.size, e.modified),
            (EntryKind::File, Some(280), Some(825_718_503))
        );
        assert_eq!(e.name, b"djb.html");
        let e = one("+i8388621.50690,m824255907,/,\t514");
        assert_eq!((e.kind, e.name.as_slice()), (EntryKind::Dir, &b"514"[..]));
    }

    #[test]
    fn vms() {
        let e =
            one("NAME.TXT;1        2/4     15-JAN-2020 15:04:05  [GROUP,OWNER]  (RWED,RWED,RE,)");
        assert_eq!(
            (e.kind, e.name.as_slice(), e.size),
            (EntryKind::File, &b"NAME.TXT"[..], Some(1024))
        );
        assert_eq!(e.modified, civil_to_unix(2020, 1, 15, 15, 4, 0));
        assert_eq!(e.owner.as_deref(), Some("GROUP,OWNER"));
        let e =
            one("SUBDIR.DIR;1      1/4     15-JAN-2020 15:04:05  [GROUP,OWNER]  (RWE,RWE,RE,E)");
        assert_eq!(
            (e.kind, e.name.as_slice()),
            (EntryKind::Dir, &b"SUBDIR"[..])
        );
    }

    #[test]
    fn os2() {
        let e = one("           0           DIR   01-15-20  15:04  folder");
        assert_eq!(
            (e.kind, e.name.as_slice()),
            (EntryKind::Dir, &b"folder"[..])
        );
        let e = one("       12345      A          01-15-20  15:04  file.txt");
        assert_eq!((e.kind, e.size), (EntryKind::File, Some(12345)));
    }

    #[test]
    fn mlsd() {
        let list = parse_mlsd(
            b"type=cdir;modify=20200101000000; .\r\n\
type=pdir;modify=20200101000000; ..\r\n\
type=file;size=1234;modify=20200115150400;perm=adfrw;UNIX.owner=ftp; a file.txt\r\n\
type=dir;modify=20200115150400;perm=flcdmpe; sub\r\n\
type=OS.unix=symlink;modify=20200115150400; link\r\n",
        );
        assert_eq!(list.len(), 3, "{list:?}");
        assert_eq!(list[0].name, b"a file.txt");
        assert_eq!((list[0].kind, list[0].size), (EntryKind::File, Some(1234)));
        assert_eq!(list[0].modified, civil_to_unix(2020, 1, 15, 15, 4, 0));
        assert_eq!(list[0].owner.as_deref(), Some("ftp"));
        assert_eq!(list[1].kind, EntryKind::Dir);
        assert_eq!(list[2].kind, EntryKind::Link);
    }

    #[test]
    fn unknown_lines_are_kept_raw() {
        let list = parse_list(
            b"total 12\r\nthis is not a listing line\r\n-rw-r--r-- 1 u g 5 Jan  1  2020 ok\r\n",
            NOW,
        );
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].kind, EntryKind::Unknown);
        assert_eq!(list[0].raw, b"this is not a listing line");
        assert_eq!(list[1].name, b"ok");
        let list = parse_mlsd(b"no facts here\r\n");
        assert_eq!(list[0].kind, EntryKind::Unknown);
        // Found by the fuzzer: facts and a space but no name.
        let list = parse_mlsd(b"\x01 ");
        assert_eq!(
            (list[0].kind, list[0].name.as_slice()),
            (EntryKind::Unknown, &b"\x01 "[..])
        );
    }

    #[test]
    fn dots_are_dropped() {
        let list = parse_list(
            b"drwxr-xr-x 2 u g 4096 Jan  1  2020 .\ndrwxr-xr-x 2 u g 4096 Jan  1  2020 ..\n",
            NOW,
        );
        assert!(list.is_empty());
    }

    proptest! {
        #[test]
        fn any_bytes_parse(data in proptest::collection::vec(any::<u8>(), 0..600)) {
            for e in parse_list(&data, NOW) {
                prop_assert!(!e.raw.is_empty());
            }
            let _ = parse_mlsd(&data);
        }

        #[test]
        fn unix_lines_round_trip(
            size in 0u64..10_000_000_000,
            name in "[a-zA-Z0-9._-][a-zA-Z0-9 ._-]{0,30}[a-zA-Z0-9._-]",
            year in 1990i64..2026,
            month_i in 1i64..=12,
            day in 1i64..=28,
        ) {
            const M: [&str; 12] = ["Jan","Feb","Mar","Apr","May","Jun","Jul","Aug","Sep","Oct","Nov","Dec"];
            let line = format!("-rw-r--r--    1 owner    group {size:>12} {} {day:>2}  {year} {name}", M[(month_i - 1) as usize]);
            let e = parse_list_line(line.as_bytes(), NOW);
            prop_assert_eq!(e.kind, EntryKind::File);
            prop_assert_eq!(e.size, Some(size));
            prop_assert_eq!(e.name, name.as_bytes().to_vec());
            prop_assert_eq!(e.modified, civil_to_unix(year, month_i, day, 0, 0, 0));
        }
    }
}
