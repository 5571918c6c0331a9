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

/// Shows the dialog for `rejection`; returns the choice once one was made.
pub fn show(ctx: &egui::Context, rejection: &CertRejection) -> Option<TrustChoice> {
    let mut choice = None;
    let modal = egui::Modal::new(egui::Id::unique("cert_dialog")).show(ctx, |ui| {
        ui.set_max_width(560.0);
        match &rejection.kind {
            RejectionKind::PinChanged { pinned } => {
                ui.heading(
                    RichText::new("⚠ The certificate of this site has CHANGED")
                        .color(ui.visuals().error_fg_color)
                        .strong(),
                );
                ui.label(format!(
                    "You chose to always trust another certificate for {}. Someone may be \
                     intercepting the connection. Only continue if you know the site changed \
                     its certificate.",
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
        egui::Grid::new("cert_fields")
            .num_columns(2)
            .show(ui, |ui| {
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
                    ui.end_row();
                }
            });
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
    if choice.is_none() && modal.should_close() {
        choice = Some(TrustChoice::Cancel);
    }
    choice
}
