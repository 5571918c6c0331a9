//! NNTP faults a real server will not produce, from a scripted in-process server: an old
//! server (no CAPABILITIES, XOVER only) with malformed overview lines and a 10 MB line, a
//! connection dropped in the middle of OVER, an article that never ends, a garbage or
//! refusing greeting, STARTTLS missing or injected, silence. Each ends in a clear error or the
//! best reading there is, quickly, and what arrived before a cut is kept.

use crate::common;
use std::time::Duration;

use crate::common::fake::{Dialect, Reply, scripted};
use portolan::proto::net::{Limits, NetError};
use portolan::proto::nntp::{ArticleId, NntpError, NntpServer, NntpSession, Overview, Part};
use portolan::proto::tls::TlsMode;

fn limits() -> Limits {
    Limits {
        read_timeout: Duration::from_millis(800),
        ..Limits::default()
    }
}

fn server(port: u16, tls: TlsMode) -> NntpServer {
    NntpServer {
        host: "127.0.0.1".into(),
        port,
        tls,
        user: String::new(),
        password: String::new(),
    }
}

async fn connect(port: u16) -> Result<NntpSession, NntpError> {
    NntpSession::connect(
        &server(port, TlsMode::Plain),
        &common::trust_without_ca(),
        &limits(),
    )
    .await
}

/// An RFC 977 server: CAPABILITIES and OVER unknown (the fake's 500), MODE READER and XOVER
/// known, GROUP answered.
fn old_server(mut rest: Vec<(&'static str, Reply)>) -> Vec<(&'static str, Reply)> {
    let mut script = vec![
        ("MODE READER", Reply::Send("200 reader ok\r\n")),
        ("GROUP", Reply::Send("211 5 1 5 alt.test\r\n")),
    ];
    script.append(&mut rest);
    script
}

fn long_overview() -> Vec<u8> {
    let long = "x".repeat(10 * 1024 * 1024);
    let text = format!(
        "224 overview follows\r\n\
         1\tFine\ta@b\tMon, 1 Jan 2024 00:00:00 +0000\t<1@x>\t\t100\t2\r\n\
         2\t{long}\r\n\
         not a number\tjunk\r\n\
         3\tTab\tin subject\tc@d\tMon, 1 Jan 2024 00:00:00 +0000\t<3@x>\t<1@x>\t100\t2\r\n\
         4\tCaf\u{e9}\r\n\
         5\tShort\r\n\
         .\r\n"
    );
    text.into_bytes()
}

#[tokio::test]
async fn an_old_server_with_malformed_and_huge_overview_lines() {
    let port = scripted(
        b"200 old server ready\r\n".to_vec(),
        old_server(vec![("XOVER", Reply::Bytes(long_overview()))]),
        Dialect::Nntp,
    )
    .await;
    let mut s = connect(port).await.expect("connect");
    assert!(!s.capabilities.answered);
    s.select("alt.test").await.expect("group");
    let mut rows: Vec<Overview> = Vec::new();
    let stats = s
        .over(1, 5, encoding_rs::WINDOWS_1252, |b| rows.extend(b))
        .await
        .expect("XOVER after OVER is refused");
    assert_eq!((stats.read, stats.malformed, stats.overlong), (4, 1, 1));
    let numbers: Vec<u64> = rows.iter().map(|o| o.number).collect();
    assert_eq!(numbers, vec![1, 3, 4, 5]);
    assert_eq!(rows[1].subject, "Tab in subject");
    assert_eq!(rows[1].references, vec!["<1@x>"]);
    assert_eq!(rows[2].subject, "Café");
    // The session goes on after the huge line.
    assert!(s.select("alt.test").await.is_ok());
}

fn overview_lines(numbers: &[u64]) -> Vec<u8> {
    let mut text = String::from("224 overview follows\r\n");
    for n in numbers {
        text.push_str(&format!(
            "{n}\tSubject {n}\ta@b\tMon, 1 Jan 2024 00:00:00 +0000\t<{n}@x>\t\t100\t2\r\n"
        ));
    }
    text.push_str(".\r\n");
    text.into_bytes()
}

/// A long range goes out in pieces of 10,000, each asked for before the last is read; a
/// piece with no articles (423) is passed over, and XOVER stays in use once OVER is refused.
#[tokio::test]
async fn a_long_range_is_asked_for_in_pieces_past_an_empty_one() {
    let port = scripted(
        b"200 old server ready\r\n".to_vec(),
        vec![
            ("MODE READER", Reply::Send("200 reader ok\r\n")),
            ("GROUP", Reply::Send("211 25000 1 25000 alt.test\r\n")),
            ("XOVER 1-10000", Reply::Bytes(overview_lines(&[1, 2, 3]))),
            (
                "XOVER 10001-20000",
                Reply::Send("423 no articles in that range\r\n"),
            ),
            ("XOVER 20001-25000", Reply::Bytes(overview_lines(&[20001]))),
        ],
        Dialect::Nntp,
    )
    .await;
    let mut s = connect(port).await.expect("connect");
    s.select("alt.test").await.expect("group");
    let mut numbers = Vec::new();
    let stats = s
        .over(1, 25_000, encoding_rs::WINDOWS_1252, |b| {
            numbers.extend(b.iter().map(|o| o.number));
        })
        .await
        .expect("over in pieces");
    assert_eq!(numbers, vec![1, 2, 3, 20001]);
    assert_eq!(stats.read, 4);
    assert!(
        s.select("alt.test").await.is_ok(),
        "no answer is left unread"
    );
}

#[tokio::test]
async fn a_connection_dropped_mid_over_keeps_what_arrived() {
    let mut lines = String::from("224 overview follows\r\n");
    for n in 1..=2500 {
        lines.push_str(&format!(
            "{n}\tSubject {n}\ta@b\tMon, 1 Jan 2024 00:00:00 +0000\t<{n}@x>\t\t100\t2\r\n"
        ));
    }
    lines.push_str("2501\tcut in the mid");
    let port = scripted(
        b"200 ready\r\n".to_vec(),
        old_server(vec![("XOVER", Reply::SendAndClose(lines.into_bytes()))]),
        Dialect::Nntp,
    )
    .await;
    let mut s = connect(port).await.expect("connect");
    s.select("alt.test").await.expect("group");
    let mut got = 0;
    let e = s
        .over(1, 3000, encoding_rs::WINDOWS_1252, |b| got += b.len())
        .await
        .expect_err("a cut");
    assert!(matches!(e, NntpError::Cut { .. }), "{e:?}");
    assert!(e.to_string().contains("closed the connection"), "{e}");
    assert_eq!(got, 2500, "every whole line before the cut is handed over");
}

#[tokio::test]
async fn an_article_that_never_ends_and_silence() {
    let port = scripted(
        b"200 ready\r\n".to_vec(),
        old_server(vec![
            (
                "ARTICLE 1",
                Reply::Endless("220 1 <1@x>\r\n", "more and more text\r\n"),
            ),
            ("ARTICLE 2", Reply::Silence),
        ]),
        Dialect::Nntp,
    )
    .await;
    let mut s = connect(port).await.expect("connect");
    s.select("alt.test").await.expect("group");
    let mut sink = Vec::new();
    let e = s
        .fetch(Part::Article, &ArticleId::Number(1), 1 << 20, &mut sink)
        .await
        .expect_err("endless");
    assert!(matches!(e, NntpError::Overlong { .. }), "{e:?}");
    let mut s = connect(port).await.expect("connect");
    let e = s.article(&ArticleId::Number(2)).await.expect_err("silence");
    assert!(
        matches!(e, NntpError::Net(NetError::ReadTimeout { .. })),
        "{e:?}"
    );
}

#[tokio::test]
async fn greetings_that_are_not_a_reader() {
    let port = scripted(b"SSH-2.0-OpenSSH_9.2\r\n".to_vec(), vec![], Dialect::Nntp).await;
    let e = connect(port).await.expect_err("garbage");
    assert!(matches!(e, NntpError::Greeting { .. }), "{e:?}");
    let port = scripted(
        b"502 You have no permission to talk. Goodbye.\r\n".to_vec(),
        vec![],
        Dialect::Nntp,
    )
    .await;
    let e = connect(port).await.expect_err("refused");
    assert!(e.to_string().contains("no permission to talk"), "{e}");
    let port = scripted(b"".to_vec(), vec![], Dialect::Nntp).await;
    let e = NntpSession::connect(
        &server(port, TlsMode::Plain),
        &common::trust_without_ca(),
        &limits(),
    )
    .await
    .expect_err("silence");
    assert!(
        matches!(e, NntpError::Net(NetError::ReadTimeout { .. })),
        "{e:?}"
    );
}

#[tokio::test]
async fn starttls_missing_or_injected() {
    let caps = "101 caps\r\nVERSION 2\r\nREADER\r\n.\r\n";
    let port = scripted(
        b"200 ready\r\n".to_vec(),
        vec![("CAPABILITIES", Reply::Send(caps))],
        Dialect::Nntp,
    )
    .await;
    let e = NntpSession::connect(
        &server(port, TlsMode::Explicit),
        &common::trust_without_ca(),
        &limits(),
    )
    .await
    .expect_err("no STARTTLS");
    assert!(matches!(e, NntpError::NoStartTls { .. }), "{e:?}");
    assert!(
        e.to_string().contains("nothing was sent in plain text"),
        "{e}"
    );
    let port = scripted(
        b"200 ready\r\n".to_vec(),
        vec![
            (
                "CAPABILITIES",
                Reply::Send("101 caps\r\nVERSION 2\r\nREADER\r\nSTARTTLS\r\n.\r\n"),
            ),
            (
                "STARTTLS",
                Reply::Send("382 go ahead\r\n211 1 1 1 injected\r\n"),
            ),
        ],
        Dialect::Nntp,
    )
    .await;
    let e = NntpSession::connect(
        &server(port, TlsMode::IfOffered),
        &common::trust_without_ca(),
        &limits(),
    )
    .await
    .expect_err("injection");
    assert!(matches!(e, NntpError::Injection { .. }), "{e:?}");
}
