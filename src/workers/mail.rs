//! The Mail panel's worker: one task per account. For IMAP it keeps one session, lists the
//! folders, syncs the open folder and then waits in IDLE on it (renewed before 29 minutes;
//! reconnecting with backoff after a drop), so mail delivered to the server appears within
//! seconds. Commands from the panel (open a folder, fetch a body, flag, move, delete) interrupt
//! the wait. Server searches, and messages opened in another folder while one is synced, go
//! to a second session, so they wait for neither (`mail_side`). For POP3 it downloads into
//! the local Inbox on each refresh.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::mpsc;

use super::mail_side::{OpenAsk, SearchAsk, Side};
use super::mail_sync::{self, SyncError, SyncReport};
use super::{MappedSink, Services};
use crate::proto::imap::{IdleEnd, ImapError, ImapSession, SpecialUse};
use crate::proto::net::ServerLogin;
use crate::proto::pop3::Pop3Session;
use crate::proto::tls::TlsMode;
use crate::store::Store;
use crate::store::mail::{self as records, Account, FolderInfo, FolderRow};

/// What the panel asks of an account.
#[derive(Debug, Clone)]
pub enum MailCommand {
    /// List the folders again and sync the open one (POP3: download).
    Refresh,
    /// Sync this folder and wait for news on it.
    Open(FolderRow),
    /// Fetch a message's body (it goes to the store, then to the panel).
    FetchBody {
        message: i64,
        folder: String,
        uid: u32,
        size: u32,
    },
    /// Set or clear a flag on the server (the store already shows it).
    Flag {
        folder: String,
        uids: Vec<u32>,
        flag: &'static str,
        on: bool,
    },
    /// Move messages to another folder (delete is a move to Trash).
    Move {
        ids: Vec<i64>,
        folder: String,
        uids: Vec<u32>,
        to: String,
    },
    /// Delete messages for good (a folder without Trash, or Trash itself).
    Expunge {
        ids: Vec<i64>,
        folder: String,
        uids: Vec<u32>,
    },
    /// Folder management: create, rename, delete, subscribe or unsubscribe; the folder list
    /// is read again after.
    Folder(FolderChange),
    /// Ask the server too (its SEARCH reads bodies the cache does not have yet).
    Search {
        folder: FolderRow,
        query: crate::mail::search::Query,
        generation: u64,
    },
    Stop,
}

/// A change to the folder tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FolderChange {
    Create(String),
    Rename { from: String, to: String },
    Delete(String),
    Subscribe { folder: String, on: bool },
}

/// What an account's worker reports.
#[derive(Debug, Clone)]
pub enum MailEvent {
    Connected {
        account: i64,
        tls: bool,
        report: Vec<String>,
    },
    Folders {
        account: i64,
        folders: Vec<FolderRow>,
    },
    /// Some of a folder's new messages are stored: reload the list.
    Progress {
        folder: i64,
        stored: usize,
    },
    Synced {
        folder: i64,
        report: SyncReport,
    },
    Body {
        message: i64,
        raw: Vec<u8>,
    },
    /// A change the server refused: the panel undoes what it showed.
    Refused {
        account: i64,
        what: String,
        error: String,
        ids: Vec<i64>,
    },
    /// The connection is down; the worker tries again in `retry_in` seconds.
    Offline {
        account: i64,
        error: String,
        retry_in: u64,
    },
    /// The account cannot be used as set up (a wrong password, no STARTTLS): no retries.
    Failed {
        account: i64,
        error: String,
    },
    /// UIDs of `folder` the server found for search `generation`.
    Searched {
        folder: i64,
        generation: u64,
        uids: Vec<u32>,
    },
    /// The server's certificate is not trusted: the shell asks the user, then the panel
    /// starts the worker again.
    Untrusted {
        account: i64,
        rejection: Box<crate::proto::tls::CertRejection>,
    },
}

/// How long IDLE waits before renewing (RFC 2177: at most 29 minutes).
const IDLE_RENEW: Duration = Duration::from_mins(25);
/// Servers without IDLE are checked this often.
const POLL: Duration = Duration::from_mins(2);

/// Starts the worker for `account` with `password`.
pub fn spawn<E: Send + 'static>(
    services: &Services,
    store: Store,
    account: Account,
    password: String,
    events: MappedSink<MailEvent, E>,
) -> mpsc::UnboundedSender<MailCommand> {
    let (tx, rx) = mpsc::unbounded_channel();
    let services = services.clone();
    services.runtime.clone().spawn(async move {
        if account.kind == "pop3" {
            pop3_loop(&services, &store, &account, &password, rx, &events).await;
        } else {
            imap_loop(&services, &store, &account, &password, rx, &events).await;
        }
    });
    tx
}

fn role_name(role: Option<SpecialUse>) -> Option<String> {
    role.map(|r| {
        match r {
            SpecialUse::Inbox => "inbox",
            SpecialUse::All => "all",
            SpecialUse::Archive => "archive",
            SpecialUse::Drafts => "drafts",
            SpecialUse::Flagged => "flagged",
            SpecialUse::Junk => "junk",
            SpecialUse::Sent => "sent",
            SpecialUse::Trash => "trash",
        }
        .to_string()
    })
}

/// The account's incoming server with its password.
fn login_of(account: &Account, password: &str) -> ServerLogin {
    ServerLogin {
        host: account.host.clone(),
        port: account.port,
        tls: TlsMode::from_name(&account.tls),
        user: account.user.clone(),
        password: password.to_string(),
    }
}

/// Permanent errors end the worker; connection errors are retried.
fn permanent(e: &ImapError) -> bool {
    matches!(
        e,
        ImapError::Login { .. } | ImapError::NoStarttls { .. } | ImapError::Greeting { .. }
    ) || matches!(e, ImapError::Net(crate::proto::net::NetError::Untrusted(_)))
}

async fn imap_loop<E: Send + 'static>(
    services: &Services,
    store: &Store,
    account: &Account,
    password: &str,
    from_panel: mpsc::UnboundedReceiver<MailCommand>,
    events: &MappedSink<MailEvent, E>,
) {
    let server = login_of(account, password);
    let (to_worker, mut rx) = mpsc::unbounded_channel();
    let side = super::mail_side::spawn(
        server.clone(),
        services.trust.clone(),
        services.limits,
        store.clone(),
        account.id,
        events.clone(),
        to_worker.downgrade(),
    );
    let aside = Aside {
        side,
        syncing: Syncing::default(),
    };
    tokio::spawn(route(from_panel, to_worker, aside.clone()));
    let mut open: Option<FolderRow> = None;
    let mut backoff = 2u64;
    // Commands read ahead of their turn (while waiting to reconnect, or to see whether a
    // search is still wanted), run before the channel's next.
    let mut pending: VecDeque<MailCommand> = VecDeque::new();
    'connect: loop {
        let mut session =
            match ImapSession::connect(&server, &services.trust, &services.limits).await {
                Ok(s) => s,
                Err(ImapError::Net(crate::proto::net::NetError::Untrusted(rejection))) => {
                    events.send(MailEvent::Untrusted {
                        account: account.id,
                        rejection,
                    });
                    return;
                }
                Err(e) if permanent(&e) => {
                    events.send(MailEvent::Failed {
                        account: account.id,
                        error: e.to_string(),
                    });
                    return;
                }
                Err(e) => {
                    events.send(MailEvent::Offline {
                        account: account.id,
                        error: e.to_string(),
                        retry_in: backoff,
                    });
                    if wait_or_stop(&mut rx, Duration::from_secs(backoff), &mut pending).await {
                        return;
                    }
                    backoff = (backoff * 2).min(300);
                    continue 'connect;
                }
            };
        backoff = 2;
        let mut sent_synced = false;
        events.send(MailEvent::Connected {
            account: account.id,
            tls: session.tls,
            report: crate::proto::imap::capability_report(&session.capabilities),
        });
        if let Err(e) = list_folders(&mut session, store, account, events).await {
            if report_error(&e, account, events) {
                return;
            }
            continue 'connect;
        }
        if let Some(folder) = open.clone()
            && let Err(e) = sync_shown(
                &mut session,
                store,
                &folder,
                events,
                (&mut rx, &mut pending),
                &aside,
            )
            .await
        {
            if report_error(&e, account, events) {
                return;
            }
            continue 'connect;
        }
        loop {
            let command = if let Some(c) = pending.pop_front() {
                Some(c)
            } else if open.is_some() && session.has("IDLE") {
                match session.idle(IDLE_RENEW, rx.recv()).await {
                    Ok((s, end)) => {
                        session = s;
                        match end {
                            IdleEnd::Interrupted(c) => Some(c.unwrap_or(MailCommand::Stop)),
                            IdleEnd::Changed | IdleEnd::TimedOut => Some(MailCommand::Refresh),
                        }
                    }
                    Err(e) => {
                        events.send(MailEvent::Offline {
                            account: account.id,
                            error: e.to_string(),
                            retry_in: 0,
                        });
                        continue 'connect;
                    }
                }
            } else {
                match tokio::time::timeout(POLL, rx.recv()).await {
                    Ok(c) => Some(c.unwrap_or(MailCommand::Stop)),
                    Err(_) => Some(MailCommand::Refresh),
                }
            };
            let Some(command) = command else { continue };
            // The panel asks for a server search as each letter is typed: one that a newer
            // search replaces is dropped, and what else is waiting (opening a message) goes
            // first. The search itself runs on a connection of its own (`mail_side`).
            if let MailCommand::Search { .. } = command {
                while let Ok(next) = rx.try_recv() {
                    pending.push_back(next);
                }
                if pending
                    .iter()
                    .any(|c| matches!(c, MailCommand::Search { .. }))
                {
                    continue;
                }
                if !pending.is_empty() {
                    pending.push_back(command);
                    continue;
                }
            }
            let result = match command {
                MailCommand::Stop => {
                    session.logout().await;
                    return;
                }
                // Opening a folder syncs it; a refresh syncs the open one, or lists the
                // folders when none is open.
                MailCommand::Refresh | MailCommand::Open(_) => {
                    if let MailCommand::Open(folder) = command {
                        open = Some(folder);
                    }
                    match open.clone() {
                        Some(folder) => {
                            sync_shown(
                                &mut session,
                                store,
                                &folder,
                                events,
                                (&mut rx, &mut pending),
                                &aside,
                            )
                            .await
                        }
                        None => list_folders(&mut session, store, account, events).await,
                    }
                }
                MailCommand::FetchBody {
                    message,
                    folder,
                    uid,
                    size,
                } => {
                    fetch_body(
                        &mut session,
                        store,
                        open.as_ref(),
                        &folder,
                        message,
                        uid,
                        size,
                        events,
                    )
                    .await
                }
                MailCommand::Flag {
                    folder,
                    uids,
                    flag,
                    on,
                } => {
                    let r = on_folder(&mut session, open.as_ref(), &folder, async |s| {
                        s.store_flags(&uids, &[flag], on).await
                    })
                    .await;
                    refused(
                        r,
                        account,
                        format!("{flag} on {} message(s)", uids.len()),
                        Vec::new(),
                        events,
                    )
                }
                MailCommand::Move {
                    ids,
                    folder,
                    uids,
                    to,
                } => {
                    let r = on_folder(&mut session, open.as_ref(), &folder, async |s| {
                        s.move_to(&uids, &to).await
                    })
                    .await;
                    let what = format!("moving {} message(s) to {to}", uids.len());
                    removed(r, store, account, what, ids, events)
                }
                MailCommand::Expunge { ids, folder, uids } => {
                    let r = on_folder(&mut session, open.as_ref(), &folder, async |s| {
                        s.store_flags(&uids, &["\\Deleted"], true).await?;
                        s.expunge(&uids).await
                    })
                    .await;
                    let what = format!("deleting {} message(s)", uids.len());
                    removed(r, store, account, what, ids, events)
                }
                MailCommand::Search {
                    folder,
                    query,
                    generation,
                } => {
                    // On a connection of its own (see `mail_side`), or here when the server
                    // allows no second one.
                    let ask = SearchAsk {
                        folder,
                        query,
                        generation,
                    };
                    match aside.side.search(ask) {
                        None => Ok(()),
                        Some(ask) => {
                            search_here(&mut session, open.as_ref(), &ask, account, events).await
                        }
                    }
                }
                MailCommand::Folder(change) => {
                    let (what, r) = match &change {
                        FolderChange::Create(name) => {
                            (format!("creating {name}"), session.create(name).await)
                        }
                        FolderChange::Rename { from, to } => (
                            format!("renaming {from} to {to}"),
                            session.rename(from, to).await,
                        ),
                        FolderChange::Delete(name) => {
                            // A folder cannot be deleted while it is selected.
                            if open.as_ref().is_some_and(|o| o.name == *name) {
                                open = None;
                                let _ = session.select("INBOX").await;
                            }
                            (
                                format!("deleting the folder {name}"),
                                session.delete(name).await,
                            )
                        }
                        FolderChange::Subscribe { folder, on } => (
                            format!(
                                "{} {folder}",
                                if *on {
                                    "subscribing to"
                                } else {
                                    "unsubscribing from"
                                }
                            ),
                            session.subscribe(folder, *on).await,
                        ),
                    };
                    match refused(r, account, what, Vec::new(), events) {
                        Ok(()) => list_folders(&mut session, store, account, events).await,
                        Err(e) => Err(e),
                    }
                }
            };
            if let Err(e) = result {
                if report_error(&e, account, events) {
                    return;
                }
                continue 'connect;
            }
            // Once per connection, after the open folder: Sent too, so the conversation view
            // has the user's own replies without Sent being opened first.
            if !sent_synced && let Some(folder) = open.clone() {
                sent_synced = true;
                let waiting = (&mut rx, &mut pending);
                if let Err(e) = sync_sent(
                    &mut session,
                    store,
                    account,
                    &folder,
                    events,
                    waiting,
                    &aside,
                )
                .await
                {
                    if report_error(&e, account, events) {
                        return;
                    }
                    continue 'connect;
                }
            }
        }
    }
}

/// Syncs the account's Sent folder (when it is not `open`), then `open` again so IDLE goes on
/// watching it. Messages opened meanwhile are served as by [`sync_shown`].
async fn sync_sent<E>(
    session: &mut ImapSession,
    store: &Store,
    account: &Account,
    open: &FolderRow,
    events: &MappedSink<MailEvent, E>,
    (rx, pending): Waiting<'_>,
    aside: &Aside,
) -> Result<(), SyncError> {
    let id = account.id;
    let sent = store
        .mail_wait(move |c| records::folders(c, id))?
        .into_iter()
        .find(|f| f.role.as_deref() == Some("sent") && f.selectable);
    let Some(sent) = sent.filter(|s| s.id != open.id) else {
        return Ok(());
    };
    sync_shown(
        session,
        store,
        &sent,
        events,
        (&mut *rx, &mut *pending),
        aside,
    )
    .await?;
    // Synced again rather than only selected: what arrived meanwhile is not missed.
    sync_shown(session, store, open, events, (rx, pending), aside).await
}

/// The second connection, and what the worker is syncing (see [`route`]).
#[derive(Clone)]
struct Aside {
    side: Side,
    syncing: Syncing,
}

/// The folder the worker is syncing, if any.
#[derive(Clone, Default)]
struct Syncing(Arc<Mutex<Option<String>>>);

impl Syncing {
    /// Marks `folder` as syncing until the guard is dropped (the sync ended, or failed).
    fn during(&self, folder: &str) -> impl Drop + use<> {
        struct Clear(Arc<Mutex<Option<String>>>);
        impl Drop for Clear {
            fn drop(&mut self) {
                *self.0.lock().unwrap_or_else(PoisonError::into_inner) = None;
            }
        }
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(folder.to_string());
        Clear(self.0.clone())
    }

    /// Whether a folder other than `folder` is syncing.
    fn other_than(&self, folder: &str) -> bool {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_deref()
            .is_some_and(|f| f != folder)
    }
}

/// Stands between the panel and the worker: a message opened in a folder other than the one
/// the worker is syncing goes to the second connection as it arrives, for the worker reads
/// its channel only between two batches, and a batch can take as long as the server likes.
/// The rest, and what the second connection cannot take, goes to the worker in order.
async fn route(
    mut from_panel: mpsc::UnboundedReceiver<MailCommand>,
    to_worker: mpsc::UnboundedSender<MailCommand>,
    aside: Aside,
) {
    while let Some(command) = from_panel.recv().await {
        let command = match command {
            MailCommand::FetchBody {
                message,
                folder,
                uid,
                size,
            } if aside.syncing.other_than(&folder) => {
                let message = mail_sync::Wanted {
                    message,
                    uid,
                    size,
                    elsewhere: None,
                };
                match aside.side.open(OpenAsk { folder, message }) {
                    None => continue,
                    Some(back) => back.into_command(),
                }
            }
            command => command,
        };
        if to_worker.send(command).is_err() {
            return;
        }
    }
}

/// The worker's commands: its channel, and those read ahead of their turn.
type Waiting<'a> = (
    &'a mut mpsc::UnboundedReceiver<MailCommand>,
    &'a mut VecDeque<MailCommand>,
);

/// A server search on the worker's own connection, for a server that allows no second one.
async fn search_here<E>(
    session: &mut ImapSession,
    open: Option<&FolderRow>,
    ask: &SearchAsk,
    account: &Account,
    events: &MappedSink<MailEvent, E>,
) -> Result<(), SyncError> {
    let Some(criteria) = ask.query.imap_criteria(session.has("LITERAL+")) else {
        return Ok(());
    };
    let mut uids = None;
    let r = on_folder(session, open, &ask.folder.name, async |s| {
        uids = Some(s.search(&criteria).await?);
        Ok(())
    })
    .await;
    match r {
        Ok(()) => {
            events.send(MailEvent::Searched {
                folder: ask.folder.id,
                generation: ask.generation,
                uids: uids.unwrap_or_default(),
            });
            Ok(())
        }
        Err(e) if e.is_connection() => Err(e.into()),
        Err(e) => {
            super::mail_side::refused(events, account.id, ask, &e);
            Ok(())
        }
    }
}

/// Reports an error; true when the worker should stop (it cannot go on as set up).
fn report_error<E>(e: &SyncError, account: &Account, events: &MappedSink<MailEvent, E>) -> bool {
    if let SyncError::Imap(i) = e
        && permanent(i)
    {
        events.send(MailEvent::Failed {
            account: account.id,
            error: e.to_string(),
        });
        return true;
    }
    events.send(MailEvent::Offline {
        account: account.id,
        error: e.to_string(),
        retry_in: 0,
    });
    false
}

/// A refusal by the server becomes an event for the panel to undo; a broken connection goes up.
fn refused<E>(
    r: Result<(), ImapError>,
    account: &Account,
    what: String,
    ids: Vec<i64>,
    events: &MappedSink<MailEvent, E>,
) -> Result<(), SyncError> {
    match r {
        Ok(()) => Ok(()),
        Err(e) if e.is_connection() => Err(e.into()),
        Err(e) => {
            events.send(MailEvent::Refused {
                account: account.id,
                what,
                error: e.to_string(),
                ids,
            });
            Ok(())
        }
    }
}

/// After a move or delete: the cache forgets the messages the server let go, or the panel
/// shows them again with the server's words.
fn removed<E>(
    r: Result<(), ImapError>,
    store: &Store,
    account: &Account,
    what: String,
    ids: Vec<i64>,
    events: &MappedSink<MailEvent, E>,
) -> Result<(), SyncError> {
    if r.is_ok() {
        let forget = ids.clone();
        let _ = store.mail_wait(move |c| records::forget_messages(c, &forget));
    }
    refused(r, account, what, ids, events)
}

/// Runs `f` with `folder` selected, then selects the open folder again.
async fn on_folder(
    session: &mut ImapSession,
    open: Option<&FolderRow>,
    folder: &str,
    f: impl AsyncFnOnce(&mut ImapSession) -> Result<(), ImapError>,
) -> Result<(), ImapError> {
    let here = open.is_some_and(|o| o.name == folder);
    if !here {
        session.select(folder).await?;
    }
    let r = f(session).await;
    if !here && let Some(o) = open {
        session.select(&o.name).await?;
    }
    r
}

async fn list_folders<E>(
    session: &mut ImapSession,
    store: &Store,
    account: &Account,
    events: &MappedSink<MailEvent, E>,
) -> Result<(), SyncError> {
    let listed = session.folders().await?;
    let infos: Vec<FolderInfo> = listed
        .iter()
        .map(|f| FolderInfo {
            name: f.name.clone(),
            delimiter: f.delimiter.clone(),
            role: role_name(f.special_use),
            attributes: f.attributes.join(" "),
            selectable: f.selectable,
        })
        .collect();
    let id = account.id;
    let mut folders = store.mail_wait(move |c| records::sync_folders(c, id, &infos))?;
    // Counts for folders never synced come from STATUS.
    for f in &mut folders {
        if f.selectable && f.uidvalidity.is_none() {
            let status = session.status(&f.name).await?;
            f.messages = status.messages;
            f.unseen = status.unseen.unwrap_or(0);
            let (fid, m, u) = (f.id, f.messages, f.unseen);
            store.mail_wait(move |c| records::set_counts(c, fid, m, u))?;
        }
    }
    events.send(MailEvent::Folders {
        account: account.id,
        folders,
    });
    Ok(())
}

/// Syncs `folder` while serving what is opened meanwhile: a message of `folder` is fetched
/// between two batches, so one clicked during a long first sync opens within a batch; one
/// of another folder goes to the second connection at once (or, when the server allows no
/// second one, is fetched between two batches too). Other commands that came meanwhile wait
/// in `pending`.
async fn sync_shown<E>(
    session: &mut ImapSession,
    store: &Store,
    folder: &FolderRow,
    events: &MappedSink<MailEvent, E>,
    (rx, pending): Waiting<'_>,
    aside: &Aside,
) -> Result<(), SyncError> {
    let account = folder.account;
    let _syncing = aside.syncing.during(&folder.name);
    sync_serving(
        session,
        store,
        folder,
        events,
        || opened_in(&folder.name, rx, pending, &aside.side),
        |w, raw| show_opened(store, events, account, &w, raw),
    )
    .await
}

/// Syncs `folder` as its stored state says (it may be newer than the row the panel sent),
/// telling the panel as batches arrive and when it is done; `wanted` and `opened` as for
/// [`mail_sync::sync_imap_folder_between`].
async fn sync_serving<E>(
    session: &mut ImapSession,
    store: &Store,
    folder: &FolderRow,
    events: &MappedSink<MailEvent, E>,
    wanted: impl FnMut() -> Vec<mail_sync::Wanted>,
    opened: impl FnMut(mail_sync::Wanted, Result<Vec<u8>, ImapError>),
) -> Result<(), SyncError> {
    let id = folder.id;
    let current = store
        .mail_wait(move |c| records::folder(c, id))?
        .unwrap_or_else(|| folder.clone());
    let report = mail_sync::sync_imap_folder_between(
        session,
        store,
        &current,
        |stored| {
            events.send(MailEvent::Progress { folder: id, stored });
        },
        wanted,
        opened,
    )
    .await?;
    events.send(MailEvent::Synced { folder: id, report });
    Ok(())
}

/// The messages of `folder` opened since the last look, taken out of the commands waiting
/// (the channel's are read into `pending` first). Those of other folders are handed to the
/// second connection, or fetched between two batches on this one when there is none; the
/// other commands keep their order.
fn opened_in(
    folder: &str,
    rx: &mut mpsc::UnboundedReceiver<MailCommand>,
    pending: &mut VecDeque<MailCommand>,
    side: &Side,
) -> Vec<mail_sync::Wanted> {
    while let Ok(command) = rx.try_recv() {
        pending.push_back(command);
    }
    let mut wanted = Vec::new();
    for command in std::mem::take(pending) {
        let MailCommand::FetchBody {
            message,
            folder: f,
            uid,
            size,
        } = command
        else {
            pending.push_back(command);
            continue;
        };
        let message = mail_sync::Wanted {
            message,
            uid,
            size,
            elsewhere: None,
        };
        if f == folder {
            wanted.push(message);
        } else if let Some(back) = side.open(OpenAsk { folder: f, message }) {
            // No second connection (the server allows one per user): fetched on this one
            // between two batches all the same.
            wanted.push(mail_sync::Wanted {
                elsewhere: Some(back.folder),
                ..back.message
            });
        }
    }
    wanted
}

/// A message fetched in the middle of a sync: kept for offline reading and shown; shown
/// all the same if it could not be kept, and that is said; a refusal in the server's words.
pub(super) fn show_opened<E>(
    store: &Store,
    events: &MappedSink<MailEvent, E>,
    account: i64,
    w: &mail_sync::Wanted,
    raw: Result<Vec<u8>, ImapError>,
) {
    match raw {
        Ok(raw) => {
            let (message, stored) = (w.message, raw.clone());
            let kept = store.mail_wait(move |c| records::save_body(c, message, &stored));
            events.send(MailEvent::Body { message, raw });
            if let Err(e) = kept {
                events.send(MailEvent::Refused {
                    account,
                    what: format!("keeping message {} for offline reading", w.uid),
                    error: e.to_string(),
                    ids: Vec::new(),
                });
            }
        }
        Err(e) => events.send(MailEvent::Refused {
            account,
            what: format!("opening message {}", w.uid),
            error: e.to_string(),
            ids: Vec::new(),
        }),
    }
}

#[allow(clippy::too_many_arguments)]
async fn fetch_body<E>(
    session: &mut ImapSession,
    store: &Store,
    open: Option<&FolderRow>,
    folder: &str,
    message: i64,
    uid: u32,
    size: u32,
    events: &MappedSink<MailEvent, E>,
) -> Result<(), SyncError> {
    let mut raw = None;
    let r = on_folder(session, open, folder, async |s| {
        raw = Some(s.raw(folder, uid, Some(size)).await?);
        Ok(())
    })
    .await;
    match r {
        Ok(()) => {}
        Err(e) if e.is_connection() => return Err(e.into()),
        Err(e) => {
            events.send(MailEvent::Refused {
                account: open.map_or(0, |o| o.account),
                what: format!("opening message {uid}"),
                error: e.to_string(),
                ids: Vec::new(),
            });
            return Ok(());
        }
    }
    let Some(raw) = raw else { return Ok(()) };
    let stored = raw.clone();
    store.mail_wait(move |c| records::save_body(c, message, &stored))?;
    events.send(MailEvent::Body { message, raw });
    Ok(())
}

/// Waits `time` for a command; Stop ends it (true), another command is kept for later.
async fn wait_or_stop(
    rx: &mut mpsc::UnboundedReceiver<MailCommand>,
    time: Duration,
    pending: &mut VecDeque<MailCommand>,
) -> bool {
    match tokio::time::timeout(time, rx.recv()).await {
        Ok(Some(MailCommand::Stop) | None) => true,
        Ok(Some(other)) => {
            pending.push_back(other);
            false
        }
        Err(_) => false,
    }
}

async fn pop3_loop<E>(
    services: &Services,
    store: &Store,
    account: &Account,
    password: &str,
    mut rx: mpsc::UnboundedReceiver<MailCommand>,
    events: &MappedSink<MailEvent, E>,
) {
    let server = login_of(account, password);
    let id = account.id;
    let Ok(inbox) = store.mail_wait(move |c| records::local_folder(c, id, "Inbox", "inbox")) else {
        return;
    };
    let mut command = Some(MailCommand::Refresh);
    loop {
        match command.take() {
            Some(MailCommand::Stop) | None => return,
            Some(MailCommand::Refresh | MailCommand::Open(_)) => {
                if let Ok(folders) = store.mail_wait(move |c| records::folders(c, id)) {
                    events.send(MailEvent::Folders {
                        account: id,
                        folders,
                    });
                }
                match pop3_once(services, store, &server, account, inbox, events).await {
                    Ok(()) => {}
                    Err(SyncError::Pop3(crate::proto::pop3::Pop3Error::Net(
                        crate::proto::net::NetError::Untrusted(rejection),
                    ))) => {
                        events.send(MailEvent::Untrusted {
                            account: id,
                            rejection,
                        });
                        return;
                    }
                    Err(
                        e @ SyncError::Pop3(
                            crate::proto::pop3::Pop3Error::Login { .. }
                            | crate::proto::pop3::Pop3Error::NoStls { .. },
                        ),
                    ) => {
                        events.send(MailEvent::Failed {
                            account: id,
                            error: e.to_string(),
                        });
                        return;
                    }
                    Err(e) => events.send(MailEvent::Offline {
                        account: id,
                        error: e.to_string(),
                        retry_in: POLL.as_secs(),
                    }),
                }
            }
            // Bodies of POP3 messages are stored with them, but for previews of large ones,
            // which are downloaded whole now.
            Some(MailCommand::FetchBody { message, .. }) => {
                if let Ok(Some((raw, false))) =
                    store.mail_wait(move |c| records::body_state(c, message))
                {
                    events.send(MailEvent::Body { message, raw });
                } else {
                    {
                        let remote = store
                            .mail_wait(move |c| records::remote_id_of(c, message))
                            .ok()
                            .flatten();
                        if let Some(remote) = remote {
                            let whole = async {
                                let mut s = Pop3Session::connect(
                                    &server,
                                    &services.trust,
                                    &services.limits,
                                )
                                .await?;
                                let raw =
                                    mail_sync::pop3_whole(&mut s, store, message, &remote).await?;
                                s.quit().await?;
                                Ok::<_, SyncError>(raw)
                            };
                            match whole.await {
                                Ok(Some(raw)) => events.send(MailEvent::Body { message, raw }),
                                Ok(None) => events.send(MailEvent::Refused {
                                    account: id,
                                    what: "downloading the whole message".into(),
                                    error: "the server no longer has it".into(),
                                    ids: Vec::new(),
                                }),
                                Err(e) => events.send(MailEvent::Offline {
                                    account: id,
                                    error: e.to_string(),
                                    retry_in: 0,
                                }),
                            }
                        }
                    }
                }
            }
            // POP3 has no flags or folders on the server; they stay local.
            Some(
                MailCommand::Flag { .. } | MailCommand::Folder(_) | MailCommand::Search { .. },
            ) => {}
            Some(MailCommand::Move { ids, .. } | MailCommand::Expunge { ids, .. }) => {
                let _ = store.mail_wait(move |c| records::forget_messages(c, &ids));
            }
        }
        command = match tokio::time::timeout(POLL, rx.recv()).await {
            Ok(c) => c,
            Err(_) => Some(MailCommand::Refresh),
        };
    }
}

async fn pop3_once<E>(
    services: &Services,
    store: &Store,
    server: &ServerLogin,
    account: &Account,
    inbox: i64,
    events: &MappedSink<MailEvent, E>,
) -> Result<(), SyncError> {
    let mut session = Pop3Session::connect(server, &services.trust, &services.limits).await?;
    events.send(MailEvent::Connected {
        account: account.id,
        tls: session.tls,
        report: session.capabilities.report(),
    });
    let (stored, _deleted) = mail_sync::sync_pop3(
        &mut session,
        store,
        inbox,
        account.leave_on_server,
        account.delete_after_days,
        Some(mail_sync::PREVIEW_OVER),
        |n| {
            events.send(MailEvent::Progress {
                folder: inbox,
                stored: n,
            });
        },
    )
    .await?;
    // QUIT commits the deletions, which were only of stored messages.
    session.quit().await?;
    events.send(MailEvent::Synced {
        folder: inbox,
        report: SyncReport {
            new: stored,
            ..SyncReport::default()
        },
    });
    Ok(())
}
