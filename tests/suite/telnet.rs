//! The Telnet engine and session against the real inetutils-telnetd with /bin/login: log in,
//! the window size arrives through NAWS (and again after a resize), the terminal type through
//! TTYPE.

use crate::common;
use std::time::Duration;

use portolan::proto::net::Limits;
use portolan::proto::telnet::engine::opt;
use portolan::proto::telnet::{TelnetConfig, TelnetEvent, TelnetSession};

const TELNET: &str = "127.0.0.1:2323";

/// Reads until the screen text so far contains `wanted` (10 s at most); returns that text.
async fn read_until(session: &mut TelnetSession, seen: &mut String, wanted: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !seen.contains(wanted) {
        let events = tokio::time::timeout_at(deadline, session.read())
            .await
            .unwrap_or_else(|_| panic!("no {wanted:?} within 10 s; the screen had: {seen:?}"))
            .expect("read")
            .unwrap_or_else(|| panic!("the server closed before {wanted:?}: {seen:?}"));
        for e in events {
            if let TelnetEvent::Data(d) = e {
                seen.push_str(&String::from_utf8_lossy(&d));
            }
        }
    }
}

#[tokio::test]
async fn log_in_and_the_server_knows_the_window_size_and_terminal() {
    if !common::server_up("telnetd", TELNET) {
        return;
    }
    let config = TelnetConfig {
        cols: 80,
        rows: 24,
        user: Some("tester".into()),
        ..TelnetConfig::default()
    };
    let mut s = TelnetSession::connect("127.0.0.1", 2323, None, config, &Limits::default())
        .await
        .expect("connect");
    let mut seen = String::new();
    read_until(&mut s, &mut seen, "ogin:").await;
    // What telnetd asked for and got.
    assert!(s.engine().local(opt::NAWS).enabled(), "NAWS not agreed");
    assert!(s.engine().local(opt::TTYPE).enabled(), "TTYPE not agreed");
    s.send(b"tester\r\n").await.expect("user");
    read_until(&mut s, &mut seen, "assword:").await;
    s.send(b"secret\r\n").await.expect("password");
    // login drops what was typed ahead: wait for the shell's prompt.
    read_until(&mut s, &mut seen, "$ ").await;
    // Output that the echo of the command line cannot contain: "TERM=…." is printed in
    // pieces.
    s.send(b"stty size; printf 'T%sM=%s.\\n' ER \"$TERM\"\r\n")
        .await
        .expect("command");
    read_until(&mut s, &mut seen, "24 80").await;
    read_until(&mut s, &mut seen, "TERM=").await;
    let at = seen.find("TERM=").expect("TERM=");
    let after = seen[at..].to_string();
    let mut rest = after.clone();
    if !rest.contains('.') {
        read_until(&mut s, &mut rest, ".").await;
    }
    seen.push_str(&rest[after.len()..]);
    let term = seen[at + 5..].split('.').next().unwrap_or("");
    assert!(
        ["ansi", "xterm-256color", "vt100"].contains(&term.to_ascii_lowercase().as_str()),
        "TERM on the server: {term:?}"
    );
    // A resize reaches the server at once.
    s.resize(100, 30).await.expect("resize");
    s.send(b"stty size\r\n").await.expect("command");
    read_until(&mut s, &mut seen, "30 100").await;
    s.send(b"exit\r\n").await.expect("exit");
}

/// telnetlib3 is another implementation, which asks for options in its own order (TTYPE
/// first, the rest once that is answered) and ends prompts with GA.
#[tokio::test]
async fn another_implementation_telnetlib3_negotiates_and_runs_commands() {
    if !common::server_up("telnetlib3", "127.0.0.1:2324") {
        return;
    }
    let config = TelnetConfig {
        cols: 90,
        rows: 33,
        ..TelnetConfig::default()
    };
    let mut s = TelnetSession::connect("127.0.0.1", 2324, None, config, &Limits::default())
        .await
        .expect("connect");
    let mut seen = String::new();
    read_until(&mut s, &mut seen, "tel:sh> ").await;
    assert!(s.engine().local(opt::TTYPE).enabled(), "TTYPE not agreed");
    seen.clear();
    s.send(b"writer\r").await.expect("command");
    read_until(&mut s, &mut seen, "writer\r\n").await;
    read_until(&mut s, &mut seen, "tel:sh> ").await;
    // What the server says it agreed with us.
    let agreed = seen
        .split("client-will:")
        .nth(1)
        .and_then(|rest| rest.split('>').next())
        .unwrap_or_else(|| panic!("no client-will in {seen:?}"));
    for o in ["NAWS", "TTYPE", "CHARSET", "NEW_ENVIRON"] {
        assert!(agreed.contains(o), "{o} not agreed: {agreed}");
    }
    assert!(s.engine().remote_echo(), "the shell echoes");
    // The server stops echoing: the engine says so, for the window's local echo.
    seen.clear();
    s.send(b"toggle echo\r").await.expect("command");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while s.engine().remote_echo() {
        let events = tokio::time::timeout_at(deadline, s.read())
            .await
            .expect("WONT ECHO within 10 s")
            .expect("read")
            .expect("open");
        for e in events {
            if let TelnetEvent::Data(d) = e {
                seen.push_str(&String::from_utf8_lossy(&d));
            }
        }
    }
    read_until(&mut s, &mut seen, "tel:sh> ").await;
    s.send(b"quit\r").await.expect("quit");
    read_until(&mut s, &mut seen, "Goodbye.").await;
}

/// A telnets session with localhost on `port`, trusting what `trust` trusts.
async fn telnets(
    port: u16,
    trust: &std::sync::Arc<portolan::proto::tls::Trust>,
) -> Result<TelnetSession, portolan::proto::telnet::TelnetError> {
    TelnetSession::connect(
        "localhost",
        port,
        Some(trust),
        TelnetConfig::default(),
        &Limits::default(),
    )
    .await
}

/// telnets: TLS from the first byte, checked against the test CA; a self-signed certificate
/// (as `openssl req -x509` makes it) is refused in words unless the user named it.
#[tokio::test]
async fn telnets_with_a_trusted_and_a_self_signed_certificate() {
    if !common::server_up("telnets", "127.0.0.1:2992") {
        return;
    }
    let trust = common::trust_with_ca();
    let mut s = telnets(2992, &trust).await.expect("connect over TLS");
    let mut seen = String::new();
    read_until(&mut s, &mut seen, "Ready (secure: TLS").await;
    read_until(&mut s, &mut seen, "tel:sh> ").await;

    let untrusting = common::trust_without_ca();
    let e = telnets(2993, &untrusting)
        .await
        .err()
        .expect("a self-signed certificate is not trusted by itself");
    let words = e.to_string();
    assert!(words.contains("self-signed"), "{words}");
    assert!(
        !words.contains("Other(") && !words.contains("CaUsedAsEndEntity"),
        "{words}"
    );

    let roots = portolan::proto::tls::Trust::load_pem(&common::srv().join("tls/selfsigned.pem"))
        .expect("pem");
    let named = portolan::proto::tls::Trust::new(roots).expect("trust");
    let mut s = telnets(2993, &named)
        .await
        .expect("the certificate the user named is trusted");
    let mut seen = String::new();
    read_until(&mut s, &mut seen, "tel:sh> ").await;
}

/// A Telnet "Synch" as inetutils telnetd sends it after an interrupt: IAC, then DM as TCP
/// urgent data. The DM stays in the stream (`SO_OOBINLINE`), so the IAC DM pair is a command
/// and no byte of the screen around it is lost or shown.
#[tokio::test]
async fn urgent_data_mark_stays_in_the_stream() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let host = std::thread::spawn(move || {
        use std::io::Write as _;
        let (mut peer, _) = listener.accept().expect("accept");
        peer.write_all(b"before").expect("write");
        peer.write_all(&[255]).expect("IAC");
        socket2::SockRef::from(&peer)
            .send_out_of_band(&[242])
            .expect("DM as urgent data");
        std::thread::sleep(Duration::from_millis(50));
        peer.write_all(b"after").expect("write");
    });
    let mut session = TelnetSession::connect(
        "127.0.0.1",
        port,
        None,
        TelnetConfig::default(),
        &Limits::default(),
    )
    .await
    .expect("connect");
    let mut data = Vec::new();
    while let Some(events) = tokio::time::timeout(Duration::from_secs(5), session.read())
        .await
        .expect("no silence")
        .expect("read")
    {
        for e in events {
            if let TelnetEvent::Data(d) = e {
                data.extend(d);
            }
        }
    }
    host.join().expect("host");
    assert_eq!(String::from_utf8_lossy(&data), "beforeafter");
}
