//! The Terminal panel's session directory: saved hosts with how to talk to them.

use rusqlite::{Connection, params};

/// A saved Telnet host. Whenever this host and port are opened (from the directory, the bar
/// or a link) its settings apply: they are the per-host overrides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TelnetHost {
    pub id: i64,
    pub name: String,
    pub host: String,
    pub port: u16,
    /// TLS from the first byte (telnets).
    pub tls: bool,
    /// `auto`, `utf-8`, `cp437` or `latin1`.
    pub charset: String,
    /// Local echo and line editing: `auto` (when the host does not echo), `on` or `off`.
    pub echo: String,
    /// The host may put text on the clipboard (OSC 52) without asking each time.
    pub clipboard: bool,
    pub notes: String,
}

impl Default for TelnetHost {
    fn default() -> TelnetHost {
        TelnetHost {
            id: 0,
            name: String::new(),
            host: String::new(),
            port: 23,
            tls: false,
            charset: "auto".into(),
            echo: "auto".into(),
            clipboard: false,
            notes: String::new(),
        }
    }
}

/// Inserts a new entry (id 0) or updates a saved one; returns its id.
pub fn save(c: &Connection, h: &TelnetHost) -> rusqlite::Result<i64> {
    c.execute(
        "INSERT INTO telnet_hosts(id, name, host, port, tls, charset, echo, clipboard, notes)
         VALUES (NULLIF(?1, 0), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT(id) DO UPDATE SET name=excluded.name, host=excluded.host,
             port=excluded.port, tls=excluded.tls, charset=excluded.charset,
             echo=excluded.echo, clipboard=excluded.clipboard, notes=excluded.notes",
        params![
            h.id,
            h.name,
            h.host,
            h.port,
            h.tls,
            h.charset,
            h.echo,
            h.clipboard,
            h.notes
        ],
    )?;
    Ok(if h.id > 0 {
        h.id
    } else {
        c.last_insert_rowid()
    })
}

pub fn delete(c: &Connection, id: i64) -> rusqlite::Result<()> {
    c.execute("DELETE FROM telnet_hosts WHERE id = ?1", [id])?;
    Ok(())
}

pub fn all(c: &Connection) -> rusqlite::Result<Vec<TelnetHost>> {
    let mut st = c.prepare(
        "SELECT id, name, host, port, tls, charset, echo, clipboard, notes
         FROM telnet_hosts ORDER BY name COLLATE NOCASE",
    )?;
    st.query_map([], |r| {
        Ok(TelnetHost {
            id: r.get(0)?,
            name: r.get(1)?,
            host: r.get(2)?,
            port: r.get(3)?,
            tls: r.get(4)?,
            charset: r.get(5)?,
            echo: r.get(6)?,
            clipboard: r.get(7)?,
            notes: r.get(8)?,
        })
    })?
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_is_saved_changed_listed_and_deleted() {
        let mut c = Connection::open_in_memory().expect("db");
        crate::store::migrations::migrate(&mut c).expect("migrate");
        let mut h = TelnetHost {
            name: "Local BBS".into(),
            host: "localhost".into(),
            port: 2323,
            charset: "cp437".into(),
            ..TelnetHost::default()
        };
        h.id = save(&c, &h).expect("insert");
        h.clipboard = true;
        h.notes = "sysop: me".into();
        assert_eq!(save(&c, &h).expect("update"), h.id);
        assert_eq!(all(&c).expect("list"), vec![h.clone()]);
        delete(&c, h.id).expect("delete");
        assert!(all(&c).expect("list").is_empty());
    }
}
