//! The transfer queue: how many transfers run at once per site, and in which order the
//! waiting ones start.
//!
//! A semaphore would do the counting, but it cannot be reordered, and the user moves queued
//! transfers up and down. So waiting transfers are kept in a list the user can reorder; a
//! free connection goes to the first one in the list whose site has room.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use super::jobs::JobId;
use crate::proto::ftp::FtpSite;
use crate::proto::rate::Pacing;

/// What a transfer job shares with the rest of the app: the queue it waits in, its id there,
/// and the speed limits. The default is a queue of its own with no limit (the command line).
#[derive(Debug, Clone, Default)]
pub struct TransferContext {
    pub queue: Arc<TransferQueue>,
    pub pacing: Pacing,
    pub job: JobId,
}

impl TransferContext {
    /// Waits for room to transfer to or from `site`.
    pub async fn slot(&self, site: &FtpSite) -> Slot {
        self.enter(site).ready().await
    }

    /// Takes a place in the queue for `site` now; see [`TransferQueue::enter`].
    pub fn enter(&self, site: &FtpSite) -> Waiting {
        self.queue
            .enter(self.job, site_key(site), site.max_parallel)
    }
}

/// The queue's name for a site: one server and login share its limit.
pub fn site_key(site: &FtpSite) -> String {
    format!(
        "{}@{}:{}",
        site.user.as_deref().unwrap_or("anonymous"),
        site.host,
        site.port
    )
}

/// Where a queued job should go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    Up,
    Down,
    Top,
    Bottom,
}

/// Waiting and running transfers of the whole app.
#[derive(Debug, Default)]
pub struct TransferQueue {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    waiting: Vec<Waiter>,
    running: HashMap<String, usize>,
    next_ticket: u64,
}

#[derive(Debug)]
struct Waiter {
    ticket: u64,
    job: JobId,
    site: String,
    limit: usize,
    wake: tokio::sync::oneshot::Sender<()>,
}

/// A place in the queue; `ready` waits for the turn. Dropping it leaves the queue.
#[derive(Debug)]
pub struct Waiting {
    job: JobId,
    slot: Slot,
    woken: tokio::sync::oneshot::Receiver<()>,
}

impl Waiting {
    /// The job this place belongs to.
    pub fn job(&self) -> JobId {
        self.job
    }

    pub async fn ready(self) -> Slot {
        let _ = self.woken.await;
        self.slot
    }
}

/// A connection's worth of room for one transfer; dropping it lets the next one start.
#[derive(Debug)]
pub struct Slot {
    queue: Arc<TransferQueue>,
    ticket: u64,
    site: String,
}

impl TransferQueue {
    pub fn new() -> Arc<TransferQueue> {
        Arc::new(TransferQueue::default())
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves plain counters behind; keep going with them.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Waits until `site` (any key naming a server and login) has fewer than `limit` transfers
    /// running and no earlier waiter is ahead for it. Dropping the future leaves the queue.
    pub async fn acquire(self: &Arc<Self>, job: JobId, site: String, limit: usize) -> Slot {
        self.enter(job, site, limit).ready().await
    }

    /// Takes a place in the queue now, before any task runs, so transfers queue in the order
    /// they were asked for (spawned tasks start in no particular order).
    pub fn enter(self: &Arc<Self>, job: JobId, site: String, limit: usize) -> Waiting {
        let (wake, woken) = tokio::sync::oneshot::channel();
        let mut inner = self.lock();
        inner.next_ticket += 1;
        let ticket = inner.next_ticket;
        inner.waiting.push(Waiter {
            ticket,
            job,
            site: site.clone(),
            limit: limit.max(1),
            wake,
        });
        dispatch(&mut inner);
        // Made while still locked, so dropping the place at any time gives back what it got.
        Waiting {
            job,
            slot: Slot {
                queue: self.clone(),
                ticket,
                site,
            },
            woken,
        }
    }

    /// Jobs waiting for a connection, first to start first (each job once).
    pub fn waiting(&self) -> Vec<JobId> {
        let inner = self.lock();
        let mut jobs: Vec<JobId> = Vec::new();
        for w in &inner.waiting {
            if !jobs.contains(&w.job) {
                jobs.push(w.job);
            }
        }
        jobs
    }

    /// Transfers running now for `site`.
    pub fn running(&self, site: &str) -> usize {
        self.lock().running.get(site).copied().unwrap_or(0)
    }

    /// Moves a waiting job in the order (all of its waiting transfers, for a folder job).
    pub fn move_job(&self, job: JobId, to: Move) {
        let mut inner = self.lock();
        let mut order: Vec<JobId> = Vec::new();
        for w in &inner.waiting {
            if !order.contains(&w.job) {
                order.push(w.job);
            }
        }
        let Some(at) = order.iter().position(|j| *j == job) else {
            return;
        };
        let item = order.remove(at);
        let target = match to {
            Move::Up => at.saturating_sub(1),
            Move::Down => (at + 1).min(order.len()),
            Move::Top => 0,
            Move::Bottom => order.len(),
        };
        order.insert(target, item);
        inner
            .waiting
            .sort_by_key(|w| order.iter().position(|j| *j == w.job));
    }
}

/// Starts every waiter, in order, whose site has room.
fn dispatch(inner: &mut Inner) {
    let mut i = 0;
    while i < inner.waiting.len() {
        let w = &inner.waiting[i];
        let running = inner.running.get(&w.site).copied().unwrap_or(0);
        if running < w.limit {
            let w = inner.waiting.remove(i);
            *inner.running.entry(w.site).or_insert(0) += 1;
            // A waiter whose future is gone gives its room back in its Slot's drop.
            let _ = w.wake.send(());
        } else {
            i += 1;
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut inner = self.queue.lock();
        if let Some(at) = inner.waiting.iter().position(|w| w.ticket == self.ticket) {
            inner.waiting.remove(at);
            return;
        }
        if let Some(n) = inner.running.get_mut(&self.site) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                inner.running.remove(&self.site);
            }
        }
        dispatch(&mut inner);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Spawns a job that takes a slot, reports when it got it and holds it until aborted.
    fn spawn_job(
        q: &Arc<TransferQueue>,
        job: JobId,
        site: &str,
        limit: usize,
        started: &tokio::sync::mpsc::UnboundedSender<JobId>,
    ) -> tokio::task::JoinHandle<()> {
        let (q, site, started) = (q.clone(), site.to_string(), started.clone());
        tokio::spawn(async move {
            let _slot = q.acquire(job, site, limit).await;
            let _ = started.send(job);
            std::future::pending::<()>().await;
        })
    }

    async fn settle() {
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
    }

    fn drain(rx: &mut tokio::sync::mpsc::UnboundedReceiver<JobId>) -> Vec<JobId> {
        std::iter::from_fn(|| rx.try_recv().ok()).collect()
    }

    #[tokio::test]
    async fn limits_per_site_and_starts_in_queue_order() {
        let q = TransferQueue::new();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let mut tasks = HashMap::new();
        for job in 1..=4 {
            tasks.insert(job, spawn_job(&q, job, "a", 2, &tx));
            settle().await;
        }
        // Another site is not held up by a full one.
        tasks.insert(9, spawn_job(&q, 9, "b", 2, &tx));
        settle().await;
        assert_eq!(drain(&mut rx), vec![1, 2, 9]);
        assert_eq!(q.running("a"), 2);
        assert_eq!(q.waiting(), vec![3, 4]);
        // The user moves 4 before 3: 4 gets the next free connection.
        q.move_job(4, Move::Up);
        assert_eq!(q.waiting(), vec![4, 3]);
        tasks[&1].abort();
        settle().await;
        assert_eq!(drain(&mut rx), vec![4]);
        assert_eq!(q.waiting(), vec![3]);
        assert_eq!(q.running("a"), 2);
        tasks[&2].abort();
        settle().await;
        assert_eq!(drain(&mut rx), vec![3]);
        for t in tasks.values() {
            t.abort();
        }
        settle().await;
        assert_eq!((q.running("a"), q.running("b")), (0, 0));
        assert!(q.waiting().is_empty());
    }

    #[tokio::test]
    async fn a_cancelled_waiter_leaves_the_queue_and_a_cancelled_runner_frees_its_room() {
        let q = TransferQueue::new();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let first = spawn_job(&q, 1, "a", 1, &tx);
        settle().await;
        let second = spawn_job(&q, 2, "a", 1, &tx);
        let third = spawn_job(&q, 3, "a", 1, &tx);
        settle().await;
        assert_eq!(q.waiting(), vec![2, 3]);
        second.abort();
        settle().await;
        assert_eq!(q.waiting(), vec![3]);
        first.abort();
        settle().await;
        assert_eq!(drain(&mut rx), vec![1, 3]);
        assert_eq!(q.running("a"), 1);
        third.abort();
        settle().await;
        assert_eq!(q.running("a"), 0);
    }

    #[tokio::test]
    async fn places_taken_before_spawning_keep_their_order() {
        let q = TransferQueue::new();
        let places: Vec<(JobId, Waiting)> = (1..=4)
            .map(|job| (job, q.enter(job, "a".into(), 1)))
            .collect();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let mut tasks = Vec::new();
        // Spawned in reverse: the order of the places, not of the tasks, decides.
        for (job, place) in places.into_iter().rev() {
            let tx = tx.clone();
            tasks.push(tokio::spawn(async move {
                let _slot = place.ready().await;
                let _ = tx.send(job);
                tokio::task::yield_now().await;
            }));
        }
        for t in tasks {
            t.await.expect("task");
        }
        assert_eq!(drain(&mut rx), vec![1, 2, 3, 4]);
        assert_eq!(q.running("a"), 0);
    }

    #[test]
    fn moves_to_the_ends_and_ignores_unknown_jobs() {
        let q = TransferQueue::new();
        let mut inner = q.lock();
        for (ticket, job) in [(1, 10), (2, 11), (3, 12), (4, 11)] {
            let (wake, _) = tokio::sync::oneshot::channel();
            inner.waiting.push(Waiter {
                ticket,
                job,
                site: "full".into(),
                limit: 1,
                wake,
            });
        }
        inner.running.insert("full".into(), 1);
        drop(inner);
        assert_eq!(q.waiting(), vec![10, 11, 12]);
        q.move_job(12, Move::Top);
        assert_eq!(q.waiting(), vec![12, 10, 11]);
        q.move_job(12, Move::Bottom);
        assert_eq!(q.waiting(), vec![10, 11, 12]);
        q.move_job(10, Move::Down);
        assert_eq!(q.waiting(), vec![11, 10, 12]);
        q.move_job(11, Move::Up);
        q.move_job(99, Move::Top);
        assert_eq!(q.waiting(), vec![11, 10, 12]);
        // Both of job 11's transfers moved together.
        let tickets: Vec<u64> = q.lock().waiting.iter().map(|w| w.ticket).collect();
        assert_eq!(tickets, vec![2, 4, 1, 3]);
    }
}
