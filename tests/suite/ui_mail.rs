//! The Mail panel driven through its accessible labels against the real dovecot (the reader
//! mailbox, which these tests may mark read): add an
//! account, see its folders and messages, open one and read its body, see the blocked remote
//! content bar, and save an attachment to the path the dialog answered. An error in the
//! account form goes once a field is typed into.

use crate::common;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use crate::common::{click, type_into, wait_for};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use portolan::ui::app::App;
use portolan::ui::panels::mail::MailPanel;

fn start(dir: &tempfile::TempDir) -> Harness<'static, App> {
    common::start_app(dir, None, [1280.0, 900.0])
}

fn mail<'a>(h: &'a Harness<'static, App>) -> &'a MailPanel {
    h.state()
        .panel_state::<MailPanel>()
        .expect("the Mail panel")
}

#[test]
fn add_an_account_read_a_message_and_save_an_attachment() {
    if !common::server_up("dovecot IMAP", "127.0.0.1:1993") {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let mut h = start(&dir);
    common::add_mail_account(
        &mut h,
        &[
            ("Your name", "Tess Tester"),
            ("Email address", "reader@localhost"),
            ("Password", "secret"),
            ("Incoming server", "localhost"),
            ("Port", "1993"),
            ("User name", "reader"),
            ("Outgoing (SMTP) server", "localhost"),
            ("SMTP port", "2465"),
        ],
    );
    // The folders arrive, INBOX opens by itself and its messages are listed.
    wait_for(&mut h, "Entwürfe");
    wait_for(&mut h, "Grüße aus Köln");
    assert_eq!(mail(&h).accounts().len(), 1);
    assert!(mail(&h).accounts()[0].host == "localhost" && mail(&h).accounts()[0].port == 1993);
    assert_eq!(mail(&h).shown().len(), 11);
    // A flowed message: its quoted paragraph is joined again.
    click(&mut h, "Re: Flowed text with quotes");
    wait_for(&mut h, "A first-level quote that is one paragraph.");
    // The newsletter: the remote images stay blocked, and the bar says so.
    click(&mut h, "Our newsletter, with a tracking pixel");
    wait_for(
        &mut h,
        "3 remote images blocked (2 look like tracking pixels)",
    );
    wait_for(&mut h, "This week's offers");
    // The nested message: save its attachment where the dialog says.
    let target = dir.path().join("saved-notes.txt");
    let asked: Arc<Mutex<Vec<String>>> = Arc::default();
    {
        let (target, asked) = (target.clone(), asked.clone());
        h.state_mut()
            .panel_state_mut::<MailPanel>()
            .expect("panel")
            .set_dialogs(
                Arc::new(move |name: &str| {
                    asked.lock().expect("lock").push(name.to_string());
                    Some(target.clone())
                }),
                Arc::new(|| None::<PathBuf>),
            );
    }
    click(&mut h, "Nested multiparts with an attachment");
    wait_for(&mut h, "part, with an inline image");
    click(&mut h, "Save notes.txt…");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while mail(&h).last_saved().is_none() && std::time::Instant::now() < deadline {
        h.step();
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(mail(&h).last_saved(), Some(&target));
    assert_eq!(asked.lock().expect("lock").as_slice(), ["notes.txt"]);
    assert_eq!(
        std::fs::read(&target).expect("saved"),
        b"Attached notes, line one.\r\nAttached notes, line two."
    );
    // Conversations: a reply hangs under what it answers.
    click(&mut h, "Threads");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !mail(&h).shown().iter().any(|r| r.depth > 0) && std::time::Instant::now() < deadline {
        h.step();
    }
    let shown: Vec<(String, u16)> = mail(&h)
        .shown()
        .iter()
        .map(|r| (r.subject.clone(), r.depth))
        .collect();
    let at = shown
        .iter()
        .position(|(s, _)| s == "Re: Flowed text with quotes")
        .expect("the reply");
    assert_eq!(shown[at].1, 1, "{shown:?}");
    assert_eq!(shown[at - 1].0, "Plain ASCII, already read", "{shown:?}");
    click(&mut h, "Threads");
    // A new folder, made on the server and listed again.
    click(&mut h, "New folder…");
    wait_for(&mut h, "Folder name:");
    type_into(&mut h, "Folder name:", "Projects");
    click(&mut h, "OK");
    wait_for(&mut h, "📁 Projects");
    // Search as you type over the cached summaries.
    type_into(&mut h, "🔍", "from:juergen");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while mail(&h).shown().len() != 1 && std::time::Instant::now() < deadline {
        h.step();
    }
    assert_eq!(mail(&h).shown()[0].subject, "Grüße aus Köln");
    // A word only in a body never opened: the cache cannot know it, the server's SEARCH does.
    type_into(&mut h, "🔍", "encoded");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !mail(&h)
        .shown()
        .iter()
        .any(|r| r.subject == "RFC 2231 attachment names")
        && std::time::Instant::now() < deadline
    {
        h.step();
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(
        mail(&h)
            .shown()
            .iter()
            .any(|r| r.subject == "RFC 2231 attachment names"),
        "{:?}",
        mail(&h)
            .shown()
            .iter()
            .map(|r| &r.subject)
            .collect::<Vec<_>>()
    );
    // The server is asked once per search typed. A sync that finds nothing changed (here
    // asked for by hand; IDLE asks for one every few minutes) loads the cache's results
    // again and keeps the server's finds, without asking the server again.
    let asked = mail(&h).server_searches();
    click(&mut h, "Get messages");
    wait_for(&mut h, "Up to date");
    for _ in 0..20 {
        h.step();
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert_eq!(mail(&h).server_searches(), asked);
    assert!(
        mail(&h)
            .shown()
            .iter()
            .any(|r| r.subject == "RFC 2231 attachment names")
    );
}

/// A message dragged from the list onto a folder moves there on the server.
#[test]
fn a_message_dragged_onto_a_folder_moves_there() {
    if !common::server_up("dovecot IMAP", "127.0.0.1:1993") {
        return;
    }
    let subject = format!("Drag me {}", std::process::id());
    let target = format!("Dropped{}", std::process::id());
    let rt = tokio::runtime::Runtime::new().expect("rt");
    let login = portolan::proto::imap::ImapServer {
        host: "localhost".into(),
        port: 1143,
        tls: portolan::proto::tls::TlsMode::Plain,
        user: "scratch".into(),
        password: "secret".into(),
    };
    rt.block_on(async {
        let mut s = portolan::proto::imap::ImapSession::connect(
            &login,
            &common::trust_with_ca(),
            &portolan::proto::net::Limits::default(),
        )
        .await
        .expect("imap");
        s.create(&target).await.expect("create");
        let msg = format!(
            "From: a@example.test\r\nTo: scratch@localhost\r\nSubject: {subject}\r\n\r\nbody\r\n"
        );
        s.append("INBOX", None, msg.as_bytes())
            .await
            .expect("append");
        let sent = format!(
            "From: scratch@localhost\r\nTo: a@example.test\r\nSubject: Re: {subject}\r\n\r\nmine\r\n"
        );
        s.append("Sent", None, sent.as_bytes()).await.expect("append to Sent");
    });
    let dir = tempfile::tempdir().expect("tmp");
    let mut h = start(&dir);
    common::add_mail_account(
        &mut h,
        &[
            ("Email address", "scratch@localhost"),
            ("Password", "secret"),
            ("Incoming server", "localhost"),
            ("Port", "1993"),
            ("User name", "scratch"),
        ],
    );
    wait_for(&mut h, &target);
    wait_for(&mut h, &subject);
    for _ in 0..10 {
        h.step();
    }
    let from = h.get_by_label_contains(&subject).rect().center();
    let to = h.get_by_label_contains(&target).rect().center();
    common::drag(&mut h, from, to);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let moved = loop {
        let n = rt.block_on(async {
            let mut s = portolan::proto::imap::ImapSession::connect(
                &login,
                &common::trust_with_ca(),
                &portolan::proto::net::Limits::default(),
            )
            .await
            .expect("imap");
            s.select(&target).await.expect("select");
            s.search(&format!("SUBJECT \"{subject}\""))
                .await
                .expect("search")
                .len()
        });
        if n == 1 || std::time::Instant::now() > deadline {
            break n;
        }
        h.step();
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert_eq!(moved, 1, "the message is in {target} on the server");
    assert!(
        !mail(&h).shown().iter().any(|r| r.subject == subject),
        "and gone from the list"
    );
    // Sent was never opened, yet its messages are in the store for the conversation view.
    let store = portolan::store::Store::open(&dir.path().join("store.sqlite3")).expect("store");
    let reply = format!("Re: {subject}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let r = reply.clone();
        let n: i64 = store
            .call(move |c| {
                c.query_row(
                    "SELECT count(*) FROM messages m JOIN folders f ON f.id = m.folder
                     WHERE f.role = 'sent' AND m.subject = ?1",
                    [r],
                    |row| row.get(0),
                )
            })
            .expect("call")
            .expect("query");
        if n == 1 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "Sent was not synced in the background"
        );
        h.step();
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

#[test]
fn an_account_error_goes_once_the_field_is_filled() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut h = start(&dir);
    common::add_mail_account(&mut h, &[("Email address", "someone@localhost")]);
    let error = "Type the incoming server's name, or use Find settings.";
    wait_for(&mut h, error);
    type_into(&mut h, "Incoming server", "127.0.0.1");
    for _ in 0..3 {
        h.step();
    }
    assert!(
        h.query_by_label(error).is_none(),
        "the error about the empty server is still shown after the server was typed"
    );
    assert!(mail(&h).accounts().is_empty(), "nothing was saved");
}
