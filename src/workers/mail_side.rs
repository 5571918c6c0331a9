//! The second connection of an IMAP account: what must not wait for the worker's own.
//!
//! - Server searches. A SEARCH for text reads every body the server has not indexed: dovecot
//!   took most of a second over a 100,000-message folder, and IMAP has no way to cancel one.
//!   On the worker's connection, a message opened meanwhile waited for it.
//! - Messages opened in another folder while the worker syncs one. The worker fetches a
//!   message of the folder it syncs between two batches, but one of another folder (from the
//!   unified inbox, a search, or while the Sent folder is synced) would wait for the whole
//!   sync: on a first sync of a large folder, many seconds.
//!
//! The connection is opened at the first ask and kept (Thunderbird keeps up to five per
//! account), and examines folders read-only. A server that allows one connection per user
//! refuses it: then what was asked goes back to the worker, which does it on its own
//! connection as before, and the second connection is tried again a minute later.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::MappedSink;
use super::mail::{MailCommand, MailEvent};
use super::mail_sync::Wanted;
use crate::mail::search::Query;
use crate::proto::imap::{ImapError, ImapSession};
use crate::proto::net::{Limits, ServerLogin};
use crate::proto::tls::Trust;
use crate::store::Store;
use crate::store::mail::FolderRow;

/// How long the worker keeps what it asks for after the second connection could not be made.
const RETRY_AFTER: Duration = Duration::from_mins(1);

/// One search the panel asked for; `generation` tells its answer from an older one's.
pub struct SearchAsk {
    pub folder: FolderRow,
    pub query: Query,
    pub generation: u64,
}

/// A message to fetch whole and show: `message` is its row, `folder` the folder it is in.
pub struct OpenAsk {
    pub folder: String,
    pub message: Wanted,
}

impl OpenAsk {
    /// The command the panel sent for it, for the worker to do on its own connection.
    pub fn into_command(self) -> MailCommand {
        MailCommand::FetchBody {
            message: self.message.message,
            folder: self.folder,
            uid: self.message.uid,
            size: self.message.size,
        }
    }
}

enum Ask {
    Search(Box<SearchAsk>),
    Open(OpenAsk),
}

impl Ask {
    /// The command the panel sent for it, for the worker to do on its own connection.
    fn into_command(self) -> MailCommand {
        match self {
            Ask::Open(open) => open.into_command(),
            Ask::Search(ask) => MailCommand::Search {
                folder: ask.folder,
                query: ask.query,
                generation: ask.generation,
            },
        }
    }
}

/// What the server answered an ask.
enum Answer {
    Message(Vec<u8>),
    /// None: the query had nothing a server can search.
    Found(Option<Vec<u32>>),
}

/// The asks waiting: opened messages in order, then the newest search. The panel asks
/// again as each letter is typed: only the newest search is wanted. Opened messages go
/// first: each is one quick FETCH.
#[derive(Default)]
struct Waiting {
    opens: VecDeque<OpenAsk>,
    search: Option<SearchAsk>,
}

impl Waiting {
    fn add(&mut self, ask: Ask) {
        match ask {
            Ask::Open(open) => self.opens.push_back(open),
            Ask::Search(ask) => self.search = Some(*ask),
        }
    }

    fn next(&mut self) -> Option<Ask> {
        self.opens
            .pop_front()
            .map(Ask::Open)
            .or_else(|| self.search.take().map(|ask| Ask::Search(Box::new(ask))))
    }
}

/// Whether the connection is not to be tried yet, after it could not be made.
fn down(until: &Mutex<Option<Instant>>) -> bool {
    until
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .is_some_and(|until| Instant::now() < until)
}

/// The worker's way to its second connection. Cheap to clone.
#[derive(Clone)]
pub struct Side {
    asks: mpsc::UnboundedSender<Ask>,
    /// Until when the connection is not tried again, after it could not be made.
    down_until: Arc<Mutex<Option<Instant>>>,
}

impl Side {
    /// Hands a search over; gives it back when the second connection is down, for the
    /// worker to run on its own.
    pub fn search(&self, ask: SearchAsk) -> Option<SearchAsk> {
        if down(&self.down_until) {
            return Some(ask);
        }
        // The task gone (it never ends first, but if it did): the worker does it.
        match self.asks.send(Ask::Search(Box::new(ask))) {
            Err(mpsc::error::SendError(Ask::Search(ask))) => Some(*ask),
            _ => None,
        }
    }

    /// Hands an opened message over; gives it back when the second connection is down.
    pub fn open(&self, ask: OpenAsk) -> Option<OpenAsk> {
        if down(&self.down_until) {
            return Some(ask);
        }
        match self.asks.send(Ask::Open(ask)) {
            Err(mpsc::error::SendError(Ask::Open(ask))) => Some(ask),
            _ => None,
        }
    }
}

/// Starts the second connection's task of `account`; it ends when the returned [`Side`] is
/// dropped. What it cannot do for want of a connection goes back on `worker` (held weakly,
/// so the worker still ends when the panel lets go of it).
pub fn spawn<E: Send + 'static>(
    server: ServerLogin,
    trust: Arc<Trust>,
    limits: Limits,
    store: Store,
    account: i64,
    events: MappedSink<MailEvent, E>,
    worker: mpsc::WeakUnboundedSender<MailCommand>,
) -> Side {
    let (tx, rx) = mpsc::unbounded_channel();
    let down_until = Arc::new(Mutex::new(None));
    let task = Task {
        server,
        trust,
        limits,
        store,
        account,
        events,
        worker,
        down_until: down_until.clone(),
        session: None,
        examined: None,
    };
    tokio::spawn(task.run(rx));
    Side {
        asks: tx,
        down_until,
    }
}

struct Task<E> {
    server: ServerLogin,
    trust: Arc<Trust>,
    limits: Limits,
    store: Store,
    account: i64,
    events: MappedSink<MailEvent, E>,
    worker: mpsc::WeakUnboundedSender<MailCommand>,
    down_until: Arc<Mutex<Option<Instant>>>,
    session: Option<ImapSession>,
    /// The folder examined on `session`, so the next ask in the same folder does not ask again.
    examined: Option<String>,
}

impl<E> Task<E> {
    async fn run(mut self, mut asks: mpsc::UnboundedReceiver<Ask>) {
        let mut waiting = Waiting::default();
        while let Some(ask) = asks.recv().await {
            waiting.add(ask);
            loop {
                while let Ok(more) = asks.try_recv() {
                    waiting.add(more);
                }
                let Some(ask) = waiting.next() else {
                    break;
                };
                if let Err(ask) = self.serve(ask).await {
                    // No connection: this and what waits go back to the worker.
                    self.give_back(
                        std::iter::once(ask).chain(std::iter::from_fn(|| waiting.next())),
                    );
                }
            }
        }
        if let Some(s) = self.session.take() {
            s.logout().await;
        }
    }

    /// The session, opened if need be; none when it cannot be made.
    async fn session(&mut self) -> Option<&mut ImapSession> {
        if self.session.is_none() && (down(&self.down_until) || !self.connect().await) {
            return None;
        }
        self.session.as_mut()
    }

    /// Does `ask` and hands its answer over; gives it back when there is no connection. A
    /// connection the server dropped (one kept idle past its timeout) is opened again once.
    async fn serve(&mut self, ask: Ask) -> Result<(), Ask> {
        let mut again = true;
        let answer = loop {
            let mut examined = self.examined.take();
            let Some(s) = self.session().await else {
                return Err(ask);
            };
            let r = answer(s, &mut examined, &ask).await;
            self.examined = examined;
            if r.as_ref().is_err_and(ImapError::is_connection) {
                self.session = None;
                self.examined = None;
                if std::mem::take(&mut again) {
                    continue;
                }
            }
            break r;
        };
        let (store, events, account) = (&self.store, &self.events, self.account);
        match (ask, answer) {
            (Ask::Open(open), Ok(Answer::Message(raw))) => {
                super::mail::show_opened(store, events, account, &open.message, Ok(raw));
            }
            (Ask::Open(open), Err(e)) => {
                super::mail::show_opened(store, events, account, &open.message, Err(e));
            }
            (Ask::Search(ask), Ok(Answer::Found(Some(uids)))) => {
                events.send(MailEvent::Searched {
                    folder: ask.folder.id,
                    generation: ask.generation,
                    uids,
                });
            }
            (Ask::Search(ask), Err(e)) => refused(events, account, &ask, &e),
            // A search with nothing for the server; the other pairs do not occur.
            _ => {}
        }
        Ok(())
    }

    /// Opens the connection; false (and down for a while) when it cannot be made.
    async fn connect(&mut self) -> bool {
        match ImapSession::connect(&self.server, &self.trust, &self.limits).await {
            Ok(s) => {
                self.session = Some(s);
                *self
                    .down_until
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner) = None;
                true
            }
            Err(e) => {
                tracing::info!(error = %e, "no second connection; the worker's own is used");
                *self
                    .down_until
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner) = Some(Instant::now() + RETRY_AFTER);
                false
            }
        }
    }

    /// Hands what could not be done here back to the worker, as the panel asked for it.
    fn give_back(&self, asks: impl Iterator<Item = Ask>) {
        let Some(worker) = self.worker.upgrade() else {
            return;
        };
        for ask in asks {
            let _ = worker.send(ask.into_command());
        }
    }
}

async fn answer(
    s: &mut ImapSession,
    examined: &mut Option<String>,
    ask: &Ask,
) -> Result<Answer, ImapError> {
    match ask {
        Ask::Open(open) => fetch(s, examined, open).await.map(Answer::Message),
        Ask::Search(ask) => searched(s, examined, ask).await.map(Answer::Found),
    }
}

/// Examines `folder` on `s` unless it already is.
async fn examine(
    s: &mut ImapSession,
    examined: &mut Option<String>,
    folder: &str,
) -> Result<(), ImapError> {
    if examined.as_deref() != Some(folder) {
        *examined = None;
        s.examine(folder).await?;
        *examined = Some(folder.to_string());
    }
    Ok(())
}

async fn fetch(
    s: &mut ImapSession,
    examined: &mut Option<String>,
    open: &OpenAsk,
) -> Result<Vec<u8>, ImapError> {
    examine(s, examined, &open.folder).await?;
    s.raw(&open.folder, open.message.uid, Some(open.message.size))
        .await
}

/// The UIDs `ask` finds on the server; none when the query has nothing a server can search.
async fn searched(
    s: &mut ImapSession,
    examined: &mut Option<String>,
    ask: &SearchAsk,
) -> Result<Option<Vec<u32>>, ImapError> {
    let Some(criteria) = ask.query.imap_criteria(s.has("LITERAL+")) else {
        return Ok(None);
    };
    examine(s, examined, &ask.folder.name).await?;
    s.search(&criteria).await.map(Some)
}

/// A search that could not be made: the panel shows why, in the server's words.
pub fn refused<E>(events: &MappedSink<MailEvent, E>, account: i64, ask: &SearchAsk, e: &ImapError) {
    events.send(MailEvent::Refused {
        account,
        what: format!("searching {} on the server", ask.folder.name),
        error: e.to_string(),
        ids: Vec::new(),
    });
}
