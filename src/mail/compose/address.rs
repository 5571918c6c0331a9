//! Address lists as people type them: `Ann <ann@x.org>, "Doe, John" <j@y.org>; bob@z.org`.
//! Each entry is parsed by lettre; what does not parse is named back to the user.

use std::str::FromStr as _;

use lettre::message::Mailbox;

/// Splits a typed list at commas and semicolons outside quotes, angle brackets and comments.
pub fn split(list: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let (mut quoted, mut angle, mut comment) = (false, false, 0u32);
    let mut chars = list.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' if quoted => {
                cur.push(c);
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
                continue;
            }
            '"' if comment == 0 => quoted = !quoted,
            '<' if !quoted && comment == 0 => angle = true,
            '>' if !quoted && comment == 0 => angle = false,
            '(' if !quoted => comment += 1,
            ')' if !quoted => comment = comment.saturating_sub(1),
            ',' | ';' if !quoted && !angle && comment == 0 => {
                if !cur.trim().is_empty() {
                    out.push(cur.trim().to_string());
                }
                cur.clear();
                continue;
            }
            '\r' | '\n' => {
                cur.push(' ');
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_string());
    }
    out
}

/// Every entry of a list, or the entries that are not addresses.
pub fn parse(list: &str) -> Result<Vec<Mailbox>, Vec<String>> {
    let mut good = Vec::new();
    let mut bad = Vec::new();
    for entry in split(list) {
        match Mailbox::from_str(&entry) {
            Ok(m) => good.push(m),
            Err(_) => bad.push(entry),
        }
    }
    if bad.is_empty() { Ok(good) } else { Err(bad) }
}

/// The bare address of an entry, lower-cased, to compare two entries.
pub fn key(entry: &str) -> String {
    Mailbox::from_str(entry).map_or_else(
        |_| entry.trim().to_ascii_lowercase(),
        |m| m.email.to_string().to_ascii_lowercase(),
    )
}

/// `Name <address>`, quoting the name when it needs it, for putting an address in a field.
pub fn display(name: &str, address: &str) -> String {
    let name = name.trim();
    if name.is_empty() || name == address {
        return address.to_string();
    }
    let needs_quotes = name.chars().any(|c| {
        matches!(
            c,
            ',' | ';' | '<' | '>' | '@' | '"' | '(' | ')' | ':' | '.' | '[' | ']' | '\\'
        )
    });
    if needs_quotes {
        let escaped = name.replace('\\', "\\\\").replace('"', "\\\"");
        format!("\"{escaped}\" <{address}>")
    } else {
        format!("{name} <{address}>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn splits_where_people_mean() {
        assert_eq!(
            split(r#"Ann <ann@x.org>, "Doe, John" <j@y.org>; bob@z.org,, "#),
            vec!["Ann <ann@x.org>", "\"Doe, John\" <j@y.org>", "bob@z.org"]
        );
        assert_eq!(split("a@b (Smith, A) , c@d"), vec!["a@b (Smith, A)", "c@d"]);
        assert_eq!(split(r#""a \" , b" <a@b>"#), vec![r#""a \" , b" <a@b>"#]);
        assert!(split(" , ; ").is_empty());
    }

    #[test]
    fn names_what_does_not_parse() {
        let ok = parse("Ann <ann@x.org>, \"Doe, John\" <j@y.org>, bob@z.org").expect("all good");
        assert_eq!(ok.len(), 3);
        assert_eq!(ok[1].name.as_deref(), Some("Doe, John"));
        assert_eq!(
            parse("ann@x.org, not an address, bob@").expect_err("two bad"),
            vec!["not an address", "bob@"]
        );
        assert_eq!(parse("").expect("empty is fine"), Vec::new());
    }

    #[test]
    fn display_round_trips_through_parse() {
        for (name, addr) in [
            ("Ann", "a@x.org"),
            ("Doe, John", "j@y.org"),
            ("Zoë \"Z\"", "z@z.org"),
            ("", "b@c.org"),
        ] {
            let shown = display(name, addr);
            let back = parse(&shown).expect("parses");
            assert_eq!(back.len(), 1, "{shown}");
            assert_eq!(back[0].email.to_string(), addr);
        }
    }

    proptest! {
        #[test]
        fn never_panics_and_keeps_every_entry(s in ".{0,200}") {
            let parts = split(&s);
            for p in &parts {
                prop_assert!(!p.trim().is_empty());
            }
            match parse(&s) {
                Ok(list) => prop_assert_eq!(list.len(), parts.len()),
                Err(bad) => prop_assert!(!bad.is_empty() && bad.len() <= parts.len()),
            }
        }

        #[test]
        fn plain_addresses_round_trip(users in proptest::collection::vec("[a-z][a-z0-9]{0,8}(\\.[a-z0-9]{1,4})?", 1..6)) {
            let list: Vec<String> = users.iter().map(|u| format!("{u}@example.org")).collect();
            let joined = list.join(", ");
            let parsed = parse(&joined).map_err(|b| TestCaseError::fail(format!("{b:?}")))?;
            let back: Vec<String> = parsed.iter().map(|m| m.email.to_string()).collect();
            prop_assert_eq!(back, list);
        }
    }
}
