//! One Telnet session of the Terminal panel (a tab): where it connects, its screen, what the
//! host and the user said, and how typing reaches the host (directly, or through the local
//! line editor when the host does not echo).

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc::UnboundedSender;

use crate::proto::telnet::TelnetConfig;
use crate::store::TelnetHost;
use crate::terminal::{HostRequest, LineEditor, Screen, ScreenCharset};
use crate::workers::terminal::{
    self as worker, Negotiation, Target, TerminalCommand, TerminalEvent,
};
use crate::workers::{MappedSink, Services};

use super::TerminalPanelEvent;
use crate::ui::app::AppEvent;

/// Local echo and line editing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EchoMode {
    /// On while the host does not echo (it has not said IAC WILL ECHO), as `PuTTY` does.
    Auto,
    On,
    Off,
}

impl EchoMode {
    pub fn from_word(word: &str) -> EchoMode {
        match word {
            "on" => EchoMode::On,
            "off" => EchoMode::Off,
            _ => EchoMode::Auto,
        }
    }
}

/// How a session talks to its host: from the directory entry for that host and port, else
/// the defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPrefs {
    pub charset: ScreenCharset,
    pub echo: EchoMode,
    /// The host may write the clipboard (OSC 52) without asking.
    pub clipboard: bool,
    /// The directory entry's name, for the tab.
    pub name: Option<String>,
}

impl Default for HostPrefs {
    fn default() -> Self {
        HostPrefs {
            charset: ScreenCharset::Auto,
            echo: EchoMode::Auto,
            clipboard: false,
            name: None,
        }
    }
}

impl HostPrefs {
    pub fn of(entry: &TelnetHost) -> HostPrefs {
        HostPrefs {
            charset: ScreenCharset::from_word(&entry.charset).unwrap_or(ScreenCharset::Auto),
            echo: EchoMode::from_word(&entry.echo),
            clipboard: entry.clipboard,
            name: Some(entry.name.clone()).filter(|n| !n.trim().is_empty()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    Connecting,
    Connected,
    /// The certificate must be decided on in the trust dialog.
    Untrusted,
    Closed(Option<String>),
}

/// One session.
pub struct Session {
    pub id: u64,
    pub target: Target,
    pub prefs: HostPrefs,
    pub state: State,
    pub screen: Arc<Mutex<Screen>>,
    worker: Option<UnboundedSender<TerminalCommand>>,
    pub size: (u16, u16),
    pub remote_echo: bool,
    editor: LineEditor,
    /// The host's title (OSC 2), if it set one.
    pub title: Option<String>,
    pub negotiation: Negotiation,
    /// Text the host asked to put on the clipboard, waiting for the user.
    pub clipboard_request: Option<String>,
    /// The user allowed clipboard writes for the rest of this session.
    pub clipboard_allowed: bool,
    pub capture: Option<PathBuf>,
    /// The screen's text for screen readers, made again when the screen changed.
    pub readable: String,
    /// The screen changed (output, a scroll) since [`Session::refresh_text`] last ran.
    pub text_stale: bool,
    /// When [`Session::refresh_text`] last made it.
    pub text_made: std::time::Instant,
    /// Rows of the screen as last announced to screen readers.
    pub announced: Vec<String>,
    /// New lines for screen readers, since the last output.
    pub announcement: String,
    /// The wheel's movement not yet a whole line.
    pub scroll_rest: f32,
    pub show_inspector: bool,
    /// The host rang the bell: the tab shows it until the session is looked at.
    pub bell: bool,
    /// Typing goes to the screen as soon as it is drawn: a new session takes the keyboard.
    pub want_focus: bool,
    /// The screen as last drawn, shown again while nothing changed or while the worker is
    /// feeding the screen.
    pub drawn: Option<super::screen_view::Drawn>,
    /// How many frames drew the screen anew (for the frame benchmark).
    pub fresh_draws: u64,
    /// The button held down, reported to the host (which asked for mouse reports).
    pub mouse_held: Option<crate::terminal::MouseButton>,
    /// The cell the last report was about: moves within a cell are not reported.
    pub mouse_cell: Option<(usize, usize)>,
    /// The modes as last read, for frames that find the worker feeding the screen.
    pub modes: crate::terminal::Modes,
    /// A peer that connected to our listener (it cannot be reconnected).
    pub from_listener: bool,
    /// A raw session shows the bytes it received as a hex dump instead of the screen.
    pub hex_view: bool,
}

impl Session {
    pub fn new(id: u64, target: Target, prefs: HostPrefs, size: (u16, u16)) -> Session {
        let screen = Screen::new(size.0, size.1, prefs.charset);
        Session {
            id,
            target,
            clipboard_allowed: prefs.clipboard,
            prefs,
            state: State::Closed(None),
            screen: Arc::new(Mutex::new(screen)),
            worker: None,
            size,
            remote_echo: false,
            editor: LineEditor::default(),
            title: None,
            negotiation: Negotiation::default(),
            clipboard_request: None,
            capture: None,
            readable: String::new(),
            text_stale: true,
            text_made: std::time::Instant::now(),
            announced: Vec::new(),
            announcement: String::new(),
            scroll_rest: 0.0,
            show_inspector: false,
            bell: false,
            want_focus: true,
            drawn: None,
            fresh_draws: 0,
            mouse_held: None,
            mouse_cell: None,
            modes: crate::terminal::Modes::default(),
            from_listener: false,
            hex_view: false,
        }
    }

    /// The tab's label: the directory's name, else the host's title, else host and port.
    pub fn label(&self) -> String {
        self.prefs
            .name
            .clone()
            .or_else(|| self.title.clone().filter(|t| !t.trim().is_empty()))
            .unwrap_or_else(|| format!("{}:{}", self.target.host, self.target.port))
    }

    /// Connects (again): a reconnect keeps the screen's history and goes on below it.
    pub fn connect(
        &mut self,
        services: &Services,
        events: &MappedSink<TerminalPanelEvent, AppEvent>,
    ) {
        let (cols, rows) = self.size;
        let config = TelnetConfig {
            cols,
            rows,
            ..TelnetConfig::default()
        };
        let (target, screen) = (self.target.clone(), self.screen.clone());
        self.start(events, |sink| {
            worker::spawn(services, target, screen, config, sink)
        });
    }

    /// Serves a peer that connected to the panel's listener, as a raw session.
    pub fn adopt(
        &mut self,
        peer: tokio::net::TcpStream,
        services: &Services,
        events: &MappedSink<TerminalPanelEvent, AppEvent>,
    ) {
        self.from_listener = true;
        let (target, screen) = (self.target.clone(), self.screen.clone());
        self.start(events, |sink| {
            worker::spawn_accepted(services, target, peer, screen, sink)
        });
    }

    /// Ends the worker there is, and starts the one `spawn` makes with this tab's events.
    fn start(
        &mut self,
        events: &MappedSink<TerminalPanelEvent, AppEvent>,
        spawn: impl FnOnce(MappedSink<TerminalEvent, AppEvent>) -> UnboundedSender<TerminalCommand>,
    ) {
        self.disconnect();
        let id = self.id;
        let sink = events
            .clone()
            .contramap(move |e: TerminalEvent| TerminalPanelEvent::Session(id, e));
        self.remote_echo = false;
        self.editor = LineEditor::default();
        self.worker = Some(spawn(sink));
        self.state = State::Connecting;
    }

    pub fn disconnect(&mut self) {
        if let Some(w) = self.worker.take() {
            let _ = w.send(TerminalCommand::Disconnect);
        }
        self.capture = None;
    }

    pub fn is_open(&self) -> bool {
        self.worker.is_some()
    }

    fn command(&self, cmd: TerminalCommand) {
        if let Some(w) = &self.worker {
            let _ = w.send(cmd);
        }
    }

    /// Whether typing is echoed and edited here rather than by the host.
    pub fn local_line_mode(&self) -> bool {
        match self.prefs.echo {
            EchoMode::On => true,
            EchoMode::Off => false,
            EchoMode::Auto => self.state == State::Connected && !self.remote_echo,
        }
    }

    /// Line mode (lines edited here, sent with Enter) or character mode (each key sent as it
    /// is pressed), as the user picked it for this session; a line being edited goes out as
    /// typed when character mode takes over.
    pub fn set_line_mode(&mut self, on: bool) {
        self.prefs.echo = if on { EchoMode::On } else { EchoMode::Off };
        if !on {
            let pending = self.editor.take_pending();
            if !pending.is_empty() {
                self.command(TerminalCommand::Send(pending));
            }
        }
    }

    /// What the keyboard produced, on its way to the host.
    pub fn type_bytes(&mut self, bytes: &[u8]) {
        if bytes.is_empty() || !self.is_open() {
            return;
        }
        if self.local_line_mode() {
            let edited = self.editor.input(bytes);
            if !edited.echo.is_empty() {
                self.command(TerminalCommand::Echo(edited.echo));
            }
            if !edited.send.is_empty() {
                self.command(TerminalCommand::Send(edited.send));
            }
        } else {
            self.command(TerminalCommand::Send(bytes.to_vec()));
        }
    }

    pub fn resize(&mut self, cols: u16, rows: u16) {
        if (cols, rows) == self.size {
            return;
        }
        self.size = (cols, rows);
        if self.is_open() {
            self.command(TerminalCommand::Resize { cols, rows });
        } else if let Ok(mut s) = self.screen.lock() {
            s.resize(cols, rows);
        }
    }

    pub fn set_charset(&mut self, charset: ScreenCharset) {
        self.prefs.charset = charset;
        if self.is_open() {
            self.command(TerminalCommand::SetCharset(charset));
        } else if let Ok(mut s) = self.screen.lock() {
            s.set_charset(charset);
        }
    }

    /// The charset the screen reads in now (a detected one once `Auto` decided).
    pub fn charset_now(&self) -> Option<ScreenCharset> {
        self.screen.try_lock().ok().map(|s| s.charset())
    }

    pub fn start_capture(&mut self, path: PathBuf, kind: crate::terminal::CaptureKind) {
        self.command(TerminalCommand::Capture(Some((path, kind))));
    }

    pub fn stop_capture(&mut self) {
        self.command(TerminalCommand::Capture(None));
    }

    /// Applies what the worker reported. Returns a message for the user when there is one.
    pub fn apply(&mut self, event: TerminalEvent) -> Option<SessionNotice> {
        match event {
            TerminalEvent::Connected => self.state = State::Connected,
            TerminalEvent::RemoteEcho(on) => {
                self.remote_echo = on;
                // The host echoes now: what was typed on this side goes to it as it is.
                if on {
                    let pending = self.editor.take_pending();
                    if !pending.is_empty() {
                        self.command(TerminalCommand::Send(pending));
                    }
                }
            }
            TerminalEvent::Negotiation(n) => self.negotiation = *n,
            TerminalEvent::Requests(requests) => {
                for r in requests {
                    match r {
                        HostRequest::Title(t) => self.title = Some(t),
                        HostRequest::Bell => self.bell = true,
                        HostRequest::Clipboard(text) if self.clipboard_allowed => {
                            return Some(SessionNotice::Copy(text));
                        }
                        HostRequest::Clipboard(text) => self.clipboard_request = Some(text),
                    }
                }
            }
            TerminalEvent::Capture(Ok(path)) => self.capture = path,
            TerminalEvent::Capture(Err(e)) => {
                self.capture = None;
                return Some(SessionNotice::Error(e));
            }
            TerminalEvent::Untrusted(rejection) => {
                self.worker = None;
                self.state = State::Untrusted;
                return Some(SessionNotice::Untrusted(rejection));
            }
            TerminalEvent::Closed(reason) => {
                self.worker = None;
                self.capture = None;
                self.state = State::Closed(reason);
            }
            TerminalEvent::Output => self.text_stale = true,
        }
        None
    }

    /// Makes the text screen readers get once after a change, not in every frame: the
    /// screen without the frames of ANSI art, and the lines that are new. When the worker
    /// holds the screen, it is tried again in the next frame.
    pub fn refresh_text(&mut self) {
        let Ok(screen) = self.screen.try_lock() else {
            return;
        };
        let rows: Vec<String> = (0..screen.rows()).map(|r| screen.row_text(r)).collect();
        let scrolled_back = screen.scrolled_back() > 0;
        drop(screen);
        self.text_stale = false;
        self.text_made = std::time::Instant::now();
        self.readable = crate::terminal::readable_text(&rows.join("\n"));
        if !scrolled_back {
            self.note_new_lines(rows);
        }
    }

    /// Works out which rows are new since the last output, for screen readers.
    fn note_new_lines(&mut self, rows: Vec<String>) {
        // The new text is what follows the longest run of old rows found at the top of the
        // screen (text that scrolled up), or every changed row when nothing scrolled.
        let mut fresh: Vec<&str> = Vec::new();
        let shift = (0..self.announced.len()).find(|&k| {
            let old = &self.announced[k..];
            !old.is_empty()
                && old.len() <= rows.len()
                && old.iter().zip(&rows).all(|(a, b)| a == b)
                && old.iter().any(|l| !l.is_empty())
        });
        match shift {
            Some(k) => {
                let kept = self.announced.len() - k;
                fresh.extend(rows[kept..].iter().map(String::as_str));
            }
            None => {
                for (i, row) in rows.iter().enumerate() {
                    if self.announced.get(i) != Some(row) {
                        fresh.push(row);
                    }
                }
            }
        }
        let text = crate::terminal::readable_text(&fresh.join("\n"));
        if !text.trim().is_empty() {
            self.announcement = text.trim_end().to_string();
        }
        self.announced = rows;
    }
}

/// What a session's event asks the panel to tell or do.
pub enum SessionNotice {
    Copy(String),
    Error(String),
    Untrusted(Box<crate::proto::tls::CertRejection>),
}
