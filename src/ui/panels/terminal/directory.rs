//! The session directory: saved hosts with their name, address, TLS, charset, echo, clipboard
//! permission and notes, a check of whether each answers, and the editor for an entry. The
//! entries live in the store; this holds the window's state.

use std::collections::HashMap;
use std::net::ToSocketAddrs as _;
use std::time::{Duration, Instant};

use poll_promise::Promise;

use crate::store::TelnetHost;

/// What the user asked the directory for.
pub enum DirectoryAction {
    Connect(TelnetHost),
    Save(TelnetHost),
    Delete(i64),
}

type Check = Promise<Result<Duration, String>>;

/// The directory window.
#[derive(Default)]
pub struct Directory {
    pub entries: Vec<TelnetHost>,
    pub open: bool,
    editing: Option<TelnetHost>,
    checks: HashMap<i64, Check>,
    results: HashMap<i64, Result<Duration, String>>,
}

const CHARSETS: [(&str, &str); 4] = [
    ("auto", "Detect (UTF-8, else CP437)"),
    ("utf-8", "UTF-8"),
    ("cp437", "CP437 (DOS, ANSI art)"),
    ("latin1", "Latin-1"),
];

const ECHO: [(&str, &str); 3] = [
    ("auto", "When the host does not echo"),
    ("on", "Always"),
    ("off", "Never"),
];

/// Whether `host:port` answers, and how fast: a TCP connection, nothing sent.
fn reachable(host: &str, port: u16) -> Result<Duration, String> {
    let addrs: Vec<_> = (host, port)
        .to_socket_addrs()
        .map_err(|e| format!("{host} is not found: {e}"))?
        .collect();
    let mut last = format!("{host} has no address");
    for addr in addrs {
        let start = Instant::now();
        match std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(5)) {
            Ok(_) => return Ok(start.elapsed()),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                last = format!("nothing listens on port {port}");
            }
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                last = "no answer in 5 s".to_string();
            }
            Err(e) => last = e.to_string(),
        }
    }
    Err(last)
}

impl Directory {
    pub fn with(entries: Vec<TelnetHost>) -> Directory {
        Directory {
            entries,
            ..Directory::default()
        }
    }

    /// Starts an entry from what the connect bar holds.
    pub fn new_entry(&mut self, host: &str, port: u16, tls: bool) {
        self.open = true;
        self.editing = Some(TelnetHost {
            name: host.to_string(),
            host: host.to_string(),
            port,
            tls,
            ..TelnetHost::default()
        });
    }

    /// The entry for `host:port`, whose settings apply to a session there.
    pub fn find(&self, host: &str, port: u16) -> Option<&TelnetHost> {
        self.entries
            .iter()
            .find(|e| e.host.eq_ignore_ascii_case(host) && e.port == port)
    }

    fn poll_checks(&mut self) {
        let done: Vec<i64> = self
            .checks
            .iter()
            .filter_map(|(id, p)| p.ready().map(|_| *id))
            .collect();
        for id in done {
            if let Some(p) = self.checks.remove(&id)
                && let Ok(result) = p.try_take()
            {
                self.results.insert(id, result);
            }
        }
    }

    pub fn show(&mut self, ctx: &egui::Context) -> Vec<DirectoryAction> {
        let mut actions = Vec::new();
        self.poll_checks();
        let mut open = self.open;
        // At the right, below the bars, so the connect bar stays in reach.
        let corner = ctx.content_rect().right_top() + egui::vec2(-16.0, 110.0);
        egui::Window::new("Session directory")
            .open(&mut open)
            .pivot(egui::Align2::RIGHT_TOP)
            .default_pos(corner)
            .default_width(560.0)
            .show(ctx, |ui| {
                if self.entries.is_empty() {
                    ui.label("No saved sessions yet.");
                }
                egui::Grid::new("telnet-directory")
                    .striped(true)
                    .num_columns(5)
                    .show(ui, |ui| {
                        for entry in &self.entries {
                            ui.label(egui::RichText::new(&entry.name).strong())
                                .on_hover_text(&entry.notes);
                            ui.label(format!(
                                "{}{}:{}",
                                if entry.tls { "🔒 " } else { "" },
                                entry.host,
                                entry.port
                            ));
                            match (
                                self.checks.contains_key(&entry.id),
                                self.results.get(&entry.id),
                            ) {
                                (true, _) => {
                                    ui.spinner();
                                }
                                (false, Some(Ok(t))) => {
                                    ui.label(format!("✔ answers ({} ms)", t.as_millis()));
                                }
                                (false, Some(Err(e))) => {
                                    ui.colored_label(ui.visuals().error_fg_color, format!("✖ {e}"));
                                }
                                (false, None) => {
                                    ui.label("");
                                }
                            }
                            ui.horizontal(|ui| {
                                if ui.button("Connect").clicked() {
                                    actions.push(DirectoryAction::Connect(entry.clone()));
                                }
                                if ui
                                    .button("Check")
                                    .on_hover_text("Whether the host answers on its port")
                                    .clicked()
                                {
                                    let (host, port, ctx) =
                                        (entry.host.clone(), entry.port, ui.ctx().clone());
                                    self.checks.insert(
                                        entry.id,
                                        Promise::spawn_thread("reachable check", move || {
                                            let r = reachable(&host, port);
                                            ctx.request_repaint();
                                            r
                                        }),
                                    );
                                }
                                if ui.button("Edit…").clicked() {
                                    self.editing = Some(entry.clone());
                                }
                                if ui.button("Delete").clicked() {
                                    actions.push(DirectoryAction::Delete(entry.id));
                                }
                            });
                            ui.label(entry.notes.lines().next().unwrap_or(""));
                            ui.end_row();
                        }
                    });
                ui.separator();
                if ui.button("New entry…").clicked() {
                    self.editing = Some(TelnetHost::default());
                }
            });
        self.open = open;
        if let Some(action) = self.editor(ctx) {
            actions.push(action);
        }
        actions
    }

    fn editor(&mut self, ctx: &egui::Context) -> Option<DirectoryAction> {
        let entry = self.editing.as_mut()?;
        let mut result = None;
        let mut close = false;
        egui::Window::new("Session")
            .collapsible(false)
            .show(ctx, |ui| {
                egui::Grid::new("telnet-entry")
                    .num_columns(2)
                    .show(ui, |ui| {
                        let l = ui.label("Name:");
                        ui.text_edit_singleline(&mut entry.name).labelled_by(l.id);
                        ui.end_row();
                        let l = ui.label("Host:");
                        ui.text_edit_singleline(&mut entry.host).labelled_by(l.id);
                        ui.end_row();
                        let l = ui.label("Port:");
                        let mut port = entry.port.to_string();
                        if ui
                            .add(egui::TextEdit::singleline(&mut port).desired_width(60.0))
                            .labelled_by(l.id)
                            .changed()
                        {
                            entry.port = port.trim().parse().unwrap_or(entry.port);
                        }
                        ui.end_row();
                        ui.label("");
                        if ui.checkbox(&mut entry.tls, "TLS (telnets)").changed() {
                            entry.port = super::port_for_tls(entry.tls, entry.port);
                        }
                        ui.end_row();
                        let l = ui.label("Charset:");
                        egui::ComboBox::from_id_salt("entry-charset")
                            .selected_text(
                                CHARSETS
                                    .iter()
                                    .find(|(w, _)| *w == entry.charset)
                                    .map_or("Detect", |(_, l)| l),
                            )
                            .show_ui(ui, |ui| {
                                for (word, label) in CHARSETS {
                                    ui.selectable_value(
                                        &mut entry.charset,
                                        word.to_string(),
                                        label,
                                    );
                                }
                            })
                            .response
                            .labelled_by(l.id);
                        ui.end_row();
                        let l = ui.label("Local echo:");
                        egui::ComboBox::from_id_salt("entry-echo")
                            .selected_text(
                                ECHO.iter()
                                    .find(|(w, _)| *w == entry.echo)
                                    .map_or("auto", |(_, l)| l),
                            )
                            .show_ui(ui, |ui| {
                                for (word, label) in ECHO {
                                    ui.selectable_value(&mut entry.echo, word.to_string(), label);
                                }
                            })
                            .response
                            .labelled_by(l.id);
                        ui.end_row();
                        ui.label("");
                        ui.checkbox(&mut entry.clipboard, "The host may write the clipboard")
                            .on_hover_text("Otherwise each request (OSC 52) is asked about");
                        ui.end_row();
                        let l = ui.label("Notes:");
                        ui.add(egui::TextEdit::multiline(&mut entry.notes).desired_rows(3))
                            .labelled_by(l.id);
                        ui.end_row();
                    });
                ui.horizontal(|ui| {
                    let ok = !entry.host.trim().is_empty() && entry.port > 0;
                    if ui.add_enabled(ok, egui::Button::new("Save")).clicked() {
                        let mut saved = entry.clone();
                        saved.host = saved.host.trim().to_string();
                        if saved.name.trim().is_empty() {
                            saved.name.clone_from(&saved.host);
                        }
                        result = Some(DirectoryAction::Save(saved));
                        close = true;
                    }
                    if ui.button("Cancel").clicked() {
                        close = true;
                    }
                });
            });
        if close {
            self.editing = None;
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_port_that_answers_and_one_that_does_not() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        assert!(reachable("127.0.0.1", port).is_ok());
        drop(listener);
        let e = reachable("127.0.0.1", port).expect_err("closed");
        assert_eq!(e, format!("nothing listens on port {port}"));
    }
}
