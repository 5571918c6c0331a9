//! The "Files over TCP" window: send a file's bytes to a peer that waits (`nc -l`, another
//! Portolan), or wait on a port for a peer's file and write it under a name the user chose
//! (never one the peer gives). Both run as Activity jobs with progress.

use std::net::SocketAddr;
use std::path::PathBuf;

/// What the user asked of the window.
pub enum FileAction {
    /// Choose the file to send (the desktop's open dialog).
    PickSend,
    /// Choose where to write the file received (the desktop's save dialog).
    PickSave,
    Send {
        path: PathBuf,
        target: String,
    },
    Receive {
        listen: SocketAddr,
        path: PathBuf,
    },
}

pub struct FileWindow {
    pub open: bool,
    pub send_to: String,
    pub send_path: Option<PathBuf>,
    pub receive_on: String,
    pub receive_path: Option<PathBuf>,
    /// A file dialog is open.
    pub choosing: bool,
    pub error: Option<String>,
}

impl Default for FileWindow {
    fn default() -> Self {
        FileWindow {
            open: false,
            send_to: String::new(),
            send_path: None,
            receive_on: "127.0.0.1:9000".into(),
            receive_path: None,
            choosing: false,
            error: None,
        }
    }
}

impl FileWindow {
    pub fn show(&mut self, ctx: &egui::Context) -> Vec<FileAction> {
        let mut actions = Vec::new();
        let mut open = self.open;
        egui::Window::new("Files over TCP")
            .open(&mut open)
            .default_pos(egui::pos2(540.0, 160.0))
            .default_width(480.0)
            .show(ctx, |ui| {
                ui.strong("Send a file");
                ui.horizontal(|ui| {
                    let l = ui.label("Send to (host:port):");
                    ui.add(egui::TextEdit::singleline(&mut self.send_to).desired_width(180.0))
                        .labelled_by(l.id);
                });
                ui.horizontal(|ui| {
                    if ui
                        .add_enabled(!self.choosing, egui::Button::new("Choose file to send…"))
                        .clicked()
                    {
                        actions.push(FileAction::PickSend);
                    }
                    match &self.send_path {
                        Some(p) => ui.label(p.display().to_string()),
                        None => ui.weak("no file chosen"),
                    };
                });
                let ready = self.send_path.is_some() && !self.send_to.trim().is_empty();
                if ui
                    .add_enabled(ready, egui::Button::new("Send file"))
                    .on_hover_text("The peer must be waiting: nc -l PORT > FILE, or Receive here")
                    .clicked()
                    && let Some(path) = self.send_path.clone()
                {
                    actions.push(FileAction::Send {
                        path,
                        target: self.send_to.trim().to_string(),
                    });
                }
                ui.separator();
                ui.strong("Receive a file");
                ui.horizontal(|ui| {
                    let l = ui.label("Receive on (address:port):");
                    ui.add(
                        egui::TextEdit::singleline(&mut self.receive_on).desired_width(160.0),
                    )
                    .labelled_by(l.id);
                });
                let listen = self.listen_addr();
                if listen.as_ref().is_ok_and(|a| !a.ip().is_loopback()) {
                    ui.colored_label(
                        ui.visuals().warn_fg_color,
                        "Not loopback: anyone who can reach this machine on that address can send the file.",
                    );
                }
                ui.horizontal(|ui| {
                    if ui
                        .add_enabled(!self.choosing, egui::Button::new("Save as…"))
                        .clicked()
                    {
                        actions.push(FileAction::PickSave);
                    }
                    match &self.receive_path {
                        Some(p) => ui.label(p.display().to_string()),
                        None => ui.weak("no name chosen"),
                    };
                });
                if ui
                    .add_enabled(self.receive_path.is_some(), egui::Button::new("Wait for the file"))
                    .on_hover_text("One peer's bytes, until it closes the connection, through NAME.part")
                    .clicked()
                    && let Some(path) = self.receive_path.clone()
                {
                    match listen {
                        Ok(listen) => {
                            self.error = None;
                            actions.push(FileAction::Receive { listen, path });
                        }
                        Err(e) => self.error = Some(e),
                    }
                }
                if let Some(e) = &self.error {
                    ui.colored_label(ui.visuals().error_fg_color, e);
                }
                ui.weak("Progress and the result are in Activity.");
            });
        self.open = open;
        actions
    }

    fn listen_addr(&self) -> Result<SocketAddr, String> {
        crate::proto::net::local_addr(&self.receive_on)
    }
}
