//! A document (HTML or text) as a virtualized list of lines.

use egui::text::LayoutJob;
use egui::{FontId, ScrollArea, TextFormat};

use super::LinkClick;
use crate::document::{DocLine, Document, Span};
use crate::link::Link;

/// Scroll and highlight state the tab keeps for its document.
#[derive(Debug, Default, Clone)]
pub struct DocumentViewState {
    pub scroll_to: Option<usize>,
    pub highlight: Vec<usize>,
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
    let mut area = ScrollArea::both()
        .auto_shrink([false, false])
        .id_salt("document");
    if let Some(row) = state.scroll_to.take() {
        area = area.vertical_scroll_offset((row as f32 * (row_height + spacing) - 40.0).max(0.0));
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
        FontId::proportional(egui::TextStyle::Body.resolve(style).size)
    };
    let mut color = if span.style.heading > 0 || span.style.strong {
        visuals.strong_text_color()
    } else if span.style.quote {
        visuals.weak_text_color()
    } else {
        visuals.text_color()
    };
    if span.style.heading > 0 {
        color = visuals
            .hyperlink_color
            .lerp_to_gamma(visuals.strong_text_color(), 0.5);
    }
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
        assert_ne!(heading.color, v.text_color());
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
