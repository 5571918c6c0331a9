//! Drafts and the outbox in the store: what makes "no message is ever lost" true. A draft is
//! written whole on every autosave; queueing a message removes its draft in the same
//! transaction; a message leaves the outbox only after the server accepted it.

use rusqlite::{Connection, OptionalExtension as _, params};

use crate::mail::compose::Draft;

/// A message waiting to leave, or refused.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutboxRow {
    pub id: i64,
    pub account: i64,
    pub message_id: String,
    pub subject: String,
    pub sender: String,
    /// Envelope recipients, space-separated.
    pub recipients: String,
    pub draft: Draft,
    pub queued: i64,
    /// Unix milliseconds before which it waits (the Undo window).
    pub send_after: i64,
    /// `waiting`, `failed`, or `sent` (accepted; its copy in Sent still to be made).
    pub state: String,
    pub attempts: u32,
    pub error: String,
    pub transcript: String,
    /// The last failure may pass by itself (a network error, a 4xx reply).
    pub temporary: bool,
}

/// A message to put in the outbox.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub account: i64,
    pub message_id: String,
    pub subject: String,
    pub sender: String,
    pub recipients: Vec<String>,
    pub raw: Vec<u8>,
    pub draft: Draft,
    pub send_after: i64,
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn json(d: &Draft) -> String {
    serde_json::to_string(d).unwrap_or_else(|_| "{}".into())
}

fn draft_of(text: &str) -> Draft {
    // A draft written by a newer or broken build still opens, as much as can be read.
    serde_json::from_str(text).unwrap_or_default()
}

/// Writes a draft under `id` (made or replaced); `id` 0 makes a new one. Returns its id.
pub fn save_draft(c: &Connection, id: i64, d: &Draft) -> rusqlite::Result<i64> {
    if id > 0 {
        // The composer chose the id: the first save makes the row, later ones replace it.
        c.execute(
            "INSERT INTO drafts(id, data, updated) VALUES (?1, ?2, ?3)
             ON CONFLICT(id) DO UPDATE SET data = excluded.data, updated = excluded.updated",
            params![id, json(d), now_ms()],
        )?;
        return Ok(id);
    }
    c.execute(
        "INSERT INTO drafts(data, updated) VALUES (?1, ?2)",
        params![json(d), now_ms()],
    )?;
    Ok(c.last_insert_rowid())
}

pub fn drafts(c: &Connection) -> rusqlite::Result<Vec<(i64, Draft)>> {
    let mut st = c.prepare("SELECT id, data FROM drafts ORDER BY updated")?;
    st.query_map([], |r| Ok((r.get(0)?, draft_of(&r.get::<_, String>(1)?))))?
        .collect()
}

pub fn delete_draft(c: &Connection, id: i64) -> rusqlite::Result<()> {
    c.execute("DELETE FROM drafts WHERE id = ?1", [id])?;
    Ok(())
}

/// Puts a message in the outbox and, in the same transaction, removes the draft it was.
pub fn queue(c: &mut Connection, m: &Outgoing, draft_id: i64) -> rusqlite::Result<i64> {
    let tx = c.transaction()?;
    tx.execute(
        "INSERT INTO outbox(account, message_id, subject, sender, recipients, raw, draft,
                            queued, send_after)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            m.account,
            m.message_id,
            m.subject,
            m.sender,
            m.recipients.join(" "),
            m.raw,
            json(&m.draft),
            now_ms(),
            m.send_after
        ],
    )?;
    let id = tx.last_insert_rowid();
    tx.execute("DELETE FROM drafts WHERE id = ?1", [draft_id])?;
    tx.commit()?;
    Ok(id)
}

const COLUMNS: &str = "id, account, message_id, subject, sender, recipients, draft, queued, \
     send_after, state, attempts, error, transcript, temporary";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OutboxRow> {
    Ok(OutboxRow {
        id: r.get(0)?,
        account: r.get(1)?,
        message_id: r.get(2)?,
        subject: r.get(3)?,
        sender: r.get(4)?,
        recipients: r.get(5)?,
        draft: draft_of(&r.get::<_, String>(6)?),
        queued: r.get(7)?,
        send_after: r.get(8)?,
        state: r.get(9)?,
        attempts: r.get(10)?,
        error: r.get(11)?,
        transcript: r.get(12)?,
        temporary: r.get(13)?,
    })
}

/// Everything in the outbox, oldest first.
pub fn outbox(c: &Connection) -> rusqlite::Result<Vec<OutboxRow>> {
    let mut st = c.prepare(&format!("SELECT {COLUMNS} FROM outbox ORDER BY queued, id"))?;
    st.query_map([], row)?.collect()
}

/// The bytes to send.
pub fn raw(c: &Connection, id: i64) -> rusqlite::Result<Option<Vec<u8>>> {
    c.query_row("SELECT raw FROM outbox WHERE id = ?1", [id], |r| r.get(0))
        .optional()
}

/// Takes a message back out of the outbox (Undo), unless it is already on its way or gone:
/// returns its draft, saved again as a draft, with the new draft's id.
pub fn take_back(c: &mut Connection, id: i64) -> rusqlite::Result<Option<(i64, Draft)>> {
    let tx = c.transaction()?;
    let d: Option<String> = tx
        .query_row(
            "SELECT draft FROM outbox WHERE id = ?1 AND state IN ('waiting', 'failed')",
            [id],
            |r| r.get(0),
        )
        .optional()?;
    let Some(d) = d else {
        return Ok(None);
    };
    tx.execute("DELETE FROM outbox WHERE id = ?1", [id])?;
    let draft = draft_of(&d);
    let draft_id = save_draft(&tx, 0, &draft)?;
    tx.commit()?;
    Ok(Some((draft_id, draft)))
}

/// Marks a message as on its way: from now on Undo cannot take it back. False when it is
/// gone (taken back) or already accepted.
pub fn start_sending(c: &Connection, id: i64) -> rusqlite::Result<bool> {
    let n = c.execute(
        "UPDATE outbox SET state = 'sending', attempts = attempts + 1
         WHERE id = ?1 AND state IN ('waiting', 'failed')",
        [id],
    )?;
    Ok(n > 0)
}

/// The server accepted it: it will never be sent again, whatever happens next.
pub fn mark_accepted(c: &Connection, id: i64, transcript: &str) -> rusqlite::Result<()> {
    c.execute(
        "UPDATE outbox SET state = 'sent', error = '', transcript = ?2 WHERE id = ?1",
        params![id, transcript],
    )?;
    Ok(())
}

pub fn mark_failed(
    c: &Connection,
    id: i64,
    error: &str,
    transcript: &str,
    temporary: bool,
) -> rusqlite::Result<()> {
    c.execute(
        "UPDATE outbox SET state = 'failed', error = ?2, transcript = ?3, temporary = ?4
         WHERE id = ?1",
        params![id, error, transcript, temporary],
    )?;
    Ok(())
}

/// A message left as `sending` by a run that stopped mid-send: whether the server took it
/// is unknown, so it is shown as failed and sent again only when the user says so.
pub fn recover_interrupted(c: &Connection) -> rusqlite::Result<usize> {
    c.execute(
        "UPDATE outbox SET state = 'failed', temporary = 0,
             error = 'Portolan stopped while this message was being sent; the server may or may not have it. Send it again, or delete it.'
         WHERE state = 'sending'",
        [],
    )
}

pub fn remove(c: &Connection, id: i64) -> rusqlite::Result<()> {
    c.execute("DELETE FROM outbox WHERE id = ?1", [id])?;
    Ok(())
}

/// Sends a refused message again at the next look, as the user asked.
pub fn retry_now(c: &Connection, id: i64) -> rusqlite::Result<()> {
    c.execute(
        "UPDATE outbox SET state = 'waiting', send_after = 0 WHERE id = ?1 AND state = 'failed'",
        [id],
    )?;
    Ok(())
}

/// Keeps a copy of a message in one of the account's local folders (POP3's Sent, or what
/// the server would not take), readable and searchable like any other.
pub fn save_local_copy(
    c: &mut Connection,
    account: i64,
    folder_name: &str,
    role: &str,
    raw: &[u8],
) -> rusqlite::Result<i64> {
    use crate::store::mail as m;
    let folder = m::local_folder(c, account, folder_name, role)?;
    let uid = m::uids(c, folder)?.last().copied().unwrap_or(0) + 1;
    let header_end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(raw.len(), |i| i + 4);
    let message = m::NewMessage {
        uid,
        remote_id: None,
        flags: vec!["\\Seen".into()],
        internal_date: Some(now_ms() / 1000),
        size: u32::try_from(raw.len()).unwrap_or(u32::MAX),
        modseq: None,
        header: raw[..header_end].to_vec(),
        summary: None,
        ..m::NewMessage::default()
    };
    m::insert_messages(c, folder, &[message])?;
    let id = m::id_of(c, folder, uid)?.unwrap_or(0);
    m::save_body(c, id, raw)?;
    Ok(id)
}

/// Addresses for completion, most used first: senders of every stored message, and the
/// recipients of what was sent.
pub fn known_addresses(c: &Connection, limit: usize) -> rusqlite::Result<Vec<String>> {
    let mut counts: std::collections::HashMap<String, (String, u32)> =
        std::collections::HashMap::new();
    let mut st = c.prepare(
        "SELECT from_name, from_addr, count(*) FROM messages WHERE from_addr <> ''
         GROUP BY from_addr",
    )?;
    let rows = st.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, u32>(2)?,
        ))
    })?;
    for r in rows {
        let (name, addr, n) = r?;
        let e = counts
            .entry(addr.to_ascii_lowercase())
            .or_insert_with(|| (crate::mail::compose::address::display(&name, &addr), 0));
        e.1 += n;
    }
    let mut st = c.prepare(
        "SELECT m.recipients FROM messages m JOIN folders f ON f.id = m.folder
         WHERE f.role = 'sent'",
    )?;
    for r in st.query_map([], |r| r.get::<_, String>(0))? {
        for entry in crate::mail::compose::address::split(&r?) {
            let key = crate::mail::compose::address::key(&entry);
            if key.contains('@') {
                counts.entry(key).or_insert_with(|| (entry.clone(), 0)).1 += 3;
            }
        }
    }
    let mut all: Vec<(String, u32)> = counts.into_values().collect();
    all.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    all.truncate(limit);
    Ok(all.into_iter().map(|(a, _)| a).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("tmp");
        let s = Store::open(&dir.path().join("db")).expect("open");
        (dir, s)
    }

    fn account(s: &Store) -> i64 {
        let a = crate::store::mail::Account {
            name: "a".into(),
            host: "h".into(),
            ..Default::default()
        };
        s.call(move |c| crate::store::mail::save_account(c, &a))
            .expect("call")
            .expect("save")
    }

    #[test]
    fn a_draft_becomes_a_queued_message_and_comes_back_on_undo() {
        let (_d, s) = store();
        let acc = account(&s);
        let draft = Draft {
            account: acc,
            to: "b@x.org".into(),
            body: "hello".into(),
            ..Draft::default()
        };
        let d2 = draft.clone();
        let id = s
            .call(move |c| save_draft(c, 0, &d2))
            .expect("c")
            .expect("save");
        let d3 = Draft {
            subject: "later".into(),
            ..draft.clone()
        };
        assert_eq!(
            s.call(move |c| save_draft(c, id, &d3))
                .expect("c")
                .expect("upd"),
            id
        );
        let out = Outgoing {
            account: acc,
            message_id: "m@x".into(),
            subject: "later".into(),
            sender: "a@x.org".into(),
            recipients: vec!["b@x.org".into()],
            raw: b"raw".to_vec(),
            draft: Draft {
                subject: "later".into(),
                ..draft.clone()
            },
            send_after: now_ms() + 5000,
        };
        let q = s
            .call(move |c| queue(c, &out, id))
            .expect("c")
            .expect("queue");
        assert!(
            s.call(|c| drafts(c)).expect("c").expect("d").is_empty(),
            "the draft went with the queueing"
        );
        let (new_id, back) = s
            .call(move |c| take_back(c, q))
            .expect("c")
            .expect("take")
            .expect("still waiting");
        assert_eq!(back.subject, "later");
        assert!(s.call(|c| outbox(c)).expect("c").expect("o").is_empty());
        assert_eq!(s.call(|c| drafts(c)).expect("c").expect("d")[0].0, new_id);
    }

    #[test]
    fn once_on_its_way_undo_cannot_take_it_and_a_crash_is_not_resent() {
        let (_d, s) = store();
        let acc = account(&s);
        let out = Outgoing {
            account: acc,
            message_id: "m@x".into(),
            subject: "s".into(),
            sender: "a@x.org".into(),
            recipients: vec!["b@x.org".into()],
            raw: b"raw".to_vec(),
            draft: Draft::default(),
            send_after: 0,
        };
        let q = s
            .call(move |c| queue(c, &out, 0))
            .expect("c")
            .expect("queue");
        assert!(
            s.call(move |c| start_sending(c, q))
                .expect("c")
                .expect("start")
        );
        assert!(
            !s.call(move |c| start_sending(c, q))
                .expect("c")
                .expect("twice"),
            "one sender at a time"
        );
        assert!(
            s.call(move |c| take_back(c, q))
                .expect("c")
                .expect("take")
                .is_none()
        );
        assert_eq!(
            s.call(|c| recover_interrupted(c)).expect("c").expect("rec"),
            1
        );
        let rows = s.call(|c| outbox(c)).expect("c").expect("o");
        assert_eq!(rows[0].state, "failed");
        assert!(!rows[0].temporary, "not resent by itself");
        s.call(move |c| mark_accepted(c, q, "S: 250"))
            .expect("c")
            .expect("acc");
        assert!(
            !s.call(move |c| start_sending(c, q))
                .expect("c")
                .expect("after")
        );
        assert_eq!(
            s.call(move |c| raw(c, q)).expect("c").expect("raw"),
            Some(b"raw".to_vec())
        );
    }

    #[test]
    fn saves_under_a_chosen_id_make_one_row_whichever_comes_first() {
        let (_d, s) = store();
        for body in ["one", "two", "three"] {
            let d = Draft {
                body: body.into(),
                ..Draft::default()
            };
            assert_eq!(
                s.call(move |c| save_draft(c, 4242, &d))
                    .expect("c")
                    .expect("save"),
                4242
            );
        }
        let all = s.call(|c| drafts(c)).expect("c").expect("d");
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].1.body, "three");
    }

    #[test]
    fn a_broken_draft_still_opens() {
        assert_eq!(draft_of("not json"), Draft::default());
        assert_eq!(
            draft_of(r#"{"to":"a@b","later":1}"#).to,
            "a@b",
            "missing and unknown fields do not lose the rest"
        );
    }
}
