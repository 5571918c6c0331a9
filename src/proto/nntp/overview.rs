//! Overview lines (OVER, XOVER: RFC 3977 §8.3, RFC 2980 §2.8) and the field order a server
//! declares with LIST OVERVIEW.FMT. A line that does not parse is skipped and counted, never
//! a reason to lose the batch around it.

/// Where the fields after the article number sit, as LIST OVERVIEW.FMT says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverviewFormat {
    /// Field names after the number, lower-cased without colons (`subject`, `bytes`, `xref`).
    pub fields: Vec<String>,
}

impl Default for OverviewFormat {
    /// RFC 3977's fixed order, which every server uses for the first seven.
    fn default() -> Self {
        OverviewFormat {
            fields: [
                "subject",
                "from",
                "date",
                "message-id",
                "references",
                "bytes",
                "lines",
            ]
            .iter()
            .map(std::string::ToString::to_string)
            .collect(),
        }
    }
}

impl OverviewFormat {
    /// Reads LIST OVERVIEW.FMT lines: `Subject:`, `:bytes` (RFC 3977) or `Bytes:` (RFC 2980),
    /// `Xref:full`. Fewer than the seven fixed fields, or names out of order, give the
    /// default: the order RFC 3977 fixes wins over a broken answer.
    pub fn parse(lines: &[Vec<u8>]) -> OverviewFormat {
        let fields: Vec<String> = lines
            .iter()
            .map(|l| {
                let t = String::from_utf8_lossy(l).trim().to_ascii_lowercase();
                let t = t.strip_suffix(":full").unwrap_or(&t);
                t.trim_matches(':').to_string()
            })
            .filter(|t| !t.is_empty())
            .collect();
        let default = OverviewFormat::default();
        if fields.len() < 7 || fields[..7] != default.fields[..] {
            return default;
        }
        OverviewFormat { fields }
    }

    fn index_of(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f == name)
    }
}

/// One article's overview, with its headers decoded to text.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Overview {
    pub number: u64,
    pub subject: String,
    pub from: String,
    /// Unix seconds, when the Date parses.
    pub date: Option<i64>,
    /// With angle brackets, as the server sent it.
    pub message_id: String,
    /// Message-IDs with angle brackets, oldest first.
    pub references: Vec<String>,
    pub bytes: u64,
    pub lines: u64,
    /// The Xref field's value (`host group:number ...`), for crosspost counts.
    pub xref: Option<String>,
}

impl Overview {
    /// How many groups the article was posted to, from Xref (1 where there is none).
    pub fn crossposts(&self) -> usize {
        self.xref
            .as_deref()
            .map_or(1, |x| x.split_ascii_whitespace().skip(1).count().max(1))
    }
}

/// Why an overview line was skipped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OverviewError {
    #[error("the line does not start with an article number")]
    NoNumber,
}

/// Reads one overview line (without CR LF). Missing fields are empty; a subject that held a
/// TAB (which servers should have turned into a space) is joined again when the Message-ID
/// is found further right; bytes in no declared charset are read as UTF-8 where valid and in
/// `fallback` (the group's charset; windows-1252, Latin-1's superset, by default) otherwise.
pub fn parse_line(
    line: &[u8],
    format: &OverviewFormat,
    fallback: &'static encoding_rs::Encoding,
) -> Result<Overview, OverviewError> {
    let mut fields: Vec<&[u8]> = line.split(|b| *b == b'\t').collect();
    let number = std::str::from_utf8(fields[0])
        .ok()
        .and_then(|n| n.trim().parse::<u64>().ok())
        .filter(|n| *n > 0)
        .ok_or(OverviewError::NoNumber)?;
    // A TAB inside the subject shifts every field: find the Message-ID and glue the surplus
    // back into the subject.
    let joined: Vec<u8>;
    if fields.len() > 5
        && !looks_like_id(fields[4])
        && let Some(at) = (5..fields.len()).find(|i| looks_like_id(fields[*i]))
    {
        let surplus = at - 4;
        joined = fields[1..=1 + surplus].join(&b' ');
        let mut rebuilt: Vec<&[u8]> = vec![fields[0], &joined];
        rebuilt.extend_from_slice(&fields[2 + surplus..]);
        fields = rebuilt;
    }
    fields.truncate(1 + format.fields.len().max(7) + 1);
    Ok(from_fields(number, &fields, format, fallback))
}

fn from_fields(
    number: u64,
    fields: &[&[u8]],
    format: &OverviewFormat,
    fallback: &'static encoding_rs::Encoding,
) -> Overview {
    let get = |name: &str| -> &[u8] {
        format
            .index_of(name)
            .and_then(|i| fields.get(i + 1))
            .copied()
            .unwrap_or(b"")
    };
    let num = |name: &str| -> u64 {
        std::str::from_utf8(get(name))
            .ok()
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or(0)
    };
    let xref = format
        .index_of("xref")
        .and_then(|i| fields.get(i + 1))
        .map(|x| {
            let t = String::from_utf8_lossy(x);
            // The full form carries the header name.
            let t = t.trim();
            t.strip_prefix("Xref:")
                .or_else(|| t.strip_prefix("xref:"))
                .unwrap_or(t)
                .trim()
                .to_string()
        });
    let text = |raw: &[u8]| decode_header(raw, fallback);
    Overview {
        number,
        subject: text(get("subject")),
        from: text(get("from")),
        date: parse_date(get("date")),
        message_id: String::from_utf8_lossy(get("message-id"))
            .trim()
            .to_string(),
        references: String::from_utf8_lossy(get("references"))
            .split_ascii_whitespace()
            .filter(|r| r.starts_with('<') && r.ends_with('>'))
            .map(str::to_string)
            .collect(),
        bytes: num("bytes"),
        lines: num("lines"),
        xref: xref.filter(|x| !x.is_empty()),
    }
}

fn looks_like_id(field: &[u8]) -> bool {
    let f = field.trim_ascii();
    f.len() > 2 && f[0] == b'<' && f[f.len() - 1] == b'>' && f.contains(&b'@')
}

/// Decodes a header value: raw 8-bit bytes as UTF-8 or `fallback`, then RFC 2047 words.
pub fn decode_header(raw: &[u8], fallback: &'static encoding_rs::Encoding) -> String {
    let raw = raw.trim_ascii();
    let text = match std::str::from_utf8(raw) {
        Ok(t) => std::borrow::Cow::Borrowed(t),
        Err(_) => std::borrow::Cow::Owned(fallback.decode_without_bom_handling(raw).0.into_owned()),
    };
    if !text.contains("=?") {
        return text.replace(['\r', '\n'], " ");
    }
    // mail-parser decodes encoded words as it would in a message header.
    let mut header = Vec::with_capacity(text.len() + 16);
    header.extend_from_slice(b"Subject: ");
    header.extend_from_slice(text.as_bytes());
    header.extend_from_slice(b"\r\n\r\n");
    mail_parser::MessageParser::default()
        .parse_headers(&header)
        .and_then(|m| m.subject().map(str::to_string))
        .unwrap_or_else(|| text.into_owned())
}

/// The Date field as Unix seconds, read leniently (old articles have odd dates).
pub fn parse_date(raw: &[u8]) -> Option<i64> {
    let text = std::str::from_utf8(raw).ok()?.trim();
    if text.is_empty() {
        return None;
    }
    mail_parser::DateTime::parse_rfc822(text)
        .filter(mail_parser::DateTime::is_valid)
        .map(|d| d.to_timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inn_format() -> OverviewFormat {
        OverviewFormat::parse(
            &[
                "Subject:",
                "From:",
                "Date:",
                "Message-ID:",
                "References:",
                "Bytes:",
                "Lines:",
                "Xref:full",
            ]
            .iter()
            .map(|l| l.as_bytes().to_vec())
            .collect::<Vec<_>>(),
        )
    }

    #[test]
    fn formats_old_new_and_broken() {
        let f = inn_format();
        assert_eq!(f.fields.len(), 8);
        assert_eq!(f.fields[7], "xref");
        let rfc3977 = OverviewFormat::parse(
            &[
                "Subject:",
                "From:",
                "Date:",
                "Message-ID:",
                "References:",
                ":bytes",
                ":lines",
            ]
            .iter()
            .map(|l| l.as_bytes().to_vec())
            .collect::<Vec<_>>(),
        );
        assert_eq!(rfc3977, OverviewFormat::default());
        let broken = OverviewFormat::parse(&[b"From:".to_vec(), b"Subject:".to_vec()]);
        assert_eq!(broken, OverviewFormat::default());
    }

    #[test]
    fn an_inn_line() {
        let line = b"3\t=?UTF-8?Q?Gr=C3=BC=C3=9Fe_aus_M=C3=BCnchen?=\tTess Ter <tester@example.test>\tThu, 01 Jan 2026 00:02:00 GMT\t<encoded@example.test>\t<a@x> <b@x>\t520\t3\tXref: news.localdomain local.test:3 local.general:5";
        let o = parse_line(line, &inn_format(), encoding_rs::WINDOWS_1252).unwrap();
        assert_eq!(o.number, 3);
        assert_eq!(o.subject, "Grüße aus München");
        assert_eq!(o.from, "Tess Ter <tester@example.test>");
        assert_eq!(o.date, Some(1_767_225_720));
        assert_eq!(o.message_id, "<encoded@example.test>");
        assert_eq!(o.references, vec!["<a@x>", "<b@x>"]);
        assert_eq!((o.bytes, o.lines), (520, 3));
        assert_eq!(o.crossposts(), 2);
    }

    #[test]
    fn malformed_lines_are_read_as_well_as_they_can_be() {
        let f = OverviewFormat::default();
        // Missing fields.
        let o = parse_line(b"7\tOnly a subject", &f, encoding_rs::WINDOWS_1252).unwrap();
        assert_eq!(o.subject, "Only a subject");
        assert_eq!((o.from.as_str(), o.date, o.bytes), ("", None, 0));
        // A TAB in the subject.
        let o = parse_line(
            b"8\tpart one\tpart two\ta@b\tMon, 1 Jan 2024 00:00:00 +0000\t<id@x>\t\t10\t1",
            &f,
            encoding_rs::WINDOWS_1252,
        )
        .unwrap();
        assert_eq!(o.subject, "part one part two");
        assert_eq!(o.from, "a@b");
        assert_eq!(o.message_id, "<id@x>");
        assert_eq!(o.lines, 1);
        // 8-bit headers in no declared charset.
        let o = parse_line(
            b"9\tCaf\xe9\tRen\xe9 <r@x>\t\t<c@x>",
            &f,
            encoding_rs::WINDOWS_1252,
        )
        .unwrap();
        assert_eq!(o.subject, "Café");
        assert_eq!(o.from, "René <r@x>");
        // A group's own charset for such bytes.
        let o = parse_line(b"10	\xf0\xd2\xc9\xd7\xc5\xd4\ta@b", &f, encoding_rs::KOI8_R).unwrap();
        assert_eq!(o.subject, "Привет");
        // Garbage numbers and dates.
        assert_eq!(
            parse_line(b"x\ty", &f, encoding_rs::WINDOWS_1252),
            Err(OverviewError::NoNumber)
        );
        assert_eq!(
            parse_line(b"", &f, encoding_rs::WINDOWS_1252),
            Err(OverviewError::NoNumber)
        );
        assert_eq!(
            parse_line(b"0\ty", &f, encoding_rs::WINDOWS_1252),
            Err(OverviewError::NoNumber)
        );
        let o = parse_line(
            b"5\ts\tf\tnot a date\t<i@x>\tjunk refs\tx\ty",
            &f,
            encoding_rs::WINDOWS_1252,
        )
        .unwrap();
        assert_eq!((o.date, o.bytes, o.lines), (None, 0, 0));
        assert!(o.references.is_empty());
    }
}
