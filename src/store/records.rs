//! Typed reads and writes of the foundation's tables. Each runs on the store thread.

use rusqlite::{Connection, OptionalExtension as _, params};

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

pub fn get_setting(c: &Connection, key: &str) -> rusqlite::Result<Option<String>> {
    c.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
        r.get(0)
    })
    .optional()
}

pub fn set_setting(c: &Connection, key: &str, value: &str) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO settings(key, value) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

/// Writes `rows` and removes the per-host charset rows that are not among them.
pub fn replace_settings(c: &mut Connection, rows: &[(String, String)]) -> rusqlite::Result<()> {
    let tx = c.transaction()?;
    tx.execute("DELETE FROM settings WHERE key LIKE 'charset.%'", [])?;
    for (k, v) in rows {
        set_setting(&tx, k, v)?;
    }
    tx.commit()
}

pub fn all_settings(c: &Connection) -> rusqlite::Result<Vec<(String, String)>> {
    let mut st = c.prepare("SELECT key, value FROM settings ORDER BY key")?;
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect()
}

/// A saved link, in a folder (`""` is the top level; `a/b` nests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bookmark {
    pub id: i64,
    pub folder: String,
    pub title: String,
    pub url: String,
}

pub fn add_bookmark(c: &Connection, folder: &str, title: &str, url: &str) -> rusqlite::Result<i64> {
    c.execute(
        "INSERT INTO bookmarks(folder, title, url, created) VALUES (?1, ?2, ?3, ?4)",
        params![folder, title, url, now()],
    )?;
    Ok(c.last_insert_rowid())
}

pub fn update_bookmark(c: &Connection, b: &Bookmark) -> rusqlite::Result<()> {
    c.execute(
        "UPDATE bookmarks SET folder = ?2, title = ?3, url = ?4 WHERE id = ?1",
        params![b.id, b.folder, b.title, b.url],
    )?;
    Ok(())
}

pub fn delete_bookmark(c: &Connection, id: i64) -> rusqlite::Result<()> {
    c.execute("DELETE FROM bookmarks WHERE id = ?1", [id])?;
    Ok(())
}

pub fn bookmarks(c: &Connection) -> rusqlite::Result<Vec<Bookmark>> {
    let mut st =
        c.prepare("SELECT id, folder, title, url FROM bookmarks ORDER BY folder, title")?;
    st.query_map([], |r| {
        Ok(Bookmark {
            id: r.get(0)?,
            folder: r.get(1)?,
            title: r.get(2)?,
            url: r.get(3)?,
        })
    })?
    .collect()
}

/// One visited URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    pub url: String,
    pub title: String,
    pub visits: i64,
    pub last_visit: i64,
}

pub fn record_visit(c: &Connection, url: &str, title: &str) -> rusqlite::Result<()> {
    c.execute(
        "INSERT INTO history(url, title, visits, last_visit) VALUES (?1, ?2, 1, ?3)
         ON CONFLICT(url) DO UPDATE SET visits = visits + 1, last_visit = excluded.last_visit,
           title = CASE WHEN excluded.title = '' THEN title ELSE excluded.title END",
        params![url, title, now()],
    )?;
    Ok(())
}

pub fn history(c: &Connection, limit: usize) -> rusqlite::Result<Vec<HistoryEntry>> {
    let mut st = c.prepare(
        "SELECT url, title, visits, last_visit FROM history ORDER BY last_visit DESC, id DESC LIMIT ?1",
    )?;
    st.query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
        Ok(HistoryEntry {
            url: r.get(0)?,
            title: r.get(1)?,
            visits: r.get(2)?,
            last_visit: r.get(3)?,
        })
    })?
    .collect()
}

pub fn clear_history(c: &Connection) -> rusqlite::Result<()> {
    c.execute("DELETE FROM history", [])?;
    Ok(())
}

/// A certificate the user chose to always trust for a host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertPin {
    pub host: String,
    pub fingerprint: String,
    pub subject: String,
}

pub fn add_pin(c: &Connection, pin: &CertPin) -> rusqlite::Result<()> {
    c.execute(
        "INSERT OR REPLACE INTO cert_pins(host, fingerprint, subject, added) VALUES (?1, ?2, ?3, ?4)",
        params![pin.host, pin.fingerprint, pin.subject, now()],
    )?;
    Ok(())
}

pub fn pins(c: &Connection) -> rusqlite::Result<Vec<CertPin>> {
    let mut st = c.prepare("SELECT host, fingerprint, subject FROM cert_pins ORDER BY host")?;
    st.query_map([], |r| {
        Ok(CertPin {
            host: r.get(0)?,
            fingerprint: r.get(1)?,
            subject: r.get(2)?,
        })
    })?
    .collect()
}

pub fn delete_pin(c: &Connection, host: &str, fingerprint: &str) -> rusqlite::Result<()> {
    c.execute(
        "DELETE FROM cert_pins WHERE host = ?1 AND fingerprint = ?2",
        params![host, fingerprint],
    )?;
    Ok(())
}

/// A saved FTP site (the password is in the secrets store under [`Site::secret_key`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    pub id: i64,
    pub name: String,
    pub host: String,
    pub port: u16,
    pub user: String,
    /// `auto`, `require`, `implicit` or `plain`.
    pub tls: String,
    pub passive: bool,
    pub remote_dir: String,
    pub local_dir: String,
    /// How names that are not UTF-8 are shown: a [`crate::charset::Charset`] label, or empty
    /// to detect.
    pub charset: String,
    /// Transfers to this site that run at once, each on its own connection.
    pub max_parallel: u32,
}

/// Transfers a site runs at once unless its settings say otherwise.
pub const DEFAULT_PARALLEL: u32 = 3;

impl Default for Site {
    fn default() -> Site {
        Site {
            id: 0,
            name: String::new(),
            host: String::new(),
            port: 21,
            user: String::new(),
            tls: "auto".into(),
            passive: true,
            remote_dir: String::new(),
            local_dir: String::new(),
            charset: String::new(),
            max_parallel: DEFAULT_PARALLEL,
        }
    }
}

impl Site {
    /// Where this site's password is kept in the secrets store.
    pub fn secret_key(&self) -> String {
        format!("ftp://{}@{}:{}", self.user, self.host, self.port)
    }
}

/// Inserts a new site (id 0) or updates a saved one; returns its id.
pub fn save_site(c: &Connection, site: &Site) -> rusqlite::Result<i64> {
    c.execute(
        "INSERT INTO sites(id, name, host, port, user, tls, passive, remote_dir, local_dir,
                           charset, max_parallel)
         VALUES (NULLIF(?1, 0), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT(id) DO UPDATE SET name=excluded.name, host=excluded.host,
             port=excluded.port, user=excluded.user, tls=excluded.tls,
             passive=excluded.passive, remote_dir=excluded.remote_dir,
             local_dir=excluded.local_dir, charset=excluded.charset,
             max_parallel=excluded.max_parallel",
        params![
            site.id,
            site.name,
            site.host,
            site.port,
            site.user,
            site.tls,
            site.passive,
            site.remote_dir,
            site.local_dir,
            site.charset,
            site.max_parallel
        ],
    )?;
    Ok(if site.id > 0 {
        site.id
    } else {
        c.last_insert_rowid()
    })
}

pub fn delete_site(c: &Connection, id: i64) -> rusqlite::Result<()> {
    c.execute("DELETE FROM sites WHERE id = ?1", [id])?;
    Ok(())
}

pub fn sites(c: &Connection) -> rusqlite::Result<Vec<Site>> {
    let mut st = c.prepare(
        "SELECT id, name, host, port, user, tls, passive, remote_dir, local_dir, charset,
         max_parallel FROM sites ORDER BY name",
    )?;
    st.query_map([], |r| {
        Ok(Site {
            id: r.get(0)?,
            name: r.get(1)?,
            host: r.get(2)?,
            port: r.get(3)?,
            user: r.get(4)?,
            tls: r.get(5)?,
            passive: r.get(6)?,
            remote_dir: r.get(7)?,
            local_dir: r.get(8)?,
            charset: r.get(9)?,
            max_parallel: r.get(10)?,
        })
    })?
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Connection {
        let mut c = Connection::open_in_memory().expect("mem");
        super::super::migrations::migrate(&mut c).expect("migrate");
        c
    }

    #[test]
    fn bookmarks_crud() {
        let c = db();
        let id = add_bookmark(&c, "gopher", "Home", "gopher://h/").expect("add");
        add_bookmark(&c, "", "Web", "http://h/").expect("add");
        let mut all = bookmarks(&c).expect("list");
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].title, "Web");
        all[1].title = "Renamed".into();
        update_bookmark(&c, &all[1]).expect("update");
        assert!(
            bookmarks(&c)
                .expect("list")
                .iter()
                .any(|b| b.title == "Renamed")
        );
        delete_bookmark(&c, id).expect("delete");
        assert_eq!(bookmarks(&c).expect("list").len(), 1);
    }

    #[test]
    fn history_counts_visits_and_keeps_titles() {
        let c = db();
        record_visit(&c, "gopher://a/", "A").expect("visit");
        record_visit(&c, "gopher://a/", "").expect("visit");
        record_visit(&c, "gopher://b/", "B").expect("visit");
        let h = history(&c, 10).expect("history");
        assert_eq!(h.len(), 2);
        let a = h.iter().find(|e| e.url == "gopher://a/").expect("a");
        assert_eq!((a.visits, a.title.as_str()), (2, "A"));
        clear_history(&c).expect("clear");
        assert!(history(&c, 10).expect("history").is_empty());
    }

    #[test]
    fn sites_round_trip_without_passwords() {
        let c = db();
        let mut site = Site {
            name: "Local".into(),
            host: "localhost".into(),
            port: 2121,
            user: "tester".into(),
            tls: "require".into(),
            passive: true,
            ..Site::default()
        };
        site.id = save_site(&c, &site).expect("insert");
        assert_eq!(sites(&c).expect("list")[0].max_parallel, 3);
        site.remote_dir = "/dir".into();
        site.charset = "CP437".into();
        site.max_parallel = 5;
        save_site(&c, &site).expect("update");
        assert_eq!(sites(&c).expect("list"), vec![site.clone()]);
        assert_eq!(site.secret_key(), "ftp://tester@localhost:2121");
        delete_site(&c, site.id).expect("delete");
        assert!(sites(&c).expect("list").is_empty());
    }

    #[test]
    fn pins_round_trip() {
        let c = db();
        let pin = CertPin {
            host: "localhost".into(),
            fingerprint: "AB:CD".into(),
            subject: "CN=localhost".into(),
        };
        add_pin(&c, &pin).expect("add");
        add_pin(&c, &pin).expect("idempotent");
        assert_eq!(pins(&c).expect("pins"), vec![pin.clone()]);
        delete_pin(&c, &pin.host, &pin.fingerprint).expect("delete");
        assert!(pins(&c).expect("pins").is_empty());
    }
}
