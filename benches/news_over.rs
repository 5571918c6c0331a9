//! News figures against the local INN, printed, never asserted (scripts/bench.sh runs it after
//! starting the servers):
//! - OVER of the 100,000-article group into the store (every header stored and searchable)
//!   against a raw socket draining the same OVER and Python's nntplib, in one run;
//! - filtering 100,000 group names per keystroke.
#![allow(clippy::print_stdout)]

#[path = "common/mod.rs"]
mod common;
use common::{cpu_seconds, median};
use std::io::{BufRead as _, BufReader, Write as _};
use std::net::TcpStream;
use std::time::Instant;

use portolan::mail::search::Query;
use portolan::news::groups::GroupFilter;
use portolan::proto::net::Limits;
use portolan::proto::nntp::{NntpServer, NntpSession};
use portolan::proto::tls::{TlsMode, Trust};
use portolan::store::Store;
use portolan::store::mail::{self, Account};
use portolan::store::news::{self, GroupEntry};
use portolan::workers::news::fetch_headers;

const GROUP: &str = "test.bulk";

/// GROUP then OVER of the whole group over a raw socket, read to the final dot.
fn raw_drain() -> (f64, usize) {
    let s = TcpStream::connect("127.0.0.1:1119").expect("INN");
    let mut r = BufReader::with_capacity(1 << 20, s.try_clone().expect("clone"));
    let mut w = s;
    let mut line = Vec::new();
    r.read_until(b'\n', &mut line).expect("greeting");
    let start = Instant::now();
    write!(w, "GROUP {GROUP}\r\n").expect("send");
    line.clear();
    r.read_until(b'\n', &mut line).expect("group");
    let text = String::from_utf8_lossy(&line).into_owned();
    let mut f = text.split_whitespace().skip(2);
    let (first, last) = (f.next().unwrap_or("1"), f.next().unwrap_or("1"));
    write!(w, "OVER {first}-{last}\r\n").expect("send");
    let mut bytes = 0;
    loop {
        line.clear();
        let n = r.read_until(b'\n', &mut line).expect("read");
        assert!(n > 0, "closed");
        bytes += n;
        if line == b".\r\n" {
            break;
        }
    }
    (start.elapsed().as_secs_f64(), bytes)
}

fn nntplib() -> Option<f64> {
    let script = format!(
        "import warnings\nwarnings.simplefilter('ignore')\nimport nntplib,time\n\
         s=nntplib.NNTP('127.0.0.1',1119)\nt=time.time()\n_,c,f,l,_=s.group('{GROUP}')\n\
         s.over((f,l))\nprint(time.time()-t)\n"
    );
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

/// A news account for the local INN with the bulk group subscribed: the group's folder.
fn subscribed_folder(store: &Store) -> i64 {
    store
        .mail_wait(|c| {
            let account = mail::save_account(
                c,
                &Account {
                    name: "bench".into(),
                    kind: "nntp".into(),
                    host: "127.0.0.1".into(),
                    port: 1119,
                    tls: "plain".into(),
                    ..Account::default()
                },
            )?;
            news::subscribe(c, account, GROUP)
        })
        .expect("subscribed")
}

async fn ours(trust: &std::sync::Arc<Trust>, store: &Store) -> (f64, f64, u64) {
    let folder = subscribed_folder(store);
    let server = NntpServer {
        host: "127.0.0.1".into(),
        port: 1119,
        tls: TlsMode::Plain,
        user: String::new(),
        password: String::new(),
    };
    let mut s = NntpSession::connect(&server, trust, &Limits::default())
        .await
        .expect("connect");
    // LIST OVERVIEW.FMT is read once per session, before the clock starts, as the raw drain
    // knows the format.
    s.overview_format().await.expect("format");
    let start = Instant::now();
    let cpu = cpu_seconds();
    let (stats, _) = fetch_headers(&mut s, store, folder, GROUP, None, |_| {})
        .await
        .expect("headers");
    let took = start.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu;
    s.quit().await;
    (took, cpu, stats.read)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    portolan::proto::tls::install_crypto_provider();
    let trust = Trust::new(Vec::new()).expect("trust");
    if TcpStream::connect("127.0.0.1:1119").is_err() {
        println!("INN is not running on 127.0.0.1:1119: run scripts/test-servers.sh start");
        return;
    }
    let (warm, _) = raw_drain();
    println!("INN warm-up OVER: {warm:.2} s");
    let dir = tempfile::tempdir().expect("tmp");
    let (mut raws, mut pys, mut mine, mut mine_cpu) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut bytes = 0;
    let mut last_store = None;
    for run in 0..3 {
        let (raw, b) = raw_drain();
        raws.push(raw);
        bytes = b;
        if let Some(p) = nntplib() {
            pys.push(p);
        }
        let store = Store::open(&dir.path().join(format!("run{run}.db"))).expect("store");
        let (t, cpu, n) = ours(&trust, &store).await;
        assert_eq!(n, 100_000, "every article");
        mine.push(t);
        mine_cpu.push(cpu);
        last_store = Some(store);
    }
    // Where the time goes: OVER read and parsed with nothing stored; and the same batches
    // stored with no network (the store thread's own time).
    let (mut parse_only, mut parse_cpu) = (Vec::new(), Vec::new());
    let mut kept: Vec<Vec<portolan::proto::nntp::Overview>> = Vec::new();
    for _ in 0..3 {
        let server = NntpServer {
            host: "127.0.0.1".into(),
            port: 1119,
            tls: TlsMode::Plain,
            user: String::new(),
            password: String::new(),
        };
        let mut s = NntpSession::connect(&server, &trust, &Limits::default())
            .await
            .expect("connect");
        s.overview_format().await.expect("format");
        let start = Instant::now();
        let cpu = cpu_seconds();
        let g = s.select(GROUP).await.expect("group");
        let mut n = 0;
        kept.clear();
        s.over(g.first, g.last, encoding_rs::WINDOWS_1252, |b| {
            n += b.len();
            kept.push(b);
        })
        .await
        .expect("over");
        parse_only.push(start.elapsed().as_secs_f64());
        parse_cpu.push(cpu_seconds() - cpu);
        s.quit().await;
    }
    println!(
        "news OVER read and parsed, nothing stored: {:.2} s ({:.2} s of our CPU)",
        median(parse_only),
        median(parse_cpu)
    );
    let mut store_only = Vec::new();
    for run in 0..3 {
        let store = Store::open(&dir.path().join(format!("only{run}.db"))).expect("store");
        let folder = subscribed_folder(&store);
        let batches = kept.clone();
        let start = Instant::now();
        store
            .mail_wait(move |c| {
                for b in &batches {
                    news::store_overviews(c, folder, b, true)?;
                }
                Ok(())
            })
            .expect("stored");
        store.wait_for_index().expect("indexed");
        store_only.push(start.elapsed().as_secs_f64());
    }
    println!(
        "news: the same 100,000 overviews stored with no network: {:.2} s",
        median(store_only)
    );
    let (raw, ours_t) = (median(raws), median(mine));
    println!(
        "news OVER of 100,000 articles ({:.1} MB): raw socket {raw:.2} s   portolan into the \
         store {ours_t:.2} s   nntplib: {}   portolan/raw: {:.2}",
        bytes as f64 / 1e6,
        if pys.is_empty() {
            "not available".to_string()
        } else {
            format!("{:.2} s", median(pys))
        },
        ours_t / raw
    );
    println!(
        "news OVER into the store used {:.2} s of our CPU (both cores: the server's work is not counted)",
        median(mine_cpu)
    );
    if let Some(store) = last_store {
        let start = Instant::now();
        let found = store
            .mail_wait(|c| mail::search(c, &[], &Query::parse("\"Bulk thread 4321\""), 50))
            .expect("search");
        println!(
            "news search over the stored 100,000 headers: {} found in {:.1} ms",
            found.len(),
            start.elapsed().as_secs_f64() * 1000.0
        );
    }
    // The group browser's filter over 100,000 names, one keystroke at a time.
    let groups: Vec<GroupEntry> = (0..100_000)
        .map(|i| GroupEntry {
            name: format!(
                "{}.{}.group{i}",
                ["comp", "rec", "sci", "alt", "de"][i % 5],
                ["lang", "arts", "misc", "binaries", "talk"][(i / 5) % 5]
            ),
            description: format!("Discussion number {i}"),
            ..GroupEntry::default()
        })
        .collect();
    let mut worst: f64 = 0.0;
    let mut total = 0.0;
    let typed = "comp.lang.group4";
    for end in 1..=typed.len() {
        let start = Instant::now();
        let hits = GroupFilter::new(&typed[..end]).apply(&groups);
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        std::hint::black_box(hits);
        worst = worst.max(ms);
        total += ms;
    }
    println!(
        "group filter over 100,000 names: {:.2} ms per keystroke on average, {worst:.2} ms at worst",
        total / typed.len() as f64
    );
}
