//! The "Listen for TCP peers" window: an address (loopback unless the user picks another,
//! with a warning), a port, start and stop, and who is connected, each with Close.

use std::net::SocketAddr;

use crate::workers::listen::ListenHandle;

/// The window's state, and the running listener.
pub struct ListenWindow {
    pub open: bool,
    pub address: String,
    pub port: String,
    pub handle: Option<ListenHandle>,
    /// Where it listens, once bound.
    pub bound: Option<SocketAddr>,
    pub error: Option<String>,
}

impl Default for ListenWindow {
    fn default() -> Self {
        ListenWindow {
            open: false,
            address: "127.0.0.1".into(),
            port: String::new(),
            handle: None,
            bound: None,
            error: None,
        }
    }
}

/// What the user asked of the window.
pub enum ListenAction {
    Start(SocketAddr),
    Stop,
    /// Close the session with this id (a connected peer).
    Close(u64),
}

impl ListenWindow {
    /// The address typed, or why it is not one.
    fn address(&self) -> Result<SocketAddr, String> {
        let port: u16 = self.port.trim().parse().map_err(|_| {
            format!(
                "{:?} is not a port number (0 lets the system pick)",
                self.port
            )
        })?;
        let host = self.address.trim();
        let ip = if host == "localhost" {
            std::net::IpAddr::from([127, 0, 0, 1])
        } else {
            host.parse().map_err(|_| {
                format!("{host:?} is not an address of this machine (such as 127.0.0.1)")
            })?
        };
        Ok(SocketAddr::new(ip, port))
    }

    /// Draws the window; `peers` are the connected peers' (session id, label).
    pub fn show(&mut self, ctx: &egui::Context, peers: &[(u64, String)]) -> Vec<ListenAction> {
        let mut actions = Vec::new();
        let mut open = self.open;
        egui::Window::new("Listen for TCP peers")
            .open(&mut open)
            .resizable(false)
            .default_pos(egui::pos2(560.0, 120.0))
            .show(ctx, |ui| {
                let running = self.handle.is_some();
                ui.horizontal(|ui| {
                    let l = ui.label("Address:");
                    ui.add_enabled(
                        !running,
                        egui::TextEdit::singleline(&mut self.address).desired_width(140.0),
                    )
                    .labelled_by(l.id);
                    let l = ui.label("Listen port:");
                    ui.add_enabled(
                        !running,
                        egui::TextEdit::singleline(&mut self.port).desired_width(70.0),
                    )
                    .labelled_by(l.id);
                });
                let wide = self.address().is_ok_and(|a| !a.ip().is_loopback());
                if wide {
                    ui.colored_label(
                        ui.visuals().warn_fg_color,
                        "Not loopback: anyone who can reach this machine on that address can connect.",
                    );
                }
                ui.horizontal(|ui| {
                    if running {
                        if ui.button("Stop listening").clicked() {
                            actions.push(ListenAction::Stop);
                        }
                    } else if ui.button("Start listening").clicked() {
                        match self.address() {
                            Ok(addr) => {
                                self.error = None;
                                actions.push(ListenAction::Start(addr));
                            }
                            Err(e) => self.error = Some(e),
                        }
                    }
                    match (self.bound, running) {
                        (Some(addr), true) => {
                            ui.label(format!("Listening on {addr}"));
                        }
                        (None, true) => {
                            ui.label("Starting…");
                        }
                        _ => {}
                    }
                });
                if let Some(e) = &self.error {
                    ui.colored_label(ui.visuals().error_fg_color, e);
                }
                ui.separator();
                if peers.is_empty() {
                    ui.weak("No peer connected. Each peer that connects opens in a tab of its own.");
                }
                for (id, label) in peers {
                    ui.horizontal(|ui| {
                        ui.label(format!("● {label}"));
                        if ui
                            .button("Close")
                            .on_hover_text(format!("Close the connection with {label}"))
                            .clicked()
                        {
                            actions.push(ListenAction::Close(*id));
                        }
                    });
                }
            });
        self.open = open;
        actions
    }
}
