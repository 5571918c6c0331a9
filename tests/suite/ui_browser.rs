//! The Browser panel driven as a user would, through accessible labels, against the real
//! gophernicus and nginx servers.

use crate::common;
use std::time::{Duration, Instant};

use crate::common::Panels as _;
use crate::common::wait_for;
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use portolan::protocol_log::ProtocolLog;
use portolan::ui::app::{App, AppConfig};

struct Fixture {
    harness: Harness<'static, App>,
    dir: tempfile::TempDir,
}

static LOG: std::sync::OnceLock<ProtocolLog> = std::sync::OnceLock::new();

fn start(url: Option<&str>, trust_ca: bool) -> Fixture {
    start_in(tempfile::tempdir().expect("tmp"), url, trust_ca, false)
}

fn start_in(dir: tempfile::TempDir, url: Option<&str>, trust_ca: bool, restore: bool) -> Fixture {
    let extra_roots = if trust_ca {
        portolan::proto::tls::Trust::load_pem(&common::ca_pem()).expect("ca")
    } else {
        Vec::new()
    };
    let config = AppConfig {
        store_path: dir.path().join("store.sqlite3"),
        extra_roots,
        start_url: url.map(str::to_string),
        log: LOG.get_or_init(ProtocolLog::default).clone(),
        download_dir: Some(dir.path().join("downloads")),
        restore_session: restore,
        startup_probe: None,
        session_secrets: true,
    };
    let app = App::new(config).expect("app");
    let harness = Harness::builder()
        .with_size([1100.0, 750.0])
        .build_ui_state(|ui, app: &mut App| app.frame(ui), app);
    Fixture { harness, dir }
}

fn type_url(h: &mut Harness<'static, App>, url: &str) {
    h.get_by_label("URL:").focus();
    h.step();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.step();
    h.get_by_label("URL:").type_text(url);
    h.step();
    h.key_press(egui::Key::Enter);
    h.step();
}

#[test]
fn type_a_gopher_url_see_the_menu_open_a_text_item() {
    if !common::server_up("gopher", common::GOPHER) {
        return;
    }
    let mut f = start(None, false);
    wait_for(&mut f.harness, "Portolan");
    type_url(&mut f.harness, &format!("gopher://{}/", common::GOPHER));
    wait_for(&mut f.harness, "About this server");
    f.harness.get_by_label("About this server").click();
    wait_for(&mut f.harness, "shown byte for byte");
    assert_eq!(
        f.harness
            .state()
            .browser()
            .active_tab()
            .map(|t| t.current_url.clone())
            .as_deref(),
        Some("gopher://localhost:7070/0/about.txt")
    );
    // Back returns to the menu.
    f.harness.get_by_label("⬅").click();
    wait_for(&mut f.harness, "Files directory");
    let history: Vec<String> = f
        .harness
        .state()
        .browser()
        .history
        .iter()
        .map(|e| e.url.clone())
        .collect();
    assert!(
        history.contains(&"gopher://localhost:7070/0/about.txt".to_string()),
        "{history:?}"
    );
    assert!(
        history.contains(&"gopher://localhost:7070/1".to_string()),
        "{history:?}"
    );
}

#[test]
fn history_and_open_tabs_survive_a_restart() {
    if !common::server_up("gopher", common::GOPHER) {
        return;
    }
    let mut f = start(
        Some(&format!("gopher://{}/0/about.txt", common::GOPHER)),
        false,
    );
    wait_for(&mut f.harness, "shown byte for byte");
    f.harness.state().flush_store();
    let Fixture { harness, dir } = f;
    drop(harness);
    let mut again = start_in(dir, None, false, true);
    wait_for(&mut again.harness, "shown byte for byte");
    let history = &again.harness.state().browser().history;
    assert_eq!(history[0].url, "gopher://localhost:7070/0/about.txt");
}

#[test]
fn search_item_asks_for_a_query() {
    if !common::server_up("gopher", common::GOPHER) {
        return;
    }
    let mut f = start(Some(&format!("gopher://{}/", common::GOPHER)), false);
    wait_for(&mut f.harness, "Search the word list");
    f.harness.get_by_label("Search the word list").click();
    wait_for(&mut f.harness, "Search for:");
    f.harness.get_by_label("Search for:").type_text("apple");
    f.harness.step();
    f.harness
        .get_by_role_and_label(Role::Button, "Search")
        .click();
    wait_for(&mut f.harness, "pineapple");
}

#[test]
fn binary_item_downloads_through_the_activity_list() {
    if !common::server_up("gopher", common::GOPHER) {
        return;
    }
    let mut f = start(Some(&format!("gopher://{}/", common::GOPHER)), false);
    wait_for(&mut f.harness, "A binary file");
    f.harness.get_by_label("A binary file").click();
    wait_for(&mut f.harness, "Done:");
    let saved = std::fs::read(f.dir.path().join("downloads/blob.bin")).expect("saved file");
    let original = std::fs::read(common::srv().join("gopher/files/blob.bin")).expect("original");
    assert!(saved == original, "downloaded bytes differ");
    assert!(!f.dir.path().join("downloads/blob.bin.part").exists());
}

#[test]
fn http_page_renders_and_its_link_navigates() {
    if !common::server_up("http", common::HTTP) {
        return;
    }
    let mut f = start(None, false);
    wait_for(&mut f.harness, "Portolan");
    type_url(&mut f.harness, &format!("http://{}/", common::HTTP));
    wait_for(&mut f.harness, "Welcome to the test page");
    f.harness
        .get_by_role_and_label(Role::Link, "second page")
        .click();
    wait_for(&mut f.harness, "The second page");
    // The redirect is shown in the URL bar.
    type_url(&mut f.harness, &format!("http://{}/redirect", common::HTTP));
    wait_for(&mut f.harness, "The second page");
    let deadline = Instant::now() + Duration::from_secs(10);
    while f
        .harness
        .state()
        .browser()
        .active_tab()
        .map(|t| t.url_text.clone())
        != Some("http://127.0.0.1:8080/page2.html".into())
    {
        assert!(
            Instant::now() < deadline,
            "URL bar does not show the redirect target"
        );
        f.harness.step();
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn untrusted_certificate_asks_and_trust_once_loads_the_page() {
    if !common::server_up("https", common::HTTPS) {
        return;
    }
    let mut f = start(
        Some(&format!("https://{}/page2.html", common::HTTPS)),
        false,
    );
    wait_for(&mut f.harness, "Untrusted certificate");
    wait_for(&mut f.harness, "SHA-256");
    f.harness
        .get_by_role_and_label(Role::Button, "Trust once")
        .click();
    wait_for(&mut f.harness, "The second page");
}

/// Every panel exists now, so a news link typed in the Browser goes to the News panel: an
/// unknown server opens the server form filled in from the link, and `news:GROUP` with no
/// server at all says what to do.
#[test]
fn news_links_typed_in_the_browser_reach_the_news_panel() {
    let mut f = start(None, false);
    wait_for(&mut f.harness, "Portolan");
    type_url(&mut f.harness, "nntp://example.invalid/comp.lang.rust");
    wait_for(&mut f.harness, "Add a news server");
    // The name and server fields (a text field shows its value on two nodes).
    assert!(
        f.harness.query_all_by_value("example.invalid").count() >= 2,
        "the server form is filled from the link"
    );
    assert_eq!(
        f.harness
            .query_all_by_label_contains("not available yet")
            .count(),
        0
    );
    // The command line's `portolan URL` goes through the same router.
    let mut f = start(Some("news:comp.lang.rust"), false);
    wait_for(&mut f.harness, "Add a news server first");
}

/// A password typed in an `http://user:pass@host/` address is used for the request and then
/// shown and kept nowhere: not in the address bar, the protocol log, the history or the saved
/// tabs, whether the page loaded or failed.
#[test]
fn a_password_in_an_address_is_not_shown_or_stored() {
    const SECRET: &str = "hunter2-in-the-url";
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    if !common::server_up("http", common::HTTP) {
        return;
    }
    let log = LOG.get_or_init(ProtocolLog::default).clone();
    let _ = tracing_subscriber::registry().with(log.layer()).try_init();
    let mut f = start(None, false);
    wait_for(&mut f.harness, "Portolan");
    type_url(
        &mut f.harness,
        &format!("http://tester:{SECRET}@{}/page2.html", common::HTTP),
    );
    wait_for(&mut f.harness, "The second page");
    type_url(
        &mut f.harness,
        &format!("http://tester:{SECRET}@{}/missing-page", common::HTTP),
    );
    wait_for(&mut f.harness, "404");
    let tab = f.harness.state().browser().active_tab().expect("tab");
    assert!(!tab.current_url.contains(SECRET), "{}", tab.current_url);
    assert!(!tab.url_text.contains(SECRET), "{}", tab.url_text);
    let lines = log.try_snapshot().unwrap_or_default();
    assert!(
        lines.iter().any(|l| l.text.contains("GET http://")),
        "the request was not logged at all: {lines:?}"
    );
    assert!(lines.iter().all(|l| !l.text.contains(SECRET)), "{lines:?}");
    f.harness.state().save_state();
    f.harness.state().flush_store();
    for entry in std::fs::read_dir(f.dir.path()).expect("dir") {
        let path = entry.expect("entry").path();
        if path.is_file() {
            let bytes = std::fs::read(&path).expect("read");
            assert!(
                !bytes.windows(SECRET.len()).any(|w| w == SECRET.as_bytes()),
                "the password is in {}",
                path.display()
            );
        }
    }
    let history = &f.harness.state().browser().history;
    assert!(
        history.iter().any(|h| h.url.contains("/page2.html")),
        "{history:?}"
    );
}

/// A documentation page as such sites make them: hidden panels stay hidden, the main content
/// comes before the navigation, and headings are drawn larger by level than body text.
#[test]
fn a_documentation_page_shows_its_main_content_with_headings_by_level() {
    if !common::server_up("http", common::HTTP) {
        return;
    }
    let mut f = start(Some(&format!("http://{}/docs.html", common::HTTP)), false);
    wait_for(&mut f.harness, "Documentation title");
    for hidden in [
        "Keyboard shortcuts",
        "Settings panel",
        "Decorative icon text",
    ] {
        assert!(
            f.harness
                .query_all_by_label_contains(hidden)
                .next()
                .is_none(),
            "{hidden} is shown"
        );
    }
    let h = &f.harness;
    let rect = |text: &str| h.get_by_label(text).rect();
    let title = rect("Documentation title");
    let h2 = rect("Second-level section");
    let h3 = rect("Third-level section");
    let body = rect("The first paragraph of the documentation.");
    let nav = rect("Home");
    assert!(
        title.top() < body.top() && body.top() < nav.top(),
        "main first"
    );
    assert!(title.height() > h2.height(), "{title:?} {h2:?}");
    assert!(h2.height() > h3.height(), "{h2:?} {h3:?}");
    assert!(h3.height() > body.height(), "{h3:?} {body:?}");
}

#[test]
fn view_source_shows_the_bytes_in_the_charset_used_and_finds_in_them() {
    if !common::server_up("nginx", "127.0.0.1:8080") {
        return;
    }
    let mut f = start(None, false);
    wait_for(&mut f.harness, "Portolan");
    // `view-source:` before an address opens the source; the Latin-1 page is read as the
    // meta tag says, so the é of the bytes shows as é.
    type_url(
        &mut f.harness,
        "view-source:http://127.0.0.1:8080/latin1.html",
    );
    wait_for(&mut f.harness, "read as windows-1252");
    wait_for(&mut f.harness, "<p>café crème</p>");
    assert_eq!(
        f.harness
            .state()
            .browser()
            .active_tab()
            .map(|t| t.url_text.clone())
            .as_deref(),
        Some("view-source:http://127.0.0.1:8080/latin1.html")
    );
    // Ctrl+U turns it off: the page is drawn again.
    f.harness
        .key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::U);
    f.harness.step();
    wait_for(&mut f.harness, "café crème");
    assert!(
        f.harness
            .query_all_by_label_contains("<p>café")
            .next()
            .is_none(),
        "the source is still shown"
    );
    // And on again from the keyboard; find marks the matching line.
    f.harness
        .key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::U);
    f.harness.step();
    wait_for(&mut f.harness, "<p>café crème</p>");
    f.harness
        .key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::F);
    f.harness.step();
    f.harness.get_by_label("Find:").type_text("title");
    f.harness.step();
    f.harness.step();
    wait_for(&mut f.harness, "1 of 1");
    let view = f
        .harness
        .state()
        .browser()
        .active_tab()
        .and_then(|t| t.source_view.as_ref().map(|v| v.highlight.clone()));
    assert_eq!(view, Some(vec![0]));
}

#[test]
fn a_view_source_address_from_the_command_line_opens_the_source() {
    if !common::server_up("nginx", "127.0.0.1:8080") {
        return;
    }
    let mut f = start(Some("view-source:http://127.0.0.1:8080/latin1.html"), false);
    wait_for(&mut f.harness, "read as windows-1252");
    wait_for(&mut f.harness, "<title>Latin</title>");
    // A link of another panel has no source view, and says so.
    let mut g = start(Some("view-source:telnet://127.0.0.1:2323/"), false);
    wait_for(&mut g.harness, "has no source view");
}

#[test]
fn a_page_goes_to_the_http_request_window_from_the_page_menu() {
    if !common::server_up("nginx", "127.0.0.1:8080") {
        return;
    }
    let mut f = start(Some("http://127.0.0.1:8080/docs.html"), false);
    wait_for(&mut f.harness, "Documentation title");
    f.harness.get_by_role_and_label(Role::Button, "☰").click();
    f.harness.run();
    f.harness.get_by_label("Send as HTTP request…").click();
    f.harness.run();
    assert!(f.harness.state().tools.http.open);
    assert_eq!(
        f.harness.state().tools.http.url,
        "http://127.0.0.1:8080/docs.html"
    );
    f.harness
        .get_by_role_and_label(Role::Button, "Send")
        .click();
    wait_for(&mut f.harness, "200 OK");
}
