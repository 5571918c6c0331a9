//! The Terminal panel: a Telnet session on a screen the size of the panel. A first version:
//! one session, the connect bar, the screen in colour with its cursor, and the keyboard.
//! Tabs, the session directory, capture, the negotiation inspector, selection and scrollback
//! come with the rest of the Terminal issue.

use std::sync::{Arc, Mutex};

use alacritty_terminal::term::cell::Flags;
use alacritty_terminal::vte::ansi::{Color, NamedColor};
use egui::text::LayoutJob;
use egui::{Color32, FontId, TextFormat};
use tokio::sync::mpsc::UnboundedSender;

use crate::link::{Link, PanelKind};
use crate::proto::telnet::TelnetConfig;
use crate::terminal::{Screen, ScreenCharset};
use crate::ui::app::AppEvent;
use crate::ui::panels::{Panel, PanelContext, PanelEvent, ShellAction};
use crate::workers::terminal::{self as worker, TerminalCommand, TerminalEvent};
use crate::workers::{MappedSink, Services};

#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    Idle,
    Connecting,
    Connected,
    Closed(Option<String>),
}

/// The panel's view state.
pub struct TerminalPanel {
    services: Services,
    events: MappedSink<TerminalEvent, AppEvent>,
    pub host: String,
    pub port: String,
    state: State,
    screen: Arc<Mutex<Screen>>,
    worker: Option<UnboundedSender<TerminalCommand>>,
    size: (u16, u16),
    remote_echo: bool,
    actions: Vec<ShellAction>,
}

/// The 16 ANSI colours: xterm's, with the blues lightened to read on a dark background.
const PALETTE: [(u8, u8, u8); 16] = [
    (0, 0, 0),
    (205, 0, 0),
    (0, 205, 0),
    (205, 205, 0),
    (36, 114, 200),
    (205, 0, 205),
    (0, 205, 205),
    (229, 229, 229),
    (127, 127, 127),
    (255, 0, 0),
    (0, 255, 0),
    (255, 255, 0),
    (59, 142, 234),
    (255, 0, 255),
    (0, 255, 255),
    (255, 255, 255),
];

fn indexed(i: u8) -> Color32 {
    match i {
        0..=15 => {
            let (r, g, b) = PALETTE[usize::from(i)];
            Color32::from_rgb(r, g, b)
        }
        16..=231 => {
            let i = i - 16;
            let level = |v: u8| if v == 0 { 0 } else { 55 + v * 40 };
            Color32::from_rgb(level(i / 36), level((i / 6) % 6), level(i % 6))
        }
        _ => {
            let v = 8 + (i - 232) * 10;
            Color32::from_rgb(v, v, v)
        }
    }
}

/// A cell colour on the window's background; `fg` says which default applies.
fn color_of(c: Color, fg: bool, visuals: &egui::Visuals) -> Color32 {
    match c {
        Color::Spec(rgb) => Color32::from_rgb(rgb.r, rgb.g, rgb.b),
        Color::Indexed(i) => indexed(i),
        Color::Named(n) => {
            let i = n as usize;
            if i < 16 {
                indexed(i as u8)
            } else if n == NamedColor::Background || !fg {
                visuals.extreme_bg_color
            } else {
                visuals.text_color()
            }
        }
    }
}

/// The bytes a key sends (xterm's encoding); `None` for keys the terminal ignores.
pub fn key_bytes(key: egui::Key, modifiers: egui::Modifiers) -> Option<Vec<u8>> {
    use egui::Key;
    if modifiers.ctrl
        && let Some(letter) = key.symbol_or_name().chars().next()
        && letter.is_ascii_alphabetic()
        && key.symbol_or_name().len() == 1
    {
        return Some(vec![(letter.to_ascii_uppercase() as u8) & 0x1f]);
    }
    let seq: &[u8] = match key {
        // A bare CR: the Telnet engine sends it as CR NUL outside binary mode.
        Key::Enter => b"\r",
        Key::Backspace => b"\x7f",
        Key::Tab => b"\t",
        Key::Escape => b"\x1b",
        Key::ArrowUp => b"\x1b[A",
        Key::ArrowDown => b"\x1b[B",
        Key::ArrowRight => b"\x1b[C",
        Key::ArrowLeft => b"\x1b[D",
        Key::Home => b"\x1b[H",
        Key::End => b"\x1b[F",
        Key::PageUp => b"\x1b[5~",
        Key::PageDown => b"\x1b[6~",
        Key::Insert => b"\x1b[2~",
        Key::Delete => b"\x1b[3~",
        Key::F1 => b"\x1bOP",
        Key::F2 => b"\x1bOQ",
        Key::F3 => b"\x1bOR",
        Key::F4 => b"\x1bOS",
        _ => return None,
    };
    Some(seq.to_vec())
}

impl TerminalPanel {
    pub fn from_context(ctx: &PanelContext) -> anyhow::Result<TerminalPanel> {
        Ok(TerminalPanel {
            services: ctx.services.clone(),
            events: ctx.sink(PanelKind::Terminal),
            host: String::new(),
            port: "23".into(),
            state: State::Idle,
            screen: Arc::new(Mutex::new(Screen::new(80, 24, ScreenCharset::Auto))),
            worker: None,
            size: (80, 24),
            remote_echo: false,
            actions: Vec::new(),
        })
    }

    /// Connects to what the bar holds.
    pub fn connect(&mut self) {
        let Ok(port) = self.port.trim().parse::<u16>() else {
            self.state = State::Closed(Some(format!("bad port {:?}", self.port)));
            return;
        };
        let host = self.host.trim().to_string();
        if host.is_empty() {
            self.state = State::Closed(Some("type a host name".into()));
            return;
        }
        self.disconnect();
        let (cols, rows) = self.size;
        self.screen = Arc::new(Mutex::new(Screen::new(cols, rows, ScreenCharset::Auto)));
        let config = TelnetConfig {
            cols,
            rows,
            ..TelnetConfig::default()
        };
        self.worker = Some(worker::spawn(
            &self.services,
            host,
            port,
            self.screen.clone(),
            config,
            self.events.clone(),
        ));
        self.state = State::Connecting;
    }

    pub fn disconnect(&mut self) {
        if let Some(w) = self.worker.take() {
            let _ = w.send(TerminalCommand::Disconnect);
        }
    }

    fn send(&self, bytes: Vec<u8>) {
        if let Some(w) = &self.worker {
            let _ = w.send(TerminalCommand::Send(bytes));
        }
    }

    /// The screen as text, one line per row (tests, and copying the whole screen).
    pub fn screen_text(&self) -> String {
        self.screen.lock().map(|s| s.text()).unwrap_or_default()
    }

    fn connect_bar(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            let l = ui.label("Host:");
            let host = ui
                .add(egui::TextEdit::singleline(&mut self.host).desired_width(200.0))
                .labelled_by(l.id);
            let l = ui.label("Port:");
            ui.add(egui::TextEdit::singleline(&mut self.port).desired_width(50.0))
                .labelled_by(l.id);
            let enter = host.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            if self.worker.is_some() {
                if ui.button("Disconnect").clicked() {
                    self.disconnect();
                }
            } else if ui.button("Connect").clicked() || enter {
                self.connect();
            }
        });
        if let State::Closed(Some(e)) = &self.state {
            ui.colored_label(ui.visuals().error_fg_color, e);
        }
    }

    fn screen_view(&mut self, ui: &mut egui::Ui) {
        let font = FontId::monospace(egui::TextStyle::Monospace.resolve(ui.style()).size);
        let row_h = ui.fonts_mut(|f| f.row_height(&font));
        let col_w = ui.fonts_mut(|f| f.glyph_width(&font, 'M'));
        let avail = ui.available_size();
        let cols = ((avail.x / col_w).floor() as u16).clamp(20, 500);
        let rows = ((avail.y / row_h).floor() as u16).clamp(5, 300);
        if (cols, rows) != self.size {
            self.size = (cols, rows);
            if let Some(w) = &self.worker {
                let _ = w.send(TerminalCommand::Resize { cols, rows });
            } else if let Ok(mut s) = self.screen.lock() {
                s.resize(cols, rows);
            }
        }
        let (rect, response) = ui.allocate_exact_size(avail, egui::Sense::click());
        let id = response.id;
        if response.clicked() {
            response.request_focus();
        }
        let focused = response.has_focus();
        if focused {
            ui.memory_mut(|m| {
                m.set_focus_lock_filter(
                    id,
                    egui::EventFilter {
                        tab: true,
                        horizontal_arrows: true,
                        vertical_arrows: true,
                        escape: true,
                    },
                );
            });
            let mut out = Vec::new();
            for event in ui.input(|i| i.events.clone()) {
                match event {
                    egui::Event::Text(t) | egui::Event::Paste(t) => {
                        out.extend_from_slice(t.as_bytes());
                    }
                    egui::Event::Key {
                        key,
                        pressed: true,
                        modifiers,
                        ..
                    } => {
                        if let Some(b) = key_bytes(key, modifiers) {
                            out.extend(b);
                        }
                    }
                    _ => {}
                }
            }
            if !out.is_empty() {
                self.send(out);
            }
        }
        let painter = ui.painter_at(rect);
        painter.rect_filled(rect, 0.0, ui.visuals().extreme_bg_color);
        // The worker holds the screen only while it feeds it: draw what can be had now.
        let Ok(screen) = self.screen.try_lock() else {
            ui.ctx().request_repaint();
            return;
        };
        let visuals = ui.visuals().clone();
        for row in 0..screen.rows() {
            let mut job = LayoutJob::default();
            // Glyphs outside ASCII (box drawing, blocks, CJK) may come from a fallback font
            // with other widths: each is placed on its own cell so columns line up.
            let mut placed: Vec<(usize, char, TextFormat)> = Vec::new();
            for (col, cell) in screen.row_cells(row) {
                // Bold text in one of the eight base colours is drawn in its bright variant,
                // as BBS art expects.
                let fg_color = match cell.fg {
                    Color::Named(n) if cell.flags.contains(Flags::BOLD) && (n as usize) < 8 => {
                        Color::Indexed(n as u8 + 8)
                    }
                    other => other,
                };
                let (mut fg, mut bg) = (
                    color_of(fg_color, true, &visuals),
                    color_of(cell.bg, false, &visuals),
                );
                if cell.flags.contains(Flags::INVERSE) {
                    std::mem::swap(&mut fg, &mut bg);
                }
                if cell.flags.contains(Flags::DIM) {
                    fg = fg.gamma_multiply(0.6);
                }
                let mut format = TextFormat {
                    font_id: font.clone(),
                    color: fg,
                    background: if bg == visuals.extreme_bg_color {
                        Color32::TRANSPARENT
                    } else {
                        bg
                    },
                    italics: cell.flags.contains(Flags::ITALIC),
                    ..TextFormat::default()
                };
                if cell.flags.intersects(Flags::ALL_UNDERLINES) {
                    format.underline = egui::Stroke::new(1.0, fg);
                }
                if cell.c.is_ascii() {
                    let mut buf = [0u8; 4];
                    job.append(cell.c.encode_utf8(&mut buf), 0.0, format);
                } else {
                    job.append(" ", 0.0, format.clone());
                    if cell.flags.contains(Flags::WIDE_CHAR) {
                        job.append(" ", 0.0, format.clone());
                    }
                    format.background = Color32::TRANSPARENT;
                    placed.push((col, cell.c, format));
                }
            }
            let top = rect.min + egui::vec2(0.0, row as f32 * row_h);
            let galley = ui.fonts_mut(|f| f.layout_job(job));
            painter.galley(top, galley, visuals.text_color());
            for (col, c, format) in placed {
                let mut one = LayoutJob::default();
                let mut buf = [0u8; 4];
                one.append(c.encode_utf8(&mut buf), 0.0, format);
                let galley = ui.fonts_mut(|f| f.layout_job(one));
                painter.galley(
                    top + egui::vec2(col as f32 * col_w, 0.0),
                    galley,
                    visuals.text_color(),
                );
            }
        }
        let cursor = screen.term().grid().cursor.point;
        if focused || self.worker.is_some() {
            let at = rect.min
                + egui::vec2(
                    cursor.column.0 as f32 * col_w,
                    cursor.line.0.max(0) as f32 * row_h,
                );
            painter.rect_stroke(
                egui::Rect::from_min_size(at, egui::vec2(col_w, row_h)),
                0.0,
                egui::Stroke::new(1.0, visuals.text_color()),
                egui::StrokeKind::Inside,
            );
        }
        // What a screen reader reads: the screen's text.
        let text = screen.text();
        response
            .widget_info(|| egui::WidgetInfo::labeled(egui::Role::Terminal, true, text.clone()));
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
        match &self.state {
            State::Idle => "Not connected".into(),
            State::Connecting => format!("Connecting to {}…", self.host),
            State::Connected => format!(
                "{}:{} · {}x{}{}",
                self.host,
                self.port,
                self.size.0,
                self.size.1,
                if self.remote_echo {
                    ""
                } else {
                    " · local echo off"
                }
            ),
            State::Closed(None) => "Session closed".into(),
            State::Closed(Some(e)) => format!("Error: {e}"),
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui) {
        self.connect_bar(ui);
        ui.separator();
        self.screen_view(ui);
    }

    fn apply(&mut self, event: PanelEvent) {
        match event.take::<TerminalEvent>() {
            Some(TerminalEvent::Connected) => self.state = State::Connected,
            Some(TerminalEvent::RemoteEcho(on)) => self.remote_echo = on,
            Some(TerminalEvent::Closed(reason)) => {
                self.worker = None;
                self.state = State::Closed(reason);
            }
            Some(TerminalEvent::Output) | None => {}
        }
    }

    fn open(&mut self, link: &Link) {
        if let Link::Telnet { server } = link {
            self.host.clone_from(&server.host);
            self.port = server.port.to_string();
            self.connect();
        }
    }

    fn retry(&mut self, _retry: u64) {
        self.connect();
    }

    fn take_actions(&mut self) -> Vec<ShellAction> {
        std::mem::take(&mut self.actions)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_send_what_xterm_sends() {
        let none = egui::Modifiers::NONE;
        assert_eq!(
            key_bytes(egui::Key::ArrowUp, none),
            Some(b"\x1b[A".to_vec())
        );
        assert_eq!(key_bytes(egui::Key::Enter, none), Some(b"\r".to_vec()));
        assert_eq!(
            key_bytes(egui::Key::C, egui::Modifiers::CTRL),
            Some(vec![3])
        );
        assert_eq!(key_bytes(egui::Key::A, none), None, "letters come as text");
        assert_eq!(indexed(196), Color32::from_rgb(255, 0, 0));
        assert_eq!(indexed(232), Color32::from_rgb(8, 8, 8));
    }
}
