//! Shared by the integration tests: where the real test servers are, and whether they must be.
//!
//! Under the README's test command (`scripts/test.sh`) `PORTOLAN_TEST_SERVERS=1` is set and an
//! unreachable server fails the test. Under a plain `cargo test` the server tests say they are
//! skipped and return.
#![allow(dead_code, clippy::print_stderr)]

use std::net::TcpStream;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use portolan::proto::tls::Trust;

pub mod fake;

pub const GOPHER: &str = "localhost:7070";
pub const HTTP: &str = "127.0.0.1:8080";
pub const HTTPS: &str = "localhost:8443";

/// The server tree the scripts wrote.
pub fn srv() -> PathBuf {
    PathBuf::from(std::env::var("PORTOLAN_SRV").unwrap_or_else(|_| "/tmp/portolan-srv".into()))
}

pub fn ca_pem() -> PathBuf {
    std::env::var("PORTOLAN_TEST_CA").map_or_else(|_| srv().join("tls/ca.pem"), PathBuf::from)
}

/// True when the server at `addr` answers. Panics when the servers are required and it does not.
pub fn server_up(what: &str, addr: &str) -> bool {
    let required = std::env::var("PORTOLAN_TEST_SERVERS").is_ok_and(|v| v == "1");
    let up = addr
        .replace("localhost", "127.0.0.1")
        .parse()
        .ok()
        .and_then(|a| TcpStream::connect_timeout(&a, Duration::from_secs(2)).ok())
        .is_some();
    if !up {
        assert!(
            !required,
            "the {what} test server at {addr} is not reachable (scripts/test-servers.sh start)"
        );
        eprintln!("SKIPPED: the {what} test server at {addr} is not running; run scripts/test.sh");
    }
    up
}

pub fn trust_with_ca() -> Arc<Trust> {
    portolan::proto::tls::install_crypto_provider();
    let roots = Trust::load_pem(&ca_pem()).expect("test CA");
    Trust::new(roots).expect("trust")
}

pub fn trust_without_ca() -> Arc<Trust> {
    portolan::proto::tls::install_crypto_provider();
    Trust::new(Vec::new()).expect("trust")
}

/// The panels of a running app, by their type, for the UI tests.
pub trait Panels {
    fn files(&self) -> &portolan::ui::panels::files::FilesPanel;
    fn browser(&self) -> &portolan::ui::panels::browser::BrowserPanel;
}

impl Panels for portolan::ui::app::App {
    fn files(&self) -> &portolan::ui::panels::files::FilesPanel {
        self.panel_state().expect("the Files panel")
    }

    fn browser(&self) -> &portolan::ui::panels::browser::BrowserPanel {
        self.panel_state().expect("the Browser panel")
    }
}

/// Steps the app's frames until a node whose label contains `text` is on screen; on a time-out
/// the panic says what the status bar and the Activity list show.
pub fn wait_for(h: &mut egui_kittest::Harness<'static, portolan::ui::app::App>, text: &str) {
    use egui_kittest::kittest::Queryable as _;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        h.step();
        if h.query_all_by_label_contains(text).next().is_some() {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no {text:?} on screen; status: {}; jobs: {:?}",
            h.state().status_line(),
            h.state()
                .activity
                .jobs
                .iter()
                .map(|j| format!("{} {:?}", j.title, j.state))
                .collect::<Vec<_>>()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The app under the test harness with its store in `dir`, the test CA trusted, passwords
/// kept for the session, opened at `url` when given.
pub fn start_app(
    dir: &tempfile::TempDir,
    url: Option<&str>,
    size: [f32; 2],
) -> egui_kittest::Harness<'static, portolan::ui::app::App> {
    start_app_trusting(dir, url, size, true)
}

/// [`start_app`], with the test servers' CA trusted or (`trust_ca` false) not, so their
/// certificates go through the trust dialog.
pub fn start_app_trusting(
    dir: &tempfile::TempDir,
    url: Option<&str>,
    size: [f32; 2],
    trust_ca: bool,
) -> egui_kittest::Harness<'static, portolan::ui::app::App> {
    use portolan::ui::app::{App, AppConfig};
    let config = AppConfig {
        store_path: dir.path().join("store.sqlite3"),
        extra_roots: if trust_ca {
            portolan::proto::tls::Trust::load_pem(&ca_pem()).expect("ca")
        } else {
            Vec::new()
        },
        start_url: url.map(str::to_string),
        log: portolan::protocol_log::ProtocolLog::default(),
        download_dir: Some(dir.path().join("downloads")),
        restore_session: false,
        startup_probe: None,
        session_secrets: true,
    };
    let app = App::new(config).expect("app");
    egui_kittest::Harness::builder()
        .with_size(size)
        .build_ui_state(|ui, app: &mut App| app.frame(ui), app)
}

/// Replaces the text of the (last) field labelled `label` with `text`.
pub fn type_into(
    h: &mut egui_kittest::Harness<'static, portolan::ui::app::App>,
    label: &str,
    text: &str,
) {
    use egui_kittest::kittest::Queryable as _;
    h.get_all_by_label(label).last().expect(label).focus();
    h.step();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.get_all_by_label(label)
        .last()
        .expect(label)
        .type_text(text);
    h.step();
}

/// Clicks the node whose label contains `label`, scrolled into view and hovered first (rows
/// of a virtualized list exist only where they are drawn).
pub fn click(h: &mut egui_kittest::Harness<'static, portolan::ui::app::App>, label: &str) {
    use egui_kittest::kittest::Queryable as _;
    h.get_by_label_contains(label).scroll_to_me();
    h.step();
    h.step();
    h.get_by_label_contains(label).hover();
    h.step();
    h.get_by_label_contains(label).click();
    h.step();
    h.step();
}

/// Opens the Mail panel and adds an account through its form, one `(label, text)` a field.
pub fn add_mail_account(
    h: &mut egui_kittest::Harness<'static, portolan::ui::app::App>,
    fields: &[(&str, &str)],
) {
    use egui_kittest::kittest::Queryable as _;
    wait_for(h, "Browser");
    h.get_by_label("Mail").click();
    h.step();
    wait_for(h, "Add account…");
    click(h, "Add account…");
    wait_for(h, "Add a mail account");
    for (label, text) in fields {
        type_into(h, label, text);
    }
    click(h, "Save account");
}

/// Drags with the pointer from `from` to `to` in ten steps, a frame each, and drops.
pub fn drag(
    h: &mut egui_kittest::Harness<'static, portolan::ui::app::App>,
    from: egui::Pos2,
    to: egui::Pos2,
) {
    h.hover_at(from);
    h.step();
    h.drag_at(from);
    h.step();
    for i in 1..=10 {
        h.hover_at(from + (to - from) * (i as f32 / 10.0));
        h.step();
    }
    h.drop_at(to);
    h.step();
}

/// The JSON lines a command printed, one value each; a command that failed fails the test
/// with its stderr.
pub fn json_lines(out: &std::process::Output) -> Vec<serde_json::Value> {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect()
}
