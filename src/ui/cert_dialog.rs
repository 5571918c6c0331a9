//! The certificate dialog: Cancel, Trust once, or Always trust (pinned in the store).

use egui::RichText;

use crate::proto::tls::{CertRejection, RejectionKind};

/// The user's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrustChoice {
    Cancel,
    Once,
    Always,
}

/// Width of the dialog: fixed, so its buttons never move between frames.
const WIDTH: f32 = 560.0;

/// Shows the dialog for `rejection`; returns the choice once one was made.
pub fn show(ctx: &egui::Context, rejection: &CertRejection) -> Option<TrustChoice> {
    let mut choice = None;
    // A window kept in front and centred. Plain rows at a fixed width: wrapping cells in a
    // grid can change the layout from frame to frame, and a button that moves under the
    // pointer is missed.
    egui::Window::new("Certificate")
        .id(egui::Id::unique("cert_dialog"))
        .order(egui::Order::Foreground)
        .anchor(egui::Align2::CENTER_CENTER, egui::Vec2::ZERO)
        .collapsible(false)
        .resizable(false)
        .fixed_size([WIDTH, 0.0])
        .show(ctx, |ui| {
            ui.set_width(WIDTH);
            match &rejection.kind {
                RejectionKind::PinChanged { pinned } => {
                    ui.heading(
                        RichText::new("⚠ The certificate of this site has CHANGED")
                            .color(ui.visuals().error_fg_color)
                            .strong(),
                    );
                    ui.label(format!(
                        "You chose to always trust another certificate for {}. Someone may be \
                         intercepting the connection. Only continue if you know the site \
                         changed its certificate.",
                        rejection.host
                    ));
                    for p in pinned {
                        ui.label(RichText::new(format!("Pinned: {p}")).monospace().small());
                    }
                }
                RejectionKind::Unverified => {
                    ui.heading("Untrusted certificate");
                    ui.label(format!(
                        "The certificate of {} could not be verified.",
                        rejection.host
                    ));
                }
            }
            ui.add_space(6.0);
            let c = &rejection.cert;
            for (k, v) in [
                ("Reason", rejection.reason.as_str()),
                ("Subject", c.subject.as_str()),
                ("Issuer", c.issuer.as_str()),
                ("Valid from", c.not_before.as_str()),
                ("Valid until", c.not_after.as_str()),
                ("SHA-256", c.sha256.as_str()),
            ] {
                ui.label(RichText::new(k).strong());
                ui.add(egui::Label::new(RichText::new(v).monospace()).wrap());
            }
            ui.add_space(8.0);
            ui.horizontal(|ui| {
                if ui.button("Cancel").clicked() {
                    choice = Some(TrustChoice::Cancel);
                }
                if ui.button("Trust once").clicked() {
                    choice = Some(TrustChoice::Once);
                }
                if ui.button("Always trust").clicked() {
                    choice = Some(TrustChoice::Always);
                }
            });
        });
    // Only Escape or a button answers: a trust decision is not made by a stray click.
    if choice.is_none() && ctx.input(|i| i.key_pressed(egui::Key::Escape)) {
        choice = Some(TrustChoice::Cancel);
    }
    choice
}
