//! The thread list of a group: conversations by References (the mail threader), with a
//! placeholder line where a thread's first article is not on the server, so its replies stay
//! together under what they answer, and the gap can be filled from another server.

use crate::store::mail::MessageRow;

/// One line of the thread list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ThreadLine {
    Article {
        index: usize,
        depth: u16,
    },
    /// A parent this server lacks, by Message-ID (without brackets).
    Missing {
        message_id: String,
    },
}

/// The lines for `rows` in thread order, newest thread first.
pub fn lines(rows: &[MessageRow]) -> Vec<ThreadLine> {
    let order = crate::mail::threads::order(rows);
    let mut out = Vec::with_capacity(order.len() + 16);
    let mut inside_missing = false;
    for (index, depth) in order {
        if depth == 0 {
            let missing = rows[index]
                .refs
                .split_whitespace()
                .next()
                .map(|first| first.trim_matches(['<', '>']).to_string());
            inside_missing = false;
            if let Some(id) = missing {
                out.push(ThreadLine::Missing { message_id: id });
                inside_missing = true;
            }
        }
        out.push(ThreadLine::Article {
            index,
            depth: depth + u16::from(inside_missing),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, refs: &str, date: i64) -> MessageRow {
        MessageRow {
            message_id: Some(id.into()),
            refs: refs.into(),
            in_reply_to: refs.split_whitespace().last().map(str::to_string),
            date: Some(date),
            ..MessageRow::default()
        }
    }

    #[test]
    fn a_missing_root_gets_a_placeholder() {
        let rows = vec![
            row("a", "", 1),
            row("b", "a", 2),
            row("orphan", "gone", 3),
            row("orphan-re", "gone orphan", 4),
        ];
        let l = lines(&rows);
        assert_eq!(
            l,
            vec![
                ThreadLine::Missing {
                    message_id: "gone".into()
                },
                ThreadLine::Article { index: 2, depth: 1 },
                ThreadLine::Article { index: 3, depth: 2 },
                ThreadLine::Article { index: 0, depth: 0 },
                ThreadLine::Article { index: 1, depth: 1 },
            ]
        );
    }
}
