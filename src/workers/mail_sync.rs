//! Bringing a folder's cache up to date with its server: new messages' summaries in batches,
//! newest first (so the list fills at once), flag changes (by MODSEQ where CONDSTORE allows,
//! else a rescan), messages gone from the server, and a changed UIDVALIDITY (that folder's cache
//! dropped and fetched again, nothing else). POP3 downloads go into a local folder by UIDL, and
//! a message is deleted on the server only after it is committed to the store.

use std::collections::{HashMap, HashSet};

use crate::proto::imap::{ImapError, ImapSession, MessageHead, quote};
use crate::proto::pop3::{Pop3Error, Pop3Session};
use crate::store::mail::{self as records, FolderRow, NewMessage};
use crate::store::{Store, StoreError};

/// POP3 messages larger than this are first fetched as a preview (TOP), whole when opened.
pub const PREVIEW_OVER: u64 = 5 * 1024 * 1024;
/// Lines of the body in a preview.
const PREVIEW_LINES: u32 = 60;

/// Downloads one POP3 message whole (one that was stored as a preview), by its UIDL.
pub async fn pop3_whole(
    session: &mut Pop3Session,
    store: &Store,
    message: i64,
    remote_id: &str,
) -> Result<Option<Vec<u8>>, SyncError> {
    let uidl = session.uidl().await?;
    let Some((number, _)) = uidl.into_iter().find(|(_, u)| u == remote_id) else {
        return Ok(None);
    };
    let size = session
        .list()
        .await?
        .into_iter()
        .find(|(n, _)| *n == number)
        .map(|(_, s)| s);
    let raw = session.retr_vec(number, size).await?;
    let stored = raw.clone();
    store.mail_wait(move |c| records::save_body(c, message, &stored))?;
    Ok(Some(raw))
}

/// Messages in the first FETCH of summaries: few, so the list shows the newest at once.
pub const FIRST_BATCH: usize = 1000;
/// Messages per FETCH of summaries after the first, newest batch first; the window shows
/// the list again after each. Summaries are stored while their answer arrives (see
/// [`HAND_OVER`]), so what is left to store once a batch is in is small whatever its size.
pub const BATCH: usize = 10_000;
/// Summaries handed from the connection to the thread that reads their headers at a time.
pub const HAND_OVER: usize = 1000;
/// Rows the store writes in one transaction, at least, while more than that is still to
/// come. A transaction rewrites the index pages it touches into the log: 10,000 at a time
/// wrote the rows of a 100,000-message folder in half the time 2,000 did. Towards the end
/// the writes halve with what is left, so little is still to write once the last answer
/// is in.
pub const WRITE_AT_LEAST: usize = 10_000;

/// The UIDs of a sync in the batches it fetches them in: [`FIRST_BATCH`], then [`BATCH`] at
/// a time.
pub fn batches(uids: &[u32]) -> impl Iterator<Item = &[u32]> {
    let (first, rest) = uids.split_at(uids.len().min(FIRST_BATCH));
    std::iter::once(first)
        .filter(|b| !b.is_empty())
        .chain(rest.chunks(BATCH))
}

/// Why a sync stopped. The cache keeps what was stored before the error.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Imap(#[from] ImapError),
    #[error(transparent)]
    Pop3(#[from] Pop3Error),
    #[error("the message store: {0}")]
    Store(#[from] StoreError),
    #[error("the message store could not save what arrived: {0}")]
    Write(String),
    /// Found when the folder was selected again in the middle of a sync: its cache is
    /// dropped, and the next visit fetches it again.
    #[error(
        "{folder} was replaced on the server during the sync; it is fetched again on the next visit"
    )]
    Replaced { folder: String, uidvalidity: u32 },
}

impl SyncError {
    /// The connection broke: reconnect (with backoff) and carry on.
    pub fn is_connection(&self) -> bool {
        match self {
            SyncError::Imap(e) => e.is_connection(),
            SyncError::Pop3(e) => e.is_temporary(),
            SyncError::Store(_) | SyncError::Write(_) | SyncError::Replaced { .. } => false,
        }
    }
}

/// What a sync did, for the status bar and the benchmarks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub new: usize,
    pub flags_changed: usize,
    pub removed: usize,
    /// The folder was replaced on the server and fetched again.
    pub reset: bool,
    /// Nothing had changed, and nothing was fetched.
    pub unchanged: bool,
}

/// A fetched summary with its header read here, on the sync's thread, so the store thread
/// only writes (the two run on different cores). The header block itself is not kept: its
/// fields are, and the whole message comes with its body.
fn to_new(h: MessageHead) -> NewMessage {
    let summary = Some(Box::new(crate::mail::Summary::from_header(&h.header)));
    NewMessage {
        summary,
        uid: h.uid,
        remote_id: None,
        flags: h.flags,
        internal_date: h.internal_date,
        size: h.size,
        modseq: h.modseq,
        header: Vec::new(),
        ..NewMessage::default()
    }
}

/// Syncs one folder. `progress` is called after each stored batch with the count so far, so
/// the list can show the first messages while the rest arrive.
pub async fn sync_imap_folder(
    session: &mut ImapSession,
    store: &Store,
    folder: &FolderRow,
    progress: impl FnMut(usize),
) -> Result<SyncReport, SyncError> {
    sync_imap_folder_between(session, store, folder, progress, Vec::new, |_, _| {}).await
}

/// A message to fetch whole between two batches of a sync: one opened meanwhile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wanted {
    /// Its row in the store.
    pub message: i64,
    pub uid: u32,
    pub size: u32,
    /// The folder it is in, when not the one syncing: on a server that allows one
    /// connection per user there is no second one to fetch it on, so it is fetched here
    /// (EXAMINE), and the folder syncing is selected again after.
    pub elsewhere: Option<String>,
}

/// [`sync_imap_folder`], which also asks `wanted` after each batch of new summaries which
/// messages of the folder were opened meanwhile, fetches them there (the folder is selected
/// and no command runs) and hands each to `opened`: one opened during a long first sync
/// shows within a batch, not after the whole folder. A refusal goes to `opened`; a
/// connection lost ends the sync.
pub async fn sync_imap_folder_between(
    session: &mut ImapSession,
    store: &Store,
    folder: &FolderRow,
    mut progress: impl FnMut(usize),
    mut wanted: impl FnMut() -> Vec<Wanted>,
    mut opened: impl FnMut(Wanted, Result<Vec<u8>, ImapError>),
) -> Result<SyncReport, SyncError> {
    let mut report = SyncReport::default();
    let status = session.select(&folder.name).await?;
    let id = folder.id;
    let mut known_modseq = folder.highest_modseq;
    if let (Some(old), Some(new)) = (folder.uidvalidity, status.uidvalidity)
        && old != new
    {
        store.mail_wait(move |c| records::reset_folder(c, id, new))?;
        report.reset = true;
        known_modseq = None;
    }
    let known: Vec<u32> = store.mail_wait(move |c| {
        let known = records::uids(c, id)?;
        if known.is_empty() {
            // Counts from before (the server's STATUS, or rows a reset removed) start over:
            // the batches of this sync count themselves in.
            records::recount(c, id)?;
        }
        Ok(known)
    })?;
    let first = known.is_empty();
    let max_known = known.last().copied().unwrap_or(0);
    // Nothing changed since the last visit: same next UID, same count, same MODSEQ. A
    // server without MODSEQs cannot say whether flags changed (another client marked a
    // message read), so there the flags are read again on each visit.
    if !report.reset
        && status.uidnext.is_some()
        && status.uidnext == folder.uidnext
        && status.messages as usize == known.len()
        && status.highest_modseq.is_some()
        && status.highest_modseq == known_modseq
    {
        report.unchanged = true;
        store.mail_wait(move |c| {
            records::set_folder_state(
                c,
                id,
                status.uidvalidity,
                status.uidnext,
                status.highest_modseq,
                false,
            )
        })?;
        return Ok(report);
    }
    // Which messages the server has: new ones are those not stored (so a sync cut off in the
    // middle fetches only what it had not stored), gone ones those stored but not there. A
    // first visit stores everything, so it fetches by message number (1 to the count SELECT
    // gave, newest first) and needs no SEARCH for the UIDs.
    let on_server: Vec<u32> = if status.messages == 0 {
        Vec::new()
    } else if first {
        (1..=status.messages).collect()
    } else {
        session.search("ALL").await?
    };
    let writes = Pipeline::default();
    let known_set: HashSet<u32> = known.iter().copied().collect();
    let mut new: Vec<u32> = on_server
        .iter()
        .copied()
        .filter(|u| !known_set.contains(u))
        .collect();
    new.sort_unstable_by(|a, b| b.cmp(a));
    // A first visit has nothing that could be gone.
    let gone: Vec<u32> = if known.is_empty() {
        Vec::new()
    } else {
        let server_set: HashSet<u32> = on_server.iter().copied().collect();
        known
            .iter()
            .copied()
            .filter(|u| !server_set.contains(u))
            .collect()
    };
    if !gone.is_empty() {
        report.removed = gone.len();
        store.mail_wait(move |c| records::remove_uids(c, id, &gone))?;
    }
    // Summaries are handed over as they arrive to a thread that reads their headers and
    // has the store write them, in order, while the rest are fetched: the connection never
    // waits for either. A failure is picked up at the barrier below.
    let (to_read, arrived) = std::sync::mpsc::channel::<ToHeaders>();
    let expected = new.len();
    let reader = {
        let (store, writes, written) = (store.clone(), writes.clone(), to_read.clone());
        std::thread::Builder::new()
            .name("mail-headers".into())
            .spawn(move || {
                read_and_store(&arrived, &written, &store, &writes, id, expected);
            })
            .map_err(|e| SyncError::Write(format!("no thread to read headers on: {e}")))?
    };
    let end = TellOnDrop(to_read.clone(), Some(ToHeaders::End));
    let fetched = async {
        for chunk in batches(&new) {
            let set = quote::sequence_set(chunk);
            let to_read = to_read.clone();
            report.new += session
                .stream_heads(first, &set, HAND_OVER, move |heads| {
                    let _ = to_read.send(ToHeaders::Heads(heads));
                })
                .await?;
            progress(report.new);
            for w in wanted() {
                let raw = match &w.elsewhere {
                    None => session.raw(&folder.name, w.uid, Some(w.size)).await,
                    Some(other) => {
                        let raw = match session.examine(other).await {
                            Ok(_) => session.raw(other, w.uid, Some(w.size)).await,
                            Err(e) => Err(e),
                        };
                        if !raw.as_ref().is_err_and(ImapError::is_connection) {
                            reselect(session, &folder.name, status.uidvalidity).await?;
                        }
                        raw
                    }
                };
                match raw {
                    Err(e) if e.is_connection() => return Err(e.into()),
                    raw => opened(w, raw),
                }
            }
        }
        Ok::<_, SyncError>(())
    }
    .await;
    // What arrived before an error is stored all the same.
    drop(end);
    let _ = reader.join();
    if let Err(SyncError::Replaced { uidvalidity, .. }) = &fetched {
        let uidvalidity = *uidvalidity;
        writes.wait(store)?;
        store.mail_wait(move |c| records::reset_folder(c, id, uidvalidity))?;
    }
    fetched?;
    writes.wait(store)?;
    if max_known > 0 && !known.is_empty() {
        // Flags of what was known: by MODSEQ when the server keeps them, else all of them.
        let range = format!("1:{max_known}");
        let by_modseq = known_modseq.is_some() && session.has("CONDSTORE");
        let changed = session
            .flags_since(&range, if by_modseq { known_modseq } else { None })
            .await?;
        // Compared with what is stored, also when the server picked them by MODSEQ: those
        // include the changes this client made itself (a message opened and marked read),
        // which are stored already and are no news.
        let stored: HashMap<u32, String> = if changed.is_empty() {
            HashMap::new()
        } else {
            store
                .mail_wait(move |c| records::flags_of(c, id))?
                .into_iter()
                .collect()
        };
        let updates: Vec<(u32, Vec<String>, Option<u64>)> = changed
            .into_iter()
            .filter(|(uid, flags, _)| {
                known_set.contains(uid) && stored.get(uid).is_none_or(|old| !same_flags(old, flags))
            })
            .collect();
        report.flags_changed = updates.len();
        if !updates.is_empty() {
            store.mail_wait(move |c| records::update_flags(c, id, &updates))?;
        }
    }
    store.mail_wait(move |c| {
        records::set_folder_state(
            c,
            id,
            status.uidvalidity,
            status.uidnext,
            status.highest_modseq,
            first,
        )
    })?;
    // What was stored can be searched for once the sync answers.
    store.wait_for_index()?;
    Ok(report)
}

/// Selects the folder syncing again after a message of another folder was fetched, as it
/// was: the sync goes on fetching by its message numbers (or UIDs). A folder replaced
/// meanwhile (another UIDVALIDITY) ends the sync.
async fn reselect(
    session: &mut ImapSession,
    folder: &str,
    uidvalidity: Option<u32>,
) -> Result<(), SyncError> {
    let again = session.select(folder).await?;
    match again.uidvalidity {
        Some(new) if uidvalidity.is_some_and(|old| old != new) => Err(SyncError::Replaced {
            folder: folder.to_string(),
            uidvalidity: new,
        }),
        _ => Ok(()),
    }
}

/// Whether the flags stored (space-separated, in the order they were set here) are the
/// server's: flags are a set, named without regard to case (RFC 3501 2.3.2).
fn same_flags(stored: &str, server: &[String]) -> bool {
    let mut a: Vec<String> = stored
        .split_whitespace()
        .map(str::to_ascii_lowercase)
        .collect();
    let mut b: Vec<String> = server.iter().map(|f| f.to_ascii_lowercase()).collect();
    a.sort_unstable();
    b.sort_unstable();
    a == b
}

/// What the thread that reads headers is told.
enum ToHeaders {
    /// Summaries as they arrive.
    Heads(Vec<MessageHead>),
    /// The store has written the rows last handed to it (or dropped them unwritten).
    Written,
    /// No more summaries come.
    End,
}

/// Tells the header thread something when dropped, so it never waits for news that will
/// not come: [`ToHeaders::Written`] after the store's job ran, or with the job if the store
/// is gone; [`ToHeaders::End`] when the fetching ends, or when the sync is dropped halfway.
struct TellOnDrop(std::sync::mpsc::Sender<ToHeaders>, Option<ToHeaders>);

impl Drop for TellOnDrop {
    fn drop(&mut self) {
        if let Some(what) = self.1.take() {
            let _ = self.0.send(what);
        }
    }
}

/// The header thread of a sync: reads the headers of summaries as they arrive, and hands
/// them to the store one write at a time: the first at once (the list shows it), then at
/// least [`WRITE_AT_LEAST`] rows or, near the end, as many as are still to come (so the
/// writes halve), and last what is left.
/// Ends once [`ToHeaders::End`] came and all is written.
fn read_and_store(
    arrived: &std::sync::mpsc::Receiver<ToHeaders>,
    written: &std::sync::mpsc::Sender<ToHeaders>,
    store: &Store,
    writes: &Pipeline,
    folder: i64,
    expected: usize,
) {
    let mut read: Vec<NewMessage> = Vec::new();
    let mut received = 0;
    let mut first = true;
    // The rows being written. Freed here once written: freeing a batch's many small
    // strings was about a fifteenth of the store thread's time in a profile.
    let mut writing: Option<std::sync::Arc<Vec<NewMessage>>> = None;
    let mut ended = false;
    while let Ok(told) = arrived.recv() {
        match told {
            ToHeaders::Heads(heads) => {
                received += heads.len();
                read.extend(heads.into_iter().map(to_new));
            }
            ToHeaders::Written => drop(writing.take()),
            ToHeaders::End => ended = true,
        }
        if writing.is_some() {
            continue;
        }
        if read.is_empty() {
            if ended {
                break;
            }
            continue;
        }
        let to_come = expected.saturating_sub(received);
        if !(first || ended || read.len() >= WRITE_AT_LEAST.min(to_come)) {
            continue;
        }
        first = false;
        let batch = std::sync::Arc::new(std::mem::take(&mut read));
        let rows = batch.clone();
        let done = TellOnDrop(written.clone(), Some(ToHeaders::Written));
        writes.send(store, move |c| {
            let r = records::insert_batch(c, folder, &rows, true);
            drop(rows);
            drop(done);
            r
        });
        writing = Some(batch);
    }
}

/// Downloads what the POP3 server has and the local folder lacks (by UIDL), then deletes on
/// the server what is stored and old enough, when the account says so. Returns how many
/// messages were stored and deleted.
pub async fn sync_pop3(
    session: &mut Pop3Session,
    store: &Store,
    folder: i64,
    leave_on_server: bool,
    delete_after_days: u32,
    preview_over: Option<u64>,
    mut progress: impl FnMut(usize),
) -> Result<(usize, usize), SyncError> {
    let sizes: HashMap<u32, u64> = session.list().await?.into_iter().collect();
    let uidl = session.uidl().await?;
    let have: HashSet<String> = store
        .mail_wait(move |c| records::remote_ids(c, folder))?
        .into_iter()
        .collect();
    let mut next_uid = store
        .mail_wait(move |c| records::uids(c, folder))?
        .last()
        .copied()
        .unwrap_or(0);
    let mut stored = 0;
    let writes = Pipeline::default();
    for (number, uid) in &uidl {
        if have.contains(uid) {
            continue;
        }
        let size = sizes.get(number).copied();
        // A message over the limit comes as its beginning (TOP) until it is opened.
        let preview = session.capabilities.top
            && preview_over.is_some_and(|limit| size.is_some_and(|s| s > limit));
        let raw = if preview {
            session.top(*number, PREVIEW_LINES, 1 << 20).await?
        } else {
            session.retr_vec(*number, size).await?
        };
        next_uid += 1;
        let message = NewMessage {
            summary: None,
            uid: next_uid,
            remote_id: Some(uid.clone()),
            flags: Vec::new(),
            internal_date: Some(now()),
            size: size.map_or(raw.len() as u32, |s| s.min(u64::from(u32::MAX)) as u32),
            modseq: None,
            header: header_of(&raw).to_vec(),
            ..NewMessage::default()
        };
        let local_uid = message.uid;
        // One transaction per message: what is committed survives a kill. Written while the
        // next message is fetched; nothing is deleted on the server before the barrier.
        writes.send(store, move |c| {
            records::insert_messages(c, folder, &[message])?;
            let id = records::id_of(c, folder, local_uid)?;
            match id {
                Some(id) if preview => records::save_preview(c, id, &raw)?,
                Some(id) => records::save_body(c, id, &raw)?,
                None => {}
            }
            Ok(())
        });
        stored += 1;
        progress(stored);
    }
    writes.wait(store)?;
    let mut deleted = 0;
    if !leave_on_server || delete_after_days > 0 {
        // Only what is committed to the store, and old enough, is deleted.
        let kept: HashMap<String, i64> = store
            .mail_wait(move |c| records::remote_ids_with_dates(c, folder))?
            .into_iter()
            .collect();
        let cutoff = now() - i64::from(delete_after_days) * 86_400;
        for (number, uid) in &uidl {
            let Some(stored_at) = kept.get(uid) else {
                continue;
            };
            if !leave_on_server || *stored_at <= cutoff {
                session.dele(*number).await?;
                deleted += 1;
            }
        }
    }
    store.wait_for_index()?;
    Ok((stored, deleted))
}

/// Store writes sent without waiting, in order, with the first failure kept for [`wait`].
///
/// [`wait`]: Pipeline::wait
#[derive(Default, Clone)]
struct Pipeline {
    failed: std::sync::Arc<std::sync::Mutex<Option<String>>>,
}

impl Pipeline {
    fn send(
        &self,
        store: &Store,
        job: impl FnOnce(&mut rusqlite::Connection) -> rusqlite::Result<()> + Send + 'static,
    ) {
        let failed = self.failed.clone();
        store.run(job, move |r| {
            if let Err(e) = r
                && let Ok(mut f) = failed.lock()
            {
                f.get_or_insert(e.to_string());
            }
        });
    }

    /// Waits until every write sent is done; the first failure is the error.
    fn wait(&self, store: &Store) -> Result<(), SyncError> {
        store.mail_wait(|_| Ok(()))?;
        match self.failed.lock().ok().and_then(|mut f| f.take()) {
            Some(e) => Err(SyncError::Write(e)),
            None => Ok(()),
        }
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The header block of a raw message (up to and including the empty line).
pub fn header_of(raw: &[u8]) -> &[u8] {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| p + 4)
        .or_else(|| raw.windows(2).position(|w| w == b"\n\n").map(|p| p + 2))
        .unwrap_or(raw.len());
    &raw[..end.min(256 * 1024)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_first_sync_fetches_a_small_batch_then_large_ones() {
        let uids: Vec<u32> = (1..=78_500).rev().collect();
        let sizes: Vec<usize> = batches(&uids).map(<[u32]>::len).collect();
        let mut expected = vec![FIRST_BATCH];
        expected.extend([BATCH; 7]);
        expected.push(7_500);
        assert_eq!(sizes, expected);
        let seen: Vec<u32> = batches(&uids).flatten().copied().collect();
        assert_eq!(seen, uids, "every UID once, in order");
        assert_eq!(batches(&uids[..10]).count(), 1);
        assert_eq!(batches(&[]).count(), 0);
    }

    fn head(uid: u32) -> MessageHead {
        MessageHead {
            uid,
            flags: if uid.is_multiple_of(2) {
                vec!["\\Seen".into()]
            } else {
                Vec::new()
            },
            internal_date: Some(1_700_000_000 + i64::from(uid)),
            size: 100,
            modseq: None,
            header: format!("Subject: number {uid}\r\nFrom: a@example.test\r\n\r\n").into_bytes(),
        }
    }

    /// Everything handed to the header thread is stored once, with the folder's counts,
    /// however the hand-overs and the store's writes fall; the thread ends after the last
    /// write, not before.
    #[test]
    fn flags_are_the_same_in_any_order_and_case() {
        let server = |f: &[&str]| f.iter().map(ToString::to_string).collect::<Vec<_>>();
        assert!(same_flags(
            "\\Seen \\Flagged",
            &server(&["\\Flagged", "\\Seen"])
        ));
        assert!(same_flags("\\seen $label", &server(&["$Label", "\\Seen"])));
        assert!(same_flags("", &server(&[])));
        assert!(!same_flags("\\Seen", &server(&["\\Seen", "\\Flagged"])));
        assert!(!same_flags("\\Seen \\Seen", &server(&["\\Seen"])));
    }

    #[test]
    fn the_header_thread_stores_all_it_is_handed_and_then_ends() {
        let dir = tempfile::tempdir().expect("tmp");
        let store = Store::open(&dir.path().join("s.db")).expect("store");
        let account = records::Account {
            name: "a".into(),
            host: "h".into(),
            ..records::Account::default()
        };
        let account = store
            .mail_wait(move |c| records::save_account(c, &account))
            .expect("account");
        let infos = vec![records::FolderInfo {
            name: "INBOX".into(),
            selectable: true,
            ..records::FolderInfo::default()
        }];
        let folder = store
            .mail_wait(move |c| records::sync_folders(c, account, &infos))
            .expect("folders")
            .remove(0)
            .id;
        let total = 23_500_u32;
        let (tx, rx) = std::sync::mpsc::channel();
        let uids: Vec<u32> = (1..=total).rev().collect();
        for chunk in uids.chunks(HAND_OVER) {
            tx.send(ToHeaders::Heads(chunk.iter().map(|u| head(*u)).collect()))
                .expect("send");
        }
        tx.send(ToHeaders::End).expect("send");
        let writes = Pipeline::default();
        read_and_store(&rx, &tx, &store, &writes, folder, total as usize);
        writes.wait(&store).expect("written");
        let stored = store
            .mail_wait(move |c| records::uids(c, folder))
            .expect("uids");
        assert_eq!(stored, (1..=total).collect::<Vec<_>>());
        let row = store
            .mail_wait(move |c| records::folder(c, folder))
            .expect("folder")
            .expect("row");
        assert_eq!((row.messages, row.unseen), (23_500, 11_750));
    }
}
