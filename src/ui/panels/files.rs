//! The Files panel: an FTP/FTPS site beside the local disk.
//!
//! A quick-connect bar (host, port, user, password, TLS mode, or an `ftp://` URL), then two
//! virtualized, sortable tables: local on the left, remote on the right. Select files and
//! press Download or Upload; transfers run in the Activity list on their own connections.
//! Remote folders can be created, renamed, deleted (recursively, after a confirmation) and
//! have their permissions changed; text files can be viewed.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use egui::{Key, RichText};
use egui_extras::{Column, TableBuilder};
use tokio::sync::mpsc::UnboundedSender;

use crate::link::Link;
use crate::link::PanelKind;
use crate::mirror::{Action, Difference, PlanItem};
use crate::proto::ftp::{Entry, EntryKind, Features, FtpSite, TlsMode, rfc3339};
use crate::proto::tls::CertRejection;
use crate::secrets::Secrets;
use crate::store::Site;
use crate::store::Store;
use crate::ui::activity::human_bytes;
use crate::ui::app::AppEvent;
use crate::ui::panels::{Panel, PanelContext, PanelEvent, ShellAction, Toast};
use crate::workers::ftp::{self as worker, FtpCommand, FtpEvent, LocalEntry};
use crate::workers::job_spec::JobSpec;
use crate::workers::mirror::{self as mirror_worker, Direction, MirrorJob};
use crate::workers::transfer::{IfExists, Source};
use crate::workers::{MappedSink, Services};

/// Everything the Files panel's workers report, tagged with the connection it came from, and
/// the store's and secrets' answers.
#[derive(Debug, Clone)]
pub enum FilesEvent {
    Ftp(u64, FtpEvent),
    Local(PathBuf, Result<Vec<LocalEntry>, String>),
    Plan(Result<Vec<PlanItem>, String>),
    /// The saved sites after a save or delete.
    Sites(Result<Vec<Site>, String>),
    /// A saved site and the password the secrets store had for it.
    SiteLogin(Site, Option<String>),
    /// A store or secrets write failed.
    NotSaved(String),
    /// Transfers chosen in a frame, with what the disk holds at their local paths: looked up
    /// off the frame, then queued or asked about.
    DiskChecked {
        upload: bool,
        remote_dir: Vec<u8>,
        items: Vec<DiskItem>,
    },
}

/// A transfer whose local side was looked up on disk.
#[derive(Debug, Clone)]
pub struct DiskItem {
    /// The remote file: the one to download, or the one an upload would replace.
    pub remote: Option<Entry>,
    pub local_path: PathBuf,
    /// The local file at `local_path`, if a file (not a folder) is there.
    pub local: Option<LocalEntry>,
}

/// What the panel's views ask for; [`Panel::take_actions`] turns each into store and
/// secrets requests or shell actions.
#[derive(Debug, Clone)]
pub enum FilesAction {
    /// A download, an upload, a folder job or a mirror from the Compare view.
    Transfer(JobSpec),
    /// Save a site; the password (if typed) goes to the secrets store.
    SaveSite {
        site: Site,
        password: Option<String>,
    },
    DeleteSite(Site),
    /// Keep a password typed when connecting to a saved site.
    RememberPassword {
        site: Site,
        password: String,
    },
    /// Connect to a saved site with the password just typed, or else the one in the secrets
    /// store (looked up first: a save and a lookup racing would lose a new password).
    ConnectSite {
        site: Site,
        password: Option<String>,
    },
    Untrusted(Box<CertRejection>),
    Error(String),
    Info(String),
    /// Local files to attach to a message (the Mail panel's composer).
    Attach(Vec<PathBuf>),
}

/// The site manager window's state.
struct SiteDraft {
    site: Site,
    password: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SortKey {
    Name,
    Size,
    Modified,
}

#[derive(Debug, Clone, PartialEq)]
enum ConnState {
    Disconnected,
    Connecting,
    Connected { secure: bool, features: Features },
    Failed(String),
}

struct Connection {
    id: u64,
    site: FtpSite,
    worker: UnboundedSender<FtpCommand>,
}

enum Dialog {
    Mkdir(String),
    Rename {
        from: Vec<u8>,
        to: String,
    },
    Delete(Vec<(Vec<u8>, bool)>),
    Chmod {
        path: Vec<u8>,
        mode: String,
    },
    View {
        path: String,
        text: String,
    },
    Compare {
        direction: Direction,
        delete: bool,
        plan: Option<Result<Vec<PlanItem>, String>>,
    },
    /// A saved site whose password is in no store (no keyring, or never saved): asked for
    /// before connecting, rather than failing the login.
    Password {
        site: Site,
        text: String,
    },
    /// Transfers whose names exist on the other side, asked about one by one.
    Overwrite {
        pending: Vec<Conflict>,
        apply_to_all: bool,
    },
}

/// A transfer whose target name is taken, waiting for the user's answer.
#[derive(Debug, Clone)]
struct Conflict {
    /// Local to remote; else remote to local.
    upload: bool,
    /// The remote folder the transfer is to or from.
    remote_dir: Vec<u8>,
    remote: Entry,
    local: LocalEntry,
    local_path: PathBuf,
}

/// Rows dragged from one pane to the other, or local files onto a message being written.
#[derive(Debug, Clone)]
pub enum Dragged {
    /// Names in the folder `dir`.
    Local {
        dir: PathBuf,
        names: Vec<String>,
    },
    Remote(Vec<Vec<u8>>),
}

impl Dragged {
    /// The local files dragged (folders left out), with their full paths.
    pub fn local_files(&self) -> Vec<PathBuf> {
        match self {
            Dragged::Local { dir, names } => names
                .iter()
                .map(|n| dir.join(n))
                .filter(|p| p.is_file())
                .collect(),
            Dragged::Remote(_) => Vec::new(),
        }
    }
}

/// What to do with a transfer whose name exists on the other side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OnConflict {
    Overwrite,
    Resume,
    KeepBoth,
    Skip,
    IfNewerOrDifferent,
}

/// The panel's view state.
pub struct FilesPanel {
    services: Services,
    store: Store,
    secrets: Secrets,
    events: MappedSink<FilesEvent, AppEvent>,
    pub host: String,
    pub port: String,
    pub user: String,
    pub password: String,
    pub tls: TlsMode,
    /// ASCII transfers for the next connection (binary by default).
    pub ascii: bool,
    /// Follow remote folder changes in the local pane when a folder of the same name exists.
    pub sync_browsing: bool,
    /// How names that are not UTF-8 are shown (their bytes are kept either way).
    pub name_charset: Option<crate::charset::Charset>,
    /// The saved site this connection came from: a charset picked while connected is kept there.
    saved_site: Option<Site>,
    conn: Option<Connection>,
    next_conn: u64,
    state: ConnState,
    pub remote_path: Vec<u8>,
    remote_path_text: String,
    pub remote: Vec<Entry>,
    /// Display order of `remote`, recomputed only when the listing, sort or filter changes:
    /// sorting 100,000 entries every frame would cost more than drawing them.
    order: Option<Vec<usize>>,
    remote_loading: bool,
    remote_selected: BTreeSet<Vec<u8>>,
    remote_back: Vec<Vec<u8>>,
    sort: (SortKey, bool),
    filter: String,
    pub local_path: PathBuf,
    local_path_text: String,
    pub local: Vec<LocalEntry>,
    local_selected: BTreeSet<String>,
    local_error: Option<String>,
    dialog: Option<Dialog>,
    actions: Vec<FilesAction>,
    /// Saved sites, newest list from the store.
    pub sites: Vec<Site>,
    site_manager: Option<SiteDraft>,
    /// Set when something the user started elsewhere needs this panel in front.
    shown_requested: bool,
    local_picker: crate::ui::widgets::folder_picker::FolderPicker,
}

impl FilesPanel {
    pub fn new(
        services: Services,
        store: Store,
        secrets: Secrets,
        events: MappedSink<FilesEvent, AppEvent>,
        local: PathBuf,
    ) -> FilesPanel {
        let mut panel = FilesPanel {
            services,
            store,
            secrets,
            events,
            host: String::new(),
            port: "21".into(),
            user: String::new(),
            password: String::new(),
            tls: TlsMode::IfOffered,
            ascii: false,
            sync_browsing: false,
            name_charset: None,
            saved_site: None,
            conn: None,
            next_conn: 1,
            state: ConnState::Disconnected,
            remote_path: b"/".to_vec(),
            remote_path_text: "/".into(),
            remote: Vec::new(),
            order: None,
            remote_loading: false,
            remote_selected: BTreeSet::new(),
            remote_back: Vec::new(),
            sort: (SortKey::Name, true),
            filter: String::new(),
            local_path_text: local.display().to_string(),
            local_path: local,
            local: Vec::new(),
            local_selected: BTreeSet::new(),
            local_error: None,
            dialog: None,
            actions: Vec::new(),
            sites: Vec::new(),
            site_manager: None,
            shown_requested: false,
            local_picker: crate::ui::widgets::folder_picker::FolderPicker::default(),
        };
        panel.refresh_local();
        panel
    }

    /// The panel as the app starts it, with the saved sites.
    pub fn from_context(ctx: &PanelContext) -> anyhow::Result<FilesPanel> {
        let mut panel = FilesPanel::new(
            ctx.services.clone(),
            ctx.store.clone(),
            ctx.secrets.clone(),
            ctx.sink(PanelKind::Files),
            default_local_folder(&ctx.settings.download_dir),
        );
        panel.sites = ctx.store.load_sites()?;
        Ok(panel)
    }

    /// What the views asked for, carried out: the store and secrets here, the rest for the
    /// shell.
    fn carry_out(&mut self, action: FilesAction) -> Option<ShellAction> {
        let sites = |events: MappedSink<FilesEvent, AppEvent>| {
            move |r: Result<Vec<Site>, crate::store::StoreError>| {
                events.send(FilesEvent::Sites(r.map_err(|e| e.to_string())));
            }
        };
        let not_saved = |events: MappedSink<FilesEvent, AppEvent>| {
            move |r: Result<(), crate::secrets::SecretError>| {
                if let Err(e) = r {
                    events.send(FilesEvent::NotSaved(e.to_string()));
                }
            }
        };
        Some(match action {
            FilesAction::Transfer(spec) => ShellAction::StartJob(spec),
            FilesAction::Attach(paths) => ShellAction::Deliver(
                PanelKind::Mail,
                super::PanelEvent::new(super::compose::AttachFiles(paths)),
            ),
            FilesAction::SaveSite { site, password } => {
                let key = site.secret_key();
                let name = site.name.clone();
                self.store.save_site(site, sites(self.events.clone()));
                if let Some(password) = password {
                    self.secrets
                        .set(key, password, not_saved(self.events.clone()));
                }
                ShellAction::Toast(Toast::Info(format!("Site {name} saved")))
            }
            FilesAction::RememberPassword { site, password } => {
                self.secrets
                    .set(site.secret_key(), password, not_saved(self.events.clone()));
                return None;
            }
            FilesAction::DeleteSite(site) => {
                self.store.delete_site(site.id, sites(self.events.clone()));
                self.secrets
                    .delete(site.secret_key(), not_saved(self.events.clone()));
                return None;
            }
            FilesAction::ConnectSite {
                site,
                password: Some(password),
            } => {
                self.connect_saved(&site, Some(password));
                return None;
            }
            FilesAction::ConnectSite { site, .. } => {
                let events = self.events.clone();
                self.secrets.get(site.secret_key(), move |password| {
                    events.send(FilesEvent::SiteLogin(site, password));
                });
                return None;
            }
            FilesAction::Untrusted(rejection) => ShellAction::Untrusted {
                retry: 0,
                rejection,
            },
            FilesAction::Error(e) => ShellAction::Toast(Toast::Error(e)),
            FilesAction::Info(m) => ShellAction::Toast(Toast::Info(m)),
        })
    }

    pub fn is_connected(&self) -> bool {
        matches!(self.state, ConnState::Connected { .. })
    }

    /// Status-bar text.
    pub fn status(&self) -> String {
        match &self.state {
            ConnState::Disconnected => "Not connected".into(),
            ConnState::Connecting => format!("Connecting to {}…", self.host),
            ConnState::Failed(e) => format!("Error: {e}"),
            ConnState::Connected { secure, features } => format!(
                "{} {}:{} · {} · {} entries{}",
                if *secure { "🔒" } else { "⚠ plain FTP" },
                self.host,
                self.port,
                worker::shown(&self.remote_path),
                self.remote.len(),
                if features.mlsd { " · MLSD" } else { "" }
            ),
        }
    }

    /// Fills the connect form from an `ftp://` or `ftps://` link and connects.
    pub fn open_link(&mut self, link: &Link) {
        self.open_link_with(link, None);
    }

    /// [`FilesPanel::open_link`], where a password typed in the form is used when the address
    /// has none (`ftp://user@host/` with the password in its own field).
    fn open_link_with(&mut self, link: &Link, typed_password: Option<String>) {
        let Some((mut site, path)) = FtpSite::from_link(link) else {
            return;
        };
        if site.password.is_none() {
            site.password = typed_password;
        }
        self.host.clone_from(&site.host);
        self.port = site.port.to_string();
        self.user = site.user.clone().unwrap_or_default();
        self.password = site.password.clone().unwrap_or_default();
        self.tls = site.tls;
        self.saved_site = None;
        self.connect_site(site, Some(path));
    }

    /// Connects with what the form holds.
    pub fn connect(&mut self) {
        let input = self.host.trim().to_string();
        if input.contains("://") {
            match Link::parse(&input) {
                Ok(link @ Link::Ftp { .. }) => {
                    let typed = (!self.password.is_empty()).then(|| self.password.clone());
                    self.open_link_with(&link, typed);
                }
                Ok(other) => {
                    self.state = ConnState::Failed(format!("{other} is not an FTP address"));
                }
                Err(e) => self.state = ConnState::Failed(e.to_string()),
            }
            return;
        }
        let port = match self.port.trim() {
            "" => {
                if self.tls == TlsMode::Implicit {
                    990
                } else {
                    21
                }
            }
            p => match p.parse::<u16>() {
                Ok(p) if p > 0 => p,
                _ => {
                    self.state = ConnState::Failed(format!("bad port {p:?}"));
                    return;
                }
            },
        };
        if input.is_empty() {
            self.state = ConnState::Failed("type a host name or an ftp:// address".into());
            return;
        }
        let site = FtpSite {
            host: input,
            port,
            user: (!self.user.trim().is_empty()).then(|| self.user.trim().to_string()),
            password: (!self.password.is_empty()).then(|| self.password.clone()),
            tls: self.tls,
            passive: true,
            ascii: self.ascii,
            max_parallel: crate::store::DEFAULT_PARALLEL as usize,
        };
        self.saved_site = None;
        self.connect_site(site, None);
    }

    fn connect_site(&mut self, site: FtpSite, path: Option<Vec<u8>>) {
        self.disconnect();
        let id = self.next_conn;
        self.next_conn += 1;
        let worker = worker::spawn(
            self.services.clone(),
            site.clone(),
            self.events
                .clone()
                .contramap(move |e| FilesEvent::Ftp(id, e)),
        );
        if let Some(p) = path.filter(|p| p.len() > 1) {
            self.remote_path = p;
        } else {
            self.remote_path.clear();
        }
        self.remote.clear();
        self.order = None;
        self.remote_selected.clear();
        self.remote_back.clear();
        self.conn = Some(Connection { id, site, worker });
        self.state = ConnState::Connecting;
    }

    /// Connects to a saved site with the password found for it; a site with a user name and
    /// no password found asks for one first.
    pub fn connect_saved(&mut self, site: &Site, password: Option<String>) {
        let anonymous = site.user.is_empty()
            || site.user.eq_ignore_ascii_case("anonymous")
            || site.user.eq_ignore_ascii_case("ftp");
        if password.is_none() && !anonymous {
            self.dialog = Some(Dialog::Password {
                site: site.clone(),
                text: String::new(),
            });
            return;
        }
        self.connect_with(site, password);
    }

    fn connect_with(&mut self, site: &Site, password: Option<String>) {
        let tls = TlsMode::from_name(&site.tls);
        self.host.clone_from(&site.host);
        self.port = site.port.to_string();
        self.user.clone_from(&site.user);
        self.password = password.clone().unwrap_or_default();
        self.tls = tls;
        if !site.local_dir.is_empty() {
            self.open_local(PathBuf::from(&site.local_dir));
        }
        let ftp_site = FtpSite {
            host: site.host.clone(),
            port: site.port,
            user: (!site.user.is_empty()).then(|| site.user.clone()),
            password,
            tls,
            passive: site.passive,
            ascii: self.ascii,
            max_parallel: site.max_parallel.clamp(1, MAX_PARALLEL) as usize,
        };
        self.name_charset = crate::charset::Charset::from_label(&site.charset);
        self.saved_site = Some(site.clone());
        let path = (!site.remote_dir.is_empty()).then(|| site.remote_dir.as_bytes().to_vec());
        self.connect_site(ftp_site, path);
    }

    /// Retries the last connection (after the user trusted a certificate).
    pub fn retry(&mut self) {
        if let Some(site) = self.conn.as_ref().map(|c| c.site.clone()) {
            let path = (!self.remote_path.is_empty()).then(|| self.remote_path.clone());
            self.connect_site(site, path);
        }
    }

    /// Closes the connection; the remote pane empties, so nothing looks connected that is not.
    pub fn disconnect(&mut self) {
        if let Some(c) = self.conn.take() {
            let _ = c.worker.send(FtpCommand::Disconnect);
        }
        self.state = ConnState::Disconnected;
        self.remote.clear();
        self.order = None;
        self.remote_selected.clear();
        self.remote_back.clear();
        self.remote_loading = false;
    }

    fn send(&mut self, cmd: FtpCommand) {
        if let Some(c) = &self.conn {
            let _ = c.worker.send(cmd);
        }
    }

    /// Lists a remote folder. `push` records the current one for Back.
    pub fn open_remote(&mut self, path: Vec<u8>, push: bool) {
        if push && path != self.remote_path {
            self.remote_back.push(self.remote_path.clone());
            if self.sync_browsing {
                self.follow_locally(&path);
            }
        }
        self.remote_path_text = worker::shown(&path);
        self.remote_path.clone_from(&path);
        self.remote_loading = true;
        self.remote_selected.clear();
        self.send(FtpCommand::List(path));
    }

    /// Synchronized browsing: into the same-named local subfolder, or up to the parent.
    fn follow_locally(&mut self, new_remote: &[u8]) {
        let old = self
            .remote_path
            .strip_suffix(b"/")
            .unwrap_or(&self.remote_path)
            .to_vec();
        let new = new_remote.strip_suffix(b"/").unwrap_or(new_remote).to_vec();
        // Decided from the local listing in memory: no disk access in a frame.
        let target = if new.starts_with(&old) && new.get(old.len()) == Some(&b'/') {
            let child = name_of(&new[old.len() + 1..]);
            self.local
                .iter()
                .any(|l| l.is_dir && l.name == child)
                .then(|| self.local_path.join(child))
        } else if worker::parent(&old) == new {
            self.local_path.parent().map(Path::to_path_buf)
        } else {
            None
        };
        if let Some(dir) = target {
            self.open_local(dir);
        }
    }

    pub fn refresh_remote(&mut self) {
        if self.is_connected() {
            self.open_remote(self.remote_path.clone(), false);
        }
    }

    pub fn refresh_local(&mut self) {
        worker::list_local(
            &self.services,
            self.local_path.clone(),
            self.events
                .clone()
                .contramap(|(p, r)| FilesEvent::Local(p, r)),
        );
    }

    fn open_local(&mut self, path: PathBuf) {
        self.local_path_text = path.display().to_string();
        self.local_path = path;
        self.local_selected.clear();
        self.refresh_local();
    }

    /// Applies a worker event.
    pub fn apply_event(&mut self, event: FilesEvent) {
        match event {
            FilesEvent::Sites(Ok(list)) => self.site_saved(list),
            FilesEvent::Sites(Err(e)) | FilesEvent::NotSaved(e) => {
                self.actions
                    .push(FilesAction::Error(format!("Could not save: {e}")));
            }
            FilesEvent::DiskChecked {
                upload,
                remote_dir,
                items,
            } => self.disk_checked(upload, &remote_dir, items),
            FilesEvent::SiteLogin(site, password) => {
                self.shown_requested = true;
                self.connect_saved(&site, password);
            }
            FilesEvent::Local(path, result) => {
                if path != self.local_path {
                    return;
                }
                match result {
                    Ok(list) => {
                        self.local = list;
                        self.local_error = None;
                    }
                    Err(e) => self.local_error = Some(e),
                }
            }
            FilesEvent::Plan(result) => {
                if let Some(Dialog::Compare { plan, .. }) = &mut self.dialog {
                    *plan = Some(result);
                }
            }
            FilesEvent::Ftp(id, event) => {
                if self.conn.as_ref().map(|c| c.id) != Some(id) {
                    return;
                }
                match event {
                    FtpEvent::Connected {
                        home,
                        features,
                        secure,
                    } => {
                        self.state = ConnState::Connected { secure, features };
                        let start = if self.remote_path.is_empty() {
                            home
                        } else {
                            self.remote_path.clone()
                        };
                        self.open_remote(start, false);
                    }
                    FtpEvent::Listing { path, entries } => {
                        if path == self.remote_path {
                            self.remote = entries;
                            self.order = None;
                            self.remote_loading = false;
                        }
                    }
                    FtpEvent::Done(message) => {
                        self.actions.push(FilesAction::Info(message));
                        self.refresh_remote();
                    }
                    FtpEvent::Viewed { path, text } => {
                        self.dialog = Some(Dialog::View {
                            path: worker::shown(&path),
                            text,
                        });
                    }
                    FtpEvent::Failed(e) => {
                        self.remote_loading = false;
                        if matches!(self.state, ConnState::Connecting) {
                            self.state = ConnState::Failed(e.clone());
                        }
                        self.actions.push(FilesAction::Error(e));
                    }
                    FtpEvent::Untrusted(r) => {
                        self.state = ConnState::Failed(r.reason.clone());
                        self.actions.push(FilesAction::Untrusted(r));
                    }
                    FtpEvent::Disconnected => {
                        self.state = ConnState::Disconnected;
                    }
                }
            }
        }
    }

    /// Entries in display order: folders first, then by the sort column.
    fn sorted_remote(&self) -> Vec<usize> {
        let needle = self.filter.to_lowercase();
        let mut idx: Vec<usize> = (0..self.remote.len())
            .filter(|i| {
                needle.is_empty()
                    || name_of(&self.remote[*i].name)
                        .to_lowercase()
                        .contains(&needle)
            })
            .collect();
        let (key, asc) = self.sort;
        idx.sort_by(|a, b| {
            let (ea, eb) = (&self.remote[*a], &self.remote[*b]);
            let dirs = (eb.kind == EntryKind::Dir).cmp(&(ea.kind == EntryKind::Dir));
            let ord = match key {
                SortKey::Name => ea
                    .name
                    .to_ascii_lowercase()
                    .cmp(&eb.name.to_ascii_lowercase()),
                SortKey::Size => ea.size.cmp(&eb.size),
                SortKey::Modified => ea.modified.cmp(&eb.modified),
            };
            dirs.then(if asc { ord } else { ord.reverse() })
        });
        idx
    }

    fn download_selected(&mut self) {
        if self.conn.is_none() {
            return;
        }
        let mut folders: Vec<Vec<u8>> = Vec::new();
        let mut checks = Vec::new();
        let selected: Vec<Entry> = self
            .remote
            .iter()
            .filter(|e| self.remote_selected.contains(&e.name))
            .cloned()
            .collect();
        for entry in selected {
            if entry.kind == EntryKind::Dir {
                folders.push(entry.name.clone());
                continue;
            }
            // Asked of the disk, not the listing, so a file made since the last refresh counts.
            let local_name = crate::filename::sanitize(&name_of(&entry.name));
            checks.push((Some(entry), self.local_path.join(&local_name)));
        }
        self.check_disk(false, checks);
        for name in folders {
            let job = self.mirror_job(
                worker::join(&self.remote_path, &name),
                self.local_path
                    .join(crate::filename::sanitize(&name_of(&name))),
                Direction::Download,
            );
            if let Some(job) = job {
                self.actions.push(FilesAction::Transfer(JobSpec::Mirror {
                    job,
                    plan: None,
                    delete: false,
                }));
            }
        }
    }

    /// Looks at the disk on a worker thread for each `(remote, local path)`; the answer comes
    /// back as [`FilesEvent::DiskChecked`]. Nothing is read from the disk in a frame.
    fn check_disk(&self, upload: bool, checks: Vec<(Option<Entry>, PathBuf)>) {
        if checks.is_empty() {
            return;
        }
        let events = self.events.clone();
        let remote_dir = self.remote_path.clone();
        self.services.runtime.spawn_blocking(move || {
            let items = checks
                .into_iter()
                .map(|(remote, local_path)| DiskItem {
                    local: local_file(&local_path),
                    remote,
                    local_path,
                })
                .collect();
            events.send(FilesEvent::DiskChecked {
                upload,
                remote_dir,
                items,
            });
        });
    }

    /// Queues what the disk check allows and asks about names that are taken.
    fn disk_checked(&mut self, upload: bool, remote_dir: &[u8], items: Vec<DiskItem>) {
        let mut conflicts = Vec::new();
        for item in items {
            match (upload, item.remote, item.local) {
                (_, Some(remote), Some(local)) => {
                    conflicts.push(Conflict {
                        upload,
                        remote_dir: remote_dir.to_vec(),
                        remote,
                        local,
                        local_path: item.local_path,
                    });
                }
                (false, Some(remote), None) => {
                    self.queue_download(remote_dir, &remote, IfExists::Rename);
                }
                (true, _, _) => {
                    let Some(name) = item
                        .local_path
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                    else {
                        continue;
                    };
                    self.queue_upload(item.local_path, remote_dir, name.as_bytes(), false);
                }
                (false, None, _) => {}
            }
        }
        self.ask_about(conflicts);
    }

    fn queue_download(&mut self, dir: &[u8], entry: &Entry, exists: IfExists) {
        let Some(conn) = &self.conn else { return };
        self.actions.push(FilesAction::Transfer(JobSpec::Download {
            source: Source::Ftp {
                site: conn.site.clone(),
                path: worker::join(dir, &entry.name),
                exists,
            },
            name: name_of(&entry.name),
            folder: self.local_path.clone(),
        }));
    }

    fn queue_upload(&mut self, local: PathBuf, dir: &[u8], remote_name: &[u8], resume: bool) {
        let Some(conn) = &self.conn else { return };
        self.actions.push(FilesAction::Transfer(JobSpec::Upload {
            site: conn.site.clone(),
            local,
            remote: worker::join(dir, remote_name),
            resume,
        }));
    }

    /// Applies the user's answer to the first pending conflict (or to all of them).
    fn resolve_conflicts(&mut self, pending: &mut Vec<Conflict>, answer: OnConflict, all: bool) {
        let count = if all {
            pending.len()
        } else {
            pending.len().min(1)
        };
        for c in pending.drain(..count) {
            let (source, target) = if c.upload {
                (
                    (c.local.modified, Some(c.local.size)),
                    (c.remote.modified, c.remote.size),
                )
            } else {
                (
                    (c.remote.modified, c.remote.size),
                    (c.local.modified, Some(c.local.size)),
                )
            };
            let answer = match answer {
                OnConflict::IfNewerOrDifferent => {
                    if crate::mirror::compare(source, target).replaces_target() {
                        OnConflict::Overwrite
                    } else {
                        OnConflict::Skip
                    }
                }
                other => other,
            };
            match (c.upload, answer) {
                (_, OnConflict::Skip | OnConflict::IfNewerOrDifferent) => {}
                (false, OnConflict::Overwrite) => {
                    self.queue_download(&c.remote_dir, &c.remote, IfExists::Overwrite);
                }
                (false, OnConflict::Resume) => {
                    self.queue_download(&c.remote_dir, &c.remote, IfExists::Resume);
                }
                (false, OnConflict::KeepBoth) => {
                    self.queue_download(&c.remote_dir, &c.remote, IfExists::Rename);
                }
                (true, OnConflict::Overwrite) => {
                    self.queue_upload(c.local_path, &c.remote_dir, &c.remote.name, false);
                }
                (true, OnConflict::Resume) => {
                    self.queue_upload(c.local_path, &c.remote_dir, &c.remote.name, true);
                }
                (true, OnConflict::KeepBoth) => {
                    let name = unique_remote_name(&self.remote, c.local.name.as_bytes());
                    self.queue_upload(c.local_path, &c.remote_dir, &name, false);
                }
            }
        }
    }

    /// Files and folders dropped from the desktop are uploaded to the remote folder.
    fn desktop_drops(&mut self, ctx: &egui::Context) {
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .collect()
        });
        if dropped.is_empty() {
            return;
        }
        if self.conn.is_none() {
            self.actions.push(FilesAction::Error(
                "connect to a site first, then drop files to upload them".into(),
            ));
            return;
        }
        // Files and folders alike: the upload job looks at the disk, not the frame. A name
        // the remote folder lists already is asked about once the disk check says it is a file.
        let checks = dropped
            .into_iter()
            .filter_map(|path| {
                let name = path.file_name()?.to_string_lossy().into_owned();
                let existing = self
                    .remote
                    .iter()
                    .find(|r| r.name == name.as_bytes() && r.kind != EntryKind::Dir)
                    .cloned();
                Some((existing, path))
            })
            .collect();
        self.check_disk(true, checks);
    }

    /// Opens the overwrite dialog for transfers whose names are taken.
    fn ask_about(&mut self, conflicts: Vec<Conflict>) {
        if !conflicts.is_empty() {
            self.dialog = Some(Dialog::Overwrite {
                pending: conflicts,
                apply_to_all: false,
            });
        }
    }

    fn mirror_job(
        &self,
        remote: Vec<u8>,
        local: PathBuf,
        direction: Direction,
    ) -> Option<MirrorJob> {
        let conn = self.conn.as_ref()?;
        Some(MirrorJob {
            site: conn.site.clone(),
            trust: self.services.trust.clone(),
            limits: self.services.limits,
            remote,
            local,
            direction,
            // The Activity job replaces this with its own place in the app's queue.
            context: self.services.transfers(0),
        })
    }

    fn start_compare(&mut self, direction: Direction, delete: bool) {
        let Some(job) =
            self.mirror_job(self.remote_path.clone(), self.local_path.clone(), direction)
        else {
            return;
        };
        self.dialog = Some(Dialog::Compare {
            direction,
            delete,
            plan: None,
        });
        mirror_worker::compute_plan(
            &self.services,
            job,
            delete,
            self.events.clone().contramap(FilesEvent::Plan),
        );
    }

    fn upload_selected(&mut self) {
        if self.conn.is_none() {
            return;
        }
        let mut conflicts = Vec::new();
        let mut uploads = Vec::new();
        for entry in self
            .local
            .iter()
            .filter(|e| self.local_selected.contains(&e.name))
        {
            if entry.is_dir {
                if let Some(job) = self.mirror_job(
                    worker::join(&self.remote_path, entry.name.as_bytes()),
                    self.local_path.join(&entry.name),
                    Direction::Upload,
                ) {
                    self.actions.push(FilesAction::Transfer(JobSpec::Mirror {
                        job,
                        plan: None,
                        delete: false,
                    }));
                }
                continue;
            }
            match self
                .remote
                .iter()
                .find(|r| r.name == entry.name.as_bytes() && r.kind != EntryKind::Dir)
            {
                Some(existing) => conflicts.push(Conflict {
                    upload: true,
                    remote_dir: self.remote_path.clone(),
                    remote: existing.clone(),
                    local: entry.clone(),
                    local_path: self.local_path.join(&entry.name),
                }),
                None => uploads.push(entry.name.clone()),
            }
        }
        for name in uploads {
            let dir = self.remote_path.clone();
            self.queue_upload(self.local_path.join(&name), &dir, name.as_bytes(), false);
        }
        self.ask_about(conflicts);
    }

    /// Draws the panel.
    pub fn ui(&mut self, ui: &mut egui::Ui) {
        self.connect_bar(ui);
        ui.separator();
        let connected = self.is_connected();
        ui.horizontal_wrapped(|ui| {
            let can_down = connected && !self.remote_selected.is_empty();
            if ui
                .add_enabled(can_down, egui::Button::new("⬇ Download"))
                .on_hover_text("Download the selected remote files to the local folder")
                .clicked()
            {
                self.download_selected();
            }
            let can_up = connected && !self.local_selected.is_empty();
            if ui
                .add_enabled(can_up, egui::Button::new("⬆ Upload"))
                .on_hover_text("Upload the selected local files to the remote folder")
                .clicked()
            {
                self.upload_selected();
            }
            if ui
                .add_enabled(connected, egui::Button::new("⇄ Compare"))
                .on_hover_text(
                    "Compare the local folder with the remote one, then mirror either way",
                )
                .clicked()
            {
                self.start_compare(Direction::Download, false);
            }
            ui.separator();
            self.remote_tools(ui, connected);
            let label = ui.label("Filter:");
            let filter = ui
                .add(egui::TextEdit::singleline(&mut self.filter).desired_width(140.0))
                .labelled_by(label.id);
            if filter.changed() {
                self.order = None;
            }
            ui.checkbox(&mut self.sync_browsing, "Synchronized browsing")
                .on_hover_text(
                    "Entering a remote folder also enters the local folder of the same name",
                );
            ui.checkbox(&mut self.ascii, "ASCII").on_hover_text(
                "ASCII transfers (line ends converted) on the next connection; binary otherwise",
            );
            let l = ui.label("Names:");
            if charset_combo(ui, "name_charset", &mut self.name_charset)
                .labelled_by(l.id)
                .changed()
            {
                self.order = None;
                // Remembered for the saved site this connection came from.
                if let Some(site) = &mut self.saved_site {
                    site.charset = self
                        .name_charset
                        .map_or_else(String::new, |c| c.label().to_string());
                    self.actions.push(FilesAction::SaveSite {
                        site: site.clone(),
                        password: None,
                    });
                }
            }
        });
        ui.separator();
        // Local on the left, remote on the right, with a draggable divider.
        let width = ui.available_width();
        egui::Panel::left("files_local")
            .resizable(true)
            .default_size(width * 0.42)
            .size_range(200.0..=width * 0.8)
            .show(ui, |ui| self.local_pane(ui));
        egui::CentralPanel::default().show(ui, |ui| self.remote_pane(ui));
        self.desktop_drops(ui.ctx());
        self.dialogs(ui.ctx());
        self.site_manager_window(ui.ctx());
    }

    fn connect_bar(&mut self, ui: &mut egui::Ui) {
        let mut go = false;
        ui.horizontal_wrapped(|ui| {
            if ui
                .button("Sites…")
                .on_hover_text("The site manager: saved sites, with passwords in the keyring")
                .clicked()
            {
                self.site_manager = Some(SiteDraft {
                    site: self.current_as_site(),
                    password: self.password.clone(),
                });
            }
            let l = ui.label("Host:");
            let r = ui
                .add(
                    egui::TextEdit::singleline(&mut self.host)
                        .desired_width(200.0)
                        .hint_text("host or ftp://…"),
                )
                .labelled_by(l.id);
            go |= r.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
            let l = ui.label("Port:");
            ui.add(egui::TextEdit::singleline(&mut self.port).desired_width(44.0))
                .labelled_by(l.id);
            let l = ui.label("User:");
            ui.add(
                egui::TextEdit::singleline(&mut self.user)
                    .desired_width(100.0)
                    .hint_text("anonymous"),
            )
            .labelled_by(l.id);
            let l = ui.label("Password:");
            let r = ui
                .add(
                    egui::TextEdit::singleline(&mut self.password)
                        .password(true)
                        .desired_width(100.0),
                )
                .labelled_by(l.id);
            go |= r.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
            let l = ui.label("TLS:");
            egui::ComboBox::from_id_salt("tls_mode")
                .selected_text(tls_label(self.tls))
                .show_ui(ui, |ui| {
                    for mode in [
                        TlsMode::IfOffered,
                        TlsMode::Explicit,
                        TlsMode::Implicit,
                        TlsMode::Plain,
                    ] {
                        if ui
                            .selectable_value(&mut self.tls, mode, tls_label(mode))
                            .clicked()
                            && mode == TlsMode::Implicit
                            && self.port.trim() == "21"
                        {
                            self.port = "990".into();
                        }
                    }
                })
                .response
                .labelled_by(l.id);
            if matches!(
                self.state,
                ConnState::Connected { .. } | ConnState::Connecting
            ) {
                if ui.button("Disconnect").clicked() {
                    self.disconnect();
                }
            } else if ui.button("Connect").clicked() {
                go = true;
            }
            match &self.state {
                ConnState::Connecting => {
                    ui.spinner();
                }
                ConnState::Failed(e) => {
                    // One line here (the whole message is in the status bar and on hover), so
                    // the toolbar below does not jump.
                    ui.add(
                        egui::Label::new(
                            RichText::new(e.as_str()).color(ui.visuals().error_fg_color),
                        )
                        .truncate(),
                    )
                    .on_hover_text(e.as_str());
                }
                ConnState::Connected { secure: false, .. } => {
                    ui.colored_label(ui.visuals().warn_fg_color, "⚠ not encrypted");
                }
                ConnState::Connected { secure: true, .. } => {
                    ui.label("🔒 TLS");
                }
                ConnState::Disconnected => {}
            }
        });
        if go {
            self.connect();
        }
    }

    fn current_as_site(&self) -> Site {
        Site {
            id: 0,
            name: if self.host.is_empty() {
                "New site".into()
            } else {
                self.host.clone()
            },
            host: self.host.clone(),
            port: self.port.trim().parse().unwrap_or(21),
            user: self.user.clone(),
            tls: self.tls.name().into(),
            passive: true,
            remote_dir: String::new(),
            local_dir: self.local_path.display().to_string(),
            charset: self
                .name_charset
                .map_or_else(String::new, |c| c.label().to_string()),
            max_parallel: crate::store::DEFAULT_PARALLEL,
        }
    }

    fn site_manager_window(&mut self, ctx: &egui::Context) {
        let Some(mut draft) = self.site_manager.take() else {
            return;
        };
        let mut open = true;
        let mut close = false;
        egui::Window::new("Site manager")
            .open(&mut open)
            .collapsible(false)
            .default_width(620.0)
            .anchor(egui::Align2::CENTER_TOP, egui::vec2(0.0, 80.0))
            .show(ctx, |ui| {
                ui.horizontal_top(|ui| {
                    ui.vertical(|ui| {
                        ui.set_width(180.0);
                        ui.label(RichText::new("Saved sites").strong());
                        if self.sites.is_empty() {
                            ui.weak("None yet.");
                        }
                        for site in &self.sites {
                            if ui
                                .selectable_label(draft.site.id == site.id, &site.name)
                                .clicked()
                            {
                                draft = SiteDraft {
                                    site: site.clone(),
                                    password: String::new(),
                                };
                            }
                        }
                        if ui.button("New site").clicked() {
                            draft = SiteDraft {
                                site: Site {
                                    name: "New site".into(),
                                    port: 21,
                                    tls: "auto".into(),
                                    passive: true,
                                    ..Site::default()
                                },
                                password: String::new(),
                            };
                        }
                    });
                    ui.separator();
                    ui.vertical(|ui| {
                        egui::Grid::new("site_fields")
                            .num_columns(2)
                            .show(ui, |ui| {
                                let s = &mut draft.site;
                                let l = ui.label("Name:");
                                ui.text_edit_singleline(&mut s.name).labelled_by(l.id);
                                ui.end_row();
                                let l = ui.label("Site host:");
                                ui.text_edit_singleline(&mut s.host).labelled_by(l.id);
                                ui.end_row();
                                let l = ui.label("Site port:");
                                let mut port = s.port.to_string();
                                if ui
                                    .text_edit_singleline(&mut port)
                                    .labelled_by(l.id)
                                    .changed()
                                {
                                    s.port = port.trim().parse().unwrap_or(s.port);
                                }
                                ui.end_row();
                                let l = ui.label("Site user:");
                                ui.text_edit_singleline(&mut s.user).labelled_by(l.id);
                                ui.end_row();
                                let l = ui.label("Site password:");
                                ui.add(
                                    egui::TextEdit::singleline(&mut draft.password)
                                        .password(true)
                                        .hint_text(if s.id > 0 { "(kept)" } else { "" }),
                                )
                                .labelled_by(l.id);
                                ui.end_row();
                                let l = ui.label("Encryption:");
                                let mut mode = TlsMode::from_name(&s.tls);
                                egui::ComboBox::from_id_salt("site_tls")
                                    .selected_text(tls_label(mode))
                                    .show_ui(ui, |ui| {
                                        for m in [
                                            TlsMode::IfOffered,
                                            TlsMode::Explicit,
                                            TlsMode::Implicit,
                                            TlsMode::Plain,
                                        ] {
                                            ui.selectable_value(&mut mode, m, tls_label(m));
                                        }
                                    })
                                    .response
                                    .labelled_by(l.id);
                                s.tls = mode.name().into();
                                ui.end_row();
                                ui.label("Transfer mode:");
                                ui.checkbox(
                                    &mut s.passive,
                                    "Passive (uncheck for active EPRT/PORT)",
                                );
                                ui.end_row();
                                let l = ui.label("Remote folder:");
                                ui.text_edit_singleline(&mut s.remote_dir).labelled_by(l.id);
                                ui.end_row();
                                let l = ui.label("Local folder:");
                                ui.text_edit_singleline(&mut s.local_dir).labelled_by(l.id);
                                ui.end_row();
                                let l = ui.label("Names charset:");
                                let mut cs = crate::charset::Charset::from_label(&s.charset);
                                if charset_combo(ui, "site_charset", &mut cs)
                                    .labelled_by(l.id)
                                    .changed()
                                {
                                    s.charset =
                                        cs.map_or_else(String::new, |c| c.label().to_string());
                                }
                                ui.end_row();
                                let l = ui.label("Parallel transfers:");
                                ui.add(
                                    egui::DragValue::new(&mut s.max_parallel)
                                        .range(1..=MAX_PARALLEL),
                                )
                                .labelled_by(l.id)
                                .on_hover_text(
                                    "Transfers to this site that run at once, each on its own connection",
                                );
                                ui.end_row();
                            });
                        ui.horizontal(|ui| {
                            let valid = !draft.site.host.trim().is_empty() && draft.site.port > 0;
                            if ui.add_enabled(valid, egui::Button::new("Save")).clicked() {
                                self.actions.push(FilesAction::SaveSite {
                                    site: draft.site.clone(),
                                    password: (!draft.password.is_empty())
                                        .then(|| draft.password.clone()),
                                });
                            }
                            if ui
                                .add_enabled(valid, egui::Button::new("Save and connect"))
                                .clicked()
                            {
                                self.actions.push(FilesAction::SaveSite {
                                    site: draft.site.clone(),
                                    password: (!draft.password.is_empty())
                                        .then(|| draft.password.clone()),
                                });
                                self.actions.push(FilesAction::ConnectSite {
                                    site: draft.site.clone(),
                                    password: (!draft.password.is_empty())
                                        .then(|| draft.password.clone()),
                                });
                                close = true;
                            }
                            if ui
                                .add_enabled(draft.site.id > 0, egui::Button::new("Delete site"))
                                .clicked()
                            {
                                self.actions
                                    .push(FilesAction::DeleteSite(draft.site.clone()));
                                draft.site.id = 0;
                            }
                        });
                    });
                });
            });
        if open && !close {
            self.site_manager = Some(draft);
        }
    }

    /// A saved site was stored: keep its id so Save again updates it.
    pub fn site_saved(&mut self, sites: Vec<Site>) {
        if let Some(d) = &mut self.site_manager
            && d.site.id == 0
            && let Some(s) = sites
                .iter()
                .rev()
                .find(|s| s.name == d.site.name && s.host == d.site.host)
        {
            d.site.id = s.id;
        }
        // The connection made by "Save and connect" keeps later changes on the same row.
        if let Some(current) = &mut self.saved_site
            && current.id == 0
            && let Some(s) = sites
                .iter()
                .rev()
                .find(|s| s.name == current.name && s.host == current.host)
        {
            current.id = s.id;
        }
        self.sites = sites;
    }

    fn remote_tools(&mut self, ui: &mut egui::Ui, connected: bool) {
        let one = (self.remote_selected.len() == 1)
            .then(|| self.remote_selected.iter().next().cloned())
            .flatten();
        if ui
            .add_enabled(connected, egui::Button::new("New folder"))
            .clicked()
        {
            self.dialog = Some(Dialog::Mkdir(String::new()));
        }
        if ui
            .add_enabled(one.is_some(), egui::Button::new("Rename"))
            .clicked()
            && let Some(name) = &one
        {
            self.dialog = Some(Dialog::Rename {
                from: name.clone(),
                to: name_of(name),
            });
        }
        if ui
            .add_enabled(
                connected && !self.remote_selected.is_empty(),
                egui::Button::new("Delete"),
            )
            .clicked()
        {
            let items = self
                .remote
                .iter()
                .filter(|e| self.remote_selected.contains(&e.name))
                .map(|e| {
                    (
                        worker::join(&self.remote_path, &e.name),
                        e.kind == EntryKind::Dir,
                    )
                })
                .collect();
            self.dialog = Some(Dialog::Delete(items));
        }
        if ui
            .add_enabled(one.is_some(), egui::Button::new("Permissions"))
            .clicked()
            && let Some(name) = &one
        {
            self.dialog = Some(Dialog::Chmod {
                path: worker::join(&self.remote_path, name),
                mode: "644".into(),
            });
        }
        if ui
            .add_enabled(one.is_some(), egui::Button::new("View"))
            .clicked()
            && let Some(name) = &one
        {
            let path = worker::join(&self.remote_path, name);
            self.send(FtpCommand::View(path));
        }
        if ui
            .add_enabled(one.is_some(), egui::Button::new("Copy URL"))
            .clicked()
            && let (Some(name), Some(conn)) = (&one, &self.conn)
        {
            let path = worker::join(&self.remote_path, name);
            let encoded = percent_encoding::percent_encode(&path, URL_PATH).to_string();
            let scheme = if conn.site.tls == TlsMode::Implicit {
                "ftps"
            } else {
                "ftp"
            };
            let user = conn
                .site
                .user
                .as_ref()
                .map(|u| format!("{u}@"))
                .unwrap_or_default();
            ui.ctx().copy_text(format!(
                "{scheme}://{user}{}:{}{encoded}",
                conn.site.host, conn.site.port
            ));
            self.actions.push(FilesAction::Info("URL copied".into()));
        }
    }

    fn local_pane(&mut self, ui: &mut egui::Ui) {
        let pane_rect = ui.max_rect();
        let mut go: Option<PathBuf> = None;
        ui.horizontal(|ui| {
            ui.label(RichText::new("Local").strong());
            if ui.button("⬆").on_hover_text("Parent folder").clicked()
                && let Some(p) = self.local_path.parent()
            {
                go = Some(p.to_path_buf());
            }
            if ui.button("⟳").on_hover_text("Refresh").clicked() {
                self.refresh_local();
            }
            let l = ui.label("Local folder:");
            let r = ui
                .add(
                    egui::TextEdit::singleline(&mut self.local_path_text)
                        .desired_width(f32::INFINITY),
                )
                .labelled_by(l.id);
            if r.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter)) {
                go = Some(PathBuf::from(self.local_path_text.trim()));
            }
            if let Some(folder) = self.local_picker.show(ui, &self.local_path) {
                go = Some(folder);
            }
        });
        if let Some(e) = &self.local_error {
            ui.colored_label(ui.visuals().error_fg_color, e);
        }
        let row_h = ui.text_style_height(&egui::TextStyle::Body) + 4.0;
        let mut clicked: Option<(usize, bool, bool)> = None;
        let mut attach: Option<String> = None;
        TableBuilder::new(ui)
            .id_salt("local_table")
            .striped(true)
            .resizable(true)
            .sense(egui::Sense::click_and_drag())
            .auto_shrink([false, false])
            .column(Column::remainder().at_least(120.0).clip(true))
            .column(Column::auto().at_least(70.0))
            .column(Column::auto().at_least(140.0))
            .header(row_h, |mut h| {
                h.col(|ui| {
                    ui.strong("Name");
                });
                h.col(|ui| {
                    ui.strong("Size");
                });
                h.col(|ui| {
                    ui.strong("Modified");
                });
            })
            .body(|body| {
                body.rows(row_h, self.local.len(), |mut row| {
                    let i = row.index();
                    let e = &self.local[i];
                    row.set_selected(self.local_selected.contains(&e.name));
                    row.col(|ui| {
                        ui.add(
                            egui::Label::new(format!(
                                "{} {}",
                                if e.is_dir { "🗀" } else { "🗋" },
                                e.name
                            ))
                            .selectable(false)
                            .truncate(),
                        );
                    });
                    row.col(|ui| {
                        if !e.is_dir {
                            ui.label(human_bytes(e.size));
                        }
                    });
                    row.col(|ui| {
                        ui.label(e.modified.map(short_time).unwrap_or_default());
                    });
                    if !e.is_dir {
                        row.response().context_menu(|ui| {
                            if ui.button("✉ Attach to a message").clicked() {
                                attach = Some(e.name.clone());
                                ui.close();
                            }
                        });
                    }
                    // Dragged onto the remote pane, the row (and the rest of the selection)
                    // is uploaded.
                    if let Some((double, add)) =
                        row_input(&row.response(), &e.name, &self.local_selected, |names| {
                            Dragged::Local {
                                dir: self.local_path.clone(),
                                names,
                            }
                        })
                    {
                        clicked = Some((i, double, add));
                    }
                });
            });
        if let Some(payload) = dropped_on(ui, pane_rect, "local_drop")
            && let Dragged::Remote(names) = payload.as_ref()
        {
            self.remote_selected = names.iter().cloned().collect();
            self.download_selected();
        }
        if let Some((i, double, add)) = clicked {
            let e = self.local[i].clone();
            if double && e.is_dir {
                go = Some(self.local_path.join(&e.name));
            } else if double {
                self.local_selected = BTreeSet::from([e.name]);
                self.upload_selected();
            } else {
                toggle(&mut self.local_selected, e.name, add);
            }
        }
        if let Some(name) = attach {
            // The selection when the row is in it, else the row: files only.
            let names: Vec<String> = if self.local_selected.contains(&name) {
                self.local_selected.iter().cloned().collect()
            } else {
                vec![name]
            };
            let paths: Vec<PathBuf> = names
                .iter()
                .filter(|n| self.local.iter().any(|e| &e.name == *n && !e.is_dir))
                .map(|n| self.local_path.join(n))
                .collect();
            self.actions.push(FilesAction::Attach(paths));
        }
        if let Some(p) = go {
            self.open_local(p);
        }
    }

    fn remote_pane(&mut self, ui: &mut egui::Ui) {
        let pane_rect = ui.max_rect();
        let connected = self.is_connected();
        let mut go: Option<(Vec<u8>, bool)> = None;
        ui.horizontal(|ui| {
            ui.label(RichText::new("Remote").strong());
            if ui
                .add_enabled(
                    connected && !self.remote_back.is_empty(),
                    egui::Button::new("⬅"),
                )
                .on_hover_text("Back")
                .clicked()
                && let Some(p) = self.remote_back.pop()
            {
                go = Some((p, false));
            }
            if ui
                .add_enabled(connected, egui::Button::new("⬆"))
                .on_hover_text("Parent folder")
                .clicked()
            {
                go = Some((worker::parent(&self.remote_path), true));
            }
            if ui
                .add_enabled(connected, egui::Button::new("⟳"))
                .on_hover_text("Refresh")
                .clicked()
            {
                go = Some((self.remote_path.clone(), false));
            }
            let l = ui.label("Remote folder:");
            let r = ui
                .add_enabled(
                    connected,
                    egui::TextEdit::singleline(&mut self.remote_path_text)
                        .desired_width(f32::INFINITY),
                )
                .labelled_by(l.id);
            if r.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter)) {
                go = Some((self.remote_path_text.trim().as_bytes().to_vec(), true));
            }
        });
        // Breadcrumbs.
        if connected {
            ui.horizontal_wrapped(|ui| {
                let mut acc = Vec::new();
                let crumbs: Vec<Vec<u8>> = std::iter::once(b"/".to_vec())
                    .chain(
                        self.remote_path
                            .split(|b| *b == b'/')
                            .filter(|p| !p.is_empty())
                            .map(<[u8]>::to_vec),
                    )
                    .collect();
                for (i, part) in crumbs.iter().enumerate() {
                    if i == 0 {
                        acc = b"/".to_vec();
                    } else {
                        acc = worker::join(&acc, part);
                    }
                    if ui
                        .small_button(if i == 0 { "/".into() } else { name_of(part) })
                        .clicked()
                    {
                        go = Some((acc.clone(), true));
                    }
                }
                if self.remote_loading {
                    ui.spinner();
                }
            });
        }
        if !connected {
            ui.add_space(20.0);
            ui.weak("Connect to a site above: a host name, or an ftp:// or ftps:// address.");
        }
        if self.order.is_none() {
            self.order = Some(self.sorted_remote());
        }
        let order = self.order.take().unwrap_or_default();
        let row_h = ui.text_style_height(&egui::TextStyle::Body) + 4.0;
        let mut clicked: Option<(usize, bool, bool)> = None;
        let mut sort_by = None;
        TableBuilder::new(ui)
            .id_salt("remote_table")
            .striped(true)
            .resizable(true)
            .sense(egui::Sense::click_and_drag())
            .auto_shrink([false, false])
            .column(Column::remainder().at_least(140.0).clip(true))
            .column(Column::auto().at_least(70.0))
            .column(Column::auto().at_least(140.0))
            .column(Column::auto().at_least(80.0))
            .column(Column::auto().at_least(60.0))
            .header(row_h, |mut h| {
                for (label, key) in [("Name", Some(SortKey::Name)), ("Size", Some(SortKey::Size)), ("Modified", Some(SortKey::Modified)), ("Permissions", None), ("Owner", None)] {
                    h.col(|ui| {
                        let arrow = match key {
                            Some(k) if k == self.sort.0 => if self.sort.1 { " ⏶" } else { " ⏷" },
                            _ => "",
                        };
                        if ui.add(egui::Button::new(RichText::new(format!("{label}{arrow}")).strong()).frame(false)).clicked() {
                            sort_by = key;
                        }
                    });
                }
            })
            .body(|body| {
                body.rows(row_h, order.len(), |mut row| {
                    let i = order[row.index()];
                    let e = &self.remote[i];
                    row.set_selected(self.remote_selected.contains(&e.name));
                    row.col(|ui| {
                        let icon = match e.kind {
                            EntryKind::Dir => "🗀",
                            EntryKind::Link => "🔗",
                            EntryKind::Unknown => "⚠",
                            _ => "🗋",
                        };
                        let mut text = format!("{icon} {}", display_name(&e.name, self.name_charset));
                        if let Some(t) = &e.target {
                            text.push_str(&format!(" → {}", name_of(t)));
                        }
                        let label = ui.add(egui::Label::new(text).selectable(false).truncate());
                        if e.kind == EntryKind::Unknown {
                            label.on_hover_text("This listing line was not understood; it is shown as the server sent it.");
                        }
                    });
                    row.col(|ui| {
                        if let (Some(s), false) = (e.size, e.kind == EntryKind::Dir) {
                            ui.label(human_bytes(s));
                        }
                    });
                    row.col(|ui| {
                        ui.label(e.modified.map(short_time).unwrap_or_default());
                    });
                    row.col(|ui| {
                        ui.label(e.permissions.clone().unwrap_or_default());
                    });
                    row.col(|ui| {
                        ui.label(e.owner.clone().unwrap_or_default());
                    });
                    // Dragged onto the local pane, the row (and the rest of the selection)
                    // is downloaded.
                    if let Some((double, add)) =
                        row_input(&row.response(), &e.name, &self.remote_selected, Dragged::Remote)
                    {
                        clicked = Some((i, double, add));
                    }
                });
            });
        if let Some(payload) = dropped_on(ui, pane_rect, "remote_drop")
            && let (Dragged::Local { names, .. }, true) = (payload.as_ref(), connected)
        {
            self.local_selected = names.iter().cloned().collect();
            self.upload_selected();
        }
        self.order = Some(order);
        if let Some(key) = sort_by {
            self.order = None;
            self.sort = if self.sort.0 == key {
                (key, !self.sort.1)
            } else {
                (key, true)
            };
        }
        if let Some((i, double, add)) = clicked {
            let e = self.remote[i].clone();
            if double && matches!(e.kind, EntryKind::Dir | EntryKind::Link) {
                go = Some((worker::join(&self.remote_path, &e.name), true));
            } else if double {
                self.remote_selected = BTreeSet::from([e.name]);
                self.download_selected();
            } else {
                toggle(&mut self.remote_selected, e.name, add);
            }
        }
        if let Some((path, push)) = go {
            self.open_remote(path, push);
        }
    }

    fn dialogs(&mut self, ctx: &egui::Context) {
        let Some(dialog) = self.dialog.take() else {
            return;
        };
        let mut keep = true;
        let mut command = None;
        let title = match &dialog {
            Dialog::Mkdir(_) => "New folder",
            Dialog::Rename { .. } => "Rename",
            Dialog::Delete(_) => "Delete",
            Dialog::Chmod { .. } => "Permissions",
            Dialog::View { .. } => "View",
            Dialog::Compare { .. } => "Compare and mirror",
            Dialog::Overwrite { .. } => "File exists",
            Dialog::Password { .. } => "Password",
        };
        let mut dialog = dialog;
        egui::Window::new(title)
            .collapsible(false)
            .anchor(egui::Align2::CENTER_TOP, egui::vec2(0.0, 120.0))
            .show(ctx, |ui| {
                let enter = ui.input(|i| i.key_pressed(Key::Enter));
                let escape = ui.input(|i| i.key_pressed(Key::Escape));
                match &mut dialog {
                    Dialog::Mkdir(name) => {
                        let l = ui.label("Folder name:");
                        ui.text_edit_singleline(name)
                            .labelled_by(l.id)
                            .request_focus();
                        if (ui.button("Create").clicked() || enter) && !name.trim().is_empty() {
                            command = Some(FtpCommand::Mkdir(worker::join(
                                &self.remote_path,
                                name.trim().as_bytes(),
                            )));
                        }
                    }
                    Dialog::Rename { from, to } => {
                        let l = ui.label("New name:");
                        ui.text_edit_singleline(to)
                            .labelled_by(l.id)
                            .request_focus();
                        if (ui.button("Rename").clicked() || enter) && !to.trim().is_empty() {
                            command = Some(FtpCommand::Rename {
                                from: worker::join(&self.remote_path, from),
                                to: worker::join(&self.remote_path, to.trim().as_bytes()),
                            });
                        }
                    }
                    Dialog::Delete(items) => {
                        let dirs = items.iter().filter(|(_, d)| *d).count();
                        ui.label(format!("Delete {} item(s) from the server?", items.len()));
                        if dirs > 0 {
                            ui.colored_label(
                                ui.visuals().warn_fg_color,
                                format!(
                                    "{dirs} folder(s) will be deleted with everything in them."
                                ),
                            );
                        }
                        for (p, _) in items.iter().take(10) {
                            ui.label(RichText::new(worker::shown(p)).monospace());
                        }
                        if ui.button("Delete").clicked() {
                            command = Some(FtpCommand::Delete(items.clone()));
                        }
                    }
                    Dialog::Chmod { path, mode } => {
                        ui.label(worker::shown(path));
                        let l = ui.label("Mode (octal):");
                        ui.text_edit_singleline(mode).labelled_by(l.id);
                        if ui.button("Apply").clicked() || enter {
                            match u32::from_str_radix(mode.trim(), 8) {
                                Ok(m) if m <= 0o7777 => {
                                    command = Some(FtpCommand::Chmod {
                                        path: path.clone(),
                                        mode: m,
                                    });
                                }
                                _ => {
                                    self.actions.push(FilesAction::Error(format!(
                                        "{mode:?} is not an octal mode like 644"
                                    )));
                                }
                            }
                        }
                    }
                    Dialog::Compare {
                        direction,
                        delete,
                        plan,
                    } => {
                        let mut redo = None;
                        ui.horizontal(|ui| {
                            let l = ui.label("Direction:");
                            let mut d = *direction;
                            ui.radio_value(&mut d, Direction::Download, "Remote → local")
                                .labelled_by(l.id);
                            ui.radio_value(&mut d, Direction::Upload, "Local → remote");
                            let mut del = *delete;
                            ui.checkbox(&mut del, "Delete what the source lacks");
                            if d != *direction || del != *delete {
                                redo = Some((d, del));
                            }
                        });
                        ui.label(format!(
                            "{}  ⇄  {}",
                            self.local_path.display(),
                            worker::shown(&self.remote_path)
                        ));
                        match plan {
                            None => {
                                ui.horizontal(|ui| {
                                    ui.spinner();
                                    ui.label("Comparing the two trees…");
                                });
                            }
                            Some(Err(e)) => {
                                ui.colored_label(ui.visuals().error_fg_color, e.as_str());
                            }
                            Some(Ok(items)) => {
                                let shown: Vec<&PlanItem> = items
                                    .iter()
                                    .filter(|i| i.difference != Difference::Same)
                                    .collect();
                                let sum = crate::mirror::summarize(items);
                                ui.label(format!(
                                    "Plan: {} transfer(s), {}, {} deletion(s), {} unchanged",
                                    sum.transfers,
                                    human_bytes(sum.bytes),
                                    sum.deletions,
                                    sum.kept
                                ));
                                let row_h = ui.text_style_height(&egui::TextStyle::Body) + 2.0;
                                egui::ScrollArea::vertical().max_height(320.0).show_rows(
                                    ui,
                                    row_h,
                                    shown.len(),
                                    |ui, range| {
                                        for item in &shown[range] {
                                            let action = match item.action {
                                                Action::Transfer => "copy",
                                                Action::Delete => "delete",
                                                Action::Keep => "keep",
                                            };
                                            ui.label(
                                                RichText::new(format!(
                                                    "{action:<7} {:<18} {:>10}  {}",
                                                    item.difference.label(),
                                                    human_bytes(item.size),
                                                    name_of(&item.rel)
                                                ))
                                                .monospace(),
                                            );
                                        }
                                    },
                                );
                                let work = sum.transfers + sum.deletions;
                                if ui
                                    .add_enabled(work > 0, egui::Button::new("Apply the plan"))
                                    .clicked()
                                {
                                    if let Some(job) = self.mirror_job(
                                        self.remote_path.clone(),
                                        self.local_path.clone(),
                                        *direction,
                                    ) {
                                        self.actions.push(FilesAction::Transfer(JobSpec::Mirror {
                                            job,
                                            plan: Some(items.clone()),
                                            delete: *delete,
                                        }));
                                    }
                                    keep = false;
                                }
                            }
                        }
                        if let Some((d, del)) = redo {
                            *direction = d;
                            *delete = del;
                            *plan = None;
                            if let Some(job) = self.mirror_job(
                                self.remote_path.clone(),
                                self.local_path.clone(),
                                d,
                            ) {
                                mirror_worker::compute_plan(
                                    &self.services,
                                    job,
                                    del,
                                    self.events.clone().contramap(FilesEvent::Plan),
                                );
                            }
                        }
                    }
                    Dialog::Overwrite {
                        pending,
                        apply_to_all,
                    } => {
                        if let Some(Conflict {
                            upload,
                            remote,
                            local,
                            ..
                        }) = pending.first()
                        {
                            ui.label(if *upload {
                                format!(
                                    "{} already exists on the server in {}.",
                                    local.name,
                                    worker::shown(&self.remote_path)
                                )
                            } else {
                                format!(
                                    "{} already exists in {}.",
                                    local.name,
                                    self.local_path.display()
                                )
                            });
                            ui.label(format!(
                                "Local: {}, {}",
                                human_bytes(local.size),
                                local.modified.map(short_time).unwrap_or_default()
                            ));
                            ui.label(format!(
                                "Remote: {}, {}",
                                remote.size.map(human_bytes).unwrap_or_default(),
                                remote.modified.map(short_time).unwrap_or_default()
                            ));
                            if pending.len() > 1 {
                                ui.checkbox(
                                    apply_to_all,
                                    format!("Apply to all {} files", pending.len()),
                                );
                            }
                            let mut answer = None;
                            ui.horizontal_wrapped(|ui| {
                                if ui.button("Overwrite").clicked() {
                                    answer = Some(OnConflict::Overwrite);
                                }
                                if ui
                                    .button("Resume")
                                    .on_hover_text(
                                        "Continue from the end of the shorter file (REST or APPE)",
                                    )
                                    .clicked()
                                {
                                    answer = Some(OnConflict::Resume);
                                }
                                if ui
                                    .button("Overwrite if newer or different size")
                                    .on_hover_text(
                                        "As the mirror decides: an older file never replaces a newer one",
                                    )
                                    .clicked()
                                {
                                    answer = Some(OnConflict::IfNewerOrDifferent);
                                }
                                if ui.button("Keep both").clicked() {
                                    answer = Some(OnConflict::KeepBoth);
                                }
                                if ui.button("Skip").clicked() {
                                    answer = Some(OnConflict::Skip);
                                }
                            });
                            ui.weak(
                                "An interrupted download (NAME.part) always continues where it stopped.",
                            );
                            if let Some(a) = answer {
                                let all = *apply_to_all;
                                let mut list = std::mem::take(pending);
                                self.resolve_conflicts(&mut list, a, all);
                                *pending = list;
                            }
                        }
                        if pending.is_empty() {
                            keep = false;
                        }
                    }
                    Dialog::Password { site, text } => {
                        ui.label(format!("{}: {}@{}:{}", site.name, site.user, site.host, site.port));
                        let l = ui.label("Password for the site:");
                        ui.add(egui::TextEdit::singleline(text).password(true))
                            .labelled_by(l.id)
                            .request_focus();
                        ui.weak("Kept in the system keyring where there is one, else until you quit.");
                        if ui.button("Log in").clicked() || enter {
                            let password = std::mem::take(text);
                            self.actions.push(FilesAction::RememberPassword {
                                site: site.clone(),
                                password: password.clone(),
                            });
                            let site = site.clone();
                            keep = false;
                            self.connect_with(&site, Some(password));
                        }
                    }
                    Dialog::View { path, text } => {
                        ui.label(RichText::new(path.as_str()).strong());
                        egui::ScrollArea::both().max_height(400.0).show(ui, |ui| {
                            ui.add(
                                egui::Label::new(RichText::new(text.as_str()).monospace()).extend(),
                            );
                        });
                        if ui.button("Close").clicked() {
                            keep = false;
                        }
                    }
                }
                if !matches!(dialog, Dialog::View { .. }) && ui.button("Cancel").clicked() {
                    keep = false;
                }
                if escape {
                    keep = false;
                }
            });
        if let Some(cmd) = command {
            self.send(cmd);
            keep = false;
        }
        if keep {
            self.dialog = Some(dialog);
        }
    }
}

const URL_PATH: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'%')
    .add(b'?')
    .add(b'#')
    .add(b';');

/// A table row's pointer input, the same in both panes: `(double-clicked, add to selection)`
/// for a click; a drag carries the row, or the whole selection when the row is in it (built
/// only when the drag starts, not every frame).
fn row_input<T: Clone + Ord>(
    r: &egui::Response,
    item: &T,
    selected: &BTreeSet<T>,
    payload: impl FnOnce(Vec<T>) -> Dragged,
) -> Option<(bool, bool)> {
    if r.drag_started() {
        let items = if selected.contains(item) {
            selected.iter().cloned().collect()
        } else {
            vec![item.clone()]
        };
        egui::DragAndDrop::set_payload(&r.ctx, payload(items));
    }
    if r.double_clicked() {
        Some((true, false))
    } else if r.clicked() {
        Some((false, r.ctx.input(|i| i.modifiers.command)))
    } else {
        None
    }
}

/// Rows dropped onto a pane's area.
fn dropped_on(ui: &egui::Ui, rect: egui::Rect, salt: &str) -> Option<std::sync::Arc<Dragged>> {
    ui.interact(rect, ui.scope_id().with(salt), egui::Sense::hover())
        .dnd_release_payload::<Dragged>()
}

fn toggle<T: Ord>(set: &mut BTreeSet<T>, item: T, add: bool) {
    if add {
        if !set.remove(&item) {
            set.insert(item);
        }
    } else {
        set.clear();
        set.insert(item);
    }
}

impl Panel for FilesPanel {
    fn kind(&self) -> PanelKind {
        PanelKind::Files
    }

    fn icon(&self) -> &'static str {
        "📁"
    }

    fn status(&self) -> String {
        FilesPanel::status(self)
    }

    fn ui(&mut self, ui: &mut egui::Ui) {
        FilesPanel::ui(self, ui);
    }

    fn apply(&mut self, event: PanelEvent) {
        if let Some(event) = event.take::<FilesEvent>() {
            self.apply_event(event);
        }
    }

    fn open(&mut self, link: &Link) {
        self.open_link(link);
    }

    fn retry(&mut self, _retry: u64) {
        FilesPanel::retry(self);
    }

    fn take_actions(&mut self) -> Vec<ShellAction> {
        let mut out: Vec<ShellAction> = std::mem::take(&mut self.actions)
            .into_iter()
            .filter_map(|a| self.carry_out(a))
            .collect();
        // Actions carried out may have queued more (a failed save says so).
        if std::mem::take(&mut self.shown_requested) {
            out.push(ShellAction::Show);
        }
        out
    }

    /// A finished transfer changes one of the panes.
    fn job_finished(&mut self) {
        self.refresh_local();
        self.refresh_remote();
    }
}

fn tls_label(mode: TlsMode) -> &'static str {
    match mode {
        TlsMode::IfOffered => "TLS if offered",
        TlsMode::Explicit => "Require explicit TLS",
        TlsMode::Implicit => "Implicit TLS (990)",
        TlsMode::Plain => "Plain FTP (insecure)",
    }
}

/// A remote name for display: UTF-8 when it is, else Latin-1, so every byte shows.
pub fn name_of(raw: &[u8]) -> String {
    worker::shown(raw)
}

/// The local file at `path` as a listing entry, if there is a file (not a folder) there.
fn local_file(path: &std::path::Path) -> Option<LocalEntry> {
    crate::frame_guard::assert_off_frame("looking at a local file");
    let meta = std::fs::metadata(path)
        .ok()
        .filter(std::fs::Metadata::is_file)?;
    Some(LocalEntry {
        name: path.file_name()?.to_string_lossy().into_owned(),
        is_dir: false,
        size: meta.len(),
        modified: crate::filename::modified_secs(&meta),
    })
}

/// `name (1).ext`, `name (2).ext`, … : the first that is not in the remote listing.
fn unique_remote_name(listing: &[Entry], name: &[u8]) -> Vec<u8> {
    let taken = |n: &[u8]| listing.iter().any(|e| e.name == n);
    if !taken(name) {
        return name.to_vec();
    }
    let dot = name
        .iter()
        .rposition(|b| *b == b'.')
        .filter(|i| *i > 0)
        .unwrap_or(name.len());
    let (stem, ext) = name.split_at(dot);
    // The listing has finitely many names, so one of its length + 1 candidates is free.
    (1..=listing.len() + 1)
        .map(|i| [stem, format!(" ({i})").as_bytes(), ext].concat())
        .find(|n| !taken(n))
        .unwrap_or_else(|| name.to_vec())
}

/// The most connections a site may be given for transfers.
const MAX_PARALLEL: u32 = 10;

/// "auto" or one charset; the response says `changed()` when the user picked another.
fn charset_combo(
    ui: &mut egui::Ui,
    id: &str,
    value: &mut Option<crate::charset::Charset>,
) -> egui::Response {
    let before = *value;
    let mut response = egui::ComboBox::from_id_salt(id)
        .selected_text(value.map_or("auto", |c| c.label()))
        .show_ui(ui, |ui| {
            ui.selectable_value(value, None, "auto");
            for c in crate::charset::Charset::ALL {
                ui.selectable_value(value, Some(c), c.label());
            }
        })
        .response;
    if *value != before {
        response.mark_changed();
    }
    response
}

/// A name shown in the charset the user picked for this site, or detected.
pub fn display_name(raw: &[u8], charset: Option<crate::charset::Charset>) -> String {
    match charset {
        Some(c) => c.decode(raw),
        None => name_of(raw),
    }
}

fn short_time(t: i64) -> String {
    let s = rfc3339(t);
    // 2020-01-15T15:04:00Z -> 2020-01-15 15:04
    s.get(..16).map_or(s.clone(), |p| p.replace('T', " "))
}

/// The local folder a new panel starts in.
pub fn default_local_folder(download_dir: &Path) -> PathBuf {
    if download_dir.is_dir() {
        download_dir.to_path_buf()
    } else {
        directories::BaseDirs::new()
            .map_or_else(|| PathBuf::from("."), |b| b.home_dir().to_path_buf())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selection_toggles_with_the_command_key() {
        let mut set = BTreeSet::new();
        toggle(&mut set, 1, false);
        toggle(&mut set, 2, true);
        assert_eq!(set, BTreeSet::from([1, 2]));
        toggle(&mut set, 1, true);
        assert_eq!(set, BTreeSet::from([2]));
        toggle(&mut set, 3, false);
        assert_eq!(set, BTreeSet::from([3]));
    }

    #[test]
    fn a_taken_remote_name_gets_a_number_before_its_extension() {
        let entry = |n: &[u8]| Entry {
            name: n.to_vec(),
            kind: EntryKind::File,
            size: None,
            modified: None,
            target: None,
            permissions: None,
            owner: None,
            raw: Vec::new(),
        };
        let listing = vec![entry(b"a.txt"), entry(b"a (1).txt"), entry(b".profile")];
        assert_eq!(unique_remote_name(&listing, b"b.txt"), b"b.txt");
        assert_eq!(unique_remote_name(&listing, b"a.txt"), b"a (2).txt");
        assert_eq!(unique_remote_name(&listing, b".profile"), b".profile (1)");
        assert_eq!(
            unique_remote_name(&[entry(b"caf\xe9")], b"caf\xe9"),
            b"caf\xe9 (1)"
        );
    }

    #[test]
    fn times_are_short() {
        assert_eq!(short_time(1_579_100_640), "2020-01-15 15:04");
    }
}
