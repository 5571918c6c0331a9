//! Mail figures against the local dovecot, printed, never asserted (scripts/bench.sh runs it
//! after starting the servers):
//! - a 100,000-message folder: the first sync of its summaries into the store against a raw
//!   socket draining the same UID FETCH and Python's imaplib, in one run; a second sync with
//!   nothing changed;
//! - search latency per keystroke over the 100,000 cached messages; resident memory with the
//!   folder's list loaded; CPU used while IDLE waits;
//! - POP3: 1,000 messages downloaded into the store against a raw socket loop of RETR.
#![allow(clippy::print_stdout)]

#[path = "common/mod.rs"]
mod common;
use common::{cpu_seconds, median, thread_cpu_seconds};
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use portolan::mail::search::Query;
use portolan::proto::imap::{ImapServer, ImapSession, head_query};
use portolan::proto::net::Limits;
use portolan::proto::pop3::{Pop3Server, Pop3Session};
use portolan::proto::tls::{TlsMode, Trust};
use portolan::store::Store;
use portolan::store::mail::{self as records, Account, FolderInfo, Sort};
use portolan::workers::mail_sync::{sync_imap_folder, sync_pop3};

const MESSAGES: usize = 100_000;
const POP_MESSAGES: usize = 1_000;
/// Measured first syncs, each in turn with a raw drain and imaplib: the machine's noise
/// moves one run by a tenth or more, and the median of five is not moved by one such run.
const RUNS: usize = 5;

fn srv() -> PathBuf {
    PathBuf::from(std::env::var("PORTOLAN_SRV").unwrap_or_else(|_| "/tmp/portolan-srv".into()))
}

/// Writes `count` small messages straight into a Maildir, names carrying their sizes and
/// mtimes their dates, as a mail server's delivery would leave them.
fn populate(maildir: &Path, count: usize) {
    let cur = maildir.join("cur");
    let have = std::fs::read_dir(&cur).map_or(0, Iterator::count);
    if have >= count {
        return;
    }
    println!("writing {count} messages into {}", maildir.display());
    let owner = std::fs::metadata(maildir).expect("maildir");
    let (uid, gid) = (owner.uid(), owner.gid());
    let names = [
        "Alice Archer",
        "Bob Baker",
        "Carol Cook",
        "Dave Dyer",
        "Erin Evans",
        "Frank Fox",
    ];
    let words = [
        "report", "meeting", "budget", "invoice", "holiday", "release", "review", "lunch",
    ];
    for i in have..count {
        let who = names[i % names.len()];
        let what = words[i % words.len()];
        let when = 1_600_000_000 + i as i64 * 600;
        let refs = if i % 3 == 0 || i == 0 {
            String::new()
        } else {
            format!(
                "In-Reply-To: <m{}@bulk.test>\r\nReferences: <m{}@bulk.test>\r\n",
                i - 1,
                i - 1
            )
        };
        let body = format!(
            "From: {who} <{}@example.test>\r\nTo: bulk@localhost\r\nSubject: {what} number {i}\r\n\
             Date: {}\r\nMessage-ID: <m{i}@bulk.test>\r\n{refs}\r\nThe {what} for item {i} is attached below.\r\n",
            who.split(' ').next().unwrap_or("x").to_lowercase(),
            rfc2822(when)
        );
        let name = format!(
            "{when}.M{i}P1.bench,S={},W={}:2,{}",
            body.len(),
            body.len(),
            if i % 2 == 0 { "S" } else { "" }
        );
        let path = cur.join(name);
        std::fs::write(&path, body.as_bytes()).expect("write");
        let _ = std::os::unix::fs::chown(&path, Some(uid), Some(gid));
    }
}

fn rfc2822(secs: i64) -> String {
    let iso = portolan::mail::summary::rfc3339_utc(secs);
    // 2020-09-13T12:26:40Z -> 13 Sep 2020 12:26:40 +0000
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let m: usize = iso[5..7].parse().unwrap_or(1);
    format!(
        "{} {} {} {} +0000",
        &iso[8..10],
        months[m - 1],
        &iso[0..4],
        &iso[11..19]
    )
}

/// Logs in over a raw socket and drains `UID FETCH 1:* <query>` to its tagged OK.
fn raw_drain(user: &str, query: &str) -> (f64, usize) {
    let s = TcpStream::connect("127.0.0.1:1143").expect("dovecot");
    let mut r = BufReader::with_capacity(1 << 20, s.try_clone().expect("clone"));
    let mut w = s;
    let mut line = String::new();
    r.read_line(&mut line).expect("greeting");
    let start = Instant::now();
    write!(
        w,
        "A1 LOGIN {user} secret\r\nA2 SELECT INBOX\r\nA3 UID FETCH 1:* {query}\r\n"
    )
    .expect("send");
    let mut bytes = 0;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let n = r.read_until(b'\n', &mut buf).expect("read");
        assert!(n > 0, "closed");
        bytes += n;
        // Literals: read their bytes as they are announced.
        if let Some(len) = buf
            .strip_suffix(b"}\r\n")
            .and_then(|b| b.iter().rposition(|c| *c == b'{').map(|p| &b[p + 1..]))
            .and_then(|d| std::str::from_utf8(d).ok()?.parse::<usize>().ok())
        {
            let mut lit = vec![0; len];
            r.read_exact(&mut lit).expect("literal");
            bytes += len;
        }
        if buf.starts_with(b"A3 ") {
            break;
        }
    }
    (start.elapsed().as_secs_f64(), bytes)
}

fn imaplib(user: &str, query: &str) -> Option<f64> {
    let script = format!(
        "import imaplib,time\nm=imaplib.IMAP4('127.0.0.1',1143)\nt=time.time()\nm.login('{user}','secret')\n\
         m.select('INBOX')\nm.uid('fetch','1:*','{query}')\nprint(time.time()-t)\n"
    );
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

fn rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
        .unwrap_or(0)
}

fn cpu_ms() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let ticks: f64 = fields.get(11).and_then(|v| v.parse().ok()).unwrap_or(0.0)
        + fields.get(12).and_then(|v| v.parse().ok()).unwrap_or(0.0);
    ticks * 10.0
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    portolan::proto::tls::install_crypto_provider();
    let trust = Trust::new(Vec::new()).expect("trust");
    let limits = Limits::default();
    if TcpStream::connect("127.0.0.1:1143").is_err() {
        println!("dovecot is not running on 127.0.0.1:1143: run scripts/test-servers.sh start");
        return;
    }
    populate(&srv().join("mail/bulk/Maildir"), MESSAGES);
    let query_text = head_query(true).expect("query");
    let query = query_text.as_str();
    // The first FETCH after populating builds dovecot's cache; it is not what we measure.
    let (warm, _) = raw_drain("bulk", query);
    println!("dovecot warm-up FETCH (builds its cache): {warm:.2} s");
    let dir = tempfile::tempdir().expect("tmp");
    let mut ours = Vec::new();
    let mut ours_cpu = Vec::new();
    let mut ours_store_cpu = Vec::new();
    let mut ours_index_cpu = Vec::new();
    let mut raws = Vec::new();
    let mut pys = Vec::new();
    let mut second = Vec::new();
    let mut bytes = 0;
    let mut store_keep = None;
    // One first sync of ours before the measured ones, as dovecot had its warm-up FETCH:
    // the first in a process also pays for its threads, allocator and code coming in.
    for run in 0..=RUNS {
        let measured = run > 0;
        if measured {
            let (raw, b) = raw_drain("bulk", query);
            raws.push(raw);
            bytes = b;
            if let Some(p) = imaplib("bulk", query) {
                pys.push(p);
            }
        }
        let store = Store::open(&dir.path().join(format!("run{run}.db"))).expect("store");
        let account = Account {
            name: "bulk".into(),
            host: "127.0.0.1".into(),
            port: 1143,
            user: "bulk".into(),
            ..Account::default()
        };
        let id = store
            .mail_wait(move |c| records::save_account(c, &account))
            .expect("account");
        let infos = vec![FolderInfo {
            name: "INBOX".into(),
            role: Some("inbox".into()),
            selectable: true,
            ..FolderInfo::default()
        }];
        let folder = store
            .mail_wait(move |c| records::sync_folders(c, id, &infos))
            .expect("folders")
            .remove(0);
        let server = ImapServer {
            host: "127.0.0.1".into(),
            port: 1143,
            tls: TlsMode::Plain,
            user: "bulk".into(),
            password: "secret".into(),
        };
        let start = Instant::now();
        let cpu = cpu_seconds();
        let store_cpu = thread_cpu_seconds("store");
        let index_cpu = thread_cpu_seconds("store-index");
        let mut s = ImapSession::connect(&server, &trust, &limits)
            .await
            .expect("login");
        let report = sync_imap_folder(&mut s, &store, &folder, |_| {})
            .await
            .expect("sync");
        if measured {
            ours.push(start.elapsed().as_secs_f64());
            ours_cpu.push(cpu_seconds() - cpu);
            ours_store_cpu.push(thread_cpu_seconds("store") - store_cpu);
            ours_index_cpu.push(thread_cpu_seconds("store-index") - index_cpu);
        }
        assert_eq!(report.new, MESSAGES, "every header stored");
        // Every subject says "number": each stored header is found, once the sync answered.
        let found: i64 = store
            .call(|c| {
                c.query_row(
                    "SELECT count(*) FROM message_text WHERE message_text MATCH 'subject:number'",
                    [],
                    |r| r.get(0),
                )
            })
            .expect("call")
            .expect("count");
        assert_eq!(found, MESSAGES as i64, "every header searchable");
        let fid = folder.id;
        let row = store
            .mail_wait(move |c| records::folder(c, fid))
            .expect("folder")
            .expect("row");
        let start = Instant::now();
        let again = sync_imap_folder(&mut s, &store, &row, |_| {})
            .await
            .expect("sync");
        if measured {
            second.push(start.elapsed().as_secs_f64());
        }
        assert!(again.unchanged);
        s.logout().await;
        store_keep = Some((store, fid));
    }
    // Where the time goes: the same batches fetched and parsed by the IMAP client, not stored.
    let server = ImapServer {
        host: "127.0.0.1".into(),
        port: 1143,
        tls: TlsMode::Plain,
        user: "bulk".into(),
        password: "secret".into(),
    };
    let mut s = ImapSession::connect(&server, &trust, &limits)
        .await
        .expect("login");
    s.select("INBOX").await.expect("select");
    let start = Instant::now();
    let mut uids = s.search("ALL").await.expect("search");
    uids.sort_unstable_by(|a, b| b.cmp(a));
    let mut heads = Vec::with_capacity(MESSAGES);
    for chunk in portolan::workers::mail_sync::batches(&uids) {
        heads.extend(
            s.heads(&portolan::proto::imap::quote::sequence_set(chunk))
                .await
                .expect("fetch"),
        );
    }
    let fetch_only = start.elapsed().as_secs_f64();
    s.logout().await;
    assert_eq!(heads.len(), MESSAGES);
    // And the other side: reading the headers, then writing the rows and the index.
    let start = Instant::now();
    let parsed: Vec<records::NewMessage> = heads
        .into_iter()
        .map(|h| records::NewMessage {
            summary: Some(Box::new(portolan::mail::Summary::from_header(&h.header))),
            uid: h.uid,
            flags: h.flags,
            internal_date: h.internal_date,
            size: h.size,
            modseq: h.modseq,
            // As the sync does: the header block is read, not kept.
            header: Vec::new(),
            remote_id: None,
            ..records::NewMessage::default()
        })
        .collect();
    let parse_only = start.elapsed().as_secs_f64();
    let only = Store::open(&dir.path().join("store-only.db")).expect("store");
    let account = Account {
        name: "x".into(),
        host: "x".into(),
        ..Account::default()
    };
    let aid = only
        .mail_wait(move |c| records::save_account(c, &account))
        .expect("account");
    let only_folder = only
        .mail_wait(move |c| records::local_folder(c, aid, "INBOX", "inbox"))
        .expect("folder");
    let mut batches: Vec<Vec<records::NewMessage>> = Vec::new();
    let mut rest = parsed.into_iter().peekable();
    let mut size = portolan::workers::mail_sync::FIRST_BATCH;
    while rest.peek().is_some() {
        batches.push(rest.by_ref().take(size).collect());
        size = portolan::workers::mail_sync::BATCH;
    }
    let start = Instant::now();
    for b in batches {
        only.mail_wait(move |c| records::insert_batch(c, only_folder, &b, true))
            .expect("insert");
    }
    only.wait_for_index().expect("indexed");
    let store_only = start.elapsed().as_secs_f64();
    // Each sync over the raw drain of its own run, seconds before it: this machine's speed
    // drifts between runs, so the pairs are compared rather than the runs' medians.
    let ratios: Vec<f64> = ours.iter().zip(&raws).map(|(o, r)| o / r).collect();
    let each: Vec<String> = ratios.iter().map(|r| format!("{r:.2}")).collect();
    let (ours_m, raw_m) = (median(ours), median(raws));
    println!(
        "== first sync of {MESSAGES} summaries ({:.1} MB on the wire), median of {RUNS} runs, \
         each a raw drain, imaplib and ours in turn:\n  \
         portolan (fetch, parse, store, index): {ours_m:.2} s   raw socket drain: {raw_m:.2} s   \
         imaplib: {}   portolan/raw: {:.2} (median of each run's ratio)",
        bytes as f64 / 1e6,
        if pys.is_empty() {
            "n/a".to_string()
        } else {
            format!("{:.2} s", median(pys))
        },
        median(ratios)
    );
    println!(
        "   each run's ratio: {}; the ratio of the medians above: {:.2}",
        each.join(", "),
        ours_m / raw_m
    );
    println!(
        "   parts, one at a time: the IMAP client (the same batches fetched and parsed) \
         {fetch_only:.2} s; reading the headers (mail-parser) {parse_only:.2} s; writing the \
         rows and the index {store_only:.2} s"
    );
    println!(
        "   the first sync used {:.2} s of our CPU (all threads; dovecot's work is not counted), \
         {:.2} s of it on the store's thread and {:.2} s on the search index's",
        median(ours_cpu),
        median(ours_store_cpu),
        median(ours_index_cpu)
    );
    println!("== second sync, nothing changed: {:.3} s", median(second));
    let (store, fid) = store_keep.expect("a run");
    // Search as the user types it.
    let typed = "from:carol subject:budget";
    let mut lat = Vec::new();
    for end in 1..=typed.len() {
        let q = Query::parse(&typed[..end]);
        let start = Instant::now();
        let n = store
            .mail_wait(move |c| records::search(c, &[fid], &q, 2000))
            .expect("search")
            .len();
        lat.push((start.elapsed().as_secs_f64() * 1000.0, n));
    }
    let worst = lat.iter().map(|(t, _)| *t).fold(0.0, f64::max);
    let med = median(lat.iter().map(|(t, _)| *t).collect());
    println!(
        "== search per keystroke over {MESSAGES} messages, typing {typed:?}: median {med:.1} ms, worst {worst:.1} ms, {} results at the end",
        lat.last().map_or(0, |l| l.1)
    );
    for q in [
        "budget",
        "is:unread",
        "has:attachment",
        "before:2021-01-01 report",
    ] {
        let query = Query::parse(q);
        let start = Instant::now();
        let n = store
            .mail_wait(move |c| records::search(c, &[fid], &query, 2000))
            .expect("search")
            .len();
        println!(
            "   {q:?}: {:.1} ms ({n} results, at most 2000 shown)",
            start.elapsed().as_secs_f64() * 1000.0
        );
    }
    let before = rss_kb();
    let start = Instant::now();
    let rows = store
        .mail_wait(move |c| records::messages(c, fid, Sort::DateNewest))
        .expect("rows");
    println!(
        "== the folder's list loaded: {} rows in {:.0} ms, resident memory {} MB (+{} MB for the list)",
        rows.len(),
        start.elapsed().as_secs_f64() * 1000.0,
        rss_kb() / 1024,
        rss_kb().saturating_sub(before) / 1024
    );
    drop(rows);
    // CPU while IDLE waits with nothing happening.
    let server = ImapServer {
        host: "127.0.0.1".into(),
        port: 1143,
        tls: TlsMode::Plain,
        user: "bulk".into(),
        password: "secret".into(),
    };
    let mut s = ImapSession::connect(&server, &trust, &limits)
        .await
        .expect("login");
    s.select("INBOX").await.expect("select");
    let cpu = cpu_ms();
    let start = Instant::now();
    let (s, _) = s
        .idle(Duration::from_secs(10), std::future::pending::<()>())
        .await
        .expect("idle");
    println!(
        "== IDLE for {:.0} s with no news: {:.0} ms of CPU",
        start.elapsed().as_secs_f64(),
        cpu_ms() - cpu
    );
    s.logout().await;
    pop3(&trust, &limits, &dir).await;
}

async fn pop3(trust: &std::sync::Arc<Trust>, limits: &Limits, dir: &tempfile::TempDir) {
    populate(&srv().join("mail/pbulk/Maildir"), POP_MESSAGES);
    let server = Pop3Server {
        host: "127.0.0.1".into(),
        port: 1110,
        tls: TlsMode::Plain,
        user: "pbulk".into(),
        password: "secret".into(),
    };
    let mut ours = Vec::new();
    let mut raws = Vec::new();
    for run in 0..3 {
        // Raw: USER, PASS, then RETR 1..N, each drained to its final dot.
        let start = Instant::now();
        let s = TcpStream::connect("127.0.0.1:1110").expect("pop3");
        let mut r = BufReader::with_capacity(1 << 20, s.try_clone().expect("clone"));
        let mut w = s;
        let mut line = Vec::new();
        let next = |r: &mut BufReader<TcpStream>, line: &mut Vec<u8>| {
            line.clear();
            r.read_until(b'\n', line).expect("read");
        };
        next(&mut r, &mut line);
        write!(w, "USER pbulk\r\nPASS secret\r\n").expect("send");
        next(&mut r, &mut line);
        next(&mut r, &mut line);
        for n in 1..=POP_MESSAGES {
            write!(w, "RETR {n}\r\n").expect("send");
            next(&mut r, &mut line);
            loop {
                next(&mut r, &mut line);
                if line == b".\r\n" {
                    break;
                }
            }
        }
        write!(w, "QUIT\r\n").expect("send");
        raws.push(start.elapsed().as_secs_f64());
        let store = Store::open(&dir.path().join(format!("pop{run}.db"))).expect("store");
        let account = Account {
            name: "p".into(),
            kind: "pop3".into(),
            host: "127.0.0.1".into(),
            port: 1110,
            user: "pbulk".into(),
            ..Account::default()
        };
        let id = store
            .mail_wait(move |c| records::save_account(c, &account))
            .expect("account");
        let inbox = store
            .mail_wait(move |c| records::local_folder(c, id, "Inbox", "inbox"))
            .expect("inbox");
        let start = Instant::now();
        let mut s = Pop3Session::connect(&server, trust, limits)
            .await
            .expect("login");
        let (stored, _) = sync_pop3(&mut s, &store, inbox, true, 0, None, |_| {})
            .await
            .expect("sync");
        s.quit().await.expect("quit");
        ours.push(start.elapsed().as_secs_f64());
        assert_eq!(stored, POP_MESSAGES);
    }
    let (o, r) = (median(ours), median(raws));
    println!(
        "== POP3, {POP_MESSAGES} messages, median of 3: portolan (download, store, index bodies, one commit each): {o:.2} s   raw RETR loop: {r:.2} s   portolan/raw: {:.2}",
        o / r
    );
}
