//! Faults a real server will not produce, from in-process fake servers: garbage, a 10 MB line,
//! a connection closed mid-response, silence. Each must end in a clear error or a best-effort
//! page, never a hang or a crash.

use crate::common;
use std::time::Duration;

use portolan::link::{GopherLink, Link};
use portolan::proto::gopher;
use portolan::proto::http::HttpClient;
use portolan::proto::net::Limits;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;

/// Serves `reply` to each connection after reading the request, then closes.
async fn fake_server(reply: Vec<u8>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let reply = reply.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf).await;
                let _ = s.write_all(&reply).await;
                let _ = s.shutdown().await;
            });
        }
    });
    port
}

fn gopher_link(port: u16, path: &str) -> GopherLink {
    match Link::parse(&format!("gopher://127.0.0.1:{port}{path}")).expect("url") {
        Link::Gopher(g) => g,
        _ => unreachable!(),
    }
}

#[tokio::test]
async fn gopher_garbage_is_shown_as_best_it_can_be() {
    let garbage: Vec<u8> = (0..20_000u32).map(|i| (i * 7919 % 251) as u8).collect();
    let port = fake_server(garbage).await;
    let raw = gopher::fetch(&gopher_link(port, "/"), &Limits::default(), |_| {})
        .await
        .expect("bytes arrive");
    let menu = gopher::parse_menu(&raw, "127.0.0.1", port);
    assert!(!menu.items.is_empty());
    assert!(!menu.terminated);
    assert!(menu.problem_count() > 0);
}

#[tokio::test]
async fn gopher_ten_megabyte_line_is_cut_not_fatal() {
    let mut reply = b"0".to_vec();
    reply.extend(std::iter::repeat_n(b'x', 10 * 1024 * 1024));
    reply.extend_from_slice(b"\t/x\th\t70\r\n1Next\t/n\th\t70\r\n.\r\n");
    let port = fake_server(reply).await;
    let raw = gopher::fetch(&gopher_link(port, "/"), &Limits::default(), |_| {})
        .await
        .expect("fetch");
    let menu = gopher::parse_menu(&raw, "127.0.0.1", port);
    assert_eq!(menu.items.len(), 2);
    assert_eq!(menu.items[0].problem, Some(gopher::Problem::TooLong));
    assert_eq!(menu.items[1].display, b"Next");
}

#[tokio::test]
async fn gopher_response_over_the_limit_is_a_clear_error() {
    let port = fake_server(vec![b'a'; 2 * 1024 * 1024]).await;
    let limits = Limits {
        max_body: 1024 * 1024,
        ..Limits::default()
    };
    let err = gopher::fetch(&gopher_link(port, "/0/x"), &limits, |_| {})
        .await
        .unwrap_err();
    assert!(err.to_string().contains("more than 1048576 bytes"), "{err}");
}

#[tokio::test]
async fn gopher_menu_cut_short_is_flagged() {
    let port = fake_server(b"0First\t/a\th\t70\r\n0Sec".to_vec()).await;
    let raw = gopher::fetch(&gopher_link(port, "/"), &Limits::default(), |_| {})
        .await
        .expect("fetch");
    let menu = gopher::parse_menu(&raw, "127.0.0.1", port);
    assert!(!menu.terminated);
    assert_eq!(menu.items[0].display, b"First");
}

#[tokio::test]
async fn silent_server_times_out() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            held.push(s);
        }
    });
    let limits = Limits {
        read_timeout: Duration::from_millis(300),
        ..Limits::default()
    };
    let err = gopher::fetch(&gopher_link(port, "/"), &limits, |_| {})
        .await
        .unwrap_err();
    assert!(err.to_string().contains("sent nothing for"), "{err}");
}

fn http_client() -> HttpClient {
    HttpClient::new(common::trust_without_ca(), &Limits::default()).expect("client")
}

#[tokio::test]
async fn http_body_cut_short_is_a_clear_error() {
    let port = fake_server(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1000\r\n\r\n<p>only part"
            .to_vec(),
    )
    .await;
    let url = url::Url::parse(&format!("http://127.0.0.1:{port}/")).expect("url");
    let err = http_client()
        .fetch(&url, &Limits::default(), |_, _| {})
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with(&format!("http://127.0.0.1:{port}/")),
        "{text}"
    );
    assert!(
        text.contains("closed") || text.contains("incomplete") || text.contains("body"),
        "{text}"
    );
}

#[tokio::test]
async fn http_ten_megabyte_header_is_refused() {
    let mut reply = b"HTTP/1.1 200 OK\r\nX-Huge: ".to_vec();
    reply.extend(std::iter::repeat_n(b'a', 10 * 1024 * 1024));
    reply.extend_from_slice(b"\r\nContent-Length: 2\r\n\r\nok");
    let port = fake_server(reply).await;
    let url = url::Url::parse(&format!("http://127.0.0.1:{port}/")).expect("url");
    let err = http_client()
        .fetch(&url, &Limits::default(), |_, _| {})
        .await
        .unwrap_err();
    assert!(err.to_string().contains("127.0.0.1"), "{err}");
}

#[tokio::test]
async fn http_garbage_is_a_clear_error() {
    let port = fake_server(b"\x00\x01garbage that is not HTTP\r\n\r\n".to_vec()).await;
    let url = url::Url::parse(&format!("http://127.0.0.1:{port}/")).expect("url");
    let err = http_client()
        .fetch(&url, &Limits::default(), |_, _| {})
        .await
        .unwrap_err();
    assert!(err.to_string().contains("127.0.0.1"), "{err}");
}

/// A small FTP server that refuses EPSV and answers PASV with a private address that is not
/// its own (as servers behind NAT do). `endless` makes LIST send data until the client stops.
async fn fake_ftp(endless: bool) -> u16 {
    use tokio::io::AsyncBufReadExt as _;
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        while let Ok((control, _)) = listener.accept().await {
            tokio::spawn(async move {
                let (read, mut write) = control.into_split();
                let mut lines = tokio::io::BufReader::new(read).lines();
                let _ = write.write_all(b"220 fake FTP\r\n").await;
                let mut data: Option<TcpListener> = None;
                let mut rest = 0usize;
                while let Ok(Some(line)) = lines.next_line().await {
                    let verb = line.split(' ').next().unwrap_or("").to_ascii_uppercase();
                    let reply: Vec<u8> = match verb.as_str() {
                        "FEAT" => b"211-Features:\r\n EPSV\r\n PASV\r\n REST STREAM\r\n211 End\r\n"
                            .to_vec(),
                        "USER" => b"331 password\r\n".to_vec(),
                        "PASS" => b"230 in\r\n".to_vec(),
                        "TYPE" | "OPTS" => b"200 ok\r\n".to_vec(),
                        "PWD" => b"257 \"/\"\r\n".to_vec(),
                        "EPSV" => b"500 EPSV not understood\r\n".to_vec(),
                        "PASV" => {
                            let l = TcpListener::bind("127.0.0.1:0").await.expect("bind data");
                            let p = l.local_addr().expect("addr").port();
                            data = Some(l);
                            format!(
                                "227 Entering Passive Mode (10,9,8,7,{},{})\r\n",
                                p >> 8,
                                p & 0xff
                            )
                            .into_bytes()
                        }
                        "REST" => {
                            rest = line[5..].trim().parse().unwrap_or(0);
                            b"350 restarting\r\n".to_vec()
                        }
                        "LIST" | "RETR" => {
                            let Some(l) = data.take() else {
                                let _ = write.write_all(b"425 no PASV\r\n").await;
                                continue;
                            };
                            let _ = write.write_all(b"150 here it comes\r\n").await;
                            let Ok((mut conn, _)) = l.accept().await else {
                                continue;
                            };
                            if verb == "RETR" {
                                let _ = conn.write_all(&b"0123456789"[rest.min(10)..]).await;
                                rest = 0;
                            } else if endless {
                                let line =
                                    b"-rw-r--r-- 1 u g 1 Jan 01 2020 spam.txt\r\n".repeat(1000);
                                while conn.write_all(&line).await.is_ok() {}
                            } else {
                                let _ = conn
                                    .write_all(
                                        b"-rw-r--r-- 1 u g 10 Jan 01 2020 f.txt\r\n\
                                          drwxr-xr-x 2 u g 0 Jan 01 2020 sub\r\n",
                                    )
                                    .await;
                            }
                            drop(conn);
                            b"226 done\r\n".to_vec()
                        }
                        "QUIT" => {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            break;
                        }
                        _ => b"502 not implemented\r\n".to_vec(),
                    };
                    if write.write_all(&reply).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    port
}

fn fake_site(port: u16) -> portolan::proto::ftp::FtpSite {
    portolan::proto::ftp::FtpSite {
        host: "127.0.0.1".into(),
        port,
        user: Some("u".into()),
        password: Some("p".into()),
        tls: portolan::proto::ftp::TlsMode::Plain,
        passive: true,
        ascii: false,
        max_parallel: 1,
    }
}

/// EPSV refused: the session falls back to PASV, ignores the private address in the reply
/// (connecting to the control connection's instead), lists, and resumes a file with REST.
#[tokio::test]
async fn ftp_epsv_refused_falls_back_to_pasv_and_ignores_its_wrong_address() {
    let port = fake_ftp(false).await;
    let trust = common::trust_without_ca();
    let mut session =
        portolan::proto::ftp::FtpSession::connect(&fake_site(port), &trust, &Limits::default())
            .await
            .expect("connect");
    let entries = session.list(b"/").await.expect("list");
    let names: Vec<&[u8]> = entries.iter().map(|e| e.name.as_slice()).collect();
    assert_eq!(names, vec![&b"f.txt"[..], &b"sub"[..]]);
    let mut got = Vec::new();
    let n = session
        .retrieve(b"/f.txt", 3, &mut got, |_| {})
        .await
        .expect("resume after the fallback");
    assert_eq!((n, got.as_slice()), (7, &b"3456789"[..]));
    session.quit().await;
}

/// A listing that never ends is refused at the size limit with a clear error.
#[tokio::test]
async fn ftp_endless_listing_is_refused_at_the_limit() {
    let port = fake_ftp(true).await;
    let trust = common::trust_without_ca();
    let limits = Limits {
        max_body: 2_000_000,
        ..Limits::default()
    };
    let mut session = portolan::proto::ftp::FtpSession::connect(&fake_site(port), &trust, &limits)
        .await
        .expect("connect");
    let err = session.list(b"/").await.expect_err("an endless listing");
    assert!(err.to_string().contains("larger than 2 MB"), "{err}");
}
