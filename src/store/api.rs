//! The store thread's typed requests: what the UI and the command line ask of the database,
//! with no SQL and no connection outside `store/`.
//!
//! Each request runs on the store thread and hands its result to a reply closure there; the
//! UI passes one that forwards the result to its event channel, so a frame never waits on the
//! disk. The few loads made before the window opens wait for their answer (`load_*`).

use super::records::{self, Bookmark, CertPin, HistoryEntry, Site};
use super::telnet_hosts::{self, TelnetHost};
use super::{Store, StoreError};

/// Where the answer to a request goes: called on the store thread.
pub trait Reply<T>: FnOnce(Result<T, StoreError>) + Send + 'static {}
impl<T, F: FnOnce(Result<T, StoreError>) + Send + 'static> Reply<T> for F {}

/// A reply that drops the answer: for writes whose failure the caller cannot act on.
pub fn ignore<T>(_: Result<T, StoreError>) {}

impl Store {
    fn request<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut rusqlite::Connection) -> rusqlite::Result<T> + Send + 'static,
        reply: impl Reply<T>,
    ) {
        self.run(move |c| f(c).map_err(StoreError::from), reply);
    }

    fn load<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut rusqlite::Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        Ok(self.call(f)??)
    }

    /// Runs a change and answers with the whole list it changed, in one request, so the
    /// window shows the list as stored.
    fn change_then_list<T: Send + 'static, R>(
        &self,
        change: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<R> + Send + 'static,
        list: fn(&rusqlite::Connection) -> rusqlite::Result<Vec<T>>,
        reply: impl Reply<Vec<T>>,
    ) {
        self.request(
            move |c| {
                change(c)?;
                list(c)
            },
            reply,
        );
    }

    /// Every setting row, before the window opens.
    pub fn load_settings(&self) -> Result<Vec<(String, String)>, StoreError> {
        self.load(|c| records::all_settings(c))
    }

    /// Replaces all settings with `rows` in one transaction (per-host charsets that are no
    /// longer in `rows` are removed).
    pub fn save_settings(&self, rows: Vec<(String, String)>, reply: impl Reply<()>) {
        self.request(move |c| records::replace_settings(c, &rows), reply);
    }

    /// One setting, before the window opens.
    pub fn load_setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        let key = key.to_string();
        self.load(move |c| records::get_setting(c, &key))
    }

    /// One setting, such as the open tabs of the Browser.
    pub fn set_setting(&self, key: &str, value: String, reply: impl Reply<()>) {
        let key = key.to_string();
        self.request(move |c| records::set_setting(c, &key, &value), reply);
    }

    pub fn load_bookmarks(&self) -> Result<Vec<Bookmark>, StoreError> {
        self.load(|c| records::bookmarks(c))
    }

    /// Adds a bookmark; the reply gets the whole new list.
    pub fn add_bookmark(
        &self,
        folder: String,
        title: String,
        url: String,
        reply: impl Reply<Vec<Bookmark>>,
    ) {
        self.change_then_list(
            move |c| records::add_bookmark(c, &folder, &title, &url),
            records::bookmarks,
            reply,
        );
    }

    pub fn update_bookmark(&self, b: Bookmark, reply: impl Reply<Vec<Bookmark>>) {
        self.change_then_list(
            move |c| records::update_bookmark(c, &b),
            records::bookmarks,
            reply,
        );
    }

    pub fn delete_bookmark(&self, id: i64, reply: impl Reply<Vec<Bookmark>>) {
        self.change_then_list(
            move |c| records::delete_bookmark(c, id),
            records::bookmarks,
            reply,
        );
    }

    pub fn load_history(&self, limit: usize) -> Result<Vec<HistoryEntry>, StoreError> {
        self.load(move |c| records::history(c, limit))
    }

    pub fn record_visit(&self, url: String, title: String, reply: impl Reply<()>) {
        self.request(move |c| records::record_visit(c, &url, &title), reply);
    }

    pub fn clear_history(&self, reply: impl Reply<()>) {
        self.request(|c| records::clear_history(c), reply);
    }

    pub fn load_pins(&self) -> Result<Vec<CertPin>, StoreError> {
        self.load(|c| records::pins(c))
    }

    pub fn add_pin(&self, pin: CertPin, reply: impl Reply<()>) {
        self.request(move |c| records::add_pin(c, &pin), reply);
    }

    pub fn load_sites(&self) -> Result<Vec<Site>, StoreError> {
        self.load(|c| records::sites(c))
    }

    /// Saves a new or changed site; the reply gets the whole new list.
    pub fn save_site(&self, site: Site, reply: impl Reply<Vec<Site>>) {
        self.change_then_list(move |c| records::save_site(c, &site), records::sites, reply);
    }

    pub fn delete_site(&self, id: i64, reply: impl Reply<Vec<Site>>) {
        self.change_then_list(move |c| records::delete_site(c, id), records::sites, reply);
    }

    pub fn load_telnet_hosts(&self) -> Result<Vec<TelnetHost>, StoreError> {
        self.load(|c| telnet_hosts::all(c))
    }

    /// Saves a new or changed directory entry; the reply gets the whole new list.
    pub fn save_telnet_host(&self, host: TelnetHost, reply: impl Reply<Vec<TelnetHost>>) {
        self.change_then_list(
            move |c| telnet_hosts::save(c, &host),
            telnet_hosts::all,
            reply,
        );
    }

    pub fn delete_telnet_host(&self, id: i64, reply: impl Reply<Vec<TelnetHost>>) {
        self.change_then_list(
            move |c| telnet_hosts::delete(c, id),
            telnet_hosts::all,
            reply,
        );
    }

    /// Waits until everything queued before it was written (tests, shutdown).
    pub fn flush(&self) {
        let _ = self.call(|_| ());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_reply_with_the_new_lists_and_settings_are_replaced_whole() {
        let dir = tempfile::tempdir().expect("tmp");
        let store = Store::open(&dir.path().join("db.sqlite3")).expect("open");
        let (tx, rx) = std::sync::mpsc::channel();
        store.add_bookmark("f".into(), "T".into(), "gopher://h/".into(), {
            let tx = tx.clone();
            move |r| {
                let _ = tx.send(r.map(|l| l.len()));
            }
        });
        assert_eq!(rx.recv().expect("reply").expect("ok"), 1);
        store.save_settings(
            vec![
                ("theme".into(), "Dark".into()),
                ("charset.a".into(), "CP437".into()),
            ],
            ignore,
        );
        store.save_settings(vec![("theme".into(), "Light".into())], ignore);
        let rows = store.load_settings().expect("rows");
        assert_eq!(rows, vec![("theme".to_string(), "Light".to_string())]);
    }
}
