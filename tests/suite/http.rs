//! The HTTP client against the real nginx server, HTTP and HTTPS (HTTP/2).

use crate::common;
use portolan::document::Document;
use portolan::proto::http::{self, HttpClient, HttpError};
use portolan::proto::net::Limits;
use portolan::proto::tls::RejectionKind;
use url::Url;

fn url(s: &str) -> Url {
    Url::parse(s).expect("url")
}

#[tokio::test]
async fn html_page_renders_with_links() {
    if !common::server_up("http", common::HTTP) {
        return;
    }
    let client = HttpClient::new(common::trust_without_ca(), &Limits::default()).expect("client");
    let (head, body) = client
        .fetch(
            &url(&format!("http://{}/", common::HTTP)),
            &Limits::default(),
            |_, _| {},
        )
        .await
        .expect("fetch");
    assert_eq!(head.status, 200);
    assert_eq!(head.media_type.as_deref(), Some("text/html"));
    let doc = Document::from_html(
        &http::decode_text(&body, head.charset.as_deref()),
        &head.url,
        80,
    );
    assert_eq!(doc.title, "Portolan test page");
    let links: Vec<(&str, &str)> = doc.links().collect();
    assert!(
        links.contains(&("second page", "http://127.0.0.1:8080/page2.html")),
        "{links:?}"
    );
    let text: String = doc.lines.iter().map(|l| l.text() + "\n").collect();
    assert!(!text.contains("no scripts run"));
}

#[tokio::test]
async fn redirect_is_followed_and_reported() {
    if !common::server_up("http", common::HTTP) {
        return;
    }
    let client = HttpClient::new(common::trust_without_ca(), &Limits::default()).expect("client");
    let (head, body) = client
        .fetch(
            &url(&format!("http://{}/redirect", common::HTTP)),
            &Limits::default(),
            |_, _| {},
        )
        .await
        .expect("fetch");
    assert_eq!(head.url.path(), "/page2.html");
    assert!(String::from_utf8_lossy(&body).contains("The second page"));
    let err = client
        .fetch(
            &url(&format!("http://{}/loop", common::HTTP)),
            &Limits::default(),
            |_, _| {},
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("redirect"), "{err}");
}

#[tokio::test]
async fn gzip_body_is_decoded() {
    if !common::server_up("http", common::HTTP) {
        return;
    }
    let client = HttpClient::new(common::trust_without_ca(), &Limits::default()).expect("client");
    let (_, body) = client
        .fetch(
            &url(&format!("http://{}/plain.txt", common::HTTP)),
            &Limits::default(),
            |_, _| {},
        )
        .await
        .expect("fetch");
    assert_eq!(body, b"plain text file\nsecond line\n");
}

#[tokio::test]
async fn charset_from_meta_tag() {
    if !common::server_up("http", common::HTTP) {
        return;
    }
    let client = HttpClient::new(common::trust_without_ca(), &Limits::default()).expect("client");
    let (head, body) = client
        .fetch(
            &url(&format!("http://{}/latin1.html", common::HTTP)),
            &Limits::default(),
            |_, _| {},
        )
        .await
        .expect("fetch");
    let declared = head.charset.or_else(|| http::sniff_meta_charset(&body));
    assert!(http::decode_text(&body, declared.as_deref()).contains("café crème"));
}

#[tokio::test]
async fn https_with_the_test_ca_uses_http2() {
    if !common::server_up("https", common::HTTPS) {
        return;
    }
    let client = HttpClient::new(common::trust_with_ca(), &Limits::default()).expect("client");
    let (head, body) = client
        .fetch(
            &url(&format!("https://{}/", common::HTTPS)),
            &Limits::default(),
            |_, _| {},
        )
        .await
        .expect("fetch");
    assert_eq!(head.status, 200);
    assert_eq!(head.version, "HTTP/2.0");
    assert!(String::from_utf8_lossy(&body).contains("test page"));
    let cert = head.cert.expect("certificate");
    assert!(cert.subject.contains("CN=localhost"), "{}", cert.subject);
}

#[tokio::test]
async fn https_without_the_ca_is_refused_then_trusted_once() {
    if !common::server_up("https", common::HTTPS) {
        return;
    }
    let trust = common::trust_without_ca();
    let client = HttpClient::new(trust.clone(), &Limits::default()).expect("client");
    let page = url(&format!("https://{}/page2.html", common::HTTPS));
    let err = client
        .fetch(&page, &Limits::default(), |_, _| {})
        .await
        .unwrap_err();
    let HttpError::Untrusted(rejection) = err else {
        panic!("expected an untrusted certificate, got {err}");
    };
    assert_eq!(rejection.host, "localhost");
    assert_eq!(rejection.kind, RejectionKind::Unverified);
    assert!(rejection.cert.subject.contains("CN=localhost"));
    assert!(rejection.cert.issuer.contains("Portolan Test CA"));
    // The user chooses "Trust once": the same certificate is now accepted.
    trust.pin(&rejection.host, &rejection.cert.sha256);
    let (head, _) = client
        .fetch(&page, &Limits::default(), |_, _| {})
        .await
        .expect("trusted");
    assert_eq!(head.status, 200);
}

#[tokio::test]
async fn a_changed_pinned_certificate_is_a_loud_error() {
    if !common::server_up("https", common::HTTPS) {
        return;
    }
    let trust = common::trust_without_ca();
    trust.pin("localhost", "00:11:22:33");
    let client = HttpClient::new(trust, &Limits::default()).expect("client");
    let err = client
        .fetch(
            &url(&format!("https://{}/", common::HTTPS)),
            &Limits::default(),
            |_, _| {},
        )
        .await
        .unwrap_err();
    let HttpError::Untrusted(rejection) = err else {
        panic!("expected a refusal, got {err}");
    };
    assert_eq!(
        rejection.kind,
        RejectionKind::PinChanged {
            pinned: vec!["00:11:22:33".into()]
        }
    );
}

/// A self-signed certificate the user named is still checked for its name: reached as another
/// host it is refused, and the reason says so in words.
#[tokio::test]
async fn a_named_self_signed_certificate_must_match_the_host() {
    if !common::server_up("https self-signed", "127.0.0.1:8444") {
        return;
    }
    portolan::proto::tls::install_crypto_provider();
    let named = portolan::proto::tls::Trust::load_pem(&common::srv().join("tls/selfsigned.pem"))
        .expect("pem");
    let trust = portolan::proto::tls::Trust::new(named).expect("trust");
    for (host, ok) in [("localhost", true), ("other.example", false)] {
        let tcp = tokio::net::TcpStream::connect("127.0.0.1:8444")
            .await
            .expect("tcp");
        let result = trust.wrap(tcp, host, 8444, &Limits::default()).await;
        match (result, ok) {
            (Ok(_), true) => {}
            (Err(portolan::proto::net::NetError::Untrusted(r)), false) => {
                assert!(r.reason.contains("another name"), "{}", r.reason);
            }
            (other, _) => panic!("{host}: {:?}", other.map(|_| ())),
        }
    }
}
