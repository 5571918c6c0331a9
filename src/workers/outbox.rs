//! The outbox worker: sends what waits in the store's outbox once its Undo window has
//! passed, keeps what the server refused with its words and transcript, tries again by
//! itself after a network failure (30 s, doubling to 10 min), and after an accepted send
//! puts the copy in Sent and marks the answered message `\Answered`.

use std::collections::HashMap;
use std::time::Duration;

use lettre::Address;
use tokio::sync::mpsc;

use super::{MappedSink, Services};
use crate::proto::imap::client::{ImapError, ImapSession};
use crate::proto::net::{NetError, ServerLogin};
use crate::proto::smtp::{self, SmtpError, SmtpServer};
use crate::proto::tls::{CertRejection, TlsMode};
use crate::secrets::Secrets;
use crate::store::Store;
use crate::store::mail::Account;
use crate::store::outbox::{self, OutboxRow, now_ms};

/// What the panel asks of the outbox.
#[derive(Debug)]
pub enum OutboxCommand {
    /// Something was queued or changed: look again.
    Wake,
    /// Send a refused message again now.
    Retry(i64),
    /// Send everything refused again now (after a certificate was trusted, a password given).
    RetryAll,
    /// A password typed this run, for accounts whose password is not saved.
    Password {
        account: i64,
        password: String,
    },
    /// Keep this copy of a draft in the account's IMAP Drafts folder, replacing older copies
    /// with the same token.
    SaveDraft {
        account: i64,
        token: String,
        raw: Vec<u8>,
    },
    /// The draft was sent or discarded: remove its copies from the Drafts folder.
    DropDraft {
        account: i64,
        token: String,
    },
    Stop,
}

/// What the outbox tells the panel.
#[derive(Debug)]
pub enum OutboxEvent {
    /// The outbox as it is now.
    Changed(Vec<OutboxRow>),
    Sent {
        subject: String,
        recipients: String,
        /// A note when the copy in Sent could not be made on the server.
        note: Option<String>,
    },
    Failed {
        subject: String,
        error: String,
    },
    Untrusted(Box<CertRejection>),
}

/// Starts the outbox. One per app: it alone sends, so a message never goes twice.
pub fn spawn<E: Send + 'static>(
    services: &Services,
    store: Store,
    secrets: Secrets,
    events: MappedSink<OutboxEvent, E>,
) -> mpsc::UnboundedSender<OutboxCommand> {
    let (tx, rx) = mpsc::unbounded_channel();
    let services = services.clone();
    services.runtime.clone().spawn(async move {
        run(&services, &store, &secrets, rx, &events).await;
    });
    tx
}

fn wait<T: Send + 'static>(
    store: &Store,
    f: impl FnOnce(&mut rusqlite::Connection) -> rusqlite::Result<T> + Send + 'static,
) -> Option<T> {
    store.mail_wait(f).ok()
}

async fn run<E>(
    services: &Services,
    store: &Store,
    secrets: &Secrets,
    mut rx: mpsc::UnboundedReceiver<OutboxCommand>,
    events: &MappedSink<OutboxEvent, E>,
) {
    let _ = wait(store, |c| outbox::recover_interrupted(c));
    let mut passwords: HashMap<i64, String> = HashMap::new();
    // When a message refused for a passing reason is tried next, and the wait after that.
    let mut backoff: HashMap<i64, (i64, i64)> = HashMap::new();
    loop {
        let rows = wait(store, |c| outbox::outbox(c)).unwrap_or_default();
        events.send(OutboxEvent::Changed(rows.clone()));
        let now = now_ms();
        let due = rows.iter().find(|r| match r.state.as_str() {
            "waiting" => r.send_after <= now,
            "failed" => r.temporary && backoff.get(&r.id).is_some_and(|(at, _)| *at <= now),
            "sent" => true,
            _ => false,
        });
        if let Some(row) = due.cloned() {
            if row.state == "sent" {
                finish(services, store, secrets, &passwords, &row, events, None).await;
                continue;
            }
            match deliver(services, store, secrets, &passwords, &row, events).await {
                Some(false) => {
                    let wait_ms = backoff
                        .get(&row.id)
                        .map_or(30_000, |(_, w)| (w * 2).min(600_000));
                    backoff.insert(row.id, (now_ms() + wait_ms, wait_ms));
                }
                Some(true) | None => {
                    backoff.remove(&row.id);
                }
            }
            continue;
        }
        // Refused for a passing reason in an earlier run: tried again soon.
        for r in rows.iter().filter(|r| r.state == "failed" && r.temporary) {
            backoff.entry(r.id).or_insert((now + 30_000, 30_000));
        }
        let next = rows
            .iter()
            .filter_map(|r| match r.state.as_str() {
                "waiting" => Some(r.send_after),
                "failed" if r.temporary => backoff.get(&r.id).map(|(at, _)| *at),
                _ => None,
            })
            .min();
        let sleep = next.map_or(Duration::from_hours(1), |at| {
            Duration::from_millis(u64::try_from(at - now).unwrap_or(0).max(1))
        });
        tokio::select! {
            cmd = rx.recv() => match cmd {
                None | Some(OutboxCommand::Stop) => return,
                Some(OutboxCommand::Wake) => {}
                Some(OutboxCommand::Retry(id)) => {
                    backoff.remove(&id);
                    let _ = wait(store, move |c| outbox::retry_now(c, id));
                }
                Some(OutboxCommand::RetryAll) => {
                    backoff.clear();
                    for r in rows.iter().filter(|r| r.state == "failed") {
                        let id = r.id;
                        let _ = wait(store, move |c| outbox::retry_now(c, id));
                    }
                }
                Some(OutboxCommand::SaveDraft { account, token, raw }) => {
                    if let Err(e) = drafts_on_server(services, store, secrets, &passwords, account, &token, Some(&raw)).await {
                        tracing::info!("the draft's copy on the server was not made: {e}");
                    }
                }
                Some(OutboxCommand::DropDraft { account, token }) => {
                    if let Err(e) = drafts_on_server(services, store, secrets, &passwords, account, &token, None).await {
                        tracing::info!("the draft's copies on the server were not removed: {e}");
                    }
                }
                Some(OutboxCommand::Password { account, password }) => {
                    passwords.insert(account, password);
                    // What waited for this password goes now.
                    for r in rows.iter().filter(|r| r.state == "failed" && r.account == account) {
                        let id = r.id;
                        backoff.remove(&id);
                        let _ = wait(store, move |c| outbox::retry_now(c, id));
                    }
                }
            },
            () = tokio::time::sleep(sleep) => {}
        }
    }
}

async fn secret(secrets: &Secrets, key: String) -> Option<String> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    secrets.get(key, move |p| {
        let _ = tx.send(p);
    });
    rx.await.ok().flatten()
}

/// The account's password: typed this run, else saved for SMTP, else saved for incoming mail.
async fn password_of(
    secrets: &Secrets,
    typed: &HashMap<i64, String>,
    a: &Account,
) -> Option<String> {
    if let Some(p) = typed.get(&a.id) {
        return Some(p.clone());
    }
    if let Some(p) = secret(secrets, a.smtp_secret_key()).await {
        return Some(p);
    }
    secret(secrets, a.secret_key()).await
}

fn account_of(store: &Store, id: i64) -> Option<Account> {
    store
        .load_accounts()
        .ok()
        .and_then(|all| all.into_iter().find(|a| a.id == id))
}

/// Sends one message. `Some(true)`: accepted; `Some(false)`: refused for a passing reason;
/// `None`: refused until the user acts, or taken back.
async fn deliver<E>(
    services: &Services,
    store: &Store,
    secrets: &Secrets,
    typed: &HashMap<i64, String>,
    row: &OutboxRow,
    events: &MappedSink<OutboxEvent, E>,
) -> Option<bool> {
    let id = row.id;
    if !wait(store, move |c| outbox::start_sending(c, id)).unwrap_or(false) {
        return None;
    }
    let fail = |error: String, transcript: String, temporary: bool| {
        let e = error.clone();
        let _ = wait(store, move |c| {
            outbox::mark_failed(c, id, &e, &transcript, temporary)
        });
        events.send(OutboxEvent::Failed {
            subject: row.subject.clone(),
            error,
        });
        Some(false).filter(|_| temporary)
    };
    let Some(account) = account_of(store, row.account) else {
        return fail(
            "the account of this message was removed".into(),
            String::new(),
            false,
        );
    };
    if account.smtp_host.trim().is_empty() {
        return fail(
            format!(
                "the account {} has no outgoing (SMTP) server: add one in its settings",
                account.name
            ),
            String::new(),
            false,
        );
    }
    let password = password_of(secrets, typed, &account)
        .await
        .unwrap_or_default();
    if password.is_empty() && !account.smtp_user.is_empty() {
        return fail(
            format!(
                "no password for {}: enter it at the account in the Mail panel (or unlock saved \
                 passwords), and the message goes",
                account.smtp_user
            ),
            String::new(),
            false,
        );
    }
    let raw = wait(store, move |c| outbox::raw(c, id)).flatten()?;
    let envelope = match envelope_of(row) {
        Ok(e) => e,
        Err(e) => return fail(e, String::new(), false),
    };
    let server = SmtpServer {
        host: account.smtp_host.clone(),
        port: account.smtp_port,
        tls: TlsMode::from_name(&account.smtp_tls),
        user: account.smtp_user.clone(),
        password: password.clone(),
    };
    let attempt = smtp::send(&server, &services.trust, &services.limits, &envelope, &raw).await;
    let transcript = attempt.transcript.text();
    match attempt.result {
        Ok(_) => {
            let t = transcript.clone();
            let _ = wait(store, move |c| outbox::mark_accepted(c, id, &t));
            let mut done = row.clone();
            done.state = "sent".into();
            finish(services, store, secrets, typed, &done, events, Some(raw)).await;
            Some(true)
        }
        Err(SmtpError::Net(NetError::Untrusted(rejection))) => {
            let words = format!("the certificate of {} is not trusted", rejection.host);
            events.send(OutboxEvent::Untrusted(rejection));
            fail(words, transcript, false)
        }
        Err(e) => {
            let temporary = e.is_temporary();
            fail(e.to_string(), transcript, temporary)
        }
    }
}

fn envelope_of(row: &OutboxRow) -> Result<lettre::address::Envelope, String> {
    let from: Address = row
        .sender
        .parse()
        .map_err(|_| format!("the sender {:?} is not an address", row.sender))?;
    let to = row
        .recipients
        .split_whitespace()
        .map(|r| {
            r.parse::<Address>()
                .map_err(|_| format!("{r:?} is not an address"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    lettre::address::Envelope::new(Some(from), to).map_err(|e| e.to_string())
}

/// After the server took it: the copy in Sent, `\Answered` on the original, out of the outbox.
async fn finish<E>(
    services: &Services,
    store: &Store,
    secrets: &Secrets,
    typed: &HashMap<i64, String>,
    row: &OutboxRow,
    events: &MappedSink<OutboxEvent, E>,
    raw: Option<Vec<u8>>,
) {
    let id = row.id;
    let raw = match raw {
        Some(r) => r,
        None => wait(store, move |c| outbox::raw(c, id))
            .flatten()
            .unwrap_or_default(),
    };
    let mut note = None;
    if let Some(account) = account_of(store, row.account) {
        if account.kind == "imap" {
            if let Err(e) =
                copy_to_server(services, store, secrets, typed, &account, row, &raw).await
            {
                let words = e.to_string();
                let (acc, r) = (account.id, raw.clone());
                let _ = wait(store, move |c| {
                    outbox::save_local_copy(c, acc, "Sent (not on the server)", "", &r)
                });
                note = Some(format!(
                    "the copy in Sent could not be saved on the server ({words}); it is kept in \
                     the local folder \"Sent (not on the server)\""
                ));
            }
        } else {
            let (acc, r) = (account.id, raw.clone());
            let _ = wait(store, move |c| {
                outbox::save_local_copy(c, acc, "Sent", "sent", &r)
            });
            if let Some(orig) = row.draft.answers {
                let _ = wait(store, move |c| mark_answered_locally(c, orig));
            }
        }
    }
    let _ = wait(store, move |c| outbox::remove(c, id));
    events.send(OutboxEvent::Sent {
        subject: row.subject.clone(),
        recipients: row.recipients.clone(),
        note,
    });
}

fn mark_answered_locally(c: &rusqlite::Connection, message: i64) -> rusqlite::Result<()> {
    c.execute(
        "UPDATE messages SET flags = trim(flags || ' \\Answered') WHERE id = ?1
         AND (' ' || flags || ' ') NOT LIKE '% \\Answered %'",
        [message],
    )?;
    Ok(())
}

/// APPEND to the Sent folder (SPECIAL-USE, else one named Sent, made if missing) and
/// `\Answered` on the original, in one short session of their own.
async fn copy_to_server(
    services: &Services,
    store: &Store,
    secrets: &Secrets,
    typed: &HashMap<i64, String>,
    account: &Account,
    row: &OutboxRow,
    raw: &[u8],
) -> Result<(), ImapError> {
    let mut session = imap_session(services, secrets, typed, account).await?;
    // No SPECIAL-USE Sent: the usual name, made when the server has none.
    let sent = folder_for(&mut session, store, account.id, "sent", "Sent").await;
    session.append(&sent, Some("(\\Seen)"), raw).await?;
    if let Some(orig) = row.draft.answers {
        let target = store
            .call(move |c| -> rusqlite::Result<Option<(String, u32)>> {
                let Some(m) = crate::store::mail::message(c, orig)? else {
                    return Ok(None);
                };
                Ok(crate::store::mail::folder(c, m.folder)?.map(|f| (f.name, m.uid)))
            })
            .ok()
            .and_then(Result::ok)
            .flatten();
        if let Some((folder, uid)) = target {
            session.select(&folder).await?;
            session.store_flags(&[uid], &["\\Answered"], true).await?;
            let _ = wait(store, move |c| mark_answered_locally(c, orig));
        }
    }
    session.logout().await;
    Ok(())
}

/// A session of its own with the account's incoming server, with the password typed this run
/// or else the saved one.
async fn imap_session(
    services: &Services,
    secrets: &Secrets,
    typed: &HashMap<i64, String>,
    a: &Account,
) -> Result<ImapSession, ImapError> {
    let password = match typed.get(&a.id) {
        Some(p) => p.clone(),
        None => secret(secrets, a.secret_key()).await.unwrap_or_default(),
    };
    let login = ServerLogin {
        host: a.host.clone(),
        port: a.port,
        tls: TlsMode::from_name(&a.tls),
        user: a.user.clone(),
        password,
    };
    ImapSession::connect(&login, &services.trust, &services.limits).await
}

/// The account's folder with `role`, else the usual `name` (made when the server has none).
async fn folder_for(
    session: &mut ImapSession,
    store: &Store,
    account: i64,
    role: &'static str,
    name: &str,
) -> String {
    let folders = store
        .call(move |c| crate::store::mail::folders(c, account))
        .ok()
        .and_then(Result::ok)
        .unwrap_or_default();
    if let Some(f) = folders.iter().find(|f| f.role.as_deref() == Some(role)) {
        return f.name.clone();
    }
    let _ = session.create(name).await;
    name.to_string()
}

/// Puts `raw` in the Drafts folder (when given) and removes every other copy of the draft
/// named by `token`. Only IMAP accounts have a server Drafts folder; others are left alone.
async fn drafts_on_server(
    services: &Services,
    store: &Store,
    secrets: &Secrets,
    typed: &HashMap<i64, String>,
    account: i64,
    token: &str,
    raw: Option<&[u8]>,
) -> Result<(), ImapError> {
    let Some(a) = account_of(store, account).filter(|a| a.kind == "imap") else {
        return Ok(());
    };
    let mut session = imap_session(services, secrets, typed, &a).await?;
    let drafts = folder_for(&mut session, store, a.id, "drafts", "Drafts").await;
    if let Some(raw) = raw {
        session
            .append(&drafts, Some("(\\Draft \\Seen)"), raw)
            .await?;
    }
    session.select(&drafts).await?;
    let query = format!(
        "HEADER X-Portolan-Draft {}",
        crate::proto::imap::quote::quoted(token).map_err(ImapError::from)?
    );
    let mut uids = session.search(&query).await?;
    uids.sort_unstable();
    // The newest copy stays when one was just made.
    if raw.is_some() {
        uids.pop();
    }
    if !uids.is_empty() {
        session.store_flags(&uids, &["\\Deleted"], true).await?;
        session.expunge(&uids).await?;
    }
    session.logout().await;
    Ok(())
}
