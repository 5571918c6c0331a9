//! What the Browser shows: a document of styled lines, built from HTML or plain text.
//!
//! Pure data, so it is built in a worker and tested without a window; the UI turns each line
//! into an egui `LayoutJob` only when the line scrolls into view.

use url::Url;

mod readable;

/// Style bits of a span.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SpanStyle {
    pub strong: bool,
    pub emphasis: bool,
    pub code: bool,
    pub preformat: bool,
    pub strike: bool,
    /// 1..=6 for headings, 0 otherwise.
    pub heading: u8,
    pub quote: bool,
}

/// A run of text with one style, maybe a link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub text: String,
    pub style: SpanStyle,
    /// Absolute URL of a link.
    pub link: Option<String>,
    /// Absolute URL of an image whose alt text this is.
    pub image: Option<String>,
}

/// One line of a document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocLine {
    pub spans: Vec<Span>,
}

impl DocLine {
    pub fn text(&self) -> String {
        self.spans.iter().map(|s| s.text.as_str()).collect()
    }
}

/// A document ready to show.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Document {
    pub title: String,
    pub lines: Vec<DocLine>,
    /// Plain text is shown in a monospace font, byte-faithful.
    pub monospace: bool,
}

impl Document {
    /// Plain text: one span per line, tabs expanded, CR dropped.
    pub fn from_text(text: &str) -> Document {
        let lines = text
            .split('\n')
            .map(|l| {
                let l = l.strip_suffix('\r').unwrap_or(l);
                DocLine {
                    spans: vec![Span {
                        text: expand_tabs(l),
                        style: SpanStyle {
                            preformat: true,
                            ..SpanStyle::default()
                        },
                        link: None,
                        image: None,
                    }],
                }
            })
            .collect::<Vec<_>>();
        let mut doc = Document {
            title: String::new(),
            lines,
            monospace: true,
        };
        if doc.lines.last().is_some_and(|l| l.text().is_empty()) {
            doc.lines.pop();
        }
        doc
    }

    /// HTML rendered as rich text wrapped at `width` columns; links resolved against `base`.
    /// No scripts, styles or remote resources are loaded: images become clickable alt text.
    pub fn from_html(html: &str, base: &Url, width: usize) -> Document {
        use html2text::render::RichAnnotation as A;
        let width = width.clamp(20, 400);
        let config = html2text::config::rich().no_link_wrapping();
        let rendered = config.parse_html(html.as_bytes()).and_then(|dom| {
            readable::prepare(&dom);
            let tree = config.dom_to_render_tree(&dom)?;
            config.render_to_lines(tree, width)
        });
        let lines = match rendered {
            Ok(lines) => lines,
            Err(e) => {
                return Document::from_text(&format!("This page could not be rendered: {e}"));
            }
        };
        let mut out = Vec::with_capacity(lines.len());
        for line in lines {
            let mut doc_line = DocLine::default();
            for piece in line.tagged_strings() {
                let mut style = SpanStyle::default();
                let mut link = None;
                let mut image = None;
                for ann in &piece.tag {
                    match ann {
                        A::Strong => style.strong = true,
                        A::Emphasis => style.emphasis = true,
                        A::Code => style.code = true,
                        A::Preformat(_) => style.preformat = true,
                        A::Strikeout => style.strike = true,
                        A::Link(href) => link = resolve(base, href),
                        A::Image(src) => image = resolve(base, src),
                        _ => {}
                    }
                }
                doc_line.spans.push(Span {
                    text: piece.s.clone(),
                    style,
                    link,
                    image,
                });
            }
            mark_block_style(&mut doc_line);
            out.push(doc_line);
        }
        let out = rewrap_headings(out, width);
        Document {
            title: html_title(html).unwrap_or_default(),
            lines: out,
            monospace: false,
        }
    }

    /// Lines that contain `needle` (case-insensitive), for find in page.
    pub fn find(&self, needle: &str) -> Vec<usize> {
        if needle.is_empty() {
            return Vec::new();
        }
        let needle = needle.to_lowercase();
        self.lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.text().to_lowercase().contains(&needle))
            .map(|(i, _)| i)
            .collect()
    }

    /// Every link in order, for the keyboard and for tests.
    pub fn links(&self) -> impl Iterator<Item = (&str, &str)> {
        self.lines.iter().flat_map(|l| {
            l.spans
                .iter()
                .filter_map(|s| s.link.as_deref().map(|u| (s.text.as_str(), u)))
        })
    }
}

/// How much larger than body text a heading of `level` is drawn (1.0 for body text). The
/// view sizes its rows by it and the model wraps headings to fit.
pub fn heading_scale(level: u8) -> f32 {
    match level {
        1 => 1.6,
        2 => 1.4,
        3 => 1.2,
        4 => 1.1,
        _ => 1.0,
    }
}

/// The heading level of a line (0 for body text): every span of a heading line has it.
pub fn heading_level(line: &DocLine) -> u8 {
    line.spans.first().map_or(0, |s| s.style.heading)
}

/// Headings are drawn larger than body text, so a heading wrapped at the body's width would
/// run off the side: each run of heading lines is wrapped again at the width its size allows.
fn rewrap_headings(lines: Vec<DocLine>, width: usize) -> Vec<DocLine> {
    let mut out = Vec::with_capacity(lines.len());
    let mut run: Vec<DocLine> = Vec::new();
    let flush = |run: &mut Vec<DocLine>, out: &mut Vec<DocLine>| {
        if let Some(level) = run.first().map(heading_level) {
            let fits = (width as f32 / heading_scale(level)).floor().max(10.0) as usize;
            out.extend(wrap_words(run.drain(..).flat_map(|l| l.spans), fits));
        }
    };
    for line in lines {
        let level = heading_level(&line);
        if level == 0 || run.first().is_some_and(|r| heading_level(r) != level) {
            flush(&mut run, &mut out);
        }
        if level == 0 {
            out.push(line);
        } else {
            run.push(line);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// Fills lines of at most `width` characters with the words of `spans`, keeping each word's
/// style and link; a word longer than a line gets a line of its own.
fn wrap_words(spans: impl Iterator<Item = Span>, width: usize) -> Vec<DocLine> {
    let mut lines = vec![DocLine::default()];
    let mut used = 0usize;
    for span in spans {
        for word in span.text.split_whitespace() {
            let len = word.chars().count();
            if used > 0 && used + 1 + len > width {
                lines.push(DocLine::default());
                used = 0;
            }
            let Some(line) = lines.last_mut() else { break };
            let text = if used == 0 {
                word.to_string()
            } else {
                format!(" {word}")
            };
            used += text.chars().count();
            match line.spans.last_mut() {
                Some(last)
                    if last.style == span.style
                        && last.link == span.link
                        && last.image == span.image =>
                {
                    last.text.push_str(&text);
                }
                _ => line.spans.push(Span {
                    text,
                    ..span.clone()
                }),
            }
        }
    }
    lines.retain(|l| !l.spans.is_empty());
    lines
}

/// html2text writes headings as `# Title` and quotes as `> text`: style those lines. Tables
/// come as text columns drawn with box-drawing characters: those lines are set in monospace
/// so the columns line up.
fn mark_block_style(line: &mut DocLine) {
    let text = line.text();
    if text.chars().any(|c| ('\u{2500}'..='\u{257F}').contains(&c)) {
        for s in &mut line.spans {
            s.style.preformat = true;
        }
    }
    let hashes = text.chars().take_while(|c| *c == '#').count();
    if (1..=6).contains(&hashes) && text[hashes..].starts_with(' ') {
        for s in &mut line.spans {
            s.style.heading = u8::try_from(hashes).unwrap_or(1);
        }
        // The style shows it is a heading; the `# ` marker would only be noise.
        strip_prefix_chars(line, hashes + 1);
    } else if text.starts_with("* ") {
        if let Some(first) = line.spans.first_mut()
            && let Some(tail) = first.text.strip_prefix("* ")
        {
            first.text = format!("• {tail}");
        }
    } else if text.starts_with("> ") || text == ">" {
        for s in &mut line.spans {
            s.style.quote = true;
        }
    }
}

/// Removes the first `n` characters of a line, across spans.
fn strip_prefix_chars(line: &mut DocLine, mut n: usize) {
    for span in &mut line.spans {
        if n == 0 {
            break;
        }
        let count = span.text.chars().count();
        if count <= n {
            n -= count;
            span.text.clear();
        } else {
            span.text = span.text.chars().skip(n).collect();
            n = 0;
        }
    }
    line.spans.retain(|s| !s.text.is_empty());
}

fn resolve(base: &Url, href: &str) -> Option<String> {
    let href = href.trim();
    if href.is_empty() || href.to_ascii_lowercase().starts_with("javascript:") {
        return None;
    }
    base.join(href).ok().map(|u| u.to_string())
}

fn html_title(html: &str) -> Option<String> {
    let head = &html[..html.len().min(64 * 1024)];
    let lower = head.to_ascii_lowercase();
    let start = lower.find("<title")?;
    let open_end = lower[start..].find('>')? + start + 1;
    let end = lower[open_end..].find("</title")? + open_end;
    let raw = head.get(open_end..end)?;
    let text = html2text::config::plain()
        .string_from_read(raw.as_bytes(), 1000)
        .unwrap_or_else(|_| raw.to_string());
    let t = text.split_whitespace().collect::<Vec<_>>().join(" ");
    (!t.is_empty()).then_some(t)
}

fn expand_tabs(line: &str) -> String {
    if !line.contains('\t') {
        return line.to_string();
    }
    let mut out = String::with_capacity(line.len() + 8);
    let mut col = 0;
    for c in line.chars() {
        if c == '\t' {
            let n = 8 - col % 8;
            out.extend(std::iter::repeat_n(' ', n));
            col += n;
        } else {
            out.push(c);
            col += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("http://127.0.0.1:8080/dir/page.html").expect("url")
    }

    #[test]
    fn html_maps_to_styled_lines() {
        let html = r#"<html><head><title> The  Title </title><script>alert(1)</script></head><body>
<h1>Heading</h1>
<p>Some <b>bold</b> and <i>italic</i> and <code>code</code>.</p>
<ul><li>one</li><li>two</li></ul>
<blockquote>quoted</blockquote>
<pre>pre  formatted</pre>
<p><a href="other.html">a link</a> <a href="javascript:x()">js</a> <img src="/p.png" alt="pic"></p>
<table><tr><td>A</td><td>B</td></tr></table>
</body></html>"#;
        let doc = Document::from_html(html, &base(), 80);
        assert_eq!(doc.title, "The Title");
        let text: Vec<String> = doc.lines.iter().map(DocLine::text).collect();
        let all = text.join("\n");
        assert!(!all.contains("alert"), "{all}");
        let heading = doc
            .lines
            .iter()
            .find(|l| l.text().contains("Heading"))
            .expect("h1");
        assert_eq!(heading.spans[0].style.heading, 1);
        let spans: Vec<&Span> = doc.lines.iter().flat_map(|l| &l.spans).collect();
        assert!(spans.iter().any(|s| s.text == "bold" && s.style.strong));
        assert!(spans.iter().any(|s| s.text == "italic" && s.style.emphasis));
        assert!(
            spans
                .iter()
                .any(|s| s.text.contains("code") && s.style.code)
        );
        assert!(
            spans
                .iter()
                .any(|s| s.text.contains("pre  formatted") && s.style.preformat)
        );
        assert!(doc.lines.iter().any(|l| l.text() == "• one"), "{all}");
        assert_eq!(heading.text(), "Heading");
        assert!(
            doc.lines
                .iter()
                .any(|l| l.spans.iter().all(|s| s.style.quote) && l.text().contains("quoted"))
        );
        let links: Vec<(&str, &str)> = doc.links().collect();
        assert_eq!(
            links,
            vec![("a link", "http://127.0.0.1:8080/dir/other.html")]
        );
        assert!(
            spans
                .iter()
                .any(|s| s.image.as_deref() == Some("http://127.0.0.1:8080/p.png"))
        );
        assert!(all.contains('A') && all.contains('B'));
        let table_line = doc
            .lines
            .iter()
            .find(|l| l.text().contains('A') && l.text().contains('B'))
            .expect("table row");
        assert!(
            table_line.spans.iter().all(|s| s.style.preformat),
            "tables are monospace"
        );
    }

    /// Elements a browser hides are left out; `<main>` comes before the navigation.
    #[test]
    fn hidden_content_is_left_out_and_main_comes_first() {
        let html = r#"<html><body>
<nav><a href="/">Home</a></nav>
<div id="help" hidden><h2>Keyboard shortcuts</h2></div>
<div aria-hidden="true">decorative</div>
<div aria-hidden="false">shown aria</div>
<p style="color: red; DISPLAY : None">inline hidden</p>
<p style="display:block">inline shown</p>
<template><p>template content</p></template>
<main><h1>The real title</h1><p>Body.</p></main>
<footer>foot</footer>
</body></html>"#;
        let doc = Document::from_html(html, &base(), 80);
        let text: Vec<String> = doc.lines.iter().map(DocLine::text).collect();
        let all = text.join("\n");
        for gone in [
            "Keyboard shortcuts",
            "decorative",
            "inline hidden",
            "template content",
        ] {
            assert!(!all.contains(gone), "{gone} shown: {all}");
        }
        for kept in ["shown aria", "inline shown", "Home", "foot"] {
            assert!(all.contains(kept), "{kept} missing: {all}");
        }
        let first = text
            .iter()
            .position(|l| !l.trim().is_empty())
            .expect("text");
        assert_eq!(text[first], "The real title", "{all}");
        assert!(all.find("Body.") < all.find("Home"), "{all}");
        // An article stands in for a missing main.
        let doc = Document::from_html(
            "<body><nav>menu</nav><article><p>story</p></article></body>",
            &base(),
            80,
        );
        let all: String = doc.lines.iter().map(DocLine::text).collect();
        assert!(all.find("story") < all.find("menu"), "{all}");
    }

    /// A long heading is wrapped for its larger size, keeps its level and its link.
    #[test]
    fn headings_are_wrapped_for_their_size() {
        let html = r#"<h1>A rather long first heading that needs more than one line</h1>
<h2><a href="s.html">Linked section</a></h2><p>body text that is long enough to fill a line</p>"#;
        let doc = Document::from_html(html, &base(), 40);
        let h1: Vec<&DocLine> = doc.lines.iter().filter(|l| heading_level(l) == 1).collect();
        assert!(h1.len() >= 2, "{h1:?}");
        let fits = (40.0 / heading_scale(1)) as usize;
        assert!(
            h1.iter().all(|l| l.text().chars().count() <= fits),
            "{h1:?}"
        );
        let joined: Vec<String> = h1.iter().map(|l| l.text()).collect();
        assert_eq!(
            joined.join(" "),
            "A rather long first heading that needs more than one line"
        );
        let h2 = doc
            .lines
            .iter()
            .find(|l| heading_level(l) == 2)
            .expect("h2");
        assert_eq!(
            h2.spans[0].link.as_deref(),
            Some("http://127.0.0.1:8080/dir/s.html")
        );
        assert!(
            doc.lines
                .iter()
                .any(|l| heading_level(l) == 0 && l.text().contains("body"))
        );
    }

    #[test]
    fn deeply_nested_html_still_renders() {
        let html = format!("{}deep{}", "<div>".repeat(5_000), "</div>".repeat(5_000));
        let doc = Document::from_html(&html, &base(), 80);
        assert!(!doc.lines.is_empty());
    }

    #[test]
    fn broken_html_still_renders() {
        let doc = Document::from_html("<p><b>unclosed <i>tags <a href=x>link", &base(), 60);
        assert!(doc.lines.iter().any(|l| l.text().contains("unclosed")));
        let doc = Document::from_html("\u{0}\u{1}<<<>>>&&&;", &base(), 60);
        assert!(!doc.lines.is_empty());
    }

    #[test]
    fn text_is_kept_as_is() {
        let doc = Document::from_text("a\tb\r\n  indented\r\n\r\nlast\n");
        let text: Vec<String> = doc.lines.iter().map(DocLine::text).collect();
        assert_eq!(text, vec!["a       b", "  indented", "", "last"]);
        assert!(doc.monospace);
    }

    #[test]
    fn find_is_case_insensitive() {
        let doc = Document::from_text("Apple\nbanana\npineAPPLE\n");
        assert_eq!(doc.find("apple"), vec![0, 2]);
        assert!(doc.find("").is_empty());
    }
}
