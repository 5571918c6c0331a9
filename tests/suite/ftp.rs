//! The FTP client against real vsftpd (plain, explicit, implicit and strict TLS with session
//! reuse, IPv6) and pure-ftpd (MLSD).

use crate::common;
use std::sync::Arc;

use portolan::proto::ftp::{EntryKind, FtpError, FtpSession, FtpSite, TlsMode};
use portolan::proto::net::Limits;
use portolan::proto::tls::Trust;

fn site(port: u16, tls: TlsMode, user: bool) -> FtpSite {
    FtpSite {
        host: "localhost".into(),
        port,
        user: user.then(|| "tester".into()),
        password: user.then(|| "secret".into()),
        tls,
        passive: true,
        ascii: false,
        max_parallel: 3,
    }
}

async fn connect(port: u16, tls: TlsMode, user: bool, trust: &Arc<Trust>) -> FtpSession {
    FtpSession::connect(&site(port, tls, user), trust, &Limits::default())
        .await
        .unwrap_or_else(|e| panic!("connect to {port}: {e}"))
}

fn home() -> std::path::PathBuf {
    common::srv().join("ftp/home/tester")
}

fn up() -> bool {
    common::server_up("vsftpd", "127.0.0.1:2121")
        && common::server_up("vsftpd implicit", "127.0.0.1:2990")
        && common::server_up("vsftpd strict", "127.0.0.1:2124")
        && common::server_up("pure-ftpd", "127.0.0.1:2123")
        && common::server_up("pyftpdlib", "127.0.0.1:2122")
}

#[tokio::test]
async fn anonymous_listing_over_ipv4_and_ipv6() {
    if !up() {
        return;
    }
    let trust = common::trust_with_ca();
    for host in ["127.0.0.1", "::1"] {
        let mut s = site(2121, TlsMode::Plain, false);
        s.host = host.into();
        let mut session = FtpSession::connect(&s, &trust, &Limits::default())
            .await
            .expect("connect");
        assert!(!session.secure);
        let entries = session.list(b"/pub").await.expect("list");
        assert!(
            entries
                .iter()
                .any(|e| e.name == b"readme.txt" && e.kind == EntryKind::File)
        );
        session.quit().await;
    }
}

#[tokio::test]
async fn explicit_tls_listing_keeps_raw_names_and_downloads_them() {
    if !up() {
        return;
    }
    let trust = common::trust_with_ca();
    let mut session = connect(2121, TlsMode::Explicit, true, &trust).await;
    assert!(session.secure);
    assert!(session.features.auth_tls);
    let entries = session.list(b"").await.expect("list");
    let names: Vec<&[u8]> = entries.iter().map(|e| e.name.as_slice()).collect();
    assert!(names.contains(&&b"caf\xe9.txt"[..]), "{names:?}");
    assert!(names.contains(&&b"name with spaces.txt"[..]), "{names:?}");
    let dir = entries.iter().find(|e| e.name == b"dir").expect("dir");
    assert_eq!(dir.kind, EntryKind::Dir);
    let mut got = Vec::new();
    session
        .retrieve(b"caf\xe9.txt", 0, &mut got, |_| {})
        .await
        .expect("download a non-UTF-8 name");
    assert_eq!(got, b"latin-1 name\n");
    session.quit().await;
}

#[tokio::test]
async fn implicit_tls_download_is_identical() {
    if !up() {
        return;
    }
    let trust = common::trust_with_ca();
    let mut session = connect(2990, TlsMode::Implicit, true, &trust).await;
    let mut got = Vec::new();
    let n = session
        .retrieve(b"blob.bin", 0, &mut got, |_| {})
        .await
        .expect("retr");
    let original = std::fs::read(home().join("blob.bin")).expect("original");
    assert_eq!(n, original.len() as u64);
    assert!(got == original);
}

#[tokio::test]
async fn strict_server_with_tls_session_reuse_downloads_and_uploads() {
    if !up() {
        return;
    }
    let trust = common::trust_with_ca();
    let mut session = connect(2124, TlsMode::Explicit, true, &trust).await;
    let mut got = Vec::new();
    session
        .retrieve(b"blob.bin", 0, &mut got, |_| {})
        .await
        .expect("retr");
    assert!(got == std::fs::read(home().join("blob.bin")).expect("original"));
    let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    session
        .store(b"upload/strict.bin", &mut data.as_slice(), |_| {})
        .await
        .expect("stor");
    assert!(std::fs::read(home().join("upload/strict.bin")).expect("uploaded") == data);
}

#[tokio::test]
async fn pure_ftpd_lists_with_mlsd() {
    if !up() {
        return;
    }
    let trust = common::trust_with_ca();
    let mut session = connect(2123, TlsMode::IfOffered, true, &trust).await;
    assert!(session.features.mlsd);
    let entries = session.list(b"").await.expect("mlsd");
    let blob = entries
        .iter()
        .find(|e| e.name == b"blob.bin")
        .expect("blob");
    assert_eq!(blob.size, Some(1_048_576));
    assert!(blob.modified.is_some());
    assert!(blob.raw.starts_with(b"type=") || blob.raw.contains(&b';'));
    let mut got = Vec::new();
    session
        .retrieve(b"blob.bin", 0, &mut got, |_| {})
        .await
        .expect("retr");
    assert!(got == std::fs::read(home().join("blob.bin")).expect("original"));
}

#[tokio::test]
async fn pyftpdlib_lists_with_mlsd_and_transfers_both_ways() {
    if !up() {
        return;
    }
    let trust = common::trust_with_ca();
    let mut s = site(2122, TlsMode::Explicit, true);
    s.host = "localhost".into();
    let mut session = FtpSession::connect(&s, &trust, &Limits::default())
        .await
        .expect("connect");
    assert!(session.secure);
    assert!(session.features.mlsd);
    let entries = session.list(b"/").await.expect("mlsd");
    assert!(
        entries
            .iter()
            .any(|e| e.name == b"blob.bin" && e.size == Some(1_048_576))
    );
    let mut got = Vec::new();
    session
        .retrieve(b"/blob.bin", 0, &mut got, |_| {})
        .await
        .expect("retr");
    assert!(got == std::fs::read(home().join("blob.bin")).expect("original"));
    let data = b"via pyftpdlib\n".to_vec();
    session
        .store(b"/upload/py.txt", &mut data.as_slice(), |_| {})
        .await
        .expect("stor");
    assert_eq!(
        std::fs::read(home().join("upload/py.txt")).expect("stored"),
        data
    );
}

#[tokio::test]
async fn interrupted_download_resumes_to_identical_bytes() {
    if !up() {
        return;
    }
    let trust = common::trust_with_ca();
    let original = std::fs::read(home().join("blob.bin")).expect("original");
    // What an interrupted transfer left in the .part file.
    let cut = 300_001usize;
    let mut part = original[..cut].to_vec();
    let mut session = connect(2121, TlsMode::Explicit, true, &trust).await;
    let n = session
        .retrieve(b"blob.bin", cut as u64, &mut part, |_| {})
        .await
        .expect("resumed retr");
    assert_eq!(n as usize, original.len() - cut);
    assert!(part == original);
}

#[tokio::test]
async fn mkdir_rename_delete() {
    if !up() {
        return;
    }
    let trust = common::trust_with_ca();
    let mut session = connect(2121, TlsMode::Explicit, true, &trust).await;
    session.mkdir(b"upload/newdir").await.expect("mkd");
    session
        .store(b"upload/newdir/a.txt", &mut &b"abc"[..], |_| {})
        .await
        .expect("stor");
    session
        .rename(b"upload/newdir/a.txt", b"upload/newdir/b.txt")
        .await
        .expect("rename");
    let names: Vec<Vec<u8>> = session
        .list(b"upload/newdir")
        .await
        .expect("list")
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert_eq!(names, vec![b"b.txt".to_vec()]);
    session
        .chmod(b"upload/newdir/b.txt", 0o600)
        .await
        .expect("chmod");
    session
        .delete_file(b"upload/newdir/b.txt")
        .await
        .expect("dele");
    session.remove_dir(b"upload/newdir").await.expect("rmd");
    assert!(!home().join("upload/newdir").exists());
}

#[tokio::test]
async fn untrusted_certificate_is_refused_with_details() {
    if !up() {
        return;
    }
    let trust = common::trust_without_ca();
    let err = FtpSession::connect(
        &site(2121, TlsMode::Explicit, true),
        &trust,
        &Limits::default(),
    )
    .await
    .err()
    .expect("refused");
    let FtpError::Untrusted(rejection) = err else {
        panic!("expected an untrusted certificate, got {err}");
    };
    assert!(rejection.cert.subject.contains("CN=localhost"));
}

#[tokio::test]
async fn wrong_password_is_a_clear_error() {
    if !up() {
        return;
    }
    let trust = common::trust_with_ca();
    let mut s = site(2121, TlsMode::Explicit, true);
    s.password = Some("wrong".into());
    let err = FtpSession::connect(&s, &trust, &Limits::default())
        .await
        .err()
        .expect("refused");
    let text = err.to_string();
    assert!(text.starts_with("localhost:2121: "), "{text}");
    assert!(text.contains("refused the login"), "{text}");
    assert!(text.contains("Login incorrect"), "{text}");
    assert!(
        !text.contains("Invalid response") && !text.contains("[530]"),
        "{text}"
    );
    // The reply code is kept as a field, for code that decides by it.
    assert!(
        matches!(
            err,
            portolan::proto::ftp::FtpError::Server {
                code: Some(530),
                ..
            }
        ),
        "{err:?}"
    );
}

/// A name no other test run uses.
fn unique(name: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{name}-{}-{nanos}", std::process::id())
}

mod mirroring {
    use super::*;
    use portolan::mirror::summarize;
    use portolan::workers::mirror::{Direction, MirrorJob, apply, make_plan};
    use portolan::workers::queue::TransferContext;

    /// The plan for mirroring `remote` and `local` one way.
    async fn plan_of(
        session: &mut FtpSession,
        remote: &[u8],
        local: &std::path::Path,
        direction: Direction,
        delete: bool,
    ) -> Vec<portolan::mirror::PlanItem> {
        make_plan(session, remote, local, direction, delete)
            .await
            .expect("plan")
    }

    /// Applies `plan` with `parallel` connections; `what` names the step if it fails.
    async fn apply_plan(
        job: &MirrorJob,
        plan: Vec<portolan::mirror::PlanItem>,
        parallel: usize,
        what: &str,
    ) -> portolan::workers::mirror::Outcome {
        apply(job, plan, parallel)
            .await
            .unwrap_or_else(|e| panic!("{what}: {e}"))
    }

    /// A mirror between `remote` and `local` with no app queue and no speed limit.
    fn job(
        site: &FtpSite,
        trust: &Arc<Trust>,
        remote: Vec<u8>,
        local: &std::path::Path,
        direction: Direction,
    ) -> MirrorJob {
        MirrorJob {
            site: site.clone(),
            trust: trust.clone(),
            limits: Limits::default(),
            remote,
            local: local.to_path_buf(),
            direction,
            context: TransferContext::default(),
        }
    }

    #[tokio::test]
    async fn download_mirror_is_identical_and_then_has_nothing_to_do() {
        if !up() {
            return;
        }
        let trust = common::trust_with_ca();
        let s = site(2121, TlsMode::Explicit, true);
        let local = tempfile::tempdir().expect("tmp");
        let mut session = connect(2121, TlsMode::Explicit, true, &trust).await;
        let plan = plan_of(
            &mut session,
            b"/dir",
            local.path(),
            Direction::Download,
            false,
        )
        .await;
        assert_eq!(summarize(&plan).transfers, 2);
        let outcome = apply_plan(
            &job(
                &s,
                &trust,
                b"/dir".to_vec(),
                local.path(),
                Direction::Download,
            ),
            plan,
            3,
            "apply",
        )
        .await;
        assert_eq!(outcome.transferred, 2);
        assert_eq!(
            std::fs::read(local.path().join("sub/deep.txt")).expect("deep"),
            b"deep\n"
        );
        assert_eq!(
            std::fs::read(local.path().join("one.txt")).expect("one"),
            b"one\n"
        );
        let again = plan_of(
            &mut session,
            b"/dir",
            local.path(),
            Direction::Download,
            true,
        )
        .await;
        let s2 = summarize(&again);
        assert_eq!((s2.transfers, s2.deletions), (0, 0), "{again:?}");
    }

    /// The bar of a folder job moves while a large file is still arriving, not only after it.
    #[tokio::test]
    async fn mirror_progress_counts_bytes_as_they_arrive() {
        use portolan::workers::mirror::apply_with_progress;
        if !up() {
            return;
        }
        let trust = common::trust_with_ca();
        let folder = format!("upload/{}", unique("progress"));
        let on_server = home().join(&folder);
        std::fs::create_dir_all(&on_server).expect("mkdir");
        let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 241) as u8).collect();
        std::fs::write(on_server.join("big.bin"), &data).expect("write");
        let local = tempfile::tempdir().expect("tmp");
        let remote = format!("/{folder}");
        let mut session = connect(2121, TlsMode::Plain, true, &trust).await;
        let plan = plan_of(
            &mut session,
            remote.as_bytes(),
            local.path(),
            Direction::Download,
            false,
        )
        .await;
        session.quit().await;
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let record = seen.clone();
        let outcome = apply_with_progress(
            &job(
                &site(2121, TlsMode::Plain, true),
                &trust,
                remote.as_bytes().to_vec(),
                local.path(),
                Direction::Download,
            ),
            plan,
            2,
            Arc::new(move |n, _files| record.lock().expect("lock").push(n)),
        )
        .await
        .expect("apply");
        let seen = seen.lock().expect("lock").clone();
        assert_eq!(outcome.bytes, 3_000_000);
        assert_eq!(seen.last(), Some(&3_000_000));
        assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
        assert!(
            seen.iter().any(|n| *n > 0 && *n < 3_000_000),
            "no report before the file was complete: {seen:?}"
        );
        assert!(std::fs::read(local.path().join("big.bin")).expect("read") == data);
        let _ = std::fs::remove_dir_all(&on_server);
    }

    #[tokio::test]
    async fn reverse_mirror_uploads_then_deletes_what_the_source_lost() {
        if !up() {
            return;
        }
        let trust = common::trust_with_ca();
        let s = site(2124, TlsMode::Explicit, true);
        let local = tempfile::tempdir().expect("tmp");
        std::fs::create_dir_all(local.path().join("a/b")).expect("mkdir");
        std::fs::write(local.path().join("a/b/c.bin"), vec![7u8; 70_000]).expect("write");
        std::fs::write(local.path().join("top.txt"), b"top\n").expect("write");
        let remote = format!("/upload/{}", unique("rev"));
        let mut session = connect(2124, TlsMode::Explicit, true, &trust).await;
        let reverse = job(
            &s,
            &trust,
            remote.as_bytes().to_vec(),
            local.path(),
            Direction::Upload,
        );
        let upward = async |session: &mut FtpSession| {
            plan_of(
                session,
                remote.as_bytes(),
                local.path(),
                Direction::Upload,
                true,
            )
            .await
        };
        let plan = upward(&mut session).await;
        apply_plan(&reverse, plan, 2, "upload").await;
        let on_server = home().join(remote.trim_start_matches('/'));
        assert_eq!(
            std::fs::read(on_server.join("a/b/c.bin")).expect("c"),
            vec![7u8; 70_000]
        );
        std::fs::remove_file(local.path().join("top.txt")).expect("rm");
        let plan = upward(&mut session).await;
        let sum = summarize(&plan);
        assert_eq!((sum.transfers, sum.deletions), (0, 1), "{plan:?}");
        apply_plan(&reverse, plan, 2, "delete").await;
        assert!(!on_server.join("top.txt").exists());
        assert!(on_server.join("a/b/c.bin").exists());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn window_download_continues_an_interrupted_part_file() {
    use portolan::workers::jobs::JobEvent;
    use portolan::workers::transfer::{Source, start_from};
    use portolan::workers::{EventSink, Notifier};
    if !up() {
        return;
    }
    let services = test_services();
    let original = std::fs::read(home().join("blob.bin")).expect("original");
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("blob.bin.part"), &original[..400_000]).expect("part");
    let (sink, rx) = EventSink::<JobEvent>::new(Notifier::new());
    let id = start_from(
        &services,
        Source::Ftp {
            site: site(2121, TlsMode::Explicit, true),
            path: b"/blob.bin".to_vec(),
            exists: portolan::workers::transfer::IfExists::Rename,
        },
        dir.path().to_path_buf(),
        "blob.bin".into(),
        sink.map(|e: JobEvent| e),
    )
    .id;
    let result = job_result(rx, id).await;
    assert_eq!(result, Ok(dir.path().join("blob.bin")));
    assert!(std::fs::read(dir.path().join("blob.bin")).expect("file") == original);
    assert!(!dir.path().join("blob.bin.part").exists());
}

#[tokio::test]
async fn ascii_mode_converts_line_ends_binary_does_not() {
    if !up() {
        return;
    }
    let trust = common::trust_with_ca();
    let mut s = site(2123, TlsMode::IfOffered, true);
    s.ascii = true;
    let mut session = FtpSession::connect(&s, &trust, &Limits::default())
        .await
        .expect("connect");
    let mut got = Vec::new();
    session
        .retrieve(b"hello.txt", 0, &mut got, |_| {})
        .await
        .expect("retr");
    assert_eq!(got, b"hello over FTP\r\n");
    let mut session = connect(2123, TlsMode::IfOffered, true, &trust).await;
    let mut got = Vec::new();
    session
        .retrieve(b"hello.txt", 0, &mut got, |_| {})
        .await
        .expect("retr");
    assert_eq!(got, b"hello over FTP\n");
}

/// A sink that takes `room` bytes and then fails, as a full disk or a crash would.
struct BreaksAfter {
    kept: Vec<u8>,
    room: usize,
}

impl std::io::Write for BreaksAfter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.kept.len() >= self.room {
            return Err(std::io::Error::other("interrupted"));
        }
        let n = buf.len().min(self.room - self.kept.len());
        self.kept.extend_from_slice(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_transfer_broken_off_mid_way_resumes_to_identical_bytes() {
    if !up() {
        return;
    }
    let trust = common::trust_with_ca();
    let original = std::fs::read(home().join("blob.bin")).expect("original");
    // First attempt: the data connection is dropped by our side after 300,000 bytes.
    let mut session = connect(2124, TlsMode::Explicit, true, &trust).await;
    let mut sink = BreaksAfter {
        kept: Vec::new(),
        room: 300_000,
    };
    let err = session
        .retrieve(b"blob.bin", 0, &mut sink, |_| {})
        .await
        .expect_err("the transfer breaks off");
    assert!(err.to_string().contains("interrupted"), "{err}");
    assert_eq!(sink.kept.len(), 300_000);
    drop(session);
    // A new connection continues from what arrived (REST over TLS with session reuse).
    let mut session = connect(2124, TlsMode::Explicit, true, &trust).await;
    let mut part = sink.kept;
    session
        .retrieve(b"blob.bin", part.len() as u64, &mut part, |_| {})
        .await
        .expect("resume");
    assert!(part == original);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_job_given_a_folder_sends_everything_in_it() {
    use portolan::workers::jobs::JobEvent;
    use portolan::workers::transfer::start_upload;
    use portolan::workers::{EventSink, Notifier};
    if !up() {
        return;
    }
    let services = test_services();
    let local = tempfile::tempdir().expect("tmp");
    std::fs::create_dir_all(local.path().join("inner")).expect("mkdir");
    std::fs::write(local.path().join("inner/x.txt"), b"x\n").expect("write");
    let remote = format!(
        "/upload/dropped-{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    );
    let (sink, rx) = EventSink::<JobEvent>::new(Notifier::new());
    let id = start_upload(
        &services,
        site(2121, TlsMode::Explicit, true),
        local.path().to_path_buf(),
        remote.as_bytes().to_vec(),
        false,
        sink.map(|e: JobEvent| e),
    )
    .id;
    let result = job_result(rx, id).await;
    assert!(result.is_ok(), "{result:?}");
    let on_server = home()
        .join(remote.trim_start_matches('/'))
        .join("inner/x.txt");
    assert_eq!(std::fs::read(on_server).expect("uploaded"), b"x\n");
}

/// One connection allowed for the site and a speed limit keep the first download running while
/// two more wait; the user moves the last one up and it starts next.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_keeps_the_site_limit_and_the_users_order() {
    use portolan::workers::jobs::{JobEvent, JobId};
    use portolan::workers::queue::Move;
    use portolan::workers::transfer::{Source, start_from};
    use portolan::workers::{EventSink, Notifier};
    if !up() {
        return;
    }
    let services = test_services();
    // 1 MiB at 300 kB/s: the first download runs for about three seconds.
    services.pacing.down.set(300_000);
    let mut s = site(2121, TlsMode::Plain, true);
    s.max_parallel = 1;
    let dir = tempfile::tempdir().expect("tmp");
    let (sink, rx) = EventSink::<JobEvent>::new(Notifier::new());
    let start = |path: &str| {
        start_from(
            &services,
            Source::Ftp {
                site: s.clone(),
                path: path.as_bytes().to_vec(),
                exists: portolan::workers::transfer::IfExists::Rename,
            },
            dir.path().to_path_buf(),
            path.trim_start_matches('/').to_string(),
            sink.map(|e: JobEvent| e),
        )
        .id
    };
    // Asked for back to back: they queue in that order, whichever task runs first.
    let a = start("/blob.bin");
    let b = start("/hello.txt");
    let c = start("/name with spaces.txt");
    assert_eq!(services.queue.running("tester@localhost:2121"), 1);
    assert_eq!(services.queue.waiting(), vec![b, c]);
    services.queue.move_job(c, Move::Up);
    assert_eq!(services.queue.waiting(), vec![c, b]);
    let events = tokio::task::spawn_blocking(move || {
        let mut started: Vec<JobId> = Vec::new();
        let mut finished = Vec::new();
        while finished.len() < 3 {
            match rx.recv_timeout(std::time::Duration::from_secs(30)) {
                Ok(JobEvent::Started { id, .. }) => started.push(id),
                Ok(JobEvent::Finished { id, result }) => finished.push((id, result)),
                Ok(JobEvent::Progress { .. } | JobEvent::Detail { .. }) => {}
                Err(e) => panic!("jobs did not finish: {e}"),
            }
        }
        (started, finished)
    })
    .await
    .expect("join");
    let (started, finished) = events;
    assert_eq!(started, vec![a, c, b]);
    assert!(finished.iter().all(|(_, r)| r.is_ok()), "{finished:?}");
    assert!(
        std::fs::read(dir.path().join("blob.bin")).expect("a")
            == std::fs::read(home().join("blob.bin")).expect("orig")
    );
    assert_eq!(
        std::fs::read(dir.path().join("name with spaces.txt")).expect("c"),
        std::fs::read(home().join("name with spaces.txt")).expect("orig")
    );
    assert_eq!(services.queue.running("tester@localhost:2121"), 0);
}

/// Held by each test that kills sessions on 2125, so two of them never kill each other's.
fn kill_server_lock() -> std::fs::File {
    let file = std::fs::File::create(std::env::temp_dir().join("portolan-kill-server.lock"))
        .expect("lock file");
    file.lock().expect("lock");
    file
}

/// Kills every process of the vsftpd instance on 2125 except its listener: the sessions
/// serving our connections die, and with them the data connection of a running transfer.
fn kill_sessions_of_the_kill_server() {
    let pid_file = common::srv().join("pids/vsftpd-kill.pid");
    let master = std::fs::read_to_string(&pid_file).expect("pid file of the 2125 server");
    let master = master.trim();
    // Found in /proc and killed with the shell's own `kill`: no procps needed.
    let pids: Vec<String> = std::fs::read_dir("/proc")
        .expect("/proc")
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter(|pid| pid.bytes().all(|b| b.is_ascii_digit()) && pid != master)
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|c| c.windows(16).any(|w| w == b"vsftpd-kill.conf"))
        })
        .collect();
    assert!(!pids.is_empty(), "no session process to kill");
    // One that ended meanwhile is fine; none killed at all is not.
    let script = format!(
        "ok=; for p in {}; do kill -KILL $p 2>/dev/null && ok=1; done; [ -n \"$ok\" ]",
        pids.join(" ")
    );
    let ok = std::process::Command::new("sh")
        .args(["-c", &script])
        .status()
        .is_ok_and(|s| s.success())
        || std::process::Command::new("sudo")
            .args(["-n", "sh", "-c", &script])
            .status()
            .is_ok_and(|s| s.success());
    assert!(ok, "could not kill {pids:?} (run as root or with sudo)");
}

/// The server side of a transfer dies mid-way (its vsftpd session is killed, so the data
/// connection closes early and the control connection with it). The download must fail, not
/// look complete, and what reached the disk resumes with REST on another server of the same
/// folder to identical bytes. Plain and with TLS.
#[tokio::test]
async fn a_download_cut_by_the_server_dying_resumes_to_identical_bytes() {
    // Far more than loopback buffers hold, so the server is still sending when it dies.
    const SIZE: usize = 32 * 1024 * 1024;
    if !up() || !common::server_up("vsftpd kill test", "127.0.0.1:2125") {
        return;
    }
    let _only_us = kill_server_lock();
    let name = "cut-by-kill.bin";
    let on_server = home().join(name);
    let original: Vec<u8> = (0..SIZE)
        .map(|i| (i.wrapping_mul(31) ^ (i >> 12)) as u8)
        .collect();
    if std::fs::read(&on_server).ok().as_deref() != Some(&original[..]) {
        let tmp = home().join(format!(".{name}.{}", std::process::id()));
        std::fs::write(&tmp, &original).expect("write the original");
        std::fs::rename(&tmp, &on_server).expect("rename");
    }
    let trust = common::trust_with_ca();
    for tls in [TlsMode::Plain, TlsMode::Explicit] {
        let dir = tempfile::tempdir().expect("tmp");
        let part = dir.path().join("cut-by-kill.bin.part");
        let mut file = std::fs::File::create(&part).expect("part");
        let mut session = connect(2125, tls, true, &trust).await;
        let mut killed = false;
        let result = session
            .retrieve(name.as_bytes(), 0, &mut file, |n| {
                if !killed && n >= 1_000_000 {
                    kill_sessions_of_the_kill_server();
                    killed = true;
                }
            })
            .await;
        assert!(killed, "{tls:?}: the transfer ended before the kill");
        assert!(
            result.is_err(),
            "{tls:?}: a transfer cut by the server looked complete: {result:?}"
        );
        drop(file);
        let have = std::fs::metadata(&part).expect("part").len();
        assert!(
            have >= 1_000_000 && have < SIZE as u64,
            "{tls:?}: {have} bytes on disk"
        );
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&part)
            .expect("reopen");
        let mut healthy = connect(2121, tls, true, &trust).await;
        let got = healthy
            .retrieve(name.as_bytes(), have, &mut file, |_| {})
            .await
            .expect("resume");
        healthy.quit().await;
        drop(file);
        assert_eq!(have + got, SIZE as u64);
        assert!(
            std::fs::read(&part).expect("read") == original,
            "{tls:?}: resumed file differs"
        );
    }
}

/// Active mode: the server connects back to us (EPRT/PORT) for listings and files.
#[tokio::test]
async fn active_mode_lists_and_downloads() {
    if !up() {
        return;
    }
    let trust = common::trust_with_ca();
    for (port, tls) in [
        (2121, TlsMode::Plain),
        (2121, TlsMode::Explicit),
        (2123, TlsMode::IfOffered),
        (2122, TlsMode::Plain),
    ] {
        let mut s = site(port, tls, true);
        s.passive = false;
        let mut session = FtpSession::connect(&s, &trust, &Limits::default())
            .await
            .unwrap_or_else(|e| panic!("{port} {tls:?}: {e}"));
        let list = session
            .list(b"/")
            .await
            .unwrap_or_else(|e| panic!("{port} {tls:?} list: {e}"));
        assert!(
            list.iter().any(|e| e.name == b"hello.txt"),
            "{port} {tls:?}: {list:?}"
        );
        let mut got = Vec::new();
        session
            .retrieve(b"/hello.txt", 0, &mut got, |_| {})
            .await
            .unwrap_or_else(|e| panic!("{port} {tls:?} retrieve: {e}"));
        assert_eq!(
            got,
            std::fs::read(home().join("hello.txt")).expect("hello"),
            "{port} {tls:?}"
        );
        session.quit().await;
    }
}

/// Waits, off the async runtime, for the next event on `rx` (30 s at most).
async fn next_event<E: Send + 'static>(
    rx: &std::sync::Arc<std::sync::Mutex<std::sync::mpsc::Receiver<E>>>,
) -> E {
    let rx = rx.clone();
    tokio::task::spawn_blocking(move || {
        rx.lock()
            .expect("lock")
            .recv_timeout(std::time::Duration::from_secs(30))
            .expect("an event within 30 s")
    })
    .await
    .expect("join")
}

/// Waits for job `id` to finish and returns its result.
async fn job_result(
    rx: std::sync::mpsc::Receiver<portolan::workers::jobs::JobEvent>,
    id: portolan::workers::jobs::JobId,
) -> Result<std::path::PathBuf, String> {
    use portolan::workers::jobs::JobEvent;
    let rx = std::sync::Arc::new(std::sync::Mutex::new(rx));
    loop {
        if let JobEvent::Finished { id: done, result } = next_event(&rx).await
            && done == id
        {
            return result;
        }
    }
}

/// Runs jobs to their end and returns each job's result.
async fn finish_jobs(
    rx: std::sync::mpsc::Receiver<portolan::workers::jobs::JobEvent>,
    count: usize,
) -> Vec<Result<std::path::PathBuf, String>> {
    use portolan::workers::jobs::JobEvent;
    tokio::task::spawn_blocking(move || {
        let mut done = Vec::new();
        while done.len() < count {
            match rx.recv_timeout(std::time::Duration::from_secs(30)) {
                Ok(JobEvent::Finished { result, .. }) => done.push(result),
                Ok(_) => {}
                Err(e) => panic!("jobs did not finish: {e}"),
            }
        }
        done
    })
    .await
    .expect("join")
}

fn test_services() -> portolan::workers::Services {
    let trust = common::trust_with_ca();
    portolan::workers::Services::new(
        tokio::runtime::Handle::current(),
        trust.clone(),
        portolan::proto::http::HttpClient::new(trust, &Limits::default()).expect("http"),
        Limits::default(),
    )
}

/// An upload cut off after its first megabyte leaves that much on the server; resuming appends
/// the rest (APPE) to identical bytes, and the copy gets the local file's time (MFMT on
/// pure-ftpd and pyftpdlib, `MDTM time path` on vsftpd).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_resumes_with_appe_and_keeps_the_files_time() {
    use portolan::workers::EventSink;
    use portolan::workers::Notifier;
    use portolan::workers::jobs::JobEvent;
    use portolan::workers::transfer::start_upload;
    // 2001-02-03T04:05:06Z
    const WHEN: u64 = 981_173_106;
    if !up() {
        return;
    }
    let services = test_services();
    let dir = tempfile::tempdir().expect("tmp");
    let local = dir.path().join("resumed.bin");
    let original: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&local, &original).expect("write");
    std::fs::File::options()
        .write(true)
        .open(&local)
        .and_then(|f| f.set_modified(std::time::UNIX_EPOCH + std::time::Duration::from_secs(WHEN)))
        .expect("set time");
    for (port, tls) in [
        (2121, TlsMode::Explicit),
        (2123, TlsMode::IfOffered),
        (2122, TlsMode::Explicit),
    ] {
        let remote = format!("/upload/{}", unique(&format!("resume-{port}")));
        let mut session = connect(port, tls, true, &services.trust).await;
        let mut first = std::io::Read::take(std::fs::File::open(&local).expect("open"), 1_000_000);
        session
            .store(remote.as_bytes(), &mut first, |_| {})
            .await
            .expect("first part");
        assert_eq!(
            session.size(remote.as_bytes()).await.expect("size"),
            Some(1_000_000)
        );
        let (sink, rx) = EventSink::<JobEvent>::new(Notifier::new());
        start_upload(
            &services,
            site(port, tls, true),
            local.clone(),
            remote.as_bytes().to_vec(),
            true,
            sink.map(|e: JobEvent| e),
        );
        let results = finish_jobs(rx, 1).await;
        assert!(results[0].is_ok(), "{port}: {results:?}");
        let on_server = home().join(remote.trim_start_matches('/'));
        assert!(
            std::fs::read(&on_server).expect("uploaded") == original,
            "{port}: the resumed upload differs"
        );
        assert_eq!(
            session.modified(remote.as_bytes()).await.expect("mdtm"),
            Some(WHEN as i64),
            "{port}: the time was not kept"
        );
        session.quit().await;
    }
}

/// "Resume" onto a finished-looking local file that is shorter than the remote one continues
/// it with REST, and a file already complete is only renamed into place.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_download_resumes_onto_a_shorter_local_file() {
    use portolan::workers::EventSink;
    use portolan::workers::Notifier;
    use portolan::workers::jobs::JobEvent;
    use portolan::workers::transfer::{IfExists, Source, start_from};
    if !up() {
        return;
    }
    let services = test_services();
    let original = std::fs::read(home().join("blob.bin")).expect("original");
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("blob.bin"), &original[..300_000]).expect("short copy");
    std::fs::write(dir.path().join("hello.txt"), b"hello").expect("short copy");
    let (sink, rx) = EventSink::<JobEvent>::new(Notifier::new());
    for (path, name) in [("/blob.bin", "blob.bin"), ("/hello.txt", "hello.txt")] {
        start_from(
            &services,
            Source::Ftp {
                site: site(2121, TlsMode::Plain, true),
                path: path.as_bytes().to_vec(),
                exists: IfExists::Resume,
            },
            dir.path().to_path_buf(),
            name.into(),
            sink.map(|e: JobEvent| e),
        );
    }
    let results = finish_jobs(rx, 2).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert!(std::fs::read(dir.path().join("blob.bin")).expect("blob") == original);
    assert_eq!(
        std::fs::read(dir.path().join("hello.txt")).expect("hello"),
        std::fs::read(home().join("hello.txt")).expect("orig")
    );
    assert!(!dir.path().join("blob.bin.part").exists());
    // Resuming a local file longer than the remote one is refused, and the file is kept.
    std::fs::write(dir.path().join("hello.txt"), vec![b'x'; 100]).expect("long");
    let (sink, rx) = EventSink::<JobEvent>::new(Notifier::new());
    start_from(
        &services,
        Source::Ftp {
            site: site(2121, TlsMode::Plain, true),
            path: b"/hello.txt".to_vec(),
            exists: IfExists::Resume,
        },
        dir.path().to_path_buf(),
        "hello.txt".into(),
        sink.map(|e: JobEvent| e),
    );
    let results = finish_jobs(rx, 1).await;
    assert!(
        results[0].as_ref().is_err_and(|e| e.contains("larger")),
        "{results:?}"
    );
    assert_eq!(
        std::fs::read(dir.path().join("hello.txt.part")).expect("kept"),
        vec![b'x'; 100]
    );
}

/// The server drops the Files panel's control connection (its session is killed): the next
/// command reconnects and is answered, with no error shown and nothing for the user to redo.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_panel_worker_reconnects_when_the_server_drops_it() {
    use portolan::workers::EventSink;
    use portolan::workers::Notifier;
    use portolan::workers::ftp::{FtpCommand, FtpEvent, spawn};
    if !up() || !common::server_up("vsftpd kill test", "127.0.0.1:2125") {
        return;
    }
    let _only_us = kill_server_lock();
    let services = test_services();
    let (sink, rx) = EventSink::<FtpEvent>::new(Notifier::new());
    let worker = spawn(
        services,
        site(2125, TlsMode::Explicit, true),
        sink.map(|e: FtpEvent| e),
    );
    let rx = std::sync::Arc::new(std::sync::Mutex::new(rx));
    let next = || next_event(&rx);
    assert!(matches!(
        next().await,
        FtpEvent::Connected { secure: true, .. }
    ));
    worker
        .send(FtpCommand::List(b"/dir".to_vec()))
        .expect("send");
    let FtpEvent::Listing { entries, .. } = next().await else {
        panic!("no listing");
    };
    let before: Vec<Vec<u8>> = entries.into_iter().map(|e| e.name).collect();
    kill_sessions_of_the_kill_server();
    worker
        .send(FtpCommand::List(b"/dir".to_vec()))
        .expect("send");
    match next().await {
        FtpEvent::Listing { path, entries } => {
            assert_eq!(path, b"/dir");
            assert_eq!(
                entries.into_iter().map(|e| e.name).collect::<Vec<_>>(),
                before
            );
        }
        other => panic!("after the drop: {other:?}"),
    }
    worker.send(FtpCommand::Disconnect).expect("send");
}

/// Cancelling a folder job stops its connections: no byte more arrives after the abort (they
/// were detached tasks that went on writing the same `.part` files).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_folder_job_moves_no_more_bytes() {
    use portolan::workers::EventSink;
    use portolan::workers::Notifier;
    use portolan::workers::job_spec::JobSpec;
    use portolan::workers::jobs::JobEvent;
    use portolan::workers::mirror::{Direction, MirrorJob};
    if !up() {
        return;
    }
    let services = test_services();
    // 2 MB at 200 kB/s: about ten seconds, long enough to cancel in the middle.
    services.pacing.down.set(200_000);
    let folder = format!("upload/{}", unique("cancel"));
    let on_server = home().join(&folder);
    std::fs::create_dir_all(&on_server).expect("mkdir");
    std::fs::write(on_server.join("big.bin"), vec![7u8; 2_000_000]).expect("write");
    let local = tempfile::tempdir().expect("tmp");
    let (sink, _rx) = EventSink::<JobEvent>::new(Notifier::new());
    let handle = JobSpec::Mirror {
        job: MirrorJob {
            site: site(2121, TlsMode::Plain, true),
            trust: services.trust.clone(),
            limits: Limits::default(),
            remote: format!("/{folder}").into_bytes(),
            local: local.path().to_path_buf(),
            direction: Direction::Download,
            context: services.transfers(0),
        },
        plan: None,
        delete: false,
    }
    .start(&services, sink.map(|e: JobEvent| e));
    let part = local.path().join("big.bin.part");
    let size = || std::fs::metadata(&part).map_or(0, |m| m.len());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while size() < 200_000 {
        assert!(
            std::time::Instant::now() < deadline,
            "the download never started"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    handle.abort.abort();
    // Bytes already read may still be flushed just after the abort; then nothing more.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let after_cancel = size();
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(
        size(),
        after_cancel,
        "the folder job's connection went on downloading after Cancel"
    );
    assert!(after_cancel < 2_000_000, "finished before the cancel");
    let _ = std::fs::remove_dir_all(&on_server);
}

/// A self-signed certificate made by `openssl req -x509` (which says CA:TRUE) is accepted when
/// the user names it (`--cacert`), as curl and lftp accept it: vsftpd with AUTH TLS.
#[tokio::test]
async fn ftps_with_a_named_self_signed_ca_certificate() {
    if !common::server_up("vsftpd self-signed", "127.0.0.1:2126") {
        return;
    }
    portolan::proto::tls::install_crypto_provider();
    let named = Trust::load_pem(&common::srv().join("tls/selfsigned.pem")).expect("pem");
    let trust = Trust::new(named).expect("trust");
    let mut session = connect(2126, TlsMode::Explicit, true, &trust).await;
    assert!(session.secure);
    let mut out = Vec::new();
    session
        .retrieve(b"/hello.txt", 0, &mut out, |_| {})
        .await
        .expect("download over TLS");
    assert_eq!(out, std::fs::read(home().join("hello.txt")).expect("orig"));
    session.quit().await;
    // Without it, the refusal says what is wrong in words.
    let err = FtpSession::connect(
        &site(2126, TlsMode::Explicit, true),
        &common::trust_without_ca(),
        &Limits::default(),
    )
    .await
    .err()
    .expect("refused");
    let text = err.to_string();
    assert!(text.contains("self-signed"), "{text}");
    assert!(
        !text.contains("CaUsedAsEndEntity") && !text.contains("Other("),
        "{text}"
    );
}

/// A reconnect that meets a certificate no longer trusted asks the user (the trust dialog),
/// as the first connection does, instead of ending in a plain failure.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reconnect_that_meets_an_untrusted_certificate_asks() {
    use portolan::workers::EventSink;
    use portolan::workers::Notifier;
    use portolan::workers::ftp::{FtpCommand, FtpEvent, spawn};
    if !up() || !common::server_up("vsftpd kill test", "127.0.0.1:2125") {
        return;
    }
    let _only_us = kill_server_lock();
    // Trusted once (pinned for this run), with no CA that would vouch for it.
    let trust = common::trust_without_ca();
    let leaf = Trust::load_pem(&common::srv().join("tls/cert.pem")).expect("leaf");
    let fp = portolan::proto::tls::fingerprint(leaf[0].as_ref());
    trust.pin("localhost", &fp);
    let services = portolan::workers::Services::new(
        tokio::runtime::Handle::current(),
        trust.clone(),
        portolan::proto::http::HttpClient::new(trust.clone(), &Limits::default()).expect("http"),
        Limits::default(),
    );
    let (sink, rx) = EventSink::<FtpEvent>::new(Notifier::new());
    let worker = spawn(
        services,
        site(2125, TlsMode::Explicit, true),
        sink.map(|e: FtpEvent| e),
    );
    let rx = std::sync::Arc::new(std::sync::Mutex::new(rx));
    let first = next_event(&rx).await;
    assert!(
        matches!(first, FtpEvent::Connected { secure: true, .. }),
        "{first:?}"
    );
    trust.unpin("localhost", &fp);
    kill_sessions_of_the_kill_server();
    worker
        .send(FtpCommand::List(b"/dir".to_vec()))
        .expect("send");
    match next_event(&rx).await {
        FtpEvent::Untrusted(r) => assert_eq!(r.host, "localhost"),
        other => panic!("the reconnect did not ask about the certificate: {other:?}"),
    }
}
