//! The passphrase window. On a desktop without a keyring, saved passwords live in a file
//! encrypted under a passphrase: the window asks once per run to unlock it, offers to create it
//! when a password was saved with nowhere to keep it, and changes the passphrase from Settings.
//! The slow part (Argon2, the disk) runs on a thread through a promise, never in the frame.

use poll_promise::Promise;

use crate::secrets::{SecretError, Secrets, SecretsState};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Unlock,
    Create,
    Change,
}

/// The window's state.
#[derive(Default)]
pub struct PassphraseWindow {
    mode: Option<Mode>,
    current: String,
    first: String,
    second: String,
    error: Option<String>,
    working: Option<Promise<Result<(), String>>>,
    /// "Not now" or "This session only" was chosen: nothing asks again this run.
    dismissed: bool,
    /// The first field takes the keyboard when the window opens.
    focus_first: bool,
}

/// Why the file could not be opened or changed, in words.
fn in_words(e: &SecretError) -> String {
    match e {
        SecretError::WrongPassphrase => {
            "That passphrase does not open the saved passwords. Try again.".into()
        }
        SecretError::File { path, reason } => {
            format!("The saved passwords in {path} cannot be used: {reason}")
        }
        SecretError::Keyring(m) => format!("The system keyring answered: {m}"),
    }
}

impl PassphraseWindow {
    /// Opens the window for what the Settings button offers in `state`.
    pub fn open_for(&mut self, state: SecretsState) {
        self.mode = match state {
            SecretsState::Locked => Some(Mode::Unlock),
            SecretsState::File => Some(Mode::Change),
            SecretsState::NoFile | SecretsState::SessionOnly => Some(Mode::Create),
            SecretsState::Keyring | SecretsState::Unknown => None,
        };
        self.error = None;
        self.focus_first = true;
    }

    /// The Settings button's label for `state`, if there is something to do.
    pub fn action_label(state: SecretsState) -> Option<&'static str> {
        match state {
            SecretsState::Locked => Some("Unlock…"),
            SecretsState::File => Some("Change passphrase…"),
            SecretsState::NoFile | SecretsState::SessionOnly => Some("Keep in an encrypted file…"),
            SecretsState::Keyring | SecretsState::Unknown => None,
        }
    }

    fn close(&mut self) {
        self.mode = None;
        self.current.clear();
        self.first.clear();
        self.second.clear();
        self.error = None;
    }

    fn start(
        &mut self,
        ctx: &egui::Context,
        job: impl FnOnce() -> Result<(), SecretError> + Send + 'static,
    ) {
        let ctx = ctx.clone();
        self.working = Some(Promise::spawn_thread("passphrase", move || {
            let result = job().map_err(|e| in_words(&e));
            ctx.request_repaint();
            result
        }));
    }

    /// Draws the window when there is something to ask.
    pub fn show(&mut self, ctx: &egui::Context, secrets: &Secrets) {
        if self.mode.is_none() && !self.dismissed {
            self.mode = match secrets.state() {
                SecretsState::Locked => Some(Mode::Unlock),
                SecretsState::NoFile if secrets.has_unsaved() => Some(Mode::Create),
                _ => None,
            };
            self.focus_first = self.mode.is_some();
        }
        if let Some(done) = self.working.as_ref().and_then(|p| p.ready().cloned()) {
            self.working = None;
            match done {
                Ok(()) => self.close(),
                Err(e) => self.error = Some(e),
            }
        }
        let Some(mode) = self.mode else {
            return;
        };
        let title = match mode {
            Mode::Unlock => "Unlock saved passwords",
            Mode::Create => "Keep saved passwords",
            Mode::Change => "Change the passphrase",
        };
        let busy = self.working.is_some();
        let mut submit = false;
        let mut cancel = false;
        let mut focus = std::mem::take(&mut self.focus_first);
        egui::Window::new(title)
            .collapsible(false)
            .resizable(false)
            .anchor(egui::Align2::CENTER_CENTER, egui::Vec2::ZERO)
            .show(ctx, |ui| {
                match mode {
                    Mode::Unlock => {
                        ui.label(
                            "Saved passwords are kept in a file encrypted with your passphrase.",
                        );
                    }
                    Mode::Create => {
                        ui.label(
                            "This desktop has no keyring. Choose a passphrase to keep saved \
                             passwords in an encrypted file; Portolan asks for it once per run.",
                        );
                    }
                    Mode::Change => {
                        ui.label(
                            "The saved passwords are encrypted again with the new passphrase.",
                        );
                    }
                }
                egui::Grid::new("passphrase").num_columns(2).show(ui, |ui| {
                    let mut field = |ui: &mut egui::Ui, label: &str, text: &mut String| {
                        let l = ui.label(label);
                        let r = ui
                            .add(egui::TextEdit::singleline(text).password(true))
                            .labelled_by(l.id);
                        if std::mem::take(&mut focus) {
                            r.request_focus();
                        }
                        if r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
                            submit = true;
                        }
                        ui.end_row();
                    };
                    match mode {
                        Mode::Unlock => field(ui, "Passphrase:", &mut self.first),
                        Mode::Create => {
                            field(ui, "Passphrase:", &mut self.first);
                            field(ui, "Repeat:", &mut self.second);
                        }
                        Mode::Change => {
                            field(ui, "Current passphrase:", &mut self.current);
                            field(ui, "New passphrase:", &mut self.first);
                            field(ui, "Repeat:", &mut self.second);
                        }
                    }
                });
                if let Some(e) = &self.error {
                    ui.colored_label(ui.visuals().error_fg_color, e);
                }
                ui.horizontal(|ui| {
                    let (go, no) = match mode {
                        Mode::Unlock => ("Unlock", "Not now"),
                        Mode::Create => ("Create", "This session only"),
                        Mode::Change => ("Change", "Cancel"),
                    };
                    if ui.add_enabled(!busy, egui::Button::new(go)).clicked() {
                        submit = true;
                    }
                    if ui.add_enabled(!busy, egui::Button::new(no)).clicked() {
                        cancel = true;
                    }
                    if busy {
                        ui.spinner();
                    }
                });
            });
        if cancel {
            if mode != Mode::Change {
                self.dismissed = true;
            }
            if mode == Mode::Create {
                secrets.keep_for_this_session();
            }
            self.close();
        } else if submit && !busy {
            self.submit(ctx, mode, secrets);
        }
    }

    fn submit(&mut self, ctx: &egui::Context, mode: Mode, secrets: &Secrets) {
        if self.first.is_empty() {
            self.error = Some("Type a passphrase.".into());
            return;
        }
        if mode != Mode::Unlock && self.first != self.second {
            self.error = Some("The two passphrases differ.".into());
            return;
        }
        let secrets = secrets.clone();
        let first = zeroize::Zeroizing::new(self.first.clone());
        match mode {
            Mode::Unlock | Mode::Create => self.start(ctx, move || secrets.unlock(&first)),
            Mode::Change => {
                let current = zeroize::Zeroizing::new(self.current.clone());
                self.start(ctx, move || secrets.change_passphrase(&current, &first));
            }
        }
    }
}
