//! The gopher client against the real gophernicus server.

use crate::common;
use portolan::charset::Charset;
use portolan::link::{GopherLink, Link};
use portolan::proto::gopher::{self, ItemClass};
use portolan::proto::net::Limits;

fn gopher_link(url: &str) -> GopherLink {
    match Link::parse(url).expect("url") {
        Link::Gopher(g) => g,
        other => panic!("not gopher: {other:?}"),
    }
}

#[tokio::test]
async fn root_menu_lists_every_item_type() {
    if !common::server_up("gopher", common::GOPHER) {
        return;
    }
    let link = gopher_link(&format!("gopher://{}/", common::GOPHER));
    let raw = gopher::fetch(&link, &Limits::default(), |_| {})
        .await
        .expect("fetch");
    let menu = gopher::parse_menu(&raw, "localhost", 7070);
    assert!(menu.terminated);
    let find = |name: &str| {
        menu.items
            .iter()
            .find(|i| i.display == name.as_bytes())
            .unwrap_or_else(|| panic!("{name} missing"))
    };
    assert_eq!(find("About this server").class(), ItemClass::Text);
    assert_eq!(find("Files directory").class(), ItemClass::Menu);
    assert_eq!(find("A binary file").class(), ItemClass::Binary);
    assert_eq!(find("A GIF image").class(), ItemClass::Image);
    assert_eq!(find("Search the word list").class(), ItemClass::Search);
    assert_eq!(
        find("HTTP link to nginx")
            .link()
            .map(|l| l.to_string())
            .as_deref(),
        Some("http://127.0.0.1:8080/")
    );
    assert_eq!(find("Loopback gopher test server").class(), ItemClass::Info);
}

#[tokio::test]
async fn text_item_is_byte_faithful() {
    if !common::server_up("gopher", common::GOPHER) {
        return;
    }
    let link = gopher_link(&format!("gopher://{}/0/about.txt", common::GOPHER));
    let raw = gopher::fetch(&link, &Limits::default(), |_| {})
        .await
        .expect("fetch");
    // gophernicus sends text lines ending in CR LF, as RFC 1436 asks.
    let on_disk = std::fs::read_to_string(common::srv().join("gopher/about.txt")).expect("file");
    let expected = on_disk.replace('\n', "\r\n");
    assert_eq!(gopher::strip_text_terminator(&raw), expected.as_bytes());
}

#[tokio::test]
async fn search_returns_matching_words() {
    if !common::server_up("gopher", common::GOPHER) {
        return;
    }
    let link = gopher_link(&format!(
        "gopher://{}/7/cgi-bin/search%09apple",
        common::GOPHER
    ));
    let raw = gopher::fetch(&link, &Limits::default(), |_| {})
        .await
        .expect("fetch");
    let menu = gopher::parse_menu(&raw, "localhost", 7070);
    let words: Vec<String> = menu
        .items
        .iter()
        .map(|i| String::from_utf8_lossy(&i.display).into_owned())
        .collect();
    assert!(words.contains(&"apple".to_string()), "{words:?}");
    assert!(words.contains(&"pineapple".to_string()), "{words:?}");
    assert!(!words.contains(&"banana".to_string()), "{words:?}");
}

#[tokio::test]
async fn binary_download_is_identical_over_ipv6() {
    if !common::server_up("gopher", common::GOPHER) {
        return;
    }
    let link = gopher_link("gopher://[::1]:7070/9/files/blob.bin");
    let mut out = Vec::new();
    let mut last = 0;
    let n = gopher::download(&link, &mut out, &Limits::default(), |p| last = p)
        .await
        .expect("download");
    let on_disk = std::fs::read(common::srv().join("gopher/files/blob.bin")).expect("file");
    assert_eq!(n, on_disk.len() as u64);
    assert_eq!(last, n);
    assert!(out == on_disk, "downloaded bytes differ from the file");
}

#[tokio::test]
async fn image_bytes_are_a_gif() {
    if !common::server_up("gopher", common::GOPHER) {
        return;
    }
    let link = gopher_link(&format!("gopher://{}/g/files/pixel.gif", common::GOPHER));
    let raw = gopher::fetch(&link, &Limits::default(), |_| {})
        .await
        .expect("fetch");
    assert!(raw.starts_with(b"GIF89a"));
    let on_disk = std::fs::read(common::srv().join("gopher/files/pixel.gif")).expect("file");
    assert_eq!(raw, on_disk);
}

#[tokio::test]
async fn eight_bit_text_is_detected() {
    if !common::server_up("gopher", common::GOPHER) {
        return;
    }
    for (selector, charset, expected) in [
        ("/cgi-bin/cp437", Charset::Cp437, "╔════╗"),
        ("/cgi-bin/latin1", Charset::Latin1, "café crème"),
        ("/text/utf8.txt", Charset::Utf8, "Grüße aus UTF-8 ☃"),
    ] {
        let link = gopher_link(&format!("gopher://{}/0{selector}", common::GOPHER));
        let raw = gopher::fetch(&link, &Limits::default(), |_| {})
            .await
            .expect("fetch");
        assert_eq!(Charset::detect(&raw), charset, "{selector}");
        assert!(charset.decode(&raw).contains(expected), "{selector}");
    }
}

#[tokio::test]
async fn big_menu_parses_completely() {
    if !common::server_up("gopher", common::GOPHER) {
        return;
    }
    let link = gopher_link(&format!("gopher://{}/1/big", common::GOPHER));
    let raw = gopher::fetch(&link, &Limits::default(), |_| {})
        .await
        .expect("fetch");
    let menu = gopher::parse_menu(&raw, "localhost", 7070);
    let items = menu.items.iter().filter(|i| i.item_type == b'0').count();
    assert_eq!(items, 2000);
}
