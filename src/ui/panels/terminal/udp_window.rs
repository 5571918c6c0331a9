//! The UDP window: a socket bound to a local address (loopback, any port, unless the user
//! picks another), datagrams sent to an address the user gives, and every datagram in and
//! out listed with its peer, as text or hex.

use std::collections::VecDeque;
use std::net::SocketAddr;

use crate::workers::udp::{UdpEvent, UdpHandle};

/// Datagrams kept in the list; older ones drop off the top.
const KEPT: usize = 2000;

/// One datagram in the list.
pub struct Datagram {
    pub outgoing: bool,
    pub peer: SocketAddr,
    pub bytes: Vec<u8>,
    pub at: String,
}

pub struct UdpWindow {
    pub open: bool,
    pub local: String,
    pub to: String,
    pub message: String,
    /// The message is hex digits (spaces allowed), sent as those bytes.
    pub message_is_hex: bool,
    /// A line feed ends each text datagram, as `nc -u` sends lines.
    pub newline: bool,
    /// The list shows bytes as hex.
    pub show_hex: bool,
    pub handle: Option<UdpHandle>,
    pub bound: Option<SocketAddr>,
    pub datagrams: VecDeque<Datagram>,
    pub error: Option<String>,
}

impl Default for UdpWindow {
    fn default() -> Self {
        UdpWindow {
            open: false,
            local: "127.0.0.1:0".into(),
            to: String::new(),
            message: String::new(),
            message_is_hex: false,
            newline: true,
            show_hex: false,
            handle: None,
            bound: None,
            datagrams: VecDeque::new(),
            error: None,
        }
    }
}

/// What the user asked of the window.
pub enum UdpAction {
    Open(SocketAddr),
    Close,
    /// Send to `to`; the panel opens the socket first when none is open.
    Send {
        to: String,
        bytes: Vec<u8>,
    },
}

/// `48 65 6c`, `48656c`: hex digits to bytes.
pub fn parse_hex(text: &str) -> Result<Vec<u8>, String> {
    let digits: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if !digits.len().is_multiple_of(2) {
        return Err("hex needs two digits a byte".into());
    }
    (0..digits.len())
        .step_by(2)
        .map(|i| {
            u8::from_str_radix(&digits[i..i + 2], 16)
                .map_err(|_| format!("{:?} is not a hex byte", &digits[i..i + 2]))
        })
        .collect()
}

fn as_hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

impl UdpWindow {
    /// The local address typed, or why it is not one.
    pub fn local_addr(&self) -> Result<SocketAddr, String> {
        crate::proto::net::local_addr(&self.local)
    }

    /// Takes what the socket reported.
    pub fn apply(&mut self, event: UdpEvent) {
        let now = chrono::Local::now().format("%H:%M:%S").to_string();
        match event {
            UdpEvent::Bound(addr) => {
                self.bound = Some(addr);
                self.error = None;
            }
            UdpEvent::Sent { to, bytes } => self.push(Datagram {
                outgoing: true,
                peer: to,
                bytes,
                at: now,
            }),
            UdpEvent::Received { from, bytes } => self.push(Datagram {
                outgoing: false,
                peer: from,
                bytes,
                at: now,
            }),
            UdpEvent::Failed { message, fatal } => {
                self.error = Some(message);
                if fatal {
                    self.handle = None;
                    self.bound = None;
                }
            }
        }
    }

    fn push(&mut self, d: Datagram) {
        if self.datagrams.len() == KEPT {
            self.datagrams.pop_front();
        }
        self.datagrams.push_back(d);
    }

    pub fn show(&mut self, ctx: &egui::Context) -> Vec<UdpAction> {
        let mut actions = Vec::new();
        let mut open = self.open;
        egui::Window::new("UDP")
            .open(&mut open)
            .default_pos(egui::pos2(520.0, 140.0))
            .default_width(560.0)
            .show(ctx, |ui| {
                let running = self.handle.is_some();
                ui.horizontal(|ui| {
                    let l = ui.label("Local address:");
                    ui.add_enabled(
                        !running,
                        egui::TextEdit::singleline(&mut self.local).desired_width(160.0),
                    )
                    .labelled_by(l.id)
                    .on_hover_text("Where datagrams are sent from and received on; port 0 lets the system pick one");
                    if running {
                        if ui.button("Close socket").clicked() {
                            actions.push(UdpAction::Close);
                        }
                    } else if ui.button("Open socket").clicked() {
                        match self.local_addr() {
                            Ok(a) => actions.push(UdpAction::Open(a)),
                            Err(e) => self.error = Some(e),
                        }
                    }
                    if let (Some(addr), true) = (self.bound, running) {
                        ui.label(format!("Bound to {addr}"));
                    }
                });
                if self.local_addr().is_ok_and(|a| !a.ip().is_loopback()) {
                    ui.colored_label(
                        ui.visuals().warn_fg_color,
                        "Not loopback: anyone who can reach this machine on that address can send to it.",
                    );
                }
                let mut send = false;
                ui.horizontal(|ui| {
                    let l = ui.label("Send to:");
                    ui.add(
                        egui::TextEdit::singleline(&mut self.to)
                            .hint_text("host:port")
                            .desired_width(160.0),
                    )
                    .labelled_by(l.id);
                    let l = ui.label("Datagram:");
                    let r = ui
                        .add(egui::TextEdit::singleline(&mut self.message).desired_width(200.0))
                        .labelled_by(l.id);
                    if r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
                        send = true;
                        // The next datagram is typed straight away, as in a chat.
                        r.request_focus();
                    }
                    send |= ui.button("Send").clicked();
                });
                ui.horizontal(|ui| {
                    ui.checkbox(&mut self.message_is_hex, "Datagram is hex");
                    ui.add_enabled(
                        !self.message_is_hex,
                        egui::Checkbox::new(&mut self.newline, "End with a line feed"),
                    );
                    ui.checkbox(&mut self.show_hex, "Show as hex");
                    if ui.button("Clear").clicked() {
                        self.datagrams.clear();
                    }
                });
                if send {
                    let bytes = if self.message_is_hex {
                        parse_hex(&self.message)
                    } else {
                        let mut b = self.message.clone().into_bytes();
                        if self.newline {
                            b.push(b'\n');
                        }
                        Ok(b)
                    };
                    match (bytes, self.to.trim()) {
                        (Err(e), _) => self.error = Some(e),
                        (_, "") => self.error = Some("Say where to send: host:port".into()),
                        (Ok(bytes), to) => {
                            self.error = None;
                            actions.push(UdpAction::Send {
                                to: to.to_string(),
                                bytes,
                            });
                            self.message.clear();
                        }
                    }
                }
                if let Some(e) = &self.error {
                    ui.colored_label(ui.visuals().error_fg_color, e);
                }
                ui.separator();
                if self.datagrams.is_empty() {
                    ui.weak("No datagrams yet. Replies and anything sent to the local address show here, with where they came from.");
                }
                let row = ui.text_style_height(&egui::TextStyle::Monospace);
                egui::ScrollArea::vertical()
                    .id_salt("udp-datagrams")
                    .max_height(300.0)
                    .stick_to_bottom(true)
                    .show_rows(ui, row, self.datagrams.len(), |ui, range| {
                        for d in self.datagrams.range(range) {
                            let body = if self.show_hex {
                                as_hex(&d.bytes)
                            } else {
                                String::from_utf8_lossy(&d.bytes)
                                    .trim_end_matches(['\r', '\n'])
                                    .replace(['\r', '\n'], "⏎")
                            };
                            let arrow = if d.outgoing { "→" } else { "←" };
                            ui.add(
                                egui::Label::new(
                                    egui::RichText::new(format!(
                                        "{} {arrow} {} ({} bytes) {body}",
                                        d.at,
                                        d.peer,
                                        d.bytes.len()
                                    ))
                                    .monospace(),
                                )
                                .extend()
                                .selectable(true),
                            );
                        }
                    });
            });
        self.open = open;
        actions
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_input_with_or_without_spaces() {
        assert_eq!(parse_hex("48 69 0a"), Ok(vec![0x48, 0x69, 0x0a]));
        assert_eq!(parse_hex("4869"), Ok(vec![0x48, 0x69]));
        assert!(parse_hex("486").is_err());
        assert!(parse_hex("zz").is_err());
    }

    #[test]
    fn a_bare_port_binds_loopback() {
        let w = UdpWindow {
            local: "9000".into(),
            ..UdpWindow::default()
        };
        assert_eq!(w.local_addr(), Ok(SocketAddr::from(([127, 0, 0, 1], 9000))));
    }
}
