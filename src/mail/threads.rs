//! Conversations from References and In-Reply-To (the heart of JWZ threading): each message
//! hangs under the nearest ancestor the folder has, so a missing parent leaves its replies
//! together under the oldest one present; threads are ordered by their newest message, replies
//! by date under their parent.

use std::collections::HashMap;

use crate::store::mail::MessageRow;

/// Deeper reply chains than this are cut (and a reference loop is one).
const MAX_DEPTH: usize = 1000;

/// Puts rows in thread order and sets each one's depth.
pub fn threaded(rows: Vec<MessageRow>) -> Vec<MessageRow> {
    let order = order(&rows);
    let mut slots: Vec<Option<MessageRow>> = rows.into_iter().map(Some).collect();
    order
        .into_iter()
        .filter_map(|(i, depth)| {
            slots[i].take().map(|mut r| {
                r.depth = depth;
                r
            })
        })
        .collect()
}

/// The rows in thread order: `(index into rows, depth)`.
pub fn order(rows: &[MessageRow]) -> Vec<(usize, u16)> {
    let by_id: HashMap<&str, usize> = rows
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.message_id.as_deref().map(|id| (id, i)))
        .collect();
    // The parent of each message: the last of its references (or In-Reply-To) that is here.
    let mut parent: Vec<Option<usize>> = vec![None; rows.len()];
    for (i, r) in rows.iter().enumerate() {
        let chain = r.refs.split_whitespace().chain(r.in_reply_to.as_deref());
        let mut found = None;
        for id in chain {
            if let Some(&p) = by_id.get(id)
                && p != i
            {
                found = Some(p);
            }
        }
        parent[i] = found;
    }
    // Break cycles (a message that refers, through others, to itself): walk up at most the
    // row count; a loop makes the message a root.
    for i in 0..rows.len() {
        let mut seen = 0;
        let mut at = parent[i];
        while let Some(p) = at {
            if p == i || seen > MAX_DEPTH {
                parent[i] = None;
                break;
            }
            seen += 1;
            at = parent[p];
        }
    }
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); rows.len()];
    let mut roots = Vec::new();
    for (i, p) in parent.iter().enumerate() {
        match p {
            Some(p) => children[*p].push(i),
            None => roots.push(i),
        }
    }
    let date = |i: usize| rows[i].date.unwrap_or(0);
    for c in &mut children {
        c.sort_by_key(|&i| (date(i), rows[i].uid));
    }
    // A thread's newest date, for ordering threads newest first.
    let mut newest = vec![0i64; rows.len()];
    for &r in &roots {
        let mut best = date(r);
        let mut stack = vec![r];
        while let Some(n) = stack.pop() {
            best = best.max(date(n));
            stack.extend(&children[n]);
        }
        newest[r] = best;
    }
    roots.sort_by_key(|&r| (std::cmp::Reverse(newest[r]), std::cmp::Reverse(rows[r].uid)));
    let mut out = Vec::with_capacity(rows.len());
    for r in roots {
        let mut stack = vec![(r, 0u16)];
        while let Some((n, depth)) = stack.pop() {
            out.push((n, depth));
            for &c in children[n].iter().rev() {
                stack.push((c, depth.saturating_add(1)));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(uid: u32, id: &str, refs: &str, date: i64) -> MessageRow {
        MessageRow {
            uid,
            message_id: Some(id.to_string()),
            refs: refs.to_string(),
            date: Some(date),
            ..MessageRow::default()
        }
    }

    #[test]
    fn replies_hang_under_their_parents_and_threads_go_newest_first() {
        let rows = vec![
            row(1, "a", "", 100),
            row(2, "b", "a", 200),
            row(3, "c", "a b", 300),
            row(4, "d", "", 250),
            // Its parent "x" is not in the folder: it hangs under "a", the nearest one present.
            row(5, "e", "a x", 400),
            row(6, "f", "d", 260),
        ];
        let got: Vec<(u32, u16)> = order(&rows)
            .into_iter()
            .map(|(i, d)| (rows[i].uid, d))
            .collect();
        assert_eq!(got, vec![(1, 0), (2, 1), (3, 2), (5, 1), (4, 0), (6, 1)]);
    }

    #[test]
    fn loops_and_self_references_do_not_hang() {
        let rows = vec![
            row(1, "a", "b", 1),
            row(2, "b", "a", 2),
            row(3, "c", "c", 3),
        ];
        let got = order(&rows);
        assert_eq!(got.len(), 3);
    }
}
