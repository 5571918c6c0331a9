//! The server searches of an IMAP account, on a connection of their own.
//!
//! A server SEARCH for text reads every body the server has not indexed: dovecot took most
//! of a second over a 100,000-message folder, and IMAP has no way to cancel one. On the
//! worker's own connection, a message opened meanwhile waited for it. Here the searches go
//! to a second connection, opened at the first search and kept (Thunderbird keeps up to five
//! per account), while the worker's connection goes on fetching, syncing and waiting in IDLE.

use std::sync::Arc;

use tokio::sync::mpsc;

use super::MappedSink;
use super::mail::MailEvent;
use crate::mail::search::Query;
use crate::proto::imap::{ImapError, ImapSession};
use crate::proto::net::{Limits, ServerLogin};
use crate::proto::tls::Trust;
use crate::store::mail::FolderRow;

/// One search the panel asked for; `generation` tells its answer from an older one's.
pub struct SearchAsk {
    pub folder: FolderRow,
    pub query: Query,
    pub generation: u64,
}

/// Starts the searching task of `account`; it ends when the returned sender is dropped.
pub fn spawn<E: Send + 'static>(
    server: ServerLogin,
    trust: Arc<Trust>,
    limits: Limits,
    account: i64,
    events: MappedSink<MailEvent, E>,
) -> mpsc::UnboundedSender<SearchAsk> {
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(run(server, trust, limits, account, events, rx));
    tx
}

async fn run<E>(
    server: ServerLogin,
    trust: Arc<Trust>,
    limits: Limits,
    account: i64,
    events: MappedSink<MailEvent, E>,
    mut asks: mpsc::UnboundedReceiver<SearchAsk>,
) {
    let mut session: Option<ImapSession> = None;
    // The folder examined on `session`, so a search in the same folder does not ask again.
    let mut examined: Option<String> = None;
    while let Some(mut ask) = asks.recv().await {
        // The panel asks again as each letter is typed: only the newest search is wanted.
        while let Ok(newer) = asks.try_recv() {
            ask = newer;
        }
        if session.is_none() {
            match ImapSession::connect(&server, &trust, &limits).await {
                Ok(s) => session = Some(s),
                Err(e) => {
                    refused(&events, account, &ask, &e);
                    continue;
                }
            }
        }
        let Some(s) = session.as_mut() else { continue };
        // Again: more may have come while the connection was made.
        while let Ok(newer) = asks.try_recv() {
            ask = newer;
        }
        let Some(criteria) = ask.query.imap_criteria(s.has("LITERAL+")) else {
            continue;
        };
        let name = ask.folder.name.clone();
        let answer = async {
            if examined.as_deref() != Some(name.as_str()) {
                examined = None;
                s.examine(&name).await?;
                examined = Some(name.clone());
            }
            s.search(&criteria).await
        }
        .await;
        match answer {
            Ok(uids) => events.send(MailEvent::Searched {
                folder: ask.folder.id,
                generation: ask.generation,
                uids,
            }),
            Err(e) => {
                if e.is_connection() {
                    // Opened again at the next search.
                    session = None;
                    examined = None;
                }
                refused(&events, account, &ask, &e);
            }
        }
    }
    if let Some(s) = session {
        s.logout().await;
    }
}

/// A search that could not be made: the panel shows why, in the server's words.
fn refused<E>(events: &MappedSink<MailEvent, E>, account: i64, ask: &SearchAsk, e: &ImapError) {
    events.send(MailEvent::Refused {
        account,
        what: format!("searching {} on the server", ask.folder.name),
        error: e.to_string(),
        ids: Vec::new(),
    });
}
