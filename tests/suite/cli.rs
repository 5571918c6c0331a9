//! The command line as a user runs it: output, exit status, and one-line errors.

use crate::common;
use std::process::Command;

fn portolan() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_portolan"));
    c.env_remove("RUST_LOG");
    c
}

#[test]
fn ls_json_prints_one_object_per_menu_item() {
    if !common::server_up("gopher", common::GOPHER) {
        return;
    }
    let out = portolan()
        .args(["ls", "--json", &format!("gopher://{}/", common::GOPHER)])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .expect("utf8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    let about = lines
        .iter()
        .find(|v| v["display"] == "About this server")
        .expect("about item");
    assert_eq!(about["type"], "0");
    assert_eq!(about["selector"], "/about.txt");
    assert_eq!(about["host"], "localhost");
    assert_eq!(about["port"], 7070);
    assert_eq!(about["url"], "gopher://localhost:7070/0/about.txt");
    let keys: Vec<&String> = about.as_object().expect("object").keys().collect();
    assert_eq!(keys, ["type", "display", "selector", "host", "port", "url"]);
    let info = lines.iter().find(|v| v["type"] == "i").expect("info line");
    assert!(info.get("url").is_none());
}

#[test]
fn get_writes_a_file_identical_to_the_original() {
    if !common::server_up("gopher", common::GOPHER) {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let target = dir.path().join("blob.bin");
    let out = portolan()
        .args(["get", "gopher://[::1]:7070/9/files/blob.bin", "-o"])
        .arg(&target)
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let original = std::fs::read(common::srv().join("gopher/files/blob.bin")).expect("orig");
    assert!(std::fs::read(&target).expect("downloaded") == original);
    assert!(!dir.path().join("blob.bin.part").exists());
}

#[test]
fn https_needs_the_cacert_and_works_with_it() {
    if !common::server_up("https", common::HTTPS) {
        return;
    }
    let url = format!("https://{}/page2.html", common::HTTPS);
    let out = portolan().args(["get", &url]).output().expect("run");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with(
            "error: the certificate of localhost was issued by CN=Portolan Test CA, \
             which is not a trusted authority"
        ),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    let out = portolan()
        .args(["get", &url, "--cacert"])
        .arg(common::ca_pem())
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("The second page"));
}

#[test]
fn http_errors_and_usage_errors_have_their_exit_codes() {
    if !common::server_up("http", common::HTTP) {
        return;
    }
    let out = portolan()
        .args(["get", &format!("http://{}/missing-page", common::HTTP)])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: "));
    assert!(String::from_utf8_lossy(&out.stderr).contains("404"));
    let out = portolan().args(["get"]).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    let out = portolan().args(["get", "nonsense"]).output().expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: not a URL"));
}

#[test]
fn unreachable_server_is_one_line_naming_it() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port");
    let out = portolan()
        .args(["get", &format!("gopher://127.0.0.1:{port}/")])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with(&format!("error: cannot connect to 127.0.0.1:{port}")),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"));
}

#[test]
fn ls_lists_the_links_of_a_web_page() {
    if !common::server_up("http", common::HTTP) {
        return;
    }
    let out = portolan()
        .args(["ls", "--json", &format!("http://{}/", common::HTTP)])
        .output()
        .expect("run");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("\"url\":\"http://127.0.0.1:8080/page2.html\""),
        "{text}"
    );
}

#[test]
fn ftp_ls_get_continue_and_put() {
    if !common::server_up("vsftpd", "127.0.0.1:2121") {
        return;
    }
    let ca = common::ca_pem();
    let run = |args: &[&str]| {
        portolan()
            .env("PORTOLAN_PASSWORD", "secret")
            .args(args)
            .args(["--user", "tester", "--cacert"])
            .arg(&ca)
            .output()
            .expect("run")
    };
    let out = run(&["ls", "--json", "ftp://localhost:2121/"]);
    let lines = common::json_lines(&out);
    let hello = lines
        .iter()
        .find(|v| v["name"] == "hello.txt")
        .expect("hello");
    let keys: Vec<&String> = hello.as_object().expect("object").keys().collect();
    assert_eq!(keys, ["name", "kind", "size", "modified", "target"]);
    assert_eq!(hello["kind"], "file");
    assert_eq!(hello["size"], 15);
    assert!(hello["modified"].as_str().is_some_and(|m| m.ends_with('Z')));
    assert!(lines.iter().any(|v| v["name"] == "café.txt"));

    // An interrupted download continues from the .part file.
    let dir = tempfile::tempdir().expect("tmp");
    let target = dir.path().join("blob.bin");
    let original = std::fs::read(common::srv().join("ftp/home/tester/blob.bin")).expect("orig");
    std::fs::write(dir.path().join("blob.bin.part"), &original[..123_457]).expect("part");
    let out = run(&[
        "get",
        "ftp://localhost:2124/blob.bin",
        "--continue",
        "-o",
        target.to_str().expect("utf8"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(std::fs::read(&target).expect("file") == original);

    let up = dir.path().join("cli-upload.txt");
    std::fs::write(&up, b"uploaded by the command line\n").expect("write");
    let out = run(&[
        "put",
        up.to_str().expect("utf8"),
        "ftp://localhost:2121/upload/",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stored =
        std::fs::read(common::srv().join("ftp/home/tester/upload/cli-upload.txt")).expect("stored");
    assert_eq!(stored, b"uploaded by the command line\n");
}

/// `--cacert` with a self-signed certificate made by `openssl req -x509` (CA:TRUE) works as
/// it does with curl; without it, the error says the certificate is self-signed, in words.
#[test]
fn https_with_a_named_self_signed_ca_certificate() {
    const SELF_SIGNED: &str = "localhost:8444";
    if !common::server_up("https self-signed", SELF_SIGNED) {
        return;
    }
    let url = format!("https://{SELF_SIGNED}/page2.html");
    let out = portolan().args(["get", &url]).output().expect("run");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("self-signed"), "{stderr}");
    assert!(stderr.contains("--cacert"), "{stderr}");
    assert!(
        !stderr.contains("CaUsedAsEndEntity") && !stderr.contains("OtherError"),
        "{stderr}"
    );
    let out = portolan()
        .args(["get", &url, "--cacert"])
        .arg(common::srv().join("tls/selfsigned.pem"))
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("The second page"));
}

/// `get telnet://` prints the screen a user would see: telnetd's login prompt on a screen of
/// the size asked for.
#[test]
fn a_telnet_screen_is_printed_as_text() {
    if !common::server_up("telnetd", "127.0.0.1:2323") {
        return;
    }
    let out = portolan()
        .args([
            "get",
            "telnet://127.0.0.1:2323/",
            "--screen",
            "100x30",
            "--idle",
            "1.5",
        ])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let screen = String::from_utf8(out.stdout).expect("UTF-8");
    let rows: Vec<&str> = screen.lines().collect();
    assert_eq!(rows.len(), 30, "{screen}");
    assert!(
        rows.iter()
            .all(|r| r.chars().count() <= 100 && !r.ends_with(' '))
    );
    assert!(
        rows.iter().any(|r| r.trim_end().ends_with("login:")),
        "{screen}"
    );
}

/// A BBS-like host in-process: it asks for the terminal type, probes for ANSI with a cursor
/// position query, and draws CP437 art in colour. The screen shows the art as drawn, never a
/// replacement mark, and the query was answered.
#[test]
fn a_bbs_screen_in_cp437_with_an_ansi_probe() {
    use std::io::{Read as _, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let server = std::thread::spawn(move || {
        let (mut c, _) = listener.accept().expect("accept");
        c.set_read_timeout(Some(std::time::Duration::from_secs(5)))
            .expect("timeout");
        // IAC DO TTYPE, then IAC SB TTYPE SEND IAC SE once it agreed.
        c.write_all(&[255, 253, 24]).expect("write");
        let mut got = Vec::new();
        let mut buf = [0u8; 256];
        while !got.windows(3).any(|w| w == [255, 251, 24]) {
            let n = c.read(&mut buf).expect("read");
            assert!(n > 0, "closed");
            got.extend_from_slice(&buf[..n]);
        }
        c.write_all(&[255, 250, 24, 1, 255, 240]).expect("write");
        // The ANSI probe: where is the cursor?
        c.write_all(b"\x1b[2J\x1b[H\x1b[6n").expect("write");
        while !got.windows(6).any(|w| w == b"\x1b[1;1R") {
            let n = c.read(&mut buf).expect("read");
            assert!(n > 0, "closed");
            got.extend_from_slice(&buf[..n]);
        }
        c.write_all(b"\x1b[1;33m\xc9\xcd\xcd\xbb\r\n\xba\x1b[0mhi\x1b[1;33m\xba\r\n\xc8\xcd\xcd\xbc\x1b[0m\r\n")
            .expect("art");
        got
    });
    let out = portolan()
        .args([
            "get",
            &format!("telnet://127.0.0.1:{port}/"),
            "--screen",
            "40x5",
        ])
        .args(["--idle", "1"])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got = server.join().expect("server");
    let screen = String::from_utf8(out.stdout).expect("UTF-8");
    let rows: Vec<&str> = screen.lines().collect();
    assert_eq!(&rows[..3], &["╔══╗", "║hi║", "╚══╝"], "{screen}");
    assert!(!screen.contains('\u{fffd}'));
    // TTYPE IS ANSI, and the cursor position report for row 1, column 1.
    assert!(got.windows(4).any(|w| w == b"ANSI"), "{got:?}");
    assert!(got.windows(6).any(|w| w == b"\x1b[1;1R"), "{got:?}");
}

/// The URL inspector: the parts as JSON (a password never among them), and a bad URL is one
/// line of error with status 1.
#[test]
fn url_shows_the_parts_and_refuses_what_is_not_a_url() {
    let out = portolan()
        .args([
            "url",
            "--json",
            "ftp://anna:secret@Files.Example.org/pub/read%20me.txt",
        ])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(v["host"], "files.example.org");
    assert_eq!(v["host_typed"], "Files.Example.org");
    assert_eq!(v["port"], 21);
    assert_eq!(v["path"], "/pub/read me.txt");
    assert_eq!(v["user"], "anna");
    assert_eq!(v["panel"], "Files");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("secret"));

    let out = portolan().args(["url", "gopher://"]).output().expect("run");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn version_names_the_commit() {
    let out = portolan().arg("--version").output().expect("run");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with(&format!("portolan {} (commit ", env!("CARGO_PKG_VERSION"))),
        "{text}"
    );
    let commit = text
        .trim()
        .trim_end_matches(')')
        .rsplit(' ')
        .next()
        .unwrap_or_default()
        .to_string();
    assert!(
        commit == "unknown"
            || (commit.len() == 12 && commit.chars().all(|c| c.is_ascii_hexdigit())),
        "{text}"
    );
}

#[test]
fn completions_and_man_pages_come_from_the_argument_definitions() {
    let run = |args: &[&str]| portolan().args(args).output().expect("run");
    for (shell, mark) in [
        ("bash", "_portolan()"),
        ("zsh", "#compdef portolan"),
        ("fish", "complete -c portolan"),
    ] {
        let out = run(&["completions", shell]);
        assert!(out.status.success(), "{shell}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(mark), "{shell}: {text}");
        assert!(
            text.contains("xmlrpc") && text.contains("send-file"),
            "{shell}"
        );
    }
    let dir = tempfile::tempdir().expect("tmp");
    let out = run(&["manpages", &dir.path().to_string_lossy()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let main = std::fs::read_to_string(dir.path().join("portolan.1")).expect("portolan.1");
    assert!(main.contains(".TH portolan 1"), "{main}");
    let dns = std::fs::read_to_string(dir.path().join("portolan-dns.1")).expect("portolan-dns.1");
    assert!(
        dns.contains("portolan dns") && dns.contains("\\-\\-server"),
        "{dns}"
    );
    // The hidden generators have no pages of their own.
    assert!(!dir.path().join("portolan-completions.1").exists());
}
