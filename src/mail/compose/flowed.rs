//! format=flowed (RFC 3676) for what we send: long paragraphs travel as short lines that the
//! reader's client joins again, quotes keep their depth, and nothing a person typed is lost.

/// The longest line we write, as RFC 3676 recommends (78 less the trailing space).
const WIDTH: usize = 76;

/// Encodes typed text (lines separated by `\n`) as format=flowed lines joined by `\n`.
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let line = line.strip_suffix('\r').unwrap_or(line);
        // The signature separator keeps its space (RFC 3676 4.3); every other hard line ends
        // without one, since a trailing space means "this line goes on".
        if line == "-- " {
            out.push_str(line);
            continue;
        }
        let depth = line.chars().take_while(|c| *c == '>').count();
        let (quote, rest) = line.split_at(depth);
        let rest = rest.trim_end_matches(' ');
        let stuff = rest.starts_with(' ') || (depth == 0 && rest.starts_with("From "));
        let prefix = format!(
            "{quote}{}",
            if stuff || (depth > 0 && !rest.is_empty()) {
                " "
            } else {
                ""
            }
        );
        let rest = if depth > 0 {
            rest.strip_prefix(' ').unwrap_or(rest)
        } else {
            rest
        };
        wrap(&prefix, rest, &mut out);
    }
    out
}

/// Writes `text` after `prefix`, broken after spaces into lines of at most [`WIDTH`]
/// characters where it can; each broken line keeps its space at the end (a soft break).
fn wrap(prefix: &str, text: &str, out: &mut String) {
    let room = WIDTH.saturating_sub(prefix.chars().count()).max(20);
    let mut rest = text;
    loop {
        out.push_str(prefix);
        if rest.chars().count() <= room {
            out.push_str(rest);
            return;
        }
        // The last space within the room, else the first one after it (a long word stays whole).
        let limit = rest.char_indices().nth(room).map_or(rest.len(), |(i, _)| i);
        let cut = rest[..limit]
            .rfind(' ')
            .filter(|&i| i > 0)
            .or_else(|| rest[limit..].find(' ').map(|i| i + limit));
        match cut {
            Some(i) if i + 1 < rest.len() => {
                out.push_str(&rest[..=i]);
                out.push('\n');
                rest = &rest[i + 1..];
            }
            _ => {
                out.push_str(rest);
                return;
            }
        }
        // Space-stuff a continuation that would start with a space or look like a quote.
        if rest.starts_with(' ')
            || (prefix.is_empty() && (rest.starts_with('>') || rest.starts_with("From ")))
        {
            out.push(' ');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::render::lines_of;
    use proptest::prelude::*;

    fn decoded(text: &str) -> Vec<(usize, String)> {
        lines_of(&encode(text), true, false)
            .into_iter()
            .map(|l| (l.quote as usize, l.text))
            .collect()
    }

    #[test]
    fn long_lines_are_soft_broken_and_join_again() {
        let para = "word ".repeat(60).trim_end().to_string();
        let enc = encode(&para);
        assert!(enc.lines().count() > 3, "{enc}");
        assert!(enc.lines().all(|l| l.chars().count() <= 78), "{enc}");
        assert!(enc.lines().rev().skip(1).all(|l| l.ends_with(' ')));
        assert_eq!(decoded(&para), vec![(0, para.clone())]);
    }

    #[test]
    fn hard_lines_lose_trailing_spaces_but_not_the_signature_separator() {
        assert_eq!(encode("hello   \nworld"), "hello\nworld");
        assert_eq!(encode("text\n-- \nAnn"), "text\n-- \nAnn");
    }

    #[test]
    fn stuffing_and_quotes() {
        assert_eq!(encode(" indented\nFrom here"), "  indented\n From here");
        assert_eq!(encode(">quoted\n>> deeper\n>"), "> quoted\n>> deeper\n>");
        assert_eq!(
            decoded("> a\n>> b\nc"),
            vec![(1, "a".into()), (2, "b".into()), (0, "c".into())]
        );
    }

    #[test]
    fn a_long_word_stays_whole() {
        let url = format!("see https://example.org/{}", "x".repeat(120));
        let enc = encode(&url);
        assert!(enc.contains(&"x".repeat(120)));
        assert_eq!(decoded(&url), vec![(0, url.clone())]);
    }

    proptest! {
        #[test]
        fn unquoted_text_survives(words in proptest::collection::vec("[a-zA-Z0-9éü,.!?]{1,12}", 0..80)) {
            let text = words.join(" ");
            let back = decoded(&text);
            let joined: Vec<String> = back.into_iter().map(|(_, t)| t).collect();
            prop_assert_eq!(joined.join("\n"), text);
        }
    }
}
