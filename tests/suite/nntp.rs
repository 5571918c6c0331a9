//! The NNTP client against the real INN: plain, STARTTLS, NNTPS, AUTHINFO (given up front and
//! asked for with 480), group lists, OVER of the 100,000-article group, articles byte for byte
//! with stuffed dots, posting and reading back, refusals in words.

use crate::common;
use crate::common::{server_up, trust_with_ca, trust_without_ca};
use portolan::proto::net::{Limits, NetError};
use portolan::proto::nntp::{
    ArticleId, NntpError, NntpServer, NntpSession, OVER_BATCH, OVER_CHUNK, Overview,
};
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
    let groups = s.list_groups(None).await.expect("list");
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
    // The test groups were made when the servers were set up, which may be hours ago: ask
    // from a date before any setup could have been.
    let fresh = s.new_groups(1_600_000_000).await.expect("newgroups");
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
        .over(g.first, g.last, encoding_rs::WINDOWS_1252, |b| {
            rows.extend(b);
        })
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
        .over(g.last + 10, g.last + 20, encoding_rs::WINDOWS_1252, |_| {})
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
        .over(g.first, g.last, encoding_rs::WINDOWS_1252, |b| {
            batches += 1;
            count += b.len();
            last_number = b.last().map_or(0, |o| o.number);
        })
        .await
        .expect("over");
    assert_eq!(count, 100_000);
    assert_eq!(stats.read, 100_000);
    assert_eq!(batches, 100_000 / OVER_BATCH, "batches of {OVER_BATCH}");
    assert_eq!(last_number, g.last);
    s.quit().await;
}

/// The range goes out in pieces: pieces past the group's end answer 423 and the run goes on
/// through them, and the session still answers after the pipelined commands.
#[tokio::test]
async fn an_over_run_in_pieces_goes_past_empty_ones() {
    if !server_up("INN", "127.0.0.1:1119") {
        return;
    }
    let mut s = open(1119, TlsMode::Plain).await;
    let g = s.select("test.bulk").await.expect("group");
    let mut numbers = Vec::new();
    let stats = s
        .over(
            g.last - 4,
            g.last + 3 * OVER_CHUNK,
            encoding_rs::WINDOWS_1252,
            |b| numbers.extend(b.iter().map(|o| o.number)),
        )
        .await
        .expect("over");
    assert_eq!(stats.read, 5);
    assert_eq!(numbers, (g.last - 4..=g.last).collect::<Vec<_>>());
    let again = s
        .select("test.bulk")
        .await
        .expect("the session still answers");
    assert_eq!(again.last, g.last);
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

fn portolan() -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_portolan"));
    c.env_remove("PORTOLAN_PASSWORD");
    c
}

/// The spool file INN keeps in wire format, unstuffed: what `get` must print byte for byte.
fn spool_article(group_path: &str, number: u64) -> Vec<u8> {
    let raw = std::fs::read(
        common::srv()
            .join("inn/spool/articles")
            .join(group_path)
            .join(number.to_string()),
    )
    .expect("the spool file");
    let body = raw
        .strip_suffix(b".\r\n")
        .expect("wire format ends with a dot line");
    let mut out = Vec::new();
    for line in body.split_inclusive(|b| *b == b'\n') {
        out.extend_from_slice(line.strip_prefix(b".").unwrap_or(line));
    }
    out
}

#[test]
fn command_line_lists_gets_and_posts() {
    if !server_up("INN", "127.0.0.1:1119") {
        return;
    }
    let run = |args: &[&str]| {
        let out = portolan()
            .args(args)
            .arg("--cacert")
            .arg(common::ca_pem())
            .output()
            .expect("run");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
            out.stdout,
        )
    };
    // Groups.
    let (code, stdout, stderr, _) = run(&["ls", "nntp://localhost:1119/", "--json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let groups: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    let bulk = groups
        .iter()
        .find(|g| g["group"] == "test.bulk")
        .expect("bulk");
    assert_eq!(bulk["count"], 100_000);
    assert_eq!(bulk["first"], 1);
    assert_eq!(bulk["last"], 100_000);
    assert_eq!(bulk["posting"], true);
    let (_, stdout, _, _) = run(&["ls", "nntp://localhost:1119/local.*", "--json"]);
    assert!(
        stdout.lines().all(|l| l.contains("\"group\":\"local.")),
        "{stdout}"
    );
    // Overview.
    let (code, stdout, stderr, _) = run(&["ls", "nntp://localhost:1119/local.test", "--json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let rows: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    let latin1 = rows
        .iter()
        .find(|r| r["message_id"] == "<latin1@example.test>")
        .expect("latin1");
    assert_eq!(latin1["subject"], "Café crème");
    assert_eq!(latin1["from"], "René <rene@example.test>");
    assert_eq!(latin1["date"], "2026-01-01T00:01:50Z");
    let last = rows
        .iter()
        .find(|r| r["message_id"] == "<thread-4@example.test>")
        .expect("thread");
    assert_eq!(last["references"].as_array().expect("array").len(), 4);
    // Articles by number and by Message-ID, byte for byte as the spool has them.
    let dots = rows
        .iter()
        .find(|r| r["message_id"] == "<dots@example.test>")
        .expect("dots")["number"]
        .as_u64()
        .expect("number");
    let (code, _, stderr, bytes) =
        run(&["get", &format!("nntp://localhost:1119/local.test/{dots}")]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(bytes, spool_article("local/test", dots));
    let (_, _, _, by_id) = run(&["get", "news://localhost:1119/<dots@example.test>"]);
    assert_eq!(by_id, bytes);
    let (_, _, _, snews) = run(&["get", "snews://localhost:1563/<dots@example.test>"]);
    assert_eq!(snews, bytes);
    let (code, _, stderr, _) = run(&["get", "nntp://localhost:1119/local.test/99999"]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.starts_with("error: ") && stderr.contains("99999"),
        "{stderr}"
    );
    // Posting.
    let post = |article: &str| {
        let mut child = portolan()
            .args(["post", "nntp://localhost:1119/", "--cacert"])
            .arg(common::ca_pem())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn");
        std::io::Write::write_all(child.stdin.as_mut().expect("stdin"), article.as_bytes())
            .expect("write");
        drop(child.stdin.take());
        let out = child.wait_with_output().expect("wait");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, stdout, stderr) = post(
        "From: Tess Ter <tester@example.test>\nNewsgroups: local.test\nSubject: From the command line\n\nPosted with portolan post.\n",
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.starts_with("240 "), "{stdout}");
    let (code, _, stderr) = post("From: nobody\nNewsgroups: local.test\nSubject: x\n\nbody\n");
    assert_eq!(code, Some(1));
    assert!(
        stderr.starts_with("error: ") && stderr.contains("From header"),
        "{stderr}"
    );
}

/// A server with a certificate made by `openssl req -x509` (self-signed, CA:TRUE): refused
/// with the reason in words until that certificate is trusted, then read like any other.
#[tokio::test]
async fn nntps_with_a_self_signed_certificate() {
    if !server_up("INN (self-signed)", "127.0.0.1:1564") {
        return;
    }
    let refused = NntpSession::connect(
        &inn(1564, TlsMode::Implicit, "", ""),
        &trust_without_ca(),
        &Limits::default(),
    )
    .await
    .expect_err("not trusted yet");
    match &refused {
        NntpError::Net(NetError::Untrusted(r)) => {
            assert!(r.reason.contains("self-signed"), "{}", r.reason);
        }
        other => panic!("{other:?}"),
    }
    let pem = portolan::proto::tls::Trust::load_pem(&common::srv().join("tls/selfsigned.pem"))
        .expect("the self-signed certificate");
    let trust = portolan::proto::tls::Trust::new(pem).expect("trust");
    let mut s = NntpSession::connect(
        &inn(1564, TlsMode::Implicit, "", ""),
        &trust,
        &Limits::default(),
    )
    .await
    .expect("trusted");
    assert!(s.tls);
    assert_eq!(
        s.select("local.test").await.expect("group").name,
        "local.test"
    );
    s.quit().await;
}
