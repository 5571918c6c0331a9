//! Sending through the real exim (STARTTLS on 2525, TLS on 2465, AUTH PLAIN/LOGIN) and reading
//! the message back from dovecot over IMAP: headers, a UTF-8 subject, attachments byte for byte
//! with non-ASCII names. Refusals in words, an untrusted certificate, the command line.

use crate::common;
use std::process::Command;
use std::time::{Duration, SystemTime};

use crate::common::{server_up, trust_with_ca, trust_without_ca};
use mail_parser::{MessageParser, MimeHeaders as _};
use portolan::mail::compose::Draft;
use portolan::mail::compose::build::{self, Built, Part};
use portolan::proto::imap::{ImapServer, ImapSession};
use portolan::proto::net::{Limits, NetError};
use portolan::proto::smtp::{self, SmtpError, SmtpServer};
use portolan::proto::tls::TlsMode;

const EXIM: &str = "127.0.0.1:2525";

fn exim(port: u16, tls: TlsMode, user: &str, password: &str) -> SmtpServer {
    SmtpServer {
        host: "localhost".into(),
        port,
        tls,
        user: user.into(),
        password: password.into(),
    }
}

/// One submission of `built` to the local server on `port`, the test CA trusted.
async fn submit(
    port: u16,
    tls: TlsMode,
    user: &str,
    password: &str,
    built: &Built,
) -> smtp::Attempt {
    smtp::send(
        &exim(port, tls, user, password),
        &trust_with_ca(),
        &Limits::default(),
        &built.envelope,
        &built.bytes,
    )
    .await
}

fn message(subject: &str, parts: Vec<Part>) -> Built {
    let d = Draft {
        from: "Postie Tester <postie@localhost>".into(),
        to: "\"Post, Ie\" <postie@localhost>".into(),
        subject: subject.into(),
        body: "Hello from the composer.\n\nA line long enough to be folded by format=flowed, since it goes on and on past seventy-eight characters.\n-- \nPostie".into(),
        ..Draft::default()
    };
    build::build(&d, parts, Vec::new(), SystemTime::now()).expect("build")
}

/// Waits for the message with `message_id` in postie's INBOX and returns it as stored.
async fn read_back(message_id: &str) -> Vec<u8> {
    let server = ImapServer {
        host: "localhost".into(),
        port: 1143,
        tls: TlsMode::Plain,
        user: "postie".into(),
        password: "secret".into(),
    };
    let mut s = ImapSession::connect(&server, &trust_with_ca(), &Limits::default())
        .await
        .expect("imap");
    for _ in 0..60 {
        s.select("INBOX").await.expect("select");
        let uids = s
            .search(&format!("HEADER Message-ID \"{message_id}\""))
            .await
            .expect("search");
        if let Some(uid) = uids.last() {
            return s.raw("INBOX", *uid, None).await.expect("fetch");
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("{message_id} never arrived in postie's INBOX");
}

#[tokio::test]
async fn starttls_with_auth_delivers_every_byte() {
    if !server_up("exim", EXIM) || !server_up("dovecot IMAP", "127.0.0.1:1143") {
        return;
    }
    let binary: Vec<u8> = (0..=255u8).cycle().take(300_000).collect();
    let pdf =
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n".to_vec();
    let built = message(
        "Grüße — тест — 日本語 subject",
        vec![
            Part {
                name: "Überweisung März.bin".into(),
                bytes: binary.clone(),
            },
            Part {
                name: "résumé.pdf".into(),
                bytes: pdf.clone(),
            },
        ],
    );
    let attempt = submit(2525, TlsMode::Explicit, "postie", "secret", &built).await;
    let transcript = attempt.transcript.text();
    attempt
        .result
        .unwrap_or_else(|e| panic!("{e}\n{transcript}"));
    assert!(
        transcript.contains("C: STARTTLS") && transcript.contains("TLS negotiated"),
        "{transcript}"
    );
    assert!(
        !transcript.contains("secret"),
        "no password in the transcript"
    );

    let raw = read_back(&built.message_id).await;
    let m = MessageParser::default().parse(&raw).expect("parse");
    assert_eq!(m.subject(), Some("Grüße — тест — 日本語 subject"));
    let to = m.to().and_then(mail_parser::Address::first).expect("to");
    assert_eq!(to.name.as_deref(), Some("Post, Ie"));
    let text = m.body_text(0).expect("text");
    assert!(text.contains("Hello from the composer."), "{text}");
    let atts: Vec<_> = m.attachments().collect();
    assert_eq!(atts.len(), 2);
    assert_eq!(atts[0].attachment_name(), Some("Überweisung März.bin"));
    assert_eq!(atts[0].contents(), binary.as_slice(), "byte-identical");
    assert_eq!(atts[1].attachment_name(), Some("résumé.pdf"));
    assert_eq!(
        atts[1].content_type().and_then(|c| c.subtype()),
        Some("pdf")
    );
    assert_eq!(atts[1].contents(), pdf.as_slice());
}

#[tokio::test]
async fn implicit_tls_with_auth_login_or_plain() {
    if !server_up("exim", "127.0.0.1:2465") || !server_up("dovecot IMAP", "127.0.0.1:1143") {
        return;
    }
    let built = message("over implicit TLS", Vec::new());
    let attempt = submit(2465, TlsMode::Implicit, "postie", "secret", &built).await;
    attempt.result.expect("sent");
    let raw = read_back(&built.message_id).await;
    assert!(String::from_utf8_lossy(&raw).contains("over implicit TLS"));
}

#[tokio::test]
async fn refusals_are_said_in_words() {
    if !server_up("exim", EXIM) {
        return;
    }
    let built = message("refused", Vec::new());
    // A wrong password.
    let a = submit(2525, TlsMode::Explicit, "postie", "wrong", &built).await;
    let e = a.result.expect_err("bad password");
    assert!(matches!(e, SmtpError::Login { .. }), "{e:?}");
    assert!(
        e.to_string().contains("535") && e.to_string().contains("password"),
        "{e}"
    );
    assert!(!e.is_temporary());

    // Relaying without logging in.
    let mut foreign = message("relay", Vec::new());
    foreign.envelope = lettre::address::Envelope::new(
        Some("postie@localhost".parse().expect("a")),
        vec!["someone@elsewhere.example".parse().expect("a")],
    )
    .expect("env");
    let a = submit(2525, TlsMode::Explicit, "", "", &foreign).await;
    let e = a.result.expect_err("relay");
    let words = e.to_string();
    assert!(
        words.contains("recipient <someone@elsewhere.example>") && words.contains("550"),
        "{words}"
    );
    assert!(
        words.contains("relay not permitted"),
        "the server's own words: {words}"
    );
}

#[tokio::test]
async fn an_untrusted_certificate_is_reported_for_the_dialog() {
    if !server_up("exim", EXIM) {
        return;
    }
    let built = message("untrusted", Vec::new());
    for (port, tls) in [(2525, TlsMode::Explicit), (2465, TlsMode::Implicit)] {
        let a = smtp::send(
            &exim(port, tls, "postie", "secret"),
            &trust_without_ca(),
            &Limits::default(),
            &built.envelope,
            &built.bytes,
        )
        .await;
        match a.result {
            Err(SmtpError::Net(NetError::Untrusted(r))) => assert_eq!(r.host, "localhost"),
            other => panic!("{port}: {other:?}"),
        }
    }
}

fn portolan(args: &[&str], body: &str, password: &str) -> std::process::Output {
    use std::io::Write as _;
    let mut child = Command::new(env!("CARGO_BIN_EXE_portolan"))
        .args(args)
        .env("PORTOLAN_PASSWORD", password)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(body.as_bytes())
        .expect("body");
    child.wait_with_output().expect("wait")
}

#[tokio::test]
async fn the_command_line_sends_and_prints_the_message_id() {
    if !server_up("exim", EXIM) || !server_up("dovecot IMAP", "127.0.0.1:1143") {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("naïve notes.txt");
    std::fs::write(&file, "attached words\n").expect("write");
    let ca = common::ca_pem();
    let args = [
        "send",
        "--from",
        "postie@localhost",
        "--to",
        "postie@localhost",
        "--subject",
        "from the command line ✓",
        "--attach",
        file.to_str().expect("path"),
        "--smtp",
        "smtp://postie@localhost:2525",
        "--cacert",
        ca.to_str().expect("ca"),
    ];
    let out = portolan(&args, "Body from stdin.\n", "secret");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(id.starts_with('<') && id.ends_with("@localhost>"), "{id}");
    let raw = read_back(id.trim_matches(['<', '>'])).await;
    let m = MessageParser::default().parse(&raw).expect("parse");
    assert_eq!(m.subject(), Some("from the command line ✓"));
    assert_eq!(
        m.attachments().next().and_then(|a| a.attachment_name()),
        Some("naïve notes.txt")
    );

    let out = portolan(&args, "x", "wrong");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("error: ") && err.contains("535"), "{err}");
}

/// The messages aiosmtpd kept, as files.
fn aiosmtpd_mail() -> Vec<Vec<u8>> {
    let dir = common::srv().join("aiosmtpd/mail/new");
    std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .filter_map(|e| std::fs::read(e.path()).ok())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn aiosmtpd_starttls_and_auth_deliver() {
    if !server_up("aiosmtpd", "127.0.0.1:2526") {
        return;
    }
    let built = message(
        "to aiosmtpd ✓",
        vec![Part {
            name: "ünï.bin".into(),
            bytes: vec![0, 1, 2, 255, 254, b'\r', b'\n', b'.', b'\r', b'\n'],
        }],
    );
    let attempt = submit(2526, TlsMode::Explicit, "postie", "secret", &built).await;
    let transcript = attempt.transcript.text();
    attempt
        .result
        .unwrap_or_else(|e| panic!("{e}\n{transcript}"));
    let needle = format!("<{}>", built.message_id);
    let raw = aiosmtpd_mail()
        .into_iter()
        .find(|m| String::from_utf8_lossy(m).contains(&needle))
        .expect("kept by aiosmtpd");
    let m = MessageParser::default().parse(&raw).expect("parse");
    assert_eq!(m.subject(), Some("to aiosmtpd ✓"));
    let a = m.attachments().next().expect("attachment");
    assert_eq!(a.attachment_name(), Some("ünï.bin"));
    assert_eq!(
        a.contents(),
        [0, 1, 2, 255, 254, b'\r', b'\n', b'.', b'\r', b'\n']
    );

    // Before TLS it takes no command at all; a wrong password is a 535 in words.
    let a = submit(2526, TlsMode::Plain, "postie", "secret", &built).await;
    let e = a.result.expect_err("plain is refused");
    assert!(matches!(e, SmtpError::NoMechanism { .. }), "{e:?}");
    assert!(e.to_string().contains("only over TLS"), "{e}");
    assert!(
        !a.transcript.text().contains("C: MAIL"),
        "{}",
        a.transcript.text()
    );
    let a = submit(2526, TlsMode::Explicit, "postie", "nope", &built).await;
    let e = a.result.expect_err("bad password");
    assert!(
        matches!(e, SmtpError::Login { .. }) && e.to_string().contains("535"),
        "{e}"
    );
}

#[tokio::test]
async fn a_server_without_starttls_gets_no_password_when_tls_is_required() {
    if !server_up("aiosmtpd", "127.0.0.1:2527") {
        return;
    }
    let built = message("never sent", Vec::new());
    let a = submit(2527, TlsMode::Explicit, "postie", "secret", &built).await;
    let e = a.result.expect_err("downgrade");
    assert!(matches!(e, SmtpError::NoStartTls { .. }), "{e:?}");
    let t = a.transcript.text();
    assert!(!t.contains("C: AUTH") && !t.contains("C: MAIL"), "{t}");
    // Chosen plain on purpose, it goes.
    let a = submit(2527, TlsMode::Plain, "postie", "secret", &built).await;
    a.result.expect("plain, as chosen");
}

/// A server with the certificate most self-signed servers have (`openssl req -x509`: CA:TRUE,
/// its own issuer): refused until trusted, then accepted once its fingerprint is pinned, as
/// the trust dialog's "Always trust" does. lettre's own TLS could not take such a pin.
#[tokio::test]
async fn a_self_signed_certificate_is_trusted_once_pinned() {
    if !server_up("aiosmtpd", "127.0.0.1:2528") {
        return;
    }
    let trust = common::trust_without_ca();
    let built = message("to a self-signed server", Vec::new());
    let server = exim(2528, TlsMode::Explicit, "postie", "secret");
    let first = smtp::send(
        &server,
        &trust,
        &Limits::default(),
        &built.envelope,
        &built.bytes,
    )
    .await;
    let Err(SmtpError::Net(NetError::Untrusted(rejection))) = first.result else {
        panic!("{:?}", first.result);
    };
    assert_eq!(rejection.host, "localhost");
    assert!(
        !first.transcript.text().contains("C: AUTH"),
        "no password before trust"
    );
    trust.pin(&rejection.host, &rejection.cert.sha256);
    let again = smtp::send(
        &server,
        &trust,
        &Limits::default(),
        &built.envelope,
        &built.bytes,
    )
    .await;
    again.result.expect("sent once pinned");
    let needle = format!("<{}>", built.message_id);
    assert!(
        aiosmtpd_mail()
            .iter()
            .any(|m| String::from_utf8_lossy(m).contains(&needle)),
        "kept by aiosmtpd"
    );
}
