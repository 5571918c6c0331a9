//! A message with a 20 MB attachment submitted to the local exim (STARTTLS, AUTH PLAIN) by
//! Portolan's SMTP client and by `curl smtp://... -T` with the same bytes, alternating, in one
//! run; plus the time to build the message from the draft. Prints numbers; asserts nothing.
//! Needs the test servers (`scripts/test-servers.sh start`). Run with
//! `cargo bench --bench smtp_send`.
#![allow(clippy::print_stdout)]

#[path = "common/mod.rs"]
mod common;
use common::median;
use std::path::PathBuf;
use std::time::Instant;

use portolan::mail::compose::Draft;
use portolan::mail::compose::build::{self, Part};
use portolan::proto::net::Limits;
use portolan::proto::smtp::{self, SmtpServer};
use portolan::proto::tls::{TlsMode, Trust};

const RUNS: usize = 5;

fn srv() -> PathBuf {
    PathBuf::from(std::env::var("PORTOLAN_SRV").unwrap_or_else(|_| "/tmp/portolan-srv".into()))
}

fn main() {
    if std::net::TcpStream::connect("127.0.0.1:2525").is_err() {
        println!("exim is not running on 127.0.0.1:2525: run scripts/test-servers.sh start");
        return;
    }
    portolan::proto::tls::install_crypto_provider();
    let ca = srv().join("tls/ca.pem");
    let trust = Trust::new(Trust::load_pem(&ca).expect("ca")).expect("trust");
    // Random bytes: base64 makes them 27 MB on the wire, as a photo or an archive would be.
    let mut bytes = vec![0u8; 20 * 1024 * 1024];
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for b in &mut bytes {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *b = x as u8;
    }
    let draft = Draft {
        from: "postie@localhost".into(),
        to: "postie@localhost".into(),
        subject: "20 MB".into(),
        body: "The file.".into(),
        ..Draft::default()
    };
    let start = Instant::now();
    let built = build::build(
        &draft,
        vec![Part {
            name: "big.bin".into(),
            bytes,
        }],
        Vec::new(),
        std::time::SystemTime::now(),
    )
    .expect("build");
    let build_ms = start.elapsed().as_secs_f64() * 1000.0;
    let file = std::env::temp_dir().join(format!("portolan-smtp-bench-{}.eml", std::process::id()));
    std::fs::write(&file, &built.bytes).expect("write");
    let server = SmtpServer {
        host: "localhost".into(),
        port: 2525,
        tls: TlsMode::Explicit,
        user: "postie".into(),
        password: "secret".into(),
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        let t = Instant::now();
        let a = rt.block_on(smtp::send(
            &server,
            &trust,
            &Limits::default(),
            &built.envelope,
            &built.bytes,
        ));
        a.result.expect("sent");
        ours.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let status = std::process::Command::new("curl")
            .args(["-s", "--ssl-reqd", "--cacert"])
            .arg(&ca)
            .args([
                "--user",
                "postie:secret",
                "--mail-from",
                "postie@localhost",
                "--mail-rcpt",
                "postie@localhost",
                "-T",
            ])
            .arg(&file)
            .arg("smtp://localhost:2525")
            .status()
            .expect("curl");
        assert!(status.success(), "curl failed");
        theirs.push(t.elapsed().as_secs_f64());
    }
    let _ = std::fs::remove_file(&file);
    let (p, c) = (median(ours), median(theirs));
    let mb = built.bytes.len() as f64 / 1e6;
    println!(
        "20 MB attachment ({mb:.1} MB message) to exim, STARTTLS + AUTH, median of {RUNS}: portolan {p:.3} s ({:.0} MB/s), curl -T {c:.3} s ({:.0} MB/s), portolan/curl {:.2}; building the message {build_ms:.0} ms",
        mb / p,
        mb / c,
        p / c
    );
}
