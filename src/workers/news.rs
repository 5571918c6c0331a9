//! The News panel's worker: one task per news server. It keeps one NNTP session, opened on the
//! first command and opened again when the server has closed an idle one (news servers do so
//! after some minutes), and carries out what the panel asks: the group list (whole on the
//! first visit, NEWGROUPS after), a group's headers into the store (newest first on a first
//! visit, only new ones later), articles, and posts, which stay in the store until the server
//! has taken them.

use tokio::sync::mpsc;

use super::{MappedSink, Services};
use crate::proto::net::{NetError, ServerLogin};
use crate::proto::nntp::{ArticleId, NntpError, NntpSession, OverStats, Part};
use crate::proto::tls::TlsMode;
use crate::store::Store;
use crate::store::mail::Account;
use crate::store::news;

/// How many articles a first visit fetches when the user has not chosen "all".
pub const FIRST_VISIT: u64 = 1000;

/// What the panel asks of a server.
#[derive(Debug, Clone)]
pub enum NewsCommand {
    /// Read the group list: whole with `full` or on the first visit, else NEWGROUPS.
    Groups {
        full: bool,
    },
    /// Bring a subscribed group's headers up to date: only new articles, or on a first visit
    /// the latest `first_visit` (every one with `None`).
    Open {
        folder: i64,
        name: String,
        first_visit: Option<u64>,
        /// The group's charset for 8-bit headers that name none (windows-1252 without one).
        charset: Option<String>,
    },
    /// An article's text for the reader: by number in its group, else by Message-ID.
    Article {
        message: i64,
        group: String,
        number: u64,
        message_id: Option<String>,
    },
    /// An article this server may have by Message-ID (a missing parent, a `news:` link).
    ById {
        message_id: String,
    },
    /// A post kept in the store as `post`.
    Post {
        post: i64,
        raw: Vec<u8>,
    },
    Stop,
}

/// What a server's worker reports.
#[derive(Debug, Clone)]
pub enum NewsEvent {
    Connected {
        account: i64,
        tls: bool,
        posting: bool,
        report: Vec<String>,
    },
    /// The group list in the store changed; `fresh` groups are new since the last visit.
    Groups {
        account: i64,
        fresh: usize,
    },
    /// Some headers of the group are stored: reload its list.
    Progress {
        folder: i64,
        stored: u64,
    },
    /// The group is up to date.
    Opened {
        folder: i64,
        stats: OverStats,
        /// Articles whose numbers the store cannot hold.
        left_out: usize,
    },
    Article {
        message: i64,
        raw: Vec<u8>,
    },
    /// The answer to [`NewsCommand::ById`]: `None` when this server lacks it too.
    ById {
        account: i64,
        message_id: String,
        raw: Option<Vec<u8>>,
    },
    Posted {
        account: i64,
        post: i64,
        reply: String,
    },
    PostRefused {
        account: i64,
        post: i64,
        error: String,
    },
    /// A command failed; the server stays usable.
    Error {
        account: i64,
        error: String,
    },
    /// The server cannot be used as set up (no STARTTLS, a wrong password).
    Failed {
        account: i64,
        error: String,
    },
    /// The server's certificate is not trusted: the shell asks the user, then the panel
    /// starts the worker again.
    Untrusted {
        account: i64,
        rejection: Box<crate::proto::tls::CertRejection>,
    },
}

/// The server's login with its password (empty: no login).
pub fn login_of(account: &Account, password: &str) -> ServerLogin {
    ServerLogin {
        host: account.host.clone(),
        port: account.port,
        tls: TlsMode::from_name(&account.tls),
        user: account.user.clone(),
        password: password.to_string(),
    }
}

/// Starts the worker for `account`.
pub fn spawn<E: Send + 'static>(
    services: &Services,
    store: Store,
    account: Account,
    password: String,
    events: MappedSink<NewsEvent, E>,
) -> mpsc::UnboundedSender<NewsCommand> {
    let (tx, rx) = mpsc::unbounded_channel();
    let services = services.clone();
    services.runtime.clone().spawn(async move {
        Worker {
            services,
            store,
            login: login_of(&account, &password),
            account,
            session: None,
            events,
        }
        .run(rx)
        .await;
    });
    tx
}

struct Worker<E> {
    services: Services,
    store: Store,
    account: Account,
    login: ServerLogin,
    session: Option<NntpSession>,
    events: MappedSink<NewsEvent, E>,
}

/// A failure that no retry mends: the settings or the certificate must change.
fn permanent(e: &NntpError) -> bool {
    matches!(
        e,
        NntpError::Login { .. }
            | NntpError::NoStartTls { .. }
            | NntpError::Greeting { .. }
            | NntpError::Injection { .. }
            | NntpError::BadCredentials
            | NntpError::AuthRequired { .. }
    )
}

/// The connection broke (the server closed an idle session): worth one new session.
fn broken(e: &NntpError) -> bool {
    matches!(
        e,
        NntpError::Cut { .. } | NntpError::Net(NetError::Io { .. } | NetError::ReadTimeout { .. })
    ) || matches!(e, NntpError::Unavailable { status, .. } if status.code == 400)
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

impl<E> Worker<E> {
    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<NewsCommand>) {
        while let Some(command) = rx.recv().await {
            if matches!(command, NewsCommand::Stop) {
                break;
            }
            // One retry on a fresh session when the old one turns out to be closed.
            let mut result = self.carry_out(&command).await;
            if let Err(e) = &result
                && broken(e)
                && self.session.take().is_some()
            {
                result = self.carry_out(&command).await;
            }
            if let Err(e) = result {
                self.session = None;
                self.report(&command, e);
            }
        }
        if let Some(s) = self.session.take() {
            s.quit().await;
        }
    }

    fn report(&self, command: &NewsCommand, e: NntpError) {
        let account = self.account.id;
        match (command, e) {
            (_, NntpError::Net(NetError::Untrusted(rejection))) => {
                self.events
                    .send(NewsEvent::Untrusted { account, rejection });
            }
            (NewsCommand::Post { post, .. }, e) => {
                let error = e.to_string();
                let _ = self.store.mail_wait({
                    let error = error.clone();
                    let post = *post;
                    move |c| news::post_done(c, post, Some(&error))
                });
                self.events.send(NewsEvent::PostRefused {
                    account,
                    post: *post,
                    error,
                });
            }
            // Not here, or not for this login: the panel asks the next server.
            (NewsCommand::ById { message_id }, _) => {
                self.events.send(NewsEvent::ById {
                    account,
                    message_id: message_id.clone(),
                    raw: None,
                });
            }
            (_, e) if permanent(&e) => {
                self.events.send(NewsEvent::Failed {
                    account,
                    error: e.to_string(),
                });
            }
            (_, e) => self.events.send(NewsEvent::Error {
                account,
                error: e.to_string(),
            }),
        }
    }

    async fn session(&mut self) -> Result<&mut NntpSession, NntpError> {
        if self.session.is_none() {
            let s = NntpSession::connect(&self.login, &self.services.trust, &self.services.limits)
                .await?;
            self.events.send(NewsEvent::Connected {
                account: self.account.id,
                tls: s.tls,
                posting: s.posting_allowed,
                report: s.capabilities.report(),
            });
            self.session = Some(s);
        }
        self.session.as_mut().ok_or(NntpError::BadCredentials)
    }

    async fn carry_out(&mut self, command: &NewsCommand) -> Result<(), NntpError> {
        match command {
            NewsCommand::Stop => Ok(()),
            NewsCommand::Groups { full } => self.groups(*full).await,
            NewsCommand::Open {
                folder,
                name,
                first_visit,
                charset,
            } => {
                let fallback = charset
                    .as_deref()
                    .and_then(|c| encoding_rs::Encoding::for_label(c.as_bytes()))
                    .unwrap_or(encoding_rs::WINDOWS_1252);
                self.open(*folder, name, *first_visit, fallback).await
            }
            NewsCommand::Article {
                message,
                group,
                number,
                message_id,
            } => {
                let raw = self.article(group, *number, message_id.as_deref()).await?;
                let (message, saved) = (*message, raw.clone());
                let _ = self
                    .store
                    .mail_wait(move |c| crate::store::mail::save_body(c, message, &saved));
                self.events.send(NewsEvent::Article { message, raw });
                Ok(())
            }
            NewsCommand::ById { message_id } => {
                let limits = self.services.limits;
                let s = self.session().await?;
                let mut raw = Vec::new();
                s.fetch(
                    Part::Article,
                    &ArticleId::message_id(message_id),
                    limits.max_body,
                    &mut raw,
                )
                .await?;
                self.events.send(NewsEvent::ById {
                    account: self.account.id,
                    message_id: message_id.clone(),
                    raw: Some(raw),
                });
                Ok(())
            }
            NewsCommand::Post { post, raw } => {
                let s = self.session().await?;
                let status = s.post(raw).await?;
                let post = *post;
                let _ = self
                    .store
                    .mail_wait(move |c| news::post_done(c, post, None));
                self.events.send(NewsEvent::Posted {
                    account: self.account.id,
                    post,
                    reply: status.words(),
                });
                Ok(())
            }
        }
    }

    async fn groups(&mut self, full: bool) -> Result<(), NntpError> {
        let account = self.account.id;
        let checked = self
            .store
            .mail_wait(move |c| news::groups_checked(c, account))
            .ok()
            .flatten();
        let s = self.session().await?;
        let server_now = s.date().await?.unwrap_or_else(now);
        let fresh = match checked {
            Some(since) if !full => {
                let groups = s.new_groups(since).await?;
                self.store
                    .mail_wait(move |c| news::add_new_groups(c, account, &groups, server_now))
                    .map_err(store_error)?
            }
            _ => {
                let groups = s.list_groups(None).await?;
                let descriptions = s.descriptions().await?;
                self.store
                    .mail_wait(move |c| {
                        news::save_group_list(c, account, &groups, &descriptions, server_now)
                    })
                    .map_err(store_error)?
            }
        };
        self.events.send(NewsEvent::Groups { account, fresh });
        Ok(())
    }

    async fn open(
        &mut self,
        folder: i64,
        name: &str,
        first_visit: Option<u64>,
        fallback: &'static encoding_rs::Encoding,
    ) -> Result<(), NntpError> {
        let store = self.store.clone();
        let events = self.events.clone();
        let s = self.session().await?;
        let (stats, left_out) =
            fetch_headers_in(s, &store, folder, name, first_visit, fallback, |stored| {
                events.send(NewsEvent::Progress { folder, stored });
            })
            .await?;
        self.events.send(NewsEvent::Opened {
            folder,
            stats,
            left_out,
        });
        Ok(())
    }

    async fn article(
        &mut self,
        group: &str,
        number: u64,
        message_id: Option<&str>,
    ) -> Result<Vec<u8>, NntpError> {
        let s = self.session().await?;
        if !group.is_empty() && number > 0 {
            let selected = s.group.as_ref().is_some_and(|g| g.name == group);
            let by_number = if selected {
                Ok(())
            } else {
                s.select(group).await.map(|_| ())
            };
            if by_number.is_ok() {
                match s.article(&ArticleId::Number(number)).await {
                    Ok(raw) => return Ok(raw),
                    Err(NntpError::NoSuchArticle { .. }) if message_id.is_some() => {}
                    Err(e) => return Err(e),
                }
            }
        }
        match message_id {
            Some(id) => s.article(&ArticleId::message_id(id)).await,
            None => Err(NntpError::NoSuchArticle {
                addr: format!("{}:{}", self.login.host, self.login.port),
                what: number.to_string(),
                status: crate::proto::nntp::Status {
                    code: 423,
                    text: "no such article".into(),
                },
            }),
        }
    }
}

#[allow(clippy::needless_pass_by_value)] // the shape map_err hands over
fn store_error(e: crate::store::StoreError) -> NntpError {
    NntpError::Sink(std::io::Error::other(e.to_string()))
}

/// Brings a group's headers into the store: GROUP, then OVER of what is not stored yet (on a
/// first visit the latest `first_visit` articles, or all with `None`). Batches go to the
/// store thread while the next ones arrive, so the network and the disk work at once;
/// `progress` hears the running count. Returns the OVER counts and how many articles the
/// store could not number.
pub async fn fetch_headers(
    session: &mut NntpSession,
    store: &Store,
    folder: i64,
    name: &str,
    first_visit: Option<u64>,
    progress: impl Fn(u64),
) -> Result<(OverStats, usize), NntpError> {
    fetch_headers_in(
        session,
        store,
        folder,
        name,
        first_visit,
        encoding_rs::WINDOWS_1252,
        progress,
    )
    .await
}

/// [`fetch_headers`], reading 8-bit headers that name no charset in `fallback` (the group's).
pub async fn fetch_headers_in(
    session: &mut NntpSession,
    store: &Store,
    folder: i64,
    name: &str,
    first_visit: Option<u64>,
    fallback: &'static encoding_rs::Encoding,
    progress: impl Fn(u64),
) -> Result<(OverStats, usize), NntpError> {
    let group = session.select(name).await?;
    let (first, last) = (group.first, group.last);
    let newest = store
        .mail_wait(move |c| {
            // Stored numbers above the server's last: the group was numbered anew, and what
            // is cached belongs to articles that are gone.
            if news::newest_stored(c, folder)?.is_some_and(|n| n > last) {
                news::reset_group(c, folder)?;
            }
            news::set_range(c, folder, first, last)?;
            news::newest_stored(c, folder)
        })
        .map_err(store_error)?;
    let start = match (newest, first_visit) {
        (Some(n), _) => (n + 1).max(first),
        (None, Some(limit)) => last.saturating_sub(limit.saturating_sub(1)).max(first),
        (None, None) => first,
    };
    if last == 0 || start > last {
        return Ok((OverStats::default(), 0));
    }
    let left_out = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let stored = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));

    let (done_tx, done_rx) = std::sync::mpsc::channel::<Result<(), String>>();
    let mut batches = 0usize;
    let stats = session
        .over(start, last, fallback, |batch| {
            batches += 1;
            let n = batch.len() as u64;
            let left_out = left_out.clone();
            let counted = stored.clone();
            let done = done_tx.clone();
            store.run(
                move |c| news::store_overviews(c, folder, &batch, true),
                move |r| {
                    let r = match r {
                        Ok(skipped) => {
                            left_out.fetch_add(skipped, std::sync::atomic::Ordering::Relaxed);
                            counted.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
                            Ok(())
                        }
                        Err(e) => Err(e.to_string()),
                    };
                    let _ = done.send(r);
                },
            );
            progress(stored.load(std::sync::atomic::Ordering::Relaxed));
        })
        .await;
    drop(done_tx);
    // Every batch handed over is stored (or failed) before the answer: what arrived before
    // a cut is kept, and the counts are right.
    let mut store_failure = None;
    for _ in 0..batches {
        match done_rx.recv() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => store_failure = Some(e),
            Err(_) => break,
        }
    }
    // `set_range` counts the group again (unread from the read ranges): no scan of the rows'
    // seen marks, which on a large group was the last thing the fetch waited for.
    // What was stored can be searched for once the fetch answers.
    let indexed = store
        .mail_wait(move |c| news::set_range(c, folder, first, last))
        .and_then(|()| store.wait_for_index());
    if let Err(e) = indexed
        && store_failure.is_none()
    {
        store_failure = Some(e.to_string());
    }
    progress(stored.load(std::sync::atomic::Ordering::Relaxed));
    let stats = stats?;
    if let Some(e) = store_failure {
        return Err(NntpError::Sink(std::io::Error::other(e)));
    }
    Ok((stats, left_out.load(std::sync::atomic::Ordering::Relaxed)))
}
