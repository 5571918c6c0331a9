//! The one `SQLite` database, owned by one thread that takes jobs over a channel.
//!
//! Nothing else touches the connection, so the UI never blocks on the disk: it sends a job
//! and gets the answer as an event. The command line and tests may wait for answers.

pub mod api;
mod checkpoint;
pub mod mail;
mod migrations;
pub mod news;
pub mod outbox;
pub mod records;
mod search_index;
pub mod telnet_hosts;

use std::path::{Path, PathBuf};
use std::sync::mpsc;

pub use records::{Bookmark, CertPin, DEFAULT_PARALLEL, HistoryEntry, Site};
pub use telnet_hosts::TelnetHost;

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database {path}: {source}")]
    Open {
        path: String,
        source: rusqlite::Error,
    },
    #[error("cannot create {path}: {source}")]
    Dir {
        path: String,
        source: std::io::Error,
    },
    #[error("database: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("the database thread has stopped")]
    Gone,
    #[error("the search index: {0}")]
    Index(String),
}

type Job = Box<dyn FnOnce(&mut rusqlite::Connection) + Send>;

/// A handle on the store thread. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    jobs: mpsc::Sender<Job>,
    path: PathBuf,
    index: search_index::Indexer,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (creating if needed) the database at `path`, migrates it, and starts its thread.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Dir {
                path: dir.display().to_string(),
                source,
            })?;
        }
        let mut conn = rusqlite::Connection::open(path).map_err(|source| StoreError::Open {
            path: path.display().to_string(),
            source,
        })?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // 32 MB of page cache: a 100,000-message folder's rows and indexes stay in memory
        // while a sync writes them.
        conn.pragma_update(None, "cache_size", -32_000)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        migrations::migrate(&mut conn)?;
        let (tx, rx) = mpsc::channel::<Job>();
        let prune = tx.clone();
        let index = search_index::start(&conn, path, move |done| {
            let _ = prune.send(Box::new(move |c| search_index::prune(c, done)));
        })?;
        checkpoint::start(&mut conn, path, index.on_commit())?;
        std::thread::Builder::new()
            .name("store".into())
            .spawn(move || {
                let mut conn = conn;
                for job in rx {
                    job(&mut conn);
                }
            })
            .map_err(|source| StoreError::Dir {
                path: "store thread".into(),
                source,
            })?;
        Ok(Store {
            jobs: tx,
            path: path.to_path_buf(),
            index,
        })
    }

    /// The default location: `$XDG_DATA_HOME/portolan/portolan.sqlite3`.
    pub fn default_path() -> Option<PathBuf> {
        directories::ProjectDirs::from("org", "Portolan", "portolan")
            .map(|d| d.data_dir().join("portolan.sqlite3"))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Waits until everything committed so far can be found by a search (the index is kept
    /// up by a thread of its own, a moment behind the store).
    pub fn wait_for_index(&self) -> Result<(), StoreError> {
        self.index.wait()
    }

    /// Runs `f` on the store thread and hands its result to `reply` there. The UI passes a
    /// reply that forwards to its event channel.
    pub fn run<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut rusqlite::Connection) -> R + Send + 'static,
        reply: impl FnOnce(R) + Send + 'static,
    ) {
        let _ = self.jobs.send(Box::new(move |c| reply(f(c))));
    }

    /// Runs `f` on the store thread and waits for it: for the command line and tests only.
    pub fn call<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut rusqlite::Connection) -> R + Send + 'static,
    ) -> Result<R, StoreError> {
        let (tx, rx) = mpsc::sync_channel(1);
        self.jobs
            .send(Box::new(move |c| {
                let _ = tx.send(f(c));
            }))
            .map_err(|_| StoreError::Gone)?;
        rx.recv().map_err(|_| StoreError::Gone)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_migrates_and_reopens() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("sub/db.sqlite3");
        let store = Store::open(&path).expect("open");
        let version = store
            .call(|c| c.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0)))
            .expect("call")
            .expect("pragma");
        assert_eq!(version, migrations::LATEST);
        store
            .call(|c| records::set_setting(c, "theme", "dark"))
            .expect("call")
            .expect("set");
        drop(store);
        let store = Store::open(&path).expect("reopen");
        let theme = store
            .call(|c| records::get_setting(c, "theme"))
            .expect("call")
            .expect("get");
        assert_eq!(theme.as_deref(), Some("dark"));
    }

    #[test]
    fn unwritable_location_is_a_clear_error() {
        let dir = tempfile::tempdir().expect("tmp");
        let file = dir.path().join("file");
        std::fs::write(&file, b"x").expect("write");
        let err = Store::open(&file.join("db.sqlite3")).unwrap_err();
        assert!(err.to_string().contains("cannot create"), "{err}");
    }
}
