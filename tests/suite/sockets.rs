//! Raw TCP from the command line against real peers: socat's echo server, OpenBSD netcat
//! receiving and sending a file, two of our own ends chatting, and a peer that breaks off in
//! the middle of a file.

use std::io::{Read as _, Write as _};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::common;

fn portolan() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_portolan"));
    c.env_remove("RUST_LOG");
    c
}

/// A port of this file's own, below the range the system hands out for port 0 (32768 and
/// up): another test that took a free port from the system and let it go for a moment (to
/// have a port where nothing listens) cannot be given one of these.
fn own_port(n: u16) -> u16 {
    21070 + n
}

/// Waits until something listens on `port`, seen in the kernel's socket table: a probe
/// connection would be the listener's first (and, with `nc -l`, only) peer.
pub(crate) fn wait_listening(port: u16) {
    let wanted = format!(":{port:04X} ");
    let listening = || {
        ["/proc/net/tcp", "/proc/net/tcp6"].iter().any(|table| {
            std::fs::read_to_string(table).is_ok_and(|t| {
                t.lines().skip(1).any(|l| {
                    let fields: Vec<&str> = l.split_whitespace().collect();
                    fields
                        .get(1)
                        .is_some_and(|local| format!("{local} ").ends_with(&wanted))
                        && fields.get(3) == Some(&"0A")
                })
            })
        })
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !listening() {
        assert!(
            std::time::Instant::now() < deadline,
            "nothing listens on {port}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Bytes that are not text, so a transfer that changed any would show.
pub(crate) fn blob(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 % 251) as u8).collect()
}

#[test]
fn tcp_talks_to_socats_echo_server() {
    if !common::server_up("socat echo", "127.0.0.1:7007") {
        return;
    }
    let mut child = portolan()
        .args(["tcp", "127.0.0.1:7007"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run");
    let sent = blob(300_000);
    let mut stdin = child.stdin.take().expect("stdin");
    let input = sent.clone();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().expect("wait");
    writer.join().expect("writer").expect("written");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout == sent, "the echo differs from what was sent");
}

/// Each line a datagram to socat's UDP echo server; the replies come back (in any order: socat
/// answers each datagram from a process of its own). Nothing listening: said, not hung.
#[test]
fn udp_lines_go_as_datagrams_and_the_replies_are_printed() {
    if !common::server_up("socat echo", "127.0.0.1:7007") {
        return;
    }
    let mut child = portolan()
        .args(["udp", "127.0.0.1:7008", "--wait", "1"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all("one\ntwo, ünïcode\nthree\n".as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut lines: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    lines.sort();
    assert_eq!(lines, ["one", "three", "two, ünïcode"]);

    let quiet = portolan()
        .args([
            "udp",
            &format!("127.0.0.1:{}", own_port(9)),
            "--wait",
            "0.3",
        ])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run");
    let out = quiet.wait_with_output().expect("wait");
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no reply from 127.0.0.1:"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn two_of_our_own_ends_chat() {
    let port = own_port(1);
    let mut listener = portolan()
        .args(["listen", &port.to_string(), "--once"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("listen");
    wait_listening(port);
    let mut client = portolan()
        .args(["tcp", &format!("127.0.0.1:{port}")])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tcp");
    client
        .stdin
        .take()
        .expect("stdin")
        .write_all("hello from the client, ünïcode\n".as_bytes())
        .expect("client writes");
    listener
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"hello from the listener\n")
        .expect("listener writes");
    let heard_by_listener = listener.wait_with_output().expect("listener ends");
    let heard_by_client = client.wait_with_output().expect("client ends");
    assert!(heard_by_listener.status.success());
    assert!(heard_by_client.status.success());
    assert_eq!(
        String::from_utf8_lossy(&heard_by_listener.stdout),
        "hello from the client, ünïcode\n"
    );
    assert_eq!(
        String::from_utf8_lossy(&heard_by_client.stdout),
        "hello from the listener\n"
    );
    let said = String::from_utf8_lossy(&heard_by_listener.stderr);
    assert!(
        said.contains(&format!("listening on 127.0.0.1:{port}")),
        "{said}"
    );
    assert!(said.contains("connection from 127.0.0.1:"), "{said}");
}

#[test]
fn a_file_to_nc_and_one_from_nc_arrive_whole() {
    if !common::server_up("socat echo", "127.0.0.1:7007") {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("blob.bin");
    let data = blob(3_000_000);
    std::fs::write(&file, &data).expect("write");

    // To `nc -l`.
    let port = own_port(2);
    let caught = dir.path().join("caught-by-nc.bin");
    let mut nc = Command::new("nc.openbsd")
        .args(["-l", "127.0.0.1", &port.to_string()])
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&caught).expect("nc's output file"))
        .spawn()
        .expect("nc -l (netcat-openbsd, installed by the test scripts)");
    wait_listening(port);
    let sent = portolan()
        .args(["send-file"])
        .arg(&file)
        .arg(format!("127.0.0.1:{port}"))
        .output()
        .expect("send-file");
    assert!(
        sent.status.success(),
        "{}",
        String::from_utf8_lossy(&sent.stderr)
    );
    assert!(nc.wait().expect("nc").success());
    let got = std::fs::read(&caught).expect("what nc caught");
    assert!(got == data, "nc received {} bytes, not the file", got.len());
    assert!(String::from_utf8_lossy(&sent.stderr).contains("3000000 bytes"));

    // From `nc`, into a file named here.
    let port = own_port(3);
    let target = dir.path().join("received.bin");
    let listener = portolan()
        .args(["listen", &port.to_string(), "--receive"])
        .arg(&target)
        .stderr(Stdio::piped())
        .spawn()
        .expect("listen --receive");
    wait_listening(port);
    let status = Command::new("nc.openbsd")
        .args(["-N", "127.0.0.1", &port.to_string()])
        .stdin(std::fs::File::open(&file).expect("open"))
        .status()
        .expect("nc");
    assert!(status.success());
    let done = listener.wait_with_output().expect("listener");
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    assert!(std::fs::read(&target).expect("received") == data);
    assert!(!dir.path().join("received.bin.part").exists());
}

/// A peer that breaks the connection off (a reset) in the middle: the listener says so in
/// words, fails, and keeps what arrived in FILE.part; FILE is not made.
#[test]
fn a_peer_that_breaks_off_mid_file_leaves_the_part() {
    let dir = tempfile::tempdir().expect("tmp");
    let target = dir.path().join("half.bin");
    let port = own_port(4);
    let mut listener = portolan()
        .args(["listen", &port.to_string(), "--receive"])
        .arg(&target)
        .stderr(Stdio::piped())
        .spawn()
        .expect("listen --receive");
    wait_listening(port);
    let mut peer = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    let half = blob(100_000);
    peer.write_all(&half).expect("half");
    peer.flush().expect("flush");
    std::thread::sleep(Duration::from_millis(200));
    socket2::SockRef::from(&peer)
        .set_linger(Some(Duration::ZERO))
        .expect("linger 0: close with a reset");
    drop(peer);
    let mut said = String::new();
    listener
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut said)
        .expect("stderr");
    let status = listener.wait().expect("listener");
    assert!(!status.success(), "a broken-off transfer is a failure");
    assert!(said.contains("broke the connection off"), "{said}");
    assert!(said.contains("half.bin.part"), "{said}");
    assert!(!target.exists(), "no file made from half the bytes");
    let part = std::fs::read(dir.path().join("half.bin.part")).expect("the part is kept");
    assert!(
        part == half,
        "the part holds what arrived ({} bytes)",
        part.len()
    );
}
