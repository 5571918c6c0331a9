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
