//! The composer: one message being written, in a tab of the Mail panel. It edits a
//! [`Draft`]; the Mail panel saves it, queues it and shows the outbox.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use egui::RichText;
use poll_promise::Promise;

use crate::mail::compose::checks::{self, Concern};
use crate::mail::compose::{Draft, Priority};

/// Files another panel (the Files panel's local pane) hands the Mail panel to attach: to the
/// composer in front, else to a new message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachFiles(pub Vec<PathBuf>);

/// Asks for files to attach; `None` when the user cancels (or there is no dialog).
pub type AttachDialog = Arc<dyn Fn() -> Option<Vec<PathBuf>> + Send + Sync>;

/// An identity to send as: the account it belongs to, `Name <address>` and its signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sender {
    pub account: i64,
    pub display: String,
    pub signature: String,
}

/// What the composer asks of the panel after a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComposerAction {
    None,
    /// Checked and confirmed: queue it.
    Send,
    /// Close the tab, keeping the draft.
    Close,
    /// Close the tab and delete the draft.
    Discard,
}

/// Where a composer is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Tab,
    /// A window of its own (a native one where eframe can open more than one).
    Window,
}

/// How long typing must pause before an autosave, and the longest time between two.
const SAVE_AFTER_PAUSE: Duration = Duration::from_secs(2);
const SAVE_AT_LEAST_EVERY: Duration = Duration::from_secs(5);

/// A message being written.
pub struct Composer {
    /// Tells tabs apart before the draft has an id in the store.
    pub key: u64,
    /// The draft's id in the store, chosen here when the composer opens, so every save of
    /// the same composer (autosave, close, exit) writes the same row whichever comes first.
    pub draft_id: i64,
    /// The store holds this draft (under `draft_id`).
    stored: bool,
    pub draft: Draft,
    /// Something changed since the store last got the draft. A flag, not a copy to compare
    /// with: a 5,000-line reply is not cloned and compared on every frame.
    dirty: bool,
    /// A save is on its way to the store.
    pub saving: bool,
    changed_at: Option<Instant>,
    first_unsaved: Option<Instant>,
    picking: Option<Promise<Option<Vec<PathBuf>>>>,
    /// Questions waiting for "send anyway".
    asking: Vec<Concern>,
    /// Sizes of the attachments, read once when added.
    sizes: Vec<Option<u64>>,
    show_cc: bool,
    /// Put the keyboard in the right field on the first frame: To when it is empty, else
    /// the top of the text (a reply is written above the quote, as Thunderbird does).
    focus_pending: bool,
    /// A long reply's text in two editors, the new text and the quote (their concatenation
    /// is the body); `long_checked` once the body was looked at.
    long: Option<(String, String)>,
    long_checked: bool,
    /// Where the completion offers were drawn last, so a press on one keeps them.
    offers_rect: Option<egui::Rect>,
    /// The field completion looks at, and what it offers.
    completing: Option<&'static str>,
    pub notice: Option<String>,
    pub place: Place,
}

impl Composer {
    pub fn new(key: u64, draft_id: i64, draft: Draft) -> Composer {
        let sizes = draft.attachments.iter().map(|p| size_of(p)).collect();
        let show_cc = !draft.cc.is_empty() || !draft.bcc.is_empty();
        Composer {
            key,
            // Below 2^53: the id survives any JSON tool that reads the database.
            draft_id: if draft_id > 0 {
                draft_id
            } else {
                i64::try_from(rand::random::<u64>() >> 11)
                    .unwrap_or(1)
                    .max(1)
            },
            stored: draft_id > 0,
            dirty: false,
            draft,
            saving: false,
            changed_at: None,
            first_unsaved: None,
            picking: None,
            asking: Vec::new(),
            sizes,
            show_cc,
            focus_pending: true,
            offers_rect: None,
            long: None,
            long_checked: false,
            completing: None,
            notice: None,
            place: Place::Tab,
        }
    }

    /// Marks the draft as not yet kept, so the next autosave writes it.
    pub fn keep_soon(&mut self) {
        self.touched();
    }

    /// The tab's title.
    pub fn title(&self) -> String {
        let s = self.draft.subject.trim();
        let s = if s.is_empty() { "New message" } else { s };
        let short: String = s.chars().take(24).collect();
        if short.len() < s.len() {
            format!("✏ {short}…")
        } else {
            format!("✏ {short}")
        }
    }

    /// The questions waiting for an answer before sending.
    pub fn questions_asked(&self) -> &[Concern] {
        &self.asking
    }

    /// The store holds this draft.
    pub fn stored(&self) -> bool {
        self.stored
    }

    /// Something was typed that the store does not hold yet.
    pub fn unsaved(&self) -> bool {
        self.dirty
    }

    /// True when an autosave is due: a pause in typing, or too long since the first change.
    pub fn save_due(&self, now: Instant) -> bool {
        if self.saving || !self.unsaved() || self.draft.is_blank() {
            return false;
        }
        self.changed_at.is_some_and(|t| now - t >= SAVE_AFTER_PAUSE)
            || self
                .first_unsaved
                .is_some_and(|t| now - t >= SAVE_AT_LEAST_EVERY)
    }

    /// The store holds `what` under `id`.
    pub fn saved_as(&mut self, id: i64, what: &Draft) {
        self.draft_id = id;
        self.stored = true;
        self.saving = false;
        // Typing may have gone on while the store wrote: only the same text is saved.
        if self.draft == *what {
            self.first_unsaved = None;
            self.dirty = false;
        }
    }

    fn touched(&mut self) {
        self.dirty = true;
        let now = Instant::now();
        self.changed_at = Some(now);
        self.first_unsaved.get_or_insert(now);
    }

    /// Adds files (from the dialog or dropped on the window).
    pub fn attach(&mut self, paths: Vec<PathBuf>) {
        for p in paths {
            if p.is_file() && !self.draft.attachments.contains(&p) {
                self.sizes.push(size_of(&p));
                self.draft.attachments.push(p);
            }
        }
        self.touched();
    }

    /// Draws the composer; `senders` are the identities to choose from, `known` the addresses
    /// to complete from (most used first).
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        senders: &[Sender],
        known: &[String],
        dialog: &AttachDialog,
    ) -> ComposerAction {
        let mut action = ComposerAction::None;
        if let Some(p) = &self.picking
            && let Some(result) = p.ready()
        {
            let picked = result.clone();
            self.picking = None;
            if let Some(paths) = picked {
                self.attach(paths);
            }
        }
        let before = (
            self.draft.priority,
            self.draft.account,
            self.draft.from.len(),
        );
        let mut changed = false;
        ui.horizontal(|ui| {
            if ui
                .button(RichText::new("➤ Send").strong())
                .on_hover_text("Check, then send (Ctrl+Enter)")
                .clicked()
                || ui.input(|i| i.modifiers.command && i.key_pressed(egui::Key::Enter))
            {
                self.asking = checks::concerns(&self.draft);
                if self.asking.is_empty() {
                    action = ComposerAction::Send;
                }
            }
            if ui
                .button("📎 Attach…")
                .on_hover_text("Add files (or drop them on the window)")
                .clicked()
                && self.picking.is_none()
            {
                let d = dialog.clone();
                self.picking = Some(Promise::spawn_thread("attach-dialog", move || d()));
            }
            let l = ui.label("Priority");
            egui::ComboBox::from_id_salt(("compose-priority", self.key))
                .selected_text(match self.draft.priority {
                    Priority::High => "high",
                    Priority::Normal => "normal",
                    Priority::Low => "low",
                })
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut self.draft.priority, Priority::High, "High");
                    ui.selectable_value(&mut self.draft.priority, Priority::Normal, "Normal");
                    ui.selectable_value(&mut self.draft.priority, Priority::Low, "Low");
                })
                .response
                .labelled_by(l.id);
            let (icon, tip, to) = match self.place {
                Place::Tab => ("Own window", "Write in a window of its own", Place::Window),
                Place::Window => ("Into the tab", "Back into the Mail panel's tab", Place::Tab),
            };
            if ui.button(icon).on_hover_text(tip).clicked() {
                self.place = to;
            }
            if ui
                .button("Close")
                .on_hover_text("Close; the draft is kept")
                .clicked()
            {
                action = ComposerAction::Close;
            }
            if ui
                .button("🗑 Discard")
                .on_hover_text("Close and delete this draft")
                .clicked()
            {
                action = ComposerAction::Discard;
            }
            let state = if self.unsaved() {
                "not saved yet"
            } else if self.stored {
                "draft saved"
            } else {
                ""
            };
            ui.weak(state);
        });
        if !self.asking.is_empty() {
            self.questions(ui, &mut action);
        }
        if let Some(n) = &self.notice {
            ui.colored_label(ui.visuals().warn_fg_color, n);
        }
        egui::Grid::new(("compose-head", self.key))
            .num_columns(2)
            .striped(false)
            .show(ui, |ui| {
                let l = ui.label("From");
                let shown = if self.draft.from.is_empty() {
                    "(choose an identity)"
                } else {
                    &self.draft.from
                };
                egui::ComboBox::from_id_salt(("compose-from", self.key))
                    .selected_text(shown)
                    .width(ui.available_width().min(480.0))
                    .show_ui(ui, |ui| {
                        for s in senders {
                            let chosen =
                                self.draft.from == s.display && self.draft.account == s.account;
                            if ui.selectable_label(chosen, &s.display).clicked() {
                                self.set_sender(s);
                            }
                        }
                    })
                    .response
                    .labelled_by(l.id);
                ui.end_row();
                changed |= self.address_row(ui, "To", known);
                if self.show_cc {
                    changed |= self.address_row(ui, "Cc", known);
                    changed |= self.address_row(ui, "Bcc", known);
                } else {
                    ui.label("");
                    if ui.link("Add Cc and Bcc").clicked() {
                        self.show_cc = true;
                    }
                    ui.end_row();
                }
                let l = ui.label("Subject");
                changed |= ui
                    .add(
                        egui::TextEdit::singleline(&mut self.draft.subject)
                            .id_salt(("compose-subject", self.key))
                            .desired_width(f32::INFINITY),
                    )
                    .labelled_by(l.id)
                    .changed();
                ui.end_row();
            });
        changed |= self.attachments_row(ui);
        ui.separator();
        let body_label = ui.label("Message");
        // The text fills the rest of the tab.
        let line = ui.text_style_height(&egui::TextStyle::Monospace).max(1.0);
        let rows = ((ui.available_height() - 12.0) / line).max(8.0) as usize;
        if !self.long_checked {
            self.long_checked = true;
            self.long = split_quote(&self.draft.body).map(|at| {
                let (top, bottom) = self.draft.body.split_at(at);
                (top.to_string(), bottom.to_string())
            });
        }
        egui::ScrollArea::vertical()
            .id_salt(("compose-body", self.key))
            .auto_shrink([false, false])
            .show(ui, |ui| {
                let mono = egui::TextStyle::Monospace;
                let r = if let Some((top, bottom)) = &mut self.long {
                    // A long quote is an editor of its own under the new text: typing above
                    // it lays out only the new text again, not thousands of quoted lines.
                    let r = ui
                        .add(
                            egui::TextEdit::multiline(top)
                                .id_salt(("compose-text", self.key))
                                .font(mono.clone())
                                .desired_width(f32::INFINITY)
                                .desired_rows(8)
                                .lock_focus(true),
                        )
                        .labelled_by(body_label.id);
                    let l = ui.weak("Quoted text");
                    let q = ui
                        .add(
                            egui::TextEdit::multiline(bottom)
                                .id_salt(("compose-quote", self.key))
                                .font(mono)
                                .desired_width(f32::INFINITY)
                                .lock_focus(true),
                        )
                        .labelled_by(l.id);
                    if r.changed() || q.changed() {
                        self.draft.body = format!("{top}{bottom}");
                    }
                    changed |= q.changed();
                    r
                } else {
                    ui.add(
                        egui::TextEdit::multiline(&mut self.draft.body)
                            .id_salt(("compose-text", self.key))
                            .font(mono)
                            .desired_width(f32::INFINITY)
                            .desired_rows(rows)
                            .lock_focus(true),
                    )
                    .labelled_by(body_label.id)
                };
                changed |= r.changed();
                if self.focus_pending && !self.draft.to.trim().is_empty() {
                    self.focus_pending = false;
                    focus_at(&r, 0);
                }
            });
        if changed
            || before
                != (
                    self.draft.priority,
                    self.draft.account,
                    self.draft.from.len(),
                )
        {
            self.touched();
        }
        action
    }

    /// Picks the identity and adds its signature when the text has it not yet.
    pub fn set_sender(&mut self, s: &Sender) {
        // The body may change below: its editors are made again from it.
        self.long = None;
        self.long_checked = false;
        self.draft.from.clone_from(&s.display);
        self.draft.account = s.account;
        if !s.signature.trim().is_empty() && !self.draft.body.contains(s.signature.trim()) {
            self.draft
                .body
                .push_str(&crate::mail::compose::reply::signature_block(&s.signature));
        }
    }

    fn questions(&mut self, ui: &mut egui::Ui, action: &mut ComposerAction) {
        let blocking = self.asking.iter().any(Concern::blocks);
        egui::Frame::group(ui.style()).show(ui, |ui| {
            for c in &self.asking {
                ui.colored_label(ui.visuals().warn_fg_color, c.question());
            }
            ui.horizontal(|ui| {
                if !blocking && ui.button("Send anyway").clicked() {
                    *action = ComposerAction::Send;
                    self.asking.clear();
                }
                if ui.button(if blocking { "OK" } else { "Go back" }).clicked() {
                    self.asking.clear();
                }
            });
        });
    }

    /// One address field with its completion; true when it changed.
    fn address_row(&mut self, ui: &mut egui::Ui, name: &'static str, known: &[String]) -> bool {
        let l = ui.label(name);
        let value = match name {
            "To" => &mut self.draft.to,
            "Cc" => &mut self.draft.cc,
            _ => &mut self.draft.bcc,
        };
        let r = ui
            .add(
                egui::TextEdit::singleline(value)
                    .id_salt(("compose-addr", name, self.key))
                    .hint_text("Name <address>, another@example.org")
                    .desired_width(f32::INFINITY),
            )
            .labelled_by(l.id);
        let mut changed = r.changed();
        if self.focus_pending && name == "To" && value.trim().is_empty() {
            self.focus_pending = false;
            r.request_focus();
        }
        // Enter in the field takes the first offer, as in Thunderbird.
        let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        if r.has_focus() {
            self.completing = Some(name);
        } else if self.completing == Some(name) && r.lost_focus() && !enter {
            // A press on an offer takes the focus first: keep the offers until its click.
            let on_offers = ui
                .input(|i| i.pointer.interact_pos())
                .zip(self.offers_rect)
                .is_some_and(|(p, rect)| rect.contains(p));
            if !on_offers {
                self.completing = None;
            }
        }
        ui.end_row();
        if self.completing == Some(name) {
            let typed = value
                .rsplit([',', ';'])
                .next()
                .unwrap_or("")
                .trim()
                .to_lowercase();
            let offers: Vec<&String> = if typed.is_empty() {
                Vec::new()
            } else {
                known
                    .iter()
                    .filter(|k| k.to_lowercase().contains(&typed))
                    .take(6)
                    .collect()
            };
            if !offers.is_empty() {
                ui.label("");
                let mut pick = enter.then(|| offers[0].clone());
                let row = ui.horizontal_wrapped(|ui| {
                    for o in &offers {
                        if ui.small_button(o.as_str()).clicked() {
                            pick = Some((*o).clone());
                        }
                    }
                });
                self.offers_rect = Some(row.response.rect);
                ui.end_row();
                if let Some(p) = pick {
                    let keep = value
                        .rfind([',', ';'])
                        .map_or(String::new(), |i| format!("{}, ", value[..i].trim_end()));
                    *value = format!("{keep}{p}, ");
                    changed = true;
                    // Back to the field, at its end, to go on typing.
                    focus_at(&r, value.chars().count());
                }
            } else if !r.has_focus() {
                self.completing = None;
            }
        }
        changed
    }

    /// The attached files, each removable; true when one was removed.
    fn attachments_row(&mut self, ui: &mut egui::Ui) -> bool {
        if self.draft.attachments.is_empty() && self.draft.forwarded.is_empty() {
            return false;
        }
        let mut remove = None;
        ui.horizontal_wrapped(|ui| {
            ui.label("Attached:");
            for (i, p) in self.draft.attachments.iter().enumerate() {
                let name = p.file_name().map_or_else(
                    || p.display().to_string(),
                    |n| n.to_string_lossy().into_owned(),
                );
                let size = self
                    .sizes
                    .get(i)
                    .copied()
                    .flatten()
                    .map_or_else(|| "missing".to_string(), crate::ui::activity::human_bytes);
                ui.label(format!("📄 {name} ({size})"));
                if ui
                    .small_button("✖")
                    .on_hover_text(format!("Remove {name}"))
                    .clicked()
                {
                    remove = Some(i);
                }
            }
            for _ in &self.draft.forwarded {
                ui.label("✉ the forwarded message");
            }
        });
        if let Some(i) = remove {
            self.draft.attachments.remove(i);
            if i < self.sizes.len() {
                self.sizes.remove(i);
            }
        }
        remove.is_some()
    }
}

/// Quotes at least this long get an editor of their own.
const LONG_QUOTE_LINES: usize = 200;

/// Where a long quote starts in `body` (at its attribution line when there is one), when the
/// quote is long enough to be worth an editor of its own.
pub fn split_quote(body: &str) -> Option<usize> {
    let mut offset = 0;
    let mut previous: Option<(usize, &str)> = None;
    for line in body.split_inclusive('\n') {
        if line.starts_with('>') {
            let quoted = body[offset..].lines().count();
            if quoted + 1 < LONG_QUOTE_LINES {
                return None;
            }
            return Some(match previous {
                Some((at, p)) if p.trim_end().ends_with(':') => at,
                _ => offset,
            });
        }
        if !line.trim().is_empty() {
            previous = Some((offset, line));
        }
        offset += line.len();
    }
    None
}

/// Gives a text field the keyboard with the cursor before character `at`.
fn focus_at(r: &egui::Response, at: usize) {
    r.request_focus();
    let mut state = egui::text_edit::TextEditState::load(&r.ctx, r.id).unwrap_or_default();
    state
        .cursor
        .set_char_range(Some(egui::text::CCursorRange::one(
            egui::text::CCursor::new(at),
        )));
    state.store(&r.ctx, r.id);
}

fn size_of(p: &std::path::Path) -> Option<u64> {
    std::fs::metadata(p).ok().map(|m| m.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_long_quote_is_split_at_its_attribution() {
        let mut long = String::from("My answer.\n\nOn Monday, Ann wrote:\n");
        for i in 0..300 {
            long.push_str(&format!("> line {i}\n"));
        }
        long.push_str("\n-- \nMe\n");
        let at = split_quote(&long).expect("split");
        assert!(long[at..].starts_with("On Monday, Ann wrote:"));
        assert_eq!(&long[..at], "My answer.\n\n");
        let short = "Hi\n> one\n> two\n";
        assert_eq!(split_quote(short), None);
        assert_eq!(split_quote("no quote at all\n"), None);
        let bare = "> quoted\n".repeat(300);
        assert_eq!(split_quote(&bare), Some(0));
    }
}
