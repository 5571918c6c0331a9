//! The search box's language, as Thunderbird and Gmail users type it: `from:alice`,
//! `to:bob`, `subject:"weekly report"`, `has:attachment`, `is:unread`, `is:flagged`,
//! `before:2024-01-31`, `after:2023-12-01`, and free words. Parsed here into a query the store
//! turns into FTS5 and SQL; no user text reaches SQL except as a bound parameter.

/// A parsed search.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    /// Words for any field.
    pub words: Vec<String>,
    pub from: Vec<String>,
    pub to: Vec<String>,
    pub subject: Vec<String>,
    pub unread: bool,
    pub flagged: bool,
    pub attachment: bool,
    /// Unix seconds: messages dated before this (the start of the given day, UTC).
    pub before: Option<i64>,
    /// Unix seconds: messages dated on or after this.
    pub after: Option<i64>,
}

impl Query {
    /// Reads what the user typed. Unknown `word:` prefixes are searched as words, so nothing
    /// typed is silently dropped.
    pub fn parse(input: &str) -> Query {
        let mut q = Query::default();
        for token in tokens(input) {
            let (key, value) = match token.split_once(':') {
                Some((k, v)) if !v.is_empty() => (k.to_ascii_lowercase(), v.to_string()),
                _ => (String::new(), token.clone()),
            };
            match (key.as_str(), value.to_ascii_lowercase().as_str()) {
                ("from", _) => q.from.push(value),
                ("to" | "cc", _) => q.to.push(value),
                ("subject", _) => q.subject.push(value),
                ("is", "unread") => q.unread = true,
                ("is", "flagged" | "starred") => q.flagged = true,
                ("has", "attachment" | "attachments") => q.attachment = true,
                ("before", _) if day_of(&value).is_some() => q.before = day_of(&value),
                ("after", _) if day_of(&value).is_some() => q.after = day_of(&value),
                _ => q.words.push(token),
            }
        }
        q
    }

    pub fn is_empty(&self) -> bool {
        *self == Query::default()
    }

    /// The FTS5 MATCH expression for the text parts, or `None` when there are none. Every word
    /// is a quoted string (FTS5 syntax cannot be injected) with a prefix `*`, so results come
    /// while a word is still being typed.
    pub fn fts(&self) -> Option<String> {
        let mut parts = Vec::new();
        let term = |w: &str| format!("\"{}\"*", w.replace('"', "\"\""));
        for w in &self.words {
            parts.extend(words_of(w).map(|w| term(&w)));
        }
        for (column, values) in [
            ("sender", &self.from),
            ("recipients", &self.to),
            ("subject", &self.subject),
        ] {
            for v in values {
                let inner: Vec<String> = words_of(v).map(|w| term(&w)).collect();
                if !inner.is_empty() {
                    parts.push(format!("{column} : ({})", inner.join(" ")));
                }
            }
        }
        (!parts.is_empty()).then(|| parts.join(" AND "))
    }
}

impl Query {
    /// The same search as IMAP SEARCH criteria (RFC 3501 section 6.4.4), for messages whose
    /// bodies are not cached. Text outside ASCII needs LITERAL+ (and CHARSET UTF-8); without
    /// it such a search is left to the cache (`None`). Nothing to ask: `None` too.
    pub fn imap_criteria(&self, literal_plus: bool) -> Option<String> {
        use crate::proto::imap::quote::astring;
        let mut parts = Vec::new();
        let mut utf8 = false;
        let mut push = |key: &str, value: &str| -> Option<()> {
            if !value.is_ascii() {
                if !literal_plus {
                    return None;
                }
                utf8 = true;
            }
            parts.push(format!("{key} {}", astring(value, literal_plus).ok()?));
            Some(())
        };
        for w in &self.words {
            push("TEXT", w)?;
        }
        for f in &self.from {
            push("FROM", f)?;
        }
        for t in &self.to {
            push("TO", t)?;
        }
        for s in &self.subject {
            push("SUBJECT", s)?;
        }
        if parts.is_empty() {
            // Flags and dates alone are answered by the cache, which has them all.
            return None;
        }
        if self.unread {
            parts.push("UNSEEN".into());
        }
        if self.flagged {
            parts.push("FLAGGED".into());
        }
        if let Some(b) = self.before {
            parts.push(format!("BEFORE {}", imap_date(b)));
        }
        if let Some(a) = self.after {
            parts.push(format!("SINCE {}", imap_date(a)));
        }
        let criteria = parts.join(" ");
        Some(if utf8 {
            format!("CHARSET UTF-8 {criteria}")
        } else {
            criteria
        })
    }
}

/// Unix seconds as an IMAP date, `31-Jan-2024`.
fn imap_date(secs: i64) -> String {
    let iso = crate::mail::summary::rfc3339_utc(secs);
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let m: usize = iso.get(5..7).and_then(|m| m.parse().ok()).unwrap_or(1);
    format!(
        "{}-{}-{}",
        iso.get(8..10).unwrap_or("01"),
        months[(m - 1).min(11)],
        iso.get(0..4).unwrap_or("1970")
    )
}

/// Words as FTS5's unicode61 tokenizer sees them: letters and digits, split at the rest.
fn words_of(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
}

/// Splits at spaces, keeping `"quoted phrases"` (and `key:"quoted value"`) together.
fn tokens(input: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in input.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !current.is_empty() {
                    out.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// `2024-01-31` (or `2024/01/31`) to the Unix time of that day's start, UTC.
fn day_of(text: &str) -> Option<i64> {
    let mut parts = text.split(['-', '/']);
    let y: i64 = parts.next()?.parse().ok()?;
    let m: i64 = parts.next()?.parse().ok()?;
    let d: i64 = parts.next()?.parse().ok()?;
    if parts.next().is_some()
        || !(1..=12).contains(&m)
        || !(1..=31).contains(&d)
        || !(1970..=9999).contains(&y)
    {
        return None;
    }
    Some(crate::proto::ftp::listing::days_from_civil(y, m, d) * 86_400)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_and_words() {
        let q =
            Query::parse(r#"from:alice subject:"weekly report" is:unread has:attachment budget"#);
        assert_eq!(q.from, vec!["alice"]);
        assert_eq!(q.subject, vec!["weekly report"]);
        assert!(q.unread && q.attachment && !q.flagged);
        assert_eq!(q.words, vec!["budget"]);
        assert_eq!(
            q.fts().expect("fts"),
            r#""budget"* AND sender : ("alice"*) AND subject : ("weekly"* "report"*)"#
        );
    }

    #[test]
    fn dates() {
        let q = Query::parse("after:2023-11-14 before:2023/11/16");
        assert_eq!(q.after, Some(1_699_920_000));
        assert_eq!(q.before, Some(1_700_092_800));
        assert!(q.fts().is_none());
        // A date that is not one is searched as a word.
        let q = Query::parse("before:yesterday");
        assert_eq!(q.before, None);
        assert_eq!(q.words, vec!["before:yesterday"]);
    }

    #[test]
    fn the_same_search_for_the_server() {
        let q = Query::parse(
            r#"quarterly from:a\lice subject:"weekly report" is:unread after:2024-01-31"#,
        );
        assert_eq!(
            q.imap_criteria(false).as_deref(),
            Some(
                r#"TEXT "quarterly" FROM "a\\lice" SUBJECT "weekly report" UNSEEN SINCE 31-Jan-2024"#
            )
        );
        let q = Query::parse("Grüße");
        assert_eq!(q.imap_criteria(false), None, "no UTF-8 without LITERAL+");
        assert_eq!(
            q.imap_criteria(true).as_deref(),
            Some("CHARSET UTF-8 TEXT {7+}\r\nGrüße")
        );
        assert_eq!(Query::parse("is:unread").imap_criteria(true), None);
        // A line break typed into the box cannot end the command.
        assert!(
            Query::parse("a\r\nA1 DELETE INBOX")
                .imap_criteria(false)
                .is_none_or(|c| !c.contains('\n'))
        );
    }

    #[test]
    fn nothing_typed_breaks_the_match_syntax() {
        for input in [
            r#"a"b"#,
            "AND OR NOT",
            "sender:x",
            "*",
            "(",
            "NEAR(a b)",
            "\"",
            "from:\"\"",
        ] {
            let q = Query::parse(input);
            if let Some(fts) = q.fts() {
                // Every word is inside quotes; the only bare words are our AND and column names.
                for bare in fts.split('"').step_by(2) {
                    let bare = bare
                        .replace("AND", "")
                        .replace("sender :", "")
                        .replace("recipients :", "")
                        .replace("subject :", "");
                    assert!(
                        bare.chars().all(|c| " ()*".contains(c)),
                        "{input:?} gave {fts:?}"
                    );
                }
            }
        }
        assert!(Query::parse("   ").is_empty());
    }
}
