//! A gopher menu as a virtualized list: only the visible rows are laid out, so a
//! 100,000-item menu costs the same per frame as a short one.

use egui::{RichText, ScrollArea};

use super::LinkClick;
use crate::proto::gopher::{self, ItemClass};
use crate::ui::theme::gopher_icon;
use crate::workers::browser::MenuRow;

/// Scroll and highlight state the tab keeps for its menu.
#[derive(Debug, Default, Clone)]
pub struct MenuViewState {
    /// Row to bring into view on the next frame (find in page).
    pub scroll_to: Option<usize>,
    /// Rows matching the find query.
    pub highlight: Vec<usize>,
}

/// Draws the menu; returns the link the user clicked, if any.
pub fn show(ui: &mut egui::Ui, rows: &[MenuRow], state: &mut MenuViewState) -> Option<LinkClick> {
    let row_height = ui.text_style_height(&egui::TextStyle::Monospace).max(16.0) + 2.0;
    // Info lines often carry ASCII art: rows touch, as in a terminal.
    ui.spacing_mut().item_spacing.y = 0.0;
    let spacing = 0.0;
    let mut area = ScrollArea::both()
        .auto_shrink([false, false])
        .id_salt("menu");
    if let Some(row) = state.scroll_to.take() {
        area = area.vertical_scroll_offset((row as f32 * (row_height + spacing) - 40.0).max(0.0));
    }
    let mut clicked = None;
    area.show_rows(ui, row_height, rows.len(), |ui, range| {
        for i in range {
            let row = &rows[i];
            let highlighted = state.highlight.binary_search(&i).is_ok();
            ui.horizontal(|ui| {
                ui.set_height(row_height);
                // A fixed-width icon column keeps info lines and links aligned.
                let icon = ui.add_sized(
                    [row_height * 1.4, row_height],
                    egui::Label::new(RichText::new(gopher_icon(row.item_type)).monospace()),
                );
                if row.item_type != b'i' {
                    icon.on_hover_text(gopher::type_name(row.item_type));
                }
                let mut text = RichText::new(&row.display).monospace();
                if highlighted {
                    text = text.background_color(ui.visuals().selection.bg_fill);
                }
                match (&row.link, gopher::class_of(row.item_type)) {
                    (Some(link), class) if class != ItemClass::Info => {
                        let response = ui
                            .add(egui::Link::new(text))
                            .on_hover_text(row.url.as_deref().unwrap_or_default());
                        if response.clicked() {
                            clicked = Some(LinkClick::Open(link.clone()));
                        } else if response.middle_clicked() {
                            clicked = Some(LinkClick::OpenInNewTab(link.clone()));
                        }
                    }
                    _ => {
                        let text = if row.item_type == b'3' {
                            text.color(ui.visuals().error_fg_color)
                        } else {
                            text
                        };
                        ui.add(egui::Label::new(text).extend());
                    }
                }
                if let Some(problem) = row.problem {
                    ui.label(RichText::new("⚠").color(ui.visuals().warn_fg_color))
                        .on_hover_text(problem);
                }
            });
        }
    });
    clicked
}
