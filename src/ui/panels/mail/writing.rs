//! The Mail panel's writing half: composer tabs, autosaved drafts, queueing into the
//! outbox off the frame, the outbox bar with Undo, Retry and the transcript, replies and
//! forwards from the reader, `mailto:` links.

use std::collections::HashMap;
use std::time::Instant;

use tokio::sync::mpsc::UnboundedSender;

use super::{MailPanel, MailPanelEvent};
use crate::mail::compose::build::{self, Part};
use crate::mail::compose::reply::{self, Original, ReplyTo};
use crate::mail::compose::{Draft, address};
use crate::store::outbox::{self, OutboxRow, Outgoing, now_ms};
use crate::ui::panels::compose::{AttachDialog, Composer, ComposerAction, Place, Sender};
use crate::ui::panels::{ShellAction, Toast};
use crate::workers::outbox::{OutboxCommand, OutboxEvent};

/// Where the Undo window's length is kept (seconds; 0 sends at once).
const UNDO_SETTING: &str = "mail.undo_send_secs";
const UNDO_DEFAULT: i64 = 5;
/// How often a draft being written is copied to the server's Drafts folder.
const SERVER_COPY_EVERY: std::time::Duration = std::time::Duration::from_mins(2);

/// What comes back to the writing half.
#[derive(Debug)]
pub enum WritingEvent {
    Outbox(Box<OutboxEvent>),
    DraftSaved {
        key: u64,
        id: i64,
        draft: Box<Draft>,
    },
    Queued {
        key: u64,
        result: Result<i64, String>,
    },
    TakenBack(Option<(i64, Box<Draft>)>),
    Known(Vec<String>),
}

/// The composers and the outbox as the panel holds them.
pub struct Writing {
    pub composers: Vec<Composer>,
    /// The composer tab in front, or `None` for the mailbox.
    pub active: Option<u64>,
    next_key: u64,
    outbox_tx: UnboundedSender<OutboxCommand>,
    pub outbox: Vec<OutboxRow>,
    known: Vec<String>,
    known_asked: bool,
    pub dialog: AttachDialog,
    undo_secs: i64,
    /// Composers whose message is being built and queued.
    queueing: HashMap<u64, Instant>,
    /// When each composer's draft was last copied to the server's Drafts folder.
    server_copies: HashMap<u64, Instant>,
    /// Composers whose draft the store saved since the server's copy was made.
    changed_since_copy: std::collections::HashSet<u64>,
    open_transcript: Option<i64>,
}

fn rfd_attach() -> AttachDialog {
    std::sync::Arc::new(|| {
        rfd::FileDialog::new()
            .set_title("Attach files")
            .pick_files()
    })
}

impl Writing {
    /// Starts the outbox and reopens every draft the store holds (a crash mid-sentence
    /// comes back as its tab).
    pub fn new(panel_ctx: &crate::ui::panels::PanelContext) -> anyhow::Result<Writing> {
        let store = panel_ctx.store.clone();
        let events = panel_ctx
            .sink::<MailPanelEvent>(crate::link::PanelKind::Mail)
            .contramap(|e: OutboxEvent| MailPanelEvent::Writing(WritingEvent::Outbox(Box::new(e))));
        let outbox_tx = crate::workers::outbox::spawn(
            &panel_ctx.services,
            store.clone(),
            panel_ctx.secrets.clone(),
            events,
        );
        let drafts = store.call(|c| outbox::drafts(c))??;
        let undo_secs = store
            .load_setting(UNDO_SETTING)?
            .and_then(|v| v.parse().ok())
            .unwrap_or(UNDO_DEFAULT);
        let mut w = Writing {
            composers: Vec::new(),
            active: None,
            next_key: 1,
            outbox_tx,
            outbox: Vec::new(),
            known: Vec::new(),
            known_asked: false,
            dialog: rfd_attach(),
            undo_secs,
            queueing: HashMap::new(),
            server_copies: HashMap::new(),
            changed_since_copy: std::collections::HashSet::new(),
            open_transcript: None,
        };
        for (id, d) in drafts {
            let key = w.key();
            w.composers.push(Composer::new(key, id, d));
            w.active = Some(key);
        }
        Ok(w)
    }

    fn key(&mut self) -> u64 {
        self.next_key += 1;
        self.next_key
    }

    pub fn password(&self, account: i64, password: String) {
        let _ = self
            .outbox_tx
            .send(OutboxCommand::Password { account, password });
    }

    pub fn retry_all(&self) {
        let _ = self.outbox_tx.send(OutboxCommand::RetryAll);
    }
}

impl MailPanel {
    /// Replaces the attach dialog (tests answer it without a desktop).
    pub fn set_attach_dialog(&mut self, dialog: AttachDialog) {
        self.writing.dialog = dialog;
    }

    /// The composers open now, for tests and the window's title.
    pub fn composers(&self) -> &[Composer] {
        &self.writing.composers
    }

    pub fn outbox(&self) -> &[OutboxRow] {
        &self.writing.outbox
    }

    /// Every identity of every account, to send as.
    fn senders(&self) -> Vec<Sender> {
        let mut out = Vec::new();
        for a in &self.accounts {
            for i in &a.identities {
                if !i.address.trim().is_empty() {
                    out.push(Sender {
                        account: a.id,
                        display: address::display(&i.name, i.address.trim()),
                        signature: i.signature.clone(),
                    });
                }
            }
            if a.identities.iter().all(|i| i.address.trim().is_empty()) && a.user.contains('@') {
                out.push(Sender {
                    account: a.id,
                    display: a.user.clone(),
                    signature: String::new(),
                });
            }
        }
        out
    }

    /// Opens a composer tab for `draft`; an empty sender becomes the account's first
    /// identity (`prefer` names the account, as for a reply).
    pub fn compose(&mut self, mut draft: Draft, prefer: Option<i64>) {
        let senders = self.senders();
        let pick = senders
            .iter()
            .find(|s| Some(s.account) == prefer)
            .or_else(|| senders.first())
            .cloned();
        let key = self.writing.key();
        let mut c = Composer::new(key, 0, Draft::default());
        if draft.from.is_empty()
            && let Some(s) = &pick
        {
            draft.from.clone_from(&s.display);
            draft.account = s.account;
            // A new message (from a link too) gets the signature; a reply has it already.
            if !s.signature.trim().is_empty() && !draft.body.contains(s.signature.trim()) {
                let text = draft.body.trim_end().to_string();
                draft.body = format!("{text}\n{}", reply::signature_block(&s.signature));
            }
        }
        c.draft = draft;
        // A reply or a mailto: link is worth keeping before anything is typed.
        c.keep_soon();
        if pick.is_none() {
            c.notice = Some("Add a mail account with an address to send from.".into());
        }
        self.writing.composers.push(c);
        self.writing.active = Some(key);
        self.ask_known();
    }

    fn ask_known(&mut self) {
        if self.writing.known_asked {
            return;
        }
        self.writing.known_asked = true;
        let events = self.events.clone();
        self.store.run(
            |c| outbox::known_addresses(c, 5000).unwrap_or_default(),
            move |k| events.send(MailPanelEvent::Writing(WritingEvent::Known(k))),
        );
    }

    /// What the reader's buttons asked: a reply or forward, or a message to an address.
    pub(super) fn write_from_reader(
        &mut self,
        answer: Option<(Option<ReplyTo>, bool)>,
        write_to: Option<String>,
    ) {
        if let Some((how, attached)) = answer {
            self.answer(how, attached);
        }
        if let Some(to) = write_to {
            self.compose(
                Draft {
                    to,
                    ..Draft::default()
                },
                None,
            );
        }
    }

    /// Files from another panel: to the composer in front, else to a new message.
    pub fn attach_files(&mut self, paths: Vec<std::path::PathBuf>) {
        if self.writing.active.is_none() {
            self.compose(Draft::default(), self.open.as_ref().map(|f| f.account));
        }
        let active = self.writing.active;
        if let Some(c) = self
            .writing
            .composers
            .iter_mut()
            .find(|c| Some(c.key) == active)
        {
            c.attach(paths);
        }
    }

    /// Reply, reply all, reply to the list, or forward the message in the reader.
    pub fn answer(&mut self, how: Option<ReplyTo>, attached: bool) {
        let Some(r) = &self.reader else { return };
        let Some(raw) = &r.raw else { return };
        let original = Original::from_raw(r.row.id, raw);
        let account = self.folder_of(&r.row).map(|f| f.account);
        let mine: Vec<String> = self
            .accounts
            .iter()
            .flat_map(|a| {
                a.identities
                    .iter()
                    .map(|i| i.address.clone())
                    .chain([a.user.clone()])
            })
            .collect();
        // Send as the identity the original was addressed to, when there is one.
        let senders = self.senders();
        let addressed: Vec<String> = original
            .to
            .iter()
            .chain(&original.cc)
            .map(|a| address::key(a))
            .collect();
        let me = senders
            .iter()
            .find(|s| addressed.contains(&address::key(&s.display)))
            .or_else(|| senders.iter().find(|s| Some(s.account) == account))
            .cloned();
        let signature = me.as_ref().map(|s| s.signature.clone()).unwrap_or_default();
        let mut draft = match how {
            Some(to) => reply::reply(&original, to, &mine, &signature),
            None => reply::forward(&original, attached, &signature),
        };
        if let Some(s) = me {
            draft.from = s.display;
            draft.account = s.account;
        }
        self.compose(draft, account);
    }

    /// The tabs: the mailbox, then one per composer.
    pub(super) fn tab_strip(&mut self, ui: &mut egui::Ui) {
        if self.writing.composers.is_empty() {
            return;
        }
        ui.horizontal_wrapped(|ui| {
            if ui
                .selectable_label(self.writing.active.is_none(), "📬 Mailbox")
                .clicked()
            {
                self.writing.active = None;
            }
            let mut close = None;
            for c in &self.writing.composers {
                let title = c.title();
                if ui
                    .selectable_label(self.writing.active == Some(c.key), &title)
                    .clicked()
                {
                    self.writing.active = Some(c.key);
                }
                if ui
                    .small_button("✖")
                    .on_hover_text(format!("Close {title}; the draft is kept"))
                    .clicked()
                {
                    close = Some(c.key);
                }
            }
            if let Some(k) = close {
                self.close_composer(k, false);
            }
        });
        ui.separator();
    }

    /// Waiting messages with their countdown and Undo; refused ones with the server's words.
    pub(super) fn outbox_bar(&mut self, ui: &mut egui::Ui) {
        if self.writing.outbox.is_empty() {
            return;
        }
        let now = now_ms();
        let mut undo = None;
        let mut retry = None;
        let mut remove = None;
        let mut countdown = false;
        egui::Frame::group(ui.style()).show(ui, |ui| {
            for r in &self.writing.outbox {
                let subject = if r.subject.is_empty() {
                    "(no subject)"
                } else {
                    &r.subject
                };
                ui.horizontal_wrapped(|ui| match r.state.as_str() {
                    "waiting" if r.send_after > now => {
                        countdown = true;
                        let secs = (r.send_after - now + 999) / 1000;
                        ui.label(format!("Sending “{subject}” in {secs} s"));
                        if ui.button("Undo").clicked() {
                            undo = Some(r.id);
                        }
                    }
                    "waiting" | "sending" => {
                        ui.spinner();
                        ui.label(format!("Sending “{subject}”…"));
                    }
                    "sent" => {
                        ui.label(format!("“{subject}” was sent; saving its copy in Sent…"));
                    }
                    _ => {
                        ui.colored_label(
                            ui.visuals().error_fg_color,
                            format!("Not sent: “{subject}”: {}", r.error),
                        );
                        if r.temporary {
                            ui.weak("(tried again by itself)");
                        }
                        if ui.button("Send again").clicked() {
                            retry = Some(r.id);
                        }
                        if ui
                            .button("Edit")
                            .on_hover_text("Back into a composer")
                            .clicked()
                        {
                            undo = Some(r.id);
                        }
                        if ui.button("Delete").clicked() {
                            remove = Some(r.id);
                        }
                        if !r.transcript.is_empty() {
                            let open = self.writing.open_transcript == Some(r.id);
                            if ui.selectable_label(open, "Transcript").clicked() {
                                self.writing.open_transcript = if open { None } else { Some(r.id) };
                            }
                        }
                    }
                });
                if self.writing.open_transcript == Some(r.id) {
                    ui.add(
                        egui::Label::new(egui::RichText::new(&r.transcript).monospace().small())
                            .selectable(true),
                    );
                }
            }
        });
        if countdown {
            ui.ctx()
                .request_repaint_after(std::time::Duration::from_millis(250));
        }
        if let Some(id) = undo {
            let events = self.events.clone();
            self.store.run(
                move |c| outbox::take_back(c, id).ok().flatten(),
                move |d| {
                    events.send(MailPanelEvent::Writing(WritingEvent::TakenBack(
                        d.map(|(i, d)| (i, Box::new(d))),
                    )));
                },
            );
        }
        if let Some(id) = retry {
            let _ = self.writing.outbox_tx.send(OutboxCommand::Retry(id));
        }
        if let Some(id) = remove {
            let tx = self.writing.outbox_tx.clone();
            self.store.run(
                move |c| outbox::remove(c, id),
                move |_| {
                    let _ = tx.send(OutboxCommand::Wake);
                },
            );
        }
    }

    /// The composer in front; true when one was drawn.
    pub(super) fn composer_view(&mut self, ui: &mut egui::Ui) -> bool {
        let Some(key) = self.writing.active else {
            return false;
        };
        let senders = self.senders();
        let known = std::mem::take(&mut self.writing.known);
        let dialog = self.writing.dialog.clone();
        let dropped = dropped_files(ui);
        let busy = self.writing.queueing.contains_key(&key);
        let Some(c) = self.writing.composers.iter_mut().find(|c| c.key == key) else {
            self.writing.known = known;
            self.writing.active = None;
            return false;
        };
        if c.place == Place::Window {
            self.writing.known = known;
            ui.add_space(20.0);
            ui.vertical_centered(|ui| {
                ui.label("This message is being written in its own window.");
                if ui.button("Back into this tab").clicked()
                    && let Some(c) = self.writing.composers.iter_mut().find(|c| c.key == key)
                {
                    c.place = Place::Tab;
                }
            });
            return true;
        }
        if !dropped.is_empty() {
            c.attach(dropped);
        }
        // Files dragged from the Files panel's local pane.
        if let Some(d) =
            crate::ui::widgets::dropped::<crate::ui::panels::files::Dragged>(&ui.interact(
                ui.max_rect(),
                ui.scope_id().with(("compose-drop", key)),
                egui::Sense::hover(),
            ))
        {
            c.attach(d.local_files());
        }
        let mut secs = self.writing.undo_secs;
        let action = ui
            .add_enabled_ui(!busy, |ui| {
                ui.horizontal(|ui| {
                    let l = ui.weak("Wait before sending, to undo:");
                    ui.add(egui::DragValue::new(&mut secs).range(0..=60).suffix(" s"))
                        .labelled_by(l.id)
                        .on_hover_text("0 sends at once");
                });
                c.ui(ui, &senders, &known, &dialog)
            })
            .inner;
        self.writing.known = known;
        if secs != self.writing.undo_secs {
            self.writing.undo_secs = secs;
            self.store
                .set_setting(UNDO_SETTING, secs.to_string(), crate::store::api::ignore);
        }
        self.carry_out(key, action);
        true
    }

    /// Composers moved out of their tabs, each in a window of its own.
    pub(super) fn composer_windows(&mut self, ctx: &egui::Context) {
        let keys: Vec<u64> = self
            .writing
            .composers
            .iter()
            .filter(|c| c.place == Place::Window)
            .map(|c| c.key)
            .collect();
        if keys.is_empty() {
            return;
        }
        let senders = self.senders();
        let known = std::mem::take(&mut self.writing.known);
        let dialog = self.writing.dialog.clone();
        let mut actions = Vec::new();
        for key in keys {
            let busy = self.writing.queueing.contains_key(&key);
            let Some(c) = self.writing.composers.iter_mut().find(|c| c.key == key) else {
                continue;
            };
            let title = format!("{} — Portolan", c.title().trim_start_matches("✏ "));
            let (action, closed) = ctx.show_viewport_immediate(
                egui::ViewportId::from_hash_of(("composer", key)),
                egui::ViewportBuilder::default()
                    .with_title(title)
                    .with_inner_size([820.0, 660.0]),
                |ui, _class| {
                    let dropped = dropped_files(ui);
                    if !dropped.is_empty() {
                        c.attach(dropped);
                    }
                    let action = egui::CentralPanel::default()
                        .show(ui, |ui| {
                            ui.add_enabled_ui(!busy, |ui| c.ui(ui, &senders, &known, &dialog))
                                .inner
                        })
                        .inner;
                    (action, ui.input(|i| i.viewport().close_requested()))
                },
            );
            // Closing the window keeps the draft, as Close does.
            let action = if closed {
                ComposerAction::Close
            } else {
                action
            };
            actions.push((key, action));
        }
        self.writing.known = known;
        for (key, action) in actions {
            self.carry_out(key, action);
        }
    }

    /// What a composer's buttons asked, wherever it is drawn.
    fn carry_out(&mut self, key: u64, action: ComposerAction) {
        match action {
            ComposerAction::Send => self.queue(key),
            ComposerAction::Close => self.close_composer(key, false),
            ComposerAction::Discard => self.close_composer(key, true),
            ComposerAction::None => {}
        }
    }

    fn close_composer(&mut self, key: u64, discard: bool) {
        if !discard {
            // Closed but kept: the server's Drafts folder gets the last word too.
            self.copy_draft_to_server(key);
        }
        let Some(i) = self.writing.composers.iter().position(|c| c.key == key) else {
            return;
        };
        let c = self.writing.composers.remove(i);
        self.writing.server_copies.remove(&key);
        if discard {
            {
                let id = c.draft_id;
                self.store
                    .run(move |conn| outbox::delete_draft(conn, id), |_| {});
            }
            self.drop_server_draft(&c.draft);
        } else if c.unsaved() && !c.draft.is_blank() {
            let (id, d) = (c.draft_id, c.draft.clone());
            self.store
                .run(move |conn| outbox::save_draft(conn, id, &d), |_| {});
        }
        if self.writing.active == Some(key) {
            self.writing.active = self.writing.composers.last().map(|c| c.key);
        }
    }

    /// Saves every composer whose typing paused (or went on too long unsaved).
    pub(super) fn autosave(&mut self, ctx: &egui::Context) {
        let now = Instant::now();
        let mut pending = false;
        for c in &mut self.writing.composers {
            if c.save_due(now) {
                c.saving = true;
                let (key, id, d) = (c.key, c.draft_id, c.draft.clone());
                let events = self.events.clone();
                self.store.run(
                    move |conn| (outbox::save_draft(conn, id, &d), d),
                    move |(r, d)| {
                        if let Ok(id) = r {
                            events.send(MailPanelEvent::Writing(WritingEvent::DraftSaved {
                                key,
                                id,
                                draft: Box::new(d),
                            }));
                        }
                    },
                );
            }
            pending |= c.unsaved() && !c.draft.is_blank();
        }
        // The server's copy less often: every two minutes of writing.
        let due: Vec<u64> = self
            .writing
            .composers
            .iter()
            .filter(|c| self.writing.changed_since_copy.contains(&c.key))
            .filter(|c| {
                self.writing
                    .server_copies
                    .get(&c.key)
                    .is_none_or(|t| now - *t >= SERVER_COPY_EVERY)
            })
            .map(|c| c.key)
            .collect();
        for key in due {
            self.copy_draft_to_server(key);
        }
        if pending {
            // Wake for the next autosave even if nothing else happens.
            ctx.request_repaint_after(std::time::Duration::from_secs(1));
        }
    }

    /// Every unsaved draft, now (the window is closing).
    pub(super) fn save_drafts_now(&self) {
        for c in &self.writing.composers {
            if c.unsaved() && !c.draft.is_blank() && !c.saving {
                let (id, d) = (c.draft_id, c.draft.clone());
                self.store
                    .run(move |conn| outbox::save_draft(conn, id, &d), |_| {});
            }
        }
    }

    /// Copies the draft to the account's IMAP Drafts folder, off the frame (attachments are
    /// read from disk); the outbox worker replaces the older copy.
    fn copy_draft_to_server(&mut self, key: u64) {
        let Some(c) = self.writing.composers.iter_mut().find(|c| c.key == key) else {
            return;
        };
        let imap = self
            .accounts
            .iter()
            .any(|a| a.id == c.draft.account && a.kind == "imap");
        if !imap || c.draft.is_blank() || c.draft.from.is_empty() {
            return;
        }
        if c.draft.server_token.is_empty() {
            c.draft.server_token = format!("{:032x}", rand::random::<u128>());
            c.keep_soon();
        }
        self.writing.server_copies.insert(key, Instant::now());
        self.writing.changed_since_copy.remove(&key);
        let draft = c.draft.clone();
        let tx = self.writing.outbox_tx.clone();
        self.services.runtime.spawn_blocking(move || {
            // A file gone meanwhile is left out of the server's copy, not the draft.
            let parts = draft
                .attachments
                .iter()
                .filter_map(|p| Part::read(p).ok())
                .collect();
            // A half-typed address cannot be written yet; the store's copy has it all.
            if let Ok(raw) = build::build_draft(&draft, parts, std::time::SystemTime::now()) {
                let _ = tx.send(OutboxCommand::SaveDraft {
                    account: draft.account,
                    token: draft.server_token.clone(),
                    raw,
                });
            }
        });
    }

    fn drop_server_draft(&self, d: &Draft) {
        if !d.server_token.is_empty() {
            let _ = self.writing.outbox_tx.send(OutboxCommand::DropDraft {
                account: d.account,
                token: d.server_token.clone(),
            });
        }
    }

    /// Builds the message off the frame (attachments are read from disk) and queues it.
    fn queue(&mut self, key: u64) {
        let Some(c) = self.writing.composers.iter_mut().find(|c| c.key == key) else {
            return;
        };
        c.notice = Some("Preparing the message…".into());
        self.writing.queueing.insert(key, Instant::now());
        let (draft, draft_id) = (c.draft.clone(), c.draft_id);
        let store = self.store.clone();
        let events = self.events.clone();
        let send_after = now_ms() + self.writing.undo_secs.max(0) * 1000;
        self.services.runtime.spawn_blocking(move || {
            let result = prepare(&store, &draft, draft_id, send_after);
            events.send(MailPanelEvent::Writing(WritingEvent::Queued {
                key,
                result,
            }));
        });
    }

    pub(super) fn on_writing(&mut self, e: WritingEvent) {
        match e {
            WritingEvent::Outbox(e) => match *e {
                OutboxEvent::Changed(rows) => self.writing.outbox = rows,
                OutboxEvent::Sent {
                    subject,
                    recipients,
                    note,
                } => {
                    let to = recipients.replace(' ', ", ");
                    self.actions.push(ShellAction::Toast(Toast::Success(format!(
                        "Sent “{subject}” to {to}"
                    ))));
                    if let Some(n) = note {
                        self.actions.push(ShellAction::Toast(Toast::Warning(n)));
                    }
                    self.reload();
                }
                OutboxEvent::Failed { subject, error } => {
                    self.actions.push(ShellAction::Toast(Toast::Error(format!(
                        "Not sent: “{subject}”: {error}"
                    ))));
                }
                OutboxEvent::Untrusted(rejection) => {
                    self.actions.push(ShellAction::Untrusted {
                        retry: super::OUTBOX_RETRY,
                        rejection,
                    });
                }
            },
            WritingEvent::DraftSaved { key, id, draft } => {
                if let Some(c) = self.writing.composers.iter_mut().find(|c| c.key == key) {
                    c.saved_as(id, &draft);
                    self.writing.changed_since_copy.insert(key);
                }
            }
            WritingEvent::Queued { key, result } => {
                self.writing.queueing.remove(&key);
                match result {
                    Ok(_) => {
                        if let Some(i) = self.writing.composers.iter().position(|c| c.key == key) {
                            let c = self.writing.composers.remove(i);
                            self.drop_server_draft(&c.draft);
                        }
                        self.writing.server_copies.remove(&key);
                        if self.writing.active == Some(key) {
                            self.writing.active = None;
                        }
                        let _ = self.writing.outbox_tx.send(OutboxCommand::Wake);
                    }
                    Err(e) => {
                        if let Some(c) = self.writing.composers.iter_mut().find(|c| c.key == key) {
                            c.notice = Some(e);
                        }
                    }
                }
            }
            WritingEvent::TakenBack(back) => {
                let _ = self.writing.outbox_tx.send(OutboxCommand::Wake);
                match back {
                    Some((id, d)) => {
                        let key = self.writing.key();
                        self.writing.composers.push(Composer::new(key, id, *d));
                        self.writing.active = Some(key);
                    }
                    None => self.actions.push(ShellAction::Toast(Toast::Info(
                        "Too late: the message is already on its way.".into(),
                    ))),
                }
            }
            WritingEvent::Known(k) => self.writing.known = k,
        }
    }
}

/// Files dropped on this window from the desktop.
fn dropped_files(ui: &egui::Ui) -> Vec<std::path::PathBuf> {
    ui.input(|i| {
        i.raw
            .dropped_files
            .iter()
            .map(|f| f.path().to_path_buf())
            .filter(|p| !p.as_os_str().is_empty())
            .collect()
    })
}

/// Reads the attachments, builds the message and puts it in the outbox (removing its draft).
fn prepare(
    store: &crate::store::Store,
    draft: &Draft,
    draft_id: i64,
    send_after: i64,
) -> Result<i64, String> {
    let parts = draft
        .attachments
        .iter()
        .map(|p| Part::read(p))
        .collect::<Result<Vec<_>, _>>()?;
    let mut forwarded = Vec::new();
    for &id in &draft.forwarded {
        let (raw, subject) = store
            .call(move |c| -> rusqlite::Result<(Option<Vec<u8>>, String)> {
                let raw = crate::store::mail::body(c, id)?;
                let subject = crate::store::mail::message(c, id)?
                    .map(|m| m.subject)
                    .unwrap_or_default();
                Ok((raw, subject))
            })
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
        let raw = raw.ok_or("the forwarded message is not in the cache any more; open it first")?;
        let base = crate::filename::sanitize(if subject.is_empty() {
            "message"
        } else {
            &subject
        });
        forwarded.push(Part {
            name: format!("{base}.eml"),
            bytes: raw,
        });
    }
    let built = build::build(draft, parts, forwarded, std::time::SystemTime::now())
        .map_err(|e| e.to_string())?;
    let out = Outgoing {
        account: draft.account,
        message_id: built.message_id,
        subject: draft.subject.trim().to_string(),
        sender: built.sender,
        recipients: built.recipients,
        raw: built.bytes,
        draft: draft.clone(),
        send_after,
    };
    store
        .call(move |c| outbox::queue(c, &out, draft_id))
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("cannot put the message in the outbox: {e}"))
}
