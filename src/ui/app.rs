//! The shell: panel switcher, status bar, Activity list, protocol log, toasts, Settings,
//! the certificate dialog, the link router, and the one place where worker events are applied.
//!
//! The shell holds its panels through [`Panel`] and knows none of them by name: adding a panel
//! changes nothing here.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::mpsc::Receiver;

use egui::RichText;
use rustls::pki_types::CertificateDer;

use super::activity::{Activity, JobOutcome};
use super::cert_dialog::{self, TrustChoice};
use super::panels::{self, Panel, PanelContext, PanelEvent, ShellAction, Toast};
use crate::link::{Link, PanelKind};
use crate::proto::http::HttpClient;
use crate::proto::net::Limits;
use crate::proto::tls::{CertRejection, Trust};
use crate::protocol_log::ProtocolLog;
use crate::secrets::Secrets;
use crate::settings::{Settings, Theme};
use crate::store::{CertPin, Store};
use crate::workers::job_spec::JobSpec;
use crate::workers::jobs::{JobEvent, JobId};
use crate::workers::{EventSink, Notifier, Services};

/// Everything workers and the store tell the UI.
#[derive(Debug)]
pub enum AppEvent {
    /// For the panel of that kind, in its own event type.
    Panel(PanelKind, PanelEvent),
    Job(JobEvent),
    /// Something the shell itself asked for went wrong (saving settings or a pin).
    Toast(Toast),
    /// Another `portolan` handed this window a link (`None`: only come to the front).
    Handed(Option<String>),
}

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

/// A certificate waiting for the user's decision, and who asked: a panel, or (`None`) a
/// window of the Tools menu.
struct CertPrompt {
    panel: Option<PanelKind>,
    retry: u64,
    rejection: Box<CertRejection>,
}

/// The eframe app.
pub struct App {
    runtime: Option<tokio::runtime::Runtime>,
    /// Keypad presses noted by the window's event loop, handed to each frame.
    keypad: super::keypad::KeypadTaps,
    services: Services,
    store: Store,
    notifier: Notifier,
    events: EventSink<AppEvent>,
    rx: Receiver<AppEvent>,
    pub settings: Settings,
    settings_draft: Option<Settings>,
    /// The panel shown.
    pub panel: PanelKind,
    panels: Vec<Box<dyn Panel>>,
    pub activity: Activity,
    pub show_activity: bool,
    log: ProtocolLog,
    show_log: bool,
    toasts: egui_notify::Toasts,
    cert_prompt: Option<CertPrompt>,
    /// A message about what the user just asked for that could not be done (a link for a
    /// panel that does not exist yet), shown above the panel until closed or replaced.
    notice: Option<String>,
    style_applied: bool,
    startup_probe: Option<std::time::Instant>,
    job_specs: HashMap<JobId, JobSpec>,
    secrets: Secrets,
    passphrase: super::passphrase::PassphraseWindow,
    download_picker: super::widgets::folder_picker::FolderPicker,
    /// The Tools menu's windows.
    pub tools: super::tools::Tools,
    /// Where links from the desktop arrive, while this window is the one running.
    listening: Option<super::instance::Listening>,
    /// A link was handed over: come to the front at the next frame.
    raise: bool,
    /// Settings' list of which program opens each kind of link.
    pub link_handlers: super::link_handlers::LinkHandlersView,
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
        let mut settings = Settings::from_rows(&store.load_settings()?);
        if let Some(dir) = config.download_dir {
            settings.download_dir = dir;
        }
        for pin in store.load_pins()? {
            trust.pin(&pin.host, &pin.fingerprint);
        }
        let notifier = Notifier::new();
        let (events, rx) = EventSink::new(notifier.clone());
        let services = Services::new(runtime.handle().clone(), trust, http, limits);
        settings.apply_limits(&services.pacing);
        let secrets_file = config
            .store_path
            .parent()
            .map_or_else(|| PathBuf::from("secrets.json"), |d| d.join("secrets.json"));
        let secrets = Secrets::new(
            runtime.handle().clone(),
            secrets_file,
            config.session_secrets,
        );
        {
            // The passphrase window appears as soon as the secrets know they are locked.
            let notifier = notifier.clone();
            secrets.on_change(move || notifier.notify());
        }
        secrets.start();
        let context = PanelContext {
            services: services.clone(),
            store: store.clone(),
            secrets: secrets.clone(),
            settings: settings.clone(),
            restore_session: config.restore_session,
            events: events.clone(),
        };
        let panels = panels::all(&context)?;
        let mut app = App {
            runtime: Some(runtime),
            services,
            store,
            notifier,
            events,
            rx,
            settings,
            settings_draft: None,
            panel: PanelKind::Browser,
            panels,
            activity: Activity::default(),
            show_activity: false,
            log: config.log,
            show_log: false,
            toasts: egui_notify::Toasts::default()
                .with_anchor(egui_notify::Anchor::BottomRight)
                .with_margin(egui::vec2(8.0, 32.0)),
            cert_prompt: None,
            notice: None,
            style_applied: false,
            keypad: super::keypad::KeypadTaps::default(),
            startup_probe: config.startup_probe,
            job_specs: HashMap::new(),
            secrets,
            passphrase: super::passphrase::PassphraseWindow::default(),
            download_picker: super::widgets::folder_picker::FolderPicker::default(),
            tools: super::tools::Tools::default(),
            listening: None,
            raise: false,
            link_handlers: super::link_handlers::LinkHandlersView::default(),
        };
        if let Some(url) = &config.start_url {
            app.open_text(url);
        }
        Ok(app)
    }

    /// The router: the one place that decides which panel a link goes to. The URL bar,
    /// links inside pages and menus, the command line's `portolan URL` and every panel's
    /// links come here.
    pub fn open(&mut self, link: &Link) {
        let kind = link.panel();
        if let Some(panel) = self.panel_mut(kind) {
            panel.open(link);
            self.panel = kind;
            self.notice = None;
        } else {
            self.notice = Some(format!(
                "{link} opens in the {} panel, which is not available yet.",
                kind.title()
            ));
        }
    }

    /// Opens text given as a link (the command line's URL); `view-source:` before a link
    /// asks its panel for the source view.
    pub fn open_text(&mut self, text: &str) {
        if let Some(inner) = text.trim().strip_prefix("view-source:") {
            match Link::parse(inner.trim()) {
                Ok(link) => {
                    let kind = link.panel();
                    if self.panel_mut(kind).is_some_and(|p| p.open_source(&link)) {
                        self.panel = kind;
                        self.notice = None;
                    } else {
                        self.notice = Some(format!(
                            "{link} has no source view: view-source: is for pages the Browser shows."
                        ));
                    }
                }
                Err(e) => self.notice = Some(format!("Cannot open {text}: {e}")),
            }
            return;
        }
        match Link::parse(text.trim()) {
            Ok(link) => self.open(&link),
            Err(e) => self.notice = Some(format!("Cannot open {text}: {e}")),
        }
    }

    /// What the single-window socket calls with each link handed over.
    pub fn handoff_sink(&self) -> impl Fn(Option<String>) + Send + 'static {
        let events = self.events.clone();
        move |url| events.send(AppEvent::Handed(url))
    }

    /// Keeps the socket open (and its file) for as long as this window lives.
    pub fn keep_listening(&mut self, listening: super::instance::Listening) {
        self.listening = Some(listening);
    }

    fn panel_mut(&mut self, kind: PanelKind) -> Option<&mut Box<dyn Panel>> {
        self.panels.iter_mut().find(|p| p.kind() == kind)
    }

    /// The status bar's text for the panel shown: what tests print when they wait in vain.
    pub fn status_line(&self) -> String {
        self.panels
            .iter()
            .find(|p| p.kind() == self.panel)
            .map(|p| p.status())
            .unwrap_or_default()
    }

    /// One panel's view state, for tests and benchmarks.
    pub fn panel_state<P: Panel>(&self) -> Option<&P> {
        // Through the box: `Box<dyn Panel>` is itself `Any`, and would answer for itself.
        self.panels
            .iter()
            .find_map(|p| p.as_ref().as_any().downcast_ref())
    }

    /// One panel's view state, for tests and benchmarks.
    pub fn panel_state_mut<P: Panel>(&mut self) -> Option<&mut P> {
        self.panels
            .iter_mut()
            .find_map(|p| p.as_mut().as_any_mut().downcast_mut())
    }

    /// One frame: apply events, then draw. Tests call this through the harness.
    pub fn frame(&mut self, ui: &mut egui::Ui) {
        self.logic(&ui.ctx().clone());
        self.draw(ui);
    }

    /// Where the window's event loop notes keypad presses (and tests play them).
    pub fn keypad_taps(&self) -> super::keypad::KeypadTaps {
        self.keypad.clone()
    }

    /// Takes keypad presses from `taps`: the ones the event loop writes to.
    pub fn use_keypad_taps(&mut self, taps: super::keypad::KeypadTaps) {
        self.keypad = taps;
    }

    /// Applies everything workers reported since the last frame.
    pub fn logic(&mut self, ctx: &egui::Context) {
        let _frame = crate::frame_guard::enter();
        super::keypad::set_this_frame(ctx, self.keypad.take());
        if !self.notifier.is_attached() {
            let ctx = ctx.clone();
            self.notifier.attach(move || ctx.request_repaint());
        }
        if !self.style_applied {
            egui_extras::install_image_loaders(ctx);
            super::theme::install_fonts(ctx);
            super::theme::apply(ctx, &self.settings);
            self.style_applied = true;
        }
        while let Ok(event) = self.rx.try_recv() {
            self.apply(event);
        }
        if std::mem::take(&mut self.raise) {
            ctx.send_viewport_cmd(egui::ViewportCommand::Minimized(false));
            ctx.send_viewport_cmd(egui::ViewportCommand::Focus);
        }
        let asked: Vec<(PanelKind, ShellAction)> = self
            .panels
            .iter_mut()
            .flat_map(|p| {
                let kind = p.kind();
                p.take_actions().into_iter().map(move |a| (kind, a))
            })
            .collect();
        for (kind, action) in asked {
            self.carry_out(kind, action);
        }
        self.handle_restarts();
    }

    fn apply(&mut self, event: AppEvent) {
        match event {
            AppEvent::Panel(kind, event) => {
                if let Some(panel) = self.panel_mut(kind) {
                    panel.apply(event);
                }
            }
            AppEvent::Job(event) => match self.activity.apply(event) {
                Some(JobOutcome::Saved(path)) => {
                    self.toasts.success(format!("Done: {}", path.display()));
                    for p in &mut self.panels {
                        p.job_finished();
                    }
                }
                Some(JobOutcome::Failed(e)) => {
                    self.toasts.error(format!("Transfer failed: {e}"));
                }
                None => {}
            },
            AppEvent::Toast(t) => self.toast(t),
            AppEvent::Handed(url) => {
                if let Some(url) = url {
                    self.open_text(&url);
                }
                self.raise = true;
            }
        }
    }

    fn toast(&mut self, toast: Toast) {
        match toast {
            Toast::Info(m) => self.toasts.info(m),
            Toast::Success(m) => self.toasts.success(m),
            Toast::Warning(m) => self.toasts.warning(m),
            Toast::Error(m) => self.toasts.error(m),
        };
    }

    /// Does what panel `from` asked.
    fn carry_out(&mut self, from: PanelKind, action: ShellAction) {
        match action {
            ShellAction::Toast(t) => self.toast(t),
            ShellAction::StartJob(spec) => self.start_job(spec),
            ShellAction::Untrusted { retry, rejection } => {
                self.cert_prompt = Some(CertPrompt {
                    panel: Some(from),
                    retry,
                    rejection,
                });
            }
            ShellAction::Open(link) => self.open(&link),
            ShellAction::HttpRequest(url) => {
                self.tools.http.url = url;
                self.tools.http.open = true;
            }
            ShellAction::Show => self.panel = from,
            ShellAction::Deliver(to, event) => {
                if let Some(panel) = self.panel_mut(to) {
                    panel.apply(event);
                    self.panel = to;
                }
            }
            ShellAction::UpdateSettings(change) => {
                change(&mut self.settings);
                self.save_settings();
            }
        }
    }

    /// Starts a transfer and remembers how, so Pause/Resume and Retry can start it again.
    fn start_job(&mut self, spec: JobSpec) {
        let title = spec.title();
        let handle = spec
            .clone()
            .start(&self.services, self.events.map(AppEvent::Job));
        self.activity
            .add_restartable(handle.id, title, handle.abort);
        self.job_specs.insert(handle.id, spec);
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
                self.start_job(spec.continued(target.as_deref()));
            }
        }
    }

    fn save_settings(&self) {
        let events = self.events.clone();
        self.store.save_settings(self.settings.to_rows(), move |r| {
            if let Err(e) = r {
                events.send(AppEvent::Toast(Toast::Error(format!(
                    "Could not save the settings: {e}"
                ))));
            }
        });
    }

    /// Draws the shell and the active panel.
    pub fn draw(&mut self, ui: &mut egui::Ui) {
        let _frame = crate::frame_guard::enter();
        let ctx = ui.ctx().clone();
        egui::Panel::top("shell_top").show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.label(RichText::new("Portolan").strong());
                ui.separator();
                let dragging = egui::DragAndDrop::has_any_payload(ui.ctx());
                for panel in &self.panels {
                    let kind = panel.kind();
                    let r = ui
                        .selectable_label(self.panel == kind, kind.title())
                        .on_hover_text(format!("{} {}", panel.icon(), kind.title()));
                    // Something dragged over a panel's tab opens that panel, to be dropped
                    // there (files from the Files panel onto a message).
                    if r.clicked() || (dragging && r.contains_pointer()) {
                        self.panel = kind;
                    }
                }
                ui.separator();
                self.tools.menu(ui);
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
        let shown = self.panel;
        let status = self
            .panel_mut(shown)
            .map(|p| p.status())
            .unwrap_or_default();
        egui::Panel::bottom("status_bar").show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.label(status);
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
        if let Some(text) = &self.notice {
            let mut close = false;
            egui::Panel::top("notice").show(ui, |ui| {
                ui.horizontal(|ui| {
                    ui.label(RichText::new(format!("ℹ {text}")).strong());
                    close = ui.small_button("✖").on_hover_text("Close").clicked();
                });
            });
            if close {
                self.notice = None;
            }
        }
        egui::CentralPanel::default().show(ui, |ui| {
            if let Some(panel) = self.panel_mut(shown) {
                panel.ui(ui);
            }
        });
        // Windows of their own (a composer moved out of its tab) live whichever panel is in
        // front.
        for panel in &mut self.panels {
            panel.windows(&ctx);
        }
        self.tools.show(&ctx, &self.services);
        if self.cert_prompt.is_none()
            && let Some(rejection) = self.tools.take_untrusted()
        {
            self.cert_prompt = Some(CertPrompt {
                panel: None,
                retry: 0,
                rejection,
            });
        }
        self.settings_window(&ctx);
        self.passphrase.show(&ctx, &self.secrets);
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
                    ui.horizontal(|ui| {
                        let mut dir = draft.download_dir.display().to_string();
                        if ui
                            .text_edit_singleline(&mut dir)
                            .labelled_by(l.id)
                            .changed()
                        {
                            draft.download_dir = PathBuf::from(dir);
                        }
                        if let Some(folder) = self.download_picker.show(ui, &draft.download_dir) {
                            draft.download_dir = folder;
                        }
                    });
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
                    ui.label("Saved passwords:");
                    ui.horizontal(|ui| {
                        let state = self.secrets.state();
                        ui.label(state.describe());
                        if let Some(label) =
                            super::passphrase::PassphraseWindow::action_label(state)
                            && ui.button(label).clicked()
                        {
                            self.passphrase.open_for(state);
                        }
                    });
                    ui.end_row();
                });
                self.link_handlers.show(ui);
                ui.horizontal(|ui| {
                    if ui.button("Save").clicked() {
                        save = true;
                    }
                    if ui.button("Cancel").clicked() {
                        cancel = true;
                    }
                });
            });
        if save || cancel || !open {
            self.link_handlers.forget();
        }
        if save {
            self.settings = draft;
            for p in &mut self.panels {
                p.settings_changed(&self.settings);
            }
            super::theme::apply(ctx, &self.settings);
            self.settings.apply_limits(&self.services.pacing);
            self.save_settings();
        } else if open && !cancel {
            self.settings_draft = Some(draft);
        }
    }

    fn cert_window(&mut self, ctx: &egui::Context) {
        let Some(prompt) = &self.cert_prompt else {
            return;
        };
        let Some(choice) = cert_dialog::show(ctx, &prompt.rejection) else {
            return;
        };
        let (panel, retry) = (prompt.panel, prompt.retry);
        let pin = CertPin {
            host: prompt.rejection.host.clone(),
            fingerprint: prompt.rejection.cert.sha256.clone(),
            subject: prompt.rejection.cert.subject.clone(),
        };
        self.cert_prompt = None;
        if choice == TrustChoice::Cancel {
            return;
        }
        self.services.trust.pin(&pin.host, &pin.fingerprint);
        if choice == TrustChoice::Always {
            let events = self.events.clone();
            self.store.add_pin(pin, move |r| {
                if let Err(e) = r {
                    events.send(AppEvent::Toast(Toast::Error(format!(
                        "Could not keep the certificate: {e}"
                    ))));
                }
            });
        }
        match panel {
            Some(panel) => {
                if let Some(p) = self.panel_mut(panel) {
                    p.retry(retry);
                }
            }
            None => self.tools.retry(),
        }
    }

    /// Waits until the store has written everything queued (tests, shutdown).
    pub fn flush_store(&self) {
        self.store.flush();
    }

    /// Lets every panel keep what it keeps between runs (the Browser's tabs).
    pub fn save_state(&self) {
        for p in &self.panels {
            p.save_state();
        }
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
        self.save_state();
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        self.save_state();
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
