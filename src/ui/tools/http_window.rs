//! The HTTP request window: a method, a URL, headers and a body (typed, or a file's bytes),
//! sent through the Browser's client and trust; the answer's status, headers, timing and
//! body, indented when it is JSON or XML.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use poll_promise::Promise;

use super::{TrustRetry, spawn};
use crate::proto::http::{self, HttpClient, HttpError, Request, ResponseHead};
use crate::workers::Services;

const METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// Largest answer the window holds: a tool for looking at replies, not for downloads.
const MAX_RESPONSE: u64 = 32 << 20;
/// Largest body sent from a file.
const MAX_UPLOAD: u64 = 256 << 20;
/// Characters of the body shown; the rest is counted, not drawn.
const MAX_SHOWN: usize = 1 << 20;

/// One answer, as the window shows it.
pub struct Exchange {
    pub head: ResponseHead,
    pub to_head: Duration,
    pub total: Duration,
    pub body_len: usize,
    /// The body as text, indented when it is JSON or XML, at most [`MAX_SHOWN`] characters.
    pub shown: String,
    pub cut: bool,
}

pub struct HttpWindow {
    pub open: bool,
    method: String,
    pub url: String,
    headers: String,
    body: String,
    body_file: Option<PathBuf>,
    picking: Option<Promise<Option<PathBuf>>>,
    running: Option<Promise<Result<Exchange, HttpError>>>,
    result: Option<Exchange>,
    error: Option<String>,
    pub(super) trust: TrustRetry,
}

impl Default for HttpWindow {
    fn default() -> Self {
        HttpWindow {
            open: false,
            method: "GET".into(),
            url: "http://".into(),
            headers: String::new(),
            body: String::new(),
            body_file: None,
            picking: None,
            running: None,
            result: None,
            error: None,
            trust: TrustRetry::default(),
        }
    }
}

/// `Name: value` lines to pairs; blank lines are skipped.
fn parse_headers(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let (name, value) = line
            .split_once(':')
            .filter(|(name, _)| {
                !name.trim().is_empty()
                    && name
                        .trim()
                        .bytes()
                        .all(|b| b.is_ascii_graphic() && b != b':')
            })
            .ok_or_else(|| format!("header line {} is not Name: value", n + 1))?;
        out.push((name.trim().to_string(), value.trim().to_string()));
    }
    Ok(out)
}

impl HttpWindow {
    pub fn show(&mut self, ctx: &egui::Context, services: &Services) {
        if let Some(done) = self.running.take_if(|p| p.ready().is_some()) {
            match done.block_and_take() {
                Ok(exchange) => {
                    self.result = Some(exchange);
                    self.error = None;
                }
                Err(HttpError::Untrusted(r)) => {
                    self.error = Some(self.trust.met(r));
                }
                Err(e) => self.error = Some(e.to_string()),
            }
        }
        if let Some(picked) = self.picking.take_if(|p| p.ready().is_some())
            && let Some(path) = picked.block_and_take()
        {
            self.body_file = Some(path);
        }
        if self.trust.due() {
            self.start(ctx, services);
        }
        let mut open = self.open;
        egui::Window::new("HTTP request")
            .open(&mut open)
            .default_pos(egui::pos2(160.0, 100.0))
            .default_width(640.0)
            .default_height(520.0)
            .show(ctx, |ui| self.ui(ui, ctx, services));
        self.open = open;
    }

    fn ui(&mut self, ui: &mut egui::Ui, ctx: &egui::Context, services: &Services) {
        let mut go = false;
        ui.horizontal(|ui| {
            let l = ui.label("Method:");
            egui::ComboBox::from_id_salt("http-method")
                .selected_text(self.method.as_str())
                .show_ui(ui, |ui| {
                    for m in METHODS {
                        ui.selectable_value(&mut self.method, m.to_string(), m);
                    }
                })
                .response
                .labelled_by(l.id);
            let l = ui.label("Request URL:");
            let r = ui
                .add(egui::TextEdit::singleline(&mut self.url).desired_width(380.0))
                .labelled_by(l.id);
            go |= r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            let busy = self.running.is_some();
            go |= ui.add_enabled(!busy, egui::Button::new("Send")).clicked();
            if busy {
                ui.spinner();
            }
        });
        egui::CollapsingHeader::new("Headers and body")
            .default_open(true)
            .show(ui, |ui| {
                let l = ui.label("Request headers (one Name: value a line):");
                ui.add(
                    egui::TextEdit::multiline(&mut self.headers)
                        .desired_rows(2)
                        .desired_width(f32::INFINITY)
                        .font(egui::TextStyle::Monospace),
                )
                .labelled_by(l.id);
                ui.horizontal(|ui| {
                    let l = ui.label("Request body:");
                    if let Some(path) = &self.body_file {
                        ui.label(format!("the bytes of {}", path.display()));
                        if ui
                            .small_button("✖")
                            .on_hover_text("Send the typed text instead")
                            .clicked()
                        {
                            self.body_file = None;
                        }
                    } else {
                        ui.add(
                            egui::TextEdit::multiline(&mut self.body)
                                .desired_rows(3)
                                .desired_width(420.0)
                                .font(egui::TextStyle::Monospace),
                        )
                        .labelled_by(l.id);
                    }
                    if ui.button("Body from file…").clicked() && self.picking.is_none() {
                        self.picking = Some(Promise::spawn_thread("http body file", || {
                            rfd::FileDialog::new()
                                .set_title("Send which file as the body?")
                                .pick_file()
                        }));
                    }
                });
            });
        if go && self.running.is_none() {
            self.start(ctx, services);
        }
        if let Some(e) = &self.error {
            ui.colored_label(ui.visuals().error_fg_color, e);
        }
        if let Some(x) = &self.result {
            ui.separator();
            ui.label(
                egui::RichText::new(format!(
                    "{} {} {}",
                    x.head.version, x.head.status, x.head.reason
                ))
                .strong(),
            );
            ui.label(format!(
                "{:.1} ms to the headers, {:.1} ms in all · {} bytes{}",
                x.to_head.as_secs_f64() * 1000.0,
                x.total.as_secs_f64() * 1000.0,
                x.body_len,
                if x.head.url.as_str() == self.url.trim() {
                    String::new()
                } else {
                    format!(" · from {}", x.head.url)
                }
            ));
            egui::CollapsingHeader::new(format!("Response headers ({})", x.head.headers.len()))
                .show(ui, |ui| {
                    egui::Grid::new("http-response-headers")
                        .striped(true)
                        .show(ui, |ui| {
                            for (k, v) in &x.head.headers {
                                ui.strong(k);
                                ui.add(egui::Label::new(v).selectable(true));
                                ui.end_row();
                            }
                        });
                });
            if x.cut {
                ui.weak(format!("The first {MAX_SHOWN} characters are shown."));
            }
            egui::ScrollArea::both()
                .id_salt("http-response-body")
                .auto_shrink([false, false])
                .show(ui, |ui| {
                    let mut shown = x.shown.as_str();
                    ui.add(
                        egui::TextEdit::multiline(&mut shown)
                            .font(egui::TextStyle::Monospace)
                            .desired_width(f32::INFINITY),
                    )
                    .on_hover_text("The response body");
                });
        }
    }

    fn start(&mut self, ctx: &egui::Context, services: &Services) {
        let url = match url::Url::parse(self.url.trim()) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => u,
            Ok(u) => {
                self.error = Some(format!(
                    "{} is not http:// or https://; open it in the Browser instead",
                    u.scheme()
                ));
                return;
            }
            Err(e) => {
                self.error = Some(format!("{:?} is not a URL: {e}", self.url.trim()));
                return;
            }
        };
        let headers = match parse_headers(&self.headers) {
            Ok(h) => h,
            Err(e) => {
                self.error = Some(e);
                return;
            }
        };
        let typed_body = (!self.body.is_empty()).then(|| self.body.clone().into_bytes());
        let file = self.body_file.clone();
        let method = self.method.clone();
        let client = services.http.clone();
        let limits = crate::proto::net::Limits {
            max_body: MAX_RESPONSE,
            ..services.limits
        };
        self.error = None;
        self.running = Some(spawn(services, ctx, async move {
            let body = match file {
                Some(path) => Some(read_file(&path).await?),
                None => typed_body,
            };
            let request = Request {
                method,
                url,
                headers,
                body,
            };
            let started = Instant::now();
            let (head, response) = client.send(&request).await?;
            let to_head = started.elapsed();
            let bytes = HttpClient::read_body(&head, response, &limits).await?;
            let total = started.elapsed();
            let text = http::decode_text(&bytes, head.charset.as_deref());
            let mut shown = super::pretty::pretty(&text, head.media_type.as_deref());
            let cut = shown.len() > MAX_SHOWN;
            if cut {
                let mut end = MAX_SHOWN;
                while !shown.is_char_boundary(end) {
                    end -= 1;
                }
                shown.truncate(end);
            }
            Ok(Exchange {
                head,
                to_head,
                total,
                body_len: bytes.len(),
                shown,
                cut,
            })
        }));
    }
}

async fn read_file(path: &std::path::Path) -> Result<Vec<u8>, HttpError> {
    let too_big = |len: u64| {
        HttpError::Setup(format!(
            "{} is {len} bytes; the HTTP tool sends at most {MAX_UPLOAD} bytes",
            path.display()
        ))
    };
    let unreadable =
        |e: std::io::Error| HttpError::Setup(format!("cannot read {}: {e}", path.display()));
    let meta = tokio::fs::metadata(path).await.map_err(unreadable)?;
    if meta.len() > MAX_UPLOAD {
        return Err(too_big(meta.len()));
    }
    tokio::fs::read(path).await.map_err(unreadable)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_parse_and_bad_lines_are_named() {
        assert_eq!(
            parse_headers("Accept: text/xml\n\nX-A:  b c \n"),
            Ok(vec![
                ("Accept".into(), "text/xml".into()),
                ("X-A".into(), "b c".into())
            ])
        );
        assert_eq!(
            parse_headers("Accept text\n"),
            Err("header line 1 is not Name: value".into())
        );
        assert!(parse_headers("Bad Name: x").is_err());
    }
}
