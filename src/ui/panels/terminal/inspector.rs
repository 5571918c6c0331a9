//! The negotiation inspector: where each Telnet option stands on both sides (RFC 1143
//! states), the charset agreed, and the last subnegotiation the host sent.

use crate::proto::telnet::{Q, option_name};

use super::session::Session;

fn state_word(q: Q) -> &'static str {
    match q {
        Q::Yes => "on",
        Q::No => "off",
        Q::WantYes => "asked on…",
        Q::WantNo => "asked off…",
    }
}

/// The window for `session`; `open` turns false when the user closes it.
pub fn show(ctx: &egui::Context, session: &Session, open: &mut bool) {
    egui::Window::new(format!("Negotiation · {}", session.label()))
        .id(egui::Id::unique(("telnet-inspector", session.id)))
        .open(open)
        .default_width(420.0)
        .show(ctx, |ui| {
            let n = &session.negotiation;
            ui.label(format!(
                "Host echoes: {} · charset agreed: {}",
                if session.remote_echo { "yes" } else { "no" },
                n.charset.as_deref().unwrap_or("none")
            ));
            ui.separator();
            egui::Grid::new(("inspector-grid", session.id))
                .striped(true)
                .num_columns(3)
                .show(ui, |ui| {
                    ui.strong("Option");
                    ui.strong("We (WILL)");
                    ui.strong("Host (DO)");
                    ui.end_row();
                    for o in &n.options {
                        ui.label(format!("{} ({})", option_name(o.option), o.option));
                        ui.label(state_word(o.local));
                        ui.label(state_word(o.remote));
                        ui.end_row();
                    }
                });
            ui.separator();
            match &n.last_subnegotiation {
                Some(sub) => {
                    let bytes: Vec<String> = sub.data.iter().map(|b| format!("{b:02x}")).collect();
                    ui.label(format!(
                        "Last subnegotiation: {} · {}{}",
                        option_name(sub.option),
                        bytes.join(" "),
                        if sub.truncated {
                            " (cut: longer than the engine keeps)"
                        } else {
                            ""
                        }
                    ));
                }
                None => {
                    ui.label("No subnegotiation yet.");
                }
            }
        });
}
