//! The Settings section that shows which program opens each kind of link on this desktop, and
//! makes Portolan that program for one scheme or all of them. `xdg-mime` runs on a thread of
//! its own (a query per scheme takes a few milliseconds each; the frame does not wait).

use poll_promise::Promise;

use crate::desktop_handlers::{DESKTOP_ID, Handlers, SCHEMES};

/// One scheme and its handler now (or why that could not be read).
pub type Row = (&'static str, Result<Option<String>, String>);

#[derive(Default)]
pub struct LinkHandlersView {
    handlers: Handlers,
    pub rows: Vec<Row>,
    work: Option<Promise<Vec<Row>>>,
}

fn query_all(handlers: &Handlers) -> Vec<Row> {
    SCHEMES.iter().map(|s| (*s, handlers.current(s))).collect()
}

impl LinkHandlersView {
    /// Asks `xdg-mime` with these handlers (tests give them a home of their own).
    pub fn with_handlers(handlers: Handlers) -> LinkHandlersView {
        LinkHandlersView {
            handlers,
            ..LinkHandlersView::default()
        }
    }

    /// Forgets what was read, so the next showing asks again (the user may have chosen
    /// another program meanwhile).
    pub fn forget(&mut self) {
        if self.work.is_none() {
            self.rows.clear();
        }
    }

    fn start(&mut self, make_default: Vec<&'static str>) {
        let handlers = self.handlers.clone();
        self.work = Some(Promise::spawn_thread("link handlers", move || {
            let mut failed = Vec::new();
            for scheme in &make_default {
                if let Err(e) = handlers.make_default(scheme) {
                    failed.push((*scheme, e));
                }
            }
            let mut rows = query_all(&handlers);
            // Recorded but not in force: xdg-mime honours an entry only when its program is
            // installed on the PATH.
            for (scheme, handler) in &mut rows {
                if make_default.contains(scheme)
                    && !failed.iter().any(|(s, _)| s == scheme)
                    && let Ok(other) = handler
                    && other.as_deref() != Some(DESKTOP_ID)
                {
                    *handler = Err(format!(
                        "recorded, but the desktop still picks {}: install Portolan (its desktop entry, and portolan on the PATH)",
                        other.as_deref().unwrap_or("no program")
                    ));
                }
            }
            // A choice that could not be made shows its error in place of the handler.
            for (scheme, e) in failed {
                if let Some(row) = rows.iter_mut().find(|r| r.0 == scheme) {
                    row.1 = Err(e);
                }
            }
            rows
        }));
    }

    pub fn show(&mut self, ui: &mut egui::Ui) {
        if let Some(done) = self.work.take_if(|p| p.ready().is_some()) {
            self.rows = done.block_and_take();
        }
        if self.rows.is_empty() && self.work.is_none() {
            self.start(Vec::new());
        }
        if self.work.is_some() {
            // The thread does not wake the window; look again shortly.
            ui.ctx()
                .request_repaint_after(std::time::Duration::from_millis(100));
        }
        egui::CollapsingHeader::new("Links from the desktop")
            .default_open(false)
            .show(ui, |ui| {
                if self.rows.is_empty() {
                    ui.horizontal(|ui| {
                        ui.spinner();
                        ui.label("Asking the desktop…");
                    });
                    return;
                }
                let mut choose = Vec::new();
                egui::Grid::new("link-handlers")
                    .num_columns(3)
                    .striped(true)
                    .show(ui, |ui| {
                        for (scheme, handler) in &self.rows {
                            ui.label(format!("{scheme}:"));
                            match handler {
                                Ok(Some(id)) if id == DESKTOP_ID => {
                                    ui.label("✔ Portolan");
                                    ui.label("");
                                }
                                Ok(other) => {
                                    ui.label(other.as_deref().unwrap_or("no program"));
                                    if ui
                                        .add_enabled(
                                            self.work.is_none(),
                                            egui::Button::new(format!(
                                                "Use Portolan for {scheme}:"
                                            )),
                                        )
                                        .clicked()
                                    {
                                        choose.push(*scheme);
                                    }
                                }
                                Err(e) => {
                                    // The first words in the row, the whole reason on hover.
                                    let short = e.split(':').next().unwrap_or(e);
                                    ui.colored_label(
                                        ui.visuals().error_fg_color,
                                        format!("⚠ {short}"),
                                    )
                                    .on_hover_text(e);
                                    ui.label("");
                                }
                            }
                            ui.end_row();
                        }
                    });
                let others: Vec<&'static str> = self
                    .rows
                    .iter()
                    .filter(|(_, h)| !matches!(h, Ok(Some(id)) if id == DESKTOP_ID))
                    .map(|(s, _)| *s)
                    .collect();
                if !others.is_empty()
                    && ui
                        .add_enabled(
                            self.work.is_none(),
                            egui::Button::new("Use Portolan for all of them"),
                        )
                        .clicked()
                {
                    choose = others;
                }
                if !choose.is_empty() {
                    self.start(choose);
                }
            });
    }
}
