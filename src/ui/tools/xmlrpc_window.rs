//! The XML-RPC window: a URL, a method and typed parameters build the `methodCall`; the
//! answer, or the fault, is shown as a tree.

use std::time::{Duration, Instant};

use poll_promise::Promise;

use super::{TrustRetry, spawn};
use crate::proto::http::HttpError;
use crate::proto::xmlrpc::{self, CallError, Response, Value};
use crate::workers::Services;

/// The types a parameter can be given as, with the text prefix each is parsed under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    Int,
    Boolean,
    String,
    Double,
    DateTime,
    Base64,
    Struct,
    Array,
    Nil,
}

impl ParamKind {
    const ALL: [ParamKind; 9] = [
        ParamKind::String,
        ParamKind::Int,
        ParamKind::Boolean,
        ParamKind::Double,
        ParamKind::DateTime,
        ParamKind::Base64,
        ParamKind::Struct,
        ParamKind::Array,
        ParamKind::Nil,
    ];

    fn label(self) -> &'static str {
        match self {
            ParamKind::Int => "int",
            ParamKind::Boolean => "boolean",
            ParamKind::String => "string",
            ParamKind::Double => "double",
            ParamKind::DateTime => "dateTime.iso8601",
            ParamKind::Base64 => "base64",
            ParamKind::Struct => "struct (JSON)",
            ParamKind::Array => "array (JSON)",
            ParamKind::Nil => "nil",
        }
    }

    fn hint(self) -> &'static str {
        match self {
            ParamKind::Int => "42",
            ParamKind::Boolean => "1 or 0",
            ParamKind::String => "text",
            ParamKind::Double => "1.5",
            ParamKind::DateTime => "20261206T18:30:00",
            ParamKind::Base64 => "aGVsbG8=",
            ParamKind::Struct => "{\"name\": \"value\"}",
            ParamKind::Array => "[1, \"two\"]",
            ParamKind::Nil => "",
        }
    }
}

/// One parameter row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    pub kind: ParamKind,
    pub text: String,
}

impl Param {
    /// The value, or why the text is not one of its type.
    pub fn value(&self) -> Result<Value, String> {
        let prefix = match self.kind {
            ParamKind::Int => "i",
            ParamKind::Boolean => "b",
            ParamKind::String => return Ok(Value::String(self.text.clone())),
            ParamKind::Double => "d",
            ParamKind::DateTime => "t",
            ParamKind::Base64 => "64",
            ParamKind::Struct | ParamKind::Array => "j",
            ParamKind::Nil => return Ok(Value::Nil),
        };
        let value = xmlrpc::parse_arg(&format!("{prefix}:{}", self.text))?;
        match (self.kind, &value) {
            (ParamKind::Struct, Value::Struct(_)) | (ParamKind::Array, Value::Array(_)) => {}
            (ParamKind::Struct, _) => return Err("a struct is a JSON object: {…}".into()),
            (ParamKind::Array, _) => return Err("an array is a JSON array: […]".into()),
            _ => {}
        }
        Ok(value)
    }
}

type Answer = (Result<Response, CallError>, Duration);

pub struct XmlRpcWindow {
    pub open: bool,
    pub url: String,
    pub method: String,
    pub params: Vec<Param>,
    running: Option<Promise<Answer>>,
    /// `system.listMethods` in flight, and what it gave: the server's methods to pick from.
    listing: Option<Promise<Answer>>,
    pub methods: Vec<String>,
    /// The endpoint `methods` came from: another endpoint lists its own.
    methods_url: String,
    answer: Option<(Response, Duration)>,
    error: Option<String>,
    pub(super) trust: TrustRetry,
}

impl Default for XmlRpcWindow {
    fn default() -> Self {
        XmlRpcWindow {
            open: false,
            url: "http://".into(),
            method: String::new(),
            params: Vec::new(),
            running: None,
            listing: None,
            methods: Vec::new(),
            methods_url: String::new(),
            answer: None,
            error: None,
            trust: TrustRetry::default(),
        }
    }
}

impl XmlRpcWindow {
    pub fn show(&mut self, ctx: &egui::Context, services: &Services) {
        if let Some(done) = self.running.take_if(|p| p.ready().is_some()) {
            let (result, took) = done.block_and_take();
            match result {
                Ok(response) => {
                    self.answer = Some((response, took));
                    self.error = None;
                }
                Err(CallError::Http(HttpError::Untrusted(r))) => {
                    self.error = Some(self.trust.met(r));
                }
                Err(e) => {
                    self.answer = None;
                    self.error = Some(e.to_string());
                }
            }
        }
        if let Some(done) = self.listing.take_if(|p| p.ready().is_some()) {
            match done.block_and_take().0 {
                Ok(Response::Value(Value::Array(items))) => {
                    self.methods = items
                        .into_iter()
                        .filter_map(|v| match v {
                            Value::String(s) => Some(s),
                            _ => None,
                        })
                        .collect();
                    self.error = None;
                }
                Ok(Response::Value(other)) => {
                    self.error = Some(format!(
                        "system.listMethods answered a {}, not an array of names",
                        other.type_name()
                    ));
                }
                Ok(Response::Fault { code, message }) => {
                    self.error = Some(format!(
                        "The server does not list its methods (fault {code}: {message})"
                    ));
                }
                Err(CallError::Http(HttpError::Untrusted(r))) => {
                    self.error = Some(self.trust.met(r));
                }
                Err(e) => self.error = Some(e.to_string()),
            }
        }
        if self.trust.due() {
            self.start(ctx, services);
        }
        let mut open = self.open;
        egui::Window::new("XML-RPC call")
            .open(&mut open)
            .default_pos(egui::pos2(140.0, 80.0))
            .default_width(560.0)
            .show(ctx, |ui| self.ui(ui, ctx, services));
        self.open = open;
    }

    fn ui(&mut self, ui: &mut egui::Ui, ctx: &egui::Context, services: &Services) {
        egui::Grid::new("xmlrpc-target")
            .num_columns(2)
            .show(ui, |ui| {
                let l = ui.label("Endpoint URL:");
                ui.add(egui::TextEdit::singleline(&mut self.url).desired_width(400.0))
                    .labelled_by(l.id);
                ui.end_row();
                let l = ui.label("Method name:");
                ui.horizontal(|ui| {
                    ui.add(
                        egui::TextEdit::singleline(&mut self.method)
                            .hint_text("system.listMethods")
                            .desired_width(280.0),
                    )
                    .labelled_by(l.id);
                    if self.methods.is_empty() || self.methods_url != self.url.trim() {
                        let busy = self.listing.is_some();
                        if ui
                            .add_enabled(!busy, egui::Button::new("List methods"))
                            .on_hover_text("Ask the server for its methods (system.listMethods)")
                            .clicked()
                        {
                            self.list_methods(ctx, services);
                        }
                    } else {
                        let l = ui.label("Known:");
                        egui::ComboBox::from_id_salt("xmlrpc-known-methods")
                            .selected_text(format!("{} methods", self.methods.len()))
                            .show_ui(ui, |ui| {
                                for m in &self.methods {
                                    if ui.selectable_label(self.method == *m, m).clicked() {
                                        self.method.clone_from(m);
                                    }
                                }
                            })
                            .response
                            .labelled_by(l.id);
                    }
                });
                ui.end_row();
            });
        ui.horizontal(|ui| {
            ui.label("Parameters:");
            if self.params.is_empty() {
                ui.weak("none");
            }
        });
        let mut remove = None;
        for (i, p) in self.params.iter_mut().enumerate() {
            let n = i + 1;
            ui.horizontal(|ui| {
                let l = ui.label(format!("Type of parameter {n}:"));
                egui::ComboBox::from_id_salt(("xmlrpc-param-type", i))
                    .selected_text(p.kind.label())
                    .show_ui(ui, |ui| {
                        for k in ParamKind::ALL {
                            ui.selectable_value(&mut p.kind, k, k.label());
                        }
                    })
                    .response
                    .labelled_by(l.id);
                let l = ui.label(format!("Value of parameter {n}:"));
                if p.kind != ParamKind::Nil {
                    let edit = if matches!(p.kind, ParamKind::Struct | ParamKind::Array) {
                        egui::TextEdit::multiline(&mut p.text)
                            .desired_rows(1)
                            .font(egui::TextStyle::Monospace)
                    } else {
                        egui::TextEdit::singleline(&mut p.text)
                    };
                    ui.add(edit.hint_text(p.kind.hint()).desired_width(260.0))
                        .labelled_by(l.id);
                }
                let what = format!("Remove parameter {n}");
                let button = ui.small_button("✖");
                // Screen readers and tests know the button by what it does, not by its glyph.
                button.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, &what));
                if button.on_hover_text(&what).clicked() {
                    remove = Some(i);
                }
                if let Err(e) = p.value() {
                    ui.colored_label(ui.visuals().error_fg_color, "⚠")
                        .on_hover_text(e);
                }
            });
        }
        if let Some(i) = remove {
            self.params.remove(i);
        }
        ui.horizontal(|ui| {
            if ui.button("Add parameter").clicked() {
                self.params.push(Param {
                    kind: ParamKind::String,
                    text: String::new(),
                });
            }
            let busy = self.running.is_some();
            if ui.add_enabled(!busy, egui::Button::new("Call")).clicked() {
                self.start(ctx, services);
            }
            if busy {
                ui.spinner();
            }
        });
        if let Some(e) = &self.error {
            ui.colored_label(ui.visuals().error_fg_color, e);
        }
        if let Some((answer, took)) = &self.answer {
            ui.separator();
            match answer {
                Response::Value(v) => {
                    ui.label(format!(
                        "Answered in {:.1} ms:",
                        took.as_secs_f64() * 1000.0
                    ));
                    egui::ScrollArea::vertical()
                        .id_salt("xmlrpc-answer")
                        .max_height(360.0)
                        .show(ui, |ui| tree(ui, "result", v, "r", 0));
                }
                Response::Fault { code, message } => {
                    ui.colored_label(
                        ui.visuals().error_fg_color,
                        format!("Fault {code}: {message}"),
                    );
                }
            }
        }
    }

    /// The endpoint typed, or why it is not one.
    fn endpoint(&self) -> Result<url::Url, String> {
        match url::Url::parse(self.url.trim()) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => Ok(u),
            _ => Err(format!(
                "{:?} is not an http:// or https:// URL",
                self.url.trim()
            )),
        }
    }

    fn list_methods(&mut self, ctx: &egui::Context, services: &Services) {
        let url = match self.endpoint() {
            Ok(u) => u,
            Err(e) => {
                self.error = Some(e);
                return;
            }
        };
        self.methods_url = self.url.trim().to_string();
        let client = services.http.clone();
        let limits = services.limits;
        self.listing = Some(spawn(services, ctx, async move {
            let started = Instant::now();
            let result = xmlrpc::call(&client, &url, "system.listMethods", &[], &limits).await;
            (result, started.elapsed())
        }));
    }

    fn start(&mut self, ctx: &egui::Context, services: &Services) {
        let url = match self.endpoint() {
            Ok(u) => u,
            Err(e) => {
                self.error = Some(e);
                return;
            }
        };
        let method = self.method.trim().to_string();
        if method.is_empty() {
            self.error = Some("Name the method to call".into());
            return;
        }
        let mut params = Vec::with_capacity(self.params.len());
        for (i, p) in self.params.iter().enumerate() {
            match p.value() {
                Ok(v) => params.push(v),
                Err(e) => {
                    self.error = Some(format!("Parameter {}: {e}", i + 1));
                    return;
                }
            }
        }
        let client = services.http.clone();
        let limits = services.limits;
        self.error = None;
        self.running = Some(spawn(services, ctx, async move {
            let started = Instant::now();
            let result = xmlrpc::call(&client, &url, &method, &params, &limits).await;
            (result, started.elapsed())
        }));
    }
}

/// A value as a tree: containers fold, scalars are one row `name: type = value`.
fn tree(ui: &mut egui::Ui, name: &str, value: &Value, path: &str, depth: usize) {
    match value {
        Value::Struct(members) => {
            egui::CollapsingHeader::new(format!("{name}: struct ({} members)", members.len()))
                .id_salt(path)
                .default_open(depth < 3)
                .show(ui, |ui| {
                    for (i, (k, v)) in members.iter().enumerate() {
                        tree(ui, k, v, &format!("{path}.{i}"), depth + 1);
                    }
                });
        }
        Value::Array(items) => {
            egui::CollapsingHeader::new(format!("{name}: array ({} items)", items.len()))
                .id_salt(path)
                .default_open(depth < 3)
                .show(ui, |ui| {
                    for (i, v) in items.iter().enumerate() {
                        tree(ui, &format!("[{i}]"), v, &format!("{path}.{i}"), depth + 1);
                    }
                });
        }
        scalar => {
            ui.add(
                egui::Label::new(format!(
                    "{name}: {} = {}",
                    scalar.type_name(),
                    scalar.summary()
                ))
                .selectable(true),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_read_as_their_type() {
        let p = |kind, text: &str| Param {
            kind,
            text: text.into(),
        };
        assert_eq!(p(ParamKind::Int, "7").value(), Ok(Value::Int(7)));
        assert_eq!(
            p(ParamKind::String, "i:7").value(),
            Ok(Value::String("i:7".into()))
        );
        assert_eq!(p(ParamKind::Nil, "ignored").value(), Ok(Value::Nil));
        assert_eq!(
            p(ParamKind::Array, "[true]").value(),
            Ok(Value::Array(vec![Value::Boolean(true)]))
        );
        assert!(p(ParamKind::Struct, "[1]").value().is_err());
        assert!(p(ParamKind::Int, "seven").value().is_err());
    }
}
