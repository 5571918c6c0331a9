//! The folder sync against the real dovecot: a first sync fills the store and the index, a
//! second with nothing changed fetches nothing, flag changes and deletions made from another
//! connection arrive, a sync cut off half-way carries on without duplicates, a replaced folder
//! (new UIDVALIDITY) is fetched again and no other folder is touched, and POP3 downloads each
//! message once and deletes on the server only what is stored.

use crate::common::{server_up, trust_with_ca};
use portolan::mail::search::Query;
use portolan::proto::imap::{ImapServer, ImapSession};
use portolan::proto::net::Limits;
use portolan::proto::pop3::{Pop3Server, Pop3Session};
use portolan::proto::tls::TlsMode;
use portolan::store::Store;
use portolan::store::mail::{self as records, Account, FolderInfo, FolderRow};
use portolan::workers::mail::{MailCommand, MailEvent};
use portolan::workers::mail_sync::{
    FIRST_BATCH, SyncError, Wanted, sync_imap_folder, sync_imap_folder_between, sync_pop3,
};
use portolan::workers::{EventSink, Notifier};

fn imap(user: &str) -> ImapServer {
    ImapServer {
        host: "127.0.0.1".into(),
        port: 1143,
        tls: TlsMode::Plain,
        user: user.into(),
        password: "secret".into(),
    }
}

fn store() -> (tempfile::TempDir, Store, i64) {
    let dir = tempfile::tempdir().expect("tmp");
    let store = Store::open(&dir.path().join("mail.db")).expect("store");
    let account = Account {
        name: "test".into(),
        host: "127.0.0.1".into(),
        port: 1143,
        user: "tester".into(),
        ..Account::default()
    };
    let id = store
        .mail_wait(move |c| records::save_account(c, &account))
        .expect("account");
    (dir, store, id)
}

fn folder_row(store: &Store, account: i64, name: &str) -> FolderRow {
    let infos = vec![FolderInfo {
        name: name.to_string(),
        selectable: true,
        ..FolderInfo::default()
    }];
    let name = name.to_string();
    store
        .mail_wait(move |c| records::sync_folders(c, account, &infos))
        .expect("folders")
        .into_iter()
        .find(|f| f.name == name)
        .expect("folder")
}

fn fresh(store: &Store, id: i64) -> FolderRow {
    store
        .mail_wait(move |c| records::folder(c, id))
        .expect("folder")
        .expect("row")
}

/// The tester's INBOX row in `store`, and a session logged in to dovecot as the tester.
async fn tester_inbox(store: &Store, account: i64) -> (FolderRow, ImapSession) {
    let inbox = folder_row(store, account, "INBOX");
    let session = ImapSession::connect(&imap("tester"), &trust_with_ca(), &Limits::default())
        .await
        .expect("login");
    (inbox, session)
}

/// A mail worker for `user` (password `secret`) on dovecot's plain port, writing into
/// `store` as `account`, and the events it sends.
fn mail_worker(
    store: &Store,
    account: i64,
    user: &str,
) -> (
    tokio::sync::mpsc::UnboundedSender<MailCommand>,
    std::sync::mpsc::Receiver<MailEvent>,
) {
    mail_worker_on(store, account, user, 1143)
}

/// [`mail_worker`] for a server at `port` on loopback.
fn mail_worker_on(
    store: &Store,
    account: i64,
    user: &str,
    port: u16,
) -> (
    tokio::sync::mpsc::UnboundedSender<MailCommand>,
    std::sync::mpsc::Receiver<MailEvent>,
) {
    let services = portolan::workers::Services::new(
        tokio::runtime::Handle::current(),
        trust_with_ca(),
        portolan::proto::http::HttpClient::new(trust_with_ca(), &Limits::default()).expect("http"),
        Limits::default(),
    );
    let (sink, events) = EventSink::<MailEvent>::new(Notifier::new());
    let worker_account = Account {
        id: account,
        kind: "imap".into(),
        host: "127.0.0.1".into(),
        port,
        tls: "plain".into(),
        user: user.into(),
        ..Account::default()
    };
    let tx = portolan::workers::mail::spawn(
        &services,
        store.clone(),
        worker_account,
        "secret".into(),
        sink.map(|e| e),
    );
    (tx, events)
}

/// `folder` synced once over `session`, which is then closed: the folder's row as stored,
/// and its newest message.
async fn synced_once(
    mut session: ImapSession,
    store: &Store,
    folder: &FolderRow,
) -> (FolderRow, records::MessageRow) {
    sync_imap_folder(&mut session, store, folder, |_| {})
        .await
        .expect("sync");
    session.logout().await;
    let folder = fresh(store, folder.id);
    let id = folder.id;
    let newest = store
        .mail_wait(move |c| records::messages(c, id, records::Sort::DateNewest))
        .expect("rows")
        .remove(0);
    (folder, newest)
}

/// What a worker reports, in order, named ("searched 2", "body 7", "synced 2 new"), until
/// `enough` says so or 20 s pass; a failure or refusal ends the test.
fn worker_events(
    events: &std::sync::mpsc::Receiver<MailEvent>,
    enough: impl Fn(&[String]) -> bool,
) -> Vec<String> {
    let mut seen = Vec::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while std::time::Instant::now() < deadline && !enough(&seen) {
        match events.recv_timeout(std::time::Duration::from_millis(200)) {
            Ok(MailEvent::Searched { generation, .. }) => {
                seen.push(format!("searched {generation}"));
            }
            Ok(MailEvent::Body { message, .. }) => seen.push(format!("body {message}")),
            Ok(MailEvent::Synced { report, .. }) => {
                seen.push(format!("synced {} new", report.new));
            }
            Ok(MailEvent::Failed { error, .. } | MailEvent::Refused { error, .. }) => {
                panic!("{error}")
            }
            _ => {}
        }
    }
    seen
}

fn search(store: &Store, q: &str) -> Vec<u32> {
    let q = Query::parse(q);
    store
        .mail_wait(move |c| records::search(c, &[], &q, 1000))
        .expect("search")
        .iter()
        .map(|r| r.uid)
        .collect()
}

/// A message opened while its folder syncs is fetched between two batches, before the sync
/// ends, byte for byte; one the server does not have is a refusal handed over, and the sync
/// goes on to store every summary.
#[tokio::test]
async fn a_message_opened_during_a_sync_is_fetched_before_it_ends() {
    if !server_up("dovecot IMAP", "127.0.0.1:1143") {
        return;
    }
    let (_d, store, account) = store();
    let (inbox, mut s) = tester_inbox(&store, account).await;
    s.select("INBOX").await.expect("select");
    let newest = s
        .search("ALL")
        .await
        .expect("uids")
        .into_iter()
        .max()
        .expect("a message");
    let whole = s.raw("INBOX", newest, None).await.expect("raw");
    let mut asked = 0;
    let mut handed = Vec::new();
    let report = sync_imap_folder_between(
        &mut s,
        &store,
        &inbox,
        |_| {},
        || {
            asked += 1;
            if asked > 1 {
                return Vec::new();
            }
            vec![
                Wanted {
                    message: 7,
                    uid: newest,
                    size: whole.len() as u32,
                    elsewhere: None,
                },
                Wanted {
                    message: 8,
                    uid: 999_999,
                    size: 10,
                    elsewhere: None,
                },
            ]
        },
        |w, raw| handed.push((w.message, raw.map_err(|e| e.to_string()))),
    )
    .await
    .expect("sync");
    assert!(asked >= 1, "asked after each batch");
    assert_eq!(handed.len(), 2, "{handed:?}");
    assert_eq!(handed[0], (7, Ok(whole)));
    assert_eq!(handed[1].0, 8);
    let refused = handed[1].1.as_ref().expect_err("no such message");
    assert!(refused.contains("999999"), "{refused}");
    assert_eq!(report.new, 12);
    assert_eq!(fresh(&store, inbox.id).messages, 12);
    s.logout().await;
}

/// Two new folders of the scratch user, named after `syncing` and `other` with this
/// process's id: `count` numbered messages in the first (subjects from its name in lower
/// case), one in the second. Returns a session with the second selected, the two names and
/// the UID of the second's message.
async fn two_folders(syncing: &str, other: &str, count: u32) -> (ImapSession, String, String, u32) {
    let (syncing, other) = (
        format!("{syncing}{}", std::process::id()),
        format!("{other}{}", std::process::id()),
    );
    let mut s = ImapSession::connect(&imap("scratch"), &trust_with_ca(), &Limits::default())
        .await
        .expect("login");
    for name in [&syncing, &other] {
        let _ = s.delete(name).await;
        s.create(name).await.expect("CREATE");
    }
    let words = |name: &str| {
        name.trim_end_matches(|c: char| c.is_ascii_digit())
            .to_lowercase()
    };
    append_numbered(&mut s, &syncing, &words(&syncing), count).await;
    append_numbered(&mut s, &other, &words(&other), 1).await;
    s.select(&other).await.expect("SELECT");
    let uid = s.search("ALL").await.expect("SEARCH")[0];
    (s, syncing, other, uid)
}

/// On a server that allows one connection per user, a message of another folder opened
/// during a sync is fetched on the sync's connection between two batches: that folder is
/// examined, the one syncing selected again, and the next batch comes from it, by number as
/// before. Every summary of the folder syncing is stored, none of the other's.
#[tokio::test]
async fn a_message_of_another_folder_is_fetched_between_two_batches_on_the_same_connection() {
    if !server_up("dovecot IMAP", "127.0.0.1:1143") {
        return;
    }
    // One more than the first batch: a second batch follows the fetch of the other message.
    let count = FIRST_BATCH as u32 + 3;
    let (mut s, syncing, other, beside) = two_folders("Between", "Beside", count).await;
    let whole = s.raw(&other, beside, None).await.expect("raw");
    let (_d, store, account) = store();
    let row = folder_row(&store, account, &syncing);
    let mut asked = 0;
    let mut handed = Vec::new();
    let report = sync_imap_folder_between(
        &mut s,
        &store,
        &row,
        |_| {},
        || {
            asked += 1;
            if asked > 1 {
                return Vec::new();
            }
            vec![Wanted {
                message: 9,
                uid: beside,
                size: whole.len() as u32,
                elsewhere: Some(other.clone()),
            }]
        },
        |w, raw| handed.push((w.message, raw.map_err(|e| e.to_string()))),
    )
    .await
    .expect("sync");
    assert!(asked >= 2, "asked after each of the two batches: {asked}");
    assert_eq!(handed, vec![(9, Ok(whole))]);
    assert_eq!(report.new, count as usize, "{report:?}");
    let id = row.id;
    let stored = store
        .mail_wait(move |c| records::uids(c, id))
        .expect("uids");
    s.select(&syncing).await.expect("SELECT");
    let mut on_server = s.search("ALL").await.expect("SEARCH");
    on_server.sort_unstable();
    assert_eq!(stored, on_server);
    assert_eq!(search(&store, "subject:beside"), Vec::<u32>::new());
    // The sync's folder is the one selected at the end: a visit now finds nothing to do.
    let again = sync_imap_folder(&mut s, &store, &fresh(&store, id), |_| {})
        .await
        .expect("sync");
    assert!(again.unchanged, "{again:?}");
    for name in [&syncing, &other] {
        let _ = s.delete(name).await;
    }
    s.logout().await;
}

#[tokio::test]
async fn first_sync_fills_the_store_and_a_second_fetches_nothing() {
    if !server_up("dovecot IMAP", "127.0.0.1:1143") {
        return;
    }
    let (_d, store, account) = store();
    let (inbox, mut s) = tester_inbox(&store, account).await;
    // Counts from the server's STATUS, shown before the first sync: the sync's own replace them.
    let id = inbox.id;
    store
        .mail_wait(move |c| records::set_counts(c, id, 999, 999))
        .expect("counts");
    let mut seen_progress = Vec::new();
    let report = sync_imap_folder(&mut s, &store, &inbox, |n| seen_progress.push(n))
        .await
        .expect("sync");
    assert_eq!(report.new, 12);
    assert!(!seen_progress.is_empty());
    let row = fresh(&store, inbox.id);
    assert_eq!((row.messages, row.unseen), (12, 11));
    assert!(row.uidvalidity.is_some() && row.highest_modseq.is_some());
    assert_eq!(search(&store, "from:müller"), vec![3]);
    assert_eq!(search(&store, "Москвы"), vec![5]);
    assert_eq!(search(&store, "subject:tracking"), vec![10]);
    let again = sync_imap_folder(&mut s, &store, &row, |_| {})
        .await
        .expect("sync");
    assert!(again.unchanged, "{again:?}");
    assert_eq!(fresh(&store, inbox.id).messages, 12);
    s.logout().await;
}

fn message(subject: &str) -> Vec<u8> {
    format!("From: Sync <sync@example.test>\r\nSubject: {subject}\r\nMessage-ID: <{}@sync.test>\r\n\r\nBody.\r\n", subject.replace(' ', "."))
        .into_bytes()
}

/// Appends `count` messages to `folder`, subjects `"{subject} 1"` and up.
async fn append_numbered(session: &mut ImapSession, folder: &str, subject: &str, count: u32) {
    for i in 1..=count {
        session
            .append(folder, None, &message(&format!("{subject} {i}")))
            .await
            .expect("APPEND");
    }
}

#[tokio::test]
async fn changes_from_another_client_arrive_and_a_cut_sync_carries_on() {
    if !server_up("dovecot IMAP", "127.0.0.1:1143") {
        return;
    }
    let trust = trust_with_ca();
    let limits = Limits::default();
    let mut other = ImapSession::connect(&imap("scratch"), &trust, &limits)
        .await
        .expect("login");
    let _ = other.delete("Sync test").await;
    other.create("Sync test").await.expect("CREATE");
    append_numbered(&mut other, "Sync test", "sync message", 6).await;
    let (_d, store, account) = store();
    let folder = folder_row(&store, account, "Sync test");
    // A sync that stored only the three newest before it was cut off.
    let mut s = ImapSession::connect(&imap("scratch"), &trust, &limits)
        .await
        .expect("login");
    s.select("Sync test").await.expect("SELECT");
    let heads = s.heads("4:6").await.expect("FETCH");
    let batch: Vec<records::NewMessage> = heads
        .into_iter()
        .map(|h| records::NewMessage {
            uid: h.uid,
            flags: h.flags,
            size: h.size,
            header: h.header,
            ..records::NewMessage::default()
        })
        .collect();
    let fid = folder.id;
    store
        .mail_wait(move |c| records::insert_messages(c, fid, &batch))
        .expect("insert");
    let report = sync_imap_folder(&mut s, &store, &fresh(&store, fid), |_| {})
        .await
        .expect("sync");
    assert_eq!(report.new, 3, "only the three it lacked: {report:?}");
    assert_eq!(fresh(&store, fid).messages, 6);
    // Another client reads one, flags one and deletes one.
    other.select("Sync test").await.expect("SELECT");
    other
        .store_flags(&[1], &["\\Seen"], true)
        .await
        .expect("STORE");
    other
        .store_flags(&[2], &["\\Flagged"], true)
        .await
        .expect("STORE");
    other
        .store_flags(&[3], &["\\Deleted"], true)
        .await
        .expect("STORE");
    other.expunge(&[3]).await.expect("EXPUNGE");
    let report = sync_imap_folder(&mut s, &store, &fresh(&store, fid), |_| {})
        .await
        .expect("sync");
    assert_eq!(
        (report.flags_changed, report.removed, report.new),
        (2, 1, 0),
        "{report:?}"
    );
    let row = fresh(&store, fid);
    assert_eq!((row.messages, row.unseen), (5, 4));
    assert_eq!(search(&store, "is:flagged"), vec![2]);
    // A first sync into an empty store fetches by message number, with no SEARCH: the UIDs
    // it stores, with the gap the removal left, are the server's.
    let (_d2, first_store, account2) = self::store();
    let first_folder = folder_row(&first_store, account2, "Sync test");
    let report = sync_imap_folder(&mut s, &first_store, &first_folder, |_| {})
        .await
        .expect("first sync");
    assert_eq!(report.new, 5, "{report:?}");
    let fid2 = first_folder.id;
    let uids = first_store
        .mail_wait(move |c| records::uids(c, fid2))
        .expect("uids");
    assert_eq!(uids, vec![1, 2, 4, 5, 6]);
    assert_eq!(search(&first_store, "is:flagged"), vec![2]);
    assert_eq!(
        (
            fresh(&first_store, fid2).messages,
            fresh(&first_store, fid2).unseen
        ),
        (5, 4)
    );
    // The folder replaced on the server: its cache is dropped and fetched again; the INBOX
    // row of the same account is untouched.
    let inbox_id = store
        .mail_wait(move |c| records::local_folder(c, account, "INBOX", "inbox"))
        .expect("folder");
    store
        .mail_wait(move |c| {
            records::insert_messages(
                c,
                inbox_id,
                &[records::NewMessage {
                    uid: 77,
                    header: b"Subject: keep me\r\n\r\n".to_vec(),
                    ..records::NewMessage::default()
                }],
            )
        })
        .expect("insert");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    // Dovecot ends sessions that have a deleted folder selected, as the worker's reconnect
    // would after it; both sides leave it first.
    other.select("INBOX").await.expect("SELECT");
    s.logout().await;
    other.delete("Sync test").await.expect("DELETE");
    other.create("Sync test").await.expect("CREATE");
    other
        .append("Sync test", None, &message("after the reset"))
        .await
        .expect("APPEND");
    let mut s = ImapSession::connect(&imap("scratch"), &trust, &limits)
        .await
        .expect("login");
    let report = sync_imap_folder(&mut s, &store, &fresh(&store, fid), |_| {})
        .await
        .expect("sync");
    assert!(report.reset, "{report:?}");
    assert_eq!(fresh(&store, fid).messages, 1);
    assert_eq!(search(&store, "subject:reset"), vec![1]);
    assert_eq!(
        search(&store, "subject:keep"),
        vec![77],
        "another folder's cache stays"
    );
    other.delete("Sync test").await.expect("DELETE");
    s.logout().await;
    other.logout().await;
}

#[tokio::test]
async fn pop3_downloads_each_message_once_and_deletes_only_what_is_stored() {
    if !server_up("dovecot POP3", "127.0.0.1:1110") {
        return;
    }
    let trust = trust_with_ca();
    let limits = Limits::default();
    let server = Pop3Server {
        host: "127.0.0.1".into(),
        port: 1110,
        tls: TlsMode::Plain,
        user: "popper".into(),
        password: "secret".into(),
    };
    let (_d, store, account) = store();
    let inbox = store
        .mail_wait(move |c| records::local_folder(c, account, "Inbox", "inbox"))
        .expect("folder");
    let mut s = Pop3Session::connect(&server, &trust, &limits)
        .await
        .expect("login");
    let (stored, deleted) = sync_pop3(&mut s, &store, inbox, true, 0, None, |_| {})
        .await
        .expect("sync");
    s.quit().await.expect("QUIT");
    assert_eq!((stored, deleted), (10, 0));
    let mut uids = search(&store, "subject:POP");
    uids.sort_unstable();
    assert_eq!(uids, (1..=10).collect::<Vec<u32>>());
    // Bodies are stored and searchable.
    assert_eq!(search(&store, "\"message 7\"").len(), 1);
    let mut s = Pop3Session::connect(&server, &trust, &limits)
        .await
        .expect("login");
    let (stored, _) = sync_pop3(&mut s, &store, inbox, true, 0, None, |_| {})
        .await
        .expect("sync");
    assert_eq!(stored, 0, "each message once");
    // Delete-after-days, but nothing is that old: the server keeps all ten.
    let (_, deleted) = sync_pop3(&mut s, &store, inbox, true, 30, None, |_| {})
        .await
        .expect("sync");
    assert_eq!(deleted, 0);
    s.rset().await.expect("RSET");
    s.quit().await.expect("QUIT");
}

#[tokio::test]
async fn pop3_large_messages_come_as_a_preview_and_whole_on_demand() {
    if !server_up("dovecot POP3", "127.0.0.1:1110") {
        return;
    }
    let trust = trust_with_ca();
    let limits = Limits::default();
    let server = Pop3Server {
        host: "127.0.0.1".into(),
        port: 1110,
        tls: TlsMode::Plain,
        user: "popper".into(),
        password: "secret".into(),
    };
    let (_d, store, account) = store();
    let inbox = store
        .mail_wait(move |c| records::local_folder(c, account, "Inbox", "inbox"))
        .expect("folder");
    let mut s = Pop3Session::connect(&server, &trust, &limits)
        .await
        .expect("login");
    // Every message of popper is over 100 bytes: all come as previews.
    let (stored, _) = sync_pop3(&mut s, &store, inbox, true, 0, Some(100), |_| {})
        .await
        .expect("sync");
    assert_eq!(stored, 10);
    let rows = store
        .mail_wait(move |c| records::messages(c, inbox, records::Sort::DateOldest))
        .expect("rows");
    let first = rows
        .iter()
        .find(|r| r.subject == "POP message 4")
        .expect("message 4")
        .id;
    let (preview, partial) = store
        .mail_wait(move |c| records::body_state(c, first))
        .expect("body")
        .expect("stored");
    assert!(partial, "a preview");
    assert!(preview.starts_with(b"From: pop@example.test"));
    // Previews are not "stored" for deletion: delete-after-days removes nothing.
    let (_, deleted) = sync_pop3(&mut s, &store, inbox, false, 0, Some(100), |_| {})
        .await
        .expect("sync");
    assert_eq!(
        deleted, 0,
        "nothing whole was stored, so nothing is deleted"
    );
    s.rset().await.expect("RSET");
    let remote = store
        .mail_wait(move |c| records::remote_id_of(c, first))
        .expect("id")
        .expect("uidl");
    let whole = portolan::workers::mail_sync::pop3_whole(&mut s, &store, first, &remote)
        .await
        .expect("RETR")
        .expect("still there");
    assert!(whole.ends_with(b"Body of message 4.\r\n.starts with a dot\r\n"));
    let (_, partial) = store
        .mail_wait(move |c| records::body_state(c, first))
        .expect("body")
        .expect("stored");
    assert!(!partial);
    s.quit().await.expect("QUIT");
}

/// The same mail through a server of another kind (the second dovecot): "." as the hierarchy
/// delimiter, no SPECIAL-USE (roles guessed from names), no CONDSTORE (new UIDs plus a flag
/// rescan), with changes made through the first server arriving all the same.
#[tokio::test]
async fn a_server_without_condstore_or_special_use_and_with_another_delimiter() {
    if !server_up("dovecot IMAP", "127.0.0.1:1143")
        || !server_up("dovecot IMAP without TLS", "127.0.0.1:1144")
    {
        return;
    }
    let trust = trust_with_ca();
    let limits = Limits::default();
    let plain = ImapServer {
        port: 1144,
        ..imap("scratch")
    };
    let mut s = ImapSession::connect(&plain, &trust, &limits)
        .await
        .expect("login");
    assert!(
        !s.has("CONDSTORE") && !s.has("SPECIAL-USE"),
        "{:?}",
        s.capabilities
    );
    let name = format!("Plain{}", std::process::id());
    let _ = s.delete(&format!("{name}.inner")).await;
    let _ = s.delete(&name).await;
    s.create(&name).await.expect("CREATE");
    s.create(&format!("{name}.inner"))
        .await
        .expect("CREATE a child");
    // Made by the first server on its first login; here it may not be there yet.
    let _ = s.create("Sent").await;
    let folders = s.folders().await.expect("LIST");
    let inner = folders
        .iter()
        .find(|f| f.name == format!("{name}.inner"))
        .expect("the child, named with the server's delimiter");
    assert_eq!(inner.delimiter.as_deref(), Some("."));
    let sent = folders.iter().find(|f| f.name == "Sent").expect("Sent");
    assert_eq!(
        sent.special_use,
        Some(portolan::proto::imap::SpecialUse::Sent),
        "guessed from the name"
    );
    append_numbered(&mut s, &name, "plain", 3).await;
    let (_d, store, account) = store();
    let fid = folder_row(&store, account, &name).id;
    let report = sync_imap_folder(&mut s, &store, &fresh(&store, fid), |_| {})
        .await
        .expect("sync");
    assert_eq!(report.new, 3, "{report:?}");
    let again = sync_imap_folder(&mut s, &store, &fresh(&store, fid), |_| {})
        .await
        .expect("sync");
    assert_eq!(
        (again.new, again.flags_changed, again.removed),
        (0, 0, 0),
        "{again:?}"
    );
    // Flagged through the other server (its "/" view of the same folder): the rescan sees it.
    let mut other = ImapSession::connect(&imap("scratch"), &trust, &limits)
        .await
        .expect("login");
    other.select(&name).await.expect("SELECT");
    other
        .store_flags(&[2], &["\\Flagged"], true)
        .await
        .expect("STORE");
    let report = sync_imap_folder(&mut s, &store, &fresh(&store, fid), |_| {})
        .await
        .expect("sync");
    assert_eq!(report.flags_changed, 1, "{report:?}");
    assert_eq!(search(&store, "is:flagged subject:plain"), vec![2]);
    let _ = s.delete(&format!("{name}.inner")).await;
    let _ = s.delete(&name).await;
}

/// A server that gives UIDNEXT but keeps no MODSEQs (no CONDSTORE, no HIGHESTMODSEQ on
/// SELECT): a visit with nothing new still reads the flags again, for nothing else tells
/// whether another client marked a message. Before, such a visit was taken as "up to date"
/// and a flag set elsewhere showed only once a new message arrived.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_modseqs_a_visit_with_nothing_new_still_reads_the_flags_again() {
    if !server_up("dovecot IMAP", "127.0.0.1:1143") {
        return;
    }
    let (trust, limits) = (trust_with_ca(), Limits::default());
    let name = format!("NoModseq{}", std::process::id());
    let mut other = ImapSession::connect(&imap("scratch"), &trust, &limits)
        .await
        .expect("login");
    let _ = other.delete(&name).await;
    other.create(&name).await.expect("CREATE");
    append_numbered(&mut other, &name, "no modseq", 2).await;
    let port = modseq_hiding_proxy().await;
    let through = ImapServer {
        port,
        ..imap("scratch")
    };
    let mut s = ImapSession::connect(&through, &trust, &limits)
        .await
        .expect("login");
    assert!(!s.has("CONDSTORE"), "{:?}", s.capabilities);
    let (_d, store, account) = store();
    let fid = folder_row(&store, account, &name).id;
    let first = sync_imap_folder(&mut s, &store, &fresh(&store, fid), |_| {})
        .await
        .expect("sync");
    assert_eq!(first.new, 2, "{first:?}");
    let row = fresh(&store, fid);
    assert!(
        row.uidnext.is_some() && row.highest_modseq.is_none(),
        "{row:?}"
    );
    other.select(&name).await.expect("SELECT");
    let uids = other.search("ALL").await.expect("SEARCH");
    other
        .store_flags(&uids[..1], &["\\Flagged"], true)
        .await
        .expect("STORE");
    let again = sync_imap_folder(&mut s, &store, &fresh(&store, fid), |_| {})
        .await
        .expect("sync");
    assert_eq!(
        (again.new, again.flags_changed, again.unchanged),
        (0, 1, false),
        "{again:?}"
    );
    assert_eq!(search(&store, "is:flagged subject:modseq"), vec![uids[0]]);
    s.logout().await;
    let _ = other.delete(&name).await;
}

/// Flags this client set itself (stored at once, then sent to the server) come back in the
/// next sync by MODSEQ, in the server's order: they are stored already, so that sync reports
/// no change, and the one after it finds the folder up to date.
#[tokio::test]
async fn flags_set_here_are_not_reported_back_as_changes() {
    if !server_up("dovecot IMAP", "127.0.0.1:1143") {
        return;
    }
    let (trust, limits) = (trust_with_ca(), Limits::default());
    let name = format!("OwnFlags{}", std::process::id());
    let mut s = ImapSession::connect(&imap("scratch"), &trust, &limits)
        .await
        .expect("login");
    assert!(s.has("CONDSTORE"));
    let _ = s.delete(&name).await;
    s.create(&name).await.expect("CREATE");
    append_numbered(&mut s, &name, "own flags", 2).await;
    let (_d, store, account) = store();
    let fid = folder_row(&store, account, &name).id;
    let first = sync_imap_folder(&mut s, &store, &fresh(&store, fid), |_| {})
        .await
        .expect("sync");
    assert_eq!(first.new, 2, "{first:?}");
    let uid = s.search("ALL").await.expect("SEARCH")[0];
    let id = store
        .mail_wait(move |c| records::id_of(c, fid, uid))
        .expect("id")
        .expect("row");
    // Read, then flagged, as a user would: stored in that order, the server keeps its own.
    for flag in ["\\Seen", "\\Flagged"] {
        store
            .mail_wait(move |c| records::set_flag(c, &[id], flag, true))
            .expect("stored");
        s.store_flags(&[uid], &[flag], true).await.expect("STORE");
    }
    let next = sync_imap_folder(&mut s, &store, &fresh(&store, fid), |_| {})
        .await
        .expect("sync");
    assert_eq!(
        (next.new, next.flags_changed, next.removed),
        (0, 0, 0),
        "{next:?}"
    );
    let last = sync_imap_folder(&mut s, &store, &fresh(&store, fid), |_| {})
        .await
        .expect("sync");
    assert!(last.unchanged, "{last:?}");
    assert_eq!(search(&store, "is:flagged subject:own"), vec![uid]);
    let _ = s.delete(&name).await;
}

/// A proxy on loopback in front of dovecot's plain port that hides MODSEQs, as a server
/// without CONDSTORE has none: CONDSTORE and QRESYNC leave its capability lists, and the
/// HIGHESTMODSEQ code leaves its answers to SELECT.
async fn modseq_hiding_proxy() -> u16 {
    rewriting_proxy(|_, line| {
        if line.contains("[HIGHESTMODSEQ ") {
            "* OK [NOMODSEQ] No modseqs here\r\n".to_string()
        } else if line.contains("CAPABILITY") {
            line.replace(" CONDSTORE", "").replace(" QRESYNC", "")
        } else {
            line.to_string()
        }
    })
    .await
}

/// A proxy on loopback in front of dovecot's plain port that passes what the client sends
/// and hands each line the server sends to `rewrite`, with a count of the connection's
/// UIDVALIDITY codes so far (one per SELECT or EXAMINE).
async fn rewriting_proxy(rewrite: fn(usize, &str) -> String) -> u16 {
    use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
    dovecot_proxy(move |client, server| async move {
        let (mut from_client, mut to_client) = client.into_split();
        let (from_server, mut to_server) = server.into_split();
        tokio::spawn(async move {
            let _ = tokio::io::copy(&mut from_client, &mut to_server).await;
        });
        let mut from_server = BufReader::new(from_server);
        let mut line = Vec::new();
        let mut validities = 0;
        loop {
            line.clear();
            match from_server.read_until(b'\n', &mut line).await {
                Ok(1..) => {}
                _ => return,
            }
            let text = String::from_utf8_lossy(&line);
            if text.contains("[UIDVALIDITY ") {
                validities += 1;
            }
            let out = rewrite(validities, &text);
            if to_client.write_all(out.as_bytes()).await.is_err() {
                return;
            }
        }
    })
    .await
}

/// A proxy on loopback in front of dovecot's plain port: each connection accepted is handed
/// with its own connection to dovecot to `each`, which runs as a task of its own.
async fn dovecot_proxy<F, Fut>(mut each: F) -> u16
where
    F: FnMut(tokio::net::TcpStream, tokio::net::TcpStream) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let (listener, port) = loopback_listener().await;
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let Ok(server) = tokio::net::TcpStream::connect("127.0.0.1:1143").await else {
                return;
            };
            tokio::spawn(each(client, server));
        }
    });
    port
}

/// A folder replaced on the server while it syncs (another UIDVALIDITY), found when it is
/// selected again after a message of another folder was fetched between two batches: the
/// sync ends with that said, what it stored of the old folder is dropped, and the next visit
/// fetches the folder again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_folder_replaced_during_a_sync_is_dropped_and_fetched_again() {
    if !server_up("dovecot IMAP", "127.0.0.1:1143") {
        return;
    }
    let count = FIRST_BATCH as u32 + 2;
    let (mut s, syncing, other, aside) = two_folders("Replaced", "Aside", count).await;
    let (trust, limits) = (trust_with_ca(), Limits::default());
    // The third SELECT or EXAMINE of a connection (the sync's folder selected again, after
    // its own SELECT and the other folder's EXAMINE) answers another UIDVALIDITY.
    let port = rewriting_proxy(|validities, line| match line.find("[UIDVALIDITY ") {
        Some(at) if validities == 3 => {
            let rest = &line[at + "[UIDVALIDITY ".len()..];
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            let new = digits
                .parse::<u32>()
                .map_or(1, |v| v.wrapping_add(1).max(1));
            line.replacen(
                &format!("[UIDVALIDITY {digits}]"),
                &format!("[UIDVALIDITY {new}]"),
                1,
            )
        }
        _ => line.to_string(),
    })
    .await;
    let through = ImapServer {
        port,
        ..imap("scratch")
    };
    let mut proxied = ImapSession::connect(&through, &trust, &limits)
        .await
        .expect("login");
    let (_d, store, account) = store();
    let row = folder_row(&store, account, &syncing);
    let id = row.id;
    let mut asked = 0;
    let result = sync_imap_folder_between(
        &mut proxied,
        &store,
        &row,
        |_| {},
        || {
            asked += 1;
            if asked > 1 {
                return Vec::new();
            }
            vec![Wanted {
                message: 5,
                uid: aside,
                size: 4096,
                elsewhere: Some(other.clone()),
            }]
        },
        |_, _| {},
    )
    .await;
    let words = match result {
        Err(e @ SyncError::Replaced { .. }) => e.to_string(),
        other => panic!("not a replaced folder: {other:?}"),
    };
    assert!(
        words.contains(&syncing) && words.contains("next visit"),
        "{words}"
    );
    let stored = |store: &Store| {
        store
            .mail_wait(move |c| records::uids(c, id))
            .expect("uids")
            .len()
    };
    assert_eq!(
        stored(&store),
        0,
        "the first batch of the old folder is dropped"
    );
    // The next visit, straight to the server, finds its UIDVALIDITY and fetches all.
    let again = sync_imap_folder(&mut s, &store, &fresh(&store, id), |_| {})
        .await
        .expect("sync");
    assert!(again.reset, "{again:?}");
    assert_eq!(
        (again.new, stored(&store)),
        (count as usize, count as usize)
    );
    for name in [&syncing, &other] {
        let _ = s.delete(name).await;
    }
    s.logout().await;
}

/// The panel asks for a server search as each letter is typed. The account's worker drops a
/// search that a newer one replaces, and a message opened meanwhile is fetched before the
/// search that is still wanted, not after every search typed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replaced_search_is_dropped_and_an_opened_message_goes_first() {
    if !server_up("dovecot IMAP", "127.0.0.1:1143") {
        return;
    }
    let (_d, store, account) = store();
    let (inbox, s) = tester_inbox(&store, account).await;
    let (inbox, first) = synced_once(s, &store, &inbox).await;
    let (tx, events) = mail_worker(&store, account, "tester");
    // All queued before the worker reads its first command.
    let search = |generation| MailCommand::Search {
        folder: inbox.clone(),
        query: Query::parse("body:sync"),
        generation,
    };
    for command in [
        MailCommand::Open(inbox.clone()),
        search(1),
        search(2),
        MailCommand::FetchBody {
            message: first.id,
            folder: "INBOX".into(),
            uid: first.uid,
            size: first.size,
        },
    ] {
        tx.send(command).expect("worker");
    }
    let mut seen = worker_events(&events, |seen| {
        seen.iter().any(|e| e.starts_with("searched 2"))
    });
    seen.retain(|e| !e.starts_with("synced"));
    let _ = tx.send(MailCommand::Stop);
    assert_eq!(
        seen,
        vec![format!("body {}", first.id), "searched 2".to_string()],
        "the first search was replaced, and the message came before the search"
    );
}

/// A listener on a free port of loopback, for a proxy in front of dovecot.
async fn loopback_listener() -> (tokio::net::TcpListener, u16) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    (listener, port)
}

/// A worker for the tester through the proxy at `port`, with `inbox` opened and synced.
fn tester_worker_on_inbox(
    store: &Store,
    account: i64,
    inbox: &FolderRow,
    port: u16,
) -> (
    tokio::sync::mpsc::UnboundedSender<MailCommand>,
    std::sync::mpsc::Receiver<MailEvent>,
) {
    let (tx, events) = mail_worker_on(store, account, "tester", port);
    tx.send(MailCommand::Open(inbox.clone())).expect("worker");
    let seen = worker_events(&events, |seen| seen.iter().any(|e| e.starts_with("synced")));
    assert!(seen.iter().any(|e| e.starts_with("synced")), "{seen:?}");
    (tx, events)
}

/// A proxy on loopback in front of dovecot's plain port. On a connection whose client sends
/// what `holds` picks (a SEARCH of text, a sync's FETCH), it keeps the server's answers back
/// from then on until `release` is notified (a command that takes as long as the test
/// wants), and notifies `searching` when that command is sent.
async fn holding_proxy(
    holds: fn(&[u8]) -> bool,
    searching: std::sync::Arc<tokio::sync::Notify>,
    release: std::sync::Arc<tokio::sync::Notify>,
) -> u16 {
    use std::sync::atomic::{AtomicBool, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    dovecot_proxy(move |client, server| {
        let (searching, release) = (searching.clone(), release.clone());
        async move {
            let held = std::sync::Arc::new(AtomicBool::new(false));
            let (mut from_client, mut to_client) = client.into_split();
            let (mut from_server, mut to_server) = server.into_split();
            let hold = held.clone();
            tokio::spawn(async move {
                let mut buf = vec![0; 64 * 1024];
                while let Ok(n @ 1..) = from_client.read(&mut buf).await {
                    let sent = &buf[..n];
                    if holds(sent) && !hold.swap(true, Ordering::SeqCst) {
                        searching.notify_one();
                    }
                    if to_server.write_all(sent).await.is_err() {
                        return;
                    }
                }
            });
            let mut buf = vec![0; 64 * 1024];
            let mut waited = false;
            while let Ok(n @ 1..) = from_server.read(&mut buf).await {
                if held.load(Ordering::SeqCst) && !waited {
                    release.notified().await;
                    waited = true;
                }
                if to_client.write_all(&buf[..n]).await.is_err() {
                    return;
                }
            }
        }
    })
    .await
}

/// A server search reads every body the server has not indexed and cannot be cancelled. It
/// runs on a connection of its own: a message opened while the server is still searching
/// arrives at once, and the search's answer after, when the server gives it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_opens_while_a_server_search_is_still_running() {
    if !server_up("dovecot IMAP", "127.0.0.1:1143") {
        return;
    }
    let (_d, store, account) = store();
    let (inbox, s) = tester_inbox(&store, account).await;
    let (inbox, first) = synced_once(s, &store, &inbox).await;
    let (searching, release) = (
        std::sync::Arc::new(tokio::sync::Notify::new()),
        std::sync::Arc::new(tokio::sync::Notify::new()),
    );
    let text_search = |sent: &[u8]| has(sent, b"SEARCH") && has(sent, b"TEXT");
    let port = holding_proxy(text_search, searching.clone(), release.clone()).await;
    let (tx, events) = tester_worker_on_inbox(&store, account, &inbox, port);
    tx.send(MailCommand::Search {
        folder: inbox.clone(),
        query: Query::parse("sync"),
        generation: 1,
    })
    .expect("worker");
    // Opened once the server has the search, and while it has not answered.
    tokio::time::timeout(std::time::Duration::from_secs(20), searching.notified())
        .await
        .expect("the search was sent");
    tx.send(MailCommand::FetchBody {
        message: first.id,
        folder: "INBOX".into(),
        uid: first.uid,
        size: first.size,
    })
    .expect("worker");
    let body = format!("body {}", first.id);
    let mut before = worker_events(&events, |seen| seen.contains(&body));
    // The Sent folder and the inbox again are synced once per connection, after the first.
    before.retain(|e| !e.starts_with("synced"));
    assert_eq!(
        before,
        vec![body.clone()],
        "the message came while the server had not answered the search"
    );
    release.notify_one();
    let mut after = worker_events(&events, |seen| seen.iter().any(|e| e == "searched 1"));
    after.retain(|e| !e.starts_with("synced"));
    let _ = tx.send(MailCommand::Stop);
    assert_eq!(
        after,
        vec!["searched 1".to_string()],
        "the search answered after"
    );
}

fn has(sent: &[u8], word: &[u8]) -> bool {
    sent.windows(word.len()).any(|w| w == word)
}

/// A message opened in another folder while the worker syncs one (from the unified inbox,
/// or a search) does not wait for that sync: it comes over the second connection while the
/// server has not yet answered the sync's FETCH.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_of_another_folder_opens_while_a_sync_is_still_running() {
    if !server_up("dovecot IMAP", "127.0.0.1:1143") {
        return;
    }
    let (trust, limits) = (trust_with_ca(), Limits::default());
    let mut other = ImapSession::connect(&imap("scratch"), &trust, &limits)
        .await
        .expect("login");
    for (name, count) in [("Side synced", 3), ("Side other", 1)] {
        let _ = other.delete(name).await;
        other.create(name).await.expect("CREATE");
        append_numbered(&mut other, name, name, count).await;
    }
    other.logout().await;
    let (_d, store, account) = store();
    // Both rows at once: the store keeps the folders it is given, and drops the others.
    let infos: Vec<FolderInfo> = ["Side synced", "Side other"]
        .into_iter()
        .map(|name| FolderInfo {
            name: name.into(),
            selectable: true,
            ..FolderInfo::default()
        })
        .collect();
    let rows = store
        .mail_wait(move |c| records::sync_folders(c, account, &infos))
        .expect("folders");
    let row = |name: &str| rows.iter().find(|f| f.name == name).cloned().expect("row");
    let (synced, elsewhere) = (row("Side synced"), row("Side other"));
    let s = ImapSession::connect(&imap("scratch"), &trust, &limits)
        .await
        .expect("login");
    let (_, message) = synced_once(s, &store, &elsewhere).await;
    let (fetching, release) = (
        std::sync::Arc::new(tokio::sync::Notify::new()),
        std::sync::Arc::new(tokio::sync::Notify::new()),
    );
    let sync_fetch = |sent: &[u8]| has(sent, b"FETCH") && has(sent, b"HEADER.FIELDS");
    let port = holding_proxy(sync_fetch, fetching.clone(), release.clone()).await;
    let (tx, events) = mail_worker_on(&store, account, "scratch", port);
    tx.send(MailCommand::Open(synced)).expect("worker");
    tokio::time::timeout(std::time::Duration::from_secs(20), fetching.notified())
        .await
        .expect("the sync's FETCH was sent");
    tx.send(MailCommand::FetchBody {
        message: message.id,
        folder: "Side other".into(),
        uid: message.uid,
        size: message.size,
    })
    .expect("worker");
    let body = format!("body {}", message.id);
    let before = worker_events(&events, |seen| seen.contains(&body));
    assert_eq!(
        before,
        vec![body],
        "the message came while the server had not answered the sync"
    );
    release.notify_one();
    let after = worker_events(&events, |seen| seen.iter().any(|e| e.starts_with("synced")));
    let _ = tx.send(MailCommand::Stop);
    assert_eq!(
        after,
        vec!["synced 3 new".to_string()],
        "the sync ended after"
    );
}

/// A proxy on loopback in front of dovecot's plain port that lets one connection through
/// and answers every later one as a server with a limit of one connection per user does.
async fn one_connection_proxy() -> u16 {
    use tokio::io::AsyncWriteExt;
    let (listener, port) = loopback_listener().await;
    tokio::spawn(async move {
        let mut first = true;
        while let Ok((mut client, _)) = listener.accept().await {
            if !std::mem::take(&mut first) {
                let _ = client
                    .write_all(b"* BYE Too many connections for this user\r\n")
                    .await;
                continue;
            }
            let Ok(mut server) = tokio::net::TcpStream::connect("127.0.0.1:1143").await else {
                return;
            };
            tokio::spawn(async move {
                let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
            });
        }
    });
    port
}

/// A server that allows one connection per user refuses the second: its searches then run
/// on the worker's own connection, and are answered all the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_one_connection_allowed_a_server_search_runs_on_the_worker_connection() {
    if !server_up("dovecot IMAP", "127.0.0.1:1143") {
        return;
    }
    let (_d, store, account) = store();
    let (inbox, s) = tester_inbox(&store, account).await;
    let (inbox, _) = synced_once(s, &store, &inbox).await;
    let port = one_connection_proxy().await;
    let (tx, events) = tester_worker_on_inbox(&store, account, &inbox, port);
    tx.send(MailCommand::Search {
        folder: inbox.clone(),
        query: Query::parse("sync"),
        generation: 1,
    })
    .expect("worker");
    let mut seen = worker_events(&events, |seen| seen.iter().any(|e| e == "searched 1"));
    seen.retain(|e| !e.starts_with("synced"));
    let _ = tx.send(MailCommand::Stop);
    assert_eq!(
        seen,
        vec!["searched 1".to_string()],
        "answered, not refused"
    );
}

/// A message opened while the worker syncs the folder the panel shows arrives before that
/// sync ends: the worker fetches it between two batches instead of after the last.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_worker_opens_a_message_in_the_middle_of_a_sync() {
    if !server_up("dovecot IMAP", "127.0.0.1:1143") {
        return;
    }
    let (trust, limits) = (trust_with_ca(), Limits::default());
    let mut other = ImapSession::connect(&imap("scratch"), &trust, &limits)
        .await
        .expect("login");
    let _ = other.delete("Open during sync").await;
    other.create("Open during sync").await.expect("CREATE");
    append_numbered(&mut other, "Open during sync", "open early", 3).await;
    let (_d, store, account) = store();
    let folder = folder_row(&store, account, "Open during sync");
    let s = ImapSession::connect(&imap("scratch"), &trust, &limits)
        .await
        .expect("login");
    let (folder, first) = synced_once(s, &store, &folder).await;
    // New mail on the server: the worker's sync has a batch to fetch.
    append_numbered(&mut other, "Open during sync", "open late", 2).await;
    other.logout().await;
    let (tx, events) = mail_worker(&store, account, "scratch");
    for command in [
        MailCommand::Open(folder.clone()),
        MailCommand::FetchBody {
            message: first.id,
            folder: folder.name.clone(),
            uid: first.uid,
            size: first.size,
        },
    ] {
        tx.send(command).expect("worker");
    }
    let seen = worker_events(&events, |seen| seen.len() == 2);
    let _ = tx.send(MailCommand::Stop);
    assert_eq!(
        seen,
        vec![format!("body {}", first.id), "synced 2 new".to_string()],
        "the message came while the sync was still on"
    );
}
