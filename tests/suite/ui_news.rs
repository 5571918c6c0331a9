//! The News panel driven through its accessible labels against the real INN: add a server
//! (STARTTLS with the test CA), find a group in the browser by typing, subscribe, open it,
//! read an article, follow up and see the follow-up arrive in the thread; a missing parent
//! shows as a placeholder; a uuencoded file and a two-part yEnc post are decoded into the
//! download folder through the Activity list, under a safe name.

use crate::common;
use crate::common::{click, type_into, wait_for};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use portolan::ui::app::App;
use portolan::ui::panels::news::NewsPanel;

fn news<'a>(h: &'a Harness<'static, App>) -> &'a NewsPanel {
    h.state()
        .panel_state::<NewsPanel>()
        .expect("the News panel")
}

/// Steps frames until `done` holds; on a time-out the panic names `what` and the Activity
/// list's jobs.
fn until(h: &mut Harness<'static, App>, what: &str, done: impl Fn(&Harness<'static, App>) -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !done(h) {
        assert!(
            std::time::Instant::now() < deadline,
            "{what} never happened; jobs: {:?}",
            h.state()
                .activity
                .jobs
                .iter()
                .map(|j| format!("{} {:?}", j.title, j.state))
                .collect::<Vec<_>>()
        );
        h.step();
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Opens the combo box labelled `label` and picks the entry labelled exactly `entry`.
fn choose(h: &mut Harness<'static, App>, label: &str, entry: &str) {
    h.get_by_role_and_label(egui::accesskit::Role::ComboBox, label)
        .click();
    h.step();
    h.step();
    h.get_by_label(entry).click();
    h.step();
}

fn add_server(h: &mut Harness<'static, App>) {
    wait_for(h, "Browser");
    h.get_by_label("News").click();
    h.step();
    wait_for(h, "Add server");
    click(h, "Add server");
    wait_for(h, "Add a news server");
    for (label, text) in [
        ("Server", "localhost"),
        ("Port", "1119"),
        ("Your name", "Tess Ter"),
        ("Your address", "tester@example.test"),
    ] {
        type_into(h, label, text);
    }
    click(h, "Save");
    wait_for(h, "connected (TLS)");
}

fn subscribe_and_open(h: &mut Harness<'static, App>, group: &str) {
    click(h, "Browse groups…");
    wait_for(h, "test.bulk");
    type_into(h, "Find groups", group);
    wait_for(h, "1 of ");
    click(h, "Subscribe");
    wait_for(h, "✔");
    click(h, "Done");
    click(h, &format!("{group}  ("));
}

#[test]
fn subscribe_read_and_follow_up() {
    if !common::server_up("INN", "127.0.0.1:1119") {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let mut h = common::start_app(&dir, None, [1280.0, 900.0]);
    add_server(&mut h);
    assert_eq!(news(&h).servers().len(), 1);
    // local.general: the other tests post to local.test, so this list stays short.
    subscribe_and_open(&mut h, "local.general");
    wait_for(&mut h, "Meeting on Friday");
    // Exactly: earlier runs' follow-ups say "Re: Meeting on Friday".
    h.get_by_label("Meeting on Friday").click();
    h.step();
    wait_for(&mut h, "Shall we meet on Friday at noon?");
    // Reading marked it read.
    let account = news(&h).servers()[0].id;
    let group = news(&h).subscribed(account)[0].clone();
    assert!(group.read.ranges().len() == 1, "{:?}", group.read);
    click(&mut h, "Follow up");
    wait_for(&mut h, "Post to Usenet");
    let subject = format!("Re: Meeting on Friday ({})", std::process::id());
    type_into(&mut h, "Subject", &subject);
    click(&mut h, "Send article");
    // The server takes it, and the group is fetched again: it is in the thread.
    until(&mut h, "the follow-up arriving", |h| {
        news(h).shown().iter().any(|r| r.subject == subject)
    });
    let shown = news(&h).shown();
    let posted = shown
        .iter()
        .find(|r| r.subject == subject)
        .expect("the follow-up in the list");
    assert_eq!(posted.refs, "meeting@example.test");
    assert_eq!(posted.from_name, "Tess Ter");
    let id = posted.id;
    // One's own follow-up arrives read.
    until(&mut h, "the follow-up marked read", |h| {
        news(h).shown().iter().any(|r| r.id == id && r.seen)
    });
}

#[test]
fn a_placeholder_and_binaries_decoded_into_the_download_folder() {
    if !common::server_up("INN", "127.0.0.1:1119") {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let mut h = common::start_app(&dir, None, [1280.0, 900.0]);
    add_server(&mut h);
    subscribe_and_open(&mut h, "local.test");
    until(&mut h, "the group filling", |h| news(h).shown().len() >= 13);
    // Other tests post to this group: the quick filter finds the one article whatever the
    // list's length.
    type_into(&mut h, "Filter", "uuencoded");
    wait_for(&mut h, "1 of ");
    wait_for(&mut h, "hello.txt (uuencoded)");
    // The article whose parent INN never had sits under a placeholder.
    assert_eq!(news(&h).missing_parents(), vec!["never-here@example.test"]);
    click(&mut h, "hello.txt (uuencoded)");
    wait_for(&mut h, "Save hello.txt");
    click(&mut h, "Save hello.txt");
    // Decoded through the Activity list into the download folder.
    let target = dir.path().join("downloads").join("hello.txt");
    until(&mut h, "hello.txt arriving", |_| target.exists());
    assert_eq!(
        std::fs::read(&target).expect("saved"),
        b"Hello, uuencode!\n".repeat(20)
    );
    // The two yEnc parts make one file, named safely however the poster named it.
    type_into(&mut h, "Filter", "evil");
    wait_for(&mut h, "yEnc (1/2)");
    click(&mut h, "yEnc (1/2)");
    wait_for(&mut h, "Save ../../evil name.bin");
    click(&mut h, "Save ../../evil name.bin");
    let downloads = dir.path().join("downloads");
    let yenc_file = || {
        std::fs::read_dir(&downloads)
            .ok()?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| {
                let name = p.to_string_lossy();
                name.contains("evil") && !name.ends_with(".part")
            })
    };
    until(&mut h, "the yEnc file arriving", |_| yenc_file().is_some());
    let saved = yenc_file().expect("the yEnc file");
    assert_eq!(saved.parent(), Some(dir.path().join("downloads").as_path()));
    let mut want: Vec<u8> = (0..3000u32).map(|i| ((i * 7 + 3) % 256) as u8).collect();
    want.extend_from_slice(b"\0\n\r=.\t end");
    assert_eq!(std::fs::read(&saved).expect("yEnc file"), want);
}

#[test]
fn a_rule_hides_what_it_matches_counted_while_typed() {
    if !common::server_up("INN", "127.0.0.1:1119") {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let mut h = common::start_app(&dir, None, [1280.0, 900.0]);
    add_server(&mut h);
    subscribe_and_open(&mut h, "local.test");
    until(&mut h, "the group filling", |h| news(h).shown().len() >= 13);
    let before = news(&h).shown().len();
    click(&mut h, "Rules…");
    wait_for(&mut h, "Scoring rules");
    type_into(&mut h, "Pattern", "yenc \\(");
    // Before anything is applied, the editor counts what the rule would take.
    wait_for(&mut h, "Matches 2 of the");
    click(&mut h, "Add rule");
    wait_for(&mut h, "Show 2 hidden");
    assert_eq!(news(&h).shown().len(), before - 2);
    assert!(
        news(&h).shown().iter().all(|r| !r.subject.contains("yEnc")),
        "the two yEnc parts are hidden"
    );
    // A pattern that is not a regular expression is said to be so, and cannot be added.
    type_into(&mut h, "Pattern", "(unclosed");
    wait_for(&mut h, "not a valid regular expression");
}

#[test]
fn a_group_charset_reads_8_bit_text_that_names_none() {
    if !common::server_up("INN", "127.0.0.1:1119") {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let mut h = common::start_app(&dir, None, [1280.0, 900.0]);
    add_server(&mut h);
    subscribe_and_open(&mut h, "local.test");
    type_into(&mut h, "Filter", "crème");
    wait_for(&mut h, "Café crème");
    click(&mut h, "Café crème");
    wait_for(&mut h, "Un caf");
    choose(&mut h, "Charset", "ISO-8859-1");
    wait_for(&mut h, "Un café, s'il vous plaît.");
}

#[test]
fn the_list_can_be_ordered_by_sender_instead_of_threads() {
    if !common::server_up("INN", "127.0.0.1:1119") {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let mut h = common::start_app(&dir, None, [1280.0, 900.0]);
    add_server(&mut h);
    subscribe_and_open(&mut h, "local.general");
    wait_for(&mut h, "Meeting on Friday");
    choose(&mut h, "Order", "By sender");
    // In threads the replies by Rita and Paul come after Tess's first post; by sender,
    // Paul comes first.
    let senders: Vec<String> = news(&h)
        .shown()
        .iter()
        .map(|r| r.from_name.to_lowercase())
        .collect();
    assert!(senders.len() >= 5, "{senders:?}");
    let mut sorted = senders.clone();
    sorted.sort();
    assert_eq!(senders, sorted);
    assert_eq!(senders[0], "paul poster");
}

#[test]
fn an_article_being_written_survives_a_restart() {
    if !common::server_up("INN", "127.0.0.1:1119") {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    {
        let mut h = common::start_app(&dir, None, [1280.0, 900.0]);
        add_server(&mut h);
        subscribe_and_open(&mut h, "local.general");
        click(&mut h, "✏ Post");
        wait_for(&mut h, "Post to Usenet");
        type_into(&mut h, "Subject", "Half written");
        type_into(&mut h, "Text", "Words typed before the crash.");
        // The autosave writes a second after the last change.
        let start = std::time::Instant::now();
        until(&mut h, "a second passing", |_| {
            start.elapsed() > std::time::Duration::from_millis(1500)
        });
        // Dropped without closing the window or saving state: as a crash leaves it.
    }
    let mut h = common::start_app(&dir, None, [1280.0, 900.0]);
    h.get_by_label("News").click();
    h.step();
    wait_for(&mut h, "Post to Usenet");
    assert!(h.query_all_by_value("Half written").count() > 0);
    assert!(
        h.query_all_by_value("Words typed before the crash.")
            .count()
            > 0
    );
}

/// A Message-ID this server does not give (INN's open reader hides secret.*) is looked up on
/// the user's other servers: a `news:` link typed in the Browser finds it on the one that
/// logged in.
#[test]
fn a_message_id_missing_here_is_fetched_from_another_server() {
    if !common::server_up("INN", "127.0.0.1:1121") {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let mut h = common::start_app(&dir, None, [1280.0, 900.0]);
    add_server(&mut h);
    // The second server: the reader that needs a login.
    click(&mut h, "Add server");
    wait_for(&mut h, "Add a news server");
    for (label, text) in [
        ("Name", "Login reader"),
        ("Server", "localhost"),
        ("Port", "1121"),
        ("User (if the server asks)", "tester"),
        ("Password", "secret"),
    ] {
        type_into(&mut h, label, text);
    }
    click(&mut h, "Save");
    until(&mut h, "both servers connected", |h| {
        news(h).servers().len() == 2
    });
    h.get_by_label("Browser").click();
    h.step();
    h.get_by_label("URL:").focus();
    h.step();
    h.get_by_label("URL:").type_text("news:secret@example.test");
    h.step();
    h.key_press(egui::Key::Enter);
    h.step();
    wait_for(&mut h, "Only readers who logged in see this.");
}

/// A link to a group on a server not added yet fills the server form; once it is saved, the
/// group is subscribed and opened, as the link asked: also when the server's certificate
/// first goes through the trust dialog, which restarts the connection the fetch was sent to.
#[test]
fn a_link_to_an_unknown_server_opens_its_group_once_the_server_is_saved() {
    if !common::server_up("INN", "127.0.0.1:1119") {
        return;
    }
    for trust_ca in [true, false] {
        let dir = tempfile::tempdir().expect("tmp");
        let mut h = common::start_app_trusting(
            &dir,
            Some("nntp://localhost:1119/local.general"),
            [1280.0, 900.0],
            trust_ca,
        );
        wait_for(&mut h, "Add a news server");
        click(&mut h, "Save");
        if !trust_ca {
            wait_for(&mut h, "Untrusted certificate");
            // The group is open and its fetch was sent to the connection the dialog stopped.
            wait_for(&mut h, "local.general · 0 articles");
            click(&mut h, "Trust once");
        }
        opened_with_its_articles(&mut h);
    }
}

fn opened_with_its_articles(h: &mut Harness<'static, App>) {
    wait_for(h, "Meeting on Friday");
    let account = news(h).servers()[0].id;
    assert!(
        news(h)
            .subscribed(account)
            .iter()
            .any(|g| g.folder.name == "local.general"),
        "subscribed to the linked group"
    );
}
