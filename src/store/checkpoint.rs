//! Copying the write-ahead log back into the database file on a thread of its own.
//!
//! `SQLite` does this copy (a checkpoint) on the connection that committed, each time the log
//! holds 1,000 pages. While the headers of a group or a folder are stored, that was a fifth
//! of the store thread's time, spent between two batches while the next waited. Here the
//! store's connection only notes the log's size after each commit, and a second connection
//! copies it in the background, in PASSIVE mode, which never blocks the writer.

use std::os::raw::c_int;
use std::path::Path;
use std::sync::mpsc;

use super::StoreError;

/// Log pages after which a checkpoint is asked for (`SQLite`'s own default).
const PAGES: c_int = 10_000;
/// Bytes the log file is cut back to when it starts over: a bulk sync may grow it well past
/// the 4 MB of 1,000 pages, and it should not stay that large.
const LOG_LIMIT: i64 = 64 * 1024 * 1024;

/// Starts the checkpoint thread for the database at `path` and hands it the log's size after
/// each of `conn`'s commits (which turns `conn`'s own automatic checkpoints off). The thread
/// ends with `conn`. `committed` is called after each commit to the store's own file (one
/// hook per connection: the search index thread is told here too).
pub fn start(
    conn: &mut rusqlite::Connection,
    path: &Path,
    committed: impl Fn() + Send + 'static,
) -> Result<(), StoreError> {
    conn.pragma_update(None, "journal_size_limit", LOG_LIMIT)?;
    let asked = spawn(path, "store-checkpoint")?;
    conn.wal_hook(Some(move |wal: &mut rusqlite::hooks::Wal, pages: c_int| {
        if wal.name().to_bytes() != b"main" {
            return Ok(());
        }
        committed();
        if pages >= PAGES {
            // Full: a checkpoint is already asked for and will see these pages too.
            let _ = asked.try_send(());
        }
        Ok(())
    }))?;
    Ok(())
}

/// The same for the database attached to `conn` as `schema` from `path`: the search index,
/// written by its own thread. Left to `SQLite`, that thread copied its log back every 1,000
/// pages, a dozen times in a folder's first sync, each ending with the disk's flush, while
/// the sync waited for the index: on a busy disk one flush took tens of milliseconds.
pub fn start_attached(
    conn: &mut rusqlite::Connection,
    schema: &'static str,
    path: &Path,
) -> Result<(), StoreError> {
    let asked = spawn(path, "index-checkpoint")?;
    conn.wal_hook(Some(move |wal: &mut rusqlite::hooks::Wal, pages: c_int| {
        if wal.name().to_bytes() == schema.as_bytes() && pages >= PAGES {
            let _ = asked.try_send(());
        }
        Ok(())
    }))?;
    Ok(())
}

/// A thread named `name` with its own connection to `path`, which copies the log back each
/// time it is asked. It ends when the sender it returns is dropped.
fn spawn(path: &Path, name: &str) -> Result<mpsc::SyncSender<()>, StoreError> {
    let open = |source| StoreError::Open {
        path: path.display().to_string(),
        source,
    };
    let checkpointer = rusqlite::Connection::open(path).map_err(open)?;
    checkpointer.busy_timeout(std::time::Duration::from_secs(5))?;
    let (asked, asks) = mpsc::sync_channel::<()>(1);
    std::thread::Builder::new()
        .name(name.into())
        .spawn(move || {
            for () in asks {
                // A checkpoint that cannot finish now (busy) is asked for again at the next
                // commit; the log stays whole meanwhile.
                let _ = checkpointer.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
            }
        })
        .map_err(|source| StoreError::Dir {
            path: format!("{name} thread"),
            source,
        })?;
    Ok(asked)
}

#[cfg(test)]
mod tests {
    use crate::store::Store;

    /// The store's own connection does not copy the log back; the checkpoint thread does, so
    /// the database file grows while the writes go on, and the log starts over.
    #[test]
    fn the_log_is_copied_back_by_the_checkpoint_thread() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("db.sqlite3");
        let store = Store::open(&path).expect("open");
        store
            .call(|c| c.execute_batch("CREATE TABLE filler(b BLOB)"))
            .expect("call")
            .expect("table");
        // 48 MB in commits of 1 MB: past the 10,000 pages (40 MB) that ask for a checkpoint.
        for _ in 0..48 {
            store
                .call(|c| c.execute("INSERT INTO filler(b) VALUES (zeroblob(1048576))", []))
                .expect("call")
                .expect("insert");
        }
        let size = || std::fs::metadata(&path).map_or(0, |m| m.len());
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while size() < 40 << 20 && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert!(
            size() >= 40 << 20,
            "the database file holds the copied pages: {} bytes",
            size()
        );
        drop(store);
    }
}
