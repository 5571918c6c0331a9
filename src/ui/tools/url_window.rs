//! The URL inspector: every part of a URL as Portolan reads it, updated as it is typed.

pub struct UrlWindow {
    pub open: bool,
    pub url: String,
    /// The parts of `url`, worked out when it changes.
    parts: Option<(String, Rows)>,
}

impl Default for UrlWindow {
    fn default() -> Self {
        UrlWindow {
            open: false,
            url: "gopher://gopher.floodgap.com:70/1/world".into(),
            parts: None,
        }
    }
}

/// `name`, `value` rows, or why the URL cannot be read.
type Rows = Result<Vec<(String, String)>, String>;

/// The parts as rows, nested values (query pairs) flattened to `name.key`.
fn rows(url: &str) -> Rows {
    let parts = crate::link_parts::parts(url).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    if let Some(map) = parts.as_object() {
        for (k, v) in map {
            flatten(k, v, &mut out);
        }
    }
    Ok(out)
}

fn flatten(key: &str, value: &serde_json::Value, out: &mut Vec<(String, String)>) {
    match value {
        serde_json::Value::String(s) => out.push((key.to_string(), s.clone())),
        serde_json::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                // Query pairs: `[name, value]`, shown as `query name = value`.
                if let Some(
                    [
                        serde_json::Value::String(name),
                        serde_json::Value::String(v),
                    ],
                ) = item.as_array().map(Vec::as_slice)
                {
                    out.push((format!("{key} {name}"), v.clone()));
                    continue;
                }
                flatten(&format!("{key}[{i}]"), item, out);
            }
        }
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                flatten(&format!("{key}.{k}"), v, out);
            }
        }
        other => out.push((key.to_string(), other.to_string())),
    }
}

/// The JSON key of a part in words (`host_typed` is "Host as typed").
fn label_for(key: &str) -> String {
    if let Some(name) = key.strip_prefix("query ") {
        return format!("Query: {name}");
    }
    match key {
        "url" => "Written back",
        "scheme" => "Scheme",
        "panel" => "Opens in",
        "host_typed" => "Host as typed",
        "port_typed" => "Port as typed",
        "user_typed" => "User as typed",
        "path_typed" => "Path as typed",
        "query_typed" => "Query as typed",
        "fragment" => "Fragment",
        "host" => "Host (IDNA)",
        "host_unicode" => "Host (Unicode)",
        "port" => "Port",
        "user" => "User",
        "has_password" => "Password given",
        "path" => "Path (decoded)",
        "item_type" => "Gopher item type",
        "selector" => "Selector",
        "search" => "Search words",
        "group" => "Group",
        "article" => "Article",
        "message_id" => "Message-ID",
        "tls" => "TLS",
        "to" => "To",
        "subject" => "Subject",
        "body" => "Body",
        other => return other.to_string(),
    }
    .to_string()
}

impl UrlWindow {
    pub fn show(&mut self, ctx: &egui::Context) {
        let mut open = self.open;
        egui::Window::new("URL inspector")
            .open(&mut open)
            .default_pos(egui::pos2(200.0, 140.0))
            .default_width(560.0)
            .show(ctx, |ui| {
                ui.horizontal(|ui| {
                    let l = ui.label("URL to inspect:");
                    ui.add(egui::TextEdit::singleline(&mut self.url).desired_width(440.0))
                        .labelled_by(l.id);
                });
                if self.parts.as_ref().is_none_or(|(u, _)| *u != self.url) {
                    self.parts = Some((self.url.clone(), rows(self.url.trim())));
                }
                match self.parts.as_ref().map(|(_, r)| r) {
                    Some(Ok(rows)) => {
                        egui::Grid::new("url-parts")
                            .striped(true)
                            .num_columns(2)
                            .show(ui, |ui| {
                                for (k, v) in rows {
                                    ui.strong(label_for(k)).on_hover_text(k);
                                    ui.add(
                                        egui::Label::new(egui::RichText::new(v).monospace())
                                            .selectable(true),
                                    );
                                    ui.end_row();
                                }
                            });
                    }
                    Some(Err(e)) => {
                        ui.colored_label(ui.visuals().error_fg_color, e);
                    }
                    None => {}
                }
                ui.weak("The same reading as the command line's portolan url (hover a name for its JSON key).");
            });
        self.open = open;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_pairs_flatten_to_indexed_rows() {
        let rows = rows("http://example.org/a?x=1&y=%41").expect("parts");
        assert!(rows.iter().any(|(k, _)| k == "scheme"), "{rows:?}");
        assert!(
            rows.iter().any(|(k, v)| k == "query y" && v == "A"),
            "{rows:?}"
        );
    }

    #[test]
    fn a_bad_url_is_an_error_row() {
        assert!(rows("no scheme here").is_err());
    }
}
