//! The Tools menu's windows: DNS lookup, URL inspector, HTTP request and XML-RPC call. They
//! live beside the panels, whichever panel is in front, and do their network work on the
//! shared runtime through the Browser's HTTP client and trust.

mod dns_window;
mod http_window;
pub mod pretty;
mod url_window;
mod xmlrpc_window;

use poll_promise::Promise;

use crate::proto::tls::CertRejection;
use crate::workers::Services;

pub use xmlrpc_window::{Param, ParamKind};

/// The windows and what each holds.
#[derive(Default)]
pub struct Tools {
    pub dns: dns_window::DnsWindow,
    pub url: url_window::UrlWindow,
    pub http: http_window::HttpWindow,
    pub xmlrpc: xmlrpc_window::XmlRpcWindow,
    /// Which window met the certificate now in the trust dialog.
    asked_trust: Option<Asker>,
}

#[derive(Debug, Clone, Copy)]
enum Asker {
    Http,
    XmlRpc,
}

impl Tools {
    /// The Tools menu for the top bar.
    pub fn menu(&mut self, ui: &mut egui::Ui) {
        ui.menu_button("Tools", |ui| {
            let item = |ui: &mut egui::Ui, label: &str, open: &mut bool| {
                if ui.button(label).clicked() {
                    *open = true;
                    ui.close();
                }
            };
            item(ui, "DNS lookup…", &mut self.dns.open);
            item(ui, "URL inspector…", &mut self.url.open);
            item(ui, "HTTP request…", &mut self.http.open);
            item(ui, "XML-RPC call…", &mut self.xmlrpc.open);
        });
    }

    /// Draws the open windows.
    pub fn show(&mut self, ctx: &egui::Context, services: &Services) {
        // Each takes a finished answer even while closed, and draws only when open.
        self.dns.show(ctx, services);
        self.url.show(ctx);
        self.http.show(ctx, services);
        self.xmlrpc.show(ctx, services);
    }

    /// A certificate a window met, for the shell's trust dialog; [`Tools::retry`] follows a
    /// decision to trust it.
    pub fn take_untrusted(&mut self) -> Option<Box<CertRejection>> {
        if let Some(r) = self.http.trust.take() {
            self.asked_trust = Some(Asker::Http);
            return Some(r);
        }
        if let Some(r) = self.xmlrpc.trust.take() {
            self.asked_trust = Some(Asker::XmlRpc);
            return Some(r);
        }
        None
    }

    /// Sends again what met the certificate just trusted.
    pub fn retry(&mut self) {
        match self.asked_trust.take() {
            Some(Asker::Http) => self.http.trust.retry = true,
            Some(Asker::XmlRpc) => self.xmlrpc.trust.retry = true,
            None => {}
        }
    }
}

/// A window's part in the trust dialog: the certificate its last request met, and whether
/// to send again once the user trusted it.
#[derive(Default)]
struct TrustRetry {
    untrusted: Option<Box<CertRejection>>,
    retry: bool,
}

impl TrustRetry {
    /// Notes a refused certificate and says it in words for the window.
    fn met(&mut self, rejection: Box<CertRejection>) -> String {
        // The reason names the host: "the certificate of HOST is self-signed…".
        let mut words = rejection.reason.clone();
        if let Some(first) = words.get(..1) {
            let upper = first.to_ascii_uppercase();
            words.replace_range(..1, &upper);
        }
        self.untrusted = Some(rejection);
        words
    }

    /// The certificate last met, for the shell's trust dialog.
    fn take(&mut self) -> Option<Box<CertRejection>> {
        self.untrusted.take()
    }

    /// Whether the window should send again now (once after each trust).
    fn due(&mut self) -> bool {
        std::mem::take(&mut self.retry)
    }
}

/// Runs `work` on the shared runtime; the window polls the promise each frame, and the
/// finished work asks for one.
fn spawn<T: Send + 'static>(
    services: &Services,
    ctx: &egui::Context,
    work: impl Future<Output = T> + Send + 'static,
) -> Promise<T> {
    let (sender, promise) = Promise::new();
    let ctx = ctx.clone();
    services.runtime.spawn(async move {
        sender.send(work.await);
        ctx.request_repaint();
    });
    promise
}
