//! Headers from the real INN into the store: a first visit of the latest articles, only new
//! ones later, the 100,000-article group whole and searchable, read marks kept across
//! fetches, and an article cached for offline reading.

use crate::common::{server_up, trust_with_ca};
use portolan::mail::search::Query;
use portolan::proto::net::Limits;
use portolan::proto::nntp::{NntpServer, NntpSession};
use portolan::proto::tls::TlsMode;
use portolan::store::Store;
use portolan::store::mail::{self, Account};
use portolan::store::news;
use portolan::workers::news::fetch_headers;

async fn session() -> NntpSession {
    let server = NntpServer {
        host: "localhost".into(),
        port: 1119,
        tls: TlsMode::Plain,
        user: String::new(),
        password: String::new(),
    };
    NntpSession::connect(&server, &trust_with_ca(), &Limits::default())
        .await
        .expect("connect")
}

fn store_with_server() -> (tempfile::TempDir, Store, i64) {
    let dir = tempfile::tempdir().expect("tmp");
    let store = Store::open(&dir.path().join("news.db")).expect("store");
    let id = store
        .mail_wait(|c| {
            mail::save_account(
                c,
                &Account {
                    name: "Loopback news".into(),
                    kind: "nntp".into(),
                    host: "localhost".into(),
                    port: 1119,
                    tls: "plain".into(),
                    ..Account::default()
                },
            )
        })
        .expect("account");
    (dir, store, id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_visit_then_only_new_articles_with_read_marks_kept() {
    if !server_up("INN", "127.0.0.1:1119") {
        return;
    }
    let (_dir, store, account) = store_with_server();
    let mut s = session().await;
    let groups = s.list_groups(None).await.expect("list");
    store
        .mail_wait(move |c| news::save_group_list(c, account, &groups, &[], 1))
        .expect("groups");
    let folder = store
        .mail_wait(move |c| news::subscribe(c, account, "test.bulk"))
        .expect("subscribe");
    let (stats, left_out) = fetch_headers(&mut s, &store, folder, "test.bulk", Some(1000), |_| {})
        .await
        .expect("first visit");
    assert_eq!((stats.read, left_out), (1000, 0));
    let rows = store
        .mail_wait(move |c| news::articles(c, folder))
        .expect("rows");
    assert_eq!(rows.len(), 1000);
    assert_eq!(
        rows.first().map(|r| r.uid),
        Some(99_001),
        "the latest 1,000"
    );
    store
        .mail_wait(move |c| news::mark(c, folder, &[99_001, 99_002], true))
        .expect("mark");
    // Nothing is new: nothing is fetched, the marks stay.
    let (again, _) = fetch_headers(&mut s, &store, folder, "test.bulk", Some(1000), |_| {})
        .await
        .expect("again");
    assert_eq!(again.read, 0);
    let g = store
        .mail_wait(move |c| news::subscribed_group(c, folder))
        .expect("group")
        .expect("subscribed");
    assert_eq!(g.read.to_string(), "99001-99002");
    assert_eq!(g.unread(), 100_000 - 2);
    assert_eq!(g.folder.unseen, 100_000 - 2);
    s.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_bulk_group_is_stored_threaded_and_searchable() {
    if !server_up("INN", "127.0.0.1:1119") {
        return;
    }
    let (_dir, store, account) = store_with_server();
    let mut s = session().await;
    let folder = store
        .mail_wait(move |c| news::subscribe(c, account, "test.bulk"))
        .expect("subscribe");
    let (stats, _) = fetch_headers(&mut s, &store, folder, "test.bulk", None, |_| {})
        .await
        .expect("all");
    assert_eq!(stats.read, 100_000);
    let rows = store
        .mail_wait(move |c| news::articles(c, folder))
        .expect("rows");
    assert_eq!(rows.len(), 100_000);
    let threaded = portolan::mail::threads::threaded(rows);
    let roots = threaded.iter().filter(|r| r.depth == 0).count();
    assert_eq!(roots, 10_000, "threads of ten");
    let found = store
        .mail_wait(move |c| mail::search(c, &[folder], &Query::parse("\"Bulk thread 4321\""), 50))
        .expect("search");
    assert_eq!(found.len(), 10);
    assert!(
        found
            .iter()
            .all(|r| r.subject.ends_with("Bulk thread 4321"))
    );
    s.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_test_group_keeps_decoded_headers_and_a_cached_article() {
    if !server_up("INN", "127.0.0.1:1119") {
        return;
    }
    let (_dir, store, account) = store_with_server();
    let mut s = session().await;
    let folder = store
        .mail_wait(move |c| news::subscribe(c, account, "local.test"))
        .expect("subscribe");
    fetch_headers(&mut s, &store, folder, "local.test", None, |_| {})
        .await
        .expect("headers");
    let rows = store
        .mail_wait(move |c| news::articles(c, folder))
        .expect("rows");
    let latin1 = rows
        .iter()
        .find(|r| r.message_id.as_deref() == Some("latin1@example.test"))
        .expect("latin1");
    assert_eq!(latin1.subject, "Café crème");
    assert_eq!(latin1.from_name, "René");
    assert_eq!(latin1.from_addr, "rene@example.test");
    let raw = s
        .article(&portolan::proto::nntp::ArticleId::Number(u64::from(
            latin1.uid,
        )))
        .await
        .expect("article");
    let id = latin1.id;
    let saved = raw.clone();
    store
        .mail_wait(move |c| mail::save_body(c, id, &saved))
        .expect("save");
    let cached = store.mail_wait(move |c| mail::body(c, id)).expect("body");
    assert_eq!(cached, Some(raw), "offline reading has the article as sent");
    s.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_numbered_anew_drops_its_stale_cache() {
    if !server_up("INN", "127.0.0.1:1119") {
        return;
    }
    let (_dir, store, account) = store_with_server();
    let mut s = session().await;
    let folder = store
        .mail_wait(move |c| news::subscribe(c, account, "local.general"))
        .expect("subscribe");
    // What a rebuilt server leaves behind: a stored article above the server's last number,
    // read.
    let stale = vec![portolan::proto::nntp::Overview {
        number: 999_999,
        subject: "From the old server".into(),
        message_id: "<stale@x>".into(),
        ..portolan::proto::nntp::Overview::default()
    }];
    store
        .mail_wait(move |c| {
            news::store_overviews(c, folder, &stale, false)?;
            news::mark(c, folder, &[999_999], true)
        })
        .expect("stale");
    let (stats, _) = fetch_headers(&mut s, &store, folder, "local.general", None, |_| {})
        .await
        .expect("headers");
    let rows = store
        .mail_wait(move |c| news::articles(c, folder))
        .expect("rows");
    assert!(rows.iter().all(|r| r.subject != "From the old server"));
    assert_eq!(rows.len() as u64, stats.read);
    assert!(rows.iter().any(|r| r.subject == "Meeting on Friday"));
    let g = store
        .mail_wait(move |c| news::subscribed_group(c, folder))
        .expect("group")
        .expect("subscribed");
    assert!(g.read.ranges().is_empty(), "the old read marks went too");
    s.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_charset_reads_8_bit_headers_that_name_none() {
    if !server_up("INN", "127.0.0.1:1119") {
        return;
    }
    let (_dir, store, account) = store_with_server();
    let mut s = session().await;
    let folder = store
        .mail_wait(move |c| news::subscribe(c, account, "local.test"))
        .expect("subscribe");
    // The Latin-1 subject read as if the group were Greek (ISO-8859-7): other letters, the
    // same bytes, so the group's charset is what decoded them.
    portolan::workers::news::fetch_headers_in(
        &mut s,
        &store,
        folder,
        "local.test",
        None,
        encoding_rs::ISO_8859_7,
        |_| {},
    )
    .await
    .expect("headers");
    let rows = store
        .mail_wait(move |c| news::articles(c, folder))
        .expect("rows");
    let subject = &rows
        .iter()
        .find(|r| r.message_id.as_deref() == Some("latin1@example.test"))
        .expect("latin1")
        .subject;
    assert_eq!(subject, "Cafι crθme");
    s.quit().await;
}
