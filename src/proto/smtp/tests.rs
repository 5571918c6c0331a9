//! Faults a real server will not produce, from an in-process one: a missing STARTTLS, bytes
//! injected before the handshake, a reply cut off, a line without end, silence.

use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use super::*;

fn server(port: u16, tls: TlsMode, user: &str) -> SmtpServer {
    SmtpServer {
        host: "127.0.0.1".into(),
        port,
        tls,
        user: user.into(),
        password: "pw".into(),
    }
}

fn envelope() -> Envelope {
    Envelope::new(
        Some("a@example.test".parse().expect("addr")),
        vec!["b@example.test".parse().expect("addr")],
    )
    .expect("envelope")
}

fn quick() -> Limits {
    Limits {
        read_timeout: Duration::from_millis(400),
        connect_timeout: Duration::from_secs(2),
        ..Limits::default()
    }
}

fn trust() -> Arc<Trust> {
    crate::proto::tls::install_crypto_provider();
    Trust::new(Vec::new()).expect("trust")
}

/// One submission of `message` to the fake server on `port`, with short limits.
async fn attempt(port: u16, tls: TlsMode, user: &str, message: &[u8]) -> Attempt {
    send(
        &server(port, tls, user),
        &trust(),
        &quick(),
        &envelope(),
        message,
    )
    .await
}

/// Runs `script` as the server for one connection; returns the port and what the client sent.
async fn fake<F, Fut>(script: F) -> (u16, tokio::task::JoinHandle<Vec<String>>)
where
    F: FnOnce(BufReader<tokio::net::TcpStream>) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Vec<String>> + Send,
{
    let l = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = l.local_addr().expect("addr").port();
    let h = tokio::spawn(async move {
        let (s, _) = l.accept().await.expect("accept");
        script(BufReader::new(s)).await
    });
    (port, h)
}

async fn line(r: &mut BufReader<tokio::net::TcpStream>) -> Option<String> {
    let mut s = String::new();
    match r.read_line(&mut s).await {
        Ok(0) | Err(_) => None,
        Ok(_) => Some(s.trim_end().to_string()),
    }
}

#[test]
fn reply_lines() {
    assert_eq!(
        parse_reply_line(b"250-SIZE 100"),
        Some((250, false, "SIZE 100".into()))
    );
    assert_eq!(parse_reply_line(b"250 OK"), Some((250, true, "OK".into())));
    assert_eq!(parse_reply_line(b"220"), Some((220, true, String::new())));
    for bad in [
        &b""[..],
        b"25",
        b"abc",
        b"250x",
        b"650 no",
        b"SSH-2.0-OpenSSH",
        b"\xff\xfe\x00",
    ] {
        assert_eq!(parse_reply_line(bad), None, "{bad:?}");
    }
}

#[tokio::test]
async fn required_starttls_missing_sends_nothing_more() {
    let (port, h) = fake(|mut r| async move {
        let mut got = Vec::new();
        r.get_mut().write_all(b"220 fake ESMTP\r\n").await.ok();
        while let Some(l) = line(&mut r).await {
            if l.starts_with("EHLO") {
                r.get_mut()
                    .write_all(b"250-fake\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n")
                    .await
                    .ok();
            }
            got.push(l);
        }
        got
    })
    .await;
    let a = attempt(port, TlsMode::Explicit, "u", b"Subject: x\r\n\r\nhi\r\n").await;
    assert!(
        matches!(a.result, Err(SmtpError::NoStartTls { .. })),
        "{:?}",
        a.result
    );
    let got = h.await.expect("join");
    assert!(got[0].starts_with("EHLO"), "{got:?}");
    assert!(
        got.iter()
            .all(|l| !l.starts_with("AUTH") && !l.starts_with("MAIL")),
        "nothing else may go out in plain text: {got:?}"
    );
    assert!(a.transcript.text().contains("does not offer STARTTLS"));
}

#[tokio::test]
async fn bytes_before_the_handshake_are_refused() {
    let (port, _h) = fake(|mut r| async move {
        r.get_mut().write_all(b"220 fake\r\n").await.ok();
        while let Some(l) = line(&mut r).await {
            if l.starts_with("EHLO") {
                r.get_mut()
                    .write_all(b"250-fake\r\n250 STARTTLS\r\n")
                    .await
                    .ok();
            } else if l == "STARTTLS" {
                r.get_mut()
                    .write_all(b"220 go ahead\r\n250 injected\r\n")
                    .await
                    .ok();
            }
        }
        Vec::new()
    })
    .await;
    let a = attempt(port, TlsMode::Explicit, "", b"x\r\n").await;
    assert!(
        matches!(a.result, Err(SmtpError::Injection { .. })),
        "{:?}",
        a.result
    );
}

#[tokio::test]
async fn a_reply_cut_in_half_is_an_error_worth_retrying() {
    let (port, _h) = fake(|mut r| async move {
        r.get_mut().write_all(b"220 fake\r\n").await.ok();
        while let Some(l) = line(&mut r).await {
            if l.starts_with("EHLO") {
                r.get_mut()
                    .write_all(b"250-fake\r\n250 8BITMIME\r\n")
                    .await
                    .ok();
            } else if l.starts_with("MAIL") {
                r.get_mut().write_all(b"25").await.ok();
                break;
            }
        }
        Vec::new()
    })
    .await;
    let a = attempt(port, TlsMode::Plain, "", b"x\r\n").await;
    let e = a.result.expect_err("cut");
    assert!(e.is_temporary(), "{e}");
    assert!(!format!("{e}").contains("lettre"), "{e}");
}

#[tokio::test]
async fn an_endless_greeting_line_is_bounded() {
    let (port, _h) = fake(|mut r| async move {
        let chunk = vec![b'2'; 64 * 1024];
        r.get_mut().write_all(b"220 ").await.ok();
        for _ in 0..160 {
            if r.get_mut().write_all(&chunk).await.is_err() {
                break;
            }
        }
        Vec::new()
    })
    .await;
    let a = attempt(port, TlsMode::Explicit, "", b"x\r\n").await;
    assert!(
        matches!(a.result, Err(SmtpError::Net(NetError::LineTooLong { .. }))),
        "{:?}",
        a.result
    );
}

#[tokio::test]
async fn a_silent_server_times_out() {
    let (port, _h) = fake(|mut r| async move {
        r.get_mut().write_all(b"220 fake\r\n").await.ok();
        // Reads the EHLO and never answers.
        let mut b = [0u8; 64];
        let _ = r.read(&mut b).await;
        tokio::time::sleep(Duration::from_secs(3)).await;
        Vec::new()
    })
    .await;
    let a = attempt(port, TlsMode::Plain, "", b"x\r\n").await;
    let e = a.result.expect_err("silent");
    assert!(e.is_temporary(), "{e}");
}

#[tokio::test]
async fn a_refused_recipient_keeps_the_servers_words() {
    let (port, h) = fake(|mut r| async move {
        let mut got = Vec::new();
        r.get_mut().write_all(b"220 fake\r\n").await.ok();
        while let Some(l) = line(&mut r).await {
            let answer: &[u8] = if l.starts_with("EHLO") {
                b"250-fake\r\n250 8BITMIME\r\n"
            } else if l.starts_with("MAIL") {
                b"250 ok\r\n"
            } else if l.starts_with("RCPT") {
                b"550-5.1.1 no such user here\r\n550 5.1.1 try another\r\n"
            } else {
                b"221 bye\r\n"
            };
            got.push(l);
            r.get_mut().write_all(answer).await.ok();
        }
        got
    })
    .await;
    let a = attempt(port, TlsMode::Plain, "", b"x\r\n").await;
    let e = a.result.expect_err("refused");
    let words = e.to_string();
    assert!(words.contains("recipient <b@example.test>"), "{words}");
    assert!(
        words.contains("550") && words.contains("no such user"),
        "{words}"
    );
    assert!(!e.is_temporary());
    let got = h.await.expect("join");
    assert!(got.iter().all(|l| l != "DATA"), "{got:?}");
    assert!(
        a.transcript.text().contains("S: 550"),
        "{}",
        a.transcript.text()
    );
}
