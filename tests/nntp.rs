//! The NNTP client against the real INN: plain, STARTTLS, NNTPS, AUTHINFO (given up front and
//! asked for with 480), group lists, OVER of the 100,000-article group, articles byte for byte
//! with stuffed dots, posting and reading back, refusals in words.

mod common;

use common::{server_up, trust_with_ca, trust_without_ca};
use portolan::charset::Charset;
use portolan::proto::net::{Limits, NetError};
use portolan::proto::nntp::{ArticleId, NntpError, NntpServer, NntpSession, Overview};
use portolan::proto::tls::TlsMode;

fn inn(port: u16, tls: TlsMode, user: &str, password: &str) -> NntpServer {
    NntpServer {
        host: "localhost".into(),
        port,
        tls,
        user: user.into(),
        password: password.into(),
    }
}

async fn open(port: u16, tls: TlsMode) -> NntpSession {
    NntpSession::connect(
        &inn(port, tls, "", ""),
        &trust_with_ca(),
        &Limits::default(),
    )
    .await
    .expect("connect")
}

#[tokio::test]
async fn groups_capabilities_and_descriptions() {
    if !server_up("INN", "127.0.0.1:1119") {
        return;
    }
    let mut s = open(1119, TlsMode::Plain).await;
    assert!(!s.tls);
    assert!(s.posting_allowed);
    assert!(s.capabilities.reader && s.capabilities.over && s.capabilities.starttls);
    let groups = s.list_groups().await.expect("list");
    let bulk = groups.iter().find(|g| g.name == "test.bulk").expect("bulk");
    assert_eq!(bulk.count, 100_000);
    assert!(
        groups.iter().all(|g| !g.name.starts_with("secret.")),
        "secret.* is hidden before login"
    );
    let moderated = groups.iter().find(|g| g.name == "local.moderated").unwrap();
    assert!(moderated.moderated());
    let descriptions = s.descriptions().await.expect("descriptions");
    assert!(
        descriptions
            .iter()
            .any(|(g, d)| g == "local.test" && d.starts_with("Test posts"))
    );
    let since = s.date().await.expect("date").expect("INN has DATE");
    assert!(since > 1_700_000_000);
    let fresh = s.new_groups(since - 3600).await.expect("newgroups");
    assert!(fresh.iter().any(|g| g.name == "local.general"));
    assert!(
        s.new_groups(since + 3600).await.expect("none").is_empty(),
        "nothing is newer than the server's clock"
    );
    match s.select("no.such.group").await {
        Err(e @ NntpError::NoSuchGroup { .. }) => {
            assert!(e.to_string().contains("no.such.group"), "{e}");
        }
        other => panic!("{other:?}"),
    }
    s.quit().await;
}

#[tokio::test]
async fn overview_of_the_test_group_decodes_every_header() {
    if !server_up("INN", "127.0.0.1:1119") {
        return;
    }
    let mut s = open(1119, TlsMode::Plain).await;
    let g = s.select("local.test").await.expect("group");
    assert!(g.count >= 13);
    let mut rows: Vec<Overview> = Vec::new();
    let stats = s
        .over(g.first, g.last, Charset::Latin1, |b| rows.extend(b))
        .await
        .expect("over");
    assert_eq!(stats.read as usize, rows.len());
    assert_eq!(stats.malformed + stats.overlong, 0);
    let by_id = |id: &str| {
        rows.iter()
            .find(|o| o.message_id == id)
            .unwrap_or_else(|| panic!("{id} in {rows:#?}"))
    };
    assert_eq!(by_id("<latin1@example.test>").subject, "Café crème");
    assert_eq!(
        by_id("<latin1@example.test>").from,
        "René <rene@example.test>"
    );
    assert_eq!(by_id("<encoded@example.test>").subject, "Grüße aus München");
    assert_eq!(
        by_id("<orphan@example.test>").references,
        vec!["<never-here@example.test>"]
    );
    let cross = by_id("<cross@example.test>");
    assert_eq!(cross.crossposts(), 2);
    let last = by_id("<thread-4@example.test>");
    assert_eq!(last.references.len(), 4);
    assert_eq!(last.date, Some(1_767_225_600 + 204));
    // An empty range is no error.
    let none = s
        .over(g.last + 10, g.last + 20, Charset::Latin1, |_| {})
        .await
        .expect("empty range");
    assert_eq!(none.read, 0);
    s.quit().await;
}

#[tokio::test]
async fn the_bulk_group_comes_in_batches() {
    if !server_up("INN", "127.0.0.1:1119") {
        return;
    }
    let mut s = open(1119, TlsMode::Plain).await;
    let g = s.select("test.bulk").await.expect("group");
    let mut batches = 0;
    let mut count = 0;
    let mut last_number = 0;
    let stats = s
        .over(g.first, g.last, Charset::Latin1, |b| {
            batches += 1;
            count += b.len();
            last_number = b.last().map_or(0, |o| o.number);
        })
        .await
        .expect("over");
    assert_eq!(count, 100_000);
    assert_eq!(stats.read, 100_000);
    assert_eq!(batches, 50, "batches of 2,000");
    assert_eq!(last_number, g.last);
    s.quit().await;
}

#[tokio::test]
async fn articles_come_byte_for_byte_by_number_and_by_message_id() {
    if !server_up("INN", "127.0.0.1:1119") {
        return;
    }
    let mut s = open(1119, TlsMode::Plain).await;
    let raw = s
        .article(&ArticleId::message_id("dots@example.test"))
        .await
        .expect("article");
    let text = String::from_utf8(raw).expect("ascii");
    assert!(text.contains("\r\n\r\n.hidden starts with a dot\r\n.\r\n..two dots\r\nend\r\n"));
    s.select("local.general").await.expect("group");
    let first = s.article(&ArticleId::Number(1)).await.expect("number 1");
    assert!(String::from_utf8_lossy(&first).contains("Message-ID: <welcome@example.test>"));
    match s
        .article(&ArticleId::message_id("<nope@example.test>"))
        .await
    {
        Err(e @ NntpError::NoSuchArticle { .. }) => {
            assert!(e.to_string().contains("<nope@example.test>"), "{e}");
        }
        other => panic!("{other:?}"),
    }
    // The session goes on after a refusal.
    assert!(s.article(&ArticleId::Number(2)).await.is_ok());
    s.quit().await;
}

#[tokio::test]
async fn starttls_and_nntps_with_the_test_ca_and_without_it() {
    if !server_up("INN", "127.0.0.1:1563") {
        return;
    }
    let mut s = open(1119, TlsMode::Explicit).await;
    assert!(s.tls);
    assert!(s.select("local.test").await.is_ok());
    s.quit().await;
    let mut s = open(1563, TlsMode::Implicit).await;
    assert!(s.tls);
    assert!(s.select("local.test").await.is_ok());
    s.quit().await;
    let refused = NntpSession::connect(
        &inn(1563, TlsMode::Implicit, "", ""),
        &trust_without_ca(),
        &Limits::default(),
    )
    .await
    .expect_err("an unknown CA");
    assert!(
        matches!(refused, NntpError::Net(NetError::Untrusted(_))),
        "{refused:?}"
    );
}

#[tokio::test]
async fn authinfo_up_front_on_480_and_refused() {
    if !server_up("INN", "127.0.0.1:1121") {
        return;
    }
    let limits = Limits::default();
    // Up front.
    let mut s = NntpSession::connect(
        &inn(1121, TlsMode::Plain, "tester", "secret"),
        &trust_with_ca(),
        &limits,
    )
    .await
    .expect("login");
    let g = s.select("secret.stuff").await.expect("secret group");
    assert_eq!(g.count, 1);
    s.quit().await;
    // No user: the 480 is an error that says what to do.
    let mut s = open(1121, TlsMode::Plain).await;
    match s.select("local.test").await {
        Err(e @ NntpError::AuthRequired { .. }) => {
            assert!(e.to_string().contains("user name and password"), "{e}");
        }
        other => panic!("{other:?}"),
    }
    // A wrong password.
    let wrong = NntpSession::connect(
        &inn(1121, TlsMode::Plain, "tester", "wrong"),
        &trust_with_ca(),
        &limits,
    )
    .await
    .expect_err("a wrong password");
    assert!(matches!(wrong, NntpError::Login { .. }), "{wrong:?}");
    assert!(wrong.to_string().contains("Check the user name"), "{wrong}");
    // Over STARTTLS, as a careful user would log in.
    let mut s = NntpSession::connect(
        &inn(1121, TlsMode::Explicit, "tester", "secret"),
        &trust_with_ca(),
        &limits,
    )
    .await
    .expect("login over TLS");
    assert!(s.tls);
    assert!(s.select("secret.stuff").await.is_ok());
    s.quit().await;
}

#[tokio::test]
async fn post_then_read_back_and_a_refusal_in_words() {
    if !server_up("INN", "127.0.0.1:1119") {
        return;
    }
    let mut s = open(1119, TlsMode::Plain).await;
    let id = format!(
        "<post-{}-{}@example.test>",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    let article = format!(
        "From: Tess Ter <tester@example.test>\nNewsgroups: local.test\nSubject: Posted by the test\nMessage-ID: {id}\n\nA body with\n.a leading dot\nand Gr\u{fc}\u{df}e.\n"
    );
    let status = s.post(article.as_bytes()).await.expect("post");
    assert_eq!(status.code, 240);
    // INN files a post through innd; it is there within a moment.
    let mut got = None;
    for _ in 0..50 {
        if let Ok(a) = s.article(&ArticleId::message_id(&id)).await {
            got = Some(a);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let got = String::from_utf8(got.expect("the post is readable")).expect("utf-8");
    assert!(
        got.contains("\r\n\r\nA body with\r\n.a leading dot\r\nand Grüße.\r\n"),
        "{got}"
    );
    // A From that is not an address is refused with the server's words.
    let bad = "From: nobody\nNewsgroups: local.test\nSubject: bad\n\nbody\n";
    match s.post(bad.as_bytes()).await {
        Err(e @ NntpError::PostRefused { .. }) => {
            assert!(e.to_string().contains("441"), "{e}");
        }
        other => panic!("{other:?}"),
    }
    // The session is still good.
    assert!(s.select("local.test").await.is_ok());
    s.quit().await;
}
