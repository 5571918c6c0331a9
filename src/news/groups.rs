//! Finding groups in a server's list as the user types: every word must appear in the name
//! or the description, case folded. Runs over 100,000 names per keystroke, so it allocates
//! nothing per group.

use crate::store::news::GroupEntry;

/// A filter as typed: lower-cased words.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupFilter {
    words: Vec<String>,
}

impl GroupFilter {
    pub fn new(text: &str) -> GroupFilter {
        GroupFilter {
            words: text.split_whitespace().map(str::to_lowercase).collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    pub fn matches(&self, g: &GroupEntry) -> bool {
        self.words
            .iter()
            .all(|w| contains_folded(&g.name, w) || contains_folded(&g.description, w))
    }

    /// The indexes of `groups` that match, in order.
    pub fn apply(&self, groups: &[GroupEntry]) -> Vec<usize> {
        if self.is_empty() {
            return (0..groups.len()).collect();
        }
        groups
            .iter()
            .enumerate()
            .filter(|(_, g)| self.matches(g))
            .map(|(i, _)| i)
            .collect()
    }
}

/// `needle` (already lower-case) in `hay`, ignoring ASCII case without allocating; other
/// text is compared after lower-casing. Also the article list's quick filter.
pub fn contains_folded(hay: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return true;
    }
    if hay.is_ascii() && needle.is_ascii() {
        let (h, n) = (hay.as_bytes(), needle.as_bytes());
        return h.len() >= n.len() && h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n));
    }
    hay.to_lowercase().contains(needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(name: &str, description: &str) -> GroupEntry {
        GroupEntry {
            name: name.into(),
            description: description.into(),
            ..GroupEntry::default()
        }
    }

    #[test]
    fn every_word_in_the_name_or_the_description() {
        let list = vec![
            g("comp.lang.rust", "The Rust language"),
            g("comp.lang.c", "C"),
            g("de.rec.kochen", "Über das Kochen"),
        ];
        assert_eq!(GroupFilter::new("").apply(&list), vec![0, 1, 2]);
        assert_eq!(GroupFilter::new("LANG rust").apply(&list), vec![0]);
        assert_eq!(GroupFilter::new("comp").apply(&list), vec![0, 1]);
        assert_eq!(GroupFilter::new("über").apply(&list), vec![2]);
        assert_eq!(GroupFilter::new("ÜBER kochen").apply(&list), vec![2]);
        assert!(GroupFilter::new("nothing").apply(&list).is_empty());
    }
}
