//! Mail in the store: accounts and identities, folders, message summaries, cached bodies and
//! the FTS5 index, plus the typed requests the Mail panel and the sync send. Shared with News.

use rusqlite::{Connection, OptionalExtension as _, params};

use super::{Store, StoreError, api::Reply};
use crate::mail::Summary;
use crate::mail::search::Query;

/// An incoming server with its outgoing one and its identities. The password is in the
/// secrets store under [`Account::secret_key`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: i64,
    pub name: String,
    /// `imap` or `pop3`.
    pub kind: String,
    pub host: String,
    pub port: u16,
    pub user: String,
    /// `require` (STARTTLS), `implicit`, `plain` (only when chosen) or `auto`.
    pub tls: String,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_user: String,
    pub smtp_tls: String,
    /// POP3: keep messages on the server after download.
    pub leave_on_server: bool,
    /// POP3: delete from the server this many days after download (0: never).
    pub delete_after_days: u32,
    /// The last capability report, one line each.
    pub capabilities: String,
    pub identities: Vec<Identity>,
}

impl Default for Account {
    fn default() -> Account {
        Account {
            id: 0,
            name: String::new(),
            kind: "imap".into(),
            host: String::new(),
            port: 993,
            user: String::new(),
            tls: "implicit".into(),
            smtp_host: String::new(),
            smtp_port: 465,
            smtp_user: String::new(),
            smtp_tls: "implicit".into(),
            leave_on_server: true,
            delete_after_days: 0,
            capabilities: String::new(),
            identities: Vec::new(),
        }
    }
}

impl Account {
    /// Where the incoming server's password is kept.
    pub fn secret_key(&self) -> String {
        format!("{}://{}@{}:{}", self.kind, self.user, self.host, self.port)
    }

    /// Where the outgoing server's password is kept (often the same one).
    pub fn smtp_secret_key(&self) -> String {
        format!(
            "smtp://{}@{}:{}",
            self.smtp_user, self.smtp_host, self.smtp_port
        )
    }
}

/// A name and address to send as, with its signature.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    pub name: String,
    pub address: String,
    pub signature: String,
}

/// A folder as the store has it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FolderRow {
    pub id: i64,
    pub account: i64,
    pub name: String,
    pub delimiter: Option<String>,
    /// `inbox`, `sent`, `drafts`, `trash`, `junk`, `archive`, `all`, `flagged`.
    pub role: Option<String>,
    pub selectable: bool,
    pub uidvalidity: Option<u32>,
    pub uidnext: Option<u32>,
    pub highest_modseq: Option<u64>,
    pub messages: u32,
    pub unseen: u32,
}

/// A folder as the server lists it, for [`sync_folders`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FolderInfo {
    pub name: String,
    pub delimiter: Option<String>,
    pub role: Option<String>,
    pub attributes: String,
    pub selectable: bool,
}

/// One row of the message list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageRow {
    pub id: i64,
    pub folder: i64,
    pub uid: u32,
    pub flags: String,
    pub seen: bool,
    pub flagged: bool,
    /// The Date header (else INTERNALDATE), Unix seconds.
    pub date: Option<i64>,
    pub size: u32,
    pub from_name: String,
    pub from_addr: String,
    pub recipients: String,
    pub subject: String,
    pub message_id: Option<String>,
    pub in_reply_to: Option<String>,
    /// Message-IDs of References, space-separated.
    pub refs: String,
    pub list_id: Option<String>,
    pub attachments: bool,
    /// Body lines (news overviews give them; 0 for mail).
    pub lines: u32,
    /// Groups a news article was posted to (1 for mail).
    pub crossposts: u16,
    /// Depth in its conversation when the list is threaded (not stored).
    pub depth: u16,
}

/// A message's summary from the server, to be stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewMessage {
    pub uid: u32,
    /// POP3's UIDL.
    pub remote_id: Option<String>,
    pub flags: Vec<String>,
    pub internal_date: Option<i64>,
    pub size: u32,
    pub modseq: Option<u64>,
    pub header: Vec<u8>,
    /// The header already read (the sync reads it off the store thread); else it is read here.
    pub summary: Option<Box<Summary>>,
    /// News: body lines and groups posted to, from the overview.
    pub lines: u32,
    pub crossposts: u16,
}

/// How the list is sorted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Sort {
    #[default]
    DateNewest,
    DateOldest,
    From,
    Subject,
    Size,
}

impl Sort {
    fn order_by(self) -> &'static str {
        match self {
            // Plain `date` so the (folder, date) index gives the order; a message without a
            // date sorts as the oldest.
            Sort::DateNewest => "date DESC",
            Sort::DateOldest => "date ASC",
            Sort::From => "from_name COLLATE NOCASE, date DESC",
            Sort::Subject => "subject COLLATE NOCASE, date DESC",
            Sort::Size => "size DESC",
        }
    }
}

fn has(flags: &[String], flag: &str) -> bool {
    flags.iter().any(|f| f.eq_ignore_ascii_case(flag))
}

/// Inserts a new account (id 0) or updates one; returns its id.
pub fn save_account(c: &mut Connection, a: &Account) -> rusqlite::Result<i64> {
    let tx = c.transaction()?;
    tx.execute(
        "INSERT INTO accounts(id, name, kind, host, port, user, tls, smtp_host, smtp_port,
             smtp_user, smtp_tls, leave_on_server, delete_after_days, capabilities)
         VALUES (NULLIF(?1, 0), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
         ON CONFLICT(id) DO UPDATE SET name=excluded.name, kind=excluded.kind,
             host=excluded.host, port=excluded.port, user=excluded.user, tls=excluded.tls,
             smtp_host=excluded.smtp_host, smtp_port=excluded.smtp_port,
             smtp_user=excluded.smtp_user, smtp_tls=excluded.smtp_tls,
             leave_on_server=excluded.leave_on_server,
             delete_after_days=excluded.delete_after_days, capabilities=excluded.capabilities",
        params![
            a.id,
            a.name,
            a.kind,
            a.host,
            a.port,
            a.user,
            a.tls,
            a.smtp_host,
            a.smtp_port,
            a.smtp_user,
            a.smtp_tls,
            a.leave_on_server,
            a.delete_after_days,
            a.capabilities
        ],
    )?;
    let id = if a.id > 0 {
        a.id
    } else {
        tx.last_insert_rowid()
    };
    tx.execute("DELETE FROM identities WHERE account = ?1", [id])?;
    for (i, ident) in a.identities.iter().enumerate() {
        tx.execute(
            "INSERT INTO identities(account, name, address, signature, position)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, ident.name, ident.address, ident.signature, i as i64],
        )?;
    }
    tx.commit()?;
    Ok(id)
}

/// The mail accounts (IMAP and POP3); news servers are listed by [`news_servers`].
pub fn accounts(c: &Connection) -> rusqlite::Result<Vec<Account>> {
    accounts_where(c, "kind <> 'nntp'")
}

/// The news servers: accounts of kind `nntp`, with the identities they post as.
pub fn news_servers(c: &Connection) -> rusqlite::Result<Vec<Account>> {
    accounts_where(c, "kind = 'nntp'")
}

fn accounts_where(c: &Connection, which: &str) -> rusqlite::Result<Vec<Account>> {
    let mut st = c.prepare(&format!(
        "SELECT id, name, kind, host, port, user, tls, smtp_host, smtp_port, smtp_user,
             smtp_tls, leave_on_server, delete_after_days, capabilities
         FROM accounts WHERE {which} ORDER BY name, id"
    ))?;
    let mut out: Vec<Account> = st
        .query_map([], |r| {
            Ok(Account {
                id: r.get(0)?,
                name: r.get(1)?,
                kind: r.get(2)?,
                host: r.get(3)?,
                port: r.get(4)?,
                user: r.get(5)?,
                tls: r.get(6)?,
                smtp_host: r.get(7)?,
                smtp_port: r.get(8)?,
                smtp_user: r.get(9)?,
                smtp_tls: r.get(10)?,
                leave_on_server: r.get(11)?,
                delete_after_days: r.get(12)?,
                capabilities: r.get(13)?,
                identities: Vec::new(),
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut st = c.prepare(
        "SELECT name, address, signature FROM identities WHERE account = ?1 ORDER BY position",
    )?;
    for a in &mut out {
        a.identities = st
            .query_map([a.id], |r| {
                Ok(Identity {
                    name: r.get(0)?,
                    address: r.get(1)?,
                    signature: r.get(2)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
    }
    Ok(out)
}

/// Deletes an account with its folders, messages and bodies.
pub fn delete_account(c: &Connection, id: i64) -> rusqlite::Result<()> {
    c.execute("DELETE FROM accounts WHERE id = ?1", [id])?;
    Ok(())
}

/// Makes the account's folders what the server listed: new ones added, attributes updated,
/// folders the server no longer has removed with their messages.
pub fn sync_folders(
    c: &mut Connection,
    account: i64,
    listed: &[FolderInfo],
) -> rusqlite::Result<Vec<FolderRow>> {
    let tx = c.transaction()?;
    {
        let mut upsert = tx.prepare(
            "INSERT INTO folders(account, name, delimiter, role, attributes, selectable)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT(account, name) DO UPDATE SET delimiter=excluded.delimiter,
                 role=excluded.role, attributes=excluded.attributes,
                 selectable=excluded.selectable",
        )?;
        for f in listed {
            upsert.execute(params![
                account,
                f.name,
                f.delimiter,
                f.role,
                f.attributes,
                f.selectable
            ])?;
        }
        let names: Vec<String> = {
            let mut st = tx.prepare("SELECT name FROM folders WHERE account = ?1")?;
            st.query_map([account], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?
        };
        for name in names {
            if !listed.iter().any(|f| f.name == name) {
                tx.execute(
                    "DELETE FROM folders WHERE account = ?1 AND name = ?2",
                    params![account, name],
                )?;
            }
        }
    }
    tx.commit()?;
    folders(c, account)
}

/// A local folder that no server lists (POP3's Inbox): made once, kept.
pub fn local_folder(c: &Connection, account: i64, name: &str, role: &str) -> rusqlite::Result<i64> {
    c.execute(
        "INSERT INTO folders(account, name, role) VALUES (?1, ?2, ?3)
         ON CONFLICT(account, name) DO NOTHING",
        params![account, name, role],
    )?;
    c.query_row(
        "SELECT id FROM folders WHERE account = ?1 AND name = ?2",
        params![account, name],
        |r| r.get(0),
    )
}

pub(super) const FOLDER_COLUMNS: &str = "id, account, name, delimiter, role, selectable, uidvalidity, \
     uidnext, highest_modseq, messages, unseen";

pub(super) fn folder_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<FolderRow> {
    Ok(FolderRow {
        id: r.get(0)?,
        account: r.get(1)?,
        name: r.get(2)?,
        delimiter: r.get(3)?,
        role: r.get(4)?,
        selectable: r.get(5)?,
        uidvalidity: r.get(6)?,
        uidnext: r.get(7)?,
        highest_modseq: r.get::<_, Option<i64>>(8)?.map(|v| v as u64),
        messages: r.get(9)?,
        unseen: r.get(10)?,
    })
}

/// The account's folders: INBOX first, then by name.
pub fn folders(c: &Connection, account: i64) -> rusqlite::Result<Vec<FolderRow>> {
    let mut st = c.prepare(&format!(
        "SELECT {FOLDER_COLUMNS} FROM folders WHERE account = ?1
         ORDER BY role IS NOT 'inbox', name COLLATE NOCASE"
    ))?;
    st.query_map([account], folder_row)?.collect()
}

pub fn folder(c: &Connection, id: i64) -> rusqlite::Result<Option<FolderRow>> {
    c.query_row(
        &format!("SELECT {FOLDER_COLUMNS} FROM folders WHERE id = ?1"),
        [id],
        folder_row,
    )
    .optional()
}

/// Drops every cached message of a folder whose UIDVALIDITY changed, and records the new one.
/// Nothing of any other folder is touched.
pub fn reset_folder(c: &Connection, folder: i64, uidvalidity: u32) -> rusqlite::Result<()> {
    c.execute("DELETE FROM messages WHERE folder = ?1", [folder])?;
    c.execute(
        "UPDATE folders SET uidvalidity = ?2, highest_modseq = NULL WHERE id = ?1",
        params![folder, uidvalidity],
    )?;
    Ok(())
}

/// What the server last said of a folder. `counted`: the folder's counts are right already
/// (a first sync counted its batches in); else they are counted again.
pub fn set_folder_state(
    c: &Connection,
    folder: i64,
    uidvalidity: Option<u32>,
    uidnext: Option<u32>,
    highest_modseq: Option<u64>,
    counted: bool,
) -> rusqlite::Result<()> {
    c.execute(
        "UPDATE folders SET uidvalidity = ?2, uidnext = ?3, highest_modseq = ?4,
             synced = strftime('%s','now') WHERE id = ?1",
        params![
            folder,
            uidvalidity,
            uidnext,
            highest_modseq.map(|v| v as i64)
        ],
    )?;
    if counted {
        return Ok(());
    }
    recount(c, folder)
}

/// Counts from the server's STATUS, for a folder whose messages are not cached yet.
pub fn set_counts(c: &Connection, folder: i64, messages: u32, unseen: u32) -> rusqlite::Result<()> {
    c.execute(
        "UPDATE folders SET messages = ?2, unseen = ?3 WHERE id = ?1",
        params![folder, messages, unseen],
    )?;
    Ok(())
}

/// Recounts a folder's messages and unread ones from the cache.
pub fn recount(c: &Connection, folder: i64) -> rusqlite::Result<()> {
    c.execute(
        "UPDATE folders SET
             messages = (SELECT count(*) FROM messages WHERE folder = ?1),
             unseen = (SELECT count(*) FROM messages WHERE folder = ?1 AND seen = 0)
         WHERE id = ?1",
        [folder],
    )?;
    Ok(())
}

/// Stores new summaries in one transaction (the search index thread indexes them after). A
/// UID already stored is updated, so a sync that was cut off and runs again stores each
/// message once.
pub fn insert_messages(
    c: &mut Connection,
    folder: i64,
    batch: &[NewMessage],
) -> rusqlite::Result<()> {
    insert_batch(c, folder, batch, false)?;
    recount(c, folder)
}

/// Like [`insert_messages`], without recounting the folder: for a sync's batches. `fresh`:
/// the caller knows none of these UIDs is stored (the sync compared them with the cache), so
/// each is not looked up first, and the folder's counts go up by what was added (a count of
/// a 100,000-message folder's rows was the last thing a first sync waited for).
pub fn insert_batch(
    c: &mut Connection,
    folder: i64,
    batch: &[NewMessage],
    fresh: bool,
) -> rusqlite::Result<()> {
    let tx = c.transaction()?;
    let (added, unseen) = insert_rows(&tx, folder, batch, fresh)?;
    if fresh {
        tx.execute(
            "UPDATE folders SET messages = messages + ?2, unseen = unseen + ?3 WHERE id = ?1",
            params![folder, added, unseen],
        )?;
    }
    tx.commit()
}

/// Rows written by one INSERT statement. Each statement run has a cost of its own (cursors
/// opened on the table and both indexes, the statement reset): a first sync's profile showed
/// it at about a sixth of the store thread's work when each row had a statement run of its own.
const ROWS_PER_INSERT: usize = 32;

/// The columns a new message's row is written with, in the order [`bind_row`] binds them.
const INSERT_COLUMNS: &str = "folder, uid, remote_id, flags, seen, flagged, date, internal_date,
    size, modseq, from_name, from_addr, recipients, subject, message_id, in_reply_to, refs,
    list_id, attachments, header, lines, crossposts";
const INSERT_VALUES: usize = 22;

/// `INSERT INTO messages` of `rows` rows.
fn insert_sql(rows: usize) -> String {
    let one = format!("({})", vec!["?"; INSERT_VALUES].join(","));
    format!(
        "INSERT INTO messages({INSERT_COLUMNS}) VALUES {}",
        vec![one; rows].join(",")
    )
}

/// Texts joined for a row, kept from row to row: a first sync inserts 100,000 rows, and each
/// row's three small allocations showed in its profile. The statement copies what is bound.
#[derive(Default)]
struct Joined {
    flags: String,
    refs: String,
    to_and_cc: String,
}

/// Binds message `m`'s values to the `INSERT_VALUES` parameters after `before`.
fn bind_row(
    st: &mut rusqlite::Statement<'_>,
    before: usize,
    folder: i64,
    m: &NewMessage,
    joined: &mut Joined,
) -> rusqlite::Result<()> {
    let parsed;
    let s: &Summary = if let Some(s) = &m.summary {
        s
    } else {
        parsed = Summary::from_header(&m.header);
        &parsed
    };
    let recipients: &str = if s.cc.is_empty() {
        &s.to
    } else {
        joined.to_and_cc.clear();
        joined.to_and_cc.push_str(&s.to);
        joined.to_and_cc.push_str(", ");
        joined.to_and_cc.push_str(&s.cc);
        &joined.to_and_cc
    };
    join_into(&mut joined.flags, &m.flags);
    join_into(&mut joined.refs, &s.references);
    let attachments = s
        .content_type
        .as_deref()
        .is_some_and(|t| t == "multipart/mixed" || t.starts_with("application/"));
    let values: [&dyn rusqlite::ToSql; INSERT_VALUES] = [
        &folder,
        &m.uid,
        &m.remote_id,
        &joined.flags,
        &has(&m.flags, "\\Seen"),
        &has(&m.flags, "\\Flagged"),
        &s.date.or(m.internal_date),
        &m.internal_date,
        &m.size,
        &m.modseq.map(|v| v as i64),
        &s.from_name,
        &s.from_address,
        &recipients,
        &s.subject,
        &s.message_id,
        &s.in_reply_to,
        &joined.refs,
        &s.list_id,
        &attachments,
        &m.header,
        &m.lines,
        &m.crossposts.max(1),
    ];
    for (i, v) in values.into_iter().enumerate() {
        st.raw_bind_parameter(before + i + 1, v)?;
    }
    Ok(())
}

/// [`insert_batch`] inside the caller's transaction. Answers how many rows were added, and
/// how many of them are unread.
pub fn insert_rows(
    tx: &Connection,
    folder: i64,
    batch: &[NewMessage],
    fresh: bool,
) -> rusqlite::Result<(i64, i64)> {
    let mut existing =
        tx.prepare_cached("SELECT id FROM messages WHERE folder = ?1 AND uid = ?2")?;
    let mut refresh = tx.prepare_cached(
        "UPDATE messages SET flags = ?2, seen = ?3, flagged = ?4, modseq = ?5 WHERE id = ?1",
    )?;
    let mut one = tx.prepare_cached(&insert_sql(1))?;
    let mut many = tx.prepare_cached(&insert_sql(ROWS_PER_INSERT))?;
    let mut joined = Joined::default();
    let mut new: Vec<&NewMessage> = Vec::with_capacity(batch.len().min(ROWS_PER_INSERT));
    let (mut added, mut unseen) = (0_i64, 0_i64);
    for m in batch {
        let stored = if fresh {
            None
        } else {
            existing
                .query_row(params![folder, m.uid], |r| r.get::<_, i64>(0))
                .optional()?
        };
        if let Some(id) = stored {
            // Stored by a sync that was cut off: the summary stands, the flags are new.
            let seen = has(&m.flags, "\\Seen");
            let flagged = has(&m.flags, "\\Flagged");
            refresh.execute(params![
                id,
                m.flags.join(" "),
                seen,
                flagged,
                m.modseq.map(|v| v as i64)
            ])?;
            continue;
        }
        added += 1;
        unseen += i64::from(!has(&m.flags, "\\Seen"));
        new.push(m);
        if new.len() == ROWS_PER_INSERT {
            for (i, m) in new.drain(..).enumerate() {
                bind_row(&mut many, i * INSERT_VALUES, folder, m, &mut joined)?;
            }
            many.raw_execute()?;
        }
    }
    for m in new {
        bind_row(&mut one, 0, folder, m, &mut joined)?;
        one.raw_execute()?;
    }
    Ok((added, unseen))
}

/// `words` joined by spaces into `out`, which is cleared first.
fn join_into(out: &mut String, words: &[String]) {
    out.clear();
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(w);
    }
}

/// Flag changes from the server: `(uid, flags, modseq)`.
pub fn update_flags(
    c: &mut Connection,
    folder: i64,
    changes: &[(u32, Vec<String>, Option<u64>)],
) -> rusqlite::Result<()> {
    let tx = c.transaction()?;
    {
        let mut st = tx.prepare_cached(
            "UPDATE messages SET flags = ?3, seen = ?4, flagged = ?5, modseq = COALESCE(?6, modseq)
             WHERE folder = ?1 AND uid = ?2",
        )?;
        for (uid, flags, modseq) in changes {
            st.execute(params![
                folder,
                uid,
                flags.join(" "),
                has(flags, "\\Seen"),
                has(flags, "\\Flagged"),
                modseq.map(|v| v as i64)
            ])?;
        }
    }
    tx.commit()?;
    recount(c, folder)
}

/// Removes messages the server no longer has.
pub fn remove_uids(c: &mut Connection, folder: i64, uids: &[u32]) -> rusqlite::Result<()> {
    let tx = c.transaction()?;
    {
        let mut st = tx.prepare_cached("DELETE FROM messages WHERE folder = ?1 AND uid = ?2")?;
        for uid in uids {
            st.execute(params![folder, uid])?;
        }
    }
    tx.commit()?;
    recount(c, folder)
}

/// Every UID stored for a folder, ascending.
pub fn uids(c: &Connection, folder: i64) -> rusqlite::Result<Vec<u32>> {
    let mut st = c.prepare_cached("SELECT uid FROM messages WHERE folder = ?1 ORDER BY uid")?;
    st.query_map([folder], |r| r.get(0))?.collect()
}

/// Every stored message's flags, for a rescan on servers without CONDSTORE.
pub fn flags_of(c: &Connection, folder: i64) -> rusqlite::Result<Vec<(u32, String)>> {
    let mut st = c.prepare_cached("SELECT uid, flags FROM messages WHERE folder = ?1")?;
    st.query_map([folder], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect()
}

/// The row id of a message by its folder and UID.
pub fn id_of(c: &Connection, folder: i64, uid: u32) -> rusqlite::Result<Option<i64>> {
    c.query_row(
        "SELECT id FROM messages WHERE folder = ?1 AND uid = ?2",
        params![folder, uid],
        |r| r.get(0),
    )
    .optional()
}

/// POP3's unique ids stored for a folder with when they were stored, for delete-after-days.
/// Only messages whose body is committed count.
pub fn remote_ids_with_dates(c: &Connection, folder: i64) -> rusqlite::Result<Vec<(String, i64)>> {
    let mut st = c.prepare_cached(
        "SELECT m.remote_id, COALESCE(m.internal_date, 0) FROM messages m
         JOIN bodies b ON b.message = m.id
         WHERE m.folder = ?1 AND m.remote_id IS NOT NULL AND b.partial = 0",
    )?;
    st.query_map([folder], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect()
}

/// POP3's unique ids already stored for a folder.
pub fn remote_ids(c: &Connection, folder: i64) -> rusqlite::Result<Vec<String>> {
    let mut st = c.prepare_cached(
        "SELECT remote_id FROM messages WHERE folder = ?1 AND remote_id IS NOT NULL",
    )?;
    st.query_map([folder], |r| r.get(0))?.collect()
}

pub(super) const MESSAGE_COLUMNS: &str = "id, folder, uid, flags, seen, flagged, date, size, from_name, \
     from_addr, recipients, subject, message_id, in_reply_to, refs, list_id, attachments, lines, \
     crossposts";

pub(super) fn message_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<MessageRow> {
    Ok(MessageRow {
        id: r.get(0)?,
        folder: r.get(1)?,
        uid: r.get(2)?,
        flags: r.get(3)?,
        seen: r.get(4)?,
        flagged: r.get(5)?,
        date: r.get(6)?,
        size: r.get(7)?,
        from_name: r.get(8)?,
        from_addr: r.get(9)?,
        recipients: r.get(10)?,
        subject: r.get(11)?,
        message_id: r.get(12)?,
        in_reply_to: r.get(13)?,
        refs: r.get(14)?,
        list_id: r.get(15)?,
        attachments: r.get(16)?,
        lines: r.get(17)?,
        crossposts: r.get(18)?,
        depth: 0,
    })
}

/// A folder's messages, sorted.
pub fn messages(c: &Connection, folder: i64, sort: Sort) -> rusqlite::Result<Vec<MessageRow>> {
    let mut st = c.prepare(&format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE folder = ?1 ORDER BY {}",
        sort.order_by()
    ))?;
    st.query_map([folder], message_row)?.collect()
}

/// Messages of `sent` that answer a message of `folder` (by In-Reply-To).
pub fn replies_in(c: &Connection, sent: i64, folder: i64) -> rusqlite::Result<Vec<MessageRow>> {
    let mut st = c.prepare_cached(&format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE folder = ?1 AND in_reply_to IN
             (SELECT message_id FROM messages WHERE folder = ?2 AND message_id IS NOT NULL)"
    ))?;
    st.query_map(params![sent, folder], message_row)?.collect()
}

/// The rows of these UIDs in a folder (what the server's SEARCH found), newest first.
pub fn rows_by_uids(
    c: &Connection,
    folder: i64,
    uids: &[u32],
) -> rusqlite::Result<Vec<MessageRow>> {
    let mut st = c.prepare_cached(&format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE folder = ?1 AND uid = ?2"
    ))?;
    let mut out = Vec::with_capacity(uids.len());
    for uid in uids {
        if let Some(row) = st.query_row(params![folder, uid], message_row).optional()? {
            out.push(row);
        }
    }
    out.sort_by_key(|r| std::cmp::Reverse(r.date));
    Ok(out)
}

pub fn message(c: &Connection, id: i64) -> rusqlite::Result<Option<MessageRow>> {
    c.query_row(
        &format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = ?1"),
        [id],
        message_row,
    )
    .optional()
}

/// Messages of `folders` (all folders when empty) matching `query`, newest first, at most
/// `limit`.
pub fn search(
    c: &Connection,
    folders: &[i64],
    query: &Query,
    limit: usize,
) -> rusqlite::Result<Vec<MessageRow>> {
    let mut sql = format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE 1");
    let mut args: Vec<rusqlite::types::Value> = Vec::new();
    if !folders.is_empty() {
        sql.push_str(&format!(
            " AND folder IN ({})",
            folders.iter().map(|_| "?").collect::<Vec<_>>().join(",")
        ));
        args.extend(folders.iter().map(|f| rusqlite::types::Value::Integer(*f)));
    }
    if let Some(fts) = query.fts() {
        sql.push_str(" AND id IN (SELECT rowid FROM message_text WHERE message_text MATCH ?)");
        args.push(rusqlite::types::Value::Text(fts));
    }
    if query.unread {
        sql.push_str(" AND seen = 0");
    }
    if query.flagged {
        sql.push_str(" AND flagged = 1");
    }
    if query.attachment {
        sql.push_str(" AND attachments = 1");
    }
    if let Some(before) = query.before {
        sql.push_str(" AND date < ?");
        args.push(rusqlite::types::Value::Integer(before));
    }
    if let Some(after) = query.after {
        sql.push_str(" AND date >= ?");
        args.push(rusqlite::types::Value::Integer(after));
    }
    sql.push_str(&format!(" ORDER BY date DESC LIMIT {limit}"));
    let mut st = c.prepare(&sql)?;
    st.query_map(rusqlite::params_from_iter(args), message_row)?
        .collect()
}

/// The cached raw message, if it was fetched before.
/// POP3's unique id of a stored message.
pub fn remote_id_of(c: &Connection, message: i64) -> rusqlite::Result<Option<String>> {
    c.query_row(
        "SELECT remote_id FROM messages WHERE id = ?1",
        [message],
        |r| r.get(0),
    )
    .optional()
    .map(Option::flatten)
}

/// The cached raw message and whether it is only its beginning (a POP3 TOP preview).
pub fn body_state(c: &Connection, message: i64) -> rusqlite::Result<Option<(Vec<u8>, bool)>> {
    c.query_row(
        "SELECT raw, partial FROM bodies WHERE message = ?1",
        [message],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
}

/// Caches the beginning of a message (POP3 TOP) until the whole is downloaded.
pub fn save_preview(c: &mut Connection, message: i64, raw: &[u8]) -> rusqlite::Result<()> {
    save_body(c, message, raw)?;
    c.execute(
        "UPDATE bodies SET partial = 1 WHERE message = ?1",
        [message],
    )?;
    Ok(())
}

pub fn body(c: &Connection, message: i64) -> rusqlite::Result<Option<Vec<u8>>> {
    c.query_row(
        "SELECT raw FROM bodies WHERE message = ?1",
        [message],
        |r| r.get(0),
    )
    .optional()
}

/// Caches a raw message. Its text is indexed for search by the index thread (a trigger
/// queues the message for it in this transaction).
pub fn save_body(c: &mut Connection, message: i64, raw: &[u8]) -> rusqlite::Result<()> {
    c.execute(
        "INSERT OR REPLACE INTO bodies(message, raw, partial) VALUES (?1, ?2, 0)",
        params![message, raw],
    )?;
    Ok(())
}

/// Sets or clears `\Seen` or `\Flagged` locally, at once; the sync tells the server.
pub fn set_flag(c: &Connection, ids: &[i64], flag: &str, on: bool) -> rusqlite::Result<Vec<i64>> {
    let column = match flag {
        "\\Seen" => "seen",
        "\\Flagged" => "flagged",
        _ => return Ok(Vec::new()),
    };
    let mut folders = Vec::new();
    for id in ids {
        let row: Option<(i64, String)> = c
            .query_row(
                "SELECT folder, flags FROM messages WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((folder, flags)) = row else { continue };
        let mut list: Vec<&str> = flags
            .split_whitespace()
            .filter(|f| !f.eq_ignore_ascii_case(flag))
            .collect();
        if on {
            list.push(flag);
        }
        c.execute(
            &format!("UPDATE messages SET {column} = ?2, flags = ?3 WHERE id = ?1"),
            params![id, on, list.join(" ")],
        )?;
        if !folders.contains(&folder) {
            folders.push(folder);
        }
    }
    for f in &folders {
        recount(c, *f)?;
    }
    Ok(folders)
}

/// Removes messages from the cache (after a delete or a move the server accepted).
pub fn forget_messages(c: &Connection, ids: &[i64]) -> rusqlite::Result<()> {
    let mut folders = Vec::new();
    for id in ids {
        if let Some(folder) = c
            .query_row("SELECT folder FROM messages WHERE id = ?1", [id], |r| {
                r.get::<_, i64>(0)
            })
            .optional()?
        {
            c.execute("DELETE FROM messages WHERE id = ?1", [id])?;
            if !folders.contains(&folder) {
                folders.push(folder);
            }
        }
    }
    for f in folders {
        recount(c, f)?;
    }
    Ok(())
}

impl Store {
    pub fn load_accounts(&self) -> Result<Vec<Account>, StoreError> {
        Ok(self.call(|c| accounts(c))??)
    }

    pub fn save_account(&self, account: Account, reply: impl Reply<i64>) {
        self.run(move |c| Ok(save_account(c, &account)?), reply);
    }

    pub fn delete_account(&self, id: i64, reply: impl Reply<()>) {
        self.run(move |c| Ok(delete_account(c, id)?), reply);
    }

    pub fn mail_folders(&self, account: i64, reply: impl Reply<Vec<FolderRow>>) {
        self.run(move |c| Ok(folders(c, account)?), reply);
    }

    /// A folder's rows, sorted, or in conversations (threading runs here, off the UI).
    /// With `threads`, the folder's conversations, with the user's own replies from `sent`
    /// (the account's Sent folder) placed in them, as a conversation view shows them.
    pub fn mail_messages(
        &self,
        folder: i64,
        sort: Sort,
        threads: bool,
        sent: Option<i64>,
        reply: impl Reply<Vec<MessageRow>>,
    ) {
        self.run(
            move |c| {
                let mut rows = messages(c, folder, if threads { Sort::DateOldest } else { sort })?;
                if threads && let Some(sent) = sent.filter(|s| *s != folder) {
                    rows.extend(replies_in(c, sent, folder)?);
                }
                Ok(if threads {
                    crate::mail::threads::threaded(rows)
                } else {
                    rows
                })
            },
            reply,
        );
    }

    pub fn mail_search(
        &self,
        folders: Vec<i64>,
        query: Query,
        limit: usize,
        reply: impl Reply<Vec<MessageRow>>,
    ) {
        self.run(move |c| Ok(search(c, &folders, &query, limit)?), reply);
    }

    pub fn mail_rows_by_uids(
        &self,
        folder: i64,
        uids: Vec<u32>,
        reply: impl Reply<Vec<MessageRow>>,
    ) {
        self.run(move |c| Ok(rows_by_uids(c, folder, &uids)?), reply);
    }

    pub fn mail_body(&self, message: i64, reply: impl Reply<Option<(Vec<u8>, bool)>>) {
        self.run(move |c| Ok(body_state(c, message)?), reply);
    }

    pub fn mail_set_flag(
        &self,
        ids: Vec<i64>,
        flag: &'static str,
        on: bool,
        reply: impl Reply<Vec<i64>>,
    ) {
        self.run(move |c| Ok(set_flag(c, &ids, flag, on)?), reply);
    }

    /// Runs `f` on the store thread and waits: for the sync worker, which runs off the UI.
    pub fn mail_wait<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        Ok(self.call(f)??)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("tmp");
        let s = Store::open(&dir.path().join("t.db")).expect("open");
        (dir, s)
    }

    fn head(uid: u32, from: &str, subject: &str, flags: &[&str]) -> NewMessage {
        NewMessage {
            uid,
            flags: flags.iter().map(|f| (*f).to_string()).collect(),
            size: 100,
            header: format!(
                "From: {from}\r\nTo: tester@localhost\r\nSubject: {subject}\r\nDate: Tue, 14 Nov 2023 22:13:{:02} +0000\r\nMessage-ID: <m{uid}@x>\r\n\r\n",
                uid % 60
            )
            .into_bytes(),
            ..NewMessage::default()
        }
    }

    #[test]
    fn a_batch_larger_than_one_statement_stores_every_row_once_in_order() {
        let (_d, s) = store();
        let account = Account {
            name: "x".into(),
            host: "x".into(),
            ..Account::default()
        };
        let id = s
            .mail_wait(move |c| save_account(c, &account))
            .expect("save");
        let inbox = s
            .mail_wait(move |c| local_folder(c, id, "INBOX", "inbox"))
            .expect("folder");
        // Two statements' worth and a remainder, newest first as a sync sends them; every
        // third one read.
        let count = 2 * ROWS_PER_INSERT as u32 + 5;
        let first: Vec<NewMessage> = (1..=count)
            .rev()
            .map(|uid| {
                let flags: &[&str] = if uid % 3 == 0 { &["\\Seen"] } else { &[] };
                head(
                    uid,
                    "Alice <alice@example.test>",
                    &format!("Item {uid}"),
                    flags,
                )
            })
            .collect();
        s.mail_wait(move |c| insert_batch(c, inbox, &first, true))
            .expect("insert");
        // Run again with more new ones around those (a sync cut off and run again): the
        // stored ones only get their new flags.
        let again: Vec<NewMessage> = (1..=count + ROWS_PER_INSERT as u32)
            .rev()
            .map(|uid| head(uid, "Bob <bob@example.test>", "Again", &["\\Flagged"]))
            .collect();
        s.mail_wait(move |c| insert_batch(c, inbox, &again, false))
            .expect("insert");
        let rows: Vec<(u32, String, String, bool, bool)> = s
            .call(move |c| {
                let mut st = c.prepare(
                    "SELECT uid, subject, from_name, seen, flagged FROM messages
                     WHERE folder = ?1 ORDER BY id",
                )?;
                st.query_map([inbox], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()
            })
            .expect("call")
            .expect("rows");
        let total = count + ROWS_PER_INSERT as u32;
        assert_eq!(rows.len(), total as usize, "each UID once");
        // Stored in the order given: the first batch, then the new ones of the second.
        let uids: Vec<u32> = rows.iter().map(|r| r.0).collect();
        let expected: Vec<u32> = (1..=count).rev().chain((count + 1..=total).rev()).collect();
        assert_eq!(uids, expected);
        for (uid, subject, from, seen, flagged) in &rows {
            if *uid <= count {
                assert_eq!(subject, &format!("Item {uid}"), "the summary stands");
                assert_eq!(from, "Alice");
                assert!(!seen, "flags replaced by the second sync's");
            } else {
                assert_eq!((subject.as_str(), from.as_str()), ("Again", "Bob"));
            }
            assert!(flagged, "uid {uid}");
        }
        let f = s
            .mail_wait(move |c| folder(c, inbox))
            .expect("folder")
            .expect("row");
        let first_unseen = count - count / 3;
        assert_eq!(
            (f.messages, f.unseen),
            (count, first_unseen),
            "the fresh batch counted what it added; the other batch is recounted by its caller"
        );
    }

    #[test]
    fn accounts_folders_messages_and_search() {
        let (_d, s) = store();
        let account = Account {
            name: "Work".into(),
            host: "imap.example.test".into(),
            user: "me".into(),
            identities: vec![Identity {
                name: "Me".into(),
                address: "me@example.test".into(),
                signature: "-- \nMe".into(),
            }],
            ..Account::default()
        };
        let id = s
            .mail_wait(move |c| save_account(c, &account))
            .expect("save");
        let loaded = s.load_accounts().expect("load");
        assert_eq!(loaded.len(), 1);
        assert_eq!(loaded[0].identities[0].address, "me@example.test");
        assert_eq!(loaded[0].secret_key(), "imap://me@imap.example.test:993");
        let listed = vec![
            FolderInfo {
                name: "Sent".into(),
                role: Some("sent".into()),
                selectable: true,
                ..FolderInfo::default()
            },
            FolderInfo {
                name: "INBOX".into(),
                role: Some("inbox".into()),
                selectable: true,
                ..FolderInfo::default()
            },
        ];
        let folders = s
            .mail_wait(move |c| sync_folders(c, id, &listed))
            .expect("folders");
        assert_eq!(folders[0].name, "INBOX");
        let inbox = folders[0].id;
        let batch = vec![
            head(
                1,
                "Alice <alice@example.test>",
                "Budget for 2024",
                &["\\Seen"],
            ),
            head(2, "Bob <bob@example.test>", "Re: Budget for 2024", &[]),
            head(
                3,
                "=?ISO-8859-1?Q?J=FCrgen?= <j@example.test>",
                "Grüße",
                &["\\Flagged"],
            ),
        ];
        s.mail_wait(move |c| insert_messages(c, inbox, &batch))
            .expect("insert");
        // Stored twice (a sync cut off and run again): still three.
        let again = vec![head(3, "x", "x", &[])];
        s.mail_wait(move |c| insert_messages(c, inbox, &again))
            .expect("insert");
        let f = s
            .mail_wait(move |c| folder(c, inbox))
            .expect("folder")
            .expect("row");
        assert_eq!(
            (f.messages, f.unseen),
            (3, 2),
            "stored once; the second sync brought new flags"
        );
        let rows = s
            .mail_wait(move |c| messages(c, inbox, Sort::DateNewest))
            .expect("list");
        assert_eq!(
            rows.iter().map(|r| r.uid).collect::<Vec<_>>(),
            vec![3, 2, 1]
        );
        let find = |q: &str| {
            let q = Query::parse(q);
            s.wait_for_index().expect("indexed");
            s.mail_wait(move |c| search(c, &[], &q, 100))
                .expect("search")
                .iter()
                .map(|r| r.uid)
                .collect::<Vec<_>>()
        };
        assert_eq!(find("budg"), vec![2, 1], "prefix while typing");
        assert_eq!(find("from:bob"), vec![2]);
        assert_eq!(find("from:jurgen"), vec![3], "diacritics folded");
        assert_eq!(find("subject:budget is:unread"), vec![2]);
        assert_eq!(find("from:alice subject:Re"), Vec::<u32>::new());
        assert_eq!(find(r#"" OR 1=1 --"#), Vec::<u32>::new());
        // A body saved makes its words searchable.
        let id1 = rows[2].id;
        let raw: &[u8] = b"Subject: Budget\r\n\r\nthe quarterly numbers\r\n";
        s.mail_wait(move |c| save_body(c, id1, raw)).expect("body");
        assert_eq!(find("quarterly"), vec![1]);
        assert_eq!(find("budget"), vec![2, 1], "the headers stay");
        assert_eq!(
            s.mail_wait(move |c| body(c, id1)).expect("body"),
            Some(raw.to_vec())
        );
        // Flags locally, then removal.
        let id2 = rows[1].id;
        s.mail_wait(move |c| set_flag(c, &[id2], "\\Seen", true))
            .expect("flag");
        assert_eq!(find("is:unread"), vec![3]);
        s.mail_wait(move |c| remove_uids(c, inbox, &[2]))
            .expect("remove");
        assert_eq!(find("budget"), vec![1], "the index follows deletions");
        // The conversation view takes the user's replies from Sent.
        let listed = vec![
            FolderInfo {
                name: "Sent".into(),
                role: Some("sent".into()),
                selectable: true,
                ..FolderInfo::default()
            },
            FolderInfo {
                name: "INBOX".into(),
                role: Some("inbox".into()),
                selectable: true,
                ..FolderInfo::default()
            },
        ];
        let sent = s
            .mail_wait(move |c| sync_folders(c, id, &listed))
            .expect("folders")
            .into_iter()
            .find(|f| f.name == "Sent")
            .expect("Sent")
            .id;
        let reply = vec![NewMessage {
            uid: 1,
            header: b"From: Me <me@example.test>\r\nSubject: Re: Budget for 2024\r\nDate: Tue, 14 Nov 2023 23:00:00 +0000\r\nMessage-ID: <mine@x>\r\nIn-Reply-To: <m1@x>\r\n\r\n".to_vec(),
            ..NewMessage::default()
        }];
        s.mail_wait(move |c| insert_messages(c, sent, &reply))
            .expect("insert");
        let (tx, rx) = std::sync::mpsc::channel();
        s.mail_messages(inbox, Sort::DateNewest, true, Some(sent), move |r| {
            let _ = tx.send(r);
        });
        let threaded = rx.recv().expect("reply").expect("rows");
        let at = threaded
            .iter()
            .position(|r| r.folder == sent)
            .expect("the reply from Sent");
        assert_eq!(threaded[at].depth, 1);
        assert_eq!(threaded[at - 1].uid, 1, "under the message it answers");
        // A changed UIDVALIDITY empties this folder only.
        s.mail_wait(move |c| reset_folder(c, inbox, 42))
            .expect("reset");
        assert!(
            s.mail_wait(move |c| messages(c, inbox, Sort::DateNewest))
                .expect("rows")
                .is_empty()
        );
        assert_eq!(find("subject:Re").len(), 1, "the Sent folder is untouched");
        let f = s
            .mail_wait(move |c| folder(c, inbox))
            .expect("folder")
            .expect("row");
        assert_eq!(f.uidvalidity, Some(42));
    }
}
