//! Response bodies made readable: JSON and XML re-indented, anything else as received.

use quick_xml::events::Event;

/// Largest body re-indented; a larger one is shown as received, since indenting it would
/// cost a frame's worth of time many times over and a person reads the start anyway.
const MAX_PRETTY: usize = 4 << 20;

/// The body as text to show: indented when it is JSON or XML (by media type, or by its
/// first character when the type says nothing useful), else as it is.
pub fn pretty(text: &str, media_type: Option<&str>) -> String {
    if text.len() > MAX_PRETTY {
        return text.to_string();
    }
    let media = media_type.unwrap_or_default();
    let start = text.trim_start().chars().next();
    let json_like = media.contains("json") || matches!(start, Some('{' | '['));
    let xml_like = media.contains("xml") || (start == Some('<') && !media.contains("html"));
    if json_like && let Some(p) = pretty_json(text) {
        return p;
    }
    if xml_like && let Some(p) = pretty_xml(text) {
        return p;
    }
    text.to_string()
}

fn pretty_json(text: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    serde_json::to_string_pretty(&value).ok()
}

/// Re-indents well-formed XML; `None` for anything the reader refuses, which is then shown as
/// received.
pub fn pretty_xml(text: &str) -> Option<String> {
    let mut reader = quick_xml::Reader::from_str(text);
    let mut writer = quick_xml::Writer::new_with_indent(Vec::new(), b' ', 2);
    loop {
        match reader.read_event().ok()? {
            Event::Eof => break,
            // The indentation between elements is replaced; text next to an entity keeps its
            // spaces (the reader's own trimming would take them).
            Event::Text(t) if t.iter().all(u8::is_ascii_whitespace) => {}
            event => writer.write_event(event).ok()?,
        }
    }
    String::from_utf8(writer.into_inner()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_indented() {
        assert_eq!(
            pretty(r#"{"a":[1,2]}"#, Some("application/json")),
            "{\n  \"a\": [\n    1,\n    2\n  ]\n}"
        );
    }

    #[test]
    fn xml_is_indented_and_entities_kept() {
        let p = pretty("<a><b>x &amp; y</b><c/></a>", Some("text/xml"));
        assert_eq!(p, "<a>\n  <b>x &amp; y</b>\n  <c/>\n</a>");
    }

    #[test]
    fn broken_or_other_bodies_are_shown_as_received() {
        assert_eq!(pretty("{\"a\":", Some("application/json")), "{\"a\":");
        assert_eq!(pretty("<a><b></a>", Some("text/xml")), "<a><b></a>");
        assert_eq!(pretty("<p>hi</p>", Some("text/html")), "<p>hi</p>");
        assert_eq!(pretty("plain", None), "plain");
    }
}
