//! Schema migrations, applied in order by `PRAGMA user_version`. Later panels append theirs.

/// Each entry moves the schema from version `i` to `i + 1`. Never edit a released entry.
const STEPS: &[&str] = &[
    // 1: the foundation.
    "CREATE TABLE settings (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE bookmarks (
        id      INTEGER PRIMARY KEY,
        folder  TEXT NOT NULL DEFAULT '',
        title   TEXT NOT NULL,
        url     TEXT NOT NULL,
        created INTEGER NOT NULL
    );
    CREATE INDEX bookmarks_url ON bookmarks(url);
    CREATE TABLE history (
        id         INTEGER PRIMARY KEY,
        url        TEXT NOT NULL UNIQUE,
        title      TEXT NOT NULL DEFAULT '',
        visits     INTEGER NOT NULL DEFAULT 1,
        last_visit INTEGER NOT NULL
    );
    CREATE INDEX history_last ON history(last_visit);
    CREATE TABLE cert_pins (
        host        TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        subject     TEXT NOT NULL DEFAULT '',
        added       INTEGER NOT NULL,
        PRIMARY KEY (host, fingerprint)
    );",
    // 2: the Files panel's site manager. Passwords live in the secrets store, never here.
    "CREATE TABLE sites (
        id         INTEGER PRIMARY KEY,
        name       TEXT NOT NULL,
        host       TEXT NOT NULL,
        port       INTEGER NOT NULL,
        user       TEXT NOT NULL DEFAULT '',
        tls        TEXT NOT NULL DEFAULT 'auto',
        passive    INTEGER NOT NULL DEFAULT 1,
        remote_dir TEXT NOT NULL DEFAULT '',
        local_dir  TEXT NOT NULL DEFAULT ''
    );",
    // 3: per-site names charset ('' = detect) and how many transfers run at once.
    "ALTER TABLE sites ADD COLUMN charset TEXT NOT NULL DEFAULT '';
    ALTER TABLE sites ADD COLUMN max_parallel INTEGER NOT NULL DEFAULT 3;",
    // 4: mail and news accounts, their folders and messages, and the search index. Passwords
    // live in the secrets store, never here. A message row is small (the list reads many);
    // bodies have their own table, filled when a message is opened.
    "CREATE TABLE accounts (
        id          INTEGER PRIMARY KEY,
        name        TEXT NOT NULL,
        kind        TEXT NOT NULL,
        host        TEXT NOT NULL,
        port        INTEGER NOT NULL,
        user        TEXT NOT NULL DEFAULT '',
        tls         TEXT NOT NULL DEFAULT 'require',
        smtp_host   TEXT NOT NULL DEFAULT '',
        smtp_port   INTEGER NOT NULL DEFAULT 587,
        smtp_user   TEXT NOT NULL DEFAULT '',
        smtp_tls    TEXT NOT NULL DEFAULT 'require',
        leave_on_server INTEGER NOT NULL DEFAULT 1,
        delete_after_days INTEGER NOT NULL DEFAULT 0,
        capabilities TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE identities (
        id        INTEGER PRIMARY KEY,
        account   INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        name      TEXT NOT NULL DEFAULT '',
        address   TEXT NOT NULL,
        signature TEXT NOT NULL DEFAULT '',
        position  INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE folders (
        id          INTEGER PRIMARY KEY,
        account     INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        name        TEXT NOT NULL,
        delimiter   TEXT,
        role        TEXT,
        attributes  TEXT NOT NULL DEFAULT '',
        selectable  INTEGER NOT NULL DEFAULT 1,
        uidvalidity INTEGER,
        uidnext     INTEGER,
        highest_modseq INTEGER,
        messages    INTEGER NOT NULL DEFAULT 0,
        unseen      INTEGER NOT NULL DEFAULT 0,
        synced      INTEGER,
        UNIQUE (account, name)
    );
    CREATE TABLE messages (
        id          INTEGER PRIMARY KEY,
        folder      INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
        uid         INTEGER NOT NULL,
        remote_id   TEXT,
        flags       TEXT NOT NULL DEFAULT '',
        seen        INTEGER NOT NULL DEFAULT 0,
        flagged     INTEGER NOT NULL DEFAULT 0,
        date        INTEGER,
        internal_date INTEGER,
        size        INTEGER NOT NULL DEFAULT 0,
        modseq      INTEGER,
        from_name   TEXT NOT NULL DEFAULT '',
        from_addr   TEXT NOT NULL DEFAULT '',
        recipients  TEXT NOT NULL DEFAULT '',
        subject     TEXT NOT NULL DEFAULT '',
        message_id  TEXT,
        in_reply_to TEXT,
        refs        TEXT NOT NULL DEFAULT '',
        list_id     TEXT,
        attachments INTEGER NOT NULL DEFAULT 0,
        header      BLOB,
        UNIQUE (folder, uid)
    );
    CREATE INDEX messages_by_date ON messages(folder, date);
    CREATE INDEX messages_by_message_id ON messages(message_id);
    CREATE TABLE bodies (
        message INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
        raw     BLOB NOT NULL,
        partial INTEGER NOT NULL DEFAULT 0
    );
    CREATE VIRTUAL TABLE message_text USING fts5(
        sender, recipients, subject, body,
        content='', contentless_delete=1, prefix='1 2 3',
        tokenize='unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER messages_gone AFTER DELETE ON messages BEGIN
        DELETE FROM message_text WHERE rowid = old.id;
    END;",
    // 5: the Terminal panel's session directory. An entry also holds what applies whenever
    // its host and port are opened, by a link too: charset, echo, TLS, the clipboard.
    "CREATE TABLE telnet_hosts (
        id        INTEGER PRIMARY KEY,
        name      TEXT NOT NULL,
        host      TEXT NOT NULL,
        port      INTEGER NOT NULL,
        tls       INTEGER NOT NULL DEFAULT 0,
        charset   TEXT NOT NULL DEFAULT 'auto',
        echo      TEXT NOT NULL DEFAULT 'auto',
        clipboard INTEGER NOT NULL DEFAULT 0,
        notes     TEXT NOT NULL DEFAULT ''
    );",
    // 6: the composer. A draft is kept whole (JSON) on every autosave; a message waiting to
    // leave, or refused, is kept as the bytes that will go, with the draft it came from (for
    // Undo) and the last attempt's words and transcript.
    "CREATE TABLE drafts (
        id      INTEGER PRIMARY KEY,
        data    TEXT NOT NULL,
        updated INTEGER NOT NULL
    );
    CREATE TABLE outbox (
        id          INTEGER PRIMARY KEY,
        account     INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        message_id  TEXT NOT NULL,
        subject     TEXT NOT NULL,
        sender      TEXT NOT NULL,
        recipients  TEXT NOT NULL,
        raw         BLOB NOT NULL,
        draft       TEXT NOT NULL,
        queued      INTEGER NOT NULL,
        send_after  INTEGER NOT NULL,
        state       TEXT NOT NULL DEFAULT 'waiting',
        attempts    INTEGER NOT NULL DEFAULT 0,
        error       TEXT NOT NULL DEFAULT '',
        transcript  TEXT NOT NULL DEFAULT '',
        temporary   INTEGER NOT NULL DEFAULT 0
    );",
    // 7: news. A news server is an account (kind `nntp`) and a subscribed group is a folder
    // whose messages are the articles' overviews (uid = article number), so search, bodies
    // and the renderer are shared with mail. Read state is kept as ranges, as `.newsrc` has
    // it; the server's whole group list is cached apart; a post waits in news_posts until the
    // server takes it, and a refused one stays there with the server's words.
    "CREATE TABLE newsgroups (
        account     INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        name        TEXT NOT NULL,
        first       INTEGER NOT NULL DEFAULT 0,
        last        INTEGER NOT NULL DEFAULT 0,
        count       INTEGER NOT NULL DEFAULT 0,
        status      TEXT NOT NULL DEFAULT 'y',
        description TEXT NOT NULL DEFAULT '',
        added       INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (account, name)
    ) WITHOUT ROWID;
    ALTER TABLE folders ADD COLUMN read_ranges TEXT NOT NULL DEFAULT '';
    ALTER TABLE folders ADD COLUMN first_article INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE folders ADD COLUMN last_article INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE accounts ADD COLUMN groups_checked INTEGER;
    CREATE TABLE news_posts (
        id         INTEGER PRIMARY KEY,
        account    INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        newsgroups TEXT NOT NULL,
        subject    TEXT NOT NULL,
        raw        BLOB NOT NULL,
        created    INTEGER NOT NULL,
        state      TEXT NOT NULL DEFAULT 'waiting',
        error      TEXT NOT NULL DEFAULT ''
    );",
    // 8: news scoring. A message keeps the lines and crosspost count an overview gave, which
    // rules test; the rules themselves, each for some groups and until an expiry.
    "ALTER TABLE messages ADD COLUMN lines INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE messages ADD COLUMN crossposts INTEGER NOT NULL DEFAULT 1;
    CREATE TABLE score_rules (
        id      INTEGER PRIMARY KEY,
        groups  TEXT NOT NULL DEFAULT '',
        field   TEXT NOT NULL,
        pattern TEXT NOT NULL,
        action  TEXT NOT NULL,
        expires INTEGER
    );",
    // The full-text index merges its segments less eagerly (FTS5 automerge 16, not 4): a group's
    // 100,000 headers are indexed in 50 batches, and merging after every few of them was a
    // tenth of the time spent storing them.
    "INSERT INTO message_text(message_text, rank) VALUES('automerge', 16);",
    // 10: a group's headers are indexed for search 10,000 at a time; the id after which its
    // rows wait for the index is kept here, so a crash between two steps loses no entry.
    "ALTER TABLE folders ADD COLUMN unindexed_after INTEGER;",
    // 11: the search index without its prefix indexes. They tripled the cost of indexing a
    // header, while a prefix query over 100,000 messages reads the terms in order just as
    // fast without them. The index is contentless, so it is filled again: headers here, the
    // text of cached bodies by `reindex_bodies` in the same transaction.
    "DROP TABLE message_text;
    CREATE VIRTUAL TABLE message_text USING fts5(
        sender, recipients, subject, body,
        content='', contentless_delete=1,
        tokenize='unicode61 remove_diacritics 2'
    );
    INSERT INTO message_text(message_text, rank) VALUES('automerge', 16);
    INSERT INTO message_text(rowid, sender, recipients, subject, body)
        SELECT id, from_name || ' ' || from_addr, recipients, subject, '' FROM messages
        WHERE id NOT IN (SELECT message FROM bodies);
    UPDATE folders SET unindexed_after = NULL;",
    // 12: no index on Message-ID. No query looks a message up by it (threads are built in
    // memory, replies from Sent are matched through the folder index), and its keys arrive in
    // random order, so every batch rewrote most of its pages: a fifth of the time spent
    // storing a group's headers.
    "DROP INDEX messages_by_message_id;",
    // 13: the search index moves to a file of its own, kept up by a thread of its own (see
    // `search_index`), which fills it again from the rows and cached bodies. Changes to
    // messages it has indexed are queued here by triggers, in the transaction that makes
    // them; AUTOINCREMENT, so a number is never given twice and the thread's mark of how far
    // it got stays true after the done entries are deleted.
    "DROP TRIGGER messages_gone;
    DROP TABLE message_text;
    CREATE TABLE search_queue (
        seq     INTEGER PRIMARY KEY AUTOINCREMENT,
        message INTEGER NOT NULL
    );
    CREATE TRIGGER messages_gone AFTER DELETE ON messages BEGIN
        INSERT INTO search_queue(message) VALUES (old.id);
    END;
    CREATE TRIGGER body_cached AFTER INSERT ON bodies BEGIN
        INSERT INTO search_queue(message) VALUES (new.message);
    END;
    CREATE TRIGGER body_changed AFTER UPDATE OF raw ON bodies BEGIN
        INSERT INTO search_queue(message) VALUES (new.message);
    END;
    CREATE TRIGGER body_gone AFTER DELETE ON bodies BEGIN
        INSERT INTO search_queue(message) VALUES (old.message);
    END;
    UPDATE folders SET unindexed_after = NULL;",
];

/// Work a step needs beyond SQL, run after it in its transaction.
fn after_step(tx: &rusqlite::Transaction, version: i64) -> rusqlite::Result<()> {
    if version == 11 {
        reindex_bodies(tx)?;
    }
    Ok(())
}

/// Index entries for the messages whose bodies are cached: headers and the body's words.
fn reindex_bodies(tx: &rusqlite::Transaction) -> rusqlite::Result<()> {
    let mut read = tx.prepare(
        "SELECT m.id, m.from_name || ' ' || m.from_addr, m.recipients, m.subject, b.raw
         FROM messages m JOIN bodies b ON b.message = m.id",
    )?;
    let mut write = tx.prepare(
        "INSERT INTO message_text(rowid, sender, recipients, subject, body)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    let mut rows = read.query([])?;
    while let Some(r) = rows.next()? {
        let raw: Vec<u8> = r.get(4)?;
        let text = crate::mail::render::plain_text_of(&raw);
        write.execute(rusqlite::params![
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            text
        ])?;
    }
    Ok(())
}

/// The schema version this build writes.
#[cfg_attr(not(test), allow(dead_code))]
pub const LATEST: i64 = STEPS.len() as i64;

pub fn migrate(conn: &mut rusqlite::Connection) -> rusqlite::Result<()> {
    migrate_to(conn, LATEST)
}

/// Applies the steps after the store's version up to `version`, each in its transaction.
fn migrate_to(conn: &mut rusqlite::Connection, version: i64) -> rusqlite::Result<()> {
    let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    for (i, step) in STEPS
        .iter()
        .enumerate()
        .take(usize::try_from(version).unwrap_or(0))
        .skip(usize::try_from(current).unwrap_or(0))
    {
        let tx = conn.transaction()?;
        tx.execute_batch(step)?;
        after_step(&tx, i as i64 + 1)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first column of `sql`'s rows, as numbers.
    fn numbers(c: &rusqlite::Connection, sql: &str, args: impl rusqlite::Params) -> Vec<i64> {
        let mut st = c.prepare(sql).expect("prepare");
        st.query_map(args, |r| r.get(0))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows")
    }

    fn found(c: &rusqlite::Connection, words: &str) -> Vec<i64> {
        numbers(
            c,
            "SELECT rowid FROM message_text WHERE message_text MATCH ?1 ORDER BY rowid",
            [words],
        )
    }

    /// A store at schema `version` with one account and its INBOX (folder 1).
    fn at_version(version: i64) -> rusqlite::Connection {
        let mut c = rusqlite::Connection::open_in_memory().expect("open");
        migrate_to(&mut c, version).expect("migrate");
        c.execute_batch(
            "INSERT INTO accounts(id, name, kind, host, port) VALUES (1, 'a', 'imap', 'h', 143);
             INSERT INTO folders(id, account, name) VALUES (1, 1, 'INBOX');",
        )
        .expect("account and folder");
        c
    }

    #[test]
    fn the_index_without_prefixes_keeps_headers_and_cached_bodies() {
        let mut c = at_version(10);
        c.execute_batch(
            "INSERT INTO messages(id, folder, uid, from_name, from_addr, subject)
                 VALUES (1, 1, 1, 'Alice', 'alice@example.org', 'Quarterly numbers'),
                        (2, 1, 2, 'Bob', 'bob@example.org', 'Lunch');
             INSERT INTO message_text(rowid, sender, recipients, subject, body)
                 VALUES (1, 'Alice alice@example.org', '', 'Quarterly numbers', ''),
                        (2, 'Bob bob@example.org', '', 'Lunch', 'sandwiches');
             INSERT INTO bodies(message, raw) VALUES
                 (2, CAST('Subject: Lunch' || char(13, 10, 13, 10) || 'Sandwiches at noon' AS BLOB));
             UPDATE folders SET unindexed_after = 0;",
        )
        .expect("version 10 data");
        migrate_to(&mut c, 12).expect("to 12");
        assert_eq!(found(&c, "quarter*"), vec![1]);
        assert_eq!(found(&c, "subject : lunch"), vec![2]);
        assert_eq!(found(&c, "noon"), vec![2], "the cached body's words");
        assert_eq!(
            found(&c, "\"al\"*"),
            vec![1],
            "a prefix query without a prefix index"
        );
        let waiting: Option<i64> = c
            .query_row("SELECT unindexed_after FROM folders", [], |r| r.get(0))
            .expect("folder");
        assert_eq!(waiting, None, "every row is indexed");
    }

    /// The index leaves the store's file; what would change an entry is queued for the index
    /// thread in the same transaction, and nothing else.
    #[test]
    fn the_index_leaves_the_store_and_changes_are_queued() {
        let mut c = at_version(12);
        c.execute_batch(
            "INSERT INTO messages(id, folder, uid, subject) VALUES (1, 1, 1, 'a'), (2, 1, 2, 'b');",
        )
        .expect("version 12 data");
        migrate(&mut c).expect("latest");
        let tables: i64 = c
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = 'message_text'",
                [],
                |r| r.get(0),
            )
            .expect("schema");
        assert_eq!(tables, 0, "no index in the store's file");
        c.execute_batch(
            "UPDATE messages SET seen = 1;
             INSERT INTO bodies(message, raw) VALUES (1, x'00');
             UPDATE bodies SET partial = 1;
             UPDATE bodies SET raw = x'01';
             DELETE FROM messages WHERE id = 2;
             DELETE FROM messages WHERE id = 1;",
        )
        .expect("changes");
        let queued = numbers(&c, "SELECT message FROM search_queue ORDER BY seq", []);
        assert_eq!(
            queued,
            vec![1, 1, 2, 1, 1],
            "body cached, body changed, 2 removed, 1's body and 1 removed; no flag or mark"
        );
    }
}
