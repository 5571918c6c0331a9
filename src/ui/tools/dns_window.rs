//! The DNS lookup window: a name, a record type, an optional server; the answers as a table.

use std::time::Duration;

use poll_promise::Promise;

use super::spawn;
use crate::proto::dns::{self, Answer, Kind, LookupError, Source};
use crate::workers::Services;

pub struct DnsWindow {
    pub open: bool,
    name: String,
    kind: Kind,
    server: String,
    running: Option<Promise<Result<Vec<Answer>, LookupError>>>,
    answers: Vec<Answer>,
    error: Option<String>,
    /// What the shown answers are for.
    asked: String,
}

impl Default for DnsWindow {
    fn default() -> Self {
        DnsWindow {
            open: false,
            name: String::new(),
            kind: Kind::A,
            server: String::new(),
            running: None,
            answers: Vec::new(),
            error: None,
            asked: String::new(),
        }
    }
}

impl DnsWindow {
    pub fn show(&mut self, ctx: &egui::Context, services: &Services) {
        if let Some(done) = self.running.take_if(|p| p.ready().is_some()) {
            match done.block_and_take() {
                Ok(answers) => {
                    self.answers = answers;
                    self.error = None;
                }
                Err(e) => {
                    self.answers.clear();
                    self.error = Some(e.to_string());
                }
            }
        }
        let mut open = self.open;
        egui::Window::new("DNS lookup")
            .open(&mut open)
            .default_pos(egui::pos2(180.0, 120.0))
            .default_width(560.0)
            .show(ctx, |ui| {
                let mut go = false;
                ui.horizontal(|ui| {
                    let l = ui.label("Name to look up:");
                    let r = ui
                        .add(egui::TextEdit::singleline(&mut self.name).desired_width(220.0))
                        .labelled_by(l.id);
                    go |= r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                    let l = ui.label("Record type:");
                    egui::ComboBox::from_id_salt("dns-record-type")
                        .selected_text(self.kind.label())
                        .show_ui(ui, |ui| {
                            for k in Kind::ALL {
                                ui.selectable_value(&mut self.kind, k, k.label());
                            }
                        })
                        .response
                        .labelled_by(l.id);
                });
                ui.horizontal(|ui| {
                    let l = ui.label("DNS server:");
                    ui.add(
                        egui::TextEdit::singleline(&mut self.server)
                            .hint_text("the system's")
                            .desired_width(160.0),
                    )
                    .labelled_by(l.id)
                    .on_hover_text("An address, with :PORT if not 53. Empty: the system resolver for addresses, the system's DNS servers for other types.");
                    let busy = self.running.is_some();
                    go |= ui.add_enabled(!busy, egui::Button::new("Look up")).clicked();
                    if busy {
                        ui.spinner();
                    }
                });
                if go && self.running.is_none() {
                    self.start(ctx, services);
                }
                if self.kind == Kind::Ptr {
                    ui.weak("PTR takes an address, or a name whose addresses are each reversed.");
                }
                if let Some(e) = &self.error {
                    ui.colored_label(ui.visuals().error_fg_color, e);
                }
                if !self.answers.is_empty() {
                    ui.separator();
                    ui.label(format!("{} record(s) for {}", self.answers.len(), self.asked));
                    egui::ScrollArea::vertical().max_height(300.0).show(ui, |ui| {
                        egui::Grid::new("dns-answers")
                            .striped(true)
                            .num_columns(5)
                            .show(ui, |ui| {
                                for h in ["Name", "TTL", "Type", "Data", "From"] {
                                    ui.strong(h);
                                }
                                ui.end_row();
                                for a in &self.answers {
                                    ui.label(&a.name);
                                    ui.label(a.ttl.map_or_else(|| "–".into(), |t| t.to_string()));
                                    ui.label(&a.kind);
                                    ui.add(egui::Label::new(egui::RichText::new(&a.data).monospace()).selectable(true));
                                    ui.label(match a.source {
                                        Source::System => "system resolver",
                                        Source::Dns => "DNS",
                                    });
                                    ui.end_row();
                                }
                            });
                    });
                }
            });
        self.open = open;
    }

    fn start(&mut self, ctx: &egui::Context, services: &Services) {
        let server = match self.server.trim() {
            "" => None,
            text => match dns::parse_server(text) {
                Ok(a) => Some(a),
                Err(e) => {
                    self.error = Some(e);
                    return;
                }
            },
        };
        let query = dns::Query {
            name: self.name.trim().to_string(),
            kind: self.kind,
            server,
            timeout: Duration::from_secs(5),
        };
        self.asked = format!("{} {}", query.name, self.kind.label());
        self.error = None;
        self.running = Some(spawn(
            services,
            ctx,
            async move { dns::lookup(&query).await },
        ));
    }
}
