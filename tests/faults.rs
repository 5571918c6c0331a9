//! Faults a real server will not produce, from in-process fake servers: garbage, a 10 MB line,
//! a connection closed mid-response, silence. Each must end in a clear error or a best-effort
//! page, never a hang or a crash.

mod common;

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
