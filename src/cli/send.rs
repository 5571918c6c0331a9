//! `portolan send`: one message from the command line, through the same builder and SMTP
//! code as the composer. The body is read from stdin; the Message-ID is printed on success.

use std::path::PathBuf;

use super::{CliError, NetOptions, err, trust_for};
use crate::link::{Link, Scheme};
use crate::mail::compose::Draft;
use crate::mail::compose::build::{self, Part};
use crate::proto::net::Limits;
use crate::proto::smtp::{self, SmtpServer};
use crate::proto::tls::TlsMode;

/// What `portolan send` was given.
#[derive(Debug, clap::Args)]
pub struct SendOptions {
    /// The sender: `ADDR` or `"Name <ADDR>"`.
    #[arg(long)]
    pub from: String,
    /// A recipient; repeat for more.
    #[arg(long, required = true)]
    pub to: Vec<String>,
    #[arg(long)]
    pub cc: Vec<String>,
    #[arg(long)]
    pub bcc: Vec<String>,
    #[arg(long, default_value = "")]
    pub subject: String,
    /// A file to attach; repeat for more.
    #[arg(long, value_name = "FILE")]
    pub attach: Vec<PathBuf>,
    /// The server: `smtp://[USER@]HOST[:PORT]` (STARTTLS as --tls says, 587 by default) or
    /// `smtps://...` (TLS from the first byte, 465).
    #[arg(long, value_name = "URL")]
    pub smtp: Option<String>,
    /// Send through a saved account's outgoing server (its password from the saved ones
    /// unless `PORTOLAN_PASSWORD` is set).
    #[arg(long, value_name = "NAME")]
    pub account: Option<String>,
}

/// The submission server from `--smtp` (or the account), with login and TLS mode.
fn server_of(o: &SendOptions, net: &NetOptions) -> Result<SmtpServer, CliError> {
    if let Some(name) = &o.account {
        return account_server(name, net);
    }
    let url = o.smtp.as_deref().ok_or_else(|| {
        CliError("say where to send: --smtp smtp://USER@HOST:587 or --account NAME".into())
    })?;
    let link = Link::parse(url).map_err(err)?;
    let Link::Mail { scheme, server, .. } = link else {
        return Err(CliError(format!("{url} is not an smtp:// or smtps:// URL")));
    };
    let tls = match scheme {
        Scheme::Smtps => TlsMode::Implicit,
        Scheme::Smtp => match net.tls.as_str() {
            // Submission with a password: TLS unless the user says plain.
            "auto" | "require" => TlsMode::Explicit,
            other => TlsMode::from_name(other),
        },
        _ => return Err(CliError(format!("{url} is not an smtp:// or smtps:// URL"))),
    };
    let user = net
        .user
        .clone()
        .or_else(|| server.user.clone())
        .unwrap_or_default();
    let password = if user.is_empty() {
        String::new()
    } else if let Some(p) = server.password.clone() {
        p
    } else {
        password(&user)?
    };
    Ok(SmtpServer {
        host: server.host.clone(),
        port: server.port,
        tls,
        user,
        password,
    })
}

/// `PORTOLAN_PASSWORD`, else a prompt on the terminal (stdin carries the body).
fn password(user: &str) -> Result<String, CliError> {
    if let Ok(p) = std::env::var("PORTOLAN_PASSWORD") {
        return Ok(p);
    }
    rpassword::prompt_password(format!("Password for {user}: ")).map_err(|_| {
        CliError(format!(
            "no password for {user}: set PORTOLAN_PASSWORD (stdin is the message body)"
        ))
    })
}

fn account_server(name: &str, net: &NetOptions) -> Result<SmtpServer, CliError> {
    let path = crate::store::Store::default_path()
        .ok_or_else(|| CliError("no data directory for the saved accounts".into()))?;
    let store = crate::store::Store::open(&path).map_err(err)?;
    let accounts = store.load_accounts().map_err(err)?;
    let a = accounts
        .into_iter()
        .find(|a| a.name == name || a.identities.iter().any(|i| i.address == name))
        .ok_or_else(|| CliError(format!("no saved account named {name:?}")))?;
    if a.smtp_host.is_empty() {
        return Err(CliError(format!(
            "the account {name:?} has no outgoing server"
        )));
    }
    let user = net.user.clone().unwrap_or_else(|| a.smtp_user.clone());
    let password = if user.is_empty() {
        String::new()
    } else {
        password(&user)?
    };
    Ok(SmtpServer {
        host: a.smtp_host.clone(),
        port: a.smtp_port,
        tls: TlsMode::from_name(&a.smtp_tls),
        user,
        password,
    })
}

/// Builds and sends; prints the Message-ID.
pub async fn send(o: &SendOptions, net: &NetOptions) -> Result<(), CliError> {
    let server = server_of(o, net)?;
    let mut body = String::new();
    std::io::Read::read_to_string(&mut std::io::stdin(), &mut body)
        .map_err(|e| CliError(format!("the body on stdin is not UTF-8 text: {e}")))?;
    let parts = o
        .attach
        .iter()
        .map(|p| Part::read(p))
        .collect::<Result<Vec<_>, _>>()
        .map_err(CliError)?;
    let draft = Draft {
        from: o.from.clone(),
        to: o.to.join(", "),
        cc: o.cc.join(", "),
        bcc: o.bcc.join(", "),
        subject: o.subject.clone(),
        body: body.replace("\r\n", "\n"),
        ..Draft::default()
    };
    let built =
        build::build(&draft, parts, Vec::new(), std::time::SystemTime::now()).map_err(err)?;
    let trust = trust_for(net)?;
    let attempt = smtp::send(
        &server,
        &trust,
        &Limits::default(),
        &built.envelope,
        &built.bytes,
    )
    .await;
    match attempt.result {
        Ok(_) => {
            let mut out = std::io::stdout().lock();
            std::io::Write::write_all(&mut out, format!("<{}>\n", built.message_id).as_bytes())
                .map_err(err)
        }
        Err(e) => Err(err(e)),
    }
}
