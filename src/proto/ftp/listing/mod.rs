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

mod dates;
mod rare;

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

    /// A folder when `dir`, else a file: the formats that say only that much.
    fn file_or_dir(name: &[u8], dir: bool, raw: &[u8]) -> Entry {
        Entry::new(
            name,
            if dir { EntryKind::Dir } else { EntryKind::File },
            raw,
        )
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
        .or_else(|| rare::parse(line))
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

/// `1234`, or with a unit as some servers print (`1.5K`, `12M`, `2KB`).
fn size_with_units(s: &[u8]) -> Option<u64> {
    if let Some(n) = num(s) {
        return u64::try_from(n).ok();
    }
    let s = match s.strip_suffix(b"B").or_else(|| s.strip_suffix(b"b")) {
        Some(head) if head.last().is_some_and(|b| b"KMGTkmgt".contains(b)) => head,
        _ => s,
    };
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
    // `rwxr-xr-x` and the like; a few servers write other letters there (Connect:Enterprise
    // `-C--E-----FTP`). An ACL or attribute mark may follow (`+`, `.`, `@`).
    let standard = perms[1..10].iter().all(|b| b"rwxsStTl-".contains(b));
    if !standard
        && !perms[1..]
            .iter()
            .all(|b| b.is_ascii_alphabetic() || *b == b'-')
    {
        return None;
    }
    let kind = match perms[0] {
        b'd' => EntryKind::Dir,
        b'l' => EntryKind::Link,
        b'-' => EntryKind::File,
        _ => EntryKind::Special,
    };
    // Find the date; what comes before it is links, owner, group and size in some
    // combination. Month names first: a numeric date is only looked for when there is none.
    let (all, _) = fields(line, 14).or_else(|| fields_upto(line))?;
    let named = (1..all.len()).find_map(|i| Some((i, dates::named(&all, i, now)?)));
    let numeric = || {
        (2..all.len())
            .filter(|&i| size_of(all[i - 1]).is_some())
            .find_map(|i| Some((i, dates::numeric(&all, i, now)?)))
    };
    let (at, (modified, width)) = match named.or_else(numeric) {
        Some(found) => found,
        // No date at all (some embedded servers): links, owner, group, size, name.
        None if all.len() > 5 && num(all[1]).is_some() && num(all[4]).is_some() => (5, (None, 0)),
        None => return None,
    };
    let before = &all[1..at];
    let size = before.last().and_then(|s| size_of(s));
    let owner = match before.len() {
        n if n >= 3 => Some(String::from_utf8_lossy(before[1]).into_owned()),
        2 if num(before[0]).is_none() => Some(String::from_utf8_lossy(before[0]).into_owned()),
        _ => None,
    };
    // The name is everything after the date, spaces included: `ls` puts one space before
    // it, so a name that starts with spaces keeps them; other layouts align names in a
    // column, and the padding is not part of the name.
    let (_, rest) = fields(line, at + width)?;
    let classic = width >= 3 && month(all[at]).is_some() && all[at].len() == 3;
    let iso = all[at].len() == 10 && all[at][4] == b'-';
    let name = if classic || iso {
        name_after(rest)
    } else {
        name_after_spaces(rest)
    };
    let mut name = name.to_vec();
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

/// A size column: digits, with a unit (`1.5K`, `2KB`), or glued to the group name by a
/// server that aligns columns too tightly (`longgroup123456`).
fn size_of(s: &[u8]) -> Option<u64> {
    if let Some(n) = size_with_units(s) {
        return Some(n);
    }
    let digits = s.iter().rev().take_while(|b| b.is_ascii_digit()).count();
    let (head, tail) = s.split_at(s.len() - digits);
    (digits > 0 && head.len() >= 3 && head.iter().all(u8::is_ascii_alphabetic))
        .then(|| num(tail).and_then(|n| u64::try_from(n).ok()))
        .flatten()
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
    // MM-DD-YY, and MM-DD-YYY from servers that count years from 1900 (`04-23-103`).
    let date_of = |f: &[u8]| -> Option<(i64, i64, i64)> {
        let parts: Vec<&[u8]> = f.split(|b| *b == b'-').collect();
        if parts.len() != 3 || parts[0].len() != 2 || parts[1].len() != 2 {
            return None;
        }
        if !(2..=3).contains(&parts[2].len()) {
            return None;
        }
        Some((num(parts[0])?, num(parts[1])?, num(parts[2])?))
    };
    let date_idx = all.iter().position(|f| date_of(f).is_some())?;
    let dir = all[1..date_idx].iter().any(|f| *f == b"DIR");
    let (mo, d, y) = date_of(all[date_idx])?;
    let (h, m) = hh_mm(all.get(date_idx + 1)?)?;
    let (_, rest) = fields(trimmed, date_idx + 2)?;
    let name = name_after_spaces(rest);
    if name.is_empty() {
        return None;
    }
    let mut entry = Entry::file_or_dir(name, dir, line);
    entry.size = (!dir).then_some(u64::try_from(size).ok()).flatten();
    entry.modified = civil_to_unix(dates::full_year(y), mo, d, h, m, 0);
    Some(entry)
}

fn parse_vms(line: &[u8]) -> Option<Entry> {
    // NAME.TXT;1        2/4     15-JAN-2020 15:04:05  [GROUP,OWNER]  (RWED,RWED,RE,)
    // DIR.DIR;1         1/4     15-JAN-2020 15:04:05  [GROUP,OWNER]  (RWE,RWE,RE,E)
    // The size, date, time, owner and rights come in other orders too, and the time or the
    // owner may be missing; the size is in 512-byte blocks (`155`, `2/8`) or with a unit.
    let (f, after_name) = fields(line, 1)?;
    let name = f[0];
    let semi = name.iter().rposition(|b| *b == b';')?;
    num(&name[semi + 1..])?;
    let base = &name[..semi];
    let rest: Vec<&[u8]> = after_name
        .split(|b| *b == b' ' || *b == b'\t')
        .filter(|t| !t.is_empty())
        .collect();
    let mut modified_day = None;
    let mut time = None;
    let mut size = None;
    for token in &rest {
        let parts: Vec<&[u8]> = token.split(|b| *b == b'-').collect();
        if parts.len() == 3
            && let (Some(d), Some(mo), Some(y)) =
                (num(parts[0]), dates::month_name(parts[1]), num(parts[2]))
        {
            modified_day = Some((y, mo, d));
        } else if let Some(t) = hh_mm(token) {
            time = Some(t);
        } else if size.is_none()
            && let Some(blocks) = token.split(|b| *b == b'/').next().and_then(num)
        {
            size = u64::try_from(blocks).ok().and_then(|b| b.checked_mul(512));
        } else if size.is_none()
            && !token.starts_with(b"[")
            && !token.starts_with(b"(")
            && let Some(n) = size_with_units(token)
        {
            size = Some(n);
        }
    }
    let (y, mo, d) = modified_day?;
    let (h, m) = time.unwrap_or((0, 0));
    let (kind, name) = match base.strip_suffix(b".DIR") {
        Some(stem) => (EntryKind::Dir, stem),
        None => (EntryKind::File, base),
    };
    let mut entry = Entry::new(name, kind, line);
    if kind == EntryKind::File {
        entry.size = size;
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
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
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

    /// Layouts of `ls -l` and other servers met in the wild (FileZilla's listing tests were
    /// read as the list of which exist; the lines here are our own). Each is
    /// (line, name, kind, size, modified as RFC 3339 or "" for none).
    #[test]
    fn wild_layouts_are_understood() {
        use EntryKind::{Dir, File, Link};
        let cases: &[(&str, &str, EntryKind, Option<u64>, &str)] = &[
            // Numeric month, then a time.
            (
                "-rw-r--r--   1 root     other        531 3 29 03:26 notes.txt",
                "notes.txt",
                File,
                Some(531),
                "2026-03-29T03:26:00Z",
            ),
            // MM-DD and a year or a time.
            (
                "-rw-r--r--   1 root     other        531 09-26 2000 old report",
                "old report",
                File,
                Some(531),
                "2000-09-26T00:00:00Z",
            ),
            (
                "-rw-r--r--   1 root     other        531 09-26 13:45 recent",
                "recent",
                File,
                Some(531),
                "2026-09-26T13:45:00Z",
            ),
            // Month and day swapped, with a year or a time.
            (
                "drwxr-xr-x 3 user group 512 01 oct 2004 photos",
                "photos",
                Dir,
                Some(512),
                "2004-10-01T00:00:00Z",
            ),
            (
                "drwxrwxrwx   1 0        0               0 29 Jul 02:27 2014 Taxes",
                "2014 Taxes",
                Dir,
                Some(0),
                "2026-07-29T02:27:00Z",
            ),
            // German, Hungarian and French month names, with dots and commas.
            (
                "dr-xr-xr-x   2 root     other      2235 26. Juli, 20:10 Ordner",
                "Ordner",
                Dir,
                Some(2235),
                "2026-07-26T20:10:00Z",
            ),
            (
                "-r-xr-xr-x   2 root     other      2235 2.   Okt.  2003 Bericht",
                "Bericht",
                File,
                Some(2235),
                "2003-10-02T00:00:00Z",
            ),
            (
                "drwxr-xr-x 6 user sys 1024 30. Jan., 12:40 Archiv",
                "Archiv",
                Dir,
                Some(1024),
                "2026-01-30T12:40:00Z",
            ),
            (
                "dr-xr-xr-x   2 root     other      2235 szept 26 20:10 mappa",
                "mappa",
                Dir,
                Some(2235),
                "2026-09-26T20:10:00Z",
            ),
            (
                "-rw-r--r--   1 u g 10 févr. 3 2020 fichier",
                "fichier",
                File,
                Some(10),
                "2020-02-03T00:00:00Z",
            ),
            // Year-first and day-first numeric dates; a dotted date without a time.
            (
                "-r-xr-xr-x   2 root     other      2235 1999/10/12 17:12 slashes",
                "slashes",
                File,
                Some(2235),
                "1999-10-12T17:12:00Z",
            ),
            (
                "-r-xr-xr-x   2 root     other      2235 24-04-2003 17:12 dayfirst",
                "dayfirst",
                File,
                Some(2235),
                "2003-04-24T17:12:00Z",
            ),
            (
                "-r-xr-xr-x   2 root  root  96 2004.07.15   dotted",
                "dotted",
                File,
                Some(96),
                "2004-07-15T00:00:00Z",
            ),
            (
                "-r-xr-xr-x 2 owner group 4512 01-jun-99 shortmonth",
                "shortmonth",
                File,
                Some(4512),
                "1999-06-01T00:00:00Z",
            ),
            // VShell: a year and a time after the day.
            (
                "-rwxr-xr-x    1 user group        9 Oct 08, 2002 09:47 script.sh",
                "script.sh",
                File,
                Some(9),
                "2002-10-08T09:47:00Z",
            ),
            // Size glued to the group, owner and group missing, no date at all, 24:00.
            (
                "-r-xr-xr-x longowner longgroup123456 Feb 12 17:20 packed",
                "packed",
                File,
                Some(123_456),
                "2026-02-12T17:20:00Z",
            ),
            (
                "-r--r--r-- 0125039 12 Nov 11 2005 bare",
                "bare",
                File,
                Some(12),
                "2005-11-11T00:00:00Z",
            ),
            (
                "drwxr-xr-x 3 someone devs 512 undated",
                "undated",
                Dir,
                Some(512),
                "",
            ),
            (
                "-rw-------      1  99999999 0              3 Apr   4 24:00 midnight",
                "midnight",
                File,
                Some(3),
                "2026-04-05T00:00:00Z",
            ),
            // Connect:Enterprise writes other letters in the mode column.
            (
                "-C--E-----FTP B BCC3I1       7670  1294495 Jan 13 07:42 batch.dat",
                "batch.dat",
                File,
                Some(1_294_495),
                "2026-01-13T07:42:00Z",
            ),
            (
                "lrwxrwxrwx   1 root     other          7 Jan 25 00:17 lib -> usr/lib",
                "lib",
                Link,
                Some(7),
                "2026-01-25T00:17:00Z",
            ),
            // Numeric Unix listing: octal mode, uid, gid, size, Unix time.
            (
                "0100644   500  101   12345    123456789       numeric.bin",
                "numeric.bin",
                File,
                Some(12_345),
                "1973-11-29T21:33:09Z",
            ),
            // Old VShell.
            (
                "206876  Apr 04, 2000 21:06 vshell.zip",
                "vshell.zip",
                File,
                Some(206_876),
                "2000-04-04T21:06:00Z",
            ),
            (
                "0  Dec 12, 2002 02:13 vshell folder/",
                "vshell folder",
                Dir,
                Some(0),
                "2002-12-12T02:13:00Z",
            ),
            // OS/2 with years counted from 1900.
            (
                "36611      A    04-23-103  10:57  os2.txt",
                "os2.txt",
                File,
                Some(36_611),
                "2003-04-23T10:57:00Z",
            ),
            (
                "    0 DIR       02-11-103  16:15  os2 dir",
                "os2 dir",
                Dir,
                None,
                "2003-02-11T16:15:00Z",
            ),
            (
                " 1123 DIR  A    10-05-100  23:38  os2 other",
                "os2 other",
                Dir,
                None,
                "2000-10-05T23:38:00Z",
            ),
            // VMS: sizes in blocks or with units, fields in other orders, no time.
            (
                "ARCHIVE.DAT;1       155   2-JUL-2003 10:30:13.64",
                "ARCHIVE.DAT",
                File,
                Some(79_360),
                "2003-07-02T10:30:00Z",
            ),
            (
                "NOTIME.TXT;1    2/8    7-JAN-2000    [USER_X]   (RWED,RWED,RE,)",
                "NOTIME.TXT",
                File,
                Some(1024),
                "2000-01-07T00:00:00Z",
            ),
            (
                "JULY.TXT;1    6/8    15-JUI-2002    STAFF   (RWED,RWED,RE,)",
                "JULY.TXT",
                File,
                Some(3072),
                "2002-07-15T00:00:00Z",
            ),
            (
                "ORDER.TXT;1   [SUMMARY]    1/3     2-AUG-2006 13:05  (RWE,RWE,RE,)",
                "ORDER.TXT",
                File,
                Some(512),
                "2006-08-02T13:05:00Z",
            ),
            (
                "LATER.TXT;1       17-JUN-1994 17:25:37     6308/13     (RWED,RWED,R,)",
                "LATER.TXT",
                File,
                Some(3_229_696),
                "1994-06-17T17:25:00Z",
            ),
            (
                "UNITS.TXT;1 2KB 23-SEP-2005 14:57:07.27",
                "UNITS.TXT",
                File,
                Some(2048),
                "2005-09-23T14:57:00Z",
            ),
            // IBM AS/400, month or day first, slashes or dots.
            (
                "QSYS            77824 02/23/00 15:09:55 *DIR library/",
                "library",
                Dir,
                Some(77_824),
                "2000-02-23T15:09:55Z",
            ),
            (
                "QSYS            77824 23/02/00 15:09:55 *FILE daybefore",
                "daybefore",
                File,
                Some(77_824),
                "2000-02-23T15:09:55Z",
            ),
            (
                "QPGMR           36864 18.09.06 14:21:26 *FILE      PROG.FILE",
                "PROG.FILE",
                File,
                Some(36_864),
                "2006-09-18T14:21:26Z",
            ),
            // Nortel routers: wfFtp with the name first, VxWorks with <DIR> after the name.
            (
                "config.cfg       1014196  06/03/04  Thur.   10:20:03",
                "config.cfg",
                File,
                Some(1_014_196),
                "2004-06-03T10:20:03Z",
            ),
            (
                "2048    Feb-28-1998  05:23:30   flash dir <DIR>",
                "flash dir",
                Dir,
                Some(2048),
                "1998-02-28T05:23:30Z",
            ),
            // Microware OS-9: group.user, YY/MM/DD, HHMM, attributes, sector, size.
            (
                "20.20 07/03/29 1026 d-ewrewr 2650 85920 CMDS",
                "CMDS",
                Dir,
                Some(85_920),
                "2007-03-29T10:26:00Z",
            ),
        ];
        // 2026-11-29, so that dates without a year fall in 2026.
        let now = 1_796_000_000;
        for (line, name, kind, size, modified) in cases {
            let e = parse_list_line(line.as_bytes(), now);
            assert_eq!(String::from_utf8_lossy(&e.name), *name, "{line}");
            assert_eq!(e.kind, *kind, "{line}");
            assert_eq!(e.size, *size, "{line}");
            assert_eq!(
                e.modified.map(rfc3339).unwrap_or_default(),
                *modified,
                "{line}"
            );
        }
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

        /// Lines made of the pieces the date, size and rare-format parsers look for, in any
        /// order: whatever they make of them, they never panic and keep the line.
        #[test]
        fn listing_shaped_tokens_never_panic(
            tokens in proptest::collection::vec(
                "(-rw-r--r--|drwx------|-C--E-----FTP|0100644|[0-9]{1,4}|[0-9]{2}-[0-9]{2}-[0-9]{2,4}|[0-9]{4}[./-][0-9]{2}[./-][0-9]{2}|[0-9]{2}[/.][0-9]{2}[/.][0-9]{2}|Jan|févr\\.|Juli,|[0-9]{1,2}\\.|[0-9]{2}:[0-9]{2}(:[0-9]{2})?|24:00|\\*DIR|<DIR>|[A-Z]{3}-[0-9]{2}-[0-9]{4}|[0-9]{1,2}-[A-Z]{3}-[0-9]{4}|NAME;1|[0-9]+/[0-9]+|\\[A,B\\]|\\(RWE\\)|Thur\\.|x|/)",
                0..12,
            ),
            spaces in proptest::collection::vec(1usize..4, 12),
        ) {
            let mut line = String::new();
            for (t, n) in tokens.iter().zip(&spaces) {
                line.push_str(t);
                line.push_str(&" ".repeat(*n));
            }
            let e = parse_list_line(line.as_bytes(), NOW);
            prop_assert_eq!(e.raw, line.as_bytes().to_vec());
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
