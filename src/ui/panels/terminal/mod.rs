//! The Terminal panel: Telnet sessions as tabs, each on a screen the size of the panel, with
//! a session directory (saved hosts and how to talk to them), capture to a file, the option
//! negotiation inspector, and the host's requests for the clipboard asked about first.

mod box_drawing;
mod directory;
mod file_window;
mod grid_mesh;
mod inspector;
mod listen_window;
mod screen_view;
pub mod session;
mod udp_window;

use std::path::PathBuf;
use std::sync::Arc;

use poll_promise::Promise;

use crate::link::{Link, PanelKind};
use crate::store::{Store, TelnetHost};
use crate::terminal::{CaptureKind, ScreenCharset};
use crate::ui::app::AppEvent;
use crate::ui::panels::{Panel, PanelContext, PanelEvent, ShellAction, Toast};
use crate::workers::job_spec::JobSpec;
use crate::workers::terminal::{LineEnd, Target, TerminalEvent};
use crate::workers::{MappedSink, Services};

use directory::{Directory, DirectoryAction};
use session::{HostPrefs, Session, SessionNotice, State};

/// What comes back to the panel: a session's report, or the directory after a change.
#[derive(Debug)]
pub enum TerminalPanelEvent {
    Session(u64, TerminalEvent),
    Listen(crate::workers::listen::ListenEvent),
    Udp(crate::workers::udp::UdpEvent),
    Directory(Result<Vec<TelnetHost>, String>),
}

/// Asks where to write a capture (the desktop's save dialog; tests answer it themselves).
pub type CaptureDialog = Arc<dyn Fn(&str) -> Option<PathBuf> + Send + Sync>;

fn rfd_capture() -> CaptureDialog {
    Arc::new(|name: &str| rfd::FileDialog::new().set_file_name(name).save_file())
}

const CHARSET_CHOICES: [(ScreenCharset, &str); 4] = [
    (ScreenCharset::Auto, "Detect"),
    (ScreenCharset::Utf8, "UTF-8"),
    (ScreenCharset::Cp437, "CP437"),
    (ScreenCharset::Latin1, "Latin-1"),
];

fn charset_label(c: ScreenCharset) -> &'static str {
    CHARSET_CHOICES
        .iter()
        .find(|(x, _)| *x == c)
        .map_or("Detect", |(_, l)| l)
}

/// The port after TLS was ticked or cleared: it follows the choice while it is the other
/// one's default (23 for telnet, 992 for telnets), and a port the user chose stays.
/// A raw session's received bytes as a hex dump, newest at the bottom.
fn hex_view(ui: &mut egui::Ui, s: &Session) {
    let Ok(screen) = s.screen.try_lock() else {
        // The worker is feeding the screen: drawn again in a moment.
        ui.ctx().request_repaint();
        return;
    };
    let log = &screen.received;
    ui.label(format!("{} bytes received", log.total()));
    let row_h = ui.text_style_height(&egui::TextStyle::Monospace);
    egui::ScrollArea::vertical()
        .auto_shrink(false)
        .stick_to_bottom(true)
        .show_rows(ui, row_h, log.rows(), |ui, rows| {
            for i in rows {
                ui.monospace(log.row(i));
            }
        });
}

fn port_for_tls(tls: bool, port: u16) -> u16 {
    match (tls, port) {
        (true, 23) => 992,
        (false, 992) => 23,
        (_, port) => port,
    }
}

/// The panel's view state.
pub struct TerminalPanel {
    services: Services,
    store: Store,
    events: MappedSink<TerminalPanelEvent, AppEvent>,
    pub host: String,
    pub port: String,
    pub tls: bool,
    /// The bar connects raw TCP (no Telnet), with this line end for Enter.
    pub raw: Option<LineEnd>,
    listen: listen_window::ListenWindow,
    udp: udp_window::UdpWindow,
    files: file_window::FileWindow,
    /// The file dialog the Files over TCP window is waiting on: (to send, the answer).
    choosing_file: Option<(bool, Promise<Option<PathBuf>>)>,
    /// Asks which file to send (the desktop's open dialog; tests answer it themselves).
    open_dialog: CaptureDialog,
    sessions: Vec<Session>,
    current: usize,
    next_id: u64,
    directory: Directory,
    capture_dialog: CaptureDialog,
    /// A capture's file being chosen: the session and what to keep.
    choosing_capture: Option<(u64, CaptureKind, Promise<Option<PathBuf>>)>,
    /// An error from the bar (a bad port).
    bar_error: Option<String>,
    /// Text a host was allowed to put on the clipboard, written in the next frame.
    copy_next_frame: Option<String>,
    actions: Vec<ShellAction>,
}

impl TerminalPanel {
    pub fn from_context(ctx: &PanelContext) -> anyhow::Result<TerminalPanel> {
        let entries = ctx.store.load_telnet_hosts()?;
        Ok(TerminalPanel {
            services: ctx.services.clone(),
            store: ctx.store.clone(),
            events: ctx.sink(PanelKind::Terminal),
            host: String::new(),
            port: "23".into(),
            tls: false,
            raw: None,
            listen: listen_window::ListenWindow::default(),
            udp: udp_window::UdpWindow::default(),
            files: file_window::FileWindow::default(),
            choosing_file: None,
            open_dialog: Arc::new(|_: &str| rfd::FileDialog::new().pick_file()),
            sessions: Vec::new(),
            current: 0,
            next_id: 1,
            directory: Directory::with(entries),
            capture_dialog: rfd_capture(),
            choosing_capture: None,
            bar_error: None,
            copy_next_frame: None,
            actions: Vec::new(),
        })
    }

    /// Tests answer the capture's save dialog themselves.
    /// Replaces the dialog that picks a file to send over TCP (tests).
    pub fn set_open_dialog(&mut self, dialog: CaptureDialog) {
        self.open_dialog = dialog;
    }

    pub fn set_capture_dialog(&mut self, dialog: CaptureDialog) {
        self.capture_dialog = dialog;
    }

    /// Connects to what the bar holds, in a new tab (or the current one if it is closed).
    pub fn connect(&mut self) {
        let Ok(port) = self.port.trim().parse::<u16>() else {
            self.bar_error = Some(format!("{:?} is not a port number", self.port));
            return;
        };
        let host = self.host.trim().to_string();
        if host.is_empty() {
            self.bar_error = Some("type a host name".into());
            return;
        }
        self.bar_error = None;
        self.open_session(host, port, self.tls, self.raw);
    }

    fn open_session(&mut self, host: String, port: u16, tls: bool, raw: Option<LineEnd>) {
        let entry = self.directory.find(&host, port);
        let prefs = entry.map(HostPrefs::of).unwrap_or_default();
        let tls = tls || entry.is_some_and(|e| e.tls);
        let size = self.current().map_or((80, 24), |s| s.size);
        let target = Target {
            host,
            port,
            tls,
            raw,
        };
        let reuse = self
            .current()
            .is_some_and(|s| !s.is_open() && s.target == target);
        if !reuse {
            let id = self.next_id;
            self.next_id += 1;
            self.sessions.push(Session::new(id, target, prefs, size));
            self.current = self.sessions.len() - 1;
        }
        let (services, events) = (self.services.clone(), self.events.clone());
        if let Some(s) = self.sessions.get_mut(self.current) {
            s.connect(&services, &events);
        }
    }

    /// The listener's window, and what the user did in it.
    fn listen_window(&mut self, ctx: &egui::Context) {
        let peers: Vec<(u64, String)> = self
            .sessions
            .iter()
            .filter(|s| s.from_listener && s.is_open())
            .map(|s| (s.id, format!("{}:{}", s.target.host, s.target.port)))
            .collect();
        for action in self.listen.show(ctx, &peers) {
            match action {
                listen_window::ListenAction::Start(addr) => {
                    let sink = self.events.clone().contramap(TerminalPanelEvent::Listen);
                    self.listen.bound = None;
                    self.listen.handle =
                        Some(crate::workers::listen::spawn(&self.services, addr, sink));
                }
                listen_window::ListenAction::Stop => {
                    self.listen.handle = None;
                    self.listen.bound = None;
                }
                listen_window::ListenAction::Close(id) => {
                    if let Some(s) = self.sessions.iter_mut().find(|s| s.id == id) {
                        s.disconnect();
                    }
                }
            }
        }
    }

    /// The UDP window, and what the user did in it.
    fn udp_window(&mut self, ctx: &egui::Context) {
        for action in self.udp.show(ctx) {
            match action {
                udp_window::UdpAction::Open(addr) => self.open_udp(addr),
                udp_window::UdpAction::Close => {
                    self.udp.handle = None;
                    self.udp.bound = None;
                }
                udp_window::UdpAction::Send { to, bytes } => {
                    if self.udp.handle.is_none() {
                        match self.udp.local_addr() {
                            Ok(addr) => self.open_udp(addr),
                            Err(e) => {
                                self.udp.error = Some(e);
                                continue;
                            }
                        }
                    }
                    if let Some(h) = &self.udp.handle {
                        h.send(&to, bytes);
                    }
                }
            }
        }
    }

    /// The Files over TCP window: its dialogs, and its jobs, which go to Activity.
    fn file_window(&mut self, ctx: &egui::Context) {
        if let Some((to_send, answer)) = self.choosing_file.take_if(|(_, p)| p.ready().is_some()) {
            self.files.choosing = false;
            match answer.block_and_take() {
                Some(path) if to_send => {
                    self.files.send_path = Some(path);
                    self.files.error = None;
                }
                Some(path) => {
                    self.files.receive_path = Some(path);
                    self.files.error = None;
                }
                None => {
                    self.files.error = Some(
                        "No file chosen. If no dialog appeared, this desktop has no file chooser \
                         service: install xdg-desktop-portal (or zenity)."
                            .into(),
                    );
                }
            }
        }
        for action in self.files.show(ctx) {
            match action {
                file_window::FileAction::PickSend | file_window::FileAction::PickSave => {
                    let to_send = matches!(action, file_window::FileAction::PickSend);
                    let dialog = if to_send {
                        self.open_dialog.clone()
                    } else {
                        self.capture_dialog.clone()
                    };
                    self.files.choosing = true;
                    self.choosing_file = Some((
                        to_send,
                        Promise::spawn_thread("file dialog", move || dialog("received")),
                    ));
                }
                file_window::FileAction::Send { path, target } => self
                    .actions
                    .push(ShellAction::StartJob(JobSpec::SendFile { path, target })),
                file_window::FileAction::Receive { listen, path } => self
                    .actions
                    .push(ShellAction::StartJob(JobSpec::ReceiveFile { listen, path })),
            }
        }
    }

    fn open_udp(&mut self, addr: std::net::SocketAddr) {
        let sink = self.events.clone().contramap(TerminalPanelEvent::Udp);
        self.udp.bound = None;
        self.udp.handle = Some(crate::workers::udp::spawn(&self.services, addr, sink));
    }

    /// The UDP window's datagrams, oldest first: (outgoing, peer, bytes).
    pub fn udp_datagrams(&self) -> Vec<(bool, std::net::SocketAddr, Vec<u8>)> {
        self.udp
            .datagrams
            .iter()
            .map(|d| (d.outgoing, d.peer, d.bytes.clone()))
            .collect()
    }

    /// A peer connected to the listener: a raw session in a tab of its own, in front.
    fn on_listen(&mut self, event: crate::workers::listen::ListenEvent) {
        use crate::workers::listen::ListenEvent;
        match event {
            ListenEvent::Listening(addr) => self.listen.bound = Some(addr),
            ListenEvent::Failed(e) => {
                self.listen.handle = None;
                self.listen.bound = None;
                self.listen.error = Some(e);
            }
            ListenEvent::Peer(stream, from) => {
                let target = Target {
                    host: from.ip().to_string(),
                    port: from.port(),
                    tls: false,
                    raw: Some(LineEnd::default()),
                };
                let size = self.current().map_or((80, 24), |s| s.size);
                let id = self.next_id;
                self.next_id += 1;
                let mut session = Session::new(id, target, HostPrefs::default(), size);
                session.adopt(stream, &self.services, &self.events);
                self.sessions.push(session);
                self.current = self.sessions.len() - 1;
                self.actions
                    .push(ShellAction::Toast(Toast::Info(format!("{from} connected"))));
            }
        }
    }

    fn current(&self) -> Option<&Session> {
        self.sessions.get(self.current)
    }

    fn current_mut(&mut self) -> Option<&mut Session> {
        self.sessions.get_mut(self.current)
    }

    /// The sessions, as tabs from left to right.
    pub fn sessions(&self) -> &[Session] {
        &self.sessions
    }

    /// Where the listener listens, once it does.
    pub fn listening_on(&self) -> Option<std::net::SocketAddr> {
        self.listen.bound.filter(|_| self.listen.handle.is_some())
    }

    /// The directory's entries.
    pub fn directory(&self) -> &[TelnetHost] {
        &self.directory.entries
    }

    /// The current screen as text, one line per row (tests, and copying the whole screen).
    pub fn screen_text(&self) -> String {
        self.current()
            .and_then(|s| s.screen.lock().ok().map(|s| s.text()))
            .unwrap_or_default()
    }

    pub fn disconnect(&mut self) {
        if let Some(s) = self.current_mut() {
            s.disconnect();
        }
    }

    fn close_tab(&mut self, index: usize) {
        if index < self.sessions.len() {
            self.sessions[index].disconnect();
            self.sessions.remove(index);
            if self.current >= self.sessions.len() {
                self.current = self.sessions.len().saturating_sub(1);
            }
        }
    }

    fn store_reply(
        &self,
    ) -> impl FnOnce(Result<Vec<TelnetHost>, crate::store::StoreError>) + Send + 'static {
        let events = self.events.clone();
        move |r| events.send(TerminalPanelEvent::Directory(r.map_err(|e| e.to_string())))
    }

    fn connect_bar(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            let l = ui.label("Host:");
            let host = ui
                .add(egui::TextEdit::singleline(&mut self.host).desired_width(150.0))
                .labelled_by(l.id);
            let l = ui.label("Port:");
            let port = ui
                .add(egui::TextEdit::singleline(&mut self.port).desired_width(50.0))
                .labelled_by(l.id);
            let protocol = if self.raw.is_some() {
                "Raw TCP"
            } else {
                "Telnet"
            };
            let l = ui.label("Protocol:");
            egui::ComboBox::from_id_salt("terminal-protocol")
                .selected_text(protocol)
                .show_ui(ui, |ui| {
                    if ui.selectable_label(self.raw.is_none(), "Telnet").clicked() {
                        self.raw = None;
                    }
                    if ui
                        .selectable_label(self.raw.is_some(), "Raw TCP")
                        .on_hover_text("No Telnet: the bytes as they are, as with nc")
                        .clicked()
                        && self.raw.is_none()
                    {
                        self.raw = Some(LineEnd::default());
                    }
                })
                .response
                .labelled_by(l.id);
            if let Some(line_end) = self.raw.as_mut() {
                let l = ui.label("Enter sends:");
                egui::ComboBox::from_id_salt("terminal-line-end")
                    .selected_text(line_end.label())
                    .show_ui(ui, |ui| {
                        for choice in [LineEnd::Lf, LineEnd::CrLf, LineEnd::Cr] {
                            ui.selectable_value(line_end, choice, choice.label());
                        }
                    })
                    .response
                    .labelled_by(l.id);
            }
            if ui
                .checkbox(&mut self.tls, "TLS")
                .on_hover_text("TLS from the first byte (telnets: port 992)")
                .changed()
                && let Ok(port) = self.port.trim().parse()
            {
                self.port = port_for_tls(self.tls, port).to_string();
            }
            let enter = (host.lost_focus() || port.lost_focus())
                && ui.input(|i| i.key_pressed(egui::Key::Enter));
            if ui.button("Connect").clicked() || enter {
                self.connect();
            }
            if ui.button("Directory…").clicked() {
                self.directory.open = !self.directory.open;
            }
            ui.menu_button("Sockets", |ui| {
                if ui
                    .button("Listen…")
                    .on_hover_text("Wait for TCP peers (nc, a script, another Portolan)")
                    .clicked()
                {
                    self.listen.open = true;
                    ui.close();
                }
                if ui
                    .button("Files over TCP…")
                    .on_hover_text("Send a file to a waiting peer, or receive one on a port")
                    .clicked()
                {
                    self.files.open = true;
                    if self.files.send_to.is_empty() && !self.host.trim().is_empty() {
                        self.files.send_to = format!("{}:{}", self.host.trim(), self.port.trim());
                    }
                    ui.close();
                }
                if ui
                    .button("UDP…")
                    .on_hover_text("Send datagrams and see replies, or receive on a port")
                    .clicked()
                {
                    self.udp.open = true;
                    ui.close();
                }
            });
            if ui
                .button("Save to directory…")
                .on_hover_text("Keep this host with its charset, echo and notes")
                .clicked()
            {
                let port = self.port.trim().parse().unwrap_or(23);
                let host = self.host.trim().to_string();
                self.directory.new_entry(&host, port, self.tls);
            }
        });
        if let Some(e) = &self.bar_error {
            ui.colored_label(ui.visuals().error_fg_color, e);
        }
    }

    fn tabs(&mut self, ui: &mut egui::Ui) {
        if self.sessions.is_empty() {
            return;
        }
        let mut close = None;
        ui.horizontal_wrapped(|ui| {
            for (i, s) in self.sessions.iter().enumerate() {
                let mark = match s.state {
                    State::Connected => "● ",
                    State::Connecting => "… ",
                    _ => "○ ",
                };
                let bell = if s.bell { " 🔔" } else { "" };
                if ui
                    .selectable_label(i == self.current, format!("{mark}{}{bell}", s.label()))
                    .on_hover_text(format!(
                        "{}{}:{}",
                        if s.target.tls {
                            "telnets://"
                        } else {
                            "telnet://"
                        },
                        s.target.host,
                        s.target.port
                    ))
                    .clicked()
                {
                    self.current = i;
                }
                if ui
                    .small_button("✖")
                    .on_hover_text("Close this session")
                    .clicked()
                {
                    close = Some(i);
                }
                ui.separator();
            }
        });
        if let Some(i) = close {
            self.close_tab(i);
        }
    }

    fn session_bar(&mut self, ui: &mut egui::Ui) {
        let (services, events) = (self.services.clone(), self.events.clone());
        let dialog = self.capture_dialog.clone();
        let choosing = self.choosing_capture.is_some();
        let mut capture_request = None;
        let Some(s) = self.sessions.get_mut(self.current) else {
            return;
        };
        ui.horizontal(|ui| {
            if s.is_open() {
                if ui.button("Disconnect").clicked() {
                    s.disconnect();
                }
            } else if !s.from_listener && ui.button("Reconnect").clicked() {
                // A peer that came to the listener has to come again: nothing to dial.
                s.connect(&services, &events);
            }
            let mut charset = s.prefs.charset;
            let shown = match (charset, s.charset_now()) {
                (ScreenCharset::Auto, Some(now)) if now != ScreenCharset::Auto => {
                    format!("Detect: {}", charset_label(now))
                }
                _ => charset_label(charset).to_string(),
            };
            let l = ui.label("Charset:");
            egui::ComboBox::from_id_salt(("term-charset", s.id))
                .selected_text(shown)
                .show_ui(ui, |ui| {
                    for (c, label) in CHARSET_CHOICES {
                        ui.selectable_value(&mut charset, c, label);
                    }
                })
                .response
                .labelled_by(l.id);
            if charset != s.prefs.charset {
                s.set_charset(charset);
            }
            if s.capture.is_some() {
                if ui.button("⏹ Stop capture").clicked() {
                    s.stop_capture();
                }
            } else {
                ui.add_enabled_ui(s.is_open() && !choosing, |ui| {
                    ui.menu_button("Capture", |ui| {
                        if ui.button("Text to a file…").clicked() {
                            capture_request = Some(CaptureKind::Text);
                            ui.close();
                        }
                        if ui.button("Raw bytes to a file…").clicked() {
                            capture_request = Some(CaptureKind::Raw);
                            ui.close();
                        }
                    });
                });
            }
            if s.target.raw.is_some() {
                ui.toggle_value(&mut s.hex_view, "Hex view")
                    .on_hover_text("What the peer sent, byte for byte (the last 1 MiB)");
                let mut line = s.local_line_mode();
                if ui
                    .toggle_value(&mut line, "Line mode")
                    .on_hover_text(
                        "On: lines are edited here and sent with Enter. Off: each key goes to the peer as it is pressed (character mode).",
                    )
                    .changed()
                {
                    s.set_line_mode(line);
                }
            } else {
                ui.toggle_value(&mut s.show_inspector, "Negotiation");
            }
            if ui
                .button("Copy screen")
                .on_hover_text("The whole screen as text")
                .clicked()
                && let Ok(screen) = s.screen.try_lock()
            {
                ui.ctx().copy_text(screen.text());
            }
            if s.local_line_mode() && s.target.raw.is_none() {
                ui.label("✏ local echo").on_hover_text(
                    "The host does not echo: lines are edited here and sent with Enter",
                );
            }
            if let Some(path) = &s.capture {
                ui.label(format!("⏺ capturing to {}", path.display()));
            }
        });
        if let Some(kind) = capture_request {
            let id = s.id;
            let name = format!(
                "{}-{}.{}",
                s.target.host,
                s.target.port,
                if kind == CaptureKind::Text {
                    "txt"
                } else {
                    "ans"
                }
            );
            let ctx = ui.ctx().clone();
            self.choosing_capture = Some((
                id,
                kind,
                Promise::spawn_thread("capture dialog", move || {
                    let path = dialog(&name);
                    ctx.request_repaint();
                    path
                }),
            ));
        }
    }

    fn poll_capture_dialog(&mut self) {
        let ready = matches!(&self.choosing_capture, Some((_, _, p)) if p.ready().is_some());
        if !ready {
            return;
        }
        let Some((id, kind, promise)) = self.choosing_capture.take() else {
            return;
        };
        if let Ok(Some(path)) = promise.try_take()
            && let Some(s) = self.sessions.iter_mut().find(|s| s.id == id)
        {
            s.start_capture(path, kind);
        }
    }

    fn clipboard_bar(ui: &mut egui::Ui, s: &mut Session) {
        let Some(text) = s.clipboard_request.clone() else {
            return;
        };
        ui.horizontal(|ui| {
            ui.colored_label(
                ui.visuals().warn_fg_color,
                format!(
                    "The host wants to put {} characters on the clipboard.",
                    text.chars().count()
                ),
            )
            .on_hover_text(text.chars().take(200).collect::<String>());
            if ui.button("Allow once").clicked() {
                ui.ctx().copy_text(text.clone());
                s.clipboard_request = None;
            }
            if ui.button("Allow for this session").clicked() {
                ui.ctx().copy_text(text.clone());
                s.clipboard_allowed = true;
                s.clipboard_request = None;
            }
            if ui.button("Deny").clicked() {
                s.clipboard_request = None;
            }
        });
    }
}

impl Panel for TerminalPanel {
    fn kind(&self) -> PanelKind {
        PanelKind::Terminal
    }

    fn icon(&self) -> &'static str {
        "🖳"
    }

    fn status(&self) -> String {
        let Some(s) = self.current() else {
            return "Not connected".into();
        };
        let tabs = if self.sessions.len() > 1 {
            format!(" · {} sessions", self.sessions.len())
        } else {
            String::new()
        };
        let where_ = format!("{}:{}", s.target.host, s.target.port);
        match &s.state {
            State::Connecting => format!("Connecting to {where_}…"),
            State::Connected => format!(
                "{where_}{} · {}x{}{}{tabs}",
                if s.target.tls { " (TLS)" } else { "" },
                s.size.0,
                s.size.1,
                if s.local_line_mode() {
                    " · local echo"
                } else {
                    ""
                },
            ),
            State::Untrusted => format!("{where_}: the certificate is not trusted"),
            State::Closed(None) => format!("Session with {where_} closed{tabs}"),
            State::Closed(Some(e)) => format!("Error: {e}"),
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui) {
        self.poll_capture_dialog();
        if let Some(text) = self.copy_next_frame.take() {
            ui.ctx().copy_text(text);
        }
        self.connect_bar(ui);
        for action in self.directory.show(ui.ctx()) {
            match action {
                DirectoryAction::Connect(entry) => {
                    self.host.clone_from(&entry.host);
                    self.port = entry.port.to_string();
                    self.tls = entry.tls;
                    self.open_session(entry.host, entry.port, entry.tls, None);
                }
                DirectoryAction::Save(entry) => {
                    let reply = self.store_reply();
                    self.store.save_telnet_host(entry, reply);
                }
                DirectoryAction::Delete(id) => {
                    let reply = self.store_reply();
                    self.store.delete_telnet_host(id, reply);
                }
            }
        }
        self.listen_window(ui.ctx());
        self.udp_window(ui.ctx());
        self.file_window(ui.ctx());
        self.tabs(ui);
        self.session_bar(ui);
        let Some(s) = self.sessions.get_mut(self.current) else {
            ui.separator();
            ui.label("Type a host and port above (Telnet, or raw TCP as with nc), open a telnet: link, pick a saved session from the Directory, or Listen… in the Sockets menu for peers to connect.");
            return;
        };
        if let State::Closed(Some(e)) = &s.state {
            ui.colored_label(ui.visuals().error_fg_color, e);
        }
        Self::clipboard_bar(ui, s);
        if s.show_inspector {
            let mut open = true;
            inspector::show(ui.ctx(), s, &mut open);
            s.show_inspector = open;
        }
        ui.separator();
        if s.hex_view {
            hex_view(ui, s);
            return;
        }
        let out = screen_view::show(ui, s);
        if let Some(text) = out.copy {
            ui.ctx().copy_text(text);
        }
    }

    fn apply(&mut self, event: PanelEvent) {
        match event.take::<TerminalPanelEvent>() {
            Some(TerminalPanelEvent::Session(id, e)) => {
                let Some(s) = self.sessions.iter_mut().find(|s| s.id == id) else {
                    return;
                };
                match s.apply(e) {
                    Some(SessionNotice::Copy(text)) => {
                        // Allowed for this host or session: written at the next frame.
                        s.clipboard_request = None;
                        self.actions.push(ShellAction::Toast(Toast::Info(format!(
                            "{} put {} characters on the clipboard",
                            s.target.host,
                            text.chars().count()
                        ))));
                        self.copy_next_frame = Some(text);
                    }
                    Some(SessionNotice::Error(e)) => {
                        self.actions.push(ShellAction::Toast(Toast::Error(e)));
                    }
                    Some(SessionNotice::Untrusted(rejection)) => {
                        self.actions.push(ShellAction::Untrusted {
                            retry: id,
                            rejection,
                        });
                    }
                    None => {}
                }
            }
            Some(TerminalPanelEvent::Listen(e)) => self.on_listen(e),
            Some(TerminalPanelEvent::Udp(e)) => self.udp.apply(e),
            Some(TerminalPanelEvent::Directory(Ok(entries))) => self.directory.entries = entries,
            Some(TerminalPanelEvent::Directory(Err(e))) => {
                self.actions.push(ShellAction::Toast(Toast::Error(format!(
                    "The session directory could not be saved: {e}"
                ))));
            }
            None => {}
        }
    }

    fn open(&mut self, link: &Link) {
        if let Link::Telnet { server, tls } = link {
            self.host.clone_from(&server.host);
            self.port = server.port.to_string();
            self.tls = *tls;
            self.open_session(server.host.clone(), server.port, *tls, None);
        }
    }

    fn retry(&mut self, retry: u64) {
        let (services, events) = (self.services.clone(), self.events.clone());
        if let Some(s) = self.sessions.iter_mut().find(|s| s.id == retry) {
            s.connect(&services, &events);
        }
    }

    fn take_actions(&mut self) -> Vec<ShellAction> {
        std::mem::take(&mut self.actions)
    }
}
