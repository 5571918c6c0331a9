//! A document (HTML or text) as a virtualized list of lines.

use egui::text::LayoutJob;
use egui::{FontId, ScrollArea, TextFormat};

use super::LinkClick;
use crate::document::{DocLine, Document, Span, heading_level, heading_scale};
use crate::link::Link;

/// Scroll and highlight state the tab keeps for its document.
#[derive(Debug, Default, Clone)]
pub struct DocumentViewState {
    pub scroll_to: Option<usize>,
    pub highlight: Vec<usize>,
    /// Where each line starts, for documents with headings (rows of several heights),
    /// computed once per document and row height, not every frame.
    rows: Option<RowOffsets>,
}

#[derive(Debug, Clone)]
struct RowOffsets {
    /// Which document and row height these are for.
    key: (usize, usize, u32),
    /// The top of each line, and the end of the last one.
    tops: Vec<f32>,
}

impl RowOffsets {
    fn new(doc: &Document, row_height: f32, spacing: f32) -> RowOffsets {
        let mut tops = Vec::with_capacity(doc.lines.len() + 1);
        let mut y = 0.0;
        for line in &doc.lines {
            tops.push(y);
            y += line_height(line, row_height) + spacing;
        }
        tops.push(y);
        RowOffsets {
            key: key_of(doc, row_height),
            tops,
        }
    }
}

fn key_of(doc: &Document, row_height: f32) -> (usize, usize, u32) {
    (
        doc.lines.as_ptr() as usize,
        doc.lines.len(),
        row_height.to_bits(),
    )
}

/// A heading's row is as much taller as its font is larger.
fn line_height(line: &DocLine, row_height: f32) -> f32 {
    (row_height * heading_scale(heading_level(line))).ceil()
}

/// Draws the document; returns the link the user clicked, if any.
pub fn show(ui: &mut egui::Ui, doc: &Document, state: &mut DocumentViewState) -> Option<LinkClick> {
    let style = if doc.monospace {
        egui::TextStyle::Monospace
    } else {
        egui::TextStyle::Body
    };
    let row_height = ui.text_style_height(&style).max(16.0);
    // Text and art are drawn line against line, as in a terminal, so box drawings connect.
    if doc.monospace {
        ui.spacing_mut().item_spacing.y = 0.0;
    }
    let spacing = ui.spacing().item_spacing.y;
    let headings = !doc.monospace && doc.lines.iter().any(|l| heading_level(l) > 0);
    let mut area = ScrollArea::both()
        .auto_shrink([false, false])
        .id_salt("document");
    if !headings {
        if let Some(row) = state.scroll_to.take() {
            area =
                area.vertical_scroll_offset((row as f32 * (row_height + spacing) - 40.0).max(0.0));
        }
        let mut clicked = None;
        area.show_rows(ui, row_height, doc.lines.len(), |ui, range| {
            for i in range {
                let line = &doc.lines[i];
                let highlighted = state.highlight.binary_search(&i).is_ok();
                if let Some(c) = show_line(ui, line, doc.monospace, highlighted, row_height) {
                    clicked = Some(c);
                }
            }
        });
        return clicked;
    }
    if state
        .rows
        .as_ref()
        .is_none_or(|r| r.key != key_of(doc, row_height))
    {
        state.rows = Some(RowOffsets::new(doc, row_height, spacing));
    }
    let Some(rows) = &state.rows else {
        return None;
    };
    if let Some(row) = state.scroll_to.take() {
        let top = rows.tops.get(row).copied().unwrap_or(0.0);
        area = area.vertical_scroll_offset((top - 40.0).max(0.0));
    }
    let total = rows.tops.last().copied().unwrap_or(0.0);
    let mut clicked = None;
    area.show_viewport(ui, |ui, viewport| {
        ui.set_height(total);
        // The first line whose bottom is below the top of the view, then down to its end.
        let first = rows
            .tops
            .partition_point(|&top| top <= viewport.min.y)
            .saturating_sub(1);
        let origin = ui.min_rect().min;
        let mut widest: f32 = 0.0;
        let width = ui.available_width().max(viewport.width());
        for i in first..doc.lines.len() {
            let top = rows.tops[i];
            if top > viewport.max.y {
                break;
            }
            let line = &doc.lines[i];
            let height = line_height(line, row_height);
            let rect =
                egui::Rect::from_min_size(origin + egui::vec2(0.0, top), egui::vec2(width, height));
            let highlighted = state.highlight.binary_search(&i).is_ok();
            let mut child = ui.new_child(
                egui::UiBuilder::new()
                    .max_rect(rect)
                    .layout(egui::Layout::left_to_right(egui::Align::Center)),
            );
            if let Some(c) = show_line(&mut child, line, doc.monospace, highlighted, height) {
                clicked = Some(c);
            }
            widest = widest.max(child.min_rect().width());
        }
        // The rows are placed, not laid out in turn: the widest one sets how far the view
        // scrolls sideways.
        ui.set_min_width(widest);
    });
    clicked
}

fn show_line(
    ui: &mut egui::Ui,
    line: &DocLine,
    monospace: bool,
    highlighted: bool,
    row_height: f32,
) -> Option<LinkClick> {
    let has_links = line
        .spans
        .iter()
        .any(|s| s.link.is_some() || s.image.is_some());
    if !has_links {
        let mut job = LayoutJob::default();
        for span in &line.spans {
            append(ui, &mut job, span, monospace, highlighted);
        }
        if job.text.is_empty() {
            job.append(" ", 0.0, TextFormat::default());
        }
        ui.add(egui::Label::new(job).extend());
        return None;
    }
    let mut clicked = None;
    ui.horizontal(|ui| {
        ui.set_height(row_height);
        ui.spacing_mut().item_spacing.x = 0.0;
        for span in &line.spans {
            let target = span.link.as_deref().or(span.image.as_deref());
            let mut job = LayoutJob::default();
            let text_span = if span.image.is_some() && span.link.is_none() {
                let label = if span.text.trim().is_empty() {
                    "image".to_string()
                } else {
                    span.text.clone()
                };
                Span {
                    text: format!("[🖼 {label}]"),
                    ..span.clone()
                }
            } else {
                span.clone()
            };
            append(ui, &mut job, &text_span, monospace, highlighted);
            match target {
                Some(url) => {
                    let response = ui.add(egui::Link::new(job)).on_hover_text(url);
                    if response.clicked() || response.middle_clicked() {
                        clicked = Some(match Link::parse(url) {
                            Ok(link) if response.middle_clicked() => LinkClick::OpenInNewTab(link),
                            Ok(link) => LinkClick::Open(link),
                            Err(_) => LinkClick::Invalid(url.to_string()),
                        });
                    }
                }
                None => {
                    ui.add(egui::Label::new(job).extend());
                }
            }
        }
    });
    clicked
}

fn append(ui: &egui::Ui, job: &mut LayoutJob, span: &Span, monospace: bool, highlighted: bool) {
    job.append(
        &span.text,
        0.0,
        span_format(ui.style(), span, monospace, highlighted),
    );
}

/// How a span looks: the mapping from document styles to egui text formats.
pub fn span_format(
    style: &egui::Style,
    span: &Span,
    monospace: bool,
    highlighted: bool,
) -> TextFormat {
    let visuals = &style.visuals;
    let mono = monospace || span.style.code || span.style.preformat;
    let font_id = if mono {
        egui::TextStyle::Monospace.resolve(style)
    } else {
        // Headings by level: larger, in the strong text colour, never in the link colour.
        FontId::proportional(
            egui::TextStyle::Body.resolve(style).size * heading_scale(span.style.heading),
        )
    };
    let color = if span.style.heading > 0 || span.style.strong {
        visuals.strong_text_color()
    } else if span.style.quote {
        visuals.weak_text_color()
    } else {
        visuals.text_color()
    };
    let mut format = TextFormat {
        font_id,
        color,
        italics: span.style.emphasis,
        ..TextFormat::default()
    };
    if span.style.strike {
        format.strikethrough = egui::Stroke::new(1.0, color);
    }
    if span.style.code && !monospace {
        format.background = visuals.code_bg_color;
    }
    if highlighted {
        format.background = visuals.selection.bg_fill;
    }
    if span.link.is_some() || span.image.is_some() {
        format.color = visuals.hyperlink_color;
        format.underline = egui::Stroke::new(1.0, visuals.hyperlink_color);
    }
    format
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::SpanStyle;

    fn span(style: SpanStyle, link: Option<&str>) -> Span {
        Span {
            text: "x".into(),
            style,
            link: link.map(str::to_string),
            image: None,
        }
    }

    #[test]
    fn styles_map_to_text_formats() {
        let style = egui::Style::default();
        let v = &style.visuals;
        let plain = span_format(&style, &span(SpanStyle::default(), None), false, false);
        assert_eq!(plain.color, v.text_color());
        assert_eq!(plain.font_id.family, egui::FontFamily::Proportional);
        let strong = span_format(
            &style,
            &span(
                SpanStyle {
                    strong: true,
                    ..SpanStyle::default()
                },
                None,
            ),
            false,
            false,
        );
        assert_eq!(strong.color, v.strong_text_color());
        let em = span_format(
            &style,
            &span(
                SpanStyle {
                    emphasis: true,
                    ..SpanStyle::default()
                },
                None,
            ),
            false,
            false,
        );
        assert!(em.italics);
        let code = span_format(
            &style,
            &span(
                SpanStyle {
                    code: true,
                    ..SpanStyle::default()
                },
                None,
            ),
            false,
            false,
        );
        assert_eq!(code.font_id.family, egui::FontFamily::Monospace);
        assert_eq!(code.background, v.code_bg_color);
        let strike = span_format(
            &style,
            &span(
                SpanStyle {
                    strike: true,
                    ..SpanStyle::default()
                },
                None,
            ),
            false,
            false,
        );
        assert!(strike.strikethrough.width > 0.0);
        let heading = span_format(
            &style,
            &span(
                SpanStyle {
                    heading: 1,
                    ..SpanStyle::default()
                },
                None,
            ),
            false,
            false,
        );
        assert_eq!(heading.color, v.strong_text_color());
        assert_ne!(heading.color, v.hyperlink_color);
        let body_size = plain.font_id.size;
        assert!(heading.font_id.size > body_size * 1.5);
        let h3 = span_format(
            &style,
            &span(
                SpanStyle {
                    heading: 3,
                    ..SpanStyle::default()
                },
                None,
            ),
            false,
            false,
        );
        assert!(h3.font_id.size > body_size && h3.font_id.size < heading.font_id.size);
        let link = span_format(
            &style,
            &span(SpanStyle::default(), Some("http://h/")),
            false,
            false,
        );
        assert_eq!(link.color, v.hyperlink_color);
        assert!(link.underline.width > 0.0);
        let found = span_format(&style, &span(SpanStyle::default(), None), false, true);
        assert_eq!(found.background, v.selection.bg_fill);
        let text = span_format(&style, &span(SpanStyle::default(), None), true, false);
        assert_eq!(text.font_id.family, egui::FontFamily::Monospace);
    }
}
