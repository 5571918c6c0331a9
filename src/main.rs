//! Portolan's entry point: crypto provider, logging, arguments; then the window or the CLI.

use clap::Parser as _;
use tracing_subscriber::Layer as _;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

use portolan::cli::{self, Args};
use portolan::protocol_log::ProtocolLog;

fn main() -> std::process::ExitCode {
    let started = std::time::Instant::now();
    portolan::proto::tls::install_crypto_provider();
    let args = Args::parse();
    let log = ProtocolLog::default();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new("warn,rustls_platform_verifier=off,rustls=off")
    });
    let _ = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_filter(filter),
        )
        .with(log.layer())
        .try_init();
    match args.command {
        Some(command) => match cli::run(command) {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(e) => {
                report(&e.to_string());
                std::process::ExitCode::from(1)
            }
        },
        None => match portolan::ui::run(args.url, log, started) {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(e) => {
                report(&e.to_string());
                std::process::ExitCode::from(1)
            }
        },
    }
}

#[allow(clippy::print_stderr)]
fn report(message: &str) {
    eprintln!("error: {message}");
}
