//! Read state as article-number ranges, the way `.newsrc` keeps it: a group with 100,000
//! read articles is a few bytes, not 100,000 rows. Also `.newsrc` itself, read and written as
//! slrn and tin expect (`group: 1-10,12` subscribed, `group! ...` not).

/// A set of article numbers as sorted, disjoint, non-adjacent inclusive ranges.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ranges(Vec<(u64, u64)>);

impl Ranges {
    pub fn new() -> Ranges {
        Ranges::default()
    }

    pub fn ranges(&self) -> &[(u64, u64)] {
        &self.0
    }

    pub fn contains(&self, n: u64) -> bool {
        let i = self.0.partition_point(|(_, hi)| *hi < n);
        self.0.get(i).is_some_and(|(lo, _)| *lo <= n)
    }

    /// Adds `lo..=hi`, merging with what it touches.
    pub fn insert(&mut self, lo: u64, hi: u64) {
        if lo > hi {
            return;
        }
        let start = self.0.partition_point(|(_, h)| h.saturating_add(1) < lo);
        let end = self.0.partition_point(|(l, _)| *l <= hi.saturating_add(1));
        let (mut nlo, mut nhi) = (lo, hi);
        for (l, h) in &self.0[start..end] {
            nlo = nlo.min(*l);
            nhi = nhi.max(*h);
        }
        self.0.splice(start..end, [(nlo, nhi)]);
    }

    /// Takes `lo..=hi` out (an article marked unread again).
    pub fn remove(&mut self, lo: u64, hi: u64) {
        if lo > hi {
            return;
        }
        let mut out = Vec::with_capacity(self.0.len() + 1);
        for &(l, h) in &self.0 {
            if h < lo || l > hi {
                out.push((l, h));
                continue;
            }
            if l < lo {
                out.push((l, lo - 1));
            }
            if h > hi {
                out.push((hi + 1, h));
            }
        }
        self.0 = out;
    }

    /// How many of `first..=last` are in the set.
    pub fn count_in(&self, first: u64, last: u64) -> u64 {
        if first > last {
            return 0;
        }
        self.0
            .iter()
            .map(|(l, h)| {
                let (a, b) = ((*l).max(first), (*h).min(last));
                if a <= b { b - a + 1 } else { 0 }
            })
            .sum()
    }

    /// Parses `1-10,12,15-20`; pieces that do not parse are left out, so a damaged line
    /// loses only what it damaged.
    pub fn parse(text: &str) -> Ranges {
        let mut r = Ranges::new();
        for piece in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let parsed = match piece.split_once('-') {
                Some((a, b)) => a.trim().parse().ok().zip(b.trim().parse().ok()),
                None => piece.parse().ok().map(|n| (n, n)),
            };
            if let Some((lo, hi)) = parsed {
                r.insert(lo, hi);
            }
        }
        r
    }
}

impl std::fmt::Display for Ranges {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, (lo, hi)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            if lo == hi {
                write!(f, "{lo}")?;
            } else {
                write!(f, "{lo}-{hi}")?;
            }
        }
        Ok(())
    }
}

/// One `.newsrc` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewsrcEntry {
    pub group: String,
    pub subscribed: bool,
    pub read: Ranges,
}

/// Reads a `.newsrc`: `group: ranges` or `group! ranges`; other lines (comments, options
/// lines some readers write) are skipped.
pub fn parse_newsrc(text: &str) -> Vec<NewsrcEntry> {
    text.lines()
        .filter_map(|line| {
            let at = line.find([':', '!'])?;
            let group = line[..at].trim();
            if group.is_empty() || group.contains(char::is_whitespace) {
                return None;
            }
            Some(NewsrcEntry {
                group: group.to_string(),
                subscribed: line.as_bytes()[at] == b':',
                read: Ranges::parse(&line[at + 1..]),
            })
        })
        .collect()
}

/// Writes a `.newsrc` that slrn and tin read: one line per group, `: ` or `! ` then ranges.
pub fn write_newsrc(entries: &[NewsrcEntry]) -> String {
    let mut out = String::new();
    for e in entries {
        out.push_str(&e.group);
        out.push(if e.subscribed { ':' } else { '!' });
        let ranges = e.read.to_string();
        if !ranges.is_empty() {
            out.push(' ');
            out.push_str(&ranges);
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_merges_and_remove_splits() {
        let mut r = Ranges::new();
        r.insert(5, 7);
        r.insert(1, 2);
        r.insert(3, 4);
        assert_eq!(r.ranges(), &[(1, 7)]);
        r.insert(10, 10);
        r.insert(12, 20);
        assert_eq!(r.to_string(), "1-7,10,12-20");
        r.insert(8, 11);
        assert_eq!(r.to_string(), "1-20");
        r.remove(5, 5);
        assert_eq!(r.to_string(), "1-4,6-20");
        assert!(r.contains(4) && !r.contains(5) && r.contains(20) && !r.contains(21));
        assert_eq!(r.count_in(3, 8), 5);
        r.remove(0, 100);
        assert!(r.ranges().is_empty());
        r.insert(u64::MAX - 1, u64::MAX);
        assert!(r.contains(u64::MAX));
    }

    #[test]
    fn newsrc_round_trip_and_damage() {
        let text = "local.test: 1-5,7\nlocal.general! 1-3\n# a comment\nbroken line\nlocal.empty:\nx.y: 1-x,4,9-8\n";
        let e = parse_newsrc(text);
        assert_eq!(e.len(), 4);
        assert!(e[0].subscribed && !e[1].subscribed);
        assert_eq!(e[0].read.to_string(), "1-5,7");
        assert!(e[2].read.ranges().is_empty());
        assert_eq!(e[3].read.to_string(), "4", "damaged pieces are left out");
        assert_eq!(
            write_newsrc(&e),
            "local.test: 1-5,7\nlocal.general! 1-3\nlocal.empty:\nx.y: 4\n"
        );
    }
}
