//! Our own reader for the one answer that is large: the `* n FETCH` responses of a folder's
//! message summaries (UID, FLAGS, INTERNALDATE, RFC822.SIZE, MODSEQ and the header fields).
//! async-imap's general parser spent half again the time the server took to send them;
//! this one reads only those items, borrows the bytes and copies nothing but the header.
//! [`Responses`] cuts the stream into whole responses (lines and `{N}` literals), and
//! [`parse_head`] reads one. Other items are skipped whole, so a server that adds some is
//! still read.

use super::client::MessageHead;

/// Why a FETCH response could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeadError {
    #[error("a FETCH response ended in the middle of {0}")]
    Truncated(&'static str),
    #[error("a FETCH response has {found:?} where {wanted} belongs")]
    Unexpected { wanted: &'static str, found: String },
    #[error("the server sent one response of more than {limit} bytes")]
    TooLarge { limit: usize },
    #[error("the server's search answer names more than {limit} messages")]
    TooMany { limit: usize },
}

/// Cuts the server's bytes into whole responses: a line, and where the line ends in a `{N}`
/// literal announcement, the N bytes and the rest of the response after them.
#[derive(Debug, Default)]
pub struct Responses {
    buf: Vec<u8>,
    /// How far the bytes have been scanned.
    at: usize,
    /// Where the line being scanned began (outside a literal).
    line_start: usize,
    /// Bytes of a literal still to come.
    literal_left: usize,
}

impl Responses {
    /// Takes the next bytes from the server and hands each response they complete to `each`,
    /// in order. A response of more than `limit` bytes is an error.
    pub fn push(
        &mut self,
        bytes: &[u8],
        limit: usize,
        mut each: impl FnMut(&[u8]),
    ) -> Result<(), HeadError> {
        self.buf.extend_from_slice(bytes);
        let mut start = 0;
        loop {
            if self.literal_left > 0 {
                let take = (self.buf.len() - self.at).min(self.literal_left);
                self.at += take;
                self.literal_left -= take;
                if self.literal_left > 0 {
                    break;
                }
                self.line_start = self.at;
            }
            let Some(p) = memchr::memchr(b'\n', &self.buf[self.at..]) else {
                self.at = self.buf.len();
                break;
            };
            let end = self.at + p + 1;
            self.at = end;
            if let Some(n) = literal_claim(&self.buf[self.line_start..end]) {
                self.literal_left = n;
                self.line_start = end;
                continue;
            }
            each(&self.buf[start..end]);
            start = end;
            self.line_start = end;
        }
        if self.buf.len() - start > limit {
            return Err(HeadError::TooLarge { limit });
        }
        self.buf.drain(..start);
        self.at -= start;
        self.line_start -= start;
        Ok(())
    }

    /// The bytes of a response not yet complete, given back (for the reader after us).
    pub fn into_rest(self) -> Vec<u8> {
        self.buf
    }
}

/// `{123}` or `~{123}` at the end of a line (with its LF): the size of the literal after it,
/// read as the guard reads it. A claim too large to count is none here: the guard stopped
/// it before these bytes arrived.
fn literal_claim(line: &[u8]) -> Option<usize> {
    super::guard::literal_claim(line.strip_suffix(b"\n")?)
        .filter(|n| *n != u64::MAX)
        .and_then(|n| usize::try_from(n).ok())
}

/// `* <number> FETCH ...`: the responses [`parse_head`] reads.
pub fn is_fetch(response: &[u8]) -> bool {
    let Some(rest) = response.strip_prefix(b"* ") else {
        return false;
    };
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    digits > 0
        && rest.len() > digits + 7
        && rest[digits] == b' '
        && rest[digits + 1..digits + 7].eq_ignore_ascii_case(b"FETCH ")
}

/// `* SEARCH ...`: the responses [`parse_search`] reads.
pub fn is_search(response: &[u8]) -> bool {
    untagged(response, b"* SEARCH")
}

/// The response begins with `start` (in any case) as a whole word.
fn untagged(response: &[u8], start: &[u8]) -> bool {
    response
        .get(..start.len())
        .is_some_and(|r| r.eq_ignore_ascii_case(start))
        && matches!(response.get(start.len()), Some(b' ' | b'\r' | b'\n'))
}

/// The numbers of a `* SEARCH 2 5 9` response (with CONDSTORE perhaps ending in
/// `(MODSEQ 917162500)`, which is not a number found). A 100,000-message folder answers in
/// one line of 600 kB, which async-imap's parser took a tenth of a second to read.
pub fn parse_search(response: &[u8]) -> Result<Vec<u32>, HeadError> {
    let mut r = Reader { b: response, at: 8 };
    let mut found = Vec::new();
    loop {
        r.space();
        match r.peek() {
            Some(b'\r' | b'\n') | None => return Ok(found),
            Some(b'(') => r.skip_value()?,
            _ => found.push(r.uid_number()?),
        }
    }
}

/// `* ESEARCH ...` (RFC 4731): the responses [`parse_esearch`] reads.
pub fn is_esearch(response: &[u8]) -> bool {
    untagged(response, b"* ESEARCH")
}

/// The most numbers one ESEARCH answer may stand for: what a plain SEARCH answer within the
/// line limit could list. `1:4294967295` is eleven bytes, and would be 16 GB written out.
pub const MAX_ESEARCH_NUMBERS: usize = 4 * 1024 * 1024;

/// The numbers of a `* ESEARCH (TAG "A3") UID ALL 1:100000,100005` response, written out.
/// The server names them as a sequence set: a 100,000-message folder answers in a line of
/// 40 bytes instead of 600 kB, and the server has less to write. Other return data (MIN,
/// MAX, COUNT, and what later extensions add) is skipped. `taken` is how many numbers the
/// command's answers gave before this one: together they stay under [`MAX_ESEARCH_NUMBERS`].
pub fn parse_esearch(response: &[u8], taken: usize) -> Result<Vec<u32>, HeadError> {
    let mut r = Reader { b: response, at: 9 };
    let mut found = Vec::new();
    loop {
        r.space();
        match r.peek() {
            Some(b'\r' | b'\n') | None => return Ok(found),
            // The correlator, `(TAG "A3")`.
            Some(b'(') => {
                r.skip_value()?;
                continue;
            }
            _ => {}
        }
        let name = r.atom();
        if name.is_empty() {
            return Err(r.unexpected("a search result's name"));
        }
        if name.eq_ignore_ascii_case(b"UID") {
            continue;
        }
        r.space();
        if !name.eq_ignore_ascii_case(b"ALL") {
            r.skip_value()?;
            continue;
        }
        loop {
            let low = r.uid_number()?;
            let high = if r.peek() == Some(b':') {
                r.at += 1;
                r.uid_number()?
            } else {
                low
            };
            let (low, high) = (low.min(high), low.max(high));
            let count = (high - low) as usize + 1;
            if taken + found.len() + count > MAX_ESEARCH_NUMBERS {
                return Err(HeadError::TooMany {
                    limit: MAX_ESEARCH_NUMBERS,
                });
            }
            found.extend(low..=high);
            if r.peek() == Some(b',') {
                r.at += 1;
            } else {
                break;
            }
        }
    }
}

/// Reads one whole `* n FETCH (...)` response. `None`: it has no UID (an unsolicited flag
/// change for another message, as RFC 3501 7.4.2 allows).
pub fn parse_head(response: &[u8]) -> Result<Option<MessageHead>, HeadError> {
    let mut r = Reader { b: response, at: 0 };
    r.expect(b"* ")?;
    r.number("the message number")?;
    r.space();
    let word = r.atom();
    if !word.eq_ignore_ascii_case(b"FETCH") {
        return Err(r.unexpected("FETCH"));
    }
    r.space();
    r.expect(b"(")?;
    let mut head = MessageHead {
        uid: 0,
        flags: Vec::new(),
        internal_date: None,
        size: 0,
        modseq: None,
        header: Vec::new(),
    };
    let mut uid = None;
    loop {
        r.space();
        match r.peek() {
            Some(b')') => break,
            None => return Err(HeadError::Truncated("the list of items")),
            _ => {}
        }
        let name = r.item_name()?;
        r.space();
        if name.eq_ignore_ascii_case(b"UID") {
            uid = Some(u32::try_from(r.number("a UID")?).map_err(|_| r.unexpected("a UID"))?);
        } else if name.eq_ignore_ascii_case(b"FLAGS") {
            head.flags = r.flags()?;
        } else if name.eq_ignore_ascii_case(b"INTERNALDATE") {
            head.internal_date = r.nstring()?.and_then(internal_date);
        } else if name.eq_ignore_ascii_case(b"RFC822.SIZE") {
            head.size = u32::try_from(r.number("a size")?).unwrap_or(u32::MAX);
        } else if name.eq_ignore_ascii_case(b"MODSEQ") {
            r.expect(b"(")?;
            r.space();
            head.modseq = Some(r.number("a MODSEQ")?);
            r.space();
            r.expect(b")")?;
        } else if name.len() > 5 && name[..5].eq_ignore_ascii_case(b"BODY[") {
            head.header = r.nstring()?.map(<[u8]>::to_vec).unwrap_or_default();
        } else {
            r.skip_value()?;
        }
    }
    Ok(uid.map(|uid| MessageHead { uid, ..head }))
}

/// INTERNALDATE (`"17-Jul-1996 02:44:25 -0700"`, the day perhaps space-padded) as Unix
/// seconds. Read by hand: a format string parsed again for each of 100,000 dates was a
/// tenth of the time spent reading a folder's summaries.
pub fn internal_date(text: &[u8]) -> Option<i64> {
    const MONTHS: [&[u8]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    let t = text.trim_ascii();
    let (day, rest) = t.split_at(t.iter().position(|c| *c == b'-')?);
    let day: u32 = digits(day.trim_ascii())?;
    let rest = rest.get(1..)?;
    let month = MONTHS
        .iter()
        .position(|m| rest.get(..3).is_some_and(|r| r.eq_ignore_ascii_case(m)))?;
    let rest = rest.get(3..)?.strip_prefix(b"-")?;
    let mut parts = rest.split(|c| *c == b' ').filter(|p| !p.is_empty());
    let year: i32 = digits(parts.next()?)?;
    let mut clock = parts.next()?.split(|c| *c == b':');
    let (h, m, sec): (u32, u32, u32) = (
        digits(clock.next()?)?,
        digits(clock.next()?)?,
        digits(clock.next()?)?,
    );
    let zone = parts.next()?;
    let (sign, zone) = match zone.split_first()? {
        (b'+', z) => (1, z),
        (b'-', z) => (-1, z),
        _ => return None,
    };
    if zone.len() != 4 || clock.next().is_some() || parts.next().is_some() {
        return None;
    }
    let offset = i64::from(digits::<u32>(&zone[..2])? * 3600 + digits::<u32>(&zone[2..])? * 60);
    let month = u32::try_from(month + 1).ok()?;
    let local = chrono::NaiveDate::from_ymd_opt(year, month, day)?.and_hms_opt(h, m, sec)?;
    Some(local.and_utc().timestamp() - sign * offset)
}

/// A decimal number of only ASCII digits, read in one pass (several numbers in each of a
/// folder's summaries). `None` when empty, not all digits, or too large for `T`.
fn digits<T: TryFrom<u64>>(b: &[u8]) -> Option<T> {
    if b.is_empty() {
        return None;
    }
    let mut n: u64 = 0;
    for c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
    }
    T::try_from(n).ok()
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.at).copied()
    }

    fn space(&mut self) {
        while self.peek() == Some(b' ') {
            self.at += 1;
        }
    }

    fn unexpected(&self, wanted: &'static str) -> HeadError {
        let end = (self.at + 20).min(self.b.len());
        HeadError::Unexpected {
            wanted,
            found: String::from_utf8_lossy(&self.b[self.at..end]).into_owned(),
        }
    }

    fn expect(&mut self, what: &'static [u8]) -> Result<(), HeadError> {
        if self.b[self.at..].starts_with(what) {
            self.at += what.len();
            Ok(())
        } else if self.at >= self.b.len() {
            Err(HeadError::Truncated("a response"))
        } else {
            Err(self.unexpected(if what == b"(" {
                "an opening parenthesis"
            } else if what == b")" {
                "a closing parenthesis"
            } else {
                "the start of a response"
            }))
        }
    }

    fn number(&mut self, what: &'static str) -> Result<u64, HeadError> {
        let start = self.at;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.at += 1;
        }
        digits(&self.b[start..self.at]).ok_or_else(|| {
            self.at = start;
            self.unexpected(what)
        })
    }

    /// A 32-bit number, as message numbers and UIDs are.
    fn uid_number(&mut self) -> Result<u32, HeadError> {
        u32::try_from(self.number("a message number")?)
            .map_err(|_| self.unexpected("a message number"))
    }

    /// An atom: up to a space, a parenthesis, a bracket or the line's end.
    fn atom(&mut self) -> &'a [u8] {
        let start = self.at;
        while self
            .peek()
            .is_some_and(|c| !matches!(c, b' ' | b'(' | b')' | b'[' | b']' | b'\r' | b'\n'))
        {
            self.at += 1;
        }
        &self.b[start..self.at]
    }

    /// An item's name, with its section (`BODY[HEADER.FIELDS (FROM TO)]`) and partial
    /// (`<0>`) when it has them.
    fn item_name(&mut self) -> Result<&'a [u8], HeadError> {
        let start = self.at;
        self.atom();
        if self.peek() == Some(b'[') {
            let close = memchr::memchr(b']', &self.b[self.at..])
                .ok_or(HeadError::Truncated("a section"))?;
            self.at += close + 1;
            if self.peek() == Some(b'<') {
                let close = memchr::memchr(b'>', &self.b[self.at..])
                    .ok_or(HeadError::Truncated("a partial"))?;
                self.at += close + 1;
            }
        }
        if self.at == start {
            return Err(self.unexpected("an item name"));
        }
        Ok(&self.b[start..self.at])
    }

    /// A quoted string, a literal or NIL (`None`). A quoted string's escapes are left in:
    /// the strings read here (a date, a header block) hold none that matter.
    fn nstring(&mut self) -> Result<Option<&'a [u8]>, HeadError> {
        match self.peek() {
            Some(b'"') => {
                self.at += 1;
                let start = self.at;
                loop {
                    match self.peek() {
                        Some(b'\\') => self.at += 2,
                        Some(b'"') => break,
                        Some(b'\r' | b'\n') | None => {
                            return Err(HeadError::Truncated("a quoted string"));
                        }
                        Some(_) => self.at += 1,
                    }
                }
                let s = &self.b[start..self.at.min(self.b.len())];
                self.at += 1;
                Ok(Some(s))
            }
            Some(b'{' | b'~') => {
                if self.peek() == Some(b'~') {
                    self.at += 1;
                }
                self.expect(b"{")?;
                let n = usize::try_from(self.number("a literal's size")?)
                    .map_err(|_| self.unexpected("a literal's size"))?;
                if self.peek() == Some(b'+') {
                    self.at += 1;
                }
                self.expect(b"}")?;
                if self.b[self.at..].starts_with(b"\r\n") {
                    self.at += 2;
                } else if self.peek() == Some(b'\n') {
                    self.at += 1;
                } else {
                    return Err(self.unexpected("the line's end before a literal"));
                }
                let end = self
                    .at
                    .checked_add(n)
                    .filter(|e| *e <= self.b.len())
                    .ok_or(HeadError::Truncated("a literal"))?;
                let s = &self.b[self.at..end];
                self.at = end;
                Ok(Some(s))
            }
            _ => {
                let word = self.atom();
                if word.eq_ignore_ascii_case(b"NIL") {
                    Ok(None)
                } else if word.is_empty() {
                    Err(self.unexpected("a string"))
                } else {
                    Ok(Some(word))
                }
            }
        }
    }

    /// `(\Seen $Label)`, without `\Recent` (it belongs to one session: another client
    /// opening the folder would look like a change to every message). System flags are
    /// written as RFC 3501 spells them, whatever case the server used.
    fn flags(&mut self) -> Result<Vec<String>, HeadError> {
        self.expect(b"(")?;
        let mut flags = Vec::new();
        loop {
            self.space();
            match self.peek() {
                Some(b')') => {
                    self.at += 1;
                    return Ok(flags);
                }
                None | Some(b'\r' | b'\n') => return Err(HeadError::Truncated("the flags")),
                _ => {}
            }
            let start = self.at;
            while self
                .peek()
                .is_some_and(|c| !matches!(c, b' ' | b'(' | b')' | b'\r' | b'\n'))
            {
                self.at += 1;
            }
            let flag = &self.b[start..self.at];
            if flag.is_empty() {
                return Err(self.unexpected("a flag"));
            }
            if flag.eq_ignore_ascii_case(b"\\Recent") {
                continue;
            }
            let known = ["\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft"]
                .into_iter()
                .find(|k| k.as_bytes().eq_ignore_ascii_case(flag));
            flags.push(match known {
                Some(k) => k.to_string(),
                None => String::from_utf8_lossy(flag).into_owned(),
            });
        }
    }

    /// Any value: a number, an atom, a string, a literal, NIL or a parenthesized list of them.
    fn skip_value(&mut self) -> Result<(), HeadError> {
        match self.peek() {
            Some(b'(') => {
                self.at += 1;
                loop {
                    self.space();
                    match self.peek() {
                        Some(b')') => {
                            self.at += 1;
                            return Ok(());
                        }
                        None => return Err(HeadError::Truncated("a list")),
                        _ => self.skip_value()?,
                    }
                }
            }
            Some(b'"' | b'{' | b'~') => self.nstring().map(|_| ()),
            Some(b'\r' | b'\n') | None => Err(HeadError::Truncated("an item's value")),
            _ => {
                let start = self.at;
                self.atom();
                // A section or partial on a bare word (`BODY[]`) belongs to it.
                if self.peek() == Some(b'[') {
                    self.at = start;
                    self.item_name()?;
                }
                if self.at == start {
                    return Err(self.unexpected("a value"));
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each of `bad` is an error, never a panic or a value.
    fn all_refused<T>(read: impl Fn(&[u8]) -> Result<T, HeadError>, bad: &[&[u8]]) {
        for b in bad {
            assert!(read(b).is_err(), "{:?}", String::from_utf8_lossy(b));
        }
    }

    fn whole(wire: &[u8], piece: usize) -> Vec<Vec<u8>> {
        let mut r = Responses::default();
        let mut out = Vec::new();
        for chunk in wire.chunks(piece) {
            r.push(chunk, 1 << 20, |resp| out.push(resp.to_vec()))
                .expect("within the limit");
        }
        assert!(r.into_rest().is_empty(), "nothing left over");
        out
    }

    const WIRE: &[u8] = b"* 1 FETCH (UID 7 FLAGS (\\Seen \\Recent $Label) INTERNALDATE \" 7-Jul-2024 02:44:25 -0700\" RFC822.SIZE 1234 MODSEQ (99) BODY[HEADER.FIELDS (FROM SUBJECT)] {41}\r\nFrom: a@x\r\nSubject: {3}\r\n has ) and {\r\n\r\n)\r\n* 2 FETCH (FLAGS (\\Deleted))\r\n* 3 EXISTS\r\nA5 OK done\r\n";

    #[test]
    fn responses_are_cut_whole_on_any_split() {
        for piece in [1, 2, 3, 7, 40, 64, WIRE.len()] {
            let got = whole(WIRE, piece);
            assert_eq!(got.len(), 4, "piece {piece}");
            assert!(got[0].ends_with(b"\r\n\r\n)\r\n"), "the literal stays in");
            assert_eq!(got[3], b"A5 OK done\r\n");
        }
    }

    #[test]
    fn a_summary_is_read_with_every_item() {
        let got = whole(WIRE, WIRE.len());
        assert!(is_fetch(&got[0]) && is_fetch(&got[1]) && !is_fetch(&got[2]));
        let head = parse_head(&got[0]).expect("read").expect("has a UID");
        assert_eq!(head.uid, 7);
        assert_eq!(head.flags, vec!["\\Seen", "$Label"]);
        assert_eq!(head.internal_date, Some(1_720_345_465));
        assert_eq!(head.size, 1234);
        assert_eq!(head.modseq, Some(99));
        assert_eq!(
            head.header,
            b"From: a@x\r\nSubject: {3}\r\n has ) and {\r\n\r\n"
        );
        assert_eq!(
            parse_head(&got[1]),
            Ok(None),
            "no UID: another message's flags"
        );
    }

    #[test]
    fn items_in_any_order_in_any_case_and_unknown_ones_skipped() {
        let r = b"* 12 fetch (ENVELOPE (\"d\" \"s (x)\" NIL NIL NIL NIL NIL NIL NIL \"<i@x>\") X-GM-LABELS (\\Inbox) flags (\\SEEN \\flagged) body[HEADER.FIELDS (\"From\")] \"From: q\" rfc822.size 5 uid 44 BODY[]<0> {2}\r\nab X-NUM 3)\r\n";
        let head = parse_head(r).expect("read").expect("uid");
        assert_eq!(head.uid, 44);
        assert_eq!(head.flags, vec!["\\Seen", "\\Flagged"]);
        assert_eq!(head.size, 5);
        // The last BODY[...] item read wins; both are header-shaped here.
        assert_eq!(head.header, b"ab");
        let nil = b"* 1 FETCH (UID 3 BODY[HEADER.FIELDS (FROM)] NIL INTERNALDATE NIL)\r\n";
        let head = parse_head(nil).expect("read").expect("uid");
        assert!(head.header.is_empty() && head.internal_date.is_none());
    }

    #[test]
    fn malformed_responses_are_errors_not_panics() {
        all_refused(
            parse_head,
            &[
                &b"* 1 FETCH (UID\r\n"[..],
                b"* 1 FETCH (UID 5 FLAGS (\\Seen\r\n",
                b"* 1 FETCH (UID 5 BODY[HEADER {99}\r\nshort)\r\n",
                b"* 1 FETCH (UID 5 BODY[HEADER] {99}\r\nshort)\r\n",
                b"* 1 FETCH (UID 99999999999 FLAGS ())\r\n",
                b"* 1 FETCH UID 5\r\n",
                b"* x FETCH (UID 5)\r\n",
                b"* 1 FETCH (UID 5 INTERNALDATE \"unterminated\r\n",
                b"* 1 FETCH (UID 5 MODSEQ 7)\r\n",
                b"* 1 FETCH (",
                b"",
            ],
        );
        // A date that does not parse is no date, not a failure.
        let odd = b"* 1 FETCH (UID 5 INTERNALDATE \"yesterday\")\r\n";
        assert_eq!(
            parse_head(odd).expect("read").expect("uid").internal_date,
            None
        );
    }

    #[test]
    fn numbers_are_digits_only_and_fit_their_type() {
        assert_eq!(digits::<u32>(b"0"), Some(0));
        assert_eq!(digits::<u32>(b"4294967295"), Some(u32::MAX));
        assert_eq!(digits::<u32>(b"4294967296"), None);
        assert_eq!(digits::<u64>(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(digits::<u64>(b"18446744073709551616"), None);
        assert_eq!(digits::<i32>(b"2147483648"), None);
        assert_eq!(digits::<i32>(b"2024"), Some(2024));
        for bad in [&b""[..], b"+1", b"-1", b"1 ", b"1x", b"\xd9\xa3"] {
            assert_eq!(digits::<u64>(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_response_over_the_limit_is_stopped() {
        let mut r = Responses::default();
        let long = vec![b'x'; 5000];
        let mut seen = 0;
        assert_eq!(
            r.push(&long, 4096, |_| seen += 1),
            Err(HeadError::TooLarge { limit: 4096 })
        );
        assert_eq!(seen, 0);
    }

    #[test]
    fn search_answers_are_read_and_bad_ones_named() {
        assert!(is_search(b"* SEARCH 1 2\r\n") && is_search(b"* search\r\n"));
        assert!(!is_search(b"* SEARCHES 1\r\n") && !is_search(b"* 1 FETCH (UID 1)\r\n"));
        assert_eq!(parse_search(b"* SEARCH 2 5  9\r\n"), Ok(vec![2, 5, 9]));
        assert_eq!(parse_search(b"* SEARCH\r\n"), Ok(vec![]));
        assert_eq!(
            parse_search(b"* SEARCH 2 5 (MODSEQ 917162500)\r\n"),
            Ok(vec![2, 5])
        );
        all_refused(
            parse_search,
            &[
                &b"* SEARCH 2 x\r\n"[..],
                b"* SEARCH 99999999999\r\n",
                b"* SEARCH 2 (MODSEQ 5\r\n",
            ],
        );
    }

    #[test]
    fn esearch_answers_are_written_out_and_bad_ones_named() {
        assert!(is_esearch(b"* ESEARCH (TAG \"A3\") UID ALL 1:3\r\n"));
        assert!(is_esearch(b"* esearch\r\n") && !is_esearch(b"* SEARCH 1\r\n"));
        assert!(!is_search(b"* ESEARCH UID ALL 1\r\n"));
        // RFC 4731's own examples, and a range written high to low.
        assert_eq!(
            parse_esearch(b"* ESEARCH (TAG \"A282\") MIN 2 COUNT 3\r\n", 0),
            Ok(vec![])
        );
        assert_eq!(
            parse_esearch(b"* ESEARCH (TAG \"A283\") ALL 2,10:11\r\n", 0),
            Ok(vec![2, 10, 11])
        );
        assert_eq!(
            parse_esearch(b"* ESEARCH (TAG \"A\") UID ALL 5:3,9 MAX 9\r\n", 0),
            Ok(vec![3, 4, 5, 9])
        );
        // No match: no ALL at all.
        assert_eq!(
            parse_esearch(b"* ESEARCH (TAG \"A\") UID\r\n", 0),
            Ok(vec![])
        );
        assert_eq!(
            parse_esearch(b"* ESEARCH UID ALL 1:100000\r\n", 0).map(|v| v.len()),
            Ok(100_000)
        );
        all_refused(
            |b| parse_esearch(b, 0),
            &[
                &b"* ESEARCH UID ALL x\r\n"[..],
                b"* ESEARCH UID ALL 1:\r\n",
                b"* ESEARCH UID ALL 1,\r\n",
                b"* ESEARCH UID ALL 99999999999\r\n",
                b"* ESEARCH (TAG \"A\" UID ALL 1\r\n",
                b"* ESEARCH ) ALL 1\r\n",
            ],
        );
        // Eleven bytes may not stand for four billion numbers, nor many answers add up to it.
        assert_eq!(
            parse_esearch(b"* ESEARCH UID ALL 1:4294967295\r\n", 0),
            Err(HeadError::TooMany {
                limit: MAX_ESEARCH_NUMBERS
            })
        );
        assert!(parse_esearch(b"* ESEARCH UID ALL 1:10\r\n", MAX_ESEARCH_NUMBERS - 5).is_err());
    }

    #[test]
    fn internal_dates_as_rfc_3501_writes_them_and_odd_ones() {
        let chrono_reads = |t: &str| {
            chrono::DateTime::parse_from_str(t.trim(), "%d-%b-%Y %H:%M:%S %z")
                .ok()
                .map(|d| d.timestamp())
        };
        for t in [
            "17-Jul-1996 02:44:25 -0700",
            " 7-Jul-2024 02:44:25 +0000",
            "01-jan-2000 00:00:00 +1345",
            "29-Feb-2024 23:59:59 -1200",
        ] {
            assert_eq!(internal_date(t.as_bytes()), chrono_reads(t), "{t}");
            assert!(internal_date(t.as_bytes()).is_some(), "{t}");
        }
        for bad in [
            "30-Feb-2024 10:00:00 +0000",
            "17-Jux-1996 02:44:25 -0700",
            "17-Jul-1996 02:44 -0700",
            "17-Jul-1996 02:44:25",
            "17-Jul-1996 02:44:25 0700",
            "17-Jul-1996 02:44:25 +07000",
            "17-Jul-1996 25:44:25 +0000",
            "-Jul-1996 02:44:25 +0000",
            "",
        ] {
            assert_eq!(internal_date(bad.as_bytes()), None, "{bad}");
        }
    }

    #[test]
    fn claims_and_non_claims() {
        assert_eq!(literal_claim(b"* 1 FETCH (BODY[] {12}\r\n"), Some(12));
        assert_eq!(literal_claim(b"A1 APPEND x {12+}\r\n"), Some(12));
        assert_eq!(literal_claim(b"* OK {abc}\r\n"), None);
        assert_eq!(literal_claim(b"* OK {}\r\n"), None);
        assert_eq!(literal_claim(b"* OK {12} x\r\n"), None);
        assert_eq!(literal_claim(b"{99999999999999999999999}\r\n"), None);
    }
}
