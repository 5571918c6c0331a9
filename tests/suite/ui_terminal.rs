//! The Terminal panel against the real telnetd: a `telnet:` link opens it connected, the
//! login prompt is on the screen, what is typed comes back as the host's echo, and output
//! that scrolled off is reached with the wheel; telnetlib3 in line mode for local echo, tabs,
//! capture and the session directory.

use crate::common;
use crate::common::wait_for;
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
    let mut h = telnetd_logged_in(dir.path());
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

    // Output that scrolls off the top can be scrolled back to with the wheel.
    h.get_by_role(Role::Terminal).type_text("seq 1 300");
    h.key_press(egui::Key::Enter);
    wait_for(&mut h, "\n300\n");
    h.get_by_role(Role::Terminal).hover();
    h.run();
    for _ in 0..3 {
        h.event(egui::Event::MouseWheel {
            unit: egui::MouseWheelUnit::Line,
            delta: egui::vec2(0.0, 5.0),
            phase: egui::TouchPhase::Move,
            modifiers: egui::Modifiers::NONE,
            source: egui::MouseWheelSource::Wheel,
        });
        h.step();
    }
    let back_of = |t: &portolan::ui::panels::terminal::TerminalPanel| {
        t.sessions()[0]
            .screen
            .lock()
            .map_or(usize::MAX, |s| s.scrolled_back())
    };
    assert_eq!(
        back_of(terminal(&h)),
        15,
        "three wheel notches of five lines"
    );
    // Typing goes back to the newest lines.
    h.get_by_role(Role::Terminal).type_text("x");
    h.step();
    wait_until(&mut h, "back at the newest lines", |t| back_of(t) == 0);
}

/// The app opened on a `telnet:` link to telnetd, logged in as the test user: the login
/// prompt, the host's echo of the name, the password, the shell's prompt.
fn telnetd_logged_in(dir: &std::path::Path) -> Harness<'static, App> {
    let config = AppConfig {
        store_path: dir.join("store.sqlite3"),
        extra_roots: Vec::new(),
        start_url: Some("telnet://127.0.0.1:2323/".into()),
        log: ProtocolLog::default(),
        download_dir: Some(dir.join("downloads")),
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
    h
}

/// The keypad's keys, told apart from the main keyboard's by the window's event loop (played
/// here as the loop notes them), send VT100 application codes once the host asks with
/// `ESC =`, and what they type after `ESC >`; the 8 above the letters always types 8. The tty
/// echoes ESC as `^[`.
#[test]
fn the_keypad_sends_application_codes_when_the_host_asks() {
    use portolan::terminal::KeypadKey;
    use portolan::ui::keypad::KeypadPress;
    if !common::server_up("telnetd", "127.0.0.1:2323") {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let mut h = telnetd_logged_in(dir.path());
    let keypad_eight = |h: &mut Harness<'static, App>| {
        h.state().keypad_taps().record(KeypadPress {
            key: KeypadKey::Digit(8),
            text: Some("8".into()),
        });
        // One key press is a key event and a text event in the same frame, as the window
        // layer delivers them (queued events would arrive a frame each).
        h.input_mut().events.extend([
            egui::Event::Key {
                key: egui::Key::Num8,
                physical_key: Some(egui::Key::Num8),
                pressed: true,
                repeat: false,
                modifiers: egui::Modifiers::NONE,
            },
            egui::Event::Text("8".into()),
        ]);
        h.step();
    };
    run_until_mode(
        &mut h,
        "printf 'app\\033='; cat -v",
        "application keypad mode",
        |m| m.app_keypad,
    );
    keypad_eight(&mut h);
    h.get_by_role(Role::Terminal).type_text("8");
    h.step();
    keypad_eight(&mut h);
    h.key_press(egui::Key::Enter);
    wait_until(&mut h, "the application codes echoed back", |t| {
        t.screen_text().contains("\n^[Ox8^[Ox\n")
    });
    // Back to numeric mode: the keypad types its digit.
    interrupt(&mut h);
    run_until_mode(
        &mut h,
        "printf 'num\\033>'; cat -v",
        "numeric keypad mode",
        |m| !m.app_keypad,
    );
    keypad_eight(&mut h);
    h.get_by_role(Role::Terminal).type_text("x");
    h.key_press(egui::Key::Enter);
    wait_until(&mut h, "the keypad's digit echoed back", |t| {
        t.screen_text().contains("\n8x\n")
    });
}

/// A host that asks for the mouse (modes 1000 and 1006) gets a click as an SGR press and
/// release on the cell under the pointer; the tty echoes what arrived. When it lets go of
/// the mouse, a click is a click here again.
#[test]
fn a_click_is_reported_to_a_host_that_asked_for_the_mouse() {
    if !common::server_up("telnetd", "127.0.0.1:2323") {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let mut h = telnetd_logged_in(dir.path());
    run_until_mode(
        &mut h,
        "printf 'mouse\\033[?1000h\\033[?1006h'; cat -v",
        "mouse reports on",
        |m| m.mouse != portolan::terminal::MouseTracking::Off,
    );
    h.get_by_role(Role::Terminal).click();
    h.step();
    h.key_press(egui::Key::Enter);
    wait_until(&mut h, "a press and a release echoed back", |t| {
        t.screen_text()
            .lines()
            .any(|l| l.starts_with("^[[<0;") && l.contains("M^[[<0;") && l.ends_with('m'))
    });
    // Once the host turns reports off, a click selects nothing and sends nothing. (The tty
    // drops what is typed while it interrupts cat: the prompt comes first.)
    interrupt(&mut h);
    run_until_mode(
        &mut h,
        "printf 'off\\033[?1000l'; cat -v",
        "mouse reports off",
        |m| m.mouse == portolan::terminal::MouseTracking::Off,
    );
    h.get_by_role(Role::Terminal).click();
    h.step();
    h.get_by_role(Role::Terminal).type_text("done");
    h.key_press(egui::Key::Enter);
    wait_until(&mut h, "the line after the click", |t| {
        t.screen_text().contains("\ndone\n")
    });
    assert!(
        !terminal(&h).screen_text().contains("off^[["),
        "no report after mode 1000 was turned off:\n{}",
        terminal(&h).screen_text()
    );
}

/// Types `command` at the shell and waits until the screen's modes satisfy `mode` (the
/// command sets them with escape sequences).
fn run_until_mode(
    h: &mut Harness<'static, App>,
    command: &str,
    what: &str,
    mode: impl Fn(&portolan::terminal::Modes) -> bool,
) {
    h.get_by_role(Role::Terminal).type_text(command);
    h.key_press(egui::Key::Enter);
    wait_until(h, what, |t| {
        t.sessions()[0]
            .screen
            .lock()
            .is_ok_and(|s| mode(&s.modes()))
    });
}

/// Ctrl+C with nothing selected (an interrupt), then the shell's prompt: the tty drops what is
/// typed while it interrupts, so the next command waits for it.
fn interrupt(h: &mut Harness<'static, App>) {
    h.event(egui::Event::Copy);
    h.step();
    wait_until(h, "the prompt after the interrupt", |t| {
        t.screen_text()
            .trim_end()
            .rsplit_once("^C\n")
            .is_some_and(|(_, after)| after.ends_with('$'))
    });
}

/// Raw TCP from the bar: no Telnet, Enter sends LF, the line is echoed here and socat's echo
/// comes back on a line of its own.
#[test]
fn a_raw_tcp_session_talks_to_socats_echo_server() {
    if !common::server_up("socat echo", "127.0.0.1:7007") {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let app = app_on_start_page(dir.path());
    let mut h = Harness::builder()
        .with_size([1100.0, 700.0])
        .build_ui_state(|ui, app: &mut App| app.frame(ui), app);
    h.run();
    h.get_by_label("Terminal").click();
    h.run();
    h.get_by_label("Host:").click();
    h.get_by_label("Host:").type_text("127.0.0.1");
    h.get_by_label("Port:").click();
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.get_by_label("Port:").type_text("7007");
    h.get_by_role_and_label(Role::ComboBox, "Protocol:").click();
    h.run();
    h.get_by_label("Raw TCP").click();
    h.run();
    assert!(
        h.query_by_label("Enter sends:").is_some(),
        "the line end choice"
    );
    h.get_by_role_and_label(Role::Button, "Connect").click();
    wait_until(&mut h, "connected", |t| {
        t.sessions()
            .first()
            .is_some_and(|s| s.state == portolan::ui::panels::terminal::session::State::Connected)
    });
    assert!(terminal(&h).sessions()[0].target.raw.is_some());
    h.get_by_role(Role::Terminal).click();
    h.step();
    h.get_by_role(Role::Terminal).type_text("hello raw");
    h.key_press(egui::Key::Enter);
    wait_until(&mut h, "the echo on a line of its own", |t| {
        t.screen_text().contains("hello raw\nhello raw\n")
    });
    // socat's LF alone ended its line: the next one starts at the left edge.
    h.get_by_role(Role::Terminal).type_text("second");
    h.key_press(egui::Key::Enter);
    wait_until(&mut h, "the next line at the left edge", |t| {
        t.screen_text()
            .contains("hello raw\nhello raw\nsecond\nsecond\n")
    });
    // The hex view: what socat sent back, byte for byte (LF alone, as it came).
    h.get_by_label("Hex view").click();
    h.run();
    wait_for(&mut h, "17 bytes received");
    wait_for(
        &mut h,
        "00000000  68 65 6c 6c 6f 20 72 61  77 0a 73 65 63 6f 6e 64  |hello raw.second|",
    );
    h.get_by_label("Hex view").click();
    h.run();
    assert!(
        h.query_by_label_contains("bytes received").is_none(),
        "the screen again"
    );
    // Character mode: each key goes at once, so the echo comes back before any Enter (in
    // line mode nothing would reach socat until Enter).
    h.get_by_label("Line mode").click();
    h.run();
    h.get_by_role(Role::Terminal).click();
    h.step();
    h.get_by_role(Role::Terminal).type_text("xy");
    h.get_by_label("Hex view").click();
    h.run();
    wait_for(&mut h, "19 bytes received");
}

/// Raw TCP in TLS to a server with a self-signed certificate (as `openssl req -x509` makes
/// it): the shared trust dialog asks in words, and Trust once connects.
#[test]
fn a_raw_tls_session_asks_before_trusting_a_self_signed_certificate() {
    if !common::server_up("telnets self-signed", "127.0.0.1:2993") {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let app = app_on_start_page(dir.path());
    let mut h = Harness::builder()
        .with_size([1100.0, 700.0])
        .build_ui_state(|ui, app: &mut App| app.frame(ui), app);
    h.run();
    h.get_by_label("Terminal").click();
    h.run();
    h.get_by_label("Host:").click();
    h.get_by_label("Host:").type_text("localhost");
    h.get_by_role_and_label(Role::ComboBox, "Protocol:").click();
    h.run();
    h.get_by_label("Raw TCP").click();
    h.run();
    h.get_by_label("TLS").click();
    h.run();
    h.get_by_label("Port:").click();
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.get_by_label("Port:").type_text("2993");
    h.get_by_role_and_label(Role::Button, "Connect").click();
    wait_for(&mut h, "Untrusted certificate");
    wait_for(&mut h, "self-signed");
    h.get_by_role_and_label(Role::Button, "Trust once").click();
    wait_until(&mut h, "connected in TLS after Trust once", |t| {
        t.sessions().last().is_some_and(|s| {
            s.target.raw.is_some()
                && s.target.tls
                && s.state == portolan::ui::panels::terminal::session::State::Connected
        })
    });
}

/// Two sessions of one window chat: the listener window waits on a port,
/// a raw session from the bar connects to it, the peer opens in a tab of its own, and what
/// each side types arrives on the other's screen. The listener lists the peer and closes it.
#[test]
fn listen_and_chat_between_two_of_our_own_sessions() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut h = terminal_harness(dir.path());
    sockets_menu(&mut h, "Listen…");
    h.get_by_label("Listen port:").click();
    // A fixed port below the system's range for port 0 (see the sockets tests).
    h.get_by_label("Listen port:").type_text("21090");
    h.run();
    h.get_by_label("Start listening").click();
    wait_for(&mut h, "Listening on 127.0.0.1:");
    let port = terminal(&h)
        .listening_on()
        .expect("the address it listens on")
        .port();
    h.get_by_label("Host:").click();
    h.get_by_label("Host:").type_text("127.0.0.1");
    h.get_by_label("Port:").click();
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.get_by_label("Port:").type_text(&port.to_string());
    h.get_by_role_and_label(Role::ComboBox, "Protocol:").click();
    h.run();
    h.get_by_label("Raw TCP").click();
    h.run();
    h.get_by_role_and_label(Role::Button, "Connect").click();
    wait_until(&mut h, "the client and the peer, each in a tab", |t| {
        t.sessions().len() == 2
            && t.sessions()
                .iter()
                .all(|s| s.state == portolan::ui::panels::terminal::session::State::Connected)
    });
    assert!(
        terminal(&h).sessions()[1].from_listener,
        "the peer's tab is in front"
    );
    assert_eq!(
        h.query_all_by_role_and_label(Role::Button, "Close").count(),
        1,
        "the listener lists one peer"
    );
    // The peer's tab is in front: it says hello.
    h.get_by_role(Role::Terminal).click();
    h.step();
    h.get_by_role(Role::Terminal)
        .type_text("hello from the listener");
    h.key_press(egui::Key::Enter);
    h.step();
    // The client's tab.
    let client_tab = format!("127.0.0.1:{port}");
    h.get_by_label(&format!("● {client_tab}")).click();
    wait_until(&mut h, "the listener's words on the client's screen", |t| {
        t.screen_text().contains("hello from the listener")
    });
    h.get_by_role(Role::Terminal).click();
    h.step();
    h.get_by_role(Role::Terminal).type_text("hello back");
    h.key_press(egui::Key::Enter);
    wait_until(&mut h, "the client's words on the peer's screen", |t| {
        t.sessions()[1]
            .screen
            .lock()
            .is_ok_and(|s| s.text().contains("hello back"))
    });
    // Closing the peer from the listener ends both ends.
    h.get_by_role_and_label(Role::Button, "Close").click();
    wait_until(&mut h, "both sessions closed", |t| {
        t.sessions().iter().all(|s| !s.is_open())
    });
}

/// The app on the Terminal panel, in a window large enough for its tool windows.
fn terminal_harness(dir: &std::path::Path) -> Harness<'static, App> {
    let app = app_on_start_page(dir);
    let mut h = Harness::builder()
        .with_size([1200.0, 760.0])
        .build_ui_state(|ui, app: &mut App| app.frame(ui), app);
    h.run();
    h.get_by_label("Terminal").click();
    h.run();
    h
}

/// Opens `item` of the bar's Sockets menu.
fn sockets_menu(h: &mut Harness<'static, App>, item: &str) {
    h.get_by_role_and_label(Role::Button, "Sockets").click();
    h.run();
    h.get_by_label(item).click();
    h.run();
}

fn app_on_start_page(dir: &std::path::Path) -> App {
    app_at(dir, None)
}

fn app_opening(dir: &std::path::Path, url: &str) -> App {
    app_at(dir, Some(url))
}

fn app_at(dir: &std::path::Path, url: Option<&str>) -> App {
    App::new(AppConfig {
        store_path: dir.join("store.sqlite3"),
        extra_roots: Vec::new(),
        start_url: url.map(str::to_string),
        log: ProtocolLog::default(),
        download_dir: Some(dir.join("downloads")),
        restore_session: false,
        startup_probe: None,
        session_secrets: true,
    })
    .expect("app")
}

fn terminal<'a>(h: &'a Harness<'static, App>) -> &'a portolan::ui::panels::terminal::TerminalPanel {
    h.state().panel_state().expect("terminal")
}

/// Steps until `done` holds for the Terminal panel (20 s at most).
fn wait_until(
    h: &mut Harness<'static, App>,
    what: &str,
    done: impl Fn(&portolan::ui::panels::terminal::TerminalPanel) -> bool,
) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !done(terminal(h)) {
        assert!(
            std::time::Instant::now() < deadline,
            "{what}: not within 20 s; status: {}; screen:\n{}",
            h.state().status_line(),
            terminal(h).screen_text()
        );
        h.step();
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// telnetlib3 in line mode does not echo: the window echoes and edits the line and sends it
/// whole. A second session opens in its own tab; its output is kept apart from the first one's; a
/// capture writes the text to the file the dialog answered; the host is saved in the
/// directory, which is kept in the store.
#[test]
fn local_echo_tabs_capture_and_the_directory() {
    if !common::server_up("telnetlib3", "127.0.0.1:2325") {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let capture = dir.path().join("capture.txt");
    let mut app = app_opening(dir.path(), "telnet://127.0.0.1:2325/");
    let answer = capture.clone();
    app.panel_state_mut::<portolan::ui::panels::terminal::TerminalPanel>()
        .expect("terminal")
        .set_capture_dialog(std::sync::Arc::new(move |_| Some(answer.clone())));
    let mut h = Harness::builder()
        .with_size([1100.0, 700.0])
        .build_ui_state(|ui, app: &mut App| app.frame(ui), app);
    wait_for(&mut h, "tel:sh>");
    // The prompt came, and telnetlib3 never said WILL ECHO: the window echoes.
    wait_until(&mut h, "local echo", |t| t.sessions()[0].local_line_mode());
    h.get_by_role(Role::Terminal).click();
    h.step();
    h.get_by_role(Role::Terminal).type_text("helq");
    h.key_press(egui::Key::Backspace);
    h.get_by_role(Role::Terminal).type_text("p");
    h.step();
    wait_until(&mut h, "the typed line on screen", |t| {
        t.screen_text().contains("tel:sh> help")
    });
    assert!(
        h.state().status_line().contains("local echo"),
        "{}",
        h.state().status_line()
    );
    h.key_press(egui::Key::Enter);
    wait_for(&mut h, "quit, writer");

    // A capture of the text, to the path the dialog answered.
    h.get_by_label("Capture").click();
    h.run();
    h.get_by_label("Text to a file…").click();
    wait_until(&mut h, "capturing", |t| t.sessions()[0].capture.is_some());
    h.get_by_role(Role::Terminal).click();
    h.get_by_role(Role::Terminal).type_text("version");
    h.key_press(egui::Key::Enter);
    h.step();
    wait_until(&mut h, "the version's answer", |t| {
        t.screen_text().matches("tel:sh>").count() >= 3
    });
    h.get_by_label("⏹ Stop capture").click();
    wait_until(&mut h, "capture stopped", |t| {
        t.sessions()[0].capture.is_none()
    });
    let text = std::fs::read_to_string(&capture).expect("the capture file");
    assert!(text.contains("tel:sh>"), "{text:?}");
    assert!(!text.contains('\u{1b}') && !text.contains('\r'), "{text:?}");

    // Save this host in the directory, with a charset of its own.
    h.get_by_label("Save to directory…").click();
    h.run();
    h.get_by_label("Name:").click();
    h.get_by_label("Name:").type_text(" line mode");
    h.run();
    h.get_by_role_and_label(Role::Button, "Save").click();
    wait_until(&mut h, "the directory entry", |t| t.directory().len() == 1);
    assert_eq!(terminal(&h).directory()[0].name, "127.0.0.1 line mode");
    assert_eq!(terminal(&h).directory()[0].port, 2325);

    // A second session in its own tab, from the bar.
    h.get_by_label("Port:").click();
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.get_by_label("Port:").type_text("2324");
    h.run();
    // The directory window, open since the entry was saved, lists it with its own Connect.
    assert_eq!(
        h.query_all_by_role_and_label(Role::Button, "Connect")
            .count(),
        2
    );
    h.get_by_label("Directory…").click();
    for _ in 0..20 {
        h.step();
    }
    h.get_by_role_and_label(Role::Button, "Connect").click();
    wait_until(&mut h, "a second tab", |t| t.sessions().len() == 2);
    wait_until(&mut h, "the second prompt", |t| {
        t.screen_text().contains("tel:sh>")
    });
    wait_until(&mut h, "connected", |t| {
        t.sessions()[1].state == portolan::ui::panels::terminal::session::State::Connected
    });
    assert!(
        h.state().status_line().contains("2 sessions"),
        "{}",
        h.state().status_line()
    );
    // telnetlib3's shell echoes: no local echo in this one. The screen is fed on a thread of
    // its own, so the prompt can show a frame before the session's WILL ECHO event is read.
    wait_until(&mut h, "the server's echo", |t| {
        !t.sessions()[1].local_line_mode()
    });
    // Each tab keeps its own screen: the first one still shows its commands.
    h.get_by_label_contains("127.0.0.1:2325").click();
    h.run();
    wait_until(&mut h, "the first tab's screen", |t| {
        t.screen_text().contains("5.0.1")
    });
    h.get_by_role(Role::Terminal).click();
    drop(h);

    // The directory is in the store: a new window on the same store lists the entry.
    let app = app_opening(dir.path(), "telnet://127.0.0.1:2325/");
    let entries = app
        .panel_state::<portolan::ui::panels::terminal::TerminalPanel>()
        .expect("terminal")
        .directory()
        .to_vec();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].host, "127.0.0.1");
}

/// The UDP window against socat's UDP echo server: a datagram sent comes back, listed with
/// its source; a socket bound to a chosen port lists what a peer sends to it.
#[test]
fn udp_datagrams_to_the_echo_server_and_from_a_peer() {
    if !common::server_up("socat echo", "127.0.0.1:7007") {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let mut h = terminal_harness(dir.path());
    sockets_menu(&mut h, "UDP…");
    common::type_into(&mut h, "Send to:", "127.0.0.1:7008");
    common::type_into(&mut h, "Datagram:", "hello udp");
    h.get_by_role_and_label(Role::Button, "Send").click();
    let echo: std::net::SocketAddr = "127.0.0.1:7008".parse().expect("addr");
    wait_until(&mut h, "the echo, from the echo server", |t| {
        t.udp_datagrams()
            .iter()
            .any(|(out, peer, bytes)| !out && *peer == echo && bytes == b"hello udp\n")
    });
    wait_for(&mut h, "← 127.0.0.1:7008 (10 bytes) hello udp");
    // Hex both ways: bytes typed as hex go out as those bytes.
    h.get_by_label("Datagram is hex").click();
    h.run();
    common::type_into(&mut h, "Datagram:", "00 ff 41");
    h.get_by_role_and_label(Role::Button, "Send").click();
    wait_until(&mut h, "the binary echo", |t| {
        t.udp_datagrams()
            .iter()
            .any(|(out, _, bytes)| !out && bytes == &[0x00, 0xff, 0x41])
    });
    h.get_by_label("Show as hex").click();
    wait_for(&mut h, "(3 bytes) 00 ff 41");

    // Receiving: close, bind a port of our choosing, and a peer's datagram is listed with
    // the peer's address.
    h.get_by_role_and_label(Role::Button, "Close socket")
        .click();
    h.run();
    let port = 21_190;
    common::type_into(&mut h, "Local address:", &format!("127.0.0.1:{port}"));
    h.get_by_role_and_label(Role::Button, "Open socket").click();
    wait_for(&mut h, &format!("Bound to 127.0.0.1:{port}"));
    let peer = std::net::UdpSocket::bind("127.0.0.1:0").expect("peer");
    peer.send_to(b"from a peer", ("127.0.0.1", port))
        .expect("send");
    let from = peer.local_addr().expect("addr");
    wait_until(&mut h, "the peer's datagram", |t| {
        t.udp_datagrams()
            .iter()
            .any(|(out, p, bytes)| !out && *p == from && bytes == b"from a peer")
    });
}

fn job_states(h: &Harness<'static, App>) -> Vec<portolan::ui::activity::JobState> {
    h.state()
        .activity
        .jobs
        .iter()
        .map(|j| j.state.clone())
        .collect()
}

fn wait_job_done(h: &mut Harness<'static, App>, count: usize) {
    use portolan::ui::activity::JobState;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        h.step();
        let states = job_states(h);
        if states
            .iter()
            .filter(|s| matches!(s, JobState::Done(_)))
            .count()
            >= count
        {
            return;
        }
        assert!(
            !states.iter().any(|s| matches!(s, JobState::Failed(_))),
            "{states:?}"
        );
        assert!(std::time::Instant::now() < deadline, "{states:?}");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Files over TCP from the panel, as Activity jobs: a file sent to `nc -l` arrives byte for
/// byte, and one sent by `nc` is written under the name chosen here, through `.part`.
#[test]
fn a_file_sent_to_nc_and_one_received_from_it() {
    if !common::server_up("socat echo", "127.0.0.1:7007") {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("blob.bin");
    let data = crate::sockets::blob(2_000_000);
    std::fs::write(&file, &data).expect("write");
    let app = app_on_start_page(dir.path());
    let mut h = Harness::builder()
        .with_size([1200.0, 760.0])
        .build_ui_state(|ui, app: &mut App| app.frame(ui), app);
    h.run();
    let chosen = file.clone();
    let received = dir.path().join("from-nc.bin");
    let save_as = received.clone();
    {
        let t = h
            .state_mut()
            .panel_state_mut::<portolan::ui::panels::terminal::TerminalPanel>()
            .expect("terminal");
        t.set_open_dialog(std::sync::Arc::new(move |_| Some(chosen.clone())));
        t.set_capture_dialog(std::sync::Arc::new(move |_| Some(save_as.clone())));
    }
    h.get_by_label("Terminal").click();
    h.run();
    sockets_menu(&mut h, "Files over TCP…");

    let port = 21_191;
    let caught = dir.path().join("caught-by-nc.bin");
    let mut nc = std::process::Command::new("nc.openbsd")
        .args(["-l", "127.0.0.1", &port.to_string()])
        .stdin(std::process::Stdio::null())
        .stdout(std::fs::File::create(&caught).expect("nc's output"))
        .spawn()
        .expect("nc -l");
    crate::sockets::wait_listening(port);
    common::type_into(&mut h, "Send to (host:port):", &format!("127.0.0.1:{port}"));
    h.get_by_label("Choose file to send…").click();
    wait_for(&mut h, "blob.bin");
    h.get_by_role_and_label(Role::Button, "Send file").click();
    wait_job_done(&mut h, 1);
    assert!(nc.wait().expect("nc").success());
    assert!(
        std::fs::read(&caught).expect("caught") == data,
        "nc got other bytes"
    );

    let port = 21_192;
    common::type_into(
        &mut h,
        "Receive on (address:port):",
        &format!("127.0.0.1:{port}"),
    );
    h.get_by_label("Save as…").click();
    wait_for(&mut h, "from-nc.bin");
    h.get_by_role_and_label(Role::Button, "Wait for the file")
        .click();
    // The job starts with the next frame.
    for _ in 0..100 {
        if h.state().activity.jobs.len() == 2 {
            break;
        }
        h.step();
    }
    assert_eq!(
        h.state().activity.jobs.len(),
        2,
        "the receive job did not start"
    );
    crate::sockets::wait_listening(port);
    let status = std::process::Command::new("nc.openbsd")
        .args(["-N", "127.0.0.1", &port.to_string()])
        .stdin(std::fs::File::open(&file).expect("open"))
        .status()
        .expect("nc");
    assert!(status.success());
    wait_job_done(&mut h, 2);
    assert!(std::fs::read(&received).expect("received") == data);
    assert!(!dir.path().join("from-nc.bin.part").exists());

    // A peer that breaks off (a reset) mid-file: the job fails in words and keeps the part.
    let port = 21_193;
    common::type_into(
        &mut h,
        "Receive on (address:port):",
        &format!("127.0.0.1:{port}"),
    );
    h.get_by_role_and_label(Role::Button, "Wait for the file")
        .click();
    for _ in 0..100 {
        if h.state().activity.jobs.len() == 3 {
            break;
        }
        h.step();
    }
    crate::sockets::wait_listening(port);
    std::fs::remove_file(&received).expect("make room");
    let mut peer = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    let half = crate::sockets::blob(100_000);
    std::io::Write::write_all(&mut peer, &half).expect("half");
    std::thread::sleep(std::time::Duration::from_millis(200));
    socket2::SockRef::from(&peer)
        .set_linger(Some(std::time::Duration::ZERO))
        .expect("linger 0: close with a reset");
    drop(peer);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let failure = loop {
        h.step();
        // The list is newest first.
        if let Some(portolan::ui::activity::JobState::Failed(e)) = job_states(&h).first() {
            break e.clone();
        }
        assert!(std::time::Instant::now() < deadline, "{:?}", job_states(&h));
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert!(failure.contains("broke off"), "{failure}");
    assert!(failure.contains("from-nc.bin.part"), "{failure}");
    assert!(!received.exists(), "no file made from half the bytes");
    assert!(dir.path().join("from-nc.bin.part").exists());
}
