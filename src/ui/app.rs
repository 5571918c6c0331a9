//! The shell: panel switcher, status bar, Activity list, protocol log, toasts, Settings,
//! the certificate dialog, and the one place where worker events are applied.

use std::path::PathBuf;
use std::sync::mpsc::Receiver;
use std::sync::{Arc, OnceLock};

use egui::RichText;
use rustls::pki_types::CertificateDer;

use super::activity::{Activity, JobOutcome};
use super::cert_dialog::{self, TrustChoice};
use super::panels::browser::{BrowserAction, BrowserPanel, TabId};
use super::panels::files::{self, FilesAction, FilesEvent, FilesPanel};
use crate::link::PanelKind;
use crate::proto::http::HttpClient;
use crate::proto::net::Limits;
use crate::proto::tls::{CertRejection, Trust};
use crate::protocol_log::ProtocolLog;
use crate::secrets::SecretStore;
use crate::settings::{Settings, Theme};
use crate::store::{Bookmark, CertPin, HistoryEntry, Site, Store, records};
use crate::workers::browser::BrowserEvent;
use crate::workers::download::{self, JobEvent};
use crate::workers::{EventSink, Notifier, Services};

/// Everything workers and the store tell the UI.
#[derive(Debug)]
pub enum AppEvent {
    Browser(TabId, BrowserEvent),
    Files(FilesEvent),
    Job(JobEvent),
    Bookmarks(Vec<Bookmark>),
    Sites(Vec<Site>),
    /// A saved site and the password the secrets store had for it.
    SiteLogin(Site, Option<String>),
    History(Vec<HistoryEntry>),
    StoreError(String),
}

/// How many history entries are kept in memory for completion and the history page.
const HISTORY_IN_MEMORY: usize = 5000;

/// What the app needs to start: where its store is, extra trusted certificates, a first URL.
pub struct AppConfig {
    pub store_path: PathBuf,
    pub extra_roots: Vec<CertificateDer<'static>>,
    pub start_url: Option<String>,
    pub log: ProtocolLog,
    /// Overrides the download folder from settings (tests).
    pub download_dir: Option<PathBuf>,
    /// Reopen the tabs of the last run.
    pub restore_session: bool,
    /// When set (`PORTOLAN_STARTUP_PROBE=1`), the first frame prints the time since this
    /// instant and closes the window: the startup benchmark uses it.
    pub startup_probe: Option<std::time::Instant>,
    /// Keep passwords in memory only (tests); otherwise the system keyring when there is one.
    pub session_secrets: bool,
}

impl AppConfig {
    /// The store under the XDG data directory; `PORTOLAN_CACERT` may name PEM files
    /// (separated by `:`) to trust, like `--cacert`.
    pub fn from_environment(
        start_url: Option<String>,
        log: ProtocolLog,
    ) -> anyhow::Result<AppConfig> {
        let store_path = Store::default_path()
            .ok_or_else(|| anyhow::anyhow!("no home directory to keep Portolan's data in"))?;
        let mut extra_roots = Vec::new();
        if let Ok(list) = std::env::var("PORTOLAN_CACERT") {
            for p in list.split(':').filter(|p| !p.is_empty()) {
                extra_roots.extend(Trust::load_pem(std::path::Path::new(p))?);
            }
        }
        Ok(AppConfig {
            store_path,
            extra_roots,
            startup_probe: None,
            session_secrets: false,
            restore_session: start_url.is_none(),
            start_url,
            log,
            download_dir: None,
        })
    }
}

/// How to start a transfer again, for Pause/Resume and Retry in the Activity list.
#[derive(Debug, Clone)]
enum JobSpec {
    Download {
        source: download::Source,
        folder: PathBuf,
        name: String,
    },
    Upload {
        site: crate::proto::ftp::FtpSite,
        local: PathBuf,
        remote: Vec<u8>,
        resume: bool,
    },
    Mirror {
        job: crate::workers::mirror::MirrorJob,
        delete: bool,
    },
}

/// The spec that continues an interrupted job: FTP downloads resume into the file they had
/// started, uploads append to what reached the server.
fn continued(spec: JobSpec, target: Option<&std::path::Path>) -> JobSpec {
    match spec {
        JobSpec::Download {
            source: download::Source::Ftp { site, path, .. },
            folder,
            name,
        } => {
            let (folder, name) = match target.and_then(|t| Some((t.parent()?, t.file_name()?))) {
                Some((dir, file)) => (dir.to_path_buf(), file.to_string_lossy().into_owned()),
                None => (folder, name),
            };
            JobSpec::Download {
                source: download::Source::Ftp {
                    site,
                    path,
                    exists: download::IfExists::Resume,
                },
                folder,
                name,
            }
        }
        JobSpec::Upload {
            site,
            local,
            remote,
            ..
        } => JobSpec::Upload {
            site,
            local,
            remote,
            resume: true,
        },
        other => other,
    }
}

/// What to retry once the user trusted a certificate.
#[derive(Debug, Clone, Copy)]
enum RetryTarget {
    Tab(TabId),
    Files,
}

/// The eframe app.
pub struct App {
    runtime: Option<tokio::runtime::Runtime>,
    services: Services,
    store: Store,
    notifier: Notifier,
    events: EventSink<AppEvent>,
    rx: Receiver<AppEvent>,
    pub settings: Settings,
    settings_draft: Option<Settings>,
    pub panel: PanelKind,
    pub browser: BrowserPanel,
    pub files: FilesPanel,
    pub activity: Activity,
    pub show_activity: bool,
    log: ProtocolLog,
    show_log: bool,
    toasts: egui_notify::Toasts,
    cert_prompt: Option<(RetryTarget, Box<CertRejection>)>,
    style_applied: bool,
    startup_probe: Option<std::time::Instant>,
    /// Opened on first use, off the UI thread (the keyring may talk to D-Bus).
    secrets: Arc<OnceLock<Box<dyn SecretStore>>>,
    session_secrets: bool,
    secrets_file: PathBuf,
    job_specs: std::collections::HashMap<download::JobId, JobSpec>,
}

impl App {
    pub fn new(config: AppConfig) -> anyhow::Result<App> {
        crate::proto::tls::install_crypto_provider();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("portolan-worker")
            .enable_all()
            .build()?;
        let trust = Trust::new(config.extra_roots)?;
        let limits = Limits::default();
        let http = {
            let _guard = runtime.enter();
            HttpClient::new(trust.clone(), &limits)?
        };
        let store = Store::open(&config.store_path)?;
        let rows = store.call(|c| records::all_settings(c))??;
        let mut settings = Settings::from_rows(&rows);
        if let Some(dir) = config.download_dir {
            settings.download_dir = dir;
        }
        let bookmarks = store.call(|c| records::bookmarks(c))??;
        let history = store.call(|c| records::history(c, HISTORY_IN_MEMORY))??;
        let sites = store.call(|c| records::sites(c))??;
        for pin in store.call(|c| records::pins(c))?? {
            trust.pin(&pin.host, &pin.fingerprint);
        }
        let session_tabs: Vec<String> = rows
            .iter()
            .find(|(k, _)| k == "session.tabs")
            .and_then(|(_, v)| serde_json::from_str(v).ok())
            .unwrap_or_default();
        let notifier = Notifier::new();
        let (events, rx) = EventSink::new(notifier.clone());
        let services = Services::new(runtime.handle().clone(), trust, http, limits);
        settings.apply_limits(&services.pacing);
        let mut browser = BrowserPanel::new(
            services.clone(),
            events.map(|(id, e): (TabId, BrowserEvent)| AppEvent::Browser(id, e)),
        );
        browser.bookmarks = bookmarks;
        browser.history = history;
        browser.start_page.clone_from(&settings.start_page);
        browser.charset_overrides = settings.charset_overrides.clone();
        if config.restore_session {
            for url in &session_tabs {
                browser.open_tab(Some(url));
            }
        }
        let mut files = FilesPanel::new(
            services.clone(),
            events.map(AppEvent::Files),
            files::default_local_folder(&settings.download_dir),
        );
        files.sites = sites;
        let mut panel = PanelKind::Browser;
        if let Some(url) = &config.start_url {
            match crate::link::Link::parse(url) {
                Ok(link) if link.panel() == PanelKind::Files => {
                    files.open_link(&link);
                    panel = PanelKind::Files;
                }
                _ => {
                    browser.open_tab(Some(url));
                }
            }
        }
        if browser.tabs.is_empty() {
            browser.open_tab(None);
        }
        Ok(App {
            runtime: Some(runtime),
            services,
            store,
            notifier,
            events,
            rx,
            settings,
            settings_draft: None,
            panel,
            browser,
            files,
            activity: Activity::default(),
            show_activity: false,
            log: config.log,
            show_log: false,
            toasts: egui_notify::Toasts::default()
                .with_anchor(egui_notify::Anchor::BottomRight)
                .with_margin(egui::vec2(8.0, 32.0)),
            cert_prompt: None,
            style_applied: false,
            startup_probe: config.startup_probe,
            secrets: Arc::new(OnceLock::new()),
            job_specs: std::collections::HashMap::new(),
            session_secrets: config.session_secrets,
            secrets_file: config
                .store_path
                .parent()
                .map_or_else(|| PathBuf::from("secrets.json"), |d| d.join("secrets.json")),
        })
    }

    /// One frame: apply events, then draw. Tests call this through the harness.
    pub fn frame(&mut self, ui: &mut egui::Ui) {
        self.logic(&ui.ctx().clone());
        self.draw(ui);
    }

    /// Applies everything workers reported since the last frame.
    pub fn logic(&mut self, ctx: &egui::Context) {
        self.notifier.attach(ctx);
        if !self.style_applied {
            egui_extras::install_image_loaders(ctx);
            super::theme::install_fonts(ctx);
            super::theme::apply(ctx, &self.settings);
            self.style_applied = true;
        }
        while let Ok(event) = self.rx.try_recv() {
            self.apply(event);
        }
        self.handle_actions();
        self.handle_files_actions();
        self.handle_restarts();
    }

    fn apply(&mut self, event: AppEvent) {
        match event {
            AppEvent::Browser(tab, event) => {
                // A failed page load is shown in its tab, where the user looks; toasts are for
                // errors that have no other place (downloads, saving, other panels).
                self.browser.apply(tab, event);
            }
            AppEvent::Files(event) => self.files.apply(event),
            AppEvent::Job(event) => match self.activity.apply(event) {
                Some(JobOutcome::Saved(path)) => {
                    self.toasts.success(format!("Done: {}", path.display()));
                    // A finished transfer changes one of the Files panes.
                    self.files.refresh_local();
                    self.files.refresh_remote();
                }
                Some(JobOutcome::Failed(e)) => {
                    self.toasts.error(format!("Download failed: {e}"));
                }
                None => {}
            },
            AppEvent::Bookmarks(list) => self.browser.bookmarks = list,
            AppEvent::Sites(list) => self.files.site_saved(list),
            AppEvent::SiteLogin(site, password) => {
                self.panel = PanelKind::Files;
                self.files.connect_saved(&site, password);
            }
            AppEvent::History(list) => self.browser.history = list,
            AppEvent::StoreError(e) => {
                self.toasts.error(format!("Could not save: {e}"));
            }
        }
    }

    fn store_then<R: Send + 'static>(
        &self,
        job: impl FnOnce(&mut rusqlite::Connection) -> rusqlite::Result<R> + Send + 'static,
        then: impl FnOnce(R) -> Option<AppEvent> + Send + 'static,
    ) {
        let events = self.events.clone();
        self.store.run(job, move |result| match result {
            Ok(r) => {
                if let Some(e) = then(r) {
                    events.send(e);
                }
            }
            Err(e) => events.send(AppEvent::StoreError(e.to_string())),
        });
    }

    fn handle_actions(&mut self) {
        for action in self.browser.take_actions() {
            match action {
                BrowserAction::Download { link, name } => {
                    let name = name.unwrap_or_else(|| download::name_from_link(&link));
                    self.start_job(JobSpec::Download {
                        source: download::Source::Link(link),
                        folder: self.settings.download_dir.clone(),
                        name,
                    });
                }
                BrowserAction::Visited { url, title } => {
                    let entry_url = url.clone();
                    let entry_title = title.clone();
                    let h = &mut self.browser.history;
                    let visits = h
                        .iter()
                        .position(|e| e.url == entry_url)
                        .map_or(1, |i| h.remove(i).visits + 1);
                    h.insert(
                        0,
                        HistoryEntry {
                            url: entry_url,
                            title: entry_title,
                            visits,
                            last_visit: 0,
                        },
                    );
                    h.truncate(HISTORY_IN_MEMORY);
                    self.store_then(move |c| records::record_visit(c, &url, &title), |()| None);
                    // Written now, not only at exit, so a crash still reopens these tabs.
                    self.save_session();
                }
                BrowserAction::AddBookmark { folder, title, url } => {
                    self.store_then(
                        move |c| {
                            records::add_bookmark(c, &folder, &title, &url)?;
                            records::bookmarks(c)
                        },
                        |list| Some(AppEvent::Bookmarks(list)),
                    );
                    self.toasts.info("Bookmark saved");
                }
                BrowserAction::UpdateBookmark(b) => {
                    self.store_then(
                        move |c| {
                            records::update_bookmark(c, &b)?;
                            records::bookmarks(c)
                        },
                        |list| Some(AppEvent::Bookmarks(list)),
                    );
                }
                BrowserAction::DeleteBookmark(id) => {
                    self.store_then(
                        move |c| {
                            records::delete_bookmark(c, id)?;
                            records::bookmarks(c)
                        },
                        |list| Some(AppEvent::Bookmarks(list)),
                    );
                }
                BrowserAction::ClearHistory => {
                    self.browser.history.clear();
                    self.store_then(|c| records::clear_history(c), |()| None);
                }
                BrowserAction::Untrusted { tab, rejection } => {
                    self.cert_prompt = Some((RetryTarget::Tab(tab), rejection));
                }
                BrowserAction::CharsetChosen { host, charset } => {
                    match charset {
                        Some(c) => self.settings.charset_overrides.insert(host, c),
                        None => self.settings.charset_overrides.remove(&host),
                    };
                    self.save_settings();
                }
                BrowserAction::OtherPanel { panel, url } => {
                    match (panel, crate::link::Link::parse(&url)) {
                        (PanelKind::Files, Ok(link)) => {
                            self.panel = PanelKind::Files;
                            self.files.open_link(&link);
                        }
                        _ => {
                            self.toasts.warning(format!(
                                "{url} opens in the {} panel, which is not available yet",
                                panel.title()
                            ));
                        }
                    }
                }
                BrowserAction::Error(e) => {
                    self.toasts.error(e);
                }
            }
        }
    }

    fn handle_files_actions(&mut self) {
        for action in self.files.take_actions() {
            match action {
                FilesAction::Download {
                    site,
                    path,
                    name,
                    folder,
                    exists,
                } => {
                    self.start_job(JobSpec::Download {
                        source: download::Source::Ftp { site, path, exists },
                        folder,
                        name,
                    });
                }
                FilesAction::Upload {
                    site,
                    local,
                    remote,
                    resume,
                } => {
                    self.start_job(JobSpec::Upload {
                        site,
                        local,
                        remote,
                        resume,
                    });
                }
                FilesAction::Mirror { job, plan, delete } => {
                    // A planned mirror runs its plan once; a retry plans again.
                    let (id, abort) = crate::workers::mirror::start_job(
                        &self.services,
                        job.clone(),
                        plan,
                        delete,
                        self.events.map(AppEvent::Job),
                    );
                    self.activity.add_restartable(id, mirror_title(&job), abort);
                    self.job_specs.insert(id, JobSpec::Mirror { job, delete });
                    self.show_activity = true;
                }
                FilesAction::SaveSite { site, password } => {
                    let key = site.secret_key();
                    let saved = site.clone();
                    self.store_then(
                        move |c| {
                            records::save_site(c, &saved)?;
                            records::sites(c)
                        },
                        |list| Some(AppEvent::Sites(list)),
                    );
                    if let Some(password) = password {
                        self.with_secrets(
                            move |s| s.set(&key, &password).map_err(|e| e.to_string()),
                            |r| r.err().map(AppEvent::StoreError),
                        );
                    }
                    self.toasts.info(format!("Site {} saved", site.name));
                }
                FilesAction::RememberPassword { site, password } => {
                    let key = site.secret_key();
                    self.with_secrets(
                        move |s| s.set(&key, &password).map_err(|e| e.to_string()),
                        |r| r.err().map(AppEvent::StoreError),
                    );
                }
                FilesAction::DeleteSite(site) => {
                    let key = site.secret_key();
                    let id = site.id;
                    self.store_then(
                        move |c| {
                            records::delete_site(c, id)?;
                            records::sites(c)
                        },
                        |list| Some(AppEvent::Sites(list)),
                    );
                    self.with_secrets(
                        move |s| s.delete(&key).map_err(|e| e.to_string()),
                        |r| r.err().map(AppEvent::StoreError),
                    );
                }
                FilesAction::ConnectSite {
                    site,
                    password: Some(password),
                } => self.files.connect_saved(&site, Some(password)),
                FilesAction::ConnectSite { site, .. } => {
                    let key = site.secret_key();
                    self.with_secrets(
                        move |s| s.get(&key).ok().flatten().map(|p| p.to_string()),
                        move |password| Some(AppEvent::SiteLogin(site, password)),
                    );
                }
                FilesAction::Untrusted(r) => self.cert_prompt = Some((RetryTarget::Files, r)),
                FilesAction::Error(e) => {
                    self.toasts.error(e);
                }
                FilesAction::Info(m) => {
                    self.toasts.info(m);
                }
            }
        }
    }

    /// Runs `f` on the secrets store on a blocking thread, then sends what `then` makes of it.
    fn with_secrets<R: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn SecretStore) -> R + Send + 'static,
        then: impl FnOnce(R) -> Option<AppEvent> + Send + 'static,
    ) {
        let (secrets, session_only, file) = (
            self.secrets.clone(),
            self.session_secrets,
            self.secrets_file.clone(),
        );
        let events = self.events.clone();
        self.services.runtime.spawn_blocking(move || {
            let store = secrets.get_or_init(|| {
                if session_only {
                    Box::new(crate::secrets::SessionOnly::default())
                } else {
                    crate::secrets::open_best(&file, None)
                }
            });
            if let Some(e) = then(f(store.as_ref())) {
                events.send(e);
            }
        });
    }

    /// Starts a transfer and remembers how, so Pause/Resume and Retry can start it again.
    fn start_job(&mut self, spec: JobSpec) {
        let sink = self.events.map(AppEvent::Job);
        let (title, (id, abort)) = match spec.clone() {
            JobSpec::Download {
                source,
                folder,
                name,
            } => {
                let title = match &source {
                    download::Source::Link(link) => link.to_string(),
                    download::Source::Ftp { site, .. } => {
                        format!("{}:{} {}", site.host, site.port, name)
                    }
                };
                (
                    title,
                    download::start_from(&self.services, source, folder, name, sink),
                )
            }
            JobSpec::Upload {
                site,
                local,
                remote,
                resume,
            } => (
                format!("upload {}", local.display()),
                download::start_upload(&self.services, site, local, remote, resume, sink),
            ),
            JobSpec::Mirror { job, delete } => (
                mirror_title(&job),
                crate::workers::mirror::start_job(&self.services, job, None, delete, sink),
            ),
        };
        self.activity.add_restartable(id, title, abort);
        self.job_specs.insert(id, spec);
        self.show_activity = true;
    }

    /// Pause/Resume and Retry: a transfer continues from what it already moved, into the
    /// file it had chosen (not a new `name (1)`).
    fn handle_restarts(&mut self) {
        for old in self.activity.take_restarts() {
            if let Some(spec) = self.job_specs.remove(&old) {
                let target = self
                    .activity
                    .jobs
                    .iter()
                    .find(|j| j.id == old)
                    .and_then(|j| j.target.clone());
                self.activity.remove(old);
                self.start_job(continued(spec, target.as_deref()));
            }
        }
    }

    fn save_settings(&self) {
        let rows = self.settings.to_rows();
        self.store_then(
            move |c| {
                let tx = c.transaction()?;
                tx.execute("DELETE FROM settings WHERE key LIKE 'charset.%'", [])?;
                for (k, v) in &rows {
                    records::set_setting(&tx, k, v)?;
                }
                tx.commit()
            },
            |()| None,
        );
    }

    /// Writes the open tabs so the next run can reopen them.
    pub fn save_session(&self) {
        let urls: Vec<String> = self
            .browser
            .tabs
            .iter()
            .map(|t| t.current_url.clone())
            .filter(|u| !u.is_empty())
            .collect();
        let json = serde_json::to_string(&urls).unwrap_or_else(|_| "[]".into());
        self.store_then(
            move |c| records::set_setting(c, "session.tabs", &json),
            |()| None,
        );
    }

    /// Draws the shell and the active panel.
    pub fn draw(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        egui::Panel::top("shell_top").show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.label(RichText::new("Portolan").strong());
                ui.separator();
                for panel in [PanelKind::Files, PanelKind::Browser] {
                    ui.selectable_value(&mut self.panel, panel, panel.title());
                }
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    if ui.button("⚙ Settings").clicked() {
                        self.settings_draft = Some(self.settings.clone());
                    }
                    ui.toggle_value(&mut self.show_log, "Protocol log");
                    let running = self.activity.running();
                    let label = if running > 0 {
                        format!("Activity ({running})")
                    } else {
                        "Activity".to_string()
                    };
                    ui.toggle_value(&mut self.show_activity, label);
                });
            });
        });
        egui::Panel::bottom("status_bar").show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.label(match self.panel {
                    PanelKind::Files => self.files.status(),
                    _ => self.browser.status(),
                });
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    let running = self.activity.running();
                    if running > 0 {
                        let queued = self.services.queue.waiting().len().min(running);
                        if queued > 0 {
                            ui.label(format!(
                                "{} transfer(s) running, {queued} queued",
                                running - queued
                            ));
                        } else {
                            ui.label(format!("{running} transfer(s) running"));
                        }
                    }
                    let (down, up) = (
                        self.settings.download_limit_kb,
                        self.settings.upload_limit_kb,
                    );
                    if down > 0 || up > 0 {
                        let side = |kb: u64| {
                            if kb == 0 {
                                "no limit".to_string()
                            } else {
                                format!("{kb} kB/s")
                            }
                        };
                        ui.label(format!("⏱ ↓ {} ↑ {}", side(down), side(up)))
                            .on_hover_text("Speed limits (Settings)");
                    }
                });
            });
        });
        if self.show_log {
            egui::Panel::bottom("protocol_log")
                .resizable(true)
                .default_size(200.0)
                .show(ui, |ui| self.log_ui(ui));
        }
        if self.show_activity {
            egui::Panel::right("activity")
                .resizable(true)
                .default_size(300.0)
                .show(ui, |ui| self.activity.ui(ui, &self.services.queue));
        }
        egui::CentralPanel::default().show(ui, |ui| match self.panel {
            PanelKind::Browser => self.browser.ui(ui),
            PanelKind::Files => self.files.ui(ui),
            other => {
                ui.label(format!("The {} panel is not available yet.", other.title()));
            }
        });
        self.settings_window(&ctx);
        self.cert_window(&ctx);
        self.toasts.show(&ctx);
        if let Some(started) = self.startup_probe.take() {
            report_startup(started.elapsed());
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
    }

    fn log_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.heading("Protocol log");
            if ui.button("Clear").clicked() {
                self.log.clear();
            }
            ui.weak("What each session sent (>) and received (<); passwords are masked.");
        });
        let Some(lines) = self.log.try_snapshot() else {
            ui.spinner();
            return;
        };
        let row_height = ui.text_style_height(&egui::TextStyle::Monospace);
        egui::ScrollArea::both()
            .auto_shrink([false, false])
            .stick_to_bottom(true)
            .show_rows(ui, row_height, lines.len(), |ui, range| {
                for line in &lines[range] {
                    ui.label(
                        RichText::new(format!("{} {} {}", line.session, line.dir, line.text))
                            .monospace(),
                    );
                }
            });
    }

    fn settings_window(&mut self, ctx: &egui::Context) {
        let Some(mut draft) = self.settings_draft.take() else {
            return;
        };
        let mut open = true;
        let mut save = false;
        let mut cancel = false;
        egui::Window::new("Settings")
            .open(&mut open)
            .collapsible(false)
            .show(ctx, |ui| {
                egui::Grid::new("settings").num_columns(2).show(ui, |ui| {
                    ui.label("Theme:");
                    ui.horizontal(|ui| {
                        for t in Theme::ALL {
                            ui.radio_value(&mut draft.theme, t, t.label());
                        }
                    });
                    ui.end_row();
                    let l = ui.label("Font size:");
                    ui.add(egui::Slider::new(&mut draft.font_size, 10.0..=28.0).step_by(1.0))
                        .labelled_by(l.id);
                    ui.end_row();
                    let l = ui.label("Download folder:");
                    let mut dir = draft.download_dir.display().to_string();
                    if ui
                        .text_edit_singleline(&mut dir)
                        .labelled_by(l.id)
                        .changed()
                    {
                        draft.download_dir = PathBuf::from(dir);
                    }
                    ui.end_row();
                    let l = ui.label("Start page:");
                    ui.text_edit_singleline(&mut draft.start_page)
                        .labelled_by(l.id);
                    ui.end_row();
                    let l = ui.label("Download limit (kB/s, 0 = none):");
                    ui.add(egui::DragValue::new(&mut draft.download_limit_kb).speed(10))
                        .labelled_by(l.id)
                        .on_hover_text("Shared by all FTP downloads; running ones follow at once");
                    ui.end_row();
                    let l = ui.label("Upload limit (kB/s, 0 = none):");
                    ui.add(egui::DragValue::new(&mut draft.upload_limit_kb).speed(10))
                        .labelled_by(l.id)
                        .on_hover_text("Shared by all FTP uploads");
                    ui.end_row();
                });
                ui.horizontal(|ui| {
                    if ui.button("Save").clicked() {
                        save = true;
                    }
                    if ui.button("Cancel").clicked() {
                        cancel = true;
                    }
                });
            });
        if save {
            self.settings = draft;
            self.browser
                .start_page
                .clone_from(&self.settings.start_page);
            super::theme::apply(ctx, &self.settings);
            self.settings.apply_limits(&self.services.pacing);
            self.save_settings();
        } else if open && !cancel {
            self.settings_draft = Some(draft);
        }
    }

    fn cert_window(&mut self, ctx: &egui::Context) {
        let Some((target, rejection)) = &self.cert_prompt else {
            return;
        };
        let Some(choice) = cert_dialog::show(ctx, rejection) else {
            return;
        };
        let target = *target;
        let host = rejection.host.clone();
        let pin = CertPin {
            host: host.clone(),
            fingerprint: rejection.cert.sha256.clone(),
            subject: rejection.cert.subject.clone(),
        };
        self.cert_prompt = None;
        match choice {
            TrustChoice::Cancel => {}
            TrustChoice::Once => {
                self.services.trust.pin(&pin.host, &pin.fingerprint);
                self.retry(target);
            }
            TrustChoice::Always => {
                self.services.trust.pin(&pin.host, &pin.fingerprint);
                self.store_then(move |c| records::add_pin(c, &pin), |()| None);
                self.retry(target);
            }
        }
    }

    fn retry(&mut self, target: RetryTarget) {
        match target {
            RetryTarget::Tab(tab) => self.browser.retry(tab),
            RetryTarget::Files => self.files.retry(),
        }
    }

    /// Waits until the store has written everything queued (tests, shutdown).
    pub fn flush_store(&self) {
        let _ = self.store.call(|_| ());
    }
}

impl eframe::App for App {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        App::logic(self, ctx);
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.draw(ui);
    }

    fn save(&mut self, _storage: &mut dyn eframe::Storage) {
        self.save_session();
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        self.save_session();
        self.flush_store();
    }
}

impl Drop for App {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

fn mirror_title(job: &crate::workers::mirror::MirrorJob) -> String {
    format!(
        "{} {}",
        match job.direction {
            crate::workers::mirror::Direction::Download => "download folder",
            crate::workers::mirror::Direction::Upload => "upload folder",
        },
        crate::workers::ftp::shown(&job.remote)
    )
}

#[allow(clippy::print_stdout)]
fn report_startup(elapsed: std::time::Duration) {
    println!("first frame after {:.1} ms", elapsed.as_secs_f64() * 1000.0);
}

/// The window icon: a compass rose drawn in code, so no image decoding at startup.
pub fn icon() -> egui::IconData {
    const N: usize = 64;
    let mut rgba = vec![0u8; N * N * 4];
    let c = (N as f32 - 1.0) / 2.0;
    for y in 0..N {
        for x in 0..N {
            let (dx, dy) = (x as f32 - c, y as f32 - c);
            let r = (dx * dx + dy * dy).sqrt();
            let i = (y * N + x) * 4;
            let star = dx.abs() * 4.0 + dy.abs() < 28.0 || dy.abs() * 4.0 + dx.abs() < 28.0;
            let (px, a) = if r > 31.0 {
                ([0, 0, 0], 0)
            } else if star || r > 28.0 {
                ([0xF2, 0xC1, 0x4E], 255)
            } else {
                ([0x1F, 0x4E, 0x79], 255)
            };
            rgba[i..i + 3].copy_from_slice(&px);
            rgba[i + 3] = a;
        }
    }
    egui::IconData {
        rgba,
        width: N as u32,
        height: N as u32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::link::Link;
    use crate::proto::ftp::FtpSite;

    fn site() -> FtpSite {
        let link = Link::parse("ftp://h/").expect("url");
        FtpSite::from_link(&link).expect("ftp link").0
    }

    #[test]
    fn a_restarted_transfer_continues_where_it_was() {
        let spec = JobSpec::Download {
            source: download::Source::Ftp {
                site: site(),
                path: b"/f.txt".to_vec(),
                exists: download::IfExists::Rename,
            },
            folder: PathBuf::from("/d"),
            name: "f.txt".into(),
        };
        // It had chosen "f (1).txt" because f.txt existed: it goes on there.
        let JobSpec::Download {
            source: download::Source::Ftp { exists, .. },
            folder,
            name,
        } = continued(spec, Some(std::path::Path::new("/d/f (1).txt")))
        else {
            panic!("not a download");
        };
        assert_eq!(exists, download::IfExists::Resume);
        assert_eq!((folder, name.as_str()), (PathBuf::from("/d"), "f (1).txt"));
        let upload = JobSpec::Upload {
            site: site(),
            local: PathBuf::from("/l"),
            remote: b"/r".to_vec(),
            resume: false,
        };
        assert!(matches!(
            continued(upload, None),
            JobSpec::Upload { resume: true, .. }
        ));
    }
}
