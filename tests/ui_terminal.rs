//! The Terminal panel against the real telnetd: a `telnet:` link opens it connected, the
//! login prompt is on the screen, and what is typed comes back as the host's echo.

mod common;

use common::wait_for;
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use portolan::protocol_log::ProtocolLog;
use portolan::ui::app::{App, AppConfig};

#[test]
fn a_telnet_link_opens_a_session_and_typing_is_echoed() {
    if !common::server_up("telnetd", "127.0.0.1:2323") {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let config = AppConfig {
        store_path: dir.path().join("store.sqlite3"),
        extra_roots: Vec::new(),
        start_url: Some("telnet://127.0.0.1:2323/".into()),
        log: ProtocolLog::default(),
        download_dir: Some(dir.path().join("downloads")),
        restore_session: false,
        startup_probe: None,
        session_secrets: true,
    };
    let app = App::new(config).expect("app");
    let mut h = Harness::builder()
        .with_size([1000.0, 700.0])
        .build_ui_state(|ui, app: &mut App| app.frame(ui), app);
    wait_for(&mut h, "login:");
    assert!(
        h.state().status_line().contains("127.0.0.1:2323"),
        "{}",
        h.state().status_line()
    );
    h.get_by_role(Role::Terminal).click();
    h.step();
    h.get_by_role(Role::Terminal).type_text("tester");
    h.step();
    // The host echoes the name after the prompt.
    wait_for(&mut h, "login: tester");
    h.key_press(egui::Key::Enter);
    wait_for(&mut h, "Password:");
    h.get_by_role(Role::Terminal).type_text("secret");
    h.key_press(egui::Key::Enter);
    wait_for(&mut h, "~$");
    h.get_by_role(Role::Terminal).type_text("echo sum-$((6*7))");
    h.key_press(egui::Key::Enter);
    wait_for(&mut h, "sum-42");
    // Enter is one line end: no empty command, so one prompt after the output, not two.
    let lines_after = |h: &Harness<'static, App>| -> Vec<String> {
        let screen = h
            .state()
            .panel_state::<portolan::ui::panels::terminal::TerminalPanel>()
            .expect("terminal")
            .screen_text();
        screen
            .lines()
            .skip_while(|l| *l != "sum-42")
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while lines_after(&h).len() < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "no prompt after the output"
        );
        h.step();
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    for _ in 0..25 {
        h.step();
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let after = lines_after(&h);
    assert_eq!(after.len(), 2, "{after:?}");
    assert!(after[1].ends_with('$'), "{after:?}");
}
