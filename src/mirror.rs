//! Mirroring a tree: what lftp's `mirror` does, as a plan a person can read before it runs.
//!
//! Both sides are reduced to lists of files with paths relative to the tree's root; the plan
//! says, for every path, whether it is new, newer, older, different in size or missing on the
//! other side, and what will be done about it. Applying the plan is the caller's business.

use std::collections::BTreeMap;

/// A file in a tree, by its path below the root (`/`-separated, raw bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeFile {
    pub rel: Vec<u8>,
    pub size: u64,
    /// Seconds since the epoch, UTC, when known.
    pub modified: Option<i64>,
}

/// How the source's copy of a path compares with the target's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Difference {
    /// Only in the source.
    New,
    /// Newer in the source.
    Newer,
    /// Older in the source: left alone.
    Older,
    /// Same time, different size.
    DifferentSize,
    /// Only in the target.
    Missing,
    Same,
}

impl Difference {
    pub fn label(self) -> &'static str {
        match self {
            Difference::New => "new",
            Difference::Newer => "newer",
            Difference::Older => "older",
            Difference::DifferentSize => "different size",
            Difference::Missing => "missing in source",
            Difference::Same => "same",
        }
    }
}

/// What the plan does with a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Transfer,
    Delete,
    Keep,
}

/// One line of the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanItem {
    pub rel: Vec<u8>,
    pub difference: Difference,
    pub action: Action,
    pub size: u64,
}

/// The one rule for "overwrite if newer or different size", used by the mirror plan and by
/// the overwrite dialog alike: a newer source replaces the target; an older source never does,
/// whatever its size; with times equal (or unknown), a different size does. Each side is its
/// (modification time, size), either of which a server may not tell.
pub fn compare(
    source: (Option<i64>, Option<u64>),
    target: (Option<i64>, Option<u64>),
) -> Difference {
    match (source.0, target.0) {
        (Some(a), Some(b)) if a > b + TIME_TOLERANCE => Difference::Newer,
        (Some(a), Some(b)) if a + TIME_TOLERANCE < b => Difference::Older,
        _ => match (source.1, target.1) {
            (Some(a), Some(b)) if a != b => Difference::DifferentSize,
            _ => Difference::Same,
        },
    }
}

impl Difference {
    /// Whether the source's copy is written over (or in place of) the target's.
    pub fn replaces_target(self) -> bool {
        matches!(
            self,
            Difference::New | Difference::Newer | Difference::DifferentSize
        )
    }
}

/// Times closer than this are the same: FTP LIST dates often have minute precision.
pub const TIME_TOLERANCE: i64 = 60;

/// Compares `source` with `target`. Files that are new, newer or of another size are
/// transferred; files only in the target are deleted when `delete` is set.
pub fn plan(source: &[TreeFile], target: &[TreeFile], delete: bool) -> Vec<PlanItem> {
    let theirs: BTreeMap<&[u8], &TreeFile> = target.iter().map(|f| (f.rel.as_slice(), f)).collect();
    let ours: BTreeMap<&[u8], &TreeFile> = source.iter().map(|f| (f.rel.as_slice(), f)).collect();
    let mut out = Vec::with_capacity(source.len());
    for (rel, s) in &ours {
        let difference = match theirs.get(rel) {
            None => Difference::New,
            Some(t) => compare((s.modified, Some(s.size)), (t.modified, Some(t.size))),
        };
        let action = if difference.replaces_target() {
            Action::Transfer
        } else {
            Action::Keep
        };
        out.push(PlanItem {
            rel: rel.to_vec(),
            difference,
            action,
            size: s.size,
        });
    }
    for (rel, t) in &theirs {
        if !ours.contains_key(rel) {
            out.push(PlanItem {
                rel: rel.to_vec(),
                difference: Difference::Missing,
                action: if delete { Action::Delete } else { Action::Keep },
                size: t.size,
            });
        }
    }
    out.sort_by(|a, b| a.rel.cmp(&b.rel));
    out
}

/// Totals for the summary line.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub transfers: usize,
    pub bytes: u64,
    pub deletions: usize,
    pub kept: usize,
}

pub fn summarize(plan: &[PlanItem]) -> Summary {
    let mut s = Summary::default();
    for item in plan {
        match item.action {
            Action::Transfer => {
                s.transfers += 1;
                s.bytes += item.size;
            }
            Action::Delete => s.deletions += 1,
            Action::Keep => s.kept += 1,
        }
    }
    s
}

/// Rejects relative paths that could leave the target tree (`..`, absolute, NUL).
pub fn safe_rel(rel: &[u8]) -> bool {
    !rel.is_empty()
        && !rel.starts_with(b"/")
        && !rel.contains(&0)
        && !rel.contains(&b'\\')
        && rel
            .split(|b| *b == b'/')
            .all(|part| !part.is_empty() && part != b"." && part != b"..")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(rel: &str, size: u64, modified: i64) -> TreeFile {
        TreeFile {
            rel: rel.as_bytes().to_vec(),
            size,
            modified: Some(modified),
        }
    }

    #[test]
    fn one_rule_for_newer_or_different_size() {
        let (old, new) = (Some(1_000_000), Some(2_000_000));
        assert_eq!(compare((new, Some(1)), (old, Some(1))), Difference::Newer);
        // An older file of another size is kept, in the plan and in the dialog.
        assert_eq!(compare((old, Some(5)), (new, Some(1))), Difference::Older);
        assert!(!compare((old, Some(5)), (new, Some(1))).replaces_target());
        assert_eq!(
            compare((old, Some(5)), (old, Some(1))),
            Difference::DifferentSize
        );
        assert_eq!(
            compare((None, Some(5)), (new, Some(1))),
            Difference::DifferentSize
        );
        assert_eq!(compare((None, None), (new, Some(1))), Difference::Same);
        let planned = plan(
            &[TreeFile {
                rel: b"a".to_vec(),
                size: 5,
                modified: old,
            }],
            &[TreeFile {
                rel: b"a".to_vec(),
                size: 1,
                modified: new,
            }],
            false,
        );
        assert_eq!(planned[0].action, Action::Keep);
    }

    #[test]
    fn every_kind_of_difference() {
        let source = vec![
            f("a/new.txt", 1, 1000),
            f("newer.txt", 5, 5000),
            f("older.txt", 5, 1000),
            f("resized.txt", 9, 3000),
            f("same.txt", 3, 3000),
            f("close.txt", 3, 3030),
        ];
        let target = vec![
            f("newer.txt", 5, 1000),
            f("older.txt", 5, 5000),
            f("resized.txt", 7, 3000),
            f("same.txt", 3, 3000),
            f("close.txt", 3, 3000),
            f("gone.txt", 2, 1000),
        ];
        let p = plan(&source, &target, false);
        let get = |rel: &str| {
            p.iter()
                .find(|i| i.rel == rel.as_bytes())
                .expect(rel)
                .clone()
        };
        assert_eq!(
            (get("a/new.txt").difference, get("a/new.txt").action),
            (Difference::New, Action::Transfer)
        );
        assert_eq!(get("newer.txt").action, Action::Transfer);
        assert_eq!(
            (get("older.txt").difference, get("older.txt").action),
            (Difference::Older, Action::Keep)
        );
        assert_eq!(get("resized.txt").difference, Difference::DifferentSize);
        assert_eq!(get("same.txt").action, Action::Keep);
        assert_eq!(get("close.txt").difference, Difference::Same);
        assert_eq!(
            (get("gone.txt").difference, get("gone.txt").action),
            (Difference::Missing, Action::Keep)
        );
        let p = plan(&source, &target, true);
        assert_eq!(
            p.iter().find(|i| i.rel == b"gone.txt").map(|i| i.action),
            Some(Action::Delete)
        );
        let s = summarize(&p);
        assert_eq!((s.transfers, s.bytes, s.deletions), (3, 15, 1));
    }

    #[test]
    fn identical_trees_need_nothing() {
        let t = vec![f("x", 1, 1), f("d/y", 2, 2)];
        assert_eq!(summarize(&plan(&t, &t, true)).transfers, 0);
        assert_eq!(summarize(&plan(&t, &t, true)).deletions, 0);
    }

    #[test]
    fn relative_paths_stay_inside() {
        assert!(safe_rel(b"a/b.txt"));
        assert!(!safe_rel(b"../x"));
        assert!(!safe_rel(b"a/../../x"));
        assert!(!safe_rel(b"/etc/passwd"));
        assert!(!safe_rel(b"a//b"));
        assert!(!safe_rel(b"a\\b"));
        assert!(!safe_rel(b""));
    }
}
