//! The composer driven through its accessible labels against the real exim and dovecot (the
//! writer mailbox): write a message, attach a file through the (answered) dialog, send, take it
//! back with Undo, send again, see it in Sent and in the recipient's INBOX; reply to it with
//! the right quote; a draft typed and then lost with the app (no exit handler, as after
//! `kill -9`) is back on the next start.

use crate::common;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::common::{click, type_into, wait_for};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use mail_parser::MimeHeaders as _;
use portolan::proto::imap::{ImapServer, ImapSession};
use portolan::proto::net::Limits;
use portolan::proto::tls::TlsMode;
use portolan::ui::app::App;
use portolan::ui::panels::mail::MailPanel;

fn start(dir: &tempfile::TempDir) -> Harness<'static, App> {
    start_at(dir, None)
}

fn start_at(dir: &tempfile::TempDir, url: Option<&str>) -> Harness<'static, App> {
    common::start_app(dir, url, [1280.0, 900.0])
}

fn mail<'a>(h: &'a Harness<'static, App>) -> &'a MailPanel {
    h.state()
        .panel_state::<MailPanel>()
        .expect("the Mail panel")
}

/// Clicks until `shows` is on screen: rows of a live list can move between the hover and
/// the click when mail arrives.
fn click_until(h: &mut Harness<'static, App>, label: &str, shows: &str) {
    for _ in 0..10 {
        click(h, label);
        for _ in 0..50 {
            h.step();
            if h.query_all_by_label_contains(shows).next().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    panic!("clicking {label:?} never showed {shows:?}");
}

fn until(h: &mut Harness<'static, App>, what: &str, done: impl Fn(&MailPanel) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done(mail(h)) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        h.step();
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn add_writer_account(h: &mut Harness<'static, App>) {
    common::add_mail_account(
        h,
        &[
            ("Your name", "Wendy Writer"),
            ("Email address", "writer@localhost"),
            ("Password", "secret"),
            ("Incoming server", "localhost"),
            ("Port", "1993"),
            ("User name", "writer"),
            ("Outgoing (SMTP) server", "localhost"),
            ("SMTP port", "2465"),
        ],
    );
    wait_for(h, "INBOX");
}

async fn in_folder(user: &str, folder: &str, subject: &str) -> Option<Vec<u8>> {
    let server = ImapServer {
        host: "localhost".into(),
        port: 1143,
        tls: TlsMode::Plain,
        user: user.into(),
        password: "secret".into(),
    };
    let trust = common::trust_with_ca();
    let mut s = ImapSession::connect(&server, &trust, &Limits::default())
        .await
        .ok()?;
    s.select(folder).await.ok()?;
    let uids = s.search(&format!("SUBJECT \"{subject}\"")).await.ok()?;
    let uid = *uids.last()?;
    s.raw(folder, uid, None).await.ok()
}

#[test]
fn write_attach_undo_send_see_it_in_sent_and_reply() {
    if !common::server_up("exim", "127.0.0.1:2465")
        || !common::server_up("dovecot", "127.0.0.1:1993")
    {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    // A short Undo window, so the test waits little.
    {
        let s = portolan::store::Store::open(&dir.path().join("store.sqlite3")).expect("store");
        s.call(|c| portolan::store::records::set_setting(c, "mail.undo_send_secs", "2"))
            .expect("call")
            .expect("set");
    }
    let file = dir.path().join("plan ü.txt");
    std::fs::write(&file, "the plan, attached\n").expect("write");
    let mut h = start(&dir);
    add_writer_account(&mut h);
    {
        let f = file.clone();
        h.state_mut()
            .panel_state_mut::<MailPanel>()
            .expect("panel")
            .set_attach_dialog(Arc::new(move || Some(vec![f.clone()])));
    }
    let subject = format!("From the window {}", std::process::id());
    click(&mut h, "✏ Write");
    wait_for(&mut h, "➤ Send");
    assert_eq!(
        mail(&h).composers()[0].draft.from,
        "Wendy Writer <writer@localhost>"
    );
    type_into(&mut h, "To", "writer@localhost");
    type_into(&mut h, "Subject", &subject);
    h.get_by_label("Message").focus();
    h.step();
    h.get_by_label("Message")
        .type_text("Hello, the plan is attached.\n");
    h.step();
    // Send without the attachment: the composer asks.
    click(&mut h, "➤ Send");
    wait_for(&mut h, "nothing is attached");
    click(&mut h, "Go back");
    click(&mut h, "📎 Attach…");
    until(&mut h, "the attachment", |m| {
        m.composers()[0].draft.attachments == vec![file.clone()]
    });
    wait_for(&mut h, "plan ü.txt (19 B)");
    click(&mut h, "➤ Send");
    let deadline = Instant::now() + Duration::from_secs(20);
    while mail(&h).outbox().is_empty() {
        let notes: Vec<_> = mail(&h)
            .composers()
            .iter()
            .map(|c| format!("{:?} {:?} {:?}", c.notice, c.questions_asked(), c.draft))
            .collect();
        assert!(Instant::now() < deadline, "never queued: {notes:?}");
        h.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    wait_for(&mut h, "Sending “");
    assert!(
        mail(&h).composers().is_empty(),
        "the tab closed when it was queued"
    );
    click(&mut h, "Undo");
    until(&mut h, "the draft back", |m| {
        m.composers().len() == 1 && m.outbox().is_empty()
    });
    assert_eq!(mail(&h).composers()[0].draft.subject, subject);
    click(&mut h, "➤ Send");
    until(&mut h, "the outbox to empty", |m| {
        m.composers().is_empty() && m.outbox().is_empty()
    });
    let rt = tokio::runtime::Runtime::new().expect("rt");
    let sent = (0..100)
        .find_map(|_| {
            let r = rt.block_on(in_folder("writer", "Sent", &subject));
            if r.is_none() {
                std::thread::sleep(Duration::from_millis(100));
            }
            r
        })
        .expect("the copy in Sent");
    let m = mail_parser::MessageParser::default()
        .parse(&sent)
        .expect("parse");
    assert_eq!(m.subject(), Some(subject.as_str()));
    let att = m.attachments().next().expect("attachment");
    assert_eq!(att.attachment_name(), Some("plan ü.txt"));
    assert_eq!(att.contents(), b"the plan, attached\n");
    // It arrives in the INBOX (IDLE shows it); a reply quotes it under an attribution.
    wait_for(&mut h, &subject);
    click_until(&mut h, &subject, "Hello, the plan is attached.");
    h.get_by_label("↩ Reply").click();
    h.step();
    h.step();
    until(&mut h, "the reply", |m| m.composers().len() == 1);
    let reply = mail(&h).composers()[0].draft.clone();
    assert_eq!(reply.subject, format!("Re: {subject}"));
    assert_eq!(reply.to, "Wendy Writer <writer@localhost>");
    assert!(
        reply
            .body
            .contains("Wendy Writer wrote:\n> Hello, the plan is attached.\n"),
        "{}",
        reply.body
    );
    assert!(reply.in_reply_to.is_some() && reply.answers.is_some());
    // Sent, the original is marked answered on the server.
    click(&mut h, "➤ Send");
    until(&mut h, "the reply to leave", |m| {
        m.composers().is_empty() && m.outbox().is_empty()
    });
    let answered = (0..100).any(|_| {
        let flags = rt.block_on(flags_of("writer", "INBOX", &subject));
        if flags.contains("\\Answered") {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
        false
    });
    assert!(answered, "the original has no \\Answered");
}

/// The flags of the oldest message whose subject has `subject`, as the server says.
async fn flags_of(user: &str, folder: &str, subject: &str) -> String {
    use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _};
    let s = tokio::net::TcpStream::connect("127.0.0.1:1143")
        .await
        .expect("imap");
    let mut r = tokio::io::BufReader::new(s);
    let mut out = String::new();
    for cmd in [
        format!("a LOGIN {user} secret\r\n"),
        format!("b EXAMINE {folder}\r\n"),
        format!("c SEARCH SUBJECT \"{subject}\"\r\n"),
    ] {
        r.get_mut().write_all(cmd.as_bytes()).await.expect("write");
        let tag = &cmd[..1];
        loop {
            let mut line = String::new();
            r.read_line(&mut line).await.expect("read");
            if line.starts_with("* SEARCH") {
                out = line.clone();
            }
            if line.starts_with(tag) || line.is_empty() {
                break;
            }
        }
    }
    let Some(first) = out.split_whitespace().nth(2) else {
        return String::new();
    };
    r.get_mut()
        .write_all(format!("d FETCH {first} (FLAGS)\r\n").as_bytes())
        .await
        .expect("write");
    let mut flags = String::new();
    loop {
        let mut line = String::new();
        r.read_line(&mut line).await.expect("read");
        if line.contains("FLAGS") {
            flags = line.clone();
        }
        if line.starts_with('d') || line.is_empty() {
            break;
        }
    }
    flags
}

#[test]
fn a_draft_lost_with_the_app_comes_back() {
    let dir = tempfile::tempdir().expect("tmp");
    {
        let mut h = start(&dir);
        wait_for(&mut h, "Browser");
        h.get_by_label("Mail").click();
        h.step();
        h.state_mut()
            .panel_state_mut::<MailPanel>()
            .expect("panel")
            .compose(portolan::mail::compose::Draft::default(), None);
        wait_for(&mut h, "➤ Send");
        type_into(&mut h, "Subject", "half-written");
        h.get_by_label("Message").focus();
        h.step();
        h.get_by_label("Message")
            .type_text("Dear all, the first sentence");
        h.step();
        // Typing pauses; the autosave runs; then the app is gone without an exit handler.
        let deadline = Instant::now() + Duration::from_secs(15);
        while mail(&h).composers()[0].unsaved() || !mail(&h).composers()[0].stored() {
            assert!(Instant::now() < deadline, "no autosave");
            h.step();
            std::thread::sleep(Duration::from_millis(50));
        }
        std::mem::forget(h);
    }
    let mut h = start(&dir);
    wait_for(&mut h, "Browser");
    h.get_by_label("Mail").click();
    h.step();
    wait_for(&mut h, "✏ half-written");
    let c = &mail(&h).composers()[0];
    assert!(
        c.draft.body.contains("Dear all, the first sentence"),
        "{}",
        c.draft.body
    );
    assert!(!c.unsaved());
}

#[test]
fn a_mailto_link_opens_the_composer_filled_in() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut h = start_at(
        &dir,
        Some(
            "mailto:ann@example.org,bob@example.org?cc=carol@example.org&subject=Lunch%20%E2%9C%93&body=Noon%3F%0D%0AAt%20the%20usual%20place.",
        ),
    );
    wait_for(&mut h, "➤ Send");
    let d = &mail(&h).composers()[0].draft;
    assert_eq!(d.to, "ann@example.org, bob@example.org");
    assert_eq!(d.cc, "carol@example.org");
    assert_eq!(d.subject, "Lunch ✓");
    assert_eq!(d.body, "Noon?\nAt the usual place.");
    wait_for(&mut h, "Add a mail account with an address to send from.");
}

#[test]
fn a_composer_moves_to_a_window_of_its_own_and_back() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut h = start_at(&dir, Some("mailto:ann@example.org?subject=Elsewhere"));
    wait_for(&mut h, "➤ Send");
    h.get_by_label("Own window").click();
    h.step();
    wait_for(&mut h, "This message is being written in its own window.");
    assert_eq!(
        mail(&h).composers()[0].place,
        portolan::ui::panels::compose::Place::Window
    );
    // The window (inside the main one under the test harness) has the composer.
    assert!(h.query_by_label("Into the tab").is_some());
    // It lives on while another panel is in front.
    h.get_by_label("Browser").click();
    h.step();
    h.step();
    assert!(
        h.query_by_label("Into the tab").is_some(),
        "the window closed with the panel"
    );
    h.get_by_label("Into the tab").click();
    h.step();
    h.step();
    assert_eq!(
        mail(&h).composers()[0].place,
        portolan::ui::panels::compose::Place::Tab
    );
}

#[test]
fn a_file_in_the_files_panel_goes_into_a_message() {
    let dir = tempfile::tempdir().expect("tmp");
    let downloads = dir.path().join("downloads");
    std::fs::create_dir_all(&downloads).expect("dir");
    std::fs::write(downloads.join("report.pdf"), b"%PDF-1.4\n").expect("write");
    let mut h = start(&dir);
    wait_for(&mut h, "Browser");
    h.get_by_label("Files").click();
    h.step();
    wait_for(&mut h, "report.pdf");
    h.get_by_label_contains("report.pdf").click_secondary();
    h.step();
    h.step();
    h.get_by_label("✉ Attach to a message").click();
    for _ in 0..5 {
        h.step();
    }
    wait_for(&mut h, "➤ Send");
    let c = &mail(&h).composers()[0];
    assert_eq!(c.draft.attachments, vec![downloads.join("report.pdf")]);
}

#[test]
fn a_long_quote_gets_an_editor_of_its_own_and_the_body_stays_whole() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut h = start(&dir);
    wait_for(&mut h, "Browser");
    h.get_by_label("Mail").click();
    h.step();
    let mut body = String::from("\n\nOn Monday, Ann wrote:\n");
    for i in 0..400 {
        body.push_str(&format!("> quoted line {i}\n"));
    }
    h.state_mut()
        .panel_state_mut::<MailPanel>()
        .expect("panel")
        .compose(
            portolan::mail::compose::Draft {
                to: "ann@example.org".into(),
                subject: "Re: long".into(),
                body: body.clone(),
                ..Default::default()
            },
            None,
        );
    wait_for(&mut h, "Quoted text");
    // The keyboard is at the top of the new text.
    h.get_by_label("Message").type_text("My answer.");
    h.step();
    let d = &mail(&h).composers()[0].draft;
    assert_eq!(d.body, format!("My answer.{body}"));
}

#[test]
fn files_dragged_from_the_files_panel_onto_the_mail_tab_go_into_a_message() {
    let dir = tempfile::tempdir().expect("tmp");
    let downloads = dir.path().join("downloads");
    std::fs::create_dir_all(&downloads).expect("dir");
    std::fs::write(downloads.join("notes.txt"), b"notes\n").expect("write");
    let mut h = start(&dir);
    wait_for(&mut h, "Browser");
    h.get_by_label("Files").click();
    h.step();
    wait_for(&mut h, "notes.txt");
    let from = h.get_by_label_contains("notes.txt").rect().center();
    let tab = h.get_by_label("Mail").rect().center();
    h.hover_at(from);
    h.step();
    h.drag_at(from);
    h.step();
    // Over the Mail tab the panel opens, still dragging...
    for i in 1..=10 {
        h.hover_at(from + (tab - from) * (i as f32 / 10.0));
        h.step();
    }
    h.step();
    assert_eq!(h.state().panel, portolan::link::PanelKind::Mail);
    // ...and dropped on the mailbox it becomes a new message with the file.
    let to = egui::pos2(700.0, 500.0);
    for i in 1..=5 {
        h.hover_at(tab + (to - tab) * (i as f32 / 5.0));
        h.step();
    }
    h.drop_at(to);
    h.step();
    wait_for(&mut h, "➤ Send");
    assert_eq!(
        mail(&h).composers()[0].draft.attachments,
        vec![downloads.join("notes.txt")]
    );
}

/// The outbox meets a self-signed certificate: the trust dialog asks, "Always trust" pins it,
/// and the message goes.
#[test]
fn sending_to_a_self_signed_server_asks_and_goes_once_trusted() {
    if !common::server_up("aiosmtpd", "127.0.0.1:2528")
        || !common::server_up("dovecot", "127.0.0.1:1993")
    {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    {
        let s = portolan::store::Store::open(&dir.path().join("store.sqlite3")).expect("store");
        let account = portolan::store::mail::Account {
            name: "postie".into(),
            host: "localhost".into(),
            port: 1993,
            user: "postie".into(),
            smtp_host: "localhost".into(),
            smtp_port: 2528,
            smtp_user: "postie".into(),
            smtp_tls: "require".into(),
            identities: vec![portolan::store::mail::Identity {
                name: "Postie".into(),
                address: "postie@localhost".into(),
                signature: String::new(),
            }],
            ..Default::default()
        };
        s.call(move |c| {
            portolan::store::records::set_setting(c, "mail.undo_send_secs", "0")?;
            portolan::store::mail::save_account(c, &account)
        })
        .expect("call")
        .expect("seed");
    }
    let subject = format!("Self-signed {}", std::process::id());
    let mut h = start(&dir);
    wait_for(&mut h, "Browser");
    h.get_by_label("Mail").click();
    h.step();
    wait_for(&mut h, "Password:");
    type_into(&mut h, "Password:", "secret");
    click(&mut h, "Connect");
    h.state_mut()
        .panel_state_mut::<MailPanel>()
        .expect("panel")
        .compose(
            portolan::mail::compose::Draft {
                to: "postie@localhost".into(),
                subject: subject.clone(),
                body: "Through a certificate of its own.".into(),
                ..Default::default()
            },
            None,
        );
    wait_for(&mut h, "➤ Send");
    click(&mut h, "➤ Send");
    wait_for(&mut h, "Untrusted certificate");
    click(&mut h, "Always trust");
    until(&mut h, "the message to leave", |m| {
        m.composers().is_empty() && m.outbox().is_empty()
    });
    let kept = std::fs::read_dir(common::srv().join("aiosmtpd/mail/new"))
        .expect("maildir")
        .filter_map(Result::ok)
        .filter_map(|e| std::fs::read(e.path()).ok())
        .any(|m| String::from_utf8_lossy(&m).contains(&subject));
    assert!(kept, "aiosmtpd has it");
}
