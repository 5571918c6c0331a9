//! The outbox against the real exim: with the server down a message stays in the outbox with
//! the words of the failure; when the server is back it goes, leaves the outbox and is kept in
//! the account's Sent folder. Undo takes a waiting message back before it leaves.

use crate::common;
use std::time::{Duration, Instant};

use portolan::mail::compose::Draft;
use portolan::mail::compose::build;
use portolan::secrets::Secrets;
use portolan::store::Store;
use portolan::store::mail::Account;
use portolan::store::outbox::{self, Outgoing};
use portolan::workers::outbox::{OutboxCommand, OutboxEvent};
use portolan::workers::{EventSink, Notifier};

/// Forwards connections on `port` to exim's 2525: the "server" comes back when this starts.
async fn relay(port: u16) -> tokio::task::JoinHandle<()> {
    let l = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("bind");
    tokio::spawn(async move {
        while let Ok((mut inbound, _)) = l.accept().await {
            tokio::spawn(async move {
                if let Ok(mut out) = tokio::net::TcpStream::connect("127.0.0.1:2525").await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut out).await;
                }
            });
        }
    })
}

/// The outbox worker on `store`, with its events.
fn start_outbox(
    store: &Store,
    dir: &tempfile::TempDir,
) -> (
    tokio::sync::mpsc::UnboundedSender<OutboxCommand>,
    std::sync::mpsc::Receiver<OutboxEvent>,
) {
    let limits = portolan::proto::net::Limits::default();
    let services = portolan::workers::Services::new(
        tokio::runtime::Handle::current(),
        common::trust_with_ca(),
        portolan::proto::http::HttpClient::new(common::trust_with_ca(), &limits).expect("http"),
        limits,
    );
    let secrets = Secrets::new(
        tokio::runtime::Handle::current(),
        dir.path().join("secrets"),
        true,
    );
    let (sink, rx) = EventSink::<OutboxEvent>::new(Notifier::new());
    let tx = portolan::workers::outbox::spawn(&services, store.clone(), secrets, sink.map(|e| e));
    (tx, rx)
}

fn next_event(
    rx: &std::sync::mpsc::Receiver<OutboxEvent>,
    want: impl Fn(&OutboxEvent) -> bool,
) -> OutboxEvent {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let e = rx.recv_timeout(left).expect("an outbox event in time");
        if want(&e) {
            return e;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_waits_for_the_server_and_goes_when_it_is_back() {
    if !common::server_up("exim", "127.0.0.1:2525") {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let store = Store::open(&dir.path().join("db")).expect("store");
    // A port where nothing listens yet: a fixed one below the range the system hands out for
    // port 0, which the in-process fake servers of other tests bind (a port taken from the
    // system and let go could be given to one of them meanwhile).
    let port: u16 = 21099;
    let account = Account {
        name: "postie".into(),
        kind: "pop3".into(),
        host: "localhost".into(),
        port: 1110,
        user: "postie".into(),
        smtp_host: "127.0.0.1".into(),
        smtp_port: port,
        smtp_user: "postie".into(),
        smtp_tls: "plain".into(),
        ..Account::default()
    };
    let id = store
        .call(move |c| portolan::store::mail::save_account(c, &account))
        .expect("call")
        .expect("save");
    let draft = Draft {
        account: id,
        from: "postie@localhost".into(),
        to: "postie@localhost".into(),
        subject: "through the outbox".into(),
        body: "Waited for the server.".into(),
        ..Draft::default()
    };
    let built =
        build::build(&draft, Vec::new(), Vec::new(), std::time::SystemTime::now()).expect("build");
    let out = Outgoing {
        account: id,
        message_id: built.message_id.clone(),
        subject: draft.subject.clone(),
        sender: built.sender.clone(),
        recipients: built.recipients.clone(),
        raw: built.bytes.clone(),
        draft: draft.clone(),
        send_after: 0,
    };
    store
        .call(move |c| outbox::queue(c, &out, 0))
        .expect("c")
        .expect("queue");

    let (tx, rx) = start_outbox(&store, &dir);
    tx.send(OutboxCommand::Password {
        account: id,
        password: "secret".into(),
    })
    .expect("send");
    tx.send(OutboxCommand::RetryAll).expect("send");

    // Down: it stays, with the words of the failure, marked to be tried again by itself.
    // The worker may try before the password and the retry arrive, and each of them asks
    // for one more try: the last failure is the one that stays.
    let rx2 = std::sync::Mutex::new(rx);
    let rows = loop {
        let failed = tokio::task::block_in_place(|| {
            next_event(
                &rx2.lock().expect("lock"),
                |e| matches!(e, OutboxEvent::Failed { error, .. } if error.contains("cannot connect")),
            )
        });
        let OutboxEvent::Failed { error, .. } = failed else {
            unreachable!()
        };
        assert!(error.contains("cannot connect"), "{error}");
        let rows = store.call(|c| outbox::outbox(c)).expect("c").expect("rows");
        if rows.first().is_none_or(|r| r.state == "failed") {
            break rows;
        }
    };
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].state, "failed");
    assert!(rows[0].temporary, "a passing failure");
    assert!(
        rows[0].transcript.contains("cannot connect"),
        "{}",
        rows[0].transcript
    );

    // Back: asked to try again, it goes, leaves the outbox and is kept in Sent.
    let _relay = relay(port).await;
    tx.send(OutboxCommand::RetryAll).expect("send");
    let sent = tokio::task::block_in_place(|| {
        next_event(&rx2.lock().expect("lock"), |e| {
            matches!(e, OutboxEvent::Sent { .. })
        })
    });
    let OutboxEvent::Sent { subject, .. } = sent else {
        unreachable!()
    };
    assert_eq!(subject, "through the outbox");
    assert!(
        store
            .call(|c| outbox::outbox(c))
            .expect("c")
            .expect("rows")
            .is_empty()
    );
    let kept: Vec<String> = store
        .call(move |c| -> rusqlite::Result<Vec<String>> {
            let mut st = c.prepare(
                "SELECT m.subject FROM messages m JOIN folders f ON f.id = m.folder
                 WHERE f.account = ?1 AND f.role = 'sent'",
            )?;
            st.query_map([id], |r| r.get(0))?.collect()
        })
        .expect("c")
        .expect("sent");
    assert_eq!(kept, vec!["through the outbox".to_string()]);
    tx.send(OutboxCommand::Stop).expect("stop");
}

/// Copies of a draft in the server's Drafts folder: a newer copy replaces the older, and a
/// sent or discarded draft leaves none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drafts_copy_on_the_server_is_replaced_and_dropped() {
    if !common::server_up("dovecot IMAP", "127.0.0.1:1143") {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let store = Store::open(&dir.path().join("db")).expect("store");
    let account = Account {
        name: "postie".into(),
        kind: "imap".into(),
        host: "localhost".into(),
        port: 1143,
        user: "postie".into(),
        tls: "plain".into(),
        ..Account::default()
    };
    let id = store
        .call(move |c| portolan::store::mail::save_account(c, &account))
        .expect("call")
        .expect("save");
    let (tx, _rx) = start_outbox(&store, &dir);
    tx.send(OutboxCommand::Password {
        account: id,
        password: "secret".into(),
    })
    .expect("send");
    let token = format!("{:x}", u64::from(std::process::id()) * 7919 + 17);
    let mut draft = Draft {
        account: id,
        from: "postie@localhost".into(),
        subject: "draft, first words".into(),
        body: "first".into(),
        server_token: token.clone(),
        ..Draft::default()
    };
    for words in ["first", "second, longer"] {
        draft.body = words.into();
        let raw =
            build::build_draft(&draft, Vec::new(), std::time::SystemTime::now()).expect("draft");
        tx.send(OutboxCommand::SaveDraft {
            account: id,
            token: token.clone(),
            raw,
        })
        .expect("send");
    }
    let login = portolan::proto::imap::ImapServer {
        host: "localhost".into(),
        port: 1143,
        tls: portolan::proto::tls::TlsMode::Plain,
        user: "postie".into(),
        password: "secret".into(),
    };
    let copies = |login: portolan::proto::imap::ImapServer, token: String| async move {
        let mut s = portolan::proto::imap::ImapSession::connect(
            &login,
            &common::trust_with_ca(),
            &portolan::proto::net::Limits::default(),
        )
        .await
        .expect("imap");
        if s.select("Drafts").await.is_err() {
            return Vec::new();
        }
        let uids = s
            .search(&format!("HEADER X-Portolan-Draft \"{token}\""))
            .await
            .expect("search");
        let mut out = Vec::new();
        for u in uids {
            // The worker may replace the copy between this SEARCH and FETCH: a copy gone by
            // then is not one the folder holds.
            match s.raw("Drafts", u, None).await {
                Ok(raw) => out.push(raw),
                Err(portolan::proto::imap::ImapError::NoSuchMessage { .. }) => {}
                Err(e) => panic!("fetch: {e:?}"),
            }
        }
        out
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let got = copies(login.clone(), token.clone()).await;
        if got.len() == 1 && String::from_utf8_lossy(&got[0]).contains("second, longer") {
            break;
        }
        assert!(Instant::now() < deadline, "{} copies", got.len());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tx.send(OutboxCommand::DropDraft {
        account: id,
        token: token.clone(),
    })
    .expect("send");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !copies(login.clone(), token.clone()).await.is_empty() {
        assert!(Instant::now() < deadline, "the copy stayed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tx.send(OutboxCommand::Stop).expect("stop");
}
