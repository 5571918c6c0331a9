//! News in the store: a server's group list, subscribed groups (folders) with their read
//! ranges, article overviews (messages, uid = article number), and posts waiting or refused.

use rusqlite::{Connection, OptionalExtension as _, params};

use super::mail::{self, FOLDER_COLUMNS, FolderRow, MESSAGE_COLUMNS, MessageRow};
use crate::news::ranges::{NewsrcEntry, Ranges};
use crate::proto::nntp::{ActiveGroup, Overview};

/// The folder role that marks a subscribed newsgroup.
pub const GROUP_ROLE: &str = "newsgroup";

/// One group of a server's list, for the group browser.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupEntry {
    pub name: String,
    pub count: u64,
    pub first: u64,
    pub last: u64,
    /// `y`, `n`, `m` (moderated)...
    pub status: String,
    pub description: String,
    /// Listed for the first time after the first visit: a new group.
    pub new: bool,
}

/// A subscribed group: its folder, the server's range and what has been read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Subscribed {
    pub folder: FolderRow,
    pub first: u64,
    pub last: u64,
    pub read: Ranges,
}

impl Subscribed {
    /// Articles on the server not yet read (an estimate where the server's count is).
    pub fn unread(&self) -> u64 {
        if self.last < self.first || self.last == 0 {
            return 0;
        }
        (self.last - self.first + 1) - self.read.count_in(self.first, self.last)
    }
}

/// A post on its way or refused.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Post {
    pub id: i64,
    pub account: i64,
    pub newsgroups: String,
    pub subject: String,
    pub raw: Vec<u8>,
    pub created: i64,
    /// `waiting`, `sent` or `refused`.
    pub state: String,
    pub error: String,
}

/// Replaces the cached group list with a full listing. Groups seen for the first time are
/// marked new, except on the first listing ever, when every group is simply there.
pub fn save_group_list(
    c: &mut Connection,
    account: i64,
    groups: &[ActiveGroup],
    descriptions: &[(String, String)],
    now: i64,
) -> rusqlite::Result<usize> {
    let tx = c.transaction()?;
    let first_time: bool = tx.query_row(
        "SELECT count(*) = 0 FROM newsgroups WHERE account = ?1",
        [account],
        |r| r.get(0),
    )?;
    let added_at = if first_time { 0 } else { now };
    tx.execute(
        "CREATE TEMP TABLE IF NOT EXISTS listed(name TEXT PRIMARY KEY) WITHOUT ROWID",
        [],
    )?;
    tx.execute("DELETE FROM temp.listed", [])?;
    let mut fresh = 0;
    {
        let mut upsert = tx.prepare_cached(
            "INSERT INTO newsgroups(account, name, first, last, count, status, added)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT(account, name) DO UPDATE SET first = excluded.first,
                 last = excluded.last, count = excluded.count, status = excluded.status",
        )?;
        let mut listed =
            tx.prepare_cached("INSERT OR IGNORE INTO temp.listed(name) VALUES (?1)")?;
        let mut known =
            tx.prepare_cached("SELECT 1 FROM newsgroups WHERE account = ?1 AND name = ?2")?;
        for g in groups {
            if !first_time && !known.exists(params![account, g.name])? {
                fresh += 1;
            }
            upsert.execute(params![
                account,
                g.name,
                g.first as i64,
                g.last as i64,
                g.count as i64,
                g.status,
                added_at
            ])?;
            listed.execute([&g.name])?;
        }
        let mut describe = tx.prepare_cached(
            "UPDATE newsgroups SET description = ?3 WHERE account = ?1 AND name = ?2",
        )?;
        for (name, text) in descriptions {
            describe.execute(params![account, name, text])?;
        }
    }
    tx.execute(
        "DELETE FROM newsgroups WHERE account = ?1 AND name NOT IN (SELECT name FROM temp.listed)",
        [account],
    )?;
    tx.execute("DELETE FROM temp.listed", [])?;
    tx.execute(
        "UPDATE accounts SET groups_checked = ?2 WHERE id = ?1",
        params![account, now],
    )?;
    tx.commit()?;
    Ok(fresh)
}

/// Adds what NEWGROUPS found, marked new; returns how many were not known before (a server
/// may list a group again after it was recreated).
pub fn add_new_groups(
    c: &mut Connection,
    account: i64,
    groups: &[ActiveGroup],
    now: i64,
) -> rusqlite::Result<usize> {
    let tx = c.transaction()?;
    let mut fresh = 0;
    {
        let mut insert = tx.prepare_cached(
            "INSERT OR IGNORE INTO newsgroups(account, name, first, last, count, status, added)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        for g in groups {
            fresh += insert.execute(params![
                account,
                g.name,
                g.first as i64,
                g.last as i64,
                g.count as i64,
                g.status,
                now
            ])?;
        }
    }
    tx.execute(
        "UPDATE accounts SET groups_checked = ?2 WHERE id = ?1",
        params![account, now],
    )?;
    tx.commit()?;
    Ok(fresh)
}

/// Forgets a group's cached articles and read state: the server numbers it anew (its last
/// article is below what was stored, as after a server was rebuilt).
pub fn reset_group(c: &Connection, folder: i64) -> rusqlite::Result<()> {
    c.execute("DELETE FROM messages WHERE folder = ?1", [folder])?;
    c.execute(
        "UPDATE folders SET read_ranges = '' WHERE id = ?1",
        [folder],
    )?;
    refresh_unseen(c, folder)
}

/// When the group list was last read from the server (its clock), if ever.
pub fn groups_checked(c: &Connection, account: i64) -> rusqlite::Result<Option<i64>> {
    c.query_row(
        "SELECT groups_checked FROM accounts WHERE id = ?1",
        [account],
        |r| r.get(0),
    )
    .optional()
    .map(Option::flatten)
}

/// The cached group list, by name.
pub fn group_list(c: &Connection, account: i64) -> rusqlite::Result<Vec<GroupEntry>> {
    let mut st = c.prepare(
        "SELECT name, count, first, last, status, description, added FROM newsgroups
         WHERE account = ?1 ORDER BY name",
    )?;
    st.query_map([account], |r| {
        Ok(GroupEntry {
            name: r.get(0)?,
            count: r.get::<_, i64>(1)? as u64,
            first: r.get::<_, i64>(2)? as u64,
            last: r.get::<_, i64>(3)? as u64,
            status: r.get(4)?,
            description: r.get(5)?,
            new: r.get::<_, i64>(6)? > 0,
        })
    })?
    .collect()
}

/// Subscribes to a group: its folder (made once) with the range the list gave.
pub fn subscribe(c: &Connection, account: i64, name: &str) -> rusqlite::Result<i64> {
    c.execute(
        "INSERT OR IGNORE INTO folders(account, name, role, selectable) VALUES (?1, ?2, ?3, 1)",
        params![account, name, GROUP_ROLE],
    )?;
    let id: i64 = c.query_row(
        "SELECT id FROM folders WHERE account = ?1 AND name = ?2",
        params![account, name],
        |r| r.get(0),
    )?;
    c.execute(
        "UPDATE folders SET first_article = g.first, last_article = g.last
         FROM newsgroups g WHERE folders.id = ?1 AND g.account = ?2 AND g.name = ?3",
        params![id, account, name],
    )?;
    refresh_unseen(c, id)?;
    Ok(id)
}

/// Unsubscribes: the folder goes, with its cached articles.
pub fn unsubscribe(c: &Connection, folder: i64) -> rusqlite::Result<()> {
    c.execute(
        "DELETE FROM folders WHERE id = ?1 AND role = ?2",
        params![folder, GROUP_ROLE],
    )?;
    Ok(())
}

fn subscribed_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Subscribed> {
    Ok(Subscribed {
        folder: mail::folder_row(r)?,
        read: Ranges::parse(&r.get::<_, String>(11)?),
        first: r.get::<_, i64>(12)? as u64,
        last: r.get::<_, i64>(13)? as u64,
    })
}

/// The subscribed groups of a server, by name.
pub fn subscribed(c: &Connection, account: i64) -> rusqlite::Result<Vec<Subscribed>> {
    let mut st = c.prepare(&format!(
        "SELECT {FOLDER_COLUMNS}, read_ranges, first_article, last_article FROM folders
         WHERE account = ?1 AND role = '{GROUP_ROLE}' ORDER BY name"
    ))?;
    st.query_map([account], subscribed_row)?.collect()
}

pub fn subscribed_group(c: &Connection, folder: i64) -> rusqlite::Result<Option<Subscribed>> {
    c.query_row(
        &format!(
            "SELECT {FOLDER_COLUMNS}, read_ranges, first_article, last_article FROM folders
             WHERE id = ?1"
        ),
        [folder],
        subscribed_row,
    )
    .optional()
}

/// What GROUP said of a subscribed group now; cached articles below its first are expired
/// on the server and go.
pub fn set_range(c: &Connection, folder: i64, first: u64, last: u64) -> rusqlite::Result<()> {
    c.execute(
        "UPDATE folders SET first_article = ?2, last_article = ?3 WHERE id = ?1",
        params![folder, first as i64, last as i64],
    )?;
    if first > 0 {
        c.execute(
            "DELETE FROM messages WHERE folder = ?1 AND uid < ?2",
            params![folder, first as i64],
        )?;
    }
    refresh_unseen(c, folder)
}

fn refresh_unseen(c: &Connection, folder: i64) -> rusqlite::Result<()> {
    if let Some(g) = subscribed_group(c, folder)? {
        c.execute(
            "UPDATE folders SET unseen = ?2,
                 messages = (SELECT count(*) FROM messages WHERE folder = ?1)
             WHERE id = ?1",
            params![folder, g.unread() as i64],
        )?;
    }
    Ok(())
}

/// The highest article number stored, to fetch only newer ones next time.
pub fn newest_stored(c: &Connection, folder: i64) -> rusqlite::Result<Option<u64>> {
    c.query_row(
        "SELECT max(uid) FROM messages WHERE folder = ?1",
        [folder],
        |r| r.get::<_, Option<i64>>(0),
    )
    .map(|n| n.map(|n| n as u64))
}

/// `Name <address>`, `address (Name)` or a bare address, as Usenet writes From.
pub fn split_from(from: &str) -> (&str, &str) {
    let from = from.trim();
    if let Some(open) = from.rfind('<')
        && let Some(close) = from[open..].find('>')
    {
        let address = from[open + 1..open + close].trim();
        let name = from[..open].trim().trim_matches('"').trim();
        return (if name.is_empty() { address } else { name }, address);
    }
    if let Some(open) = from.find('(')
        && from.ends_with(')')
    {
        let address = from[..open].trim();
        let name = from[open + 1..from.len() - 1].trim();
        return (if name.is_empty() { address } else { name }, address);
    }
    (from, from)
}

/// Stores overview lines of a subscribed group (read ones marked seen by the ranges) in one
/// transaction; the search index thread indexes them after. Article numbers that do not fit the
/// store's 32-bit message numbers are counted and left out. `fresh`: the caller fetched only
/// numbers above the newest stored, so none is looked up first.
pub fn store_overviews(
    c: &mut Connection,
    folder: i64,
    rows: &[Overview],
    fresh: bool,
) -> rusqlite::Result<usize> {
    let tx = c.transaction()?;
    let left_out = store_rows(&tx, folder, rows, fresh)?;
    tx.commit()?;
    Ok(left_out)
}

/// The rows of a batch, in the caller's transaction. Bound
/// straight from the overview lines, borrowed: a group's 100,000 headers would otherwise
/// make a million small strings on the store thread only to drop them again.
fn store_rows(
    tx: &Connection,
    folder: i64,
    rows: &[Overview],
    fresh: bool,
) -> rusqlite::Result<usize> {
    let read: String = tx.query_row(
        "SELECT read_ranges FROM folders WHERE id = ?1",
        [folder],
        |r| r.get(0),
    )?;
    let read = Ranges::parse(&read);
    let mut existing =
        tx.prepare_cached("SELECT id FROM messages WHERE folder = ?1 AND uid = ?2")?;
    // Stored by a fetch that was cut off: the summary stands, the read mark is new.
    let mut refresh =
        tx.prepare_cached("UPDATE messages SET flags = ?2, seen = ?3 WHERE id = ?1")?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO messages(folder, uid, flags, seen, date, internal_date, size, from_name,
             from_addr, subject, message_id, in_reply_to, refs, lines, crossposts)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?;
    let mut refs = String::new();
    let mut left_out = 0;
    for o in rows {
        let Ok(uid) = u32::try_from(o.number) else {
            left_out += 1;
            continue;
        };
        let seen = read.contains(o.number);
        let flags = if seen { "\\Seen" } else { "" };
        if !fresh
            && let Some(id) = existing
                .query_row(params![folder, uid], |r| r.get::<_, i64>(0))
                .optional()?
        {
            refresh.execute(params![id, flags, seen])?;
            continue;
        }
        let (from_name, from_addr) = split_from(&o.from);
        refs.clear();
        for (i, r) in o.references.iter().enumerate() {
            if i > 0 {
                refs.push(' ');
            }
            refs.push_str(strip_id(r));
        }
        let message_id = Some(strip_id(&o.message_id)).filter(|m| !m.is_empty());
        let in_reply_to = o.references.last().map(|r| strip_id(r));
        insert.execute(params![
            folder,
            uid,
            flags,
            seen,
            o.date,
            u32::try_from(o.bytes).unwrap_or(u32::MAX),
            from_name,
            from_addr,
            o.subject,
            message_id,
            in_reply_to,
            refs,
            u32::try_from(o.lines).unwrap_or(u32::MAX),
            u16::try_from(o.crossposts()).unwrap_or(u16::MAX).max(1),
        ])?;
    }
    Ok(left_out)
}

/// A Message-ID without its angle brackets, as the message table keeps it.
fn strip_id(id: &str) -> &str {
    id.trim().trim_start_matches('<').trim_end_matches('>')
}

/// The articles of a group as the list shows them.
pub fn articles(c: &Connection, folder: i64) -> rusqlite::Result<Vec<MessageRow>> {
    let mut st = c.prepare_cached(&format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE folder = ?1 ORDER BY uid"
    ))?;
    st.query_map([folder], mail::message_row)?.collect()
}

/// Marks articles read or unread: the ranges and the list's marks together.
pub fn mark(c: &mut Connection, folder: i64, numbers: &[u64], read: bool) -> rusqlite::Result<()> {
    let tx = c.transaction()?;
    let text: String = tx.query_row(
        "SELECT read_ranges FROM folders WHERE id = ?1",
        [folder],
        |r| r.get(0),
    )?;
    let mut ranges = Ranges::parse(&text);
    {
        let mut set = tx.prepare_cached(
            "UPDATE messages SET seen = ?3, flags = CASE WHEN ?3 THEN '\\Seen' ELSE '' END
             WHERE folder = ?1 AND uid = ?2",
        )?;
        for &n in numbers {
            if read {
                ranges.insert(n, n);
            } else {
                ranges.remove(n, n);
            }
            set.execute(params![folder, n as i64, read])?;
        }
    }
    tx.execute(
        "UPDATE folders SET read_ranges = ?2 WHERE id = ?1",
        params![folder, ranges.to_string()],
    )?;
    refresh_unseen(&tx, folder)?;
    tx.commit()
}

/// Catch up: everything up to the group's last article is read.
pub fn catch_up(c: &mut Connection, folder: i64) -> rusqlite::Result<()> {
    let tx = c.transaction()?;
    let (text, last): (String, i64) = tx.query_row(
        "SELECT read_ranges, max(last_article, (SELECT coalesce(max(uid), 0) FROM messages
             WHERE folder = ?1)) FROM folders WHERE id = ?1",
        [folder],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let mut ranges = Ranges::parse(&text);
    ranges.insert(1, last.max(1) as u64);
    tx.execute(
        "UPDATE folders SET read_ranges = ?2 WHERE id = ?1",
        params![folder, ranges.to_string()],
    )?;
    tx.execute(
        "UPDATE messages SET seen = 1, flags = '\\Seen' WHERE folder = ?1",
        [folder],
    )?;
    refresh_unseen(&tx, folder)?;
    tx.commit()
}

/// The server's subscriptions and read state as `.newsrc` lines.
pub fn newsrc(c: &Connection, account: i64) -> rusqlite::Result<Vec<NewsrcEntry>> {
    Ok(subscribed(c, account)?
        .into_iter()
        .map(|s| NewsrcEntry {
            group: s.folder.name,
            subscribed: true,
            read: s.read,
        })
        .collect())
}

/// Takes a `.newsrc`: subscribed groups are subscribed to, and every listed group's read
/// ranges are merged with what is already read here (nothing read is made unread).
pub fn import_newsrc(
    c: &mut Connection,
    account: i64,
    entries: &[NewsrcEntry],
) -> rusqlite::Result<usize> {
    let tx = c.transaction()?;
    let mut subscribed = 0;
    for e in entries.iter().filter(|e| e.subscribed) {
        let folder = subscribe(&tx, account, &e.group)?;
        let text: String = tx.query_row(
            "SELECT read_ranges FROM folders WHERE id = ?1",
            [folder],
            |r| r.get(0),
        )?;
        let mut ranges = Ranges::parse(&text);
        for (lo, hi) in e.read.ranges() {
            ranges.insert(*lo, *hi);
        }
        tx.execute(
            "UPDATE folders SET read_ranges = ?2 WHERE id = ?1",
            params![folder, ranges.to_string()],
        )?;
        tx.execute(
            "UPDATE messages SET seen = 1, flags = '\\Seen' WHERE folder = ?1 AND seen = 0
                 AND uid IN (SELECT value FROM json_each(?2))",
            params![
                folder,
                serde_json::to_string(
                    &e.read
                        .ranges()
                        .iter()
                        .flat_map(|(lo, hi)| *lo..=(*hi).min(*lo + 1_000_000))
                        .collect::<Vec<u64>>()
                )
                .unwrap_or_default()
            ],
        )?;
        refresh_unseen(&tx, folder)?;
        subscribed += 1;
    }
    tx.commit()?;
    Ok(subscribed)
}

/// Keeps a post before it goes, so nothing typed is lost if the server or the app fails.
pub fn queue_post(
    c: &Connection,
    account: i64,
    newsgroups: &str,
    subject: &str,
    raw: &[u8],
    now: i64,
) -> rusqlite::Result<i64> {
    c.execute(
        "INSERT INTO news_posts(account, newsgroups, subject, raw, created)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![account, newsgroups, subject, raw, now],
    )?;
    Ok(c.last_insert_rowid())
}

/// Records how a post went; a post the server took is removed.
pub fn post_done(c: &Connection, id: i64, error: Option<&str>) -> rusqlite::Result<()> {
    match error {
        None => c.execute("DELETE FROM news_posts WHERE id = ?1", [id])?,
        Some(e) => c.execute(
            "UPDATE news_posts SET state = 'refused', error = ?2 WHERE id = ?1",
            params![id, e],
        )?,
    };
    Ok(())
}

/// Posts waiting or refused, oldest first.
pub fn posts(c: &Connection, account: i64) -> rusqlite::Result<Vec<Post>> {
    let mut st = c.prepare(
        "SELECT id, account, newsgroups, subject, raw, created, state, error FROM news_posts
         WHERE account = ?1 ORDER BY id",
    )?;
    st.query_map([account], |r| {
        Ok(Post {
            id: r.get(0)?,
            account: r.get(1)?,
            newsgroups: r.get(2)?,
            subject: r.get(3)?,
            raw: r.get(4)?,
            created: r.get(5)?,
            state: r.get(6)?,
            error: r.get(7)?,
        })
    })?
    .collect()
}

pub fn forget_post(c: &Connection, id: i64) -> rusqlite::Result<()> {
    c.execute("DELETE FROM news_posts WHERE id = ?1", [id])?;
    Ok(())
}

fn field_name(f: crate::news::score::Field) -> &'static str {
    use crate::news::score::Field;
    match f {
        Field::Author => "author",
        Field::Subject => "subject",
        Field::MessageId => "message-id",
        Field::References => "references",
        Field::Thread => "thread",
        Field::Crossposts => "crossposts",
        Field::Lines => "lines",
    }
}

fn field_of(name: &str) -> Option<crate::news::score::Field> {
    crate::news::score::Field::ALL
        .into_iter()
        .find(|f| field_name(*f) == name)
}

/// Every scoring rule, oldest first (rules whose field this build does not know are left out).
pub fn score_rules(c: &Connection) -> rusqlite::Result<Vec<crate::news::score::Rule>> {
    use crate::news::score::{Action, Rule};
    let mut st = c.prepare(
        "SELECT id, groups, field, pattern, action, expires FROM score_rules ORDER BY id",
    )?;
    let rows = st.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, Option<i64>>(5)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, groups, field, pattern, action, expires) = row?;
        let Some(field) = field_of(&field) else {
            continue;
        };
        out.push(Rule {
            id,
            groups,
            field,
            pattern,
            action: if action == "highlight" {
                Action::Highlight
            } else {
                Action::Hide
            },
            expires,
        });
    }
    Ok(out)
}

/// Adds a rule (id 0) or changes one; returns its id.
pub fn save_score_rule(c: &Connection, r: &crate::news::score::Rule) -> rusqlite::Result<i64> {
    let action = match r.action {
        crate::news::score::Action::Hide => "hide",
        crate::news::score::Action::Highlight => "highlight",
    };
    c.execute(
        "INSERT INTO score_rules(id, groups, field, pattern, action, expires)
         VALUES (NULLIF(?1, 0), ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT(id) DO UPDATE SET groups = excluded.groups, field = excluded.field,
             pattern = excluded.pattern, action = excluded.action, expires = excluded.expires",
        params![
            r.id,
            r.groups,
            field_name(r.field),
            r.pattern,
            action,
            r.expires
        ],
    )?;
    Ok(if r.id > 0 {
        r.id
    } else {
        c.last_insert_rowid()
    })
}

pub fn delete_score_rule(c: &Connection, id: i64) -> rusqlite::Result<()> {
    c.execute("DELETE FROM score_rules WHERE id = ?1", [id])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use crate::store::mail::Account;

    fn store_with_server() -> (tempfile::TempDir, Store, i64) {
        let dir = tempfile::tempdir().expect("tmp");
        let s = Store::open(&dir.path().join("t.db")).expect("open");
        let id = s
            .call(|c| {
                mail::save_account(
                    c,
                    &Account {
                        name: "Local news".into(),
                        kind: "nntp".into(),
                        host: "localhost".into(),
                        port: 119,
                        tls: "plain".into(),
                        ..Account::default()
                    },
                )
            })
            .expect("call")
            .expect("save");
        (dir, s, id)
    }

    /// `local.test` (articles 1 to `last`) listed on server `id` and subscribed: its folder.
    fn local_test_folder(s: &Store, id: i64, last: u64) -> i64 {
        let groups = vec![group("local.test", 1, last)];
        s.call(move |c| save_group_list(c, id, &groups, &[], 1))
            .unwrap()
            .unwrap();
        s.call(move |c| subscribe(c, id, "local.test"))
            .unwrap()
            .unwrap()
    }

    fn group(name: &str, first: u64, last: u64) -> ActiveGroup {
        ActiveGroup {
            name: name.into(),
            first,
            last,
            count: last - first + 1,
            status: "y".into(),
        }
    }

    fn over(number: u64, refs: &[&str]) -> Overview {
        Overview {
            number,
            subject: format!("Article {number}"),
            from: "Tess Ter <tester@example.test>".into(),
            date: Some(1_700_000_000 + number as i64),
            message_id: format!("<a{number}@x>"),
            references: refs.iter().map(|r| (*r).to_string()).collect(),
            bytes: 100,
            lines: 2,
            xref: None,
        }
    }

    #[test]
    fn news_servers_are_not_mail_accounts() {
        let (_d, s, id) = store_with_server();
        let mail = s.call(|c| mail::accounts(c)).unwrap().unwrap();
        assert!(mail.is_empty());
        let news = s.call(|c| mail::news_servers(c)).unwrap().unwrap();
        assert_eq!(news.len(), 1);
        assert_eq!(news[0].id, id);
    }

    #[test]
    fn group_lists_mark_new_groups_after_the_first_listing() {
        let (_d, s, id) = store_with_server();
        let first = vec![group("a.one", 1, 10), group("a.two", 1, 5)];
        let fresh = s
            .call(move |c| save_group_list(c, id, &first, &[("a.one".into(), "One".into())], 100))
            .unwrap()
            .unwrap();
        assert_eq!(fresh, 0);
        let second = vec![group("a.one", 1, 12), group("a.three", 1, 1)];
        let fresh = s
            .call(move |c| save_group_list(c, id, &second, &[], 200))
            .unwrap()
            .unwrap();
        assert_eq!(fresh, 1);
        let list = s.call(move |c| group_list(c, id)).unwrap().unwrap();
        let names: Vec<(&str, bool)> = list.iter().map(|g| (g.name.as_str(), g.new)).collect();
        assert_eq!(names, vec![("a.one", false), ("a.three", true)]);
        assert_eq!(
            list[0].description, "One",
            "a description stays when not listed again"
        );
        assert_eq!(list[0].last, 12);
        assert_eq!(
            s.call(move |c| groups_checked(c, id)).unwrap().unwrap(),
            Some(200)
        );
    }

    /// Stored overviews can be found once the index thread has caught up, and rows it had
    /// not got to when the store was closed are indexed when the store opens again.
    #[test]
    fn stored_headers_are_indexed_and_caught_up_after_a_crash() {
        use crate::mail::search::Query;
        let (dir, s, id) = store_with_server();
        let folder = local_test_folder(&s, id, 25);
        let found = |s: &Store| {
            s.call(move |c| mail::search(c, &[folder], &Query::parse("article"), 100))
                .unwrap()
                .unwrap()
                .len()
        };
        let batch = |range: std::ops::RangeInclusive<u64>| -> Vec<Overview> {
            range.map(|n| over(n, &[])).collect()
        };
        for b in [batch(1..=5), batch(6..=15)] {
            s.call(move |c| store_overviews(c, folder, &b, true))
                .unwrap()
                .unwrap();
        }
        s.wait_for_index().expect("indexed");
        assert_eq!(found(&s), 15);
        drop(s);
        // Rows written while no index thread runs, as if it had not got to them before a
        // crash: the store, opened again, indexes them without being asked.
        let mut raw = rusqlite::Connection::open(dir.path().join("t.db")).expect("raw");
        let more = batch(16..=20);
        store_overviews(&mut raw, folder, &more, true).expect("rows");
        drop(raw);
        let s = Store::open(&dir.path().join("t.db")).expect("reopen");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while found(&s) < 20 && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert_eq!(found(&s), 20, "caught up on opening");
        s.wait_for_index().expect("indexed");
        assert_eq!(found(&s), 20, "nothing indexed twice");
    }

    #[test]
    fn overviews_read_ranges_catch_up_and_newsrc() {
        let (_d, s, id) = store_with_server();
        let folder = local_test_folder(&s, id, 5);
        let g = s
            .call(move |c| subscribed_group(c, folder))
            .unwrap()
            .unwrap()
            .unwrap();
        assert_eq!((g.first, g.last, g.unread()), (1, 5, 5));
        let rows: Vec<Overview> = (1..=5)
            .map(|n| {
                if n == 1 {
                    over(n, &[])
                } else {
                    over(n, &["<a1@x>"])
                }
            })
            .collect();
        s.call(move |c| store_overviews(c, folder, &rows, false))
            .unwrap()
            .unwrap();
        s.call(move |c| mark(c, folder, &[2, 3], true))
            .unwrap()
            .unwrap();
        let list = s.call(move |c| articles(c, folder)).unwrap().unwrap();
        assert_eq!(list.len(), 5);
        assert_eq!(list[1].refs, "a1@x");
        assert_eq!(list[1].in_reply_to.as_deref(), Some("a1@x"));
        let seen: Vec<bool> = list.iter().map(|m| m.seen).collect();
        assert_eq!(seen, vec![false, true, true, false, false]);
        let g = s
            .call(move |c| subscribed_group(c, folder))
            .unwrap()
            .unwrap()
            .unwrap();
        assert_eq!(g.read.to_string(), "2-3");
        assert_eq!(g.unread(), 3);
        assert_eq!(g.folder.unseen, 3);
        // Re-fetching overviews keeps the marks.
        let again = vec![over(2, &["<a1@x>"]), over(6, &[])];
        s.call(move |c| {
            set_range(c, folder, 2, 6)?;
            store_overviews(c, folder, &again, false)
        })
        .unwrap()
        .unwrap();
        let list = s.call(move |c| articles(c, folder)).unwrap().unwrap();
        assert_eq!(
            list.first().map(|m| m.uid),
            Some(2),
            "expired article 1 went"
        );
        assert!(list[0].seen);
        s.call(move |c| catch_up(c, folder)).unwrap().unwrap();
        let g = s
            .call(move |c| subscribed_group(c, folder))
            .unwrap()
            .unwrap()
            .unwrap();
        assert_eq!(g.unread(), 0);
        let rc = s.call(move |c| newsrc(c, id)).unwrap().unwrap();
        assert_eq!(crate::news::ranges::write_newsrc(&rc), "local.test: 1-6\n");
        // Import into a second server's state.
        let entries = crate::news::ranges::parse_newsrc("local.general: 1-3\nlocal.test! 1-2\n");
        let n = s
            .call(move |c| import_newsrc(c, id, &entries))
            .unwrap()
            .unwrap();
        assert_eq!(n, 1);
        let subs = s.call(move |c| subscribed(c, id)).unwrap().unwrap();
        let names: Vec<&str> = subs.iter().map(|g| g.folder.name.as_str()).collect();
        assert_eq!(names, vec!["local.general", "local.test"]);
        assert_eq!(subs[0].read.to_string(), "1-3");
    }

    #[test]
    fn posters_seen_in_news_are_offered_to_the_composer() {
        let (_d, s, id) = store_with_server();
        let folder = s
            .call(move |c| subscribe(c, id, "local.test"))
            .unwrap()
            .unwrap();
        let rows = vec![over(1, &[])];
        s.call(move |c| store_overviews(c, folder, &rows, true))
            .unwrap()
            .unwrap();
        let known = s
            .call(|c| crate::store::outbox::known_addresses(c, 100))
            .unwrap()
            .unwrap();
        assert!(
            known.iter().any(|a| a.contains("tester@example.test")),
            "{known:?}"
        );
    }

    #[test]
    fn posts_are_kept_until_taken_and_refusals_keep_their_words() {
        let (_d, s, id) = store_with_server();
        let p = s
            .call(move |c| queue_post(c, id, "local.test", "Hi", b"raw", 5))
            .unwrap()
            .unwrap();
        s.call(move |c| post_done(c, p, Some("441 no")))
            .unwrap()
            .unwrap();
        let list = s.call(move |c| posts(c, id)).unwrap().unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(
            (list[0].state.as_str(), list[0].error.as_str()),
            ("refused", "441 no")
        );
        s.call(move |c| post_done(c, p, None)).unwrap().unwrap();
        assert!(s.call(move |c| posts(c, id)).unwrap().unwrap().is_empty());
    }

    #[test]
    fn score_rules_round_trip() {
        use crate::news::score::{Action, Field, Rule};
        let (_d, s, _) = store_with_server();
        let rule = Rule {
            id: 0,
            groups: "comp.*".into(),
            field: Field::Thread,
            pattern: "^root@x$".into(),
            action: Action::Highlight,
            expires: Some(5),
        };
        let r = rule.clone();
        let id = s.call(move |c| save_score_rule(c, &r)).unwrap().unwrap();
        let list = s.call(|c| score_rules(c)).unwrap().unwrap();
        assert_eq!(list, vec![Rule { id, ..rule }]);
        s.call(move |c| delete_score_rule(c, id)).unwrap().unwrap();
        assert!(s.call(|c| score_rules(c)).unwrap().unwrap().is_empty());
    }

    #[test]
    fn from_lines_of_every_style() {
        assert_eq!(split_from("Tess Ter <t@x>"), ("Tess Ter", "t@x"));
        assert_eq!(split_from("\"Ter, Tess\" <t@x>"), ("Ter, Tess", "t@x"));
        assert_eq!(split_from("t@x (Tess Ter)"), ("Tess Ter", "t@x"));
        assert_eq!(split_from("t@x"), ("t@x", "t@x"));
        assert_eq!(split_from("<t@x>"), ("t@x", "t@x"));
    }
}
