//! A "Choose…" button that asks for a folder through the desktop's own dialog (`rfd`), on a
//! thread through a promise, so the window keeps drawing while the dialog is open. Where the
//! desktop has no dialog (no portal), the answer is "no folder" and nothing changes.

use std::path::PathBuf;

use poll_promise::Promise;

/// The button's state: the dialog in flight, if any.
#[derive(Default)]
pub struct FolderPicker {
    asking: Option<Promise<Option<PathBuf>>>,
}

impl FolderPicker {
    /// Draws the button (disabled while the dialog is open) and returns the folder chosen,
    /// once, in the frame after the dialog closed. `start` is where the dialog opens.
    pub fn show(&mut self, ui: &mut egui::Ui, start: &std::path::Path) -> Option<PathBuf> {
        let chosen = match self.asking.as_ref().map(Promise::ready) {
            Some(Some(answer)) => {
                let answer = answer.clone();
                self.asking = None;
                answer
            }
            _ => None,
        };
        let open = self.asking.is_some();
        if ui
            .add_enabled(!open, egui::Button::new("Choose…"))
            .on_hover_text("Pick the folder in the desktop's dialog")
            .clicked()
        {
            let (ctx, start) = (ui.ctx().clone(), start.to_path_buf());
            self.asking = Some(Promise::spawn_thread("folder dialog", move || {
                let folder = rfd::FileDialog::new().set_directory(&start).pick_folder();
                ctx.request_repaint();
                folder
            }));
        }
        chosen
    }
}
