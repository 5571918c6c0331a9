//! Terminal figures, printed (nothing here asserts a time):
//! 1. a 50 MB ANSI stream (colours, cursor moves, CP437 art) over loopback through the
//!    Terminal panel's session worker into the screen model, against `alacritty_terminal`
//!    fed the same text directly (the model's own limit), in the same run;
//! 2. the frame cost of a 200x60 terminal under continuous output, and with no output, and
//!    whether an idle window is woken at all;
//! 3. key press to byte on the wire: a typed key in a frame until an in-process host reads it.

#![allow(clippy::print_stdout)]

#[path = "common/mod.rs"]
mod common;
use common::{cpu_seconds, median};
use std::io::{Read as _, Write as _};
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use alacritty_terminal::term::test::TermSize;
use alacritty_terminal::term::{Config, Term};
use alacritty_terminal::vte::ansi::Processor;
use portolan::proto::http::HttpClient;
use portolan::proto::net::Limits;
use portolan::proto::telnet::TelnetConfig;
use portolan::proto::tls::Trust;
use portolan::protocol_log::ProtocolLog;
use portolan::terminal::{Decoder, Screen, ScreenCharset};
use portolan::ui::app::{App, AppConfig};
use portolan::ui::panels::terminal::TerminalPanel;
use portolan::workers::terminal::{self as terminal_worker, Target, TerminalEvent};
use portolan::workers::{EventSink, Notifier, Services};

const STREAM_BYTES: usize = 50 * 1024 * 1024;

/// A deterministic ANSI stream as a BBS draws: cursor moves, colours, CP437 boxes and
/// blocks, words, line ends. No 0xFF, so no Telnet command hides in it.
fn ansi_stream(len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 256);
    let mut seed: u32 = 0x2545_f491;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        seed
    };
    while out.len() < len {
        let r = next();
        match r % 6 {
            0 => out.extend_from_slice(
                format!("\x1b[{};{}H", 1 + (r >> 8) % 60, 1 + (r >> 16) % 200).as_bytes(),
            ),
            1 => out.extend_from_slice(
                format!(
                    "\x1b[{};3{};4{}m",
                    (r >> 8) % 2,
                    (r >> 12) % 8,
                    (r >> 16) % 8
                )
                .as_bytes(),
            ),
            2 => {
                for i in 0..24 {
                    out.push(0xb0 + ((r >> (i % 24)) % 0x30) as u8);
                }
            }
            3 => out.extend_from_slice(b"\r\n"),
            _ => out.extend_from_slice(b"The quick brown fox jumps over the lazy dog. "),
        }
    }
    out
}

fn mb_s(bytes: usize, secs: f64) -> f64 {
    bytes as f64 / 1_000_000.0 / secs
}

/// The stream through the Terminal panel's own session worker: loopback, the Telnet engine
/// and the CP437 conversion on its task, the model on its feeding thread; timed until the
/// worker reports the session closed with everything fed.
fn through_session(stream: &Arc<Vec<u8>>, runtime: &tokio::runtime::Runtime) -> f64 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let data = stream.clone();
    let server = std::thread::spawn(move || {
        let (mut peer, _) = listener.accept().expect("accept");
        for chunk in data.chunks(64 * 1024) {
            if peer.write_all(chunk).is_err() {
                return;
            }
        }
    });
    let limits = Limits::default();
    let trust = Trust::new(Vec::new()).expect("trust");
    let services = Services::new(
        runtime.handle().clone(),
        trust.clone(),
        HttpClient::new(trust, &limits).expect("http"),
        limits,
    );
    let screen = Arc::new(Mutex::new(Screen::new(200, 60, ScreenCharset::Cp437)));
    let (sink, events) = EventSink::<TerminalEvent>::new(Notifier::new());
    let start = Instant::now();
    let _commands = terminal_worker::spawn(
        &services,
        Target {
            host: "127.0.0.1".into(),
            port,
            tls: false,
            raw: None,
        },
        screen.clone(),
        TelnetConfig {
            cols: 200,
            rows: 60,
            ..TelnetConfig::default()
        },
        sink.map(|e| e),
    );
    while let Ok(e) = events.recv() {
        if let TerminalEvent::Closed(why) = e {
            assert!(why.is_none(), "the session failed: {why:?}");
            break;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    std::hint::black_box(screen.lock().map(|s| s.cursor()).ok());
    let _ = server.join();
    secs
}

/// `alacritty_terminal` alone, fed the stream already decoded, in the same chunks.
fn model_alone(utf8: &[u8]) -> f64 {
    let mut term = Term::new(
        Config::default(),
        &TermSize::new(200, 60),
        alacritty_terminal::event::VoidListener,
    );
    let mut parser: Processor = Processor::new();
    let start = Instant::now();
    for chunk in utf8.chunks(64 * 1024) {
        parser.advance(&mut term, chunk);
    }
    std::hint::black_box(term.grid().cursor.point);
    start.elapsed().as_secs_f64()
}

fn raw_input(events: Vec<egui::Event>) -> egui::RawInput {
    egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(
            egui::Pos2::ZERO,
            egui::vec2(1640.0, 1120.0),
        )),
        events,
        ..egui::RawInput::default()
    }
}

/// One frame's CPU: the app's frame and the tessellation, in ms.
fn frame(app: &mut App, ctx: &egui::Context, events: Vec<egui::Event>) -> f64 {
    let start = Instant::now();
    let mut output = ctx.run_ui(raw_input(events), |ui| app.frame(ui));
    let ppp = output.pixels_per_point;
    let shapes = std::mem::take(&mut output.shapes);
    output.drop_without_applying_deltas();
    let _ = ctx.tessellate(shapes, ppp);
    start.elapsed().as_secs_f64() * 1000.0
}

fn window_figures(stream: &Arc<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let talking = Arc::new(AtomicBool::new(true));
    let (got_tx, got_rx) = mpsc::channel::<Instant>();
    let data = stream.clone();
    let on = talking.clone();
    std::thread::spawn(move || {
        let (mut peer, _) = listener.accept().expect("accept");
        // A host that echoes, as most do: keys go out as they are typed.
        let _ = peer.write_all(&[255, 251, 1]);
        let mut reader = peer.try_clone().expect("clone");
        std::thread::spawn(move || {
            let mut buf = [0u8; 256];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    return;
                }
                // Typed bytes (not the telnet answers, which start with IAC).
                if buf[..n].contains(&b'k') {
                    let _ = got_tx.send(Instant::now());
                }
            }
        });
        // About 6 MB/s of output while `talking`, in slices that keep the screen busy.
        let mut at = 0;
        loop {
            if on.load(Ordering::Relaxed) {
                let end = (at + 32 * 1024).min(data.len());
                if peer.write_all(&data[at..end]).is_err() {
                    return;
                }
                at = if end == data.len() { 0 } else { end };
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    });
    let dir = std::env::temp_dir().join(format!("portolan-term-bench-{}", std::process::id()));
    let mut app = App::new(AppConfig {
        store_path: dir.join("store.sqlite3"),
        extra_roots: Vec::new(),
        start_url: Some(format!("telnet://127.0.0.1:{port}/")),
        log: ProtocolLog::default(),
        download_dir: Some(dir.join("downloads")),
        restore_session: false,
        startup_probe: None,
        session_secrets: true,
    })
    .expect("app");
    let ctx = egui::Context::default();
    for _ in 0..30 {
        frame(&mut app, &ctx, Vec::new());
        std::thread::sleep(Duration::from_millis(10));
    }
    let size = app
        .panel_state::<TerminalPanel>()
        .and_then(|t| t.sessions().first().map(|s| s.size))
        .unwrap_or_default();
    // Under output: each frame draws a screen the worker has just changed.
    // Only frames that drew the screen anew count: a frame with no output since the last
    // one (or that found the worker feeding the screen) shows the last drawing again.
    let fresh = |app: &App| {
        app.panel_state::<TerminalPanel>()
            .and_then(|t| t.sessions().first().map(|s| s.fresh_draws))
            .unwrap_or_default()
    };
    let mut stale = 0;
    let mut busy: Vec<f64> = Vec::new();
    for _ in 0..300 {
        std::thread::sleep(Duration::from_millis(2));
        let before = fresh(&app);
        let ms = frame(&mut app, &ctx, Vec::new());
        if fresh(&app) > before {
            busy.push(ms);
        } else {
            stale += 1;
        }
    }
    if busy.is_empty() {
        busy.push(f64::NAN);
    }
    talking.store(false, Ordering::Relaxed);
    std::thread::sleep(Duration::from_millis(300));
    for _ in 0..5 {
        frame(&mut app, &ctx, Vec::new());
    }
    let still: Vec<f64> = (0..300)
        .map(|_| frame(&mut app, &ctx, Vec::new()))
        .collect();
    // Idle: no output, no input: is the window asked to draw again, and what CPU goes by.
    frame(&mut app, &ctx, Vec::new());
    let cpu_before = cpu_seconds();
    std::thread::sleep(Duration::from_secs(3));
    let cpu_idle = cpu_seconds() - cpu_before;
    let woken = ctx.has_requested_repaint();
    println!(
        "frame cost, {}x{} terminal under continuous output ({} frames drew it anew, {stale} showed the last drawing): median {:.2} ms, p95 {:.2} ms",
        size.0,
        size.1,
        busy.len(),
        median(busy.clone()),
        {
            let mut b = busy;
            b.sort_by(f64::total_cmp);
            b[b.len() * 95 / 100]
        }
    );
    println!(
        "frame cost, same screen with no output (the last drawing shown again): median {:.2} ms",
        median(still)
    );
    println!(
        "idle 3 s with no output: {:.0} ms of process CPU, repaint requested: {woken}",
        cpu_idle * 1000.0
    );
    // Key press to wire: focus the terminal, then type "k" in a frame.
    let centre = egui::pos2(800.0, 600.0);
    frame(
        &mut app,
        &ctx,
        vec![
            egui::Event::PointerMoved(centre),
            egui::Event::PointerButton {
                pos: centre,
                button: egui::PointerButton::Primary,
                pressed: true,
                modifiers: egui::Modifiers::NONE,
            },
        ],
    );
    frame(
        &mut app,
        &ctx,
        vec![egui::Event::PointerButton {
            pos: centre,
            button: egui::PointerButton::Primary,
            pressed: false,
            modifiers: egui::Modifiers::NONE,
        }],
    );
    let mut lat = Vec::new();
    for _ in 0..50 {
        while got_rx.try_recv().is_ok() {}
        let start = Instant::now();
        frame(&mut app, &ctx, vec![egui::Event::Text("k".into())]);
        if let Ok(at) = got_rx.recv_timeout(Duration::from_secs(2)) {
            lat.push(at.duration_since(start).as_secs_f64() * 1000.0);
        }
        // The echo-less host: let the worker settle between keys.
        std::thread::sleep(Duration::from_millis(20));
        frame(&mut app, &ctx, Vec::new());
    }
    if lat.is_empty() {
        println!("key press to wire: no key reached the host");
    } else {
        let n = lat.len();
        println!(
            "key press to wire (a frame with the key until the host read it), {n} keys: median {:.3} ms, worst {:.3} ms",
            median(lat.clone()),
            lat.iter().copied().fold(0.0, f64::max)
        );
    }
    let _ = std::fs::remove_dir_all(dir);
}

fn main() {
    portolan::proto::tls::install_crypto_provider();
    let stream = Arc::new(ansi_stream(STREAM_BYTES));
    let mut utf8 = Vec::new();
    Decoder::new(ScreenCharset::Cp437).decode(&stream, &mut utf8);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let mut session_t = Vec::new();
    let mut model_t = Vec::new();
    for _ in 0..3 {
        session_t.push(through_session(&stream, &runtime));
        model_t.push(model_alone(&utf8));
    }
    let (s, m) = (median(session_t), median(model_t));
    println!(
        "50 MB ANSI stream into a 200x60 screen, median of 3: session (loopback, Telnet, CP437, model) {:.1} MB/s; alacritty_terminal alone {:.1} MB/s; ratio {:.2}",
        mb_s(stream.len(), s),
        mb_s(stream.len(), m),
        s / m
    );
    window_figures(&stream);
}
