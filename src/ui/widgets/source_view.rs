//! View source: a page's bytes as received, as numbered monospace lines in a virtualized
//! list (only the rows on screen are laid out, so a megabyte page scrolls like a small one),
//! with the charset they were read in and the find bar's matches marked.

use std::sync::Arc;

use crate::workers::browser::PageSource;

/// One tab's source view.
pub struct SourceView {
    pub lines: Arc<Vec<String>>,
    pub charset: String,
    pub bytes: usize,
    /// Lines matching the find bar.
    pub highlight: Vec<usize>,
    /// A line to bring into view on the next frame.
    pub scroll_to: Option<usize>,
}

impl SourceView {
    pub fn new(source: &PageSource) -> SourceView {
        SourceView {
            lines: Arc::new(source.lines()),
            charset: source.charset_label(),
            bytes: source.raw.len(),
            highlight: Vec::new(),
            scroll_to: None,
        }
    }

    /// Lines containing `query` (already lower-cased), in order.
    pub fn find(&self, query: &str) -> Vec<usize> {
        self.lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.to_lowercase().contains(query))
            .map(|(i, _)| i)
            .collect()
    }

    pub fn show(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.weak(format!(
                "Source: {} bytes, {} lines, read as {}",
                self.bytes,
                self.lines.len(),
                self.charset
            ));
        });
        let font = egui::TextStyle::Monospace.resolve(ui.style());
        let row_height = ui.fonts_mut(|f| f.row_height(&font));
        let gutter = format!("{}", self.lines.len()).len();
        let mut area = egui::ScrollArea::both()
            .id_salt("page-source")
            .auto_shrink([false, false]);
        if let Some(line) = self.scroll_to.take() {
            let spacing = ui.spacing().item_spacing.y;
            area = area
                .vertical_scroll_offset((line.saturating_sub(3)) as f32 * (row_height + spacing));
        }
        let highlight_fill = ui.visuals().selection.bg_fill;
        area.show_rows(ui, row_height, self.lines.len(), |ui, range| {
            for i in range {
                let text = egui::RichText::new(format!("{:>gutter$}  {}", i + 1, self.lines[i]))
                    .monospace();
                let text = if self.highlight.binary_search(&i).is_ok() {
                    text.background_color(highlight_fill)
                } else {
                    text
                };
                ui.add(egui::Label::new(text).extend().selectable(true));
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workers::browser::SourceCharset;

    #[test]
    fn lines_are_decoded_as_the_page_was_and_found() {
        let source = PageSource {
            raw: Arc::new(b"<p>caf\xe9</p>\r\n<P>Two</P>\n".to_vec()),
            charset: SourceCharset::Web(encoding_rs::WINDOWS_1252),
        };
        let view = SourceView::new(&source);
        assert_eq!(view.lines[..2], ["<p>café</p>", "<P>Two</P>"]);
        assert_eq!(view.find("<p>"), [0, 1]);
        assert_eq!(view.charset, "windows-1252");
    }

    #[test]
    fn binary_is_a_hex_dump() {
        let source = PageSource {
            raw: Arc::new((0u8..20).collect()),
            charset: SourceCharset::Binary,
        };
        let view = SourceView::new(&source);
        assert_eq!(view.lines.len(), 2);
        assert!(
            view.lines[1].starts_with("00000010  10 11 12 13"),
            "{}",
            view.lines[1]
        );
    }
}
