//! Reusable views: virtualized menus and documents, and the folder picker.

pub mod document_view;
pub mod folder_picker;
pub mod menu_view;

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
