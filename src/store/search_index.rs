//! The full-text search index, in a database file of its own, kept up by a thread of its own.
//!
//! Indexing a folder's headers was about a third of the store thread's time in a first sync,
//! and the sync waits for the store thread. In the same file the two could not overlap:
//! `SQLite` lets one connection write a file at a time. Here the store thread only writes the
//! rows, and the index thread reads them (through its own connection, a consistent snapshot)
//! and writes the index while the store thread writes the next batch.
//!
//! The index is a cache of the store: everything in it can be rebuilt from the rows and the
//! cached bodies, so a missing or unreadable index file is made again, and filled again in the
//! background. What it holds is tracked in the index file itself, in the same transaction as
//! the entries, so a crash loses nothing:
//! - `indexed_upto`: every message with an id up to this has its entry. New messages get
//!   higher ids, and the thread indexes those above the mark after each commit.
//! - `queue_done`: changes to messages already indexed (a message removed, its body cached)
//!   are queued in the store by triggers, in the transaction that made them; the thread
//!   redoes those messages' entries and notes how far it got.
//!
//! The store's connection attaches the index file as `search`, so a query names
//! `message_text` as if it were in the store.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};

use rusqlite::{Connection, OptionalExtension, params};

use super::StoreError;

/// The index file's schema version, in its `user_version`. A file with another version is
/// made again: it holds nothing that cannot be rebuilt.
const VERSION: i64 = 1;

/// Messages indexed per transaction when the thread catches up with many (after the index
/// file was made again): each transaction's progress survives a crash, and the store's
/// readers see entries arrive while a large store is indexed.
const CHUNK: i64 = 50_000;

const SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS progress (
        only         INTEGER PRIMARY KEY CHECK (only = 1),
        indexed_upto INTEGER NOT NULL,
        queue_done   INTEGER NOT NULL
    );
    INSERT OR IGNORE INTO progress(only, indexed_upto, queue_done) VALUES (1, 0, 0);
    CREATE VIRTUAL TABLE IF NOT EXISTS message_text USING fts5(
        sender, recipients, subject, body,
        content='', contentless_delete=1,
        tokenize='unicode61 remove_diacritics 2'
    );
    INSERT INTO message_text(message_text, rank) VALUES('automerge', 16);";

/// The index file beside the store at `store`: `portolan.sqlite3` has `portolan.search.sqlite3`.
pub fn path_beside(store: &Path) -> PathBuf {
    let stem = store
        .file_stem()
        .map_or_else(|| "store".into(), |s| s.to_string_lossy().into_owned());
    store.with_file_name(format!("{stem}.search.sqlite3"))
}

/// Opens the index file at `path`, making it (again) when it is missing, of another version
/// or unreadable.
fn open_index(path: &Path) -> Result<Connection, StoreError> {
    if let Ok(c) = open_index_once(path) {
        return Ok(c);
    }
    // A cache: start it over rather than refuse to open the store.
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
    open_index_once(path).map_err(|source| StoreError::Open {
        path: path.display().to_string(),
        source,
    })
}

fn open_index_once(path: &Path) -> rusqlite::Result<Connection> {
    let c = Connection::open(path)?;
    c.busy_timeout(std::time::Duration::from_secs(5))?;
    let version: i64 = c.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let has_tables: i64 = c.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
    if has_tables > 0 && version != VERSION {
        return Err(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_NOTADB),
            Some(format!("search index version {version}, not {VERSION}")),
        ));
    }
    c.pragma_update(None, "journal_mode", "WAL")?;
    c.pragma_update(None, "synchronous", "NORMAL")?;
    c.execute_batch(&format!(
        "BEGIN; {SCHEMA} PRAGMA user_version = {VERSION}; COMMIT;"
    ))?;
    Ok(c)
}

/// Attaches the index file to a connection on the store, as `search`.
fn attach(c: &Connection, index: &Path) -> rusqlite::Result<()> {
    c.execute(
        "ATTACH DATABASE ?1 AS search",
        [index.to_string_lossy().as_ref()],
    )?;
    Ok(())
}

/// What the index thread is asked.
enum Ask {
    /// Something was committed: catch up.
    Look,
    /// Answer once everything committed before this ask is indexed.
    Wait(mpsc::SyncSender<Result<(), String>>),
}

/// A handle on the index thread. Cheap to clone. The thread ends when the last handle goes.
#[derive(Clone)]
pub struct Indexer {
    inner: Arc<Asks>,
}

struct Asks {
    asks: mpsc::Sender<Ask>,
    /// A look is asked and not yet begun: later commits need not ask again.
    asked: Arc<AtomicBool>,
}

impl Asks {
    fn look(&self) {
        if !self.asked.swap(true, Ordering::AcqRel) {
            let _ = self.asks.send(Ask::Look);
        }
    }
}

impl Indexer {
    /// What to call after each commit to the store: it tells the thread to catch up, and
    /// does not keep the thread alive (the store's connection holds it, and the thread holds
    /// a way to the store's thread).
    pub fn on_commit(&self) -> impl Fn() + Send + 'static {
        let weak = Arc::downgrade(&self.inner);
        move || {
            if let Some(asks) = weak.upgrade() {
                asks.look();
            }
        }
    }

    /// Waits until everything committed so far is in the index: what a sync calls before it
    /// says it is done, so what it stored can be searched for.
    pub fn wait(&self) -> Result<(), StoreError> {
        let (tx, rx) = mpsc::sync_channel(1);
        self.inner
            .asks
            .send(Ask::Wait(tx))
            .map_err(|_| StoreError::Gone)?;
        match rx.recv() {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(StoreError::Index(e)),
            Err(_) => Err(StoreError::Gone),
        }
    }
}

/// Opens (or makes) the index beside the store at `store_path`, attaches it to the store's
/// connection `store`, and starts the thread that keeps it up. `prune` runs a job on the
/// store thread: the thread hands back the queue entries it has done, for the store's own
/// connection to delete (one writer on the store's file).
pub fn start(
    store: &Connection,
    store_path: &Path,
    prune: impl Fn(i64) + Send + 'static,
) -> Result<Indexer, StoreError> {
    let index_path = path_beside(store_path);
    let index = open_index(&index_path)?;
    drop(index);
    let open = |source| StoreError::Open {
        path: store_path.display().to_string(),
        source,
    };
    let mut worker = Connection::open(store_path).map_err(open)?;
    worker.busy_timeout(std::time::Duration::from_secs(5))?;
    attach(&worker, &index_path)?;
    super::checkpoint::start_attached(&mut worker, "search", &index_path)?;
    worker.pragma_update(Some("search"), "cache_size", -16_000)?;
    // As the store's own file: an attached file starts at FULL, which flushed the disk at
    // each of the index's commits, several per folder sync, while the sync waited. With
    // NORMAL a crash of the machine may lose the last commits, never the file's consistency,
    // and the index's mark of how far it got goes back with them.
    worker.pragma_update(Some("search"), "synchronous", "NORMAL")?;
    // Indexing a whole store again grows the index's log well past its usual size; it is
    // cut back when it starts over, as the store's own is.
    worker.pragma_update(Some("search"), "journal_size_limit", 64 * 1024 * 1024)?;
    attach(store, &index_path)?;
    let (asks, asked_rx) = mpsc::channel::<Ask>();
    let asked = Arc::new(AtomicBool::new(false));
    let flag = asked.clone();
    std::thread::Builder::new()
        .name("store-index".into())
        .spawn(move || run(worker, &asked_rx, &flag, &prune))
        .map_err(|source| StoreError::Dir {
            path: "store index thread".into(),
            source,
        })?;
    let indexer = Indexer {
        inner: Arc::new(Asks { asks, asked }),
    };
    // Whatever was committed before (or while the file was made again) is caught up with.
    indexer.inner.look();
    Ok(indexer)
}

fn run(mut c: Connection, asks: &mpsc::Receiver<Ask>, asked: &AtomicBool, prune: &dyn Fn(i64)) {
    while let Ok(first) = asks.recv() {
        let mut waiting = Vec::new();
        let mut take = |ask| {
            if let Ask::Wait(tx) = ask {
                waiting.push(tx);
            }
        };
        take(first);
        while let Ok(more) = asks.try_recv() {
            take(more);
        }
        asked.store(false, Ordering::Release);
        let result = catch_up(&mut c, prune).map_err(|e| e.to_string());
        for tx in waiting {
            let _ = tx.send(result.clone());
        }
    }
}

/// Indexes what was committed since the last time, in transactions of up to [`CHUNK`] new
/// messages.
fn catch_up(c: &mut Connection, prune: &dyn Fn(i64)) -> rusqlite::Result<()> {
    loop {
        let (more, pruned) = step(c)?;
        if let Some(done) = pruned {
            prune(done);
        }
        if !more {
            return Ok(());
        }
    }
}

/// One transaction: the queued changes, then new messages up to [`CHUNK`] of them. Answers
/// whether more are waiting, and how far the queue was done if any of it was.
fn step(c: &mut Connection) -> rusqlite::Result<(bool, Option<i64>)> {
    let tx = c.transaction()?;
    // The index file's write lock first, waiting for it if another store on the same files
    // (the command line beside the window) holds it; a transaction that read first could not
    // write after the other's commit. `BEGIN IMMEDIATE` would lock the store's file too.
    tx.execute("UPDATE search.progress SET only = 1", [])?;
    let (mut upto, done): (i64, i64) = tx.query_row(
        "SELECT indexed_upto, queue_done FROM search.progress",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let newest: i64 = tx.query_row("SELECT coalesce(max(id), 0) FROM main.messages", [], |r| {
        r.get(0)
    })?;
    let queued: Vec<(i64, i64)> = {
        let mut st = tx.prepare_cached(
            "SELECT seq, message FROM main.search_queue WHERE seq > ?1 ORDER BY seq",
        )?;
        st.query_map([done], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?
    };
    if queued.is_empty() && newest == upto {
        // Nothing to do (the commit was of something else): the transaction is dropped,
        // and the index file is not written.
        return Ok((false, None));
    }
    let mut redo: Vec<i64> = queued.iter().map(|q| q.1).collect();
    redo.sort_unstable();
    redo.dedup();
    for &id in &redo {
        tx.execute("DELETE FROM search.message_text WHERE rowid = ?1", [id])?;
        // A message at or below the mark was indexed before this change; one above it is
        // indexed with the new ones below.
        if id <= upto {
            index_one(&tx, id)?;
        }
    }
    // Ids above the newest message are free again (a removed message's id may be given to
    // the next one), and their entries went with the queue above.
    upto = upto.min(newest);
    let to = newest.min(upto + CHUNK);
    if to > upto {
        index_range(&tx, upto, to)?;
    }
    let last_queued = queued.last().map(|q| q.0);
    tx.execute(
        "UPDATE search.progress SET indexed_upto = ?1, queue_done = ?2",
        params![to.max(upto), last_queued.unwrap_or(done)],
    )?;
    tx.commit()?;
    Ok((to < newest, last_queued))
}

/// Entries for the messages with ids in `(after, upto]`: headers in one statement for those
/// without a cached body, headers and body text for the others.
fn index_range(tx: &Connection, after: i64, upto: i64) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO search.message_text(rowid, sender, recipients, subject, body)
         SELECT id, from_name || ' ' || from_addr, recipients, subject, '' FROM main.messages
         WHERE id > ?1 AND id <= ?2
           AND id NOT IN (SELECT message FROM main.bodies WHERE message > ?1 AND message <= ?2)",
        params![after, upto],
    )?;
    let with_bodies: Vec<i64> = {
        let mut st = tx.prepare_cached(
            "SELECT message FROM main.bodies WHERE message > ?1 AND message <= ?2",
        )?;
        st.query_map(params![after, upto], |r| r.get(0))?
            .collect::<Result<_, _>>()?
    };
    for id in with_bodies {
        index_one(tx, id)?;
    }
    Ok(())
}

/// The entry of message `id` as it is stored now (none if it is gone): its headers, and the
/// text of its body if cached.
fn index_one(tx: &Connection, id: i64) -> rusqlite::Result<()> {
    let row: Option<(String, String, String, Option<Vec<u8>>)> = tx
        .query_row(
            "SELECT m.from_name || ' ' || m.from_addr, m.recipients, m.subject, b.raw
             FROM main.messages m LEFT JOIN main.bodies b ON b.message = m.id
             WHERE m.id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    if let Some((sender, recipients, subject, raw)) = row {
        let text = raw
            .as_deref()
            .map(crate::mail::render::plain_text_of)
            .unwrap_or_default();
        tx.execute(
            "INSERT INTO search.message_text(rowid, sender, recipients, subject, body)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, sender, recipients, subject, text],
        )?;
    }
    Ok(())
}

/// Deletes the queue entries the index thread has done (up to `done`): run on the store
/// thread, the one writer of the store's file.
pub fn prune(c: &mut Connection, done: i64) {
    let _ = c.execute("DELETE FROM search_queue WHERE seq <= ?1", [done]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    /// A store with one folder; `add` stores a message by subject and answers its id.
    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("tmp");
        let s = Store::open(&dir.path().join("t.db")).expect("open");
        s.call(|c| {
            c.execute_batch(
                "INSERT INTO accounts(id, name, kind, host, port) VALUES (1, 'a', 'imap', 'h', 143);
                 INSERT INTO folders(id, account, name) VALUES (1, 1, 'INBOX');",
            )
        })
        .expect("call")
        .expect("folder");
        (dir, s)
    }

    fn add(s: &Store, uid: u32, subject: &str) -> i64 {
        let subject = subject.to_string();
        s.call(move |c| {
            c.execute(
                "INSERT INTO messages(folder, uid, subject) VALUES (1, ?1, ?2)",
                params![uid, subject],
            )?;
            Ok::<_, rusqlite::Error>(c.last_insert_rowid())
        })
        .expect("call")
        .expect("insert")
    }

    fn run(s: &Store, sql: &'static str) {
        s.call(move |c| c.execute_batch(sql))
            .expect("call")
            .expect("sql");
    }

    /// The ids whose entries match `words`, after the index has caught up.
    fn found(s: &Store, words: &str) -> Vec<i64> {
        s.wait_for_index().expect("indexed");
        let words = words.to_string();
        s.call(move |c| {
            let mut st = c.prepare(
                "SELECT rowid FROM message_text WHERE message_text MATCH ?1 ORDER BY rowid",
            )?;
            st.query_map([words], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<i64>>>()
        })
        .expect("call")
        .expect("query")
    }

    #[test]
    fn the_index_lives_beside_the_store() {
        assert_eq!(
            path_beside(Path::new("/d/portolan.sqlite3")),
            Path::new("/d/portolan.search.sqlite3")
        );
        let (dir, s) = store();
        add(&s, 1, "hello");
        assert_eq!(found(&s, "hello"), vec![1]);
        assert!(dir.path().join("t.search.sqlite3").exists());
    }

    #[test]
    fn removed_messages_and_cached_bodies_change_their_entries() {
        let (_d, s) = store();
        let a = add(&s, 1, "apples");
        let b = add(&s, 2, "bananas");
        assert_eq!(found(&s, "apples OR bananas"), vec![a, b]);
        run(
            &s,
            "INSERT INTO bodies(message, raw) VALUES (1, CAST('Subject: x' || char(13,10,13,10) || 'cherries' AS BLOB))",
        );
        assert_eq!(found(&s, "cherries"), vec![a], "the body's words");
        assert_eq!(found(&s, "apples"), vec![a], "its headers stay");
        run(
            &s,
            "UPDATE bodies SET raw = CAST('Subject: x' || char(13,10,13,10) || 'dates' AS BLOB)",
        );
        assert_eq!(
            found(&s, "cherries"),
            Vec::<i64>::new(),
            "the old body's words go"
        );
        assert_eq!(found(&s, "dates"), vec![a]);
        run(&s, "DELETE FROM messages WHERE uid = 1");
        assert_eq!(found(&s, "apples OR dates"), Vec::<i64>::new());
        assert_eq!(found(&s, "bananas"), vec![b]);
        let left: i64 = s
            .call(|c| c.query_row("SELECT count(*) FROM search_queue", [], |r| r.get(0)))
            .expect("call")
            .expect("count");
        assert_eq!(left, 0, "done entries leave the queue");
    }

    /// A removed message's id is given to the next one: the new message gets its own entry,
    /// and none of the old one's, whether the thread saw the removal before or after.
    #[test]
    fn an_id_given_again_gets_only_its_own_entry() {
        let (_d, s) = store();
        add(&s, 1, "first");
        let old = add(&s, 2, "second");
        assert_eq!(found(&s, "second"), vec![old]);
        // Both changes in one transaction: the thread sees them together.
        run(
            &s,
            "BEGIN;
             DELETE FROM messages WHERE uid = 2;
             INSERT INTO messages(folder, uid, subject) VALUES (1, 3, 'third');
             COMMIT;",
        );
        assert_eq!(found(&s, "second"), Vec::<i64>::new());
        assert_eq!(found(&s, "third"), vec![old], "the same id, the new words");
        // The removal seen first, the new message after.
        run(&s, "DELETE FROM messages WHERE uid = 3");
        assert_eq!(found(&s, "third"), Vec::<i64>::new());
        let again = add(&s, 4, "fourth");
        assert_eq!(again, old);
        assert_eq!(found(&s, "fourth"), vec![old]);
        assert_eq!(found(&s, "first"), vec![1]);
    }

    /// Most commits are of something else (a setting, a visited page): the index thread
    /// looks, finds nothing to do, and does not write the index file.
    #[test]
    fn a_commit_of_something_else_leaves_the_index_file_alone() {
        let (_d, s) = store();
        add(&s, 1, "first");
        s.wait_for_index().expect("indexed");
        let version = |s: &Store| {
            s.call(|c| c.pragma_query_value(Some("search"), "data_version", |r| r.get::<_, i64>(0)))
                .expect("call")
                .expect("pragma")
        };
        let before = version(&s);
        run(
            &s,
            "INSERT INTO settings(key, value) VALUES ('theme', 'dark')",
        );
        s.wait_for_index().expect("indexed");
        assert_eq!(version(&s), before, "nothing written");
        add(&s, 2, "second");
        s.wait_for_index().expect("indexed");
        assert_ne!(version(&s), before, "a new message is");
    }

    /// Two stores open on the same files (the command line beside the window): their index
    /// threads take turns, and each message is indexed once.
    #[test]
    fn two_stores_on_the_same_files_index_each_message_once() {
        let (dir, s) = store();
        let other = Store::open(&dir.path().join("t.db")).expect("second");
        for round in 0..5_u32 {
            s.call(move |c| {
                let tx = c.transaction()?;
                for n in 0..200_u32 {
                    tx.execute(
                        "INSERT INTO messages(folder, uid, subject) VALUES (1, ?1, 'same words')",
                        [round * 1000 + n],
                    )?;
                }
                tx.commit()
            })
            .expect("call")
            .expect("batch");
            let waiting = other.clone();
            let there = std::thread::spawn(move || waiting.wait_for_index());
            s.wait_for_index().expect("this store's index");
            there
                .join()
                .expect("thread")
                .expect("the other store's index");
        }
        assert_eq!(found(&s, "same words").len(), 1000);
        assert_eq!(found(&other, "same words").len(), 1000);
    }

    /// The index file is a cache: gone or unreadable, it is made again and filled from the
    /// rows and cached bodies when the store opens.
    #[test]
    fn a_lost_or_broken_index_is_built_again() {
        let (dir, s) = store();
        let a = add(&s, 1, "kept");
        run(
            &s,
            "INSERT INTO bodies(message, raw) VALUES (1, CAST('Subject: x' || char(13,10,13,10) || 'inside' AS BLOB))",
        );
        assert_eq!(found(&s, "inside"), vec![a]);
        drop(s);
        let index = dir.path().join("t.search.sqlite3");
        // Let the closed store's threads end before the file goes.
        std::thread::sleep(std::time::Duration::from_millis(200));
        for suffix in ["", "-wal", "-shm"] {
            let mut p = index.as_os_str().to_owned();
            p.push(suffix);
            let _ = std::fs::remove_file(PathBuf::from(p));
        }
        let s = Store::open(&dir.path().join("t.db")).expect("reopen");
        assert_eq!(found(&s, "kept"), vec![a]);
        assert_eq!(found(&s, "inside"), vec![a]);
        drop(s);
        std::thread::sleep(std::time::Duration::from_millis(200));
        std::fs::write(&index, vec![0x5a; 8192]).expect("garbage");
        let s = Store::open(&dir.path().join("t.db")).expect("reopen over garbage");
        assert_eq!(found(&s, "kept inside"), vec![a]);
    }
}
