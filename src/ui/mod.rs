//! The eframe app: the shell and its panels.

pub mod activity;
pub mod app;
pub mod cert_dialog;
pub mod instance;
pub mod keypad;
pub mod link_handlers;
pub mod panels;
pub mod passphrase;
pub mod theme;
pub mod tools;
pub mod widgets;

use crate::protocol_log::ProtocolLog;

/// Opens the window (at `url` if given) and runs until it is closed.
pub fn run(
    url: Option<String>,
    log: ProtocolLog,
    started: std::time::Instant,
) -> anyhow::Result<()> {
    let probe = std::env::var("PORTOLAN_STARTUP_PROBE").is_ok_and(|v| v == "1");
    // A window already running takes the link (the startup benchmark always opens its own).
    let socket = instance::socket_path().filter(|_| !probe);
    if let Some(path) = &socket
        && instance::hand_over(path, url.as_deref())
    {
        return Ok(());
    }
    let mut config = app::AppConfig::from_environment(url, log)?;
    if probe {
        config.startup_probe = Some(started);
    }
    let options = eframe::NativeOptions {
        renderer: eframe::Renderer::Glow,
        viewport: egui::ViewportBuilder::default()
            .with_title("Portolan")
            .with_app_id("portolan")
            .with_inner_size([1100.0, 720.0])
            .with_min_inner_size([480.0, 320.0])
            .with_icon(app::icon()),
        persist_window: true,
        ..eframe::NativeOptions::default()
    };
    // eframe's application runs on an event loop of our own, behind a tap that notes which
    // key presses came from the keypad (egui's events do not say).
    let event_loop = winit::event_loop::EventLoop::<eframe::UserEvent>::with_user_event()
        .build()
        .map_err(|e| anyhow::anyhow!("cannot open the window: {e}"))?;
    let taps = keypad::KeypadTaps::default();
    let app_taps = taps.clone();
    let inner = eframe::create_native(
        "Portolan",
        options,
        Box::new(move |_cc| {
            let mut app = app::App::new(config)?;
            app.use_keypad_taps(app_taps);
            if let Some(path) = &socket {
                match instance::listen(path, app.handoff_sink()) {
                    Ok(listening) => app.keep_listening(listening),
                    Err(e) => tracing::warn!(
                        "links from the desktop will open new windows: cannot listen at {}: {e}",
                        path.display()
                    ),
                }
            }
            Ok(Box::new(app))
        }),
        &event_loop,
    );
    let mut tap = keypad::KeypadTap { inner, taps };
    event_loop
        .run_app(&mut tap)
        .map_err(|e| anyhow::anyhow!("cannot open the window: {e}"))
}
