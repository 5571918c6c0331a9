//! One window: two real processes under Xvfb. A second `portolan URL` hands the link to the
//! window already running and exits; that window opens it (a `mailto:` link becomes a
//! composer whose draft reaches the store). After the window is killed, its socket file is
//! stale: the next window replaces it and takes links in its turn.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::kill_draft::{app, display, drafts};

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < deadline, "{what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `portolan URL` as the desktop runs it, in the same session as the window; its exit status.
fn hand(display: &crate::kill_draft::Display, home: &Path, url: &str) -> std::process::ExitStatus {
    let mut child = crate::kill_draft::portolan_in(display, home, &[url])
        .spawn()
        .expect("portolan URL");
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the second portolan opened a window of its own instead of handing over");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_second_portolan_hands_its_link_to_the_running_window() {
    let required = std::env::var("PORTOLAN_TEST_SERVERS").is_ok_and(|v| v == "1");
    let Some(d) = display() else {
        assert!(!required, "Xvfb is missing");
        return;
    };
    let home = tempfile::tempdir().expect("tmp");
    let db = home.path().join("data/portolan/portolan.sqlite3");
    let socket = home.path().join("run/portolan.sock");
    let mut first = app(&d, home.path(), &[]);
    wait_until("the window never listened", || {
        std::os::unix::net::UnixStream::connect(&socket).is_ok()
    });
    let mode = {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::metadata(&socket)
            .expect("socket")
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode, 0o600, "only its user may hand links to the window");

    let status = hand(
        &d,
        home.path(),
        "mailto:handed@example.org?subject=Handed%20over",
    );
    assert!(status.success(), "{status}");
    wait_until("the running window did not open the link", || {
        drafts(&db).iter().any(|t| t.contains("handed@example.org"))
    });
    assert!(
        first.try_wait().expect("wait").is_none(),
        "the window is still the one running"
    );

    // Killed: the socket file stays behind, answering nobody.
    first.kill().expect("kill -9");
    first.wait().expect("reaped");
    assert!(socket.exists());
    let mut second = app(&d, home.path(), &[]);
    wait_until("the next window did not replace the stale socket", || {
        std::os::unix::net::UnixStream::connect(&socket).is_ok()
    });
    let status = hand(&d, home.path(), "mailto:again@example.org?subject=Again");
    assert!(status.success(), "{status}");
    wait_until("the new window did not open the link", || {
        drafts(&db).iter().any(|t| t.contains("again@example.org"))
    });
    second.kill().expect("kill");
    second.wait().expect("reaped");
}
