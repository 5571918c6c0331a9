//! Frame cost of the Browser panel showing a 100,000-item gopher menu, a 100,000-line text
//! and a long HTML page with headings, and of the Files panel's remote pane, measured headlessly: egui CPU per frame (layout + tessellation), static and while
//! scrolling. Prints numbers; asserts nothing. Run with `cargo bench --bench frame_cost`.
#![allow(clippy::print_stdout)]

use std::sync::Arc;
use std::time::Instant;

use portolan::document::Document;
use portolan::link::Link;
use portolan::protocol_log::ProtocolLog;
use portolan::ui::app::{App, AppConfig};
use portolan::ui::panels::browser::BrowserPanel;
use portolan::ui::panels::files::FilesPanel;
use portolan::workers::browser::{MenuRow, Page, PageContent, PageInfo};

const ROWS: usize = 100_000;
const FRAMES: usize = 200;

fn menu_page() -> Page {
    let rows: Vec<MenuRow> = (0..ROWS)
        .map(|i| {
            let url = format!("gopher://localhost:7070/0/item{i}.txt");
            MenuRow {
                item_type: if i % 10 == 0 { b'i' } else { b'0' },
                display: format!("Item number {i} with a reasonably long description"),
                link: Link::parse(&url).ok(),
                url: Some(url),
                problem: None,
            }
        })
        .collect();
    let link = Link::parse("gopher://localhost:7070/1/big").expect("url");
    Page {
        url: link.to_string(),
        link,
        title: "Big menu".into(),
        content: PageContent::Menu {
            rows: Arc::new(rows),
            terminated: true,
            problems: 0,
        },
        info: PageInfo::default(),
        charset: None,
        source: None,
    }
}

fn text_page() -> Page {
    let mut text = String::with_capacity(ROWS * 60);
    for i in 0..ROWS {
        text.push_str(&format!(
            "line {i}: the quick brown fox jumps over the lazy dog\n"
        ));
    }
    let link = Link::parse("gopher://localhost:7070/0/big.txt").expect("url");
    Page {
        url: link.to_string(),
        link,
        title: "Big text".into(),
        content: PageContent::Document(Arc::new(Document::from_text(&text))),
        info: PageInfo::default(),
        charset: None,
        source: None,
    }
}

/// A long HTML page with a heading every twenty paragraphs: rows of several heights, drawn
/// through the variable-height path of the document view.
fn html_page() -> Page {
    let mut html = String::with_capacity(ROWS * 70);
    html.push_str("<html><body><main>");
    for i in 0..ROWS / 2 {
        if i % 20 == 0 {
            html.push_str(&format!(
                "<h{}>Section {i}</h{}>",
                1 + (i / 20) % 3,
                1 + (i / 20) % 3
            ));
        }
        html.push_str(&format!(
            "<p>Paragraph {i}: the quick brown fox jumps over the <a href=\"/p{i}\">lazy dog</a>.</p>"
        ));
    }
    html.push_str("</main></body></html>");
    let link = Link::parse("http://localhost:8080/big.html").expect("url");
    let base = url::Url::parse("http://localhost:8080/big.html").expect("url");
    Page {
        url: link.to_string(),
        link,
        title: "Big page".into(),
        content: PageContent::Document(Arc::new(Document::from_html(&html, &base, 100))),
        info: PageInfo::default(),
        charset: None,
        source: None,
    }
}

fn input(scroll: f32) -> egui::RawInput {
    input_at(scroll, 400.0)
}

/// Input with the wheel turned at height `y` (the Mail list sits in the upper part).
fn input_at(scroll: f32, y: f32) -> egui::RawInput {
    let mut raw = egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(
            egui::Pos2::ZERO,
            egui::vec2(1000.0, 700.0),
        )),
        ..egui::RawInput::default()
    };
    if scroll != 0.0 {
        raw.events
            .push(egui::Event::PointerMoved(egui::pos2(500.0, y)));
        raw.events.push(egui::Event::MouseWheel {
            unit: egui::MouseWheelUnit::Point,
            delta: egui::vec2(0.0, scroll),
            modifiers: egui::Modifiers::NONE,
            phase: egui::TouchPhase::Move,
            source: egui::MouseWheelSource::Wheel,
        });
    }
    raw
}

fn measure(app: &mut App, ctx: &egui::Context, scroll: f32) -> (f64, f64) {
    measure_at(app, ctx, scroll, 400.0)
}

fn measure_at(app: &mut App, ctx: &egui::Context, scroll: f32, y: f32) -> (f64, f64) {
    measure_with(app, ctx, |i| {
        // Scroll down, and back up now and then so the view never reaches the end.
        let delta = if scroll == 0.0 {
            0.0
        } else if i % 50 < 40 {
            -scroll
        } else {
            scroll * 4.0
        };
        input_at(delta, y)
    })
}

/// Median and p95 of `FRAMES` frames (layout and tessellation), frame `i` fed `input(i)`.
fn measure_with(
    app: &mut App,
    ctx: &egui::Context,
    mut input: impl FnMut(usize) -> egui::RawInput,
) -> (f64, f64) {
    let mut times = Vec::with_capacity(FRAMES);
    for i in 0..FRAMES {
        let raw = input(i);
        let start = Instant::now();
        let output = ctx.run_ui(raw, |ui| app.frame(ui));
        let ppp = output.pixels_per_point;
        let shapes = output.shapes.clone();
        output.drop_without_applying_deltas();
        let _ = ctx.tessellate(shapes, ppp);
        times.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    (times[times.len() / 2], times[times.len() * 95 / 100])
}

fn main() {
    let dir = std::env::temp_dir().join(format!("portolan-bench-{}", std::process::id()));
    let config = AppConfig {
        store_path: dir.join("store.sqlite3"),
        extra_roots: Vec::new(),
        start_url: None,
        log: ProtocolLog::default(),
        download_dir: Some(dir.join("downloads")),
        restore_session: false,
        startup_probe: None,
        session_secrets: true,
    };
    let mut app = App::new(config).expect("app");
    let ctx = egui::Context::default();
    for (name, page) in [
        ("100,000-item gopher menu", menu_page()),
        ("100,000-line text", text_page()),
        ("HTML page, 50,000 paragraphs with headings", html_page()),
    ] {
        app.panel_state_mut::<BrowserPanel>()
            .expect("browser")
            .show_page(page);
        for _ in 0..5 {
            let _ = ctx.run_ui(input(0.0), |ui| app.frame(ui));
        }
        let (s_med, s_p95) = measure(&mut app, &ctx, 0.0);
        let (m_med, m_p95) = measure(&mut app, &ctx, 40.0);
        println!(
            "{name}: static {s_med:.3} ms/frame (p95 {s_p95:.3}); scrolling {m_med:.3} ms/frame (p95 {m_p95:.3})"
        );
    }
    // The Files panel's remote pane with a 100,000-entry folder.
    app.panel_state_mut::<FilesPanel>().expect("files").remote = (0..ROWS)
        .map(|i| {
            let mut e = portolan::proto::ftp::parse_list_line(
                format!(
                    "-rw-r--r--    1 ftp      ftp      {:>10} Jan 15  2020 file-{i:06}.dat",
                    i * 37
                )
                .as_bytes(),
                1_795_435_200,
            );
            e.raw.clear();
            e
        })
        .collect();
    app.panel = portolan::link::PanelKind::Files;
    for _ in 0..5 {
        let _ = ctx.run_ui(input(0.0), |ui| app.frame(ui));
    }
    let (s_med, s_p95) = measure(&mut app, &ctx, 0.0);
    let (m_med, m_p95) = measure(&mut app, &ctx, 40.0);
    println!(
        "Files remote pane, 100,000 entries: static {s_med:.3} ms/frame (p95 {s_p95:.3}); scrolling {m_med:.3} ms/frame (p95 {m_p95:.3})"
    );
    // The Mail panel's list with a 100,000-message folder.
    let rows: Vec<portolan::store::mail::MessageRow> = (0..ROWS)
        .map(|i| portolan::store::mail::MessageRow {
            id: i as i64 + 1,
            folder: 1,
            uid: i as u32 + 1,
            seen: i % 3 != 0,
            flagged: i % 17 == 0,
            date: Some(1_700_000_000 - i as i64 * 600),
            size: 2000 + i as u32,
            from_name: format!("Sender number {}", i % 97),
            from_addr: format!("sender{}@example.test", i % 97),
            subject: format!("Message subject number {i} about the weekly report"),
            attachments: i % 11 == 0,
            ..Default::default()
        })
        .collect();
    let folder = portolan::store::mail::FolderRow {
        id: 1,
        account: 1,
        name: "INBOX".into(),
        role: Some("inbox".into()),
        selectable: true,
        messages: ROWS as u32,
        ..Default::default()
    };
    app.panel_state_mut::<portolan::ui::panels::mail::MailPanel>()
        .expect("mail")
        .show_rows(folder, rows);
    app.panel = portolan::link::PanelKind::Mail;
    for _ in 0..5 {
        let _ = ctx.run_ui(input_at(0.0, 200.0), |ui| app.frame(ui));
    }
    let (s_med, s_p95) = measure_at(&mut app, &ctx, 0.0, 200.0);
    let (m_med, m_p95) = measure_at(&mut app, &ctx, 40.0, 200.0);
    println!(
        "Mail message list, 100,000 messages: static {s_med:.3} ms/frame (p95 {s_p95:.3}); scrolling {m_med:.3} ms/frame (p95 {m_p95:.3})"
    );
    // The News panel's thread list with a 100,000-article group in threads of ten.
    let articles: Vec<portolan::store::mail::MessageRow> = (0..ROWS)
        .map(|i| {
            let root = i - i % 10;
            portolan::store::mail::MessageRow {
                id: i as i64 + 1,
                folder: 2,
                uid: i as u32 + 1,
                seen: i % 3 != 0,
                date: Some(1_700_000_000 + i as i64 * 60),
                size: 1500,
                from_name: format!("Poster number {}", i % 89),
                from_addr: format!("poster{}@example.test", i % 89),
                subject: if i == root {
                    format!("Thread {} about the weekly question", root / 10)
                } else {
                    format!("Re: Thread {} about the weekly question", root / 10)
                },
                message_id: Some(format!("a{i}@example.test")),
                refs: if i == root {
                    String::new()
                } else {
                    format!("a{root}@example.test")
                },
                in_reply_to: (i != root).then(|| format!("a{root}@example.test")),
                ..Default::default()
            }
        })
        .collect();
    let group = portolan::store::news::Subscribed {
        folder: portolan::store::mail::FolderRow {
            id: 2,
            account: 2,
            name: "test.bulk".into(),
            role: Some("newsgroup".into()),
            selectable: true,
            ..Default::default()
        },
        first: 1,
        last: ROWS as u64,
        read: portolan::news::ranges::Ranges::new(),
    };
    app.panel_state_mut::<portolan::ui::panels::news::NewsPanel>()
        .expect("news")
        .show_rows(group, articles);
    app.panel = portolan::link::PanelKind::News;
    for _ in 0..5 {
        let _ = ctx.run_ui(input_at(0.0, 200.0), |ui| app.frame(ui));
    }
    let (s_med, s_p95) = measure_at(&mut app, &ctx, 0.0, 200.0);
    let (m_med, m_p95) = measure_at(&mut app, &ctx, 40.0, 200.0);
    println!(
        "News thread list, 100,000 articles: static {s_med:.3} ms/frame (p95 {s_p95:.3}); scrolling {m_med:.3} ms/frame (p95 {m_p95:.3})"
    );
    app.panel = portolan::link::PanelKind::Mail;
    // The composer with a reply quoting 5,000 lines: still, then typing a character a frame.
    let mut quoted = String::from("\n\nOn 2026-12-06 10:00 UTC, Ann wrote:\n");
    for i in 0..5_000 {
        quoted.push_str(&format!(
            "> line {i} of the message being answered, quoted in full\n"
        ));
    }
    app.panel_state_mut::<portolan::ui::panels::mail::MailPanel>()
        .expect("mail")
        .compose(
            portolan::mail::compose::Draft {
                to: "ann@example.test".into(),
                subject: "Re: the long one".into(),
                body: quoted,
                ..Default::default()
            },
            None,
        );
    for _ in 0..5 {
        let _ = ctx.run_ui(input_at(0.0, 200.0), |ui| app.frame(ui));
    }
    let (s_med, s_p95) = measure_at(&mut app, &ctx, 0.0, 200.0);
    // Click into the text (near its top), then type.
    let mut click = input_at(0.0, 320.0);
    for pressed in [true, false] {
        click.events.push(egui::Event::PointerButton {
            pos: egui::pos2(300.0, 320.0),
            button: egui::PointerButton::Primary,
            pressed,
            modifiers: egui::Modifiers::NONE,
        });
    }
    let _ = ctx.run_ui(click, |ui| app.frame(ui));
    let (t_med, t_p95) = measure_with(&mut app, &ctx, |_| {
        let mut raw = input_at(0.0, 320.0);
        raw.events.push(egui::Event::Text("x".into()));
        raw
    });
    let typed = app
        .panel_state::<portolan::ui::panels::mail::MailPanel>()
        .and_then(|m| {
            m.composers()
                .first()
                .map(|c| c.draft.body.matches('x').count())
        })
        .unwrap_or(0);
    println!(
        "Composer, a reply quoting 5,000 lines: static {s_med:.3} ms/frame (p95 {s_p95:.3}); typing {t_med:.3} ms/frame (p95 {t_p95:.3}; {typed} characters reached the text)"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
