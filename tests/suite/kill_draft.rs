//! The real binary in a real (virtual) window, killed with SIGKILL in the middle of writing:
//! the draft it was given by a `mailto:` link is in the store afterwards, and a second start
//! keeps it. (That the next start shows it as a composer tab is checked in `ui_compose`.)
#![allow(clippy::print_stderr)]

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Xvfb on a display it picks itself; killed on drop.
pub(crate) struct Display {
    xvfb: Child,
    pub(crate) name: String,
}

impl Drop for Display {
    fn drop(&mut self) {
        let _ = self.xvfb.kill();
        let _ = self.xvfb.wait();
    }
}

pub(crate) fn display() -> Option<Display> {
    let mut xvfb = Command::new("Xvfb")
        .args([
            "-displayfd",
            "1",
            "-nolisten",
            "tcp",
            "-screen",
            "0",
            "1024x768x24",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut line = String::new();
    BufReader::new(xvfb.stdout.take()?)
        .read_line(&mut line)
        .ok()?;
    let n = line.trim().to_string();
    (!n.is_empty()).then(|| Display {
        xvfb,
        name: format!(":{n}"),
    })
}

/// The real binary with `args`, in `display`, with a home of its own under `home`.
pub(crate) fn portolan_in(display: &Display, home: &Path, args: &[&str]) -> Command {
    let run = home.join("run");
    std::fs::create_dir_all(&run).expect("run dir");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    }
    let mut command = Command::new(env!("CARGO_BIN_EXE_portolan"));
    command
        .args(args)
        .env("DISPLAY", &display.name)
        .env_remove("WAYLAND_DISPLAY")
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("XDG_RUNTIME_DIR", &run)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

pub(crate) fn app(display: &Display, home: &Path, args: &[&str]) -> Child {
    portolan_in(display, home, args)
        .spawn()
        .expect("start portolan")
}

pub(crate) fn drafts(db: &Path) -> Vec<String> {
    let Ok(c) =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
    else {
        return Vec::new();
    };
    let Ok(mut st) = c.prepare("SELECT data FROM drafts") else {
        return Vec::new();
    };
    st.query_map([], |r| r.get::<_, String>(0))
        .map(|rows| rows.filter_map(Result::ok).collect())
        .unwrap_or_default()
}

#[test]
fn a_draft_survives_kill_9_of_the_real_window() {
    let required = std::env::var("PORTOLAN_TEST_SERVERS").is_ok_and(|v| v == "1");
    let Some(d) = display() else {
        assert!(
            !required,
            "Xvfb is missing (scripts/test-servers.sh install puts it there)"
        );
        eprintln!("SKIPPED: no Xvfb to run the window in");
        return;
    };
    let home = tempfile::tempdir().expect("tmp");
    let db = home.path().join("data/portolan/portolan.sqlite3");
    let mut first = app(
        &d,
        home.path(),
        &[
            "mailto:ann@example.org?subject=Killed%20mid-sentence&body=Dear%20Ann%2C%20the%20first%20half",
        ],
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while !drafts(&db)
        .iter()
        .any(|t| t.contains("Dear Ann, the first half"))
    {
        if let Ok(Some(status)) = first.try_wait() {
            panic!("the window ended early: {status}");
        }
        assert!(
            Instant::now() < deadline,
            "the draft never reached the store"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // SIGKILL: no exit handler, no flush.
    first.kill().expect("kill -9");
    first.wait().expect("reaped");
    let kept = drafts(&db);
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert!(kept[0].contains("Killed mid-sentence") && kept[0].contains("ann@example.org"));

    // The next start opens the store, migrations and all, and keeps the draft.
    let mut second = app(&d, home.path(), &[]);
    std::thread::sleep(Duration::from_secs(3));
    assert!(
        second.try_wait().expect("wait").is_none(),
        "the second start failed"
    );
    second.kill().expect("kill");
    second.wait().expect("reaped");
    assert_eq!(drafts(&db), kept);
}
