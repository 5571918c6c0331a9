//! IMAP and POP3 faults a real server will not produce, from scripted in-process servers: a
//! garbage greeting, a 10 MB line, a literal that claims gigabytes, a connection dropped in the
//! middle of a message, a message that never ends, STARTTLS refused or injected, silence. Each
//! must end in a clear error, quickly, never a hang or a crash.

use crate::common;
use std::time::{Duration, Instant};

use crate::common::fake::{Dialect, Reply, scripted};
use portolan::proto::imap::guard::GuardError;
use portolan::proto::imap::{ImapError, ImapServer, ImapSession, MessageHead};
use portolan::proto::net::{Limits, NetError};
use portolan::proto::pop3::{Pop3Error, Pop3Server, Pop3Session};
use portolan::proto::tls::TlsMode;

fn limits() -> Limits {
    Limits {
        read_timeout: Duration::from_millis(800),
        ..Limits::default()
    }
}

fn pop_server(port: u16, tls: TlsMode) -> Pop3Server {
    Pop3Server {
        host: "127.0.0.1".into(),
        port,
        tls,
        user: "u".into(),
        password: "p".into(),
    }
}

fn imap_server(port: u16, tls: TlsMode) -> ImapServer {
    ImapServer {
        host: "127.0.0.1".into(),
        port,
        tls,
        user: "u".into(),
        password: "p".into(),
    }
}

/// A POP3 dialogue up to the login, with `rest` for what follows.
fn pop_script(mut rest: Vec<(&'static str, Reply)>) -> Vec<(&'static str, Reply)> {
    let mut script = vec![
        ("CAPA", Reply::Send("+OK\r\nUIDL\r\nTOP\r\nUSER\r\n.\r\n")),
        ("USER", Reply::Send("+OK\r\n")),
        ("PASS", Reply::Send("+OK logged in\r\n")),
        ("LIST", Reply::Send("+OK\r\n1 500\r\n2 50000000\r\n.\r\n")),
    ];
    script.append(&mut rest);
    script
}

#[tokio::test]
async fn pop3_garbage_greeting_is_named() {
    let port = scripted(
        b"HTTP/1.1 400 Bad Request\r\n\r\n".to_vec(),
        vec![],
        Dialect::Pop3,
    )
    .await;
    let e = Pop3Session::connect(
        &pop_server(port, TlsMode::Plain),
        &common::trust_without_ca(),
        &limits(),
    )
    .await
    .expect_err("not POP3");
    assert!(matches!(e, Pop3Error::Greeting { .. }), "{e}");
    assert!(e.to_string().contains("not a POP3 server"), "{e}");
}

#[tokio::test]
async fn pop3_ten_megabyte_greeting_is_cut_off() {
    let port = scripted(vec![b'+'; 10 * 1024 * 1024], vec![], Dialect::Pop3).await;
    let e = Pop3Session::connect(
        &pop_server(port, TlsMode::Plain),
        &common::trust_without_ca(),
        &limits(),
    )
    .await
    .expect_err("too long");
    assert!(
        matches!(e, Pop3Error::Net(NetError::LineTooLong { .. })),
        "{e}"
    );
}

#[tokio::test]
async fn pop3_message_cut_in_the_middle_is_an_error_not_a_message() {
    let port = scripted(
        b"+OK ready\r\n".to_vec(),
        pop_script(vec![(
            "RETR 1",
            Reply::SendAndClose(b"+OK\r\nSubject: half\r\n\r\nthe first half of".to_vec()),
        )]),
        Dialect::Pop3,
    )
    .await;
    let mut s = Pop3Session::connect(
        &pop_server(port, TlsMode::Plain),
        &common::trust_without_ca(),
        &limits(),
    )
    .await
    .expect("login");
    let e = s.retr_vec(1, Some(500)).await.expect_err("cut");
    assert!(matches!(e, Pop3Error::Cut { .. }), "{e}");
    assert!(e.to_string().contains("in the middle of message 1"), "{e}");
}

#[tokio::test]
async fn pop3_message_that_never_ends_stops_past_its_announced_size() {
    let port = scripted(
        b"+OK ready\r\n".to_vec(),
        pop_script(vec![(
            "RETR 1",
            Reply::Endless("+OK\r\n", "more and more text\r\n"),
        )]),
        Dialect::Pop3,
    )
    .await;
    let mut s = Pop3Session::connect(
        &pop_server(port, TlsMode::Plain),
        &common::trust_without_ca(),
        &limits(),
    )
    .await
    .expect("login");
    let started = Instant::now();
    let mut sink = Vec::new();
    let e = s.retr(1, Some(500), &mut sink).await.expect_err("endless");
    assert!(matches!(e, Pop3Error::Overlong { .. }), "{e}");
    assert!(sink.len() < 200_000, "stopped early: {} bytes", sink.len());
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn pop3_ten_megabyte_line_in_a_message_is_refused() {
    let port = scripted(
        b"+OK ready\r\n".to_vec(),
        pop_script(vec![(
            "RETR 2",
            Reply::Endless(
                "+OK\r\nSubject: x\r\n\r\n",
                "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            ),
        )]),
        Dialect::Pop3,
    )
    .await;
    let mut s = Pop3Session::connect(
        &pop_server(port, TlsMode::Plain),
        &common::trust_without_ca(),
        &limits(),
    )
    .await
    .expect("login");
    let mut sink = std::io::sink();
    let e = s
        .retr(2, Some(50_000_000), &mut sink)
        .await
        .expect_err("long line");
    assert!(
        matches!(e, Pop3Error::Net(NetError::LineTooLong { .. })),
        "{e}"
    );
}

#[tokio::test]
async fn pop3_stls_refused_after_being_offered_never_falls_back_to_plain() {
    let port = scripted(
        b"+OK ready\r\n".to_vec(),
        vec![
            ("CAPA", Reply::Send("+OK\r\nSTLS\r\nUSER\r\n.\r\n")),
            ("STLS", Reply::Send("-ERR not today\r\n")),
            ("USER", Reply::Send("+OK\r\n")),
        ],
        Dialect::Pop3,
    )
    .await;
    let e = Pop3Session::connect(
        &pop_server(port, TlsMode::IfOffered),
        &common::trust_without_ca(),
        &limits(),
    )
    .await
    .expect_err("downgrade refused");
    assert!(matches!(e, Pop3Error::NoStls { .. }), "{e}");
}

#[tokio::test]
async fn pop3_data_injected_before_the_tls_handshake_is_refused() {
    let port = scripted(
        b"+OK ready\r\n".to_vec(),
        vec![
            ("CAPA", Reply::Send("+OK\r\nSTLS\r\n.\r\n")),
            ("STLS", Reply::Send("+OK begin TLS\r\n+OK injected\r\n")),
        ],
        Dialect::Pop3,
    )
    .await;
    // Give both lines time to arrive in one read.
    let e = Pop3Session::connect(
        &pop_server(port, TlsMode::Explicit),
        &common::trust_without_ca(),
        &limits(),
    )
    .await
    .expect_err("injection");
    assert!(
        matches!(
            e,
            Pop3Error::Injection { .. } | Pop3Error::Net(NetError::Tls { .. })
        ),
        "{e}"
    );
}

#[tokio::test]
async fn pop3_silence_times_out() {
    let port = scripted(
        b"+OK ready\r\n".to_vec(),
        pop_script(vec![("STAT", Reply::Silence)]),
        Dialect::Pop3,
    )
    .await;
    let mut s = Pop3Session::connect(
        &pop_server(port, TlsMode::Plain),
        &common::trust_without_ca(),
        &limits(),
    )
    .await
    .expect("login");
    let e = s.stat().await.expect_err("silence");
    assert!(e.to_string().contains("sent nothing for"), "{e}");
}

const IMAP_GREETING: &[u8] = b"* OK [CAPABILITY IMAP4rev1 STARTTLS] fake ready\r\n";

/// An IMAP dialogue up to a selected folder, with `rest` for what follows.
fn imap_script(mut rest: Vec<(&'static str, Reply)>) -> Vec<(&'static str, Reply)> {
    let mut script = vec![
        ("LOGIN", Reply::Send("{tag} OK logged in\r\n")),
        (
            "CAPABILITY",
            Reply::Send("* CAPABILITY IMAP4rev1 UIDPLUS\r\n{tag} OK\r\n"),
        ),
        (
            "EXAMINE",
            Reply::Send(
                "* 2 EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n* OK [UIDNEXT 3] ok\r\n{tag} OK [READ-ONLY] done\r\n",
            ),
        ),
    ];
    script.append(&mut rest);
    script
}

async fn imap_login(port: u16) -> ImapSession {
    ImapSession::connect(
        &imap_server(port, TlsMode::Plain),
        &common::trust_without_ca(),
        &limits(),
    )
    .await
    .expect("login")
}

#[tokio::test]
async fn imap_garbage_greeting_is_named() {
    let port = scripted(
        b"220 smtp.example ESMTP\r\n".to_vec(),
        vec![],
        Dialect::Imap,
    )
    .await;
    let e = ImapSession::connect(
        &imap_server(port, TlsMode::Plain),
        &common::trust_without_ca(),
        &limits(),
    )
    .await
    .expect_err("not IMAP");
    assert!(matches!(e, ImapError::Greeting { .. }), "{e}");
    assert!(e.to_string().contains("not an IMAP server"), "{e}");
}

#[tokio::test]
async fn imap_literal_claiming_gigabytes_is_stopped_before_any_data() {
    let port = scripted(
        IMAP_GREETING.to_vec(),
        imap_script(vec![(
            "UID FETCH",
            Reply::Send("* 1 FETCH (UID 1 BODY[] {4000000000}\r\nabc"),
        )]),
        Dialect::Imap,
    )
    .await;
    let mut s = imap_login(port).await;
    s.examine("INBOX").await.expect("EXAMINE");
    let started = Instant::now();
    let e = s
        .raw("INBOX", 1, Some(1000))
        .await
        .expect_err("huge literal");
    assert!(
        matches!(
            e,
            ImapError::Bounds {
                what: GuardError::LiteralTooLarge {
                    claimed: 4_000_000_000,
                    ..
                },
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("4000000000 bytes"), "{e}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn imap_ten_megabyte_line_is_stopped() {
    let port = scripted(
        IMAP_GREETING.to_vec(),
        imap_script(vec![(
            "UID FETCH",
            Reply::Endless("* 1 FETCH (UID 1 FLAGS (", "\\\\Seen \\\\Seen \\\\Seen "),
        )]),
        Dialect::Imap,
    )
    .await;
    let mut s = imap_login(port).await;
    s.examine("INBOX").await.expect("EXAMINE");
    let e = s.heads("1:*").await.expect_err("long line");
    assert!(
        matches!(
            e,
            ImapError::Bounds {
                what: GuardError::LineTooLong { .. },
                ..
            }
        ),
        "{e}"
    );
}

#[tokio::test]
async fn imap_connection_dropped_mid_fetch_is_a_clear_error() {
    let port = scripted(
        IMAP_GREETING.to_vec(),
        imap_script(vec![(
            "UID FETCH",
            Reply::SendAndClose(
                b"* 1 FETCH (UID 1 BODY[] {5000}\r\nFrom: a@b\r\n\r\nonly a part".to_vec(),
            ),
        )]),
        Dialect::Imap,
    )
    .await;
    let mut s = imap_login(port).await;
    s.examine("INBOX").await.expect("EXAMINE");
    let e = s.raw("INBOX", 1, Some(5000)).await.expect_err("dropped");
    assert!(e.is_connection(), "{e}");
    assert!(
        e.to_string().contains("closed the connection") || e.to_string().contains("I/O"),
        "{e}"
    );
}

#[tokio::test]
async fn imap_starttls_refused_is_never_a_plain_login() {
    let port = scripted(
        IMAP_GREETING.to_vec(),
        vec![
            ("STARTTLS", Reply::Send("{tag} NO not now\r\n")),
            ("LOGIN", Reply::Send("{tag} OK logged in\r\n")),
        ],
        Dialect::Imap,
    )
    .await;
    for tls in [TlsMode::IfOffered, TlsMode::Explicit] {
        let e = ImapSession::connect(
            &imap_server(port, tls),
            &common::trust_without_ca(),
            &limits(),
        )
        .await
        .expect_err("no plain login");
        assert!(
            matches!(e, ImapError::NoStarttls { .. } | ImapError::Refused { .. }),
            "{tls:?}: {e}"
        );
    }
}

#[tokio::test]
async fn imap_silence_times_out() {
    let port = scripted(
        IMAP_GREETING.to_vec(),
        imap_script(vec![("UID FETCH", Reply::Silence)]),
        Dialect::Imap,
    )
    .await;
    let mut s = imap_login(port).await;
    s.examine("INBOX").await.expect("EXAMINE");
    let started = Instant::now();
    let e = s.heads("1:*").await.expect_err("silence");
    assert!(e.to_string().contains("sent nothing for"), "{e}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn imap_refusal_carries_the_servers_words() {
    let port = scripted(
        IMAP_GREETING.to_vec(),
        imap_script(vec![(
            "CREATE",
            Reply::Send("{tag} NO [ALREADYEXISTS] Mailbox already exists\r\n"),
        )]),
        Dialect::Imap,
    )
    .await;
    let mut s = imap_login(port).await;
    let e = s.create("Work").await.expect_err("refused");
    let text = e.to_string();
    assert!(
        text.starts_with(&format!("127.0.0.1:{port} refused CREATE: "))
            && text.ends_with("Mailbox already exists")
            && !text.contains("Some("),
        "{text}"
    );
}

/// The summaries of a FETCH are read by our own parser; other answers in between (a new
/// message count, another message's flag change) still reach the session, a summary that
/// cannot be read is named, and the connection carries on after it.
#[tokio::test]
async fn imap_summaries_among_other_answers_and_an_unreadable_one() {
    let port = scripted(
        IMAP_GREETING.to_vec(),
        imap_script(vec![
            (
                "UID FETCH 1:2 ",
                Reply::Send(
                    "* 3 EXISTS\r\n* 1 FETCH (FLAGS (\\Seen))\r\n\
                     * 1 FETCH (UID 1 FLAGS (\\Seen \\Recent) RFC822.SIZE 10 \
                     BODY[HEADER.FIELDS (SUBJECT)] {16}\r\nSubject: {2}\r\n\r\n)\r\n\
                     * 2 FETCH (UID 2 RFC822.SIZE 20 FLAGS () INTERNALDATE \"01-Feb-2024 10:00:00 +0000\")\r\n\
                     {tag} OK done\r\n",
                ),
            ),
            (
                "UID FETCH 5 ",
                Reply::Send("* 5 FETCH (UID 5 FLAGS (\\Seen)\r\n{tag} OK done\r\n"),
            ),
            ("NOOP", Reply::Send("{tag} OK\r\n")),
        ]),
        Dialect::Imap,
    )
    .await;
    let mut s = imap_login(port).await;
    s.examine("INBOX").await.expect("EXAMINE");
    let heads = s.heads("1:2").await.expect("summaries");
    assert_eq!(
        heads.len(),
        2,
        "the flag change without a UID is not a summary"
    );
    assert_eq!(heads[0].uid, 1);
    assert_eq!(heads[0].flags, vec!["\\Seen".to_string()]);
    assert_eq!(heads[0].header, b"Subject: {2}\r\n\r\n");
    assert_eq!(heads[1].size, 20);
    assert_eq!(heads[1].internal_date, Some(1_706_781_600));
    let e = s.heads("5").await.expect_err("unreadable");
    assert!(matches!(e, ImapError::Protocol { .. }), "{e}");
    assert!(e.to_string().contains("FETCH response"), "{e}");
    s.noop().await.expect("the session answers after it");
}

/// RFC 4731: a server that offers ESEARCH is asked for ranges (`RETURN (ALL)`), one that does
/// not for the plain list; both answers give the same numbers, and one naming billions of
/// messages in a few bytes is an error, not gigabytes of memory.
#[tokio::test]
async fn imap_search_asks_for_ranges_only_where_esearch_is_offered() {
    let login = |capability: &'static str, mut rest: Vec<(&'static str, Reply)>| {
        let mut script = vec![
            ("LOGIN", Reply::Send("{tag} OK logged in\r\n")),
            ("CAPABILITY", Reply::Send(capability)),
            ("NOOP", Reply::Send("{tag} OK\r\n")),
        ];
        script.append(&mut rest);
        script
    };
    let plain = login(
        "* CAPABILITY IMAP4rev1 UIDPLUS\r\n{tag} OK\r\n",
        vec![(
            "UID SEARCH ALL",
            Reply::Send("* SEARCH 7 3 4 5\r\n{tag} OK done\r\n"),
        )],
    );
    let ranges = login(
        "* CAPABILITY IMAP4rev1 UIDPLUS ESEARCH\r\n{tag} OK\r\n",
        vec![
            (
                "UID SEARCH RETURN (ALL) ALL",
                Reply::Send("* ESEARCH (TAG \"{tag}\") UID ALL 3:5,7 COUNT 4\r\n{tag} OK done\r\n"),
            ),
            (
                "UID SEARCH RETURN (ALL) DELETED",
                Reply::Send("* ESEARCH (TAG \"{tag}\") UID ALL 1:4294967295\r\n{tag} OK done\r\n"),
            ),
        ],
    );
    for script in [plain, ranges] {
        let port = scripted(IMAP_GREETING.to_vec(), script, Dialect::Imap).await;
        let mut s = imap_login(port).await;
        assert_eq!(s.search("ALL").await.expect("search"), vec![3, 4, 5, 7]);
        if s.has("ESEARCH") {
            let e = s.search("DELETED").await.expect_err("too many");
            assert!(e.to_string().contains("more than"), "{e}");
            s.noop().await.expect("the session answers after it");
        }
    }
}

type Handed = std::sync::Arc<std::sync::Mutex<Vec<Vec<u32>>>>;

/// A hand-over that keeps the UIDs of each group of summaries handed over.
fn uids_into(handed: &Handed) -> impl FnMut(Vec<MessageHead>) + Send + 'static {
    let into = handed.clone();
    move |heads| {
        into.lock()
            .expect("lock")
            .push(heads.iter().map(|h| h.uid).collect());
    }
}

/// Summaries streamed while their answer arrives (as a sync stores them): handed over in
/// groups of at least the size asked for, the rest when the answer ends, and those read
/// before a connection is cut are handed over too, with the cut as the error.
#[tokio::test]
async fn imap_streamed_summaries_are_handed_over_and_kept_when_the_answer_is_cut() {
    let port = scripted(
        IMAP_GREETING.to_vec(),
        imap_script(vec![
            (
                "UID FETCH 1:3 ",
                Reply::Send(
                    "* 1 FETCH (UID 1 FLAGS () RFC822.SIZE 10)\r\n\
                     * 2 FETCH (UID 2 FLAGS () RFC822.SIZE 20)\r\n\
                     * 3 FETCH (UID 3 FLAGS () RFC822.SIZE 30)\r\n\
                     {tag} OK done\r\n",
                ),
            ),
            (
                "UID FETCH 4:9 ",
                Reply::SendAndClose(
                    b"* 4 FETCH (UID 4 FLAGS () RFC822.SIZE 40)\r\n\
                      * 5 FETCH (UID 5 FLAGS () RFC822.SIZE 50)\r\n\
                      * 6 FETCH (UID 6 FLAGS () BODY[HEADER.FIELDS (SUBJECT)] {900}\r\nSubject: cut"
                        .to_vec(),
                ),
            ),
        ]),
        Dialect::Imap,
    )
    .await;
    let mut s = imap_login(port).await;
    s.examine("INBOX").await.expect("EXAMINE");
    let handed = Handed::default();
    let count = s
        .stream_heads(false, "1:3", 2, uids_into(&handed))
        .await
        .expect("summaries");
    assert_eq!(count, 3);
    let groups = std::mem::take(&mut *handed.lock().expect("lock"));
    assert_eq!(groups.concat(), vec![1, 2, 3], "each once, in order");
    let (last, full) = groups.split_last().expect("handed over");
    assert!(full.iter().all(|g| g.len() >= 2), "{groups:?}");
    assert!(!last.is_empty(), "{groups:?}");

    let e = s
        .stream_heads(false, "4:9", 2, uids_into(&handed))
        .await
        .expect_err("cut off");
    assert!(e.is_connection(), "{e}");
    let groups = std::mem::take(&mut *handed.lock().expect("lock"));
    assert_eq!(
        groups.concat(),
        vec![4, 5],
        "what was read whole before the cut is kept, the cut one is not"
    );
}
