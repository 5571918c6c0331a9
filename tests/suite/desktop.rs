//! Link handlers on the desktop through the real `xdg-mime`, in a home of the test's own: the
//! handler read back, Portolan made the default for one scheme, and the same from Settings.

use std::path::Path;

use egui::accesskit::Role;
use egui_kittest::kittest::Queryable as _;
use portolan::desktop_handlers::{DESKTOP_ID, Handlers};

use crate::common;

/// A home with Portolan's desktop entry installed and another program opening gopher links.
fn home(dir: &Path) -> Option<Handlers> {
    let required = std::env::var("PORTOLAN_TEST_SERVERS").is_ok_and(|v| v == "1");
    if std::process::Command::new("xdg-mime")
        .arg("--version")
        .output()
        .is_err()
    {
        assert!(
            !required,
            "xdg-mime is missing (xdg-utils, from the test scripts)"
        );
        return None;
    }
    let apps = dir.join("data/applications");
    std::fs::create_dir_all(&apps).expect("apps");
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/packaging/portolan.desktop"),
        apps.join(DESKTOP_ID),
    )
    .expect("desktop entry");
    std::fs::write(
        apps.join("other.desktop"),
        "[Desktop Entry]\nType=Application\nName=Other\nExec=true %u\nMimeType=x-scheme-handler/gopher;\n",
    )
    .expect("other entry");
    // xdg-mime honours a choice only for an entry whose program is on the PATH, as the
    // installed package's is.
    let bin = Path::new(env!("CARGO_BIN_EXE_portolan"))
        .parent()
        .expect("bin dir")
        .to_path_buf();
    let mut path = std::ffi::OsString::from(bin);
    path.push(":");
    path.push(std::env::var_os("PATH").unwrap_or_default());
    std::fs::create_dir_all(dir.join("config")).expect("config");
    std::fs::write(
        dir.join("config/mimeapps.list"),
        "[Default Applications]\nx-scheme-handler/gopher=other.desktop\n",
    )
    .expect("mimeapps.list");
    Some(
        Handlers::default()
            .with_env("HOME", dir)
            .with_env("XDG_CONFIG_HOME", dir.join("config"))
            .with_env("XDG_DATA_HOME", dir.join("data"))
            .with_env("XDG_DATA_DIRS", dir.join("data"))
            .with_env("XDG_CURRENT_DESKTOP", "")
            .with_env("DESKTOP_SESSION", "")
            .with_env("PATH", path),
    )
}

#[test]
fn portolan_becomes_the_handler_for_a_scheme() {
    let dir = tempfile::tempdir().expect("tmp");
    let Some(handlers) = home(dir.path()) else {
        return;
    };
    assert_eq!(
        handlers.current("gopher").expect("query"),
        Some("other.desktop".to_string())
    );
    handlers.make_default("gopher").expect("default");
    assert_eq!(
        handlers.current("gopher").expect("query"),
        Some(DESKTOP_ID.to_string())
    );
    let list = std::fs::read_to_string(dir.path().join("config/mimeapps.list")).expect("list");
    assert!(
        list.contains("x-scheme-handler/gopher=portolan.desktop"),
        "{list}"
    );
}

#[test]
fn settings_shows_the_handlers_and_makes_portolan_one() {
    let dir = tempfile::tempdir().expect("tmp");
    let Some(handlers) = home(dir.path()) else {
        return;
    };
    let store = tempfile::tempdir().expect("store");
    let mut h = common::start_app(&store, None, [1100.0, 900.0]);
    h.state_mut().link_handlers =
        portolan::ui::link_handlers::LinkHandlersView::with_handlers(handlers.clone());
    h.run();
    h.get_by_role_and_label(Role::Button, "⚙ Settings").click();
    h.run();
    h.get_by_label("Links from the desktop").click();
    common::wait_for(&mut h, "other.desktop");
    h.get_by_role_and_label(Role::Button, "Use Portolan for gopher:")
        .click();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        h.step();
        let gopher = h
            .state()
            .link_handlers
            .rows
            .iter()
            .find(|r| r.0 == "gopher")
            .map(|r| r.1.clone());
        if gopher == Some(Ok(Some(DESKTOP_ID.to_string()))) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{gopher:?}");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(
        handlers.current("gopher").expect("query"),
        Some(DESKTOP_ID.to_string())
    );
}
