//! `portolan get telnet://HOST[:PORT]/ --screen COLSxROWS`: connects, negotiates as the window
//! will (NAWS with that size, TTYPE, the rest), feeds what arrives through the same screen model
//! until the host closes or is quiet for `--idle` seconds, then prints the screen as text.
//! This is how scripts (and checks) see what a user would see.

use std::time::Duration;

use super::CliError;
use crate::proto::net::Limits;
use crate::proto::telnet::{TelnetConfig, TelnetEvent, TelnetSession};
use crate::proto::tls::Trust;
use crate::terminal::{Screen, ScreenCharset};

/// The options of `get` for a telnet link.
#[derive(Debug, Clone, clap::Args)]
pub struct ScreenOptions {
    /// telnet: the screen size offered (NAWS) and printed, `COLSxROWS`.
    #[arg(long, value_name = "COLSxROWS")]
    pub screen: Option<String>,
    /// telnet: stop after this many seconds without output.
    #[arg(long, value_name = "SECONDS", default_value_t = 2.0)]
    pub idle: f64,
    /// telnet: the host's charset: auto, utf-8, cp437 or latin1.
    #[arg(long, default_value = "auto")]
    pub charset: String,
    /// telnet: print the bytes received instead of the screen.
    #[arg(long)]
    pub raw: bool,
}

/// `COLSxROWS`, each 2 to 1000.
pub fn parse_size(text: &str) -> Result<(u16, u16), CliError> {
    let bad = || {
        CliError(format!(
            "--screen {text:?}: give the size as COLSxROWS, like 80x24"
        ))
    };
    let (c, r) = text
        .to_ascii_lowercase()
        .split_once('x')
        .map(|(c, r)| (c.to_string(), r.to_string()))
        .ok_or_else(bad)?;
    let (c, r): (u16, u16) = (
        c.trim().parse().map_err(|_| bad())?,
        r.trim().parse().map_err(|_| bad())?,
    );
    if !(2..=1000).contains(&c) || !(1..=1000).contains(&r) {
        return Err(bad());
    }
    Ok((c, r))
}

/// Runs the session with `host:port` and returns what to print.
pub async fn screen_of(
    host: &str,
    port: u16,
    tls: Option<&std::sync::Arc<Trust>>,
    user: Option<String>,
    req: &ScreenOptions,
    limits: &Limits,
) -> Result<Vec<u8>, CliError> {
    let (cols, rows) = parse_size(req.screen.as_deref().unwrap_or("80x24"))?;
    let charset = ScreenCharset::from_word(&req.charset).ok_or_else(|| {
        CliError(format!(
            "--charset {:?}: use auto, utf-8, cp437 or latin1",
            req.charset
        ))
    })?;
    if !(req.idle.is_finite() && req.idle > 0.0 && req.idle <= 3600.0) {
        return Err(CliError(format!(
            "--idle {}: give the seconds of quiet to wait for, up to 3600",
            req.idle
        )));
    }
    let config = TelnetConfig {
        cols,
        rows,
        user,
        ..TelnetConfig::default()
    };
    let mut session = TelnetSession::connect(host, port, tls, config, limits)
        .await
        .map_err(super::err)?;
    let mut screen = Screen::new(cols, rows, charset);
    let mut raw = Vec::new();
    // What a host can make us hold, or feed the screen, without a pause, is bounded.
    let mut received = 0u64;
    let idle = Duration::from_secs_f64(req.idle);
    loop {
        let Ok(read) = tokio::time::timeout(idle, session.read()).await else {
            break; // quiet for --idle seconds
        };
        let Some(events) = read.map_err(super::err)? else {
            break; // the host closed
        };
        for event in events {
            match event {
                TelnetEvent::Data(bytes) => {
                    received += bytes.len() as u64;
                    if received > limits.max_body {
                        return Err(CliError(format!(
                            "{}:{} sent more than {} MB without a pause; stopped",
                            host,
                            port,
                            limits.max_body / 1_000_000
                        )));
                    }
                    if req.raw {
                        raw.extend_from_slice(&bytes);
                    } else {
                        screen.feed(&bytes);
                    }
                }
                TelnetEvent::Charset(name) if charset == ScreenCharset::Auto => {
                    if let Some(agreed) = ScreenCharset::from_telnet_name(&name) {
                        screen.set_charset(agreed);
                    }
                }
                _ => {}
            }
        }
        let replies = screen.take_replies();
        if !replies.is_empty() {
            session.send(&replies).await.map_err(super::err)?;
        }
    }
    Ok(if req.raw {
        raw
    } else {
        screen.text().into_bytes()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_cols_by_rows_and_bad_ones_say_how() {
        assert_eq!(parse_size("80x24").ok(), Some((80, 24)));
        assert_eq!(parse_size("132X50").ok(), Some((132, 50)));
        for bad in [
            "80", "x24", "0x24", "80x0", "80x24x1", "99999x1", "ax b", "",
        ] {
            let e = parse_size(bad).expect_err(bad);
            assert!(e.0.contains("COLSxROWS"), "{e}");
        }
    }
}
