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
];

/// The schema version this build writes.
#[cfg_attr(not(test), allow(dead_code))]
pub const LATEST: i64 = STEPS.len() as i64;

pub fn migrate(conn: &mut rusqlite::Connection) -> rusqlite::Result<()> {
    let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    for (i, step) in STEPS
        .iter()
        .enumerate()
        .skip(usize::try_from(current).unwrap_or(0))
    {
        let tx = conn.transaction()?;
        tx.execute_batch(step)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}
