//! Reusable views: virtualized menus and documents, and the folder picker.

pub mod document_view;
pub mod folder_picker;
pub mod menu_view;
pub mod source_view;

use crate::link::Link;

/// What the user did with a link in a view.
#[derive(Debug, Clone, PartialEq)]
pub enum LinkClick {
    /// Follow in this tab.
    Open(Link),
    /// Middle click: open in a new tab.
    OpenInNewTab(Link),
    /// A URL that did not parse: shown as an error.
    Invalid(String),
}

/// What was dropped on `r`, when it is a `T`. egui's own `dnd_release_payload` takes the
/// payload whatever its type, so a drop zone for one type would swallow a drop meant for
/// another zone under the same pointer; this looks at the type first.
pub fn dropped<T: std::any::Any + Send + Sync>(r: &egui::Response) -> Option<std::sync::Arc<T>> {
    if egui::DragAndDrop::has_payload_of_type::<T>(&r.ctx) {
        r.dnd_release_payload::<T>()
    } else {
        None
    }
}

/// A message's text with its quote levels coloured, as the Mail and News readers show it.
pub fn quoted_text(ui: &mut egui::Ui, lines: &[crate::mail::render::TextLine]) {
    let colors = [
        egui::Color32::from_rgb(0x4a, 0x7f, 0xc1),
        egui::Color32::from_rgb(0x3f, 0x9e, 0x5a),
        egui::Color32::from_rgb(0xb5, 0x6b, 0x2e),
        egui::Color32::from_rgb(0x8e, 0x5a, 0xa8),
    ];
    for line in lines {
        if line.quote == 0 {
            ui.add(egui::Label::new(&line.text).wrap().selectable(true));
        } else {
            let color = colors[(usize::from(line.quote) - 1) % colors.len()];
            let marks = ">".repeat(usize::from(line.quote));
            ui.add(
                egui::Label::new(
                    egui::RichText::new(format!("{marks} {}", line.text)).color(color),
                )
                .wrap()
                .selectable(true),
            );
        }
    }
}
