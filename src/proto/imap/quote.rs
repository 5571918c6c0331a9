//! Building the arguments of IMAP commands, which go to the server as text: every string that
//! came from a user or a server passes through here, so a CR or LF can never end a command early
//! and start another (command injection).

/// Why a value cannot be put into a command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuoteError {
    #[error("{0:?} holds a line break or NUL, which IMAP cannot carry in a command")]
    LineBreak(String),
    #[error("{0:?} is empty")]
    Empty(String),
}

/// A quoted string (RFC 3501 `quoted`): `"` and `\` escaped; CR, LF and NUL refused. Text
/// outside ASCII is allowed only where the server accepts UTF-8 (UTF8=ACCEPT, or a SEARCH with
/// CHARSET UTF-8 over a literal); callers encode folder names with modified UTF-7 first.
pub fn quoted(value: &str) -> Result<String, QuoteError> {
    if value.contains(['\r', '\n', '\0']) {
        return Err(QuoteError::LineBreak(value.to_string()));
    }
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    Ok(out)
}

/// A string argument: a non-synchronizing literal (`{n+}`, RFC 7888) when it is not ASCII and
/// the server has LITERAL+, else a quoted string.
pub fn astring(value: &str, literal_plus: bool) -> Result<String, QuoteError> {
    if value.is_ascii() || !literal_plus {
        return quoted(value);
    }
    if value.contains('\0') {
        return Err(QuoteError::LineBreak(value.to_string()));
    }
    Ok(format!("{{{}+}}\r\n{value}", value.len()))
}

/// A header field name for `HEADER.FIELDS`: printable ASCII without `:` or space (RFC 5322).
pub fn header_name(name: &str) -> Result<&str, QuoteError> {
    if name.is_empty() {
        return Err(QuoteError::Empty(name.to_string()));
    }
    if name
        .bytes()
        .all(|b| (0x21..=0x7e).contains(&b) && b != b':' && b != b'(' && b != b')')
    {
        Ok(name)
    } else {
        Err(QuoteError::LineBreak(name.to_string()))
    }
}

/// A sequence set in its shortest form: `[1,2,3,5,7,8]` becomes `1:3,5,7:8`. `uids` need not
/// be sorted; duplicates are dropped.
pub fn sequence_set(uids: &[u32]) -> String {
    let mut sorted: Vec<u32> = uids.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut out = String::new();
    let mut i = 0;
    while i < sorted.len() {
        let start = sorted[i];
        let mut end = start;
        while i + 1 < sorted.len() && sorted[i + 1] == end + 1 {
            i += 1;
            end = sorted[i];
        }
        if !out.is_empty() {
            out.push(',');
        }
        if start == end {
            out.push_str(&start.to_string());
        } else {
            out.push_str(&format!("{start}:{end}"));
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_escapes_and_refuses_line_breaks() {
        assert_eq!(quoted("INBOX").expect("q"), "\"INBOX\"");
        assert_eq!(quoted(r#"a "b" \c"#).expect("q"), r#""a \"b\" \\c""#);
        assert!(quoted("INBOX\r\nA1 DELETE INBOX").is_err());
        assert!(quoted("x\ny").is_err());
        assert!(quoted("x\0y").is_err());
        assert_eq!(quoted("").expect("q"), "\"\"");
    }

    #[test]
    fn literal_for_utf8_when_allowed() {
        assert_eq!(astring("Grüße", true).expect("a"), "{7+}\r\nGrüße");
        assert_eq!(astring("Grüße", false).expect("a"), "\"Grüße\"");
        assert_eq!(astring("plain", true).expect("a"), "\"plain\"");
        // In a literal a CR LF is content, not the end of the command; still, no NUL.
        assert!(astring("a\0", true).is_err());
    }

    #[test]
    fn header_names() {
        assert!(header_name("List-Id").is_ok());
        assert!(header_name("X Bad").is_err());
        assert!(header_name("A)B").is_err());
        assert!(header_name("").is_err());
        assert!(header_name("Subject:").is_err());
    }

    #[test]
    fn sequence_sets() {
        assert_eq!(sequence_set(&[1, 2, 3, 5, 7, 8]), "1:3,5,7:8");
        assert_eq!(sequence_set(&[9, 3, 3, 4]), "3:4,9");
        assert_eq!(sequence_set(&[]), "");
        assert_eq!(sequence_set(&[u32::MAX]), u32::MAX.to_string());
    }
}
