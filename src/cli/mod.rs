//! The command line: `portolan [URL]`, `portolan get URL`, `portolan ls URL --json`.
//!
//! It drives the same `proto` code as the window, for scripts, tests and curl-like use.
//! Errors are one line on stderr starting with `error: `, exit status 1; usage errors exit 2.

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;

use clap::{CommandFactory as _, Parser, Subcommand};

mod mail;
mod news;
mod send;
mod sockets;
mod telnet;
mod tools;

use crate::document::Document;
use crate::link::{Link, PanelKind, Scheme};
use crate::proto::http::{self, HttpClient};
use crate::proto::net::Limits;
use crate::proto::tls::Trust;
use crate::proto::{ftp, gopher};

/// `0.1.0 (commit 1a2b3c4d5e6f)`: the version and the commit the binary was built from.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("PORTOLAN_COMMIT"),
    ")"
);

/// Command-line arguments.
#[derive(Debug, Parser)]
#[command(
    name = "portolan",
    version = VERSION,
    about = "FTP, mail, news, Gopher, web pages and Telnet in one light window",
    args_conflicts_with_subcommands = true
)]
pub struct Args {
    /// Open the window at this URL.
    pub url: Option<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options every network command takes.
#[derive(Debug, Clone, clap::Args)]
pub struct NetOptions {
    /// Trust this PEM certificate (or CA) for this run, like curl's --cacert. Repeatable.
    #[arg(long, value_name = "PEM")]
    pub cacert: Vec<PathBuf>,
    /// Log in as NAME; the password comes from `PORTOLAN_PASSWORD` or a prompt.
    #[arg(long, value_name = "NAME")]
    pub user: Option<String>,
    /// FTP, IMAP and POP3: `auto` (AUTH TLS, STARTTLS or STLS when offered), `require`,
    /// `implicit` or `plain`. `ftps://`, `imaps://` and `pops://` are always implicit.
    #[arg(long, value_name = "MODE", default_value = "auto", value_parser = ["auto", "require", "implicit", "plain"])]
    pub tls: String,
    /// FTP only: at most RATE bytes a second, like curl's --limit-rate (`500k`, `2M`; k = 1024).
    #[arg(long, value_name = "RATE", value_parser = parse_rate)]
    pub limit_rate: Option<u64>,
}

impl NetOptions {
    /// The speed limit of this run, for both directions.
    fn pacing(&self) -> crate::proto::rate::Pacing {
        let pacing = crate::proto::rate::Pacing::default();
        if let Some(rate) = self.limit_rate {
            pacing.down.set(rate);
            pacing.up.set(rate);
        }
        pacing
    }
}

/// `123`, `500k`, `2M`, `1G` (powers of 1024, as curl reads them) to bytes a second.
pub fn parse_rate(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (digits, unit) = match text.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&text[..i], c.to_ascii_lowercase()),
        _ => (text, 'b'),
    };
    let factor: u64 = match unit {
        'b' => 1,
        'k' => 1024,
        'm' => 1024 * 1024,
        'g' => 1024 * 1024 * 1024,
        other => return Err(format!("unknown unit {other:?}: use k, M or G")),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("{text:?} is not a rate like 500k or 2M"))?;
    n.checked_mul(factor)
        .filter(|r| *r > 0)
        .ok_or_else(|| format!("{text:?} is out of range"))
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write one resource to stdout or a file.
    Get {
        url: String,
        /// Write to FILE (via FILE.part, renamed when complete) instead of stdout.
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: Option<PathBuf>,
        /// Resume from what FILE.part already holds (FTP REST).
        #[arg(short = 'c', long = "continue", requires = "output")]
        resume: bool,
        #[command(flatten)]
        screen: telnet::ScreenOptions,
        #[command(flatten)]
        net: NetOptions,
    },
    /// Make a local folder match an FTP folder (or, with --reverse, the other way round).
    Mirror {
        url: String,
        local: PathBuf,
        /// Upload the local folder to the server instead.
        #[arg(long)]
        reverse: bool,
        /// Delete what the source does not have.
        #[arg(long)]
        delete: bool,
        /// Connections used at once.
        #[arg(long, default_value_t = 3)]
        parallel: usize,
        /// Print the plan and change nothing.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        net: NetOptions,
    },
    /// Upload FILE to an FTP URL (a folder URL ending in `/` keeps the file's name).
    Put {
        file: PathBuf,
        url: String,
        #[command(flatten)]
        net: NetOptions,
    },
    /// Send one message (the body from stdin) and print its Message-ID.
    Send {
        #[command(flatten)]
        message: send::SendOptions,
        #[command(flatten)]
        net: NetOptions,
    },
    /// Post an article (headers, a blank line, the body) read from stdin to an NNTP server.
    Post {
        url: String,
        #[command(flatten)]
        net: NetOptions,
    },
    /// Connect standard input and output to a TCP peer, as `nc HOST PORT` does.
    Tcp {
        /// HOST:PORT (an IPv6 address in brackets).
        target: String,
    },
    /// Wait for TCP peers on [ADDR:]PORT, as `nc -lk` does.
    ///
    /// Loopback unless an address is given; each peer in turn is connected to standard input
    /// and output.
    Listen {
        /// [ADDR:]PORT: `9000`, `0.0.0.0:9000`, `[::1]:9000`.
        addr: String,
        /// Stop after the first peer.
        #[arg(long)]
        once: bool,
        /// Write what the first peer sends to FILE (through FILE.part) and stop.
        #[arg(long, value_name = "FILE")]
        receive: Option<PathBuf>,
    },
    /// Show every part of a URL as Portolan reads it (the URL inspector).
    Url {
        url: String,
        /// One JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Send each line of standard input as a UDP datagram and print the replies, as `nc -u`.
    Udp {
        /// HOST:PORT.
        target: String,
        /// After standard input ends, wait this many seconds of quiet for replies.
        #[arg(long, default_value_t = 1.0, value_name = "SECONDS")]
        wait: f64,
    },
    /// Send a file's bytes to a TCP peer (`nc -l` or `portolan listen --receive`).
    SendFile {
        file: PathBuf,
        /// HOST:PORT.
        target: String,
    },
    /// Look up DNS records (A, AAAA, CNAME, MX, TXT, PTR).
    ///
    /// Addresses go through the system resolver, other types (and all types with --server)
    /// through DNS.
    Dns {
        name: String,
        /// A, AAAA, CNAME, MX, TXT or PTR (PTR takes an address or a name).
        #[arg(long = "type", short = 't', default_value = "A", value_name = "TYPE")]
        kind: String,
        /// Ask this DNS server (ADDR or ADDR:PORT) instead of the system's.
        #[arg(long, value_name = "ADDR")]
        server: Option<String>,
        /// One JSON object per record.
        #[arg(long)]
        json: bool,
    },
    /// Call an XML-RPC method and print the answer as JSON.
    ///
    /// Arguments are typed by a prefix: i:42, s:text, b:1, d:1.5, t:20261206T18:30:00,
    /// 64:BASE64, n: (nil), or JSON for structs and arrays; other text is a string. A fault
    /// exits 1 with its code and string.
    Xmlrpc {
        url: String,
        method: String,
        #[arg(allow_hyphen_values = true)]
        args: Vec<String>,
        #[command(flatten)]
        net: NetOptions,
    },
    /// Print shell completions (bash, zsh, fish, elvish or powershell) made from these
    /// arguments: the package installs them.
    #[command(hide = true)]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Write the man pages (portolan.1 and one per subcommand, roff) made from these
    /// arguments into DIR: the package installs them.
    #[command(hide = true)]
    Manpages { dir: PathBuf },
    /// List a directory-like resource: a gopher menu, or the links of a web page.
    Ls {
        url: String,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        net: NetOptions,
    },
}

/// `portolan url URL [--json]`: the parts, as JSON or as `name: value` lines.
fn url_parts(url: &str, json: bool) -> Result<(), CliError> {
    let parts = crate::link_parts::parts(url).map_err(err)?;
    let text = if json {
        parts.to_string()
    } else {
        parts
            .as_object()
            .map(|o| {
                o.iter()
                    .map(|(k, v)| match v {
                        serde_json::Value::String(s) => format!("{k}: {s}"),
                        other => format!("{k}: {other}"),
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .unwrap_or_default()
    };
    #[allow(clippy::print_stdout)]
    {
        println!("{text}");
    }
    Ok(())
}

/// `portolan.1` and `portolan-SUBCOMMAND.1` for each subcommand a person uses.
fn manpages(dir: &std::path::Path) -> Result<(), CliError> {
    let failed = |e: std::io::Error| CliError(format!("cannot write in {}: {e}", dir.display()));
    std::fs::create_dir_all(dir).map_err(failed)?;
    let command = Args::command();
    let mut pages = vec![("portolan".to_string(), command.clone())];
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("portolan-{}", sub.get_name());
        let invoked = format!("portolan {}", sub.get_name());
        pages.push((
            name.clone(),
            sub.clone().display_name(name).bin_name(invoked),
        ));
    }
    for (name, page) in pages {
        let mut text = Vec::new();
        clap_mangen::Man::new(page)
            .render(&mut text)
            .map_err(failed)?;
        std::fs::write(dir.join(format!("{name}.1")), text).map_err(failed)?;
    }
    Ok(())
}

/// Writes what `make` produces to standard output; a reader that stops early (`| head`) is
/// not an error.
fn generated(
    make: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    match make(&mut out).and_then(|()| std::io::Write::flush(&mut out)) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(CliError(format!("cannot write to standard output: {e}")))
        }
        _ => Ok(()),
    }
}

/// A command-line failure: printed as `error: ...`.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct CliError(pub String);

fn err(e: impl std::fmt::Display) -> CliError {
    CliError(e.to_string())
}

/// Runs a subcommand; the caller prints the error and sets the exit status.
pub fn run(command: Command) -> Result<(), CliError> {
    // One thread: a single transfer gains nothing from more, and cross-thread wake-ups cost.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(async move {
        match command {
            Command::Get {
                url,
                output,
                resume,
                screen,
                net,
            } => get(&url, output, resume, &screen, &net).await,
            Command::Ls { url, json, net } => ls(&url, json, &net).await,
            Command::Tcp { target } => sockets::tcp(&target, &Limits::default()).await,
            Command::Listen {
                addr,
                once,
                receive,
            } => {
                let addr = sockets::listen_addr(&addr)?;
                match receive {
                    Some(file) => sockets::receive(addr, &file),
                    None => sockets::listen(addr, once),
                }
            }
            Command::Udp { target, wait } => sockets::udp(&target, wait),
            Command::Url { url, json } => url_parts(&url, json),
            Command::Completions { shell } => generated(|out| {
                // Made whole first: the generator panics when a write fails.
                let mut text = Vec::new();
                clap_complete::generate(shell, &mut Args::command(), "portolan", &mut text);
                out.write_all(&text)
            }),
            Command::Manpages { dir } => manpages(&dir),
            Command::Dns {
                name,
                kind,
                server,
                json,
            } => tools::dns(&name, &kind, server.as_deref(), json).await,
            Command::Xmlrpc {
                url,
                method,
                args,
                net,
            } => tools::xmlrpc(&url, &method, &args, &net).await,
            Command::SendFile { file, target } => {
                sockets::send_file(&file, &target, &Limits::default()).await
            }
            Command::Send { message, net } => send::send(&message, &net).await,
            Command::Put { file, url, net } => put(&file, &url, &net).await,
            Command::Post { url, net } => news::post(&url, &net, &trust_for(&net)?).await,
            Command::Mirror {
                url,
                local,
                reverse,
                delete,
                parallel,
                dry_run,
                net,
            } => mirror_cmd(&url, &local, reverse, delete, parallel, dry_run, &net).await,
        }
    })
}

fn trust_for(net: &NetOptions) -> Result<Arc<Trust>, CliError> {
    let mut roots = Vec::new();
    for path in &net.cacert {
        roots.extend(Trust::load_pem(path).map_err(err)?);
    }
    Trust::new(roots).map_err(err)
}

fn parse_link(url: &str) -> Result<Link, CliError> {
    let link = Link::parse(url).map_err(err)?;
    let mail = matches!(
        link.scheme(),
        Scheme::Imap | Scheme::Imaps | Scheme::Pop | Scheme::Pops
    ) || link.panel() == PanelKind::News;
    if !mail && !matches!(link.panel(), PanelKind::Browser | PanelKind::Files) {
        return Err(CliError(format!(
            "{} URLs are not available yet on the command line",
            link.scheme().name()
        )));
    }
    Ok(link)
}

/// Reads the password for `--user`: `PORTOLAN_PASSWORD`, else one line from stdin.
fn password_for(net: &NetOptions) -> Result<Option<(String, String)>, CliError> {
    let Some(user) = &net.user else {
        return Ok(None);
    };
    if let Ok(p) = std::env::var("PORTOLAN_PASSWORD") {
        return Ok(Some((user.clone(), p)));
    }
    // On a terminal, ask without echo; otherwise read one line from stdin (scripts).
    if let Ok(p) = rpassword::prompt_password(format!("Password for {user}: ")) {
        return Ok(Some((user.clone(), p)));
    }
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| CliError(format!("cannot read the password: {e}")))?;
    Ok(Some((
        user.clone(),
        line.trim_end_matches(['\r', '\n']).to_string(),
    )))
}

/// Writes to `path.part` and renames on success, or streams to stdout.
enum Output {
    Stdout(std::io::BufWriter<std::io::Stdout>),
    File {
        writer: std::io::BufWriter<std::fs::File>,
        part: PathBuf,
        target: PathBuf,
    },
}

impl Output {
    fn open(target: Option<PathBuf>) -> Result<Output, CliError> {
        Output::open_at(target, 0)
    }

    /// Like [`Output::open`], continuing a `.part` file from `offset` bytes.
    fn open_at(target: Option<PathBuf>, offset: u64) -> Result<Output, CliError> {
        match target {
            None => Ok(Output::Stdout(std::io::BufWriter::with_capacity(
                256 * 1024,
                std::io::stdout(),
            ))),
            Some(target) => {
                let part = crate::filename::part_path(&target);
                let file = crate::filename::open_part(&part, offset)
                    .map_err(|e| CliError(format!("cannot write {}: {e}", part.display())))?;
                Ok(Output::File {
                    writer: std::io::BufWriter::with_capacity(1 << 20, file),
                    part,
                    target,
                })
            }
        }
    }

    fn writer(&mut self) -> &mut dyn std::io::Write {
        match self {
            Output::Stdout(w) => w,
            Output::File { writer, .. } => writer,
        }
    }

    fn finish(self) -> Result<(), CliError> {
        match self {
            Output::Stdout(mut w) => w.flush().map_err(err),
            Output::File {
                mut writer,
                part,
                target,
            } => {
                writer
                    .flush()
                    .map_err(|e| CliError(format!("cannot write {}: {e}", part.display())))?;
                drop(writer);
                crate::filename::finish_part(&part, &target).map_err(|e| {
                    CliError(format!(
                        "cannot rename {} to {}: {e}",
                        part.display(),
                        target.display()
                    ))
                })
            }
        }
    }
}

async fn get(
    url: &str,
    output: Option<PathBuf>,
    resume: bool,
    screen: &telnet::ScreenOptions,
    net: &NetOptions,
) -> Result<(), CliError> {
    // A telnet link has no resource to fetch: what it gives is the screen a user would see.
    if let Ok(Link::Telnet { server, tls }) = Link::parse(url) {
        let user = net.user.clone().or(server.user);
        let trust = if tls { Some(trust_for(net)?) } else { None };
        let out = telnet::screen_of(
            &server.host,
            server.port,
            trust.as_ref(),
            user,
            screen,
            &Limits::default(),
        )
        .await?;
        let mut stdout = std::io::stdout();
        stdout.write_all(&out).map_err(err)?;
        return stdout.flush().map_err(err);
    }
    let link = parse_link(url)?;
    let trust = trust_for(net)?;
    let limits = Limits::default();
    match &link {
        Link::Ftp { .. } => ftp_get(&link, output, resume, net, &trust, &limits).await,
        Link::Gopher(g) => {
            let mut out = Output::open(output)?;
            gopher::download(g, &mut out.writer(), &limits, |_| {})
                .await
                .map_err(err)?;
            out.finish()
        }
        Link::Http(u) => {
            let client = HttpClient::new(trust, &limits).map_err(err)?;
            let (head, response) = match password_for(net)? {
                Some((user, pass)) => client.get_with_auth(u, &user, &pass).await,
                None => client.get(u).await,
            }
            .map_err(err)?;
            if !head.is_success() {
                return Err(CliError(format!(
                    "{} answered {} {}",
                    head.url, head.status, head.reason
                )));
            }
            let mut out = Output::open(output)?;
            HttpClient::copy_body(&head, response, &mut out.writer(), |_, _| {})
                .await
                .map_err(err)?;
            out.finish()
        }
        Link::Mail {
            scheme: scheme @ (Scheme::Imap | Scheme::Imaps),
            server,
            path,
        } => mail::get_imap(*scheme, server, path, output, net, &trust).await,
        Link::Mail {
            scheme: scheme @ (Scheme::Pop | Scheme::Pops),
            server,
            path,
        } => mail::get_pop(*scheme, server, path, output, net, &trust).await,
        Link::News { .. } => news::get(&link, url, output, net, &trust).await,
        _ => Err(CliError("unsupported URL".into())),
    }
}

async fn ls(url: &str, json: bool, net: &NetOptions) -> Result<(), CliError> {
    let link = parse_link(url)?;
    let trust = trust_for(net)?;
    let limits = Limits::default();
    let mut out = std::io::BufWriter::new(std::io::stdout());
    match &link {
        Link::Ftp { .. } => {
            let (mut session, path, _) = ftp_open(&link, net, &trust, &limits).await?;
            let entries = session.list(&path).await.map_err(err)?;
            let utf8 = session.features.utf8;
            session.quit().await;
            for e in &entries {
                let name = ftp_name(&e.name, utf8);
                let line = if json {
                    serde_json::json!({
                        "name": name,
                        "kind": e.kind.as_str(),
                        "size": e.size,
                        "modified": e.modified.map(ftp::rfc3339),
                        "target": e.target.as_ref().map(|t| ftp_name(t, utf8)),
                    })
                    .to_string()
                } else {
                    format!(
                        "{:<7} {:>12} {:<20} {name}",
                        e.kind.as_str(),
                        e.size.map(|s| s.to_string()).unwrap_or_default(),
                        e.modified.map(ftp::rfc3339).unwrap_or_default()
                    )
                };
                writeln!(out, "{line}").map_err(err)?;
            }
        }
        Link::Gopher(g) => {
            if !matches!(
                gopher::class_of(g.item_type),
                gopher::ItemClass::Menu | gopher::ItemClass::Search
            ) {
                return Err(CliError(format!(
                    "{url} is a gopher {} item, not a menu",
                    gopher::type_name(g.item_type)
                )));
            }
            let raw = gopher::fetch(g, &limits, |_| {}).await.map_err(err)?;
            let menu = gopher::parse_menu(&raw, &g.server.host, g.server.port);
            let charset = crate::charset::Charset::detect(&raw);
            for item in &menu.items {
                let display = charset.decode(&item.display);
                let link = item.link();
                let line = if json {
                    let mut obj = serde_json::json!({
                        "type": (item.item_type as char).to_string(),
                        "display": display,
                        "selector": String::from_utf8_lossy(&item.selector),
                        "host": item.host,
                        "port": item.port,
                    });
                    if let Some(l) = &link {
                        obj["url"] = serde_json::Value::String(l.to_string());
                    }
                    obj.to_string()
                } else {
                    format!(
                        "{} {:<40} {}",
                        item.item_type as char,
                        display,
                        link.map(|l| l.to_string()).unwrap_or_default()
                    )
                };
                writeln!(out, "{line}").map_err(err)?;
            }
            if !menu.terminated {
                eprintln_warning("the menu ended without its final '.' line");
            }
        }
        Link::Http(u) => {
            let client = HttpClient::new(trust, &limits).map_err(err)?;
            let (head, body) = client.fetch(u, &limits, |_, _| {}).await.map_err(err)?;
            if !head.is_success() {
                return Err(CliError(format!(
                    "{} answered {} {}",
                    head.url, head.status, head.reason
                )));
            }
            let text = http::decode_text(&body, head.charset.as_deref());
            let doc = Document::from_html(&text, &head.url, 200);
            for (label, target) in doc.links() {
                let line = if json {
                    serde_json::json!({"display": label.trim(), "url": target}).to_string()
                } else {
                    format!("{:<40} {target}", label.trim())
                };
                writeln!(out, "{line}").map_err(err)?;
            }
        }
        Link::Mail {
            scheme: scheme @ (Scheme::Imap | Scheme::Imaps),
            server,
            path,
        } => return mail::ls_imap(*scheme, server, path, json, net, &trust).await,
        Link::Mail {
            scheme: scheme @ (Scheme::Pop | Scheme::Pops),
            server,
            ..
        } => return mail::ls_pop(*scheme, server, json, net, &trust).await,
        Link::News { .. } => return news::ls(&link, url, json, net, &trust).await,
        _ => return Err(CliError("unsupported URL".into())),
    }
    out.flush().map_err(err)
}

/// Shows a name from the server: UTF-8 when it is, else Latin-1 (every byte shown).
fn ftp_name(raw: &[u8], _utf8: bool) -> String {
    match std::str::from_utf8(raw) {
        Ok(s) => s.to_string(),
        Err(_) => crate::charset::Charset::Latin1.decode(raw),
    }
}

async fn ftp_open(
    link: &Link,
    net: &NetOptions,
    trust: &Arc<Trust>,
    limits: &Limits,
) -> Result<(ftp::FtpSession, Vec<u8>, ftp::FtpSite), CliError> {
    let (mut site, path) =
        ftp::FtpSite::from_link(link).ok_or_else(|| CliError("not an FTP URL".into()))?;
    if let Some((user, pass)) = password_for(net)? {
        site.user = Some(user);
        site.password = Some(pass);
    }
    if net.tls != "auto" {
        site.tls = ftp::TlsMode::from_name(&net.tls);
    }
    let mut session = ftp::FtpSession::connect(&site, trust, limits)
        .await
        .map_err(err)?;
    session.set_pacing(net.pacing());
    Ok((session, path, site))
}

async fn ftp_get(
    link: &Link,
    output: Option<PathBuf>,
    resume: bool,
    net: &NetOptions,
    trust: &Arc<Trust>,
    limits: &Limits,
) -> Result<(), CliError> {
    let (mut session, path, _) = ftp_open(link, net, trust, limits).await?;
    let offset = match (&output, resume) {
        (Some(target), true) => {
            std::fs::metadata(crate::filename::part_path(target)).map_or(0, |m| m.len())
        }
        _ => 0,
    };
    let mut out = Output::open_at(output, offset)?;
    session
        .retrieve(&path, offset, &mut out.writer(), |_| {})
        .await
        .map_err(err)?;
    out.finish()?;
    session.quit().await;
    Ok(())
}

async fn put(file: &std::path::Path, url: &str, net: &NetOptions) -> Result<(), CliError> {
    let link = parse_link(url)?;
    if !matches!(link, Link::Ftp { .. }) {
        return Err(CliError(format!(
            "{url}: put needs an ftp:// or ftps:// URL"
        )));
    }
    let trust = trust_for(net)?;
    let limits = Limits::default();
    let mut source = std::fs::File::open(file)
        .map_err(|e| CliError(format!("cannot read {}: {e}", file.display())))?;
    let (mut session, mut path, _) = ftp_open(&link, net, &trust, &limits).await?;
    if path.ends_with(b"/") {
        let name = file
            .file_name()
            .ok_or_else(|| CliError(format!("{} has no file name", file.display())))?;
        path.extend_from_slice(name.as_encoded_bytes());
    }
    session
        .store(&path, &mut source, |_| {})
        .await
        .map_err(err)?;
    session.quit().await;
    Ok(())
}

async fn mirror_cmd(
    url: &str,
    local: &std::path::Path,
    reverse: bool,
    delete: bool,
    parallel: usize,
    dry_run: bool,
    net: &NetOptions,
) -> Result<(), CliError> {
    use crate::workers::mirror::{self as m, Direction};
    let link = parse_link(url)?;
    if !matches!(link, Link::Ftp { .. }) {
        return Err(CliError(format!(
            "{url}: mirror needs an ftp:// or ftps:// URL"
        )));
    }
    let trust = trust_for(net)?;
    let limits = Limits::default();
    let (mut session, remote, site) = ftp_open(&link, net, &trust, &limits).await?;
    let direction = if reverse {
        Direction::Upload
    } else {
        Direction::Download
    };
    let plan = m::make_plan(&mut session, &remote, local, direction, delete)
        .await
        .map_err(CliError)?;
    session.quit().await;
    let summary = crate::mirror::summarize(&plan);
    let mut out = std::io::BufWriter::new(std::io::stdout());
    if dry_run {
        for item in plan
            .iter()
            .filter(|i| i.difference != crate::mirror::Difference::Same)
        {
            let action = match item.action {
                crate::mirror::Action::Transfer => {
                    if reverse {
                        "upload"
                    } else {
                        "download"
                    }
                }
                crate::mirror::Action::Delete => "delete",
                crate::mirror::Action::Keep => "keep",
            };
            writeln!(
                out,
                "{action:<8} {:<18} {:>12} {}",
                item.difference.label(),
                item.size,
                ftp_name(&item.rel, true)
            )
            .map_err(err)?;
        }
        writeln!(
            out,
            "plan: {} transfer(s), {} bytes, {} deletion(s), {} unchanged",
            summary.transfers, summary.bytes, summary.deletions, summary.kept
        )
        .map_err(err)?;
        return out.flush().map_err(err);
    }
    if !reverse {
        std::fs::create_dir_all(local)
            .map_err(|e| CliError(format!("cannot create {}: {e}", local.display())))?;
    }
    // The command line is the only user of its queue: --parallel is the site's limit too.
    let job = m::MirrorJob {
        site: ftp::FtpSite {
            max_parallel: parallel,
            ..site
        },
        trust,
        limits,
        remote,
        local: local.to_path_buf(),
        direction,
        context: crate::workers::queue::TransferContext {
            pacing: net.pacing(),
            ..Default::default()
        },
    };
    let outcome = m::apply(&job, plan, parallel).await.map_err(CliError)?;
    writeln!(
        out,
        "mirrored: {} file(s), {} bytes, {} deleted",
        outcome.transferred, outcome.bytes, outcome.deleted
    )
    .map_err(err)?;
    out.flush().map_err(err)
}

#[allow(clippy::print_stderr)]
fn eprintln_warning(text: &str) {
    eprintln!("warning: {text}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_read_like_curls() {
        assert_eq!(parse_rate("123"), Ok(123));
        assert_eq!(parse_rate("500k"), Ok(512_000));
        assert_eq!(parse_rate("2M"), Ok(2 * 1024 * 1024));
        assert_eq!(parse_rate("1g"), Ok(1024 * 1024 * 1024));
        for bad in [
            "",
            "k",
            "fast",
            "0",
            "-5",
            "1.5M",
            "5x",
            "99999999999999999999G",
        ] {
            assert!(parse_rate(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
