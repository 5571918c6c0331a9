//! The Mail panel, reading half: accounts and their folders on the left, the message list
//! (virtualized, sortable, searchable) and the reader on the right. The workers sync into the
//! store; the panel reads the store and never waits on the network or the disk in a frame.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use egui::RichText;
use poll_promise::Promise;
use tokio::sync::mpsc::UnboundedSender;

use super::{Panel, PanelContext, PanelEvent, ShellAction, Toast};
use crate::document::Document;
use crate::link::{Link, PanelKind};
use crate::mail::render::{self, Rendered};
use crate::mail::search::Query;
use crate::proto::tls::TlsMode;
use crate::secrets::Secrets;
use crate::store::Store;
use crate::store::mail::{Account, FolderRow, Identity, MessageRow, Sort};
use crate::workers::mail::{self as worker, FolderChange, MailCommand, MailEvent};
use crate::workers::mail_setup::{self, Found};
use crate::workers::{MappedSink, Services};

mod writing;

/// Messages being dragged from the list (their store ids), to drop on a folder.
#[derive(Debug, Clone)]
struct DraggedMessages(Vec<i64>);

/// The retry id the outbox's certificate questions come back with.
const OUTBOX_RETRY: u64 = u64::MAX;

/// Asks where to save a file named so; `None` when the user cancels (or there is no dialog).
pub type SaveDialog = Arc<dyn Fn(&str) -> Option<PathBuf> + Send + Sync>;
/// Asks for a folder to save every attachment into.
pub type FolderDialog = Arc<dyn Fn() -> Option<PathBuf> + Send + Sync>;

/// What comes back to the panel.
#[derive(Debug)]
pub enum MailPanelEvent {
    Worker(Box<MailEvent>),
    Accounts(Vec<Account>),
    Messages {
        folder: i64,
        generation: u64,
        /// The error went to its own event already.
        rows: Result<Vec<MessageRow>, ()>,
    },
    Search {
        generation: u64,
        /// The error went to its own event already.
        rows: Result<Vec<MessageRow>, ()>,
    },
    /// Rows the server's SEARCH found, to add to the cache's results.
    ServerFound {
        generation: u64,
        rows: Vec<MessageRow>,
    },
    CachedBody {
        message: i64,
        /// The cached message and whether it is only its beginning.
        raw: Option<(Vec<u8>, bool)>,
    },
    Password {
        account: i64,
        password: Option<String>,
    },
    Saved {
        account: Box<Account>,
        password: String,
    },
    Probed(Vec<Found>),
    Rendered(Box<RenderedBody>),
    RemoteImage {
        message: i64,
        url: String,
        bytes: Vec<u8>,
    },
    Error(String),
    Writing(writing::WritingEvent),
}

/// The account being added or edited.
struct Editor {
    account: Account,
    address: String,
    display_name: String,
    signature: String,
    password: String,
    port: String,
    smtp_port: String,
    probing: bool,
    found: Vec<Found>,
    error: Option<String>,
}

impl Editor {
    fn new(account: Account) -> Editor {
        let ident = account.identities.first().cloned().unwrap_or_default();
        Editor {
            port: account.port.to_string(),
            smtp_port: account.smtp_port.to_string(),
            address: ident.address,
            display_name: ident.name,
            signature: ident.signature,
            account,
            password: String::new(),
            probing: false,
            found: Vec::new(),
            error: None,
        }
    }
}

/// A folder being made, renamed or deleted: the small window that asks.
struct FolderEdit {
    account: i64,
    kind: FolderEditKind,
    name: String,
}

enum FolderEditKind {
    /// A new folder; `parent` is the parent's name with its delimiter, or empty.
    Create {
        parent: String,
    },
    Rename {
        from: String,
    },
    Delete {
        name: String,
    },
}

impl FolderEdit {
    fn new(account: i64, kind: FolderEditKind) -> FolderEdit {
        let name = match &kind {
            FolderEditKind::Rename { from } => from.clone(),
            _ => String::new(),
        };
        FolderEdit {
            account,
            kind,
            name,
        }
    }
}

/// The message in the reader.
struct Reader {
    row: MessageRow,
    raw: Option<Vec<u8>>,
    rendered: Option<Rendered>,
    html: Option<Document>,
    view: crate::ui::widgets::document_view::DocumentViewState,
    raw_view: bool,
    remote_loaded: Vec<(String, Vec<u8>)>,
    show_remote: bool,
    /// The message's own images (cid:), decoded once.
    inline: Vec<(usize, egui::load::Bytes)>,
    /// A charset the reader chose for this message's text.
    charset: Option<String>,
    /// The raw source as text, made once when the message arrived.
    raw_text: String,
}

/// An attachment save in flight: the dialog and the write run on a thread.
type Saving = Promise<Option<Result<PathBuf, String>>>;

pub struct MailPanel {
    services: Services,
    store: Store,
    secrets: Secrets,
    events: MappedSink<MailPanelEvent, crate::ui::app::AppEvent>,
    accounts: Vec<Account>,
    workers: HashMap<i64, UnboundedSender<MailCommand>>,
    folders: HashMap<i64, Vec<FolderRow>>,
    /// Account states for the sidebar: "connected (TLS)", "offline: ...".
    account_state: HashMap<i64, String>,
    reports: HashMap<i64, Vec<String>>,
    needs_password: HashMap<i64, String>,
    /// Passwords of this run, to start a worker again after the certificate was trusted.
    passwords: HashMap<i64, String>,
    open: Option<FolderRow>,
    rows: Vec<MessageRow>,
    /// Unread messages among the shown ones.
    unread: usize,
    /// Rows hidden while the server is asked to move or delete them.
    hidden: HashSet<i64>,
    /// Indexes into `rows` of what is shown, recomputed when rows or `hidden` change.
    visible: Vec<usize>,
    selected: HashSet<i64>,
    anchor: Option<usize>,
    sort: Sort,
    /// The list shows conversations.
    threads: bool,
    /// The list shows every account's INBOX together.
    unified: bool,
    /// Show the plain-text part of a message that has both.
    prefer_plain: bool,
    generation: u64,
    /// The generation of the rows being loaded (a folder's, or a search's), if a load is
    /// under way.
    loading: Option<u64>,
    /// A sync stored more while rows were being loaded: load again once they are shown.
    refresh_again: bool,
    /// Rows the server's SEARCH found for the current search.
    server_found: Vec<MessageRow>,
    /// Numbers the server searches asked, so only the newest one's answer is shown. Apart
    /// from `generation`: the cache's results are loaded again after each batch a sync
    /// stores, and the server's answer to the typed search stays good meanwhile.
    server_generation: u64,
    /// Server searches sent, for [`Self::server_searches`].
    server_asks: u64,
    /// The secrets' state last seen, to notice the password file being unlocked.
    secrets_seen: crate::secrets::SecretsState,
    search: String,
    searched: String,
    searching: bool,
    reader: Option<Reader>,
    editor: Option<Editor>,
    folder_edit: Option<FolderEdit>,
    remote_ok: HashSet<String>,
    save_dialog: SaveDialog,
    folder_dialog: FolderDialog,
    saving: Option<Saving>,
    last_saved: Option<PathBuf>,
    notice: Option<String>,
    status: String,
    actions: Vec<ShellAction>,
    writing: writing::Writing,
}

fn rfd_save() -> SaveDialog {
    Arc::new(|name: &str| rfd::FileDialog::new().set_file_name(name).save_file())
}

fn rfd_folder() -> FolderDialog {
    Arc::new(|| rfd::FileDialog::new().pick_folder())
}

impl MailPanel {
    pub fn from_context(ctx: &PanelContext) -> anyhow::Result<MailPanel> {
        let accounts = ctx.store.load_accounts()?;
        let remote_ok = ctx
            .store
            .load_setting("mail.remote_content_senders")?
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_string)
            .collect();
        let mut panel = MailPanel {
            services: ctx.services.clone(),
            store: ctx.store.clone(),
            secrets: ctx.secrets.clone(),
            events: ctx.sink(PanelKind::Mail),
            accounts: Vec::new(),
            workers: HashMap::new(),
            folders: HashMap::new(),
            account_state: HashMap::new(),
            reports: HashMap::new(),
            needs_password: HashMap::new(),
            passwords: HashMap::new(),
            open: None,
            rows: Vec::new(),
            unread: 0,
            hidden: HashSet::new(),
            visible: Vec::new(),
            selected: HashSet::new(),
            anchor: None,
            sort: Sort::default(),
            threads: false,
            unified: false,
            prefer_plain: false,
            generation: 0,
            loading: None,
            refresh_again: false,
            server_found: Vec::new(),
            server_generation: 0,
            server_asks: 0,
            secrets_seen: crate::secrets::SecretsState::Unknown,
            search: String::new(),
            searched: String::new(),
            searching: false,
            reader: None,
            editor: None,
            folder_edit: None,
            remote_ok,
            save_dialog: rfd_save(),
            folder_dialog: rfd_folder(),
            saving: None,
            last_saved: None,
            notice: None,
            status: String::new(),
            actions: Vec::new(),
            writing: writing::Writing::new(ctx)?,
        };
        panel.set_accounts(accounts);
        Ok(panel)
    }

    /// Replaces the dialogs (tests answer them without a desktop).
    pub fn set_dialogs(&mut self, save: SaveDialog, folder: FolderDialog) {
        self.save_dialog = save;
        self.folder_dialog = folder;
    }

    pub fn accounts(&self) -> &[Account] {
        &self.accounts
    }

    /// The messages shown now, in order.
    pub fn shown(&self) -> Vec<&MessageRow> {
        self.visible
            .iter()
            .filter_map(|i| self.rows.get(*i))
            .collect()
    }

    /// Shows `rows` as the open folder's list, as a sync would: for benchmarks, which measure
    /// the list without a server.
    pub fn show_rows(&mut self, folder: FolderRow, rows: Vec<MessageRow>) {
        self.open = Some(folder);
        self.set_rows(rows);
    }

    /// How many server searches the panel has asked for so far: a search shown is sent to
    /// the server when typed and after a sync that changed the folder, not on every load.
    pub fn server_searches(&self) -> u64 {
        self.server_asks
    }

    /// The path the last attachment was saved to.
    pub fn last_saved(&self) -> Option<&PathBuf> {
        self.last_saved.as_ref()
    }

    fn set_accounts(&mut self, accounts: Vec<Account>) {
        for a in &accounts {
            if !self.workers.contains_key(&a.id) && !self.needs_password.contains_key(&a.id) {
                self.folders.entry(a.id).or_default();
                self.load_folders(a.id);
                let events = self.events.clone();
                let id = a.id;
                self.secrets.get(a.secret_key(), move |password| {
                    events.send(MailPanelEvent::Password {
                        account: id,
                        password,
                    });
                });
            }
        }
        self.accounts = accounts;
    }

    fn load_folders(&self, account: i64) {
        let events = self.events.clone();
        self.store.mail_folders(account, move |r| match r {
            Ok(folders) => events.send(MailPanelEvent::Worker(Box::new(MailEvent::Folders {
                account,
                folders,
            }))),
            Err(e) => events.send(MailPanelEvent::Error(e.to_string())),
        });
    }

    fn start_worker(&mut self, account: i64, password: String) {
        let Some(a) = self.accounts.iter().find(|a| a.id == account).cloned() else {
            return;
        };
        if let Some(old) = self.workers.remove(&account) {
            let _ = old.send(MailCommand::Stop);
        }
        self.passwords.insert(account, password.clone());
        self.writing.password(account, password.clone());
        let tx = worker::spawn(
            &self.services,
            self.store.clone(),
            a.clone(),
            password,
            self.events
                .clone()
                .contramap(|e| MailPanelEvent::Worker(Box::new(e))),
        );
        self.account_state
            .insert(account, format!("connecting to {}…", a.host));
        if let Some(open) = self.open.as_ref().filter(|f| f.account == account) {
            let _ = tx.send(MailCommand::Open(open.clone()));
        }
        self.workers.insert(account, tx);
    }

    fn send(&self, account: i64, command: MailCommand) {
        if let Some(w) = self.workers.get(&account) {
            let _ = w.send(command);
        }
    }

    fn open_folder(&mut self, folder: FolderRow) {
        self.unified = false;
        self.search.clear();
        self.searched.clear();
        self.reader = None;
        self.selected.clear();
        // What the last folder's sync said is not this one's.
        self.status.clear();
        self.forget_server_search();
        self.send(folder.account, MailCommand::Open(folder.clone()));
        self.open = Some(folder);
        self.reload();
    }

    /// Reads the open folder's rows from the store (after a sync stored some), or runs the
    /// shown search again over the cache. The server is not asked again: its answer to the
    /// search holds until the search changes or a sync ends ([`Self::ask_server`]).
    fn reload(&mut self) {
        if !self.searched.is_empty() || self.unified {
            self.search_cache();
            return;
        }
        let Some(folder) = &self.open else { return };
        // The account's Sent folder, whose replies join the conversations.
        let sent = self
            .folders
            .get(&folder.account)
            .and_then(|fs| fs.iter().find(|f| f.role.as_deref() == Some("sent")))
            .map(|f| f.id);
        self.generation += 1;
        self.loading = Some(self.generation);
        let (events, generation, id) = (self.events.clone(), self.generation, folder.id);
        self.store
            .mail_messages(id, self.sort, self.threads, sent, move |r| match r {
                Ok(rows) => events.send(MailPanelEvent::Messages {
                    folder: id,
                    generation,
                    rows: Ok(rows),
                }),
                Err(e) => {
                    events.send(MailPanelEvent::Error(e.to_string()));
                    events.send(MailPanelEvent::Messages {
                        folder: id,
                        generation,
                        rows: Err(()),
                    });
                }
            });
    }

    /// [`Self::reload`] after a sync stored rows, one load at a time. A large sync reports
    /// progress faster than 100,000 rows load: a load asked for each report would make the
    /// one before it stale before it arrived, and the list would stay as it was until the
    /// sync ended, while the store thread loaded rows nobody saw.
    fn refresh(&mut self) {
        if self.loading.is_some() {
            self.refresh_again = true;
        } else {
            self.reload();
        }
    }

    /// Runs the search typed (or the unified view's): over the cache, and on the server for
    /// what the cache does not have.
    fn run_search(&mut self) {
        self.searched = self.search.trim().to_string();
        self.forget_server_search();
        if self.searched.is_empty() && !self.unified {
            self.reload();
            return;
        }
        self.ask_server();
        self.search_cache();
    }

    /// Drops the server's finds for the search shown, and any answer still to come.
    fn forget_server_search(&mut self) {
        self.server_generation += 1;
        self.server_found.clear();
    }

    /// Asks the server to search the open folder for the search shown, if any. The finds it
    /// had stay shown until the answer replaces them. Asked when the search is typed and
    /// after a sync of the open folder stored or changed messages (the server may find them
    /// in bodies the cache does not have), not after each batch of a sync: a large one
    /// stores a batch every tenth of a second.
    fn ask_server(&mut self) {
        // The server searches the bodies the cache does not have; its finds are added.
        if !self.unified
            && !self.searched.is_empty()
            && let Some(folder) = self.open.clone()
        {
            self.server_generation += 1;
            self.server_asks += 1;
            self.send(
                folder.account,
                MailCommand::Search {
                    folder,
                    query: Query::parse(&self.searched),
                    generation: self.server_generation,
                },
            );
        }
    }

    /// The search shown, over the cache.
    fn search_cache(&mut self) {
        self.generation += 1;
        self.loading = Some(self.generation);
        self.searching = true;
        let (events, generation) = (self.events.clone(), self.generation);
        // Every INBOX for the unified view; else the open folder, or all folders.
        let folders = if self.unified {
            self.inbox_ids()
        } else {
            self.open.as_ref().map(|f| vec![f.id]).unwrap_or_default()
        };
        // As-you-type results: the newest 2,000 matches, enough to scroll; typing narrows them.
        let limit = if self.searched.is_empty() {
            200_000
        } else {
            2000
        };
        self.store.mail_search(
            folders,
            Query::parse(&self.searched),
            limit,
            move |r| match r {
                Ok(rows) => events.send(MailPanelEvent::Search {
                    generation,
                    rows: Ok(rows),
                }),
                Err(e) => {
                    events.send(MailPanelEvent::Error(e.to_string()));
                    events.send(MailPanelEvent::Search {
                        generation,
                        rows: Err(()),
                    });
                }
            },
        );
    }

    fn inbox_ids(&self) -> Vec<i64> {
        let ids: Vec<i64> = self
            .folders
            .values()
            .flatten()
            .filter(|f| f.role.as_deref() == Some("inbox"))
            .map(|f| f.id)
            .collect();
        // No INBOX known yet: an id that matches nothing, not "every folder".
        if ids.is_empty() { vec![-1] } else { ids }
    }

    /// Shows every account's INBOX in one list, newest first.
    fn open_unified(&mut self) {
        self.unified = true;
        self.open = None;
        self.search.clear();
        self.reader = None;
        self.selected.clear();
        for account in self.workers.keys() {
            self.send(*account, MailCommand::Refresh);
        }
        self.run_search();
    }

    /// When the encrypted password file is unlocked (once per run), accounts that found no
    /// saved password at startup ask again, and connect without the user typing it.
    fn watch_secrets(&mut self) {
        let state = self.secrets.state();
        if state == crate::secrets::SecretsState::Unknown || state == self.secrets_seen {
            return;
        }
        let was_locked = self.secrets_seen == crate::secrets::SecretsState::Locked;
        self.secrets_seen = state;
        if was_locked && state == crate::secrets::SecretsState::File {
            let waiting: Vec<i64> = self
                .needs_password
                .iter()
                .filter(|(_, typed)| typed.is_empty())
                .map(|(id, _)| *id)
                .collect();
            for id in waiting {
                if let Some(a) = self.accounts.iter().find(|a| a.id == id) {
                    self.needs_password.remove(&id);
                    let events = self.events.clone();
                    self.secrets.get(a.secret_key(), move |password| {
                        events.send(MailPanelEvent::Password {
                            account: id,
                            password,
                        });
                    });
                }
            }
        }
    }

    /// Adds what the server's SEARCH found and the cache did not.
    fn merge_server_found(&mut self) {
        if self.server_found.is_empty() {
            return;
        }
        let known: HashSet<i64> = self.rows.iter().map(|r| r.id).collect();
        let extra: Vec<MessageRow> = self
            .server_found
            .iter()
            .filter(|r| !known.contains(&r.id))
            .cloned()
            .collect();
        if !extra.is_empty() {
            self.rows.extend(extra);
            self.rows.sort_by_key(|r| std::cmp::Reverse(r.date));
            self.refilter();
        }
    }

    fn set_rows(&mut self, rows: Vec<MessageRow>) {
        self.rows = rows;
        self.refilter();
        // The reader follows its message's new flags.
        if let Some(r) = &mut self.reader
            && let Some(row) = self.rows.iter().find(|m| m.id == r.row.id)
        {
            r.row = row.clone();
        }
    }

    /// The last sync's or action's words, after what the list shows.
    fn status_tail(&self) -> String {
        if self.status.is_empty() {
            String::new()
        } else {
            format!(" · {}", self.status)
        }
    }

    /// Recomputes what is shown and its unread count, when rows or flags change (the status
    /// bar reads the count each frame; it is not counted there).
    fn refilter(&mut self) {
        self.visible = (0..self.rows.len())
            .filter(|i| !self.hidden.contains(&self.rows[*i].id))
            .collect();
        self.unread = self.visible.iter().filter(|i| !self.rows[**i].seen).count();
    }

    fn show_message(&mut self, row: MessageRow) {
        let id = row.id;
        self.reader = Some(Reader {
            row: row.clone(),
            raw: None,
            rendered: None,
            html: None,
            view: crate::ui::widgets::document_view::DocumentViewState::default(),
            raw_view: false,
            remote_loaded: Vec::new(),
            show_remote: self.remote_ok.contains(&row.from_addr.to_lowercase()),
            inline: Vec::new(),
            charset: None,
            raw_text: String::new(),
        });
        let events = self.events.clone();
        self.store.mail_body(id, move |r| {
            events.send(MailPanelEvent::CachedBody {
                message: id,
                raw: r.ok().flatten(),
            });
        });
        if !row.seen {
            self.set_flag(&[row], "\\Seen", true);
        }
    }

    /// The folder a row belongs to (search results and the unified inbox mix folders).
    fn folder_of(&self, row: &MessageRow) -> Option<FolderRow> {
        self.folders
            .values()
            .flatten()
            .find(|f| f.id == row.folder)
            .cloned()
    }

    /// Rows grouped by their folder, in first-seen order.
    fn by_folder(&self, rows: &[MessageRow]) -> Vec<(FolderRow, Vec<MessageRow>)> {
        let mut out: Vec<(FolderRow, Vec<MessageRow>)> = Vec::new();
        for r in rows {
            let Some(f) = self.folder_of(r) else { continue };
            match out.iter_mut().find(|(g, _)| g.id == f.id) {
                Some((_, list)) => list.push(r.clone()),
                None => out.push((f, vec![r.clone()])),
            }
        }
        out
    }

    fn set_flag(&mut self, rows: &[MessageRow], flag: &'static str, on: bool) {
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        // Shown at once; the worker tells the server and reports a refusal, which reloads.
        for r in &mut self.rows {
            if ids.contains(&r.id) {
                match flag {
                    "\\Seen" => r.seen = on,
                    _ => r.flagged = on,
                }
            }
        }
        self.refilter();
        let events = self.events.clone();
        self.store.mail_set_flag(ids, flag, on, move |r| {
            if let Err(e) = r {
                events.send(MailPanelEvent::Error(e.to_string()));
            }
        });
        for (folder, list) in self.by_folder(rows) {
            // The store thread runs jobs in order: these counts include the change.
            self.load_folders(folder.account);
            self.send(
                folder.account,
                MailCommand::Flag {
                    folder: folder.name.clone(),
                    uids: list.iter().map(|r| r.uid).collect(),
                    flag,
                    on,
                },
            );
        }
    }

    fn selected_rows(&self) -> Vec<MessageRow> {
        self.rows
            .iter()
            .filter(|r| self.selected.contains(&r.id))
            .cloned()
            .collect()
    }

    /// Moves the selection to `to`, or deletes it (to Trash, or for good where there is none
    /// or it is in Trash already).
    fn move_selected(&mut self, to: Option<&str>) {
        let rows = self.selected_rows();
        if rows.is_empty() {
            return;
        }
        let all: Vec<i64> = rows.iter().map(|r| r.id).collect();
        self.hidden.extend(all.iter().copied());
        self.refilter();
        self.selected.clear();
        if self
            .reader
            .as_ref()
            .is_some_and(|r| all.contains(&r.row.id))
        {
            self.reader = None;
        }
        for (folder, list) in self.by_folder(&rows) {
            let ids: Vec<i64> = list.iter().map(|r| r.id).collect();
            let uids: Vec<u32> = list.iter().map(|r| r.uid).collect();
            let trash = self
                .folders
                .get(&folder.account)
                .and_then(|fs| fs.iter().find(|f| f.role.as_deref() == Some("trash")))
                .map(|f| f.name.clone());
            let command = match to
                .map(str::to_string)
                .or_else(|| trash.filter(|t| *t != folder.name))
            {
                Some(to) => MailCommand::Move {
                    ids,
                    folder: folder.name.clone(),
                    uids,
                    to,
                },
                None => MailCommand::Expunge {
                    ids,
                    folder: folder.name.clone(),
                    uids,
                },
            };
            self.send(folder.account, command);
        }
    }

    /// Messages dropped on a folder: moved there when they are of the same account.
    fn move_to_folder(&mut self, to: &FolderRow, ids: &[i64]) {
        let rows: Vec<MessageRow> = self
            .rows
            .iter()
            .filter(|r| ids.contains(&r.id))
            .cloned()
            .collect();
        let (same, other): (Vec<MessageRow>, Vec<MessageRow>) = rows
            .into_iter()
            .partition(|r| self.folder_of(r).is_some_and(|f| f.account == to.account));
        if !other.is_empty() {
            self.actions.push(ShellAction::Toast(Toast::Warning(
                "Messages move only between folders of the same account.".into(),
            )));
        }
        let same: Vec<MessageRow> = same.into_iter().filter(|r| r.folder != to.id).collect();
        if same.is_empty() {
            return;
        }
        self.selected = same.iter().map(|r| r.id).collect();
        self.move_selected(Some(&to.name));
    }

    fn mark_folder_read(&mut self) {
        let unread: Vec<MessageRow> = self.rows.iter().filter(|r| !r.seen).cloned().collect();
        if !unread.is_empty() {
            self.set_flag(&unread, "\\Seen", true);
        }
    }

    fn sidebar(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.heading("Mail");
            if ui.button("Add account…").clicked() {
                self.editor = Some(Editor::new(Account::default()));
            }
        });
        ui.separator();
        if self.accounts.is_empty() {
            ui.label("No account yet. Add one to read your mail.");
        }
        let mut unified = false;
        if self.accounts.len() > 1 {
            let total: u32 = self
                .folders
                .values()
                .flatten()
                .filter(|f| f.role.as_deref() == Some("inbox"))
                .map(|f| f.unseen)
                .sum();
            let label = if total > 0 {
                format!("📥 All inboxes ({total})")
            } else {
                "📥 All inboxes".into()
            };
            if ui
                .add(egui::Button::selectable(self.unified, label))
                .clicked()
            {
                unified = true;
            }
        }
        let mut open = None;
        let mut dropped: Option<(FolderRow, Vec<i64>)> = None;
        let mut edit = None;
        let mut folder_edit = None;
        let mut folder_change = None;
        let mut connect = None;
        let mut refresh = None;
        egui::ScrollArea::vertical()
            .id_salt("mail-folders")
            .show(ui, |ui| {
                for a in &self.accounts {
                    let state = self.account_state.get(&a.id).cloned().unwrap_or_default();
                    egui::CollapsingHeader::new(RichText::new(&a.name).strong())
                        .id_salt(("account", a.id))
                        .default_open(true)
                        .show(ui, |ui| {
                            if !state.is_empty() {
                                ui.small(&state);
                            }
                            if let Some(pw) = self.needs_password.get_mut(&a.id) {
                                ui.horizontal(|ui| {
                                    let l = ui.label("Password:");
                                    let r = ui
                                        .add(
                                            egui::TextEdit::singleline(pw)
                                                .password(true)
                                                .desired_width(110.0),
                                        )
                                        .labelled_by(l.id);
                                    let enter = r.lost_focus()
                                        && ui.input(|i| i.key_pressed(egui::Key::Enter));
                                    if ui.button("Connect").clicked() || enter {
                                        connect = Some((a.id, pw.clone()));
                                    }
                                });
                            }
                            for f in self
                                .folders
                                .get(&a.id)
                                .map(Vec::as_slice)
                                .unwrap_or_default()
                            {
                                let depth = f
                                    .delimiter
                                    .as_deref()
                                    .filter(|d| !d.is_empty())
                                    .map_or(0, |d| f.name.matches(d).count());
                                let leaf = f
                                    .delimiter
                                    .as_deref()
                                    .filter(|d| !d.is_empty())
                                    .and_then(|d| f.name.rsplit(d).next())
                                    .unwrap_or(&f.name);
                                let icon = match f.role.as_deref() {
                                    Some("inbox") => "📥",
                                    Some("sent") => "📤",
                                    Some("drafts") => "📝",
                                    Some("trash") => "🗑",
                                    Some("junk") => "⚠",
                                    Some("archive") => "🗄",
                                    _ => "📁",
                                };
                                let text = if f.unseen > 0 {
                                    RichText::new(format!("{icon} {leaf} ({})", f.unseen)).strong()
                                } else {
                                    RichText::new(format!("{icon} {leaf}"))
                                };
                                ui.horizontal(|ui| {
                                    ui.add_space(depth as f32 * 12.0);
                                    let is_open = self.open.as_ref().is_some_and(|o| o.id == f.id);
                                    let r = ui.add_enabled(
                                        f.selectable,
                                        egui::Button::selectable(is_open, text),
                                    );
                                    if r.clicked() {
                                        open = Some(f.clone());
                                    }
                                    if f.selectable
                                        && r.dnd_hover_payload::<DraggedMessages>().is_some()
                                    {
                                        ui.painter().rect_stroke(
                                            r.rect,
                                            3.0,
                                            ui.visuals().selection.stroke,
                                            egui::StrokeKind::Outside,
                                        );
                                    }
                                    if f.selectable
                                        && let Some(d) =
                                            crate::ui::widgets::dropped::<DraggedMessages>(&r)
                                    {
                                        dropped = Some((f.clone(), d.0.clone()));
                                    }
                                    if a.kind == "imap" {
                                        r.context_menu(|ui| {
                                            if ui.button("New subfolder…").clicked() {
                                                let d = f
                                                    .delimiter
                                                    .clone()
                                                    .unwrap_or_else(|| "/".into());
                                                folder_edit = Some(FolderEdit::new(
                                                    a.id,
                                                    FolderEditKind::Create {
                                                        parent: format!("{}{d}", f.name),
                                                    },
                                                ));
                                                ui.close();
                                            }
                                            if f.role.as_deref() != Some("inbox") {
                                                if ui.button("Rename…").clicked() {
                                                    folder_edit = Some(FolderEdit::new(
                                                        a.id,
                                                        FolderEditKind::Rename {
                                                            from: f.name.clone(),
                                                        },
                                                    ));
                                                    ui.close();
                                                }
                                                if ui.button("Delete…").clicked() {
                                                    folder_edit = Some(FolderEdit::new(
                                                        a.id,
                                                        FolderEditKind::Delete {
                                                            name: f.name.clone(),
                                                        },
                                                    ));
                                                    ui.close();
                                                }
                                            }
                                            if ui.button("Subscribe").clicked() {
                                                folder_change = Some((
                                                    a.id,
                                                    FolderChange::Subscribe {
                                                        folder: f.name.clone(),
                                                        on: true,
                                                    },
                                                ));
                                                ui.close();
                                            }
                                            if ui.button("Unsubscribe").clicked() {
                                                folder_change = Some((
                                                    a.id,
                                                    FolderChange::Subscribe {
                                                        folder: f.name.clone(),
                                                        on: false,
                                                    },
                                                ));
                                                ui.close();
                                            }
                                        });
                                    }
                                });
                            }
                            ui.horizontal(|ui| {
                                if ui.small_button("Get messages").clicked() {
                                    refresh = Some(a.id);
                                }
                                if ui.small_button("Edit…").clicked() {
                                    edit = Some(a.clone());
                                }
                                if a.kind == "imap" && ui.small_button("New folder…").clicked() {
                                    folder_edit = Some(FolderEdit::new(
                                        a.id,
                                        FolderEditKind::Create {
                                            parent: String::new(),
                                        },
                                    ));
                                }
                            });
                            if let Some(report) = self.reports.get(&a.id) {
                                egui::CollapsingHeader::new("What this server can do")
                                    .id_salt(("caps", a.id))
                                    .show(ui, |ui| {
                                        for line in report {
                                            ui.small(line);
                                        }
                                    });
                            }
                        });
                }
            });
        if let Some(f) = open {
            self.open_folder(f);
        }
        if let Some((to, ids)) = dropped {
            self.move_to_folder(&to, &ids);
        }
        if unified {
            self.open_unified();
        }
        if let Some(a) = edit {
            self.editor = Some(Editor::new(a));
        }
        if folder_edit.is_some() {
            self.folder_edit = folder_edit;
        }
        if let Some((account, change)) = folder_change {
            self.send(account, MailCommand::Folder(change));
        }
        if let Some((id, pw)) = connect {
            self.needs_password.remove(&id);
            if let Some(a) = self.accounts.iter().find(|a| a.id == id) {
                self.secrets.set(a.secret_key(), pw.clone(), |_| {});
            }
            self.start_worker(id, pw);
        }
        if let Some(id) = refresh {
            // Said at once: a sync with nothing new answers in a blink, a large one takes time.
            if self.open.as_ref().is_some_and(|o| o.account == id) {
                self.status = "Checking for new messages…".into();
            }
            self.send(id, MailCommand::Refresh);
        }
    }

    fn toolbar(&mut self, ui: &mut egui::Ui) {
        // Two rows that never wrap: what to show, then what to do with the selection.
        ui.horizontal(|ui| {
            if ui
                .button("✏ Write")
                .on_hover_text("A new message")
                .clicked()
            {
                self.compose(crate::mail::compose::Draft::default(), self.open.as_ref().map(|f| f.account));
            }
            let l = ui.label("🔍");
            let r = ui
                .add(
                    egui::TextEdit::singleline(&mut self.search)
                        .hint_text("Search: words, from:, to:, subject:, is:unread, has:attachment, before:, after:")
                        .desired_width((ui.available_width() - 240.0).max(160.0)),
                )
                .labelled_by(l.id)
                .on_hover_text("Search the cached mail as you type");
            if r.changed() && self.search.trim() != self.searched {
                self.run_search();
            }
            egui::ComboBox::from_id_salt("mail-sort")
                .selected_text(sort_name(self.sort))
                .show_ui(ui, |ui| {
                    for s in [Sort::DateNewest, Sort::DateOldest, Sort::From, Sort::Subject, Sort::Size] {
                        if ui.selectable_value(&mut self.sort, s, sort_name(s)).clicked() {
                            self.reload();
                        }
                    }
                });
            if ui
                .toggle_value(&mut self.threads, "Threads")
                .on_hover_text("Show conversations: replies under what they answer")
                .changed()
            {
                self.reload();
            }
        });
        ui.horizontal(|ui| {
            let any = !self.selected.is_empty();
            if ui
                .add_enabled(any, egui::Button::new("Read"))
                .on_hover_text("Mark the selection read")
                .clicked()
            {
                let rows = self.selected_rows();
                let on = rows.iter().any(|r| !r.seen);
                self.set_flag(&rows, "\\Seen", on);
            }
            if ui.add_enabled(any, egui::Button::new("★ Flag")).clicked() {
                let rows = self.selected_rows();
                let on = rows.iter().any(|r| !r.flagged);
                self.set_flag(&rows, "\\Flagged", on);
            }
            if ui.add_enabled(any, egui::Button::new("🗑 Delete")).clicked() {
                self.move_selected(None);
            }
            let targets: Vec<String> = self
                .open
                .as_ref()
                .and_then(|o| self.folders.get(&o.account))
                .map(|fs| {
                    fs.iter()
                        .filter(|f| f.selectable && Some(f.id) != self.open.as_ref().map(|o| o.id))
                        .map(|f| f.name.clone())
                        .collect()
                })
                .unwrap_or_default();
            ui.add_enabled_ui(any, |ui| {
                ui.menu_button("Move to", |ui| {
                    for t in targets {
                        if ui.button(&t).clicked() {
                            self.move_selected(Some(&t));
                            ui.close();
                        }
                    }
                });
            });
            if ui.button("Mark folder read").clicked() {
                self.mark_folder_read();
            }
        });
    }

    fn message_list(&mut self, ui: &mut egui::Ui) {
        use egui_extras::{Column, TableBuilder};
        if self.open.is_none() && self.searched.is_empty() && !self.unified {
            ui.label("Choose a folder on the left.");
            return;
        }
        if self.visible.is_empty() {
            ui.label(if self.searched.is_empty() {
                "No messages in this folder yet."
            } else {
                "No cached message matches."
            });
            return;
        }
        let row_h = ui.text_style_height(&egui::TextStyle::Body) + 4.0;
        // Widths from the space there is, so Date and Size never fall off the right edge.
        let spacing = ui.spacing().item_spacing.x * 5.0;
        let (date_w, size_w) = (120.0, 64.0);
        let rest = (ui.available_width() - 18.0 - date_w - size_w - spacing - 12.0).max(200.0);
        let from_w = (rest * 0.32).clamp(90.0, 260.0);
        let subject_w = rest - from_w;
        let mut clicked: Option<(usize, egui::Modifiers)> = None;
        let mut sort_by = None;
        let modifiers = ui.input(|i| i.modifiers);
        TableBuilder::new(ui)
            .id_salt("mail-list")
            .striped(true)
            .sense(egui::Sense::click_and_drag())
            .column(Column::exact(18.0))
            .column(Column::exact(from_w).clip(true))
            .column(Column::exact(subject_w).clip(true))
            .column(Column::exact(date_w))
            .column(Column::exact(size_w))
            .header(row_h, |mut h| {
                h.col(|ui| {
                    ui.label("★");
                });
                for (title, sort) in [
                    ("From", Sort::From),
                    ("Subject", Sort::Subject),
                    ("Date", Sort::DateNewest),
                    ("Size", Sort::Size),
                ] {
                    h.col(|ui| {
                        if ui.selectable_label(self.sort == sort, title).clicked() {
                            sort_by = Some(sort);
                        }
                    });
                }
            })
            .body(|body| {
                body.rows(row_h, self.visible.len(), |mut row| {
                    let i = row.index();
                    let Some(m) = self.visible.get(i).and_then(|v| self.rows.get(*v)) else {
                        return;
                    };
                    row.set_selected(self.selected.contains(&m.id));
                    let strong = |t: &str| {
                        let t = RichText::new(t);
                        if m.seen { t } else { t.strong() }
                    };
                    row.col(|ui| {
                        ui.label(if m.flagged { "★" } else { "" });
                    });
                    row.col(|ui| {
                        // A reply from Sent placed in the conversation is marked so.
                        let from_sent = self.open.as_ref().is_some_and(|o| o.id != m.folder);
                        let from = if m.from_name.is_empty() {
                            "(no sender)"
                        } else {
                            &m.from_name
                        };
                        let from = if from_sent {
                            format!("📤 {from}")
                        } else {
                            from.to_string()
                        };
                        ui.add(egui::Label::new(strong(&from)).selectable(false).truncate());
                    });
                    row.col(|ui| {
                        let subject = if m.subject.is_empty() {
                            "(no subject)"
                        } else {
                            &m.subject
                        };
                        let indent = if m.depth > 0 {
                            format!("{}↳ ", "   ".repeat(usize::from(m.depth.min(12)) - 1))
                        } else {
                            String::new()
                        };
                        let answered = if m.flags.contains("\\Answered") {
                            "↩ "
                        } else {
                            ""
                        };
                        let clip = if m.attachments {
                            format!("{indent}{answered}📎 {subject}")
                        } else {
                            format!("{indent}{answered}{subject}")
                        };
                        ui.add(egui::Label::new(strong(&clip)).selectable(false).truncate());
                    });
                    row.col(|ui| {
                        ui.label(m.date.map(short_date).unwrap_or_default());
                    });
                    row.col(|ui| {
                        ui.label(human_size(u64::from(m.size)));
                    });
                    let r = row.response();
                    if r.clicked() {
                        clicked = Some((i, modifiers));
                    }
                    // Dragged onto a folder, the row (or the selection it is in) moves there.
                    if r.drag_started() {
                        let ids: Vec<i64> = if self.selected.contains(&m.id) {
                            self.selected.iter().copied().collect()
                        } else {
                            vec![m.id]
                        };
                        egui::DragAndDrop::set_payload(&r.ctx, DraggedMessages(ids));
                    }
                });
            });
        if let Some(s) = sort_by {
            self.sort = if s == Sort::DateNewest && self.sort == Sort::DateNewest {
                Sort::DateOldest
            } else {
                s
            };
            self.reload();
        }
        if let Some((i, m)) = clicked {
            self.click_row(i, m);
        }
    }

    fn click_row(&mut self, i: usize, m: egui::Modifiers) {
        let Some(row) = self.visible.get(i).and_then(|v| self.rows.get(*v)).cloned() else {
            return;
        };
        if m.shift
            && let Some(a) = self.anchor
        {
            let (lo, hi) = (a.min(i), a.max(i));
            for j in lo..=hi {
                if let Some(r) = self.visible.get(j).and_then(|v| self.rows.get(*v)) {
                    self.selected.insert(r.id);
                }
            }
            return;
        }
        if m.command {
            if !self.selected.remove(&row.id) {
                self.selected.insert(row.id);
            }
            self.anchor = Some(i);
            return;
        }
        self.selected.clear();
        self.selected.insert(row.id);
        self.anchor = Some(i);
        self.show_message(row);
    }

    fn reader_view(&mut self, ui: &mut egui::Ui) {
        let Some(reader) = &mut self.reader else {
            ui.label("Select a message to read it.");
            return;
        };
        let mut save = None;
        let mut save_all = false;
        let mut open_with = None;
        let mut allow_sender = false;
        let mut recharset = false;
        let row = reader.row.clone();
        let rendered = reader.rendered.clone();
        ui.horizontal(|ui| {
            ui.heading(if row.subject.is_empty() {
                "(no subject)"
            } else {
                &row.subject
            });
        });
        let (from, to, cc, date) = match &rendered {
            Some(r) => (
                r.from.clone(),
                r.to.clone(),
                r.cc.clone(),
                r.date.or(row.date),
            ),
            None => (
                format!("{} <{}>", row.from_name, row.from_addr),
                row.recipients.clone(),
                String::new(),
                row.date,
            ),
        };
        let mut write_to = None;
        egui::Grid::new("mail-headers")
            .num_columns(2)
            .show(ui, |ui| {
                for (name, value) in [
                    ("From", from),
                    ("To", to),
                    ("Cc", cc),
                    ("Date", date.map(long_date).unwrap_or_default()),
                ] {
                    if value.is_empty() {
                        continue;
                    }
                    ui.label(RichText::new(name).weak());
                    ui.horizontal(|ui| {
                        ui.add(egui::Label::new(&value).selectable(true));
                        if name != "Date"
                            && ui
                                .small_button("✉")
                                .on_hover_text(format!("Write to {value}"))
                                .clicked()
                        {
                            write_to = Some(value.clone());
                        }
                    });
                    ui.end_row();
                }
            });
        let mut answer = None;
        ui.horizontal(|ui| {
            ui.add_enabled_ui(reader.raw.is_some(), |ui| {
                if ui.button("↩ Reply").clicked() {
                    answer = Some((Some(crate::mail::compose::reply::ReplyTo::Sender), false));
                }
                if ui.button("↩ Reply all").clicked() {
                    answer = Some((Some(crate::mail::compose::reply::ReplyTo::All), false));
                }
                if row.list_id.is_some() && ui.button("↩ Reply to list").clicked() {
                    answer = Some((Some(crate::mail::compose::reply::ReplyTo::List), false));
                }
                if ui.button("➡ Forward").clicked() {
                    answer = Some((None, false));
                }
                if ui
                    .button("➡ As attachment")
                    .on_hover_text("Forward the whole message as an attachment")
                    .clicked()
                {
                    answer = Some((None, true));
                }
            });
        });
        ui.horizontal(|ui| {
            ui.toggle_value(&mut reader.raw_view, "Raw source");
            let both = rendered
                .as_ref()
                .is_some_and(|r| r.html.is_some() && !r.text.is_empty());
            if both {
                ui.toggle_value(&mut self.prefer_plain, "Plain text")
                    .on_hover_text("Show the plain-text part instead of the HTML one");
            }
            let before = reader.charset.clone();
            egui::ComboBox::from_id_salt("mail-charset")
                .selected_text(format!(
                    "Charset: {}",
                    reader.charset.as_deref().unwrap_or("as sent")
                ))
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut reader.charset, None, "as sent");
                    for cs in render::CHARSETS {
                        ui.selectable_value(&mut reader.charset, Some((*cs).to_string()), *cs);
                    }
                })
                .response
                .on_hover_text(
                    "Read the text in another charset, for a message that names the wrong one",
                );
            if reader.charset != before {
                recharset = true;
            }
        });
        ui.separator();
        let Some(rendered) = rendered else {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Fetching the message…");
            });
            self.write_from_reader(answer, write_to);
            return;
        };
        if !rendered.remote.images.is_empty() && !reader.show_remote {
            egui::Frame::new()
                .fill(ui.visuals().warn_fg_color.gamma_multiply(0.15))
                .inner_margin(6.0)
                .show(ui, |ui| {
                    ui.horizontal_wrapped(|ui| {
                        let n = rendered.remote.images.len();
                        let t = rendered.remote.trackers.len();
                        let mut text =
                            format!("{n} remote image{} blocked", if n == 1 { "" } else { "s" });
                        if t > 0 {
                            text.push_str(&format!(
                                " ({t} look{} like tracking pixels)",
                                if t == 1 { "s" } else { "" }
                            ));
                        }
                        ui.label(text);
                        if ui.button("Load once").clicked() {
                            reader.show_remote = true;
                        }
                        if ui.button("Always for this sender").clicked() {
                            reader.show_remote = true;
                            allow_sender = true;
                        }
                    });
                });
        }
        if !rendered.attachments.is_empty() {
            ui.horizontal_wrapped(|ui| {
                for a in rendered.attachments.iter().filter(|a| !a.inline) {
                    ui.label(format!(
                        "📎 {} · {} · {}",
                        a.name,
                        human_size(a.size as u64),
                        a.mime
                    ));
                    if ui.small_button(format!("Save {}…", a.name)).clicked() {
                        save = Some(a.clone());
                    }
                    if ui
                        .small_button("Open")
                        .on_hover_text("Open with the desktop's program")
                        .clicked()
                    {
                        open_with = Some(a.clone());
                    }
                }
                if rendered.attachments.iter().filter(|a| !a.inline).count() > 1
                    && ui.small_button("Save all…").clicked()
                {
                    save_all = true;
                }
            });
            ui.separator();
        }
        let saving = self.saving.is_some();
        if saving {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Saving…");
            });
        }
        egui::ScrollArea::vertical()
            .id_salt("mail-body")
            .auto_shrink([false, false])
            .show(ui, |ui| {
                if reader.raw_view {
                    ui.add(
                        egui::Label::new(RichText::new(reader.raw_text.as_str()).monospace())
                            .selectable(true),
                    );
                    return;
                }
                if let Some(doc) = &reader.html {
                    crate::ui::widgets::document_view::show(ui, doc, &mut reader.view);
                } else {
                    crate::ui::widgets::quoted_text(ui, &rendered.text);
                }
                // Images of the message itself (cid:) are shown; remote ones only when allowed.
                if let Some(raw) = &reader.raw {
                    for a in rendered.attachments.iter().filter(|a| a.inline) {
                        if let Some(bytes) = render::attachment_bytes(raw, a.index) {
                            ui.add(
                                egui::Image::from_bytes(
                                    format!("bytes://mail/{}/{}", row.id, a.index),
                                    bytes,
                                )
                                .max_width(400.0),
                            );
                        }
                    }
                }
                if reader.show_remote {
                    for (url, bytes) in &reader.remote_loaded {
                        ui.add(
                            egui::Image::from_bytes(format!("bytes://remote/{url}"), bytes.clone())
                                .max_width(600.0),
                        );
                    }
                }
            });
        if reader.show_remote
            && reader.remote_loaded.is_empty()
            && !rendered.remote.images.is_empty()
        {
            // Fetch once per message.
            reader.remote_loaded.push((String::new(), Vec::new()));
            self.fetch_remote(row.id, rendered.remote.images.clone());
        }
        if recharset && let Some(raw) = self.reader.as_ref().and_then(|r| r.raw.clone()) {
            self.set_body(row.id, raw);
        }
        self.write_from_reader(answer, write_to);
        if allow_sender {
            self.remote_ok.insert(row.from_addr.to_lowercase());
            let list = self.remote_ok.iter().cloned().collect::<Vec<_>>().join(" ");
            self.store.set_setting(
                "mail.remote_content_senders",
                list,
                crate::store::api::ignore,
            );
        }
        let raw = self.reader.as_ref().and_then(|r| r.raw.clone());
        if let (Some(a), Some(raw)) = (save, raw.clone()) {
            self.save_attachment(raw, a);
        }
        if let (true, Some(raw)) = (save_all, raw.clone()) {
            self.save_all(raw, rendered.attachments.clone());
        }
        if let (Some(a), Some(raw)) = (open_with, raw) {
            open_attachment(raw, a);
        }
    }

    fn fetch_remote(&self, message: i64, urls: Vec<String>) {
        let http = self.services.http.clone();
        let events = self.events.clone();
        let limits = self.services.limits;
        self.services.runtime.spawn(async move {
            for url in urls {
                let Ok(u) = url::Url::parse(&url) else {
                    continue;
                };
                if let Ok((head, body)) = http
                    .fetch(
                        &u,
                        &crate::proto::net::Limits {
                            max_body: 5 << 20,
                            ..limits
                        },
                        |_, _| {},
                    )
                    .await
                    && head.is_success()
                {
                    events.send(MailPanelEvent::RemoteImage {
                        message,
                        url,
                        bytes: body,
                    });
                }
            }
        });
    }

    fn save_attachment(&mut self, raw: Vec<u8>, a: render::Attachment) {
        if self.saving.is_some() {
            return;
        }
        let dialog = self.save_dialog.clone();
        self.saving = Some(Promise::spawn_thread("save attachment", move || {
            let path = dialog(&a.name)?;
            Some(write_attachment(&raw, a.index, &path).map(|()| path))
        }));
    }

    fn save_all(&mut self, raw: Vec<u8>, list: Vec<render::Attachment>) {
        if self.saving.is_some() {
            return;
        }
        let dialog = self.folder_dialog.clone();
        self.saving = Some(Promise::spawn_thread("save attachments", move || {
            let folder = dialog()?;
            for a in list.iter().filter(|a| !a.inline) {
                let path = crate::filename::unique_target(&folder, &a.name);
                if let Err(e) = write_attachment(&raw, a.index, &path) {
                    return Some(Err(e));
                }
            }
            Some(Ok(folder))
        }));
    }

    fn poll_saving(&mut self) {
        let done = match self.saving.as_ref().map(Promise::ready) {
            Some(Some(r)) => Some(r.clone()),
            _ => None,
        };
        if let Some(result) = done {
            self.saving = None;
            match result {
                Some(Ok(path)) => {
                    self.actions.push(ShellAction::Toast(Toast::Success(format!(
                        "Saved to {}",
                        path.display()
                    ))));
                    self.last_saved = Some(path);
                }
                Some(Err(e)) => self.actions.push(ShellAction::Toast(Toast::Error(e))),
                None => {}
            }
        }
    }

    fn editor_window(&mut self, ctx: &egui::Context) {
        let Some(ed) = &mut self.editor else { return };
        let before = (
            ed.account.kind.clone(),
            ed.account.tls.clone(),
            ed.account.smtp_tls.clone(),
        );
        let mut open = true;
        let mut save = false;
        let mut probe = false;
        let mut cancel = false;
        egui::Window::new(if ed.account.id == 0 {
            "Add a mail account"
        } else {
            "Edit the account"
        })
        .open(&mut open)
        .collapsible(false)
        .default_width(460.0)
        .show(ctx, |ui| {
            // A field typed into since the last error was shown: the error is about an
            // earlier state of the form, and goes.
            let mut edited = false;
            egui::Grid::new("account-editor")
                .num_columns(2)
                .spacing([8.0, 6.0])
                .show(ui, |ui| {
                    let mut field =
                        |ui: &mut egui::Ui, label: &str, value: &mut String, password: bool| {
                            let l = ui.label(label);
                            edited |= ui
                                .add(
                                    egui::TextEdit::singleline(value)
                                        .password(password)
                                        .desired_width(260.0),
                                )
                                .labelled_by(l.id)
                                .changed();
                            ui.end_row();
                        };
                    field(ui, "Your name", &mut ed.display_name, false);
                    field(ui, "Email address", &mut ed.address, false);
                    field(ui, "Password", &mut ed.password, true);
                    ui.label("");
                    ui.horizontal(|ui| {
                        if ui
                            .add_enabled(
                                !ed.probing && ed.address.contains('@'),
                                egui::Button::new("Find settings"),
                            )
                            .clicked()
                        {
                            probe = true;
                        }
                        if ed.probing {
                            ui.spinner();
                            ui.label("Trying the usual servers…");
                        }
                    });
                    ui.end_row();
                    ui.label("Receive with");
                    ui.horizontal(|ui| {
                        ui.radio_value(&mut ed.account.kind, "imap".to_string(), "IMAP");
                        ui.radio_value(&mut ed.account.kind, "pop3".to_string(), "POP3");
                    });
                    ui.end_row();
                    field(ui, "Incoming server", &mut ed.account.host, false);
                    field(ui, "Port", &mut ed.port, false);
                    let l = ui.label("Security");
                    tls_choice(ui, "incoming-tls", &mut ed.account.tls).labelled_by(l.id);
                    ui.end_row();
                    field(ui, "User name", &mut ed.account.user, false);
                    field(
                        ui,
                        "Outgoing (SMTP) server",
                        &mut ed.account.smtp_host,
                        false,
                    );
                    field(ui, "SMTP port", &mut ed.smtp_port, false);
                    let l = ui.label("SMTP security");
                    tls_choice(ui, "smtp-tls", &mut ed.account.smtp_tls).labelled_by(l.id);
                    ui.end_row();
                    field(ui, "Account name", &mut ed.account.name, false);
                    let l = ui.label("Signature");
                    ui.add(
                        egui::TextEdit::multiline(&mut ed.signature)
                            .desired_rows(2)
                            .desired_width(260.0),
                    )
                    .labelled_by(l.id);
                    ui.end_row();
                    if ed.account.kind == "pop3" {
                        ui.label("");
                        ui.checkbox(
                            &mut ed.account.leave_on_server,
                            "Leave messages on the server",
                        );
                        ui.end_row();
                        if ed.account.leave_on_server {
                            let l = ui.label("Delete from the server after");
                            ui.horizontal(|ui| {
                                ui.add(
                                    egui::DragValue::new(&mut ed.account.delete_after_days)
                                        .range(0..=3650),
                                )
                                .labelled_by(l.id);
                                ui.label("days (0: never; only messages already downloaded)");
                            });
                            ui.end_row();
                        }
                    }
                });
            if ed.account.tls == "plain" {
                ui.colored_label(
                    ui.visuals().warn_fg_color,
                    "⚠ Plain: the password and your mail cross the network unencrypted.",
                );
            }
            for f in &ed.found {
                ui.label(format!(
                    "Found {} at {}:{} ({}) — {}",
                    f.kind.to_uppercase(),
                    f.host,
                    f.port,
                    tls_label(f.tls),
                    f.greeting
                ));
            }
            if edited {
                ed.error = None;
            }
            if let Some(e) = &ed.error {
                ui.colored_label(ui.visuals().error_fg_color, e);
            }
            ui.horizontal(|ui| {
                if ui.button("Save account").clicked() {
                    save = true;
                }
                if ui.button("Cancel").clicked() {
                    cancel = true;
                }
            });
        });
        // A port left at a default follows the protocol and security chosen.
        let defaults = ["993", "143", "995", "110", "465", "587", "25"];
        if (ed.account.kind != before.0 || ed.account.tls != before.1)
            && defaults.contains(&ed.port.trim())
        {
            ed.port = default_port(&ed.account.kind, &ed.account.tls).to_string();
        }
        if ed.account.smtp_tls != before.2 && defaults.contains(&ed.smtp_port.trim()) {
            ed.smtp_port = default_port("smtp", &ed.account.smtp_tls).to_string();
        }
        if probe {
            ed.probing = true;
            let (events, trust, address) = (
                self.events.clone(),
                self.services.trust.clone(),
                ed.address.clone(),
            );
            self.services.runtime.spawn(async move {
                events.send(MailPanelEvent::Probed(
                    mail_setup::probe(&address, &trust).await,
                ));
            });
        }
        if save {
            self.save_editor();
        } else if cancel || !open {
            self.editor = None;
        }
    }

    fn folder_window(&mut self, ctx: &egui::Context) {
        let Some(fe) = &mut self.folder_edit else {
            return;
        };
        let mut done = None;
        let mut close = false;
        let title = match &fe.kind {
            FolderEditKind::Create { .. } => "New folder",
            FolderEditKind::Rename { .. } => "Rename folder",
            FolderEditKind::Delete { .. } => "Delete folder",
        };
        egui::Window::new(title)
            .collapsible(false)
            .show(ctx, |ui| match &fe.kind {
                FolderEditKind::Delete { name } => {
                    ui.label(format!(
                        "Delete {name} and every message in it, on the server?"
                    ));
                    ui.horizontal(|ui| {
                        if ui.button("Delete the folder").clicked() {
                            done = Some(FolderChange::Delete(name.clone()));
                        }
                        if ui.button("Cancel").clicked() {
                            close = true;
                        }
                    });
                }
                kind => {
                    ui.horizontal(|ui| {
                        let l = ui.label("Folder name:");
                        ui.text_edit_singleline(&mut fe.name).labelled_by(l.id);
                    });
                    let name = fe.name.trim().to_string();
                    ui.horizontal(|ui| {
                        if ui
                            .add_enabled(!name.is_empty(), egui::Button::new("OK"))
                            .clicked()
                        {
                            done = Some(match kind {
                                FolderEditKind::Create { parent } => {
                                    FolderChange::Create(format!("{parent}{name}"))
                                }
                                FolderEditKind::Rename { from } => FolderChange::Rename {
                                    from: from.clone(),
                                    to: name.clone(),
                                },
                                FolderEditKind::Delete { name } => {
                                    FolderChange::Delete(name.clone())
                                }
                            });
                        }
                        if ui.button("Cancel").clicked() {
                            close = true;
                        }
                    });
                }
            });
        if let Some(change) = done {
            let account = fe.account;
            if let FolderChange::Delete(name) = &change
                && self
                    .open
                    .as_ref()
                    .is_some_and(|o| o.name == *name && o.account == account)
            {
                self.open = None;
                self.rows.clear();
                self.refilter();
            }
            self.send(account, MailCommand::Folder(change));
            close = true;
        }
        if close {
            self.folder_edit = None;
        }
    }

    fn save_editor(&mut self) {
        let Some(ed) = &mut self.editor else { return };
        let (Ok(port), Ok(smtp_port)) = (
            ed.port.trim().parse::<u16>(),
            ed.smtp_port.trim().parse::<u16>(),
        ) else {
            ed.error = Some("The ports must be numbers from 1 to 65535.".into());
            return;
        };
        if ed.account.host.trim().is_empty() {
            ed.error = Some("Type the incoming server's name, or use Find settings.".into());
            return;
        }
        let mut account = ed.account.clone();
        account.port = port;
        account.smtp_port = smtp_port;
        account.host = account.host.trim().to_string();
        if account.user.trim().is_empty() {
            account.user = ed.address.trim().to_string();
        }
        if account.name.trim().is_empty() {
            account.name = if ed.address.is_empty() {
                account.host.clone()
            } else {
                ed.address.trim().to_string()
            };
        }
        if account.smtp_user.is_empty() {
            account.smtp_user.clone_from(&account.user);
        }
        account.identities = vec![Identity {
            name: ed.display_name.trim().to_string(),
            address: ed.address.trim().to_string(),
            signature: ed.signature.clone(),
        }];
        let password = ed.password.clone();
        let events = self.events.clone();
        let saved = account.clone();
        self.store.save_account(account, move |r| match r {
            Ok(id) => events.send(MailPanelEvent::Saved {
                account: Box::new(Account { id, ..saved }),
                password,
            }),
            Err(e) => events.send(MailPanelEvent::Error(format!(
                "cannot save the account: {e}"
            ))),
        });
        self.editor = None;
    }

    fn on_worker(&mut self, event: MailEvent) {
        match event {
            MailEvent::Connected {
                account,
                tls,
                report,
            } => {
                self.account_state.insert(
                    account,
                    if tls {
                        "connected (TLS)".into()
                    } else {
                        "connected (not encrypted)".into()
                    },
                );
                self.reports.insert(account, report);
            }
            MailEvent::Folders { account, folders } => {
                if let Some(open) = &mut self.open
                    && let Some(f) = folders.iter().find(|f| f.id == open.id)
                {
                    *open = f.clone();
                }
                if self.open.is_none()
                    && let Some(inbox) = folders.iter().find(|f| f.role.as_deref() == Some("inbox"))
                    && self.workers.contains_key(&account)
                {
                    self.open_folder(inbox.clone());
                }
                self.folders.insert(account, folders);
            }
            MailEvent::Progress { folder, stored } => {
                if self.open.as_ref().is_some_and(|o| o.id == folder) {
                    self.status = format!("{stored} new message(s) stored…");
                    self.refresh();
                }
            }
            MailEvent::Synced { folder, report } => {
                if self.open.as_ref().is_some_and(|o| o.id == folder) {
                    let nothing = report.unchanged
                        || (report.new, report.flags_changed, report.removed) == (0, 0, 0);
                    self.status = if nothing {
                        "Up to date".into()
                    } else {
                        format!(
                            "{} new, {} changed, {} removed",
                            report.new, report.flags_changed, report.removed
                        )
                    };
                    if !nothing {
                        self.ask_server();
                    }
                    self.refresh();
                }
                let account = self.open.as_ref().map(|o| o.account);
                if let Some(a) = account {
                    self.load_folders(a);
                }
            }
            MailEvent::Body { message, raw } => self.set_body(message, raw),
            MailEvent::Searched {
                folder,
                generation,
                uids,
            } => {
                if generation != self.server_generation {
                    // An answer to a search since changed.
                } else if uids.is_empty() {
                    self.server_found.clear();
                } else {
                    let events = self.events.clone();
                    self.store.mail_rows_by_uids(folder, uids, move |r| {
                        if let Ok(rows) = r {
                            events.send(MailPanelEvent::ServerFound { generation, rows });
                        }
                    });
                }
            }
            MailEvent::Refused {
                what, error, ids, ..
            } => {
                for id in &ids {
                    self.hidden.remove(id);
                }
                self.refilter();
                self.reload();
                self.actions.push(ShellAction::Toast(Toast::Error(format!(
                    "The server refused {what}: {error}"
                ))));
            }
            MailEvent::Offline {
                account,
                error,
                retry_in,
            } => {
                let state = if retry_in > 0 {
                    format!("offline: {error} (trying again in {retry_in} s)")
                } else {
                    format!("reconnecting: {error}")
                };
                self.account_state.insert(account, state);
            }
            MailEvent::Untrusted { account, rejection } => {
                self.workers.remove(&account);
                self.account_state.insert(
                    account,
                    format!(
                        "waiting: the certificate of {} is not trusted",
                        rejection.host
                    ),
                );
                self.actions.push(ShellAction::Untrusted {
                    retry: account as u64,
                    rejection,
                });
            }
            MailEvent::Failed { account, error } => {
                self.workers.remove(&account);
                self.account_state
                    .insert(account, format!("not connected: {error}"));
                if error.contains("refused the login") {
                    self.needs_password.insert(account, String::new());
                }
                if let Some(rejection) = untrusted_in(&error) {
                    self.actions
                        .push(ShellAction::Toast(Toast::Error(rejection)));
                }
            }
        }
    }

    /// Renders a message off the frame (a 20 MB message takes a while to parse); the result
    /// comes back as [`MailPanelEvent::Rendered`].
    fn set_body(&mut self, message: i64, raw: Vec<u8>) {
        let Some(reader) = &self.reader else {
            return;
        };
        if reader.row.id != message {
            return;
        }
        let charset = reader.charset.clone();
        let events = self.events.clone();
        self.services.runtime.spawn_blocking(move || {
            let rendered = match &charset {
                Some(cs) => render::render(&render::with_charset(&raw, cs)),
                None => render::render(&raw),
            };
            let html = rendered.html.as_deref().map(|h| {
                let base = url::Url::parse("http://message.invalid/").expect("constant URL");
                Document::from_html(h, &base, 100)
            });
            let inline = rendered
                .attachments
                .iter()
                .filter(|a| a.inline)
                .filter_map(|a| {
                    render::attachment_bytes(&raw, a.index)
                        .map(|b| (a.index, egui::load::Bytes::from(b)))
                })
                .collect();
            let raw_text = String::from_utf8_lossy(&raw[..raw.len().min(2 << 20)]).into_owned();
            events.send(MailPanelEvent::Rendered(Box::new(RenderedBody {
                message,
                charset,
                raw,
                raw_text,
                rendered,
                html,
                inline,
            })));
        });
    }

    fn take_rendered(&mut self, body: RenderedBody) {
        let Some(reader) = &mut self.reader else {
            return;
        };
        // A message or charset chosen since is rendered again; this one is stale.
        if reader.row.id != body.message || reader.charset != body.charset {
            return;
        }
        reader.html = body.html;
        reader.inline = body.inline;
        reader.rendered = Some(body.rendered);
        reader.raw_text = body.raw_text;
        reader.raw = Some(body.raw);
    }
}

/// A message rendered off the frame, for the reader.
#[derive(Debug)]
pub struct RenderedBody {
    message: i64,
    charset: Option<String>,
    raw: Vec<u8>,
    /// The raw source as text (its first 2 MB), made once for the raw view.
    raw_text: String,
    rendered: Rendered,
    html: Option<Document>,
    inline: Vec<(usize, egui::load::Bytes)>,
}

/// The usual port of a protocol with a TLS mode (RFC 8314 for the implicit ones).
fn default_port(kind: &str, tls: &str) -> u16 {
    let implicit = tls == "implicit";
    match (kind, implicit) {
        ("pop3", true) => 995,
        ("pop3", false) => 110,
        ("smtp", true) => 465,
        ("smtp", false) => 587,
        (_, true) => 993,
        (_, false) => 143,
    }
}

fn untrusted_in(error: &str) -> Option<String> {
    error.contains("not trusted").then(|| error.to_string())
}

fn write_attachment(raw: &[u8], index: usize, path: &std::path::Path) -> Result<(), String> {
    let bytes = render::attachment_bytes(raw, index)
        .ok_or("the attachment could not be read from the message")?;
    let part = crate::filename::part_path(path);
    std::fs::write(&part, &bytes).map_err(|e| format!("cannot write {}: {e}", part.display()))?;
    crate::filename::finish_part(&part, path)
        .map_err(|e| format!("cannot rename {}: {e}", part.display()))
}

/// Writes the attachment to the cache folder and hands it to the desktop's program, on a
/// thread: the frame never waits on the disk.
fn open_attachment(raw: Vec<u8>, a: render::Attachment) {
    std::thread::spawn(move || open_attachment_now(&raw, &a));
}

fn open_attachment_now(raw: &[u8], a: &render::Attachment) {
    let Some(dirs) = directories::ProjectDirs::from("", "", "portolan") else {
        return;
    };
    let folder = dirs.cache_dir().join("attachments");
    if std::fs::create_dir_all(&folder).is_err() {
        return;
    }
    let path = crate::filename::unique_target(&folder, &a.name);
    if write_attachment(raw, a.index, &path).is_ok() {
        let _ = std::process::Command::new("xdg-open").arg(&path).spawn();
    }
}

fn tls_choice(ui: &mut egui::Ui, id: &str, value: &mut String) -> egui::Response {
    egui::ComboBox::from_id_salt(id)
        .selected_text(tls_label(TlsMode::from_name(value)))
        .show_ui(ui, |ui| {
            for mode in [TlsMode::Implicit, TlsMode::Explicit, TlsMode::Plain] {
                ui.selectable_value(value, mode.name().to_string(), tls_label(mode));
            }
        })
        .response
}

fn tls_label(mode: TlsMode) -> &'static str {
    match mode {
        TlsMode::Implicit => "TLS (IMAPS 993, POP3S 995, SMTPS 465)",
        TlsMode::Explicit => "STARTTLS (required)",
        TlsMode::IfOffered => "STARTTLS when offered",
        TlsMode::Plain => "Plain (not encrypted)",
    }
}

fn sort_name(s: Sort) -> &'static str {
    match s {
        Sort::DateNewest => "Newest first",
        Sort::DateOldest => "Oldest first",
        Sort::From => "By sender",
        Sort::Subject => "By subject",
        Sort::Size => "By size",
    }
}

/// `2023-11-14 22:13` in UTC, short for the list.
fn short_date(secs: i64) -> String {
    crate::mail::when::local_short(secs)
}

fn long_date(secs: i64) -> String {
    crate::mail::when::local_long(secs)
}

fn human_size(n: u64) -> String {
    match n {
        n if n >= 1 << 20 => format!("{:.1} MB", n as f64 / f64::from(1 << 20)),
        n if n >= 1 << 10 => format!("{:.0} KB", n as f64 / 1024.0),
        n => format!("{n} B"),
    }
}

impl Panel for MailPanel {
    fn kind(&self) -> PanelKind {
        PanelKind::Mail
    }

    fn icon(&self) -> &'static str {
        "✉"
    }

    fn status(&self) -> String {
        let unread = self.unread;
        if !self.searched.is_empty() {
            let more = if self.visible.len() >= 2000 {
                " (the newest 2,000; type more to narrow)"
            } else {
                ""
            };
            // What a sync running meanwhile says stays in sight.
            return format!(
                "{} found for “{}”{more}{}",
                self.visible.len(),
                self.searched,
                self.status_tail()
            );
        }
        if self.unified {
            return format!(
                "All inboxes · {} messages · {unread} unread",
                self.visible.len()
            );
        }
        match &self.open {
            Some(f) => format!(
                "{} · {} messages · {unread} unread{}",
                f.name,
                self.visible.len(),
                self.status_tail()
            ),
            None if self.accounts.is_empty() => "No mail account".into(),
            None => format!("{} account(s)", self.accounts.len()),
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui) {
        self.poll_saving();
        self.watch_secrets();
        if let Some(n) = &self.notice {
            ui.colored_label(ui.visuals().warn_fg_color, n);
        }
        let ctx = ui.ctx().clone();
        self.editor_window(&ctx);
        self.folder_window(&ctx);
        self.tab_strip(ui);
        self.outbox_bar(ui);
        if self.writing.active.is_some() {
            egui::CentralPanel::default().show(ui, |ui| {
                self.composer_view(ui);
            });
            return;
        }
        // Files from the Files panel dropped on the mailbox start a message with them.
        if let Some(d) =
            crate::ui::widgets::dropped::<crate::ui::panels::files::Dragged>(&ui.interact(
                ui.max_rect(),
                ui.scope_id().with("mail-drop"),
                egui::Sense::hover(),
            ))
        {
            let files = d.local_files();
            if !files.is_empty() {
                self.attach_files(files);
                return;
            }
        }
        egui::Panel::left("mail-sidebar")
            .resizable(true)
            .default_size(230.0)
            .show(ui, |ui| self.sidebar(ui));
        egui::CentralPanel::default().show(ui, |ui| {
            self.toolbar(ui);
            ui.separator();
            let list_h = (ui.available_height() * 0.42).max(120.0);
            egui::Panel::top("mail-list-area")
                .resizable(true)
                .default_size(list_h)
                .show(ui, |ui| self.message_list(ui));
            egui::CentralPanel::default().show(ui, |ui| self.reader_view(ui));
        });
        if ui.input(|i| i.key_pressed(egui::Key::Delete))
            && !self.selected.is_empty()
            && !ctx.egui_wants_keyboard_input()
        {
            self.move_selected(None);
        }
    }

    fn apply(&mut self, event: PanelEvent) {
        let event = match event.take_or::<crate::ui::panels::compose::AttachFiles>() {
            Ok(files) => {
                self.attach_files(files.0);
                return;
            }
            Err(other) => other,
        };
        let Some(event) = event.take::<MailPanelEvent>() else {
            return;
        };
        match event {
            MailPanelEvent::Worker(e) => self.on_worker(*e),
            MailPanelEvent::Accounts(a) => self.set_accounts(a),
            MailPanelEvent::Messages {
                folder,
                generation,
                rows,
            } => {
                if self.loading == Some(generation) {
                    self.loading = None;
                }
                if let Ok(rows) = rows
                    && generation == self.generation
                    && self.open.as_ref().is_some_and(|o| o.id == folder)
                {
                    self.set_rows(rows);
                }
                if self.loading.is_none() && std::mem::take(&mut self.refresh_again) {
                    self.refresh();
                }
            }
            MailPanelEvent::ServerFound { generation, rows } => {
                if generation == self.server_generation && !self.searched.is_empty() {
                    self.server_found = rows;
                    self.merge_server_found();
                }
            }
            MailPanelEvent::Search { generation, rows } => {
                if self.loading == Some(generation) {
                    self.loading = None;
                }
                if generation == self.generation {
                    self.searching = false;
                    if let Ok(rows) = rows {
                        self.set_rows(rows);
                        // The server may have answered first.
                        self.merge_server_found();
                    }
                }
                if self.loading.is_none() && std::mem::take(&mut self.refresh_again) {
                    self.refresh();
                }
            }
            MailPanelEvent::CachedBody { message, raw } => match raw {
                Some((raw, false)) => self.set_body(message, raw),
                // A preview: shown while the whole message is fetched.
                other => {
                    if let Some((raw, true)) = other {
                        self.set_body(message, raw);
                    }
                    if let Some(r) = &self.reader
                        && r.row.id == message
                    {
                        let folder = self
                            .folders
                            .values()
                            .flatten()
                            .find(|f| f.id == r.row.folder)
                            .cloned();
                        if let Some(f) = folder {
                            let (uid, size) = (r.row.uid, r.row.size);
                            self.send(
                                f.account,
                                MailCommand::FetchBody {
                                    message,
                                    folder: f.name,
                                    uid,
                                    size,
                                },
                            );
                        }
                    }
                }
            },
            MailPanelEvent::Password { account, password } => {
                if let Some(p) = password {
                    self.start_worker(account, p);
                } else {
                    self.needs_password.insert(account, String::new());
                    self.account_state
                        .insert(account, "no saved password".into());
                }
            }
            MailPanelEvent::Saved { account, password } => {
                let id = account.id;
                if !password.is_empty() {
                    self.secrets
                        .set(account.secret_key(), password.clone(), |_| {});
                }
                self.needs_password.remove(&id);
                if let Some(old) = self.workers.remove(&id) {
                    let _ = old.send(MailCommand::Stop);
                }
                match self.accounts.iter_mut().find(|a| a.id == id) {
                    Some(a) => *a = *account,
                    None => self.accounts.push(*account),
                }
                self.folders.entry(id).or_default();
                // An edit that leaves the password field empty keeps the password: the one
                // typed this run, else the saved one.
                let password = if password.is_empty() {
                    self.passwords.get(&id).cloned().unwrap_or_default()
                } else {
                    password
                };
                if password.is_empty() {
                    let events = self.events.clone();
                    let key = self
                        .accounts
                        .iter()
                        .find(|a| a.id == id)
                        .map(Account::secret_key)
                        .unwrap_or_default();
                    self.secrets.get(key, move |password| {
                        events.send(MailPanelEvent::Password {
                            account: id,
                            password,
                        });
                    });
                } else {
                    self.start_worker(id, password);
                }
            }
            MailPanelEvent::Rendered(body) => self.take_rendered(*body),
            MailPanelEvent::Probed(found) => {
                if let Some(ed) = &mut self.editor {
                    ed.probing = false;
                    if found.is_empty() {
                        ed.error = Some(
                            "No server answered at the usual names: type the servers yourself."
                                .into(),
                        );
                    }
                    let incoming = found
                        .iter()
                        .find(|f| f.kind == "imap")
                        .or_else(|| found.iter().find(|f| f.kind == "pop3"));
                    if let Some(f) = incoming {
                        ed.account.kind = f.kind.to_string();
                        ed.account.host.clone_from(&f.host);
                        ed.port = f.port.to_string();
                        ed.account.tls = f.tls.name().to_string();
                    }
                    if let Some(f) = found.iter().find(|f| f.kind == "smtp") {
                        ed.account.smtp_host.clone_from(&f.host);
                        ed.smtp_port = f.port.to_string();
                        ed.account.smtp_tls = f.tls.name().to_string();
                    }
                    ed.found = found;
                }
            }
            MailPanelEvent::RemoteImage {
                message,
                url,
                bytes,
            } => {
                if let Some(r) = &mut self.reader
                    && r.row.id == message
                {
                    r.remote_loaded.retain(|(u, _)| !u.is_empty());
                    r.remote_loaded.push((url, bytes));
                }
            }
            MailPanelEvent::Error(e) => self.actions.push(ShellAction::Toast(Toast::Error(e))),
            MailPanelEvent::Writing(e) => self.on_writing(e),
        }
    }

    fn open(&mut self, link: &Link) {
        match link {
            Link::Mailto(m) => {
                self.compose(crate::mail::compose::Draft::from_mailto(m), None);
                self.actions.push(ShellAction::Show);
            }
            Link::Mail { server, path, .. } => {
                let target = crate::proto::imap::url::parse_path(path).unwrap_or_default();
                let known = self
                    .accounts
                    .iter()
                    .find(|a| a.host.eq_ignore_ascii_case(&server.host) && a.port == server.port)
                    .cloned();
                if let Some(a) = known {
                    if let Some(f) = target.folder.and_then(|name| {
                        self.folders
                            .get(&a.id)
                            .and_then(|fs| fs.iter().find(|f| f.name == name).cloned())
                    }) {
                        self.open_folder(f);
                    }
                } else {
                    {
                        let kind = if link.scheme().name().starts_with("pop") {
                            "pop3"
                        } else {
                            "imap"
                        };
                        let mut account = Account {
                            kind: kind.into(),
                            host: server.host.clone(),
                            port: server.port,
                            user: server.user.clone().unwrap_or_default(),
                            tls: if link.scheme().implicit_tls() {
                                "implicit".into()
                            } else {
                                "require".into()
                            },
                            ..Account::default()
                        };
                        account.name.clone_from(&server.host);
                        self.editor = Some(Editor::new(account));
                    }
                }
            }
            _ => {}
        }
    }

    /// The certificate was trusted: start the account's worker again.
    fn retry(&mut self, retry: u64) {
        if retry == OUTBOX_RETRY {
            self.writing.retry_all();
            return;
        }
        let account = retry as i64;
        if let Some(p) = self.passwords.get(&account).cloned() {
            self.start_worker(account, p);
        }
    }

    fn take_actions(&mut self) -> Vec<ShellAction> {
        std::mem::take(&mut self.actions)
    }

    fn save_state(&self) {
        self.save_drafts_now();
    }

    fn windows(&mut self, ctx: &egui::Context) {
        // Here, not in `ui`: a draft in a window of its own is saved whichever panel is in
        // front.
        self.autosave(ctx);
        self.composer_windows(ctx);
    }
}
