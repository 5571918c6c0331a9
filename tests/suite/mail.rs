//! IMAP and POP3 against the real dovecot (and exim for delivery) started by
//! `scripts/test-servers.sh`: plain, STARTTLS and implicit TLS, folders, messages byte for byte,
//! flags and moves seen from a second connection, UIDVALIDITY, IDLE after an SMTP send.

use crate::common;
use std::io::{BufRead as _, BufReader, Write as _};
use std::process::Command;
use std::time::Duration;

use crate::common::{server_up, srv, trust_with_ca, trust_without_ca};
use portolan::mail::Summary;
use portolan::proto::imap::{ImapError, ImapServer, ImapSession, SpecialUse};
use portolan::proto::net::{Limits, NetError};
use portolan::proto::pop3::{Pop3Error, Pop3Server, Pop3Session};
use portolan::proto::tls::TlsMode;

const IMAP: &str = "127.0.0.1:1143";

fn imap(user: &str, port: u16, tls: TlsMode) -> ImapServer {
    ImapServer {
        host: "localhost".into(),
        port,
        tls,
        user: user.into(),
        password: "secret".into(),
    }
}

fn pop(user: &str, port: u16, tls: TlsMode) -> Pop3Server {
    Pop3Server {
        host: "localhost".into(),
        port,
        tls,
        user: user.into(),
        password: "secret".into(),
    }
}

/// The corpus file dovecot serves as UID `uid` of tester's INBOX (they are written in order).
fn corpus_file(n: usize) -> Vec<u8> {
    let mut files: Vec<_> =
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/mail-corpus"))
            .expect("corpus")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .collect();
    files.sort();
    std::fs::read(&files[n - 1]).expect("read corpus file")
}

#[tokio::test]
async fn imap_in_every_tls_mode_lists_folders_with_roles_and_decoded_names() {
    if !server_up("dovecot IMAP", IMAP) {
        return;
    }
    let trust = trust_with_ca();
    let limits = Limits::default();
    for (port, tls, encrypted) in [
        (1143, TlsMode::Explicit, true),
        (1993, TlsMode::Implicit, true),
        (1143, TlsMode::Plain, false),
    ] {
        let mut s = ImapSession::connect(&imap("tester", port, tls), &trust, &limits)
            .await
            .unwrap_or_else(|e| panic!("{tls:?}: {e}"));
        assert_eq!(s.tls, encrypted, "{tls:?}");
        assert!(s.has("IDLE") && s.has("UIDPLUS"), "{:?}", s.capabilities);
        let folders = s.folders().await.expect("LIST");
        let names: Vec<&str> = folders.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names[0], "INBOX", "INBOX first: {names:?}");
        assert!(names.contains(&"Entwürfe"), "{names:?}");
        assert!(names.contains(&"Archive/2023"), "{names:?}");
        let sent = folders.iter().find(|f| f.name == "Sent").expect("Sent");
        assert_eq!(sent.special_use, Some(SpecialUse::Sent));
        assert!(sent.attributes.iter().any(|a| a == "\\Sent"));
        let entw = folders
            .iter()
            .find(|f| f.name == "Entwürfe")
            .expect("Entwürfe");
        assert_eq!(entw.wire, "Entw&APw-rfe");
        let status = s.status("INBOX").await.expect("STATUS");
        assert_eq!(status.messages, 12);
        assert!(status.uidvalidity.is_some() && status.highest_modseq.is_some());
        s.logout().await;
    }
}

#[tokio::test]
async fn an_untrusted_certificate_is_an_error_in_words() {
    if !server_up("dovecot IMAP", IMAP) {
        return;
    }
    let e = ImapSession::connect(
        &imap("tester", 1993, TlsMode::Implicit),
        &trust_without_ca(),
        &Limits::default(),
    )
    .await
    .expect_err("not trusted");
    assert!(matches!(e, ImapError::Net(NetError::Untrusted(_))), "{e}");
    assert!(e.to_string().contains("--cacert"), "{e}");
}

#[tokio::test]
async fn starttls_required_but_missing_never_logs_in_plain() {
    if !server_up("dovecot IMAP without TLS", "127.0.0.1:1144") {
        return;
    }
    let trust = trust_with_ca();
    let log = srv().join("dovecot-notls/logs/dovecot.log");
    let logins = || {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .matches("Login: user=<")
            .count()
    };
    let before = logins();
    let e = ImapSession::connect(
        &imap("tester", 1144, TlsMode::Explicit),
        &trust,
        &Limits::default(),
    )
    .await
    .expect_err("no STARTTLS");
    assert!(matches!(e, ImapError::NoStarttls { .. }), "{e}");
    let e = Pop3Session::connect(
        &pop("popper", 1111, TlsMode::Explicit),
        &trust,
        &Limits::default(),
    )
    .await
    .expect_err("no STLS");
    assert!(matches!(e, Pop3Error::NoStls { .. }), "{e}");
    // The same server in plain mode does log in, so the log would show a login had one happened.
    let s = Pop3Session::connect(
        &pop("popper", 1111, TlsMode::Plain),
        &trust,
        &Limits::default(),
    )
    .await
    .expect("plain login when chosen");
    s.quit().await.expect("QUIT");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(logins(), before + 1, "only the plain session logged in");
}

#[tokio::test]
async fn a_wrong_password_is_refused_in_words() {
    if !server_up("dovecot IMAP", IMAP) {
        return;
    }
    let mut server = imap("tester", 1143, TlsMode::Plain);
    server.password = "wrong".into();
    let e = ImapSession::connect(&server, &trust_with_ca(), &Limits::default())
        .await
        .expect_err("wrong password");
    assert!(matches!(e, ImapError::Login { .. }), "{e}");
    assert!(
        e.to_string().contains("check the user name and password"),
        "{e}"
    );
    assert!(!e.to_string().contains("Some("), "no Debug text: {e}");
}

#[tokio::test]
async fn headers_decode_every_charset_of_the_corpus() {
    if !server_up("dovecot IMAP", IMAP) {
        return;
    }
    let mut s = ImapSession::connect(
        &imap("tester", 1143, TlsMode::Plain),
        &trust_with_ca(),
        &Limits::default(),
    )
    .await
    .expect("login");
    s.examine("INBOX").await.expect("EXAMINE");
    let heads = s.heads("1:*").await.expect("FETCH");
    assert_eq!(heads.len(), 12);
    let subjects: Vec<String> = heads
        .iter()
        .map(|h| Summary::from_header(&h.header).subject)
        .collect();
    for want in [
        "Grüße aus Köln",
        "Zażółć gęślą jaźń",
        "Привет из Москвы",
        "会議のお知らせ",
        "你好，世界",
    ] {
        assert!(
            subjects.iter().any(|s| s == want),
            "{want} not in {subjects:?}"
        );
    }
    assert_eq!(heads[0].flags, vec!["\\Seen"]);
    assert!(heads[1].flags.is_empty());
    let flowed = Summary::from_header(&heads[10].header);
    assert_eq!(flowed.in_reply_to.as_deref(), Some("plain-01@example.test"));
    assert_eq!(heads[11].size, 27_368_896);
    // The 20 MB message comes whole and byte for byte, and reading it marks nothing read.
    let big = s
        .raw("INBOX", 12, Some(heads[11].size))
        .await
        .expect("BODY[]");
    assert_eq!(big.len(), 27_368_896);
    let raw = s.raw("INBOX", 6, None).await.expect("BODY[]");
    assert_eq!(raw, corpus_file(6));
    let again = s.heads("6,12").await.expect("FETCH");
    assert!(
        again.iter().all(|h| h.flags.is_empty()),
        "PEEK marks nothing: {again:?}"
    );
    let e = s.raw("INBOX", 999, None).await.expect_err("no such UID");
    assert!(
        matches!(e, ImapError::NoSuchMessage { uid: 999, .. }),
        "{e}"
    );
    s.logout().await;
}

/// A folder of its own for one test, in the scratch account, emptied first.
async fn scratch_folder(s: &mut ImapSession, name: &str) {
    let _ = s.delete(name).await;
    s.create(name).await.expect("CREATE");
}

fn message(subject: &str) -> Vec<u8> {
    format!(
        "From: Test <test@example.test>\r\nTo: scratch@localhost\r\nSubject: {subject}\r\n\
         Message-ID: <{}@example.test>\r\n\r\nBody of {subject}.\r\n",
        subject.replace(' ', ".")
    )
    .into_bytes()
}

#[tokio::test]
async fn flags_and_moves_are_seen_from_a_second_connection() {
    if !server_up("dovecot IMAP", IMAP) {
        return;
    }
    let trust = trust_with_ca();
    let limits = Limits::default();
    let server = imap("scratch", 1143, TlsMode::Plain);
    let mut a = ImapSession::connect(&server, &trust, &limits)
        .await
        .expect("login a");
    let mut b = ImapSession::connect(&server, &trust, &limits)
        .await
        .expect("login b");
    scratch_folder(&mut a, "Flags test").await;
    scratch_folder(&mut a, "Flags test/Moved").await;
    for i in 1..=3 {
        a.append("Flags test", None, &message(&format!("flag message {i}")))
            .await
            .expect("APPEND");
    }
    a.select("Flags test").await.expect("SELECT");
    a.store_flags(&[1, 3], &["\\Seen", "\\Flagged"], true)
        .await
        .expect("STORE");
    b.examine("Flags test").await.expect("EXAMINE");
    let heads = b.heads("1:*").await.expect("FETCH");
    let flags: Vec<&Vec<String>> = heads.iter().map(|h| &h.flags).collect();
    assert!(
        flags[0].contains(&"\\Seen".to_string()) && flags[0].contains(&"\\Flagged".to_string()),
        "{flags:?}"
    );
    assert!(flags[1].is_empty(), "{flags:?}");
    a.move_to(&[2], "Flags test/Moved").await.expect("MOVE");
    b.examine("Flags test").await.expect("EXAMINE");
    let left: Vec<u32> = b
        .heads("1:*")
        .await
        .expect("FETCH")
        .iter()
        .map(|h| h.uid)
        .collect();
    assert_eq!(left, vec![1, 3]);
    b.examine("Flags test/Moved").await.expect("EXAMINE");
    let moved = b.heads("1:*").await.expect("FETCH");
    assert_eq!(moved.len(), 1);
    assert_eq!(
        Summary::from_header(&moved[0].header).subject,
        "flag message 2"
    );
    // A folder renamed, then deleted.
    a.rename("Flags test/Moved", "Flags test/Renamed")
        .await
        .expect("RENAME");
    let names: Vec<String> = a
        .folders()
        .await
        .expect("LIST")
        .into_iter()
        .map(|f| f.name)
        .collect();
    assert!(
        names.contains(&"Flags test/Renamed".to_string()),
        "{names:?}"
    );
    // A refusal comes with the server's words.
    let e = a.create("Flags test").await.expect_err("exists");
    assert!(matches!(e, ImapError::Refused { .. }), "{e}");
    assert!(!e.to_string().contains("Some("), "{e}");
    a.delete("Flags test/Renamed").await.expect("DELETE");
    a.logout().await;
    b.logout().await;
}

#[tokio::test]
async fn a_recreated_folder_has_a_new_uidvalidity_and_old_links_say_so() {
    if !server_up("dovecot IMAP", IMAP) {
        return;
    }
    let trust = trust_with_ca();
    let mut s = ImapSession::connect(
        &imap("scratch", 1143, TlsMode::Plain),
        &trust,
        &Limits::default(),
    )
    .await
    .expect("login");
    scratch_folder(&mut s, "Validity").await;
    s.append("Validity", None, &message("first life"))
        .await
        .expect("APPEND");
    let before = s
        .status("Validity")
        .await
        .expect("STATUS")
        .uidvalidity
        .expect("UIDVALIDITY");
    // Dovecot gives a new UIDVALIDITY to a folder made again within the same second only when
    // it must; wait a second so the test sees what a user sees a day later.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    s.delete("Validity").await.expect("DELETE");
    s.create("Validity").await.expect("CREATE");
    s.append("Validity", None, &message("second life"))
        .await
        .expect("APPEND");
    let after = s
        .status("Validity")
        .await
        .expect("STATUS")
        .uidvalidity
        .expect("UIDVALIDITY");
    assert_ne!(before, after);
    s.logout().await;
    let out = Command::new(env!("CARGO_BIN_EXE_portolan"))
        .args([
            "get",
            &format!("imap://scratch@127.0.0.1:1143/Validity;UIDVALIDITY={before}/;UID=1"),
            "--tls",
            "plain",
        ])
        .env("PORTOLAN_PASSWORD", "secret")
        .output()
        .expect("run");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("UIDVALIDITY") && stderr.contains("was replaced"),
        "{stderr}"
    );
}

/// Sends a message to `to` through exim on 2525, as a mail program would (no AUTH: a local
/// recipient).
fn smtp_send(to: &str, subject: &str) {
    let stream = std::net::TcpStream::connect("127.0.0.1:2525").expect("exim");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut w = stream;
    let mut expect = |code: &str| loop {
        let mut line = String::new();
        reader.read_line(&mut line).expect("SMTP reply");
        assert!(line.starts_with(code), "wanted {code}, got {line:?}");
        if line.as_bytes().get(3) == Some(&b' ') {
            break;
        }
    };
    expect("220");
    for (cmd, code) in [
        ("EHLO test.example\r\n".to_string(), "250"),
        ("MAIL FROM:<sender@example.test>\r\n".to_string(), "250"),
        (format!("RCPT TO:<{to}>\r\n"), "250"),
        ("DATA\r\n".to_string(), "354"),
        (
            format!(
                "Subject: {subject}\r\nFrom: sender@example.test\r\nTo: {to}\r\n\r\nHello.\r\n.\r\n"
            ),
            "250",
        ),
        ("QUIT\r\n".to_string(), "221"),
    ] {
        w.write_all(cmd.as_bytes()).expect("send");
        expect(code);
    }
}

#[tokio::test]
async fn mail_sent_through_exim_arrives_during_idle() {
    if !server_up("dovecot IMAP", IMAP) || !server_up("exim", "127.0.0.1:2525") {
        return;
    }
    let trust = trust_with_ca();
    let mut s = ImapSession::connect(
        &imap("idler", 1143, TlsMode::Plain),
        &trust,
        &Limits::default(),
    )
    .await
    .expect("login");
    let before = s.select("INBOX").await.expect("SELECT").messages;
    let subject = format!("idle test {}", std::process::id());
    let sent_subject = subject.clone();
    let sender = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(500));
        smtp_send("idler@localhost", &sent_subject);
    });
    let started = std::time::Instant::now();
    let (mut s, end) = s
        .idle(Duration::from_secs(20), std::future::pending::<()>())
        .await
        .expect("IDLE");
    let waited = started.elapsed();
    sender.join().expect("sender");
    assert_eq!(
        end,
        portolan::proto::imap::IdleEnd::Changed,
        "after {waited:?}"
    );
    assert!(waited < Duration::from_secs(10), "{waited:?}");
    let status = s.select("INBOX").await.expect("SELECT");
    assert!(status.messages > before);
    let heads = s.heads("1:*").await.expect("FETCH");
    assert!(
        heads
            .iter()
            .any(|h| Summary::from_header(&h.header).subject == subject)
    );
    s.logout().await;
}

#[tokio::test]
async fn pop3_in_every_tls_mode_lists_and_retrieves_byte_for_byte() {
    if !server_up("dovecot POP3", "127.0.0.1:1110") {
        return;
    }
    let trust = trust_with_ca();
    let limits = Limits::default();
    for (port, tls, encrypted) in [
        (1110, TlsMode::Explicit, true),
        (1995, TlsMode::Implicit, true),
        (1110, TlsMode::Plain, false),
        (1110, TlsMode::IfOffered, true),
    ] {
        let mut s = Pop3Session::connect(&pop("popper", port, tls), &trust, &limits)
            .await
            .unwrap_or_else(|e| panic!("{tls:?}: {e}"));
        assert_eq!(s.tls, encrypted, "{tls:?}");
        assert!(
            s.capabilities.uidl && s.capabilities.top,
            "{:?}",
            s.capabilities
        );
        // After STLS the capabilities are asked again: STLS is no longer offered.
        if tls == TlsMode::Explicit {
            assert!(!s.capabilities.stls, "{:?}", s.capabilities);
        }
        let (count, _) = s.stat().await.expect("STAT");
        assert_eq!(count, 10);
        let list = s.list().await.expect("LIST");
        let uids = s.uidl().await.expect("UIDL");
        assert_eq!(list.len(), 10);
        assert_eq!(uids.len(), 10);
        let (_, size) = list[2];
        let raw = s.retr_vec(3, Some(size)).await.expect("RETR");
        let file = std::fs::read_dir(srv().join("mail/popper/Maildir/cur"))
            .expect("maildir")
            .map(|e| e.expect("entry").path())
            .find(|p| p.to_string_lossy().contains(".M3P"))
            .expect("message 3 on disk");
        assert_eq!(
            raw,
            std::fs::read(file).expect("read"),
            "dot-unstuffed, byte for byte"
        );
        assert!(raw.windows(20).any(|w| w == b"\r\n.starts with a dot"));
        let top = s.top(3, 0, 1 << 20).await.expect("TOP");
        assert!(top.starts_with(b"From: pop@example.test") && !top.ends_with(b"dot\r\n"));
        s.quit().await.expect("QUIT");
    }
}

#[tokio::test]
async fn pop3_deletes_only_at_quit() {
    if !server_up("dovecot POP3", "127.0.0.1:1110") {
        return;
    }
    let trust = trust_with_ca();
    let limits = Limits::default();
    let server = pop("popper", 1110, TlsMode::Plain);
    // DELE then a dropped connection: RFC 1939 removes nothing outside the UPDATE state.
    let mut s = Pop3Session::connect(&server, &trust, &limits)
        .await
        .expect("login");
    s.dele(1).await.expect("DELE");
    drop(s);
    // DELE then RSET then QUIT: nothing either.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut s = Pop3Session::connect(&server, &trust, &limits)
        .await
        .expect("login");
    assert_eq!(s.stat().await.expect("STAT").0, 10);
    s.dele(2).await.expect("DELE");
    s.rset().await.expect("RSET");
    s.quit().await.expect("QUIT");
    let mut s = Pop3Session::connect(&server, &trust, &limits)
        .await
        .expect("login");
    assert_eq!(s.stat().await.expect("STAT").0, 10);
    let e = s.retr_vec(99, None).await.expect_err("no message 99");
    assert!(matches!(e, Pop3Error::Refused { .. }), "{e}");
    s.quit().await.expect("QUIT");
}

fn portolan(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_portolan"))
        .args(args)
        .env("PORTOLAN_PASSWORD", "secret")
        .output()
        .expect("run portolan")
}

#[test]
fn cli_lists_folders_and_messages_as_json() {
    if !server_up("dovecot IMAP", IMAP) {
        return;
    }
    let ca = common::ca_pem();
    let ca = ca.to_string_lossy();
    let out = portolan(&[
        "ls",
        "imap://tester@localhost:1143/",
        "--json",
        "--tls",
        "require",
        "--cacert",
        &ca,
    ]);
    let folders = common::json_lines(&out);
    let inbox = folders
        .iter()
        .find(|f| f["folder"] == "INBOX")
        .expect("INBOX");
    assert_eq!(inbox["messages"], 12);
    assert_eq!(inbox["unseen"], 11);
    assert_eq!(inbox["delimiter"], "/");
    let sent = folders
        .iter()
        .find(|f| f["folder"] == "Sent")
        .expect("Sent");
    assert_eq!(sent["special_use"], "\\Sent");
    assert!(folders.iter().any(|f| f["folder"] == "Entwürfe"));

    let out = portolan(&[
        "ls",
        "imaps://tester@localhost:1993/INBOX",
        "--json",
        "--cacert",
        &ca,
    ]);
    let messages = common::json_lines(&out);
    assert_eq!(messages.len(), 12);
    let m3 = &messages[2];
    assert_eq!(m3["uid"], 3);
    assert_eq!(m3["from"], "Jürgen Müller <juergen@example.test>");
    assert_eq!(m3["subject"], "Grüße aus Köln");
    assert_eq!(m3["date"], "2023-11-16T21:13:20Z");
    assert_eq!(m3["size"], 498);
    assert_eq!(messages[0]["flags"], serde_json::json!(["\\Seen"]));
}

#[test]
fn cli_gets_messages_byte_for_byte_and_marks_nothing_read() {
    if !server_up("dovecot IMAP", IMAP) {
        return;
    }
    for url in [
        "imap://tester@127.0.0.1:1143/INBOX;UID=7",
        "imap://tester@127.0.0.1:1143/INBOX/;UID=7",
    ] {
        let out = portolan(&["get", url, "--tls", "plain"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.stdout, corpus_file(7), "{url}");
    }
    let out = portolan(&[
        "ls",
        "imap://tester@127.0.0.1:1143/INBOX;UID=7",
        "--json",
        "--tls",
        "plain",
    ]);
    let line = String::from_utf8_lossy(&out.stdout);
    assert!(line.contains("\"flags\":[]"), "still unread: {line}");

    let out = portolan(&["get", "pop://popper@127.0.0.1:1110/5", "--tls", "plain"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stdout
            .ends_with(b"Body of message 5.\r\n.starts with a dot\r\n")
    );
    let out = portolan(&[
        "ls",
        "pop://popper@127.0.0.1:1110/",
        "--json",
        "--tls",
        "plain",
    ]);
    let rows: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(rows.len(), 10);
    assert_eq!(rows[0]["number"], 1);
    assert!(rows[0]["uid"].is_string() && rows[0]["size"].is_u64());
}

#[test]
fn cli_errors_are_one_line_in_words() {
    if !server_up("dovecot IMAP", IMAP) {
        return;
    }
    for (args, want) in [
        (
            vec![
                "get",
                "imap://tester@127.0.0.1:1143/Nope;UID=1",
                "--tls",
                "plain",
            ],
            "Mailbox doesn't exist",
        ),
        (
            vec![
                "get",
                "imap://tester@127.0.0.1:1143/INBOX;UID=999",
                "--tls",
                "plain",
            ],
            "no message with UID 999",
        ),
        (vec!["ls", "imap://127.0.0.1:1143/"], "names no user"),
        (
            vec!["get", "pop://popper@127.0.0.1:1111/x"],
            "message number",
        ),
        (
            vec!["ls", "imap://tester@127.0.0.1:1144/", "--tls", "require"],
            "does not offer STARTTLS",
        ),
    ] {
        let out = portolan(&args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.starts_with("error: ") && stderr.contains(want),
            "{args:?}: {stderr}"
        );
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    }
}

#[tokio::test]
async fn find_settings_reports_what_answers_with_tls() {
    if !server_up("dovecot IMAP", IMAP) || !server_up("exim", "127.0.0.1:2525") {
        return;
    }
    let found = portolan::workers::mail_setup::probe_candidates(
        vec![
            // No STARTTLS here: skipped, never offered as a choice.
            ("imap", "localhost".into(), 1144, TlsMode::Explicit),
            ("imap", "localhost".into(), 1993, TlsMode::Implicit),
            ("pop3", "localhost".into(), 1111, TlsMode::Explicit),
            ("pop3", "localhost".into(), 1110, TlsMode::Explicit),
            ("smtp", "localhost".into(), 2525, TlsMode::Explicit),
            ("imap", "localhost".into(), 1, TlsMode::Implicit),
        ],
        &trust_with_ca(),
    )
    .await;
    let got: Vec<(&str, u16, TlsMode)> = found.iter().map(|f| (f.kind, f.port, f.tls)).collect();
    assert_eq!(
        got,
        vec![
            ("imap", 1993, TlsMode::Implicit),
            ("pop3", 1110, TlsMode::Explicit),
            ("smtp", 2525, TlsMode::Explicit)
        ]
    );
    assert!(found[0].greeting.starts_with("* OK"), "{:?}", found[0]);
}
