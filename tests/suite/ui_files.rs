//! The Files panel driven through its accessible labels against the real vsftpd.

use crate::common;
use std::time::{Duration, Instant};

use crate::common::Panels as _;
use crate::common::{type_into, wait_for};
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use portolan::protocol_log::ProtocolLog;
use portolan::ui::app::{App, AppConfig};

fn start(dir: &tempfile::TempDir, url: Option<&str>) -> Harness<'static, App> {
    start_with(dir, url, true)
}

/// With `session_secrets` false the app keeps passwords as a desktop would: the keyring, else
/// the encrypted file.
fn start_with(
    dir: &tempfile::TempDir,
    url: Option<&str>,
    session_secrets: bool,
) -> Harness<'static, App> {
    let downloads = dir.path().join("downloads");
    std::fs::create_dir_all(&downloads).expect("downloads");
    let config = AppConfig {
        store_path: dir.path().join("store.sqlite3"),
        extra_roots: portolan::proto::tls::Trust::load_pem(&common::ca_pem()).expect("ca"),
        start_url: url.map(str::to_string),
        log: ProtocolLog::default(),
        download_dir: Some(downloads),
        restore_session: false,
        startup_probe: None,
        session_secrets,
    };
    let app = App::new(config).expect("app");
    Harness::builder()
        .with_size([1280.0, 800.0])
        .build_ui_state(|ui, app: &mut App| app.frame(ui), app)
}

#[test]
fn connect_from_the_form_open_a_folder_and_download_a_file() {
    if !common::server_up("vsftpd", "127.0.0.1:2121") {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let mut h = start(&dir, None);
    connect_form(&mut h);
    assert!(
        h.state().files().status().starts_with("🔒"),
        "{}",
        h.state().files().status()
    );
    // Open a folder by typing its path.
    type_into(&mut h, "Remote folder:", "/dir");
    h.key_press(egui::Key::Enter);
    wait_for(&mut h, "one.txt");
    // Rows are picked by pointer: hover first, as a hand on a mouse would.
    download_row(&mut h, "one.txt");
    let saved = std::fs::read(dir.path().join("downloads/one.txt")).expect("downloaded");
    assert_eq!(saved, b"one\n");
}

#[test]
fn an_ftp_url_opens_the_files_panel_connected() {
    if !common::server_up("vsftpd", "127.0.0.1:2121") {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let mut h = start(&dir, Some("ftp://localhost:2121/pub/"));
    wait_for(&mut h, "readme.txt");
    assert_eq!(h.state().files().remote_path, b"/pub/");
}

/// Types `text` into the field labelled `label`, replacing what it held.
fn connect_form(h: &mut Harness<'static, App>) {
    wait_for(h, "Browser");
    h.get_by_label("Files").click();
    h.step();
    for (label, text) in [
        ("Host:", "localhost"),
        ("User:", "tester"),
        ("Password:", "secret"),
        ("Port:", "2121"),
    ] {
        type_into(h, label, text);
    }
    h.get_by_role_and_label(Role::Button, "Connect").click();
    wait_for(h, "hello.txt");
}

/// Picks the row `label` and downloads it, waiting until the Activity list says it is done.
fn download_row(h: &mut Harness<'static, App>, label: &str) {
    pick(h, label);
    h.get_by_role_and_label(Role::Button, "⬇ Download").click();
    wait_for(h, "Done:");
}

fn pick(h: &mut Harness<'static, App>, label: &str) {
    h.get_by_label_contains(label).hover();
    h.step();
    h.get_by_label_contains(label).click();
    h.step();
    h.step();
}

#[test]
fn a_folder_downloads_with_everything_in_it() {
    if !common::server_up("vsftpd", "127.0.0.1:2121") {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let mut h = start(&dir, None);
    connect_form(&mut h);
    download_row(&mut h, "🗀 dir");
    let deep = std::fs::read(dir.path().join("downloads/dir/sub/deep.txt")).expect("deep");
    assert_eq!(deep, b"deep\n");
}

#[test]
fn compare_shows_the_plan_and_applies_it() {
    if !common::server_up("vsftpd", "127.0.0.1:2121") {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let mut h = start(&dir, Some("ftp://tester:secret@localhost:2121/dir/"));
    wait_for(&mut h, "one.txt");
    h.get_by_role_and_label(Role::Button, "⇄ Compare").click();
    wait_for(&mut h, "Plan: 2 transfer(s)");
    wait_for(&mut h, "sub/deep.txt");
    h.get_by_role_and_label(Role::Button, "Apply the plan")
        .click();
    wait_for(&mut h, "Done:");
    wait_for(&mut h, "2 file(s) transferred, 0 deleted");
    assert_eq!(
        std::fs::read(dir.path().join("downloads/one.txt")).expect("one"),
        b"one\n"
    );
    assert_eq!(
        std::fs::read(dir.path().join("downloads/sub/deep.txt")).expect("deep"),
        b"deep\n"
    );
}

/// Opens the site manager and fills its form: `fields` by label, then the port.
fn fill_site_form(h: &mut Harness<'static, App>, fields: &[(&str, &str)], port: &str) {
    wait_for(h, "Browser");
    h.get_by_label("Files").click();
    h.step();
    h.get_by_role_and_label(Role::Button, "Sites…").click();
    wait_for(h, "Site manager");
    for (label, text) in fields {
        type_into(h, label, text);
    }
    type_into(h, "Site port:", port);
}

#[test]
fn a_site_saved_in_the_site_manager_connects_and_keeps_no_password_in_the_database() {
    if !common::server_up("vsftpd", "127.0.0.1:2121") {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let mut h = start(&dir, None);
    fill_site_form(
        &mut h,
        &[
            ("Site host:", "localhost"),
            ("Site user:", "tester"),
            ("Site password:", "secret"),
            ("Remote folder:", "/dir"),
        ],
        "2121",
    );
    // The server's café.txt is named in Latin-1: the site says so.
    pick(&mut h, "Names charset:");
    pick(&mut h, "Latin-1");
    h.get_by_role_and_label(Role::Button, "Save and connect")
        .click();
    wait_for(&mut h, "one.txt");
    assert_eq!(h.state().files().sites.len(), 1);
    let saved = &h.state().files().sites[0];
    assert_eq!(saved.host, "localhost");
    assert_eq!((saved.charset.as_str(), saved.max_parallel), ("Latin-1", 3));
    assert_eq!(
        h.state().files().name_charset,
        Some(portolan::charset::Charset::Latin1)
    );
    // Queue a download from the saved site and see it finish in the Activity list.
    download_row(&mut h, "one.txt");
    assert_eq!(
        std::fs::read(dir.path().join("downloads/one.txt")).expect("downloaded"),
        b"one\n"
    );
    h.state().flush_store();
    for file in ["store.sqlite3", "store.sqlite3-wal"] {
        if let Ok(bytes) = std::fs::read(dir.path().join(file)) {
            assert!(
                !bytes.windows(6).any(|w| w == b"secret"),
                "a password reached {file}"
            );
        }
    }
}

/// The row named `name` in the remote pane (on the right) or the local one (on the left):
/// both panes may list the same name.
fn row<'a>(h: &'a Harness<'static, App>, name: &'a str, remote: bool) -> egui_kittest::Node<'a> {
    let x = |n: &egui_kittest::Node<'_>| n.rect().min.x;
    let rows = h.get_all_by_label_contains(name);
    if remote {
        rows.max_by(|a, b| x(a).total_cmp(&x(b)))
    } else {
        rows.min_by(|a, b| x(a).total_cmp(&x(b)))
    }
    .expect("row")
}

/// Scrolls to a row, then hovers and clicks it, as a hand on a mouse would.
fn pick_row(h: &mut Harness<'static, App>, name: &str, remote: bool) {
    row(h, name, remote).scroll_to_me();
    h.step();
    row(h, name, remote).hover();
    h.step();
    row(h, name, remote).click();
    h.step();
    h.step();
}

#[test]
fn a_download_over_an_existing_file_asks_first() {
    if !common::server_up("vsftpd", "127.0.0.1:2121") {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::create_dir_all(dir.path().join("downloads")).expect("mkdir");
    std::fs::write(dir.path().join("downloads/hello.txt"), b"old local copy\n").expect("write");
    let mut h = start(&dir, Some("ftp://tester:secret@localhost:2121/"));
    // Both panes must be listed: the local one has the old file, the remote one the server's.
    let deadline = Instant::now() + Duration::from_secs(20);
    while h.state().files().local.is_empty() || h.state().files().remote.is_empty() {
        assert!(Instant::now() < deadline, "listings did not arrive");
        h.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    h.step();
    pick_row(&mut h, "hello.txt", true);
    h.get_by_role_and_label(Role::Button, "⬇ Download").click();
    wait_for(&mut h, "already exists");
    h.get_by_role_and_label(Role::Button, "Keep both").click();
    wait_for(&mut h, "Done:");
    assert_eq!(
        std::fs::read(dir.path().join("downloads/hello.txt")).expect("old"),
        b"old local copy\n"
    );
    assert_eq!(
        std::fs::read(dir.path().join("downloads/hello (1).txt")).expect("new"),
        b"hello over FTP\n"
    );
    // A finished transfer refreshes the panes, which clears the selection: pick again.
    for _ in 0..10 {
        h.step();
    }
    pick_row(&mut h, "hello.txt", true);
    h.get_by_role_and_label(Role::Button, "⬇ Download").click();
    wait_for(&mut h, "already exists");
    h.get_by_role_and_label(Role::Button, "Overwrite").click();
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::fs::read(dir.path().join("downloads/hello.txt"))
        .ok()
        .as_deref()
        != Some(&b"hello over FTP\n"[..])
    {
        assert!(Instant::now() < deadline, "hello.txt was not overwritten");
        h.step();
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn dragging_a_remote_row_onto_the_local_pane_downloads_it() {
    if !common::server_up("vsftpd", "127.0.0.1:2121") {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let mut h = start(&dir, Some("ftp://tester:secret@localhost:2121/dir/"));
    wait_for(&mut h, "one.txt");
    let from = h.get_by_label_contains("one.txt").rect().center();
    let to = egui::pos2(150.0, 500.0); // the empty local pane
    common::drag(&mut h, from, to);
    wait_for(&mut h, "Done:");
    assert_eq!(
        std::fs::read(dir.path().join("downloads/one.txt")).expect("one"),
        b"one\n"
    );
}

#[test]
fn an_upload_over_a_shorter_remote_file_can_resume_it() {
    if !common::server_up("vsftpd", "127.0.0.1:2121") {
        return;
    }
    let folder = format!(
        "ui-resume-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    );
    let on_server = common::srv().join("ftp/home/tester/upload").join(&folder);
    std::fs::create_dir_all(&on_server).expect("remote folder");
    let full: Vec<u8> = (0..200_000u32).map(|i| (i % 253) as u8).collect();
    std::fs::write(on_server.join("same.bin"), &full[..50_000]).expect("remote part");
    // The server's user must be able to append to it.
    let _ = std::process::Command::new("chown")
        .args(["-R", "tester:tester"])
        .arg(&on_server)
        .status();
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::create_dir_all(dir.path().join("downloads")).expect("mkdir");
    std::fs::write(dir.path().join("downloads/same.bin"), &full).expect("local file");
    let url = format!("ftp://tester:secret@localhost:2121/upload/{folder}/");
    let mut h = start(&dir, Some(&url));
    let deadline = Instant::now() + Duration::from_secs(20);
    while h.state().files().local.is_empty() || h.state().files().remote.is_empty() {
        assert!(Instant::now() < deadline, "listings did not arrive");
        h.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    h.step();
    pick_row(&mut h, "same.bin", false);
    h.get_by_role_and_label(Role::Button, "⬆ Upload").click();
    wait_for(&mut h, "already exists on the server");
    h.get_by_role_and_label(Role::Button, "Resume").click();
    wait_for(&mut h, "Done:");
    wait_for(&mut h, "uploaded to /upload/");
    assert!(
        std::fs::read(on_server.join("same.bin")).expect("uploaded") == full,
        "the resumed upload differs"
    );
}

#[test]
fn a_saved_site_without_a_stored_password_asks_for_it() {
    if !common::server_up("vsftpd", "127.0.0.1:2121") {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let mut h = start(&dir, None);
    fill_site_form(
        &mut h,
        &[
            ("Site host:", "localhost"),
            ("Site user:", "tester"),
            ("Remote folder:", "/dir"),
        ],
        "2121",
    );
    h.get_by_role_and_label(Role::Button, "Save and connect")
        .click();
    wait_for(&mut h, "Password for the site:");
    assert!(!h.state().files().is_connected());
    h.get_by_label("Password for the site:").type_text("secret");
    h.step();
    h.get_by_role_and_label(Role::Button, "Log in").click();
    wait_for(&mut h, "one.txt");
}

/// An address with a user and no password in the Host field keeps the password typed in its
/// own field, and opens the folder the address names; after Disconnect the remote pane no
/// longer shows the old listing.
#[test]
fn an_address_in_the_host_field_uses_the_typed_password_and_disconnect_clears() {
    if !common::server_up("vsftpd", "127.0.0.1:2121") {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let mut h = start(&dir, None);
    wait_for(&mut h, "Browser");
    h.get_by_label("Files").click();
    h.step();
    type_into(&mut h, "Password:", "secret");
    type_into(&mut h, "Host:", "ftp://tester@localhost:2121/dir/");
    h.get_by_role_and_label(Role::Button, "Connect").click();
    wait_for(&mut h, "one.txt");
    assert_eq!(h.state().files().remote_path, b"/dir/");
    assert!(h.state().files().is_connected());
    h.get_by_role_and_label(Role::Button, "Disconnect").click();
    for _ in 0..3 {
        h.step();
    }
    assert!(!h.state().files().is_connected());
    assert!(h.state().files().remote.is_empty());
    assert!(h.query_all_by_label_contains("one.txt").next().is_none());
}

/// On a desktop without a keyring: a password saved in the site manager is offered a
/// passphrase, kept in the encrypted file (not in plain text), and after a restart the file is
/// unlocked once and the saved site connects without asking for its password.
#[test]
#[allow(clippy::print_stderr)]
fn without_a_keyring_saved_passwords_last_across_runs_behind_a_passphrase() {
    if !common::server_up("vsftpd", "127.0.0.1:2121") {
        return;
    }
    if portolan::secrets::Keyring::available().is_some() {
        eprintln!("SKIPPED: this desktop has a keyring, so the encrypted file is not used");
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    {
        let mut h = start_with(&dir, None, false);
        fill_site_form(
            &mut h,
            &[
                ("Name:", "Kept site"),
                ("Site host:", "localhost"),
                ("Site user:", "tester"),
                ("Site password:", "secret"),
                ("Remote folder:", "/dir"),
            ],
            "2121",
        );
        h.get_by_role_and_label(Role::Button, "Save").click();
        wait_for(&mut h, "Keep saved passwords");
        type_into(&mut h, "Passphrase:", "correct horse");
        type_into(&mut h, "Repeat:", "correct horse");
        h.get_by_role_and_label(Role::Button, "Create").click();
        let deadline = Instant::now() + Duration::from_secs(20);
        while h.query_by_label("Keep saved passwords").is_some() {
            assert!(Instant::now() < deadline, "the file was not created");
            h.step();
            std::thread::sleep(Duration::from_millis(20));
        }
        h.state().flush_store();
    }
    let file = std::fs::read_to_string(dir.path().join("secrets.json")).expect("secrets file");
    assert!(!file.contains("secret"), "{file}");
    let mut h = start_with(&dir, None, false);
    wait_for(&mut h, "Unlock saved passwords");
    type_into(&mut h, "Passphrase:", "wrong");
    h.get_by_role_and_label(Role::Button, "Unlock").click();
    wait_for(&mut h, "does not open");
    type_into(&mut h, "Passphrase:", "correct horse");
    h.get_by_role_and_label(Role::Button, "Unlock").click();
    let deadline = Instant::now() + Duration::from_secs(20);
    while h.query_by_label("Unlock saved passwords").is_some() {
        assert!(Instant::now() < deadline, "the file was not unlocked");
        h.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    h.get_by_label("Files").click();
    h.step();
    h.get_by_role_and_label(Role::Button, "Sites…").click();
    wait_for(&mut h, "Kept site");
    h.get_by_label("Kept site").click();
    h.step();
    h.get_by_role_and_label(Role::Button, "Save and connect")
        .click();
    wait_for(&mut h, "one.txt");
    assert!(h.query_by_label("Password for the site:").is_none());
}

/// "Choose…" asks the desktop's folder dialog on a thread: the window keeps drawing while it
/// is open, and where the desktop has no dialog the folder stays as it was.
#[test]
fn choosing_a_local_folder_never_blocks_the_window() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut h = start(&dir, None);
    wait_for(&mut h, "Browser");
    h.get_by_label("Files").click();
    h.step();
    let before = h.state().files().local_path.clone();
    h.get_by_role_and_label(Role::Button, "Choose…").click();
    h.step();
    let deadline = Instant::now() + Duration::from_secs(20);
    // The button is disabled while the dialog is open, enabled again once it answered.
    while h
        .get_by_role_and_label(Role::Button, "Choose…")
        .accesskit_node()
        .is_disabled()
    {
        assert!(Instant::now() < deadline, "the dialog never answered");
        h.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(h.state().files().local_path, before);
}
