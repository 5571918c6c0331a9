//! Workers: long-lived tokio tasks that own connections, take commands and send events.
//!
//! The UI never waits on them. Each event is followed by a repaint request, which is the only
//! thing that wakes the window, so an idle window costs no CPU. Progress is coalesced so one job
//! causes at most about ten repaints a second.

pub mod browser;
pub mod ftp;
pub mod job_spec;
pub mod jobs;
pub mod listen;
pub mod mail;
pub mod mail_setup;
pub mod mail_side;
pub mod mail_sync;
pub mod mirror;
pub mod news;
pub mod news_binary;
pub mod outbox;
pub mod queue;
pub mod socket_file;
pub mod terminal;
pub mod transfer;
pub mod udp;

use std::sync::mpsc;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use crate::proto::http::HttpClient;
use crate::proto::net::Limits;
use crate::proto::rate::Pacing;
use crate::proto::tls::Trust;

/// How a worker wakes the UI: the window passes a closure that requests a repaint, so this
/// layer names no UI type.
pub type Wake = Box<dyn Fn() + Send + Sync>;

/// Wakes the UI after an event was queued. Until a window attaches its wake-up (and in the
/// CLI and tests, where none does) it does nothing.
#[derive(Clone, Default)]
pub struct Notifier {
    wake: Arc<OnceLock<Wake>>,
}

impl Notifier {
    pub fn new() -> Notifier {
        Notifier::default()
    }

    /// Called by the app on its first frame; later calls are ignored.
    pub fn attach(&self, wake: impl Fn() + Send + Sync + 'static) {
        let _ = self.wake.set(Box::new(wake));
    }

    /// True once a wake-up is attached, so the app builds its closure only once.
    pub fn is_attached(&self) -> bool {
        self.wake.get().is_some()
    }

    pub fn notify(&self) {
        if let Some(wake) = self.wake.get() {
            wake();
        }
    }
}

/// Where workers send events: the app drains them once per frame in `App::logic`.
pub struct EventSink<E> {
    tx: mpsc::Sender<E>,
    notifier: Notifier,
}

impl<E> Clone for EventSink<E> {
    fn clone(&self) -> Self {
        EventSink {
            tx: self.tx.clone(),
            notifier: self.notifier.clone(),
        }
    }
}

impl<E> EventSink<E> {
    pub fn new(notifier: Notifier) -> (EventSink<E>, mpsc::Receiver<E>) {
        let (tx, rx) = mpsc::channel();
        (EventSink { tx, notifier }, rx)
    }

    /// Queues an event and wakes the UI.
    pub fn send(&self, event: E) {
        if self.tx.send(event).is_ok() {
            self.notifier.notify();
        }
    }

    /// Queues an event and wraps it in another type, sharing the same channel.
    pub fn map<F: Fn(T) -> E + Send + Sync + 'static, T>(&self, f: F) -> MappedSink<T, E>
    where
        E: 'static,
    {
        MappedSink {
            inner: self.clone(),
            f: Arc::new(f),
        }
    }
}

/// An [`EventSink`] for a sub-event type.
pub struct MappedSink<T, E> {
    inner: EventSink<E>,
    f: Arc<dyn Fn(T) -> E + Send + Sync>,
}

impl<T, E> Clone for MappedSink<T, E> {
    fn clone(&self) -> Self {
        MappedSink {
            inner: self.inner.clone(),
            f: self.f.clone(),
        }
    }
}

impl<T, E> MappedSink<T, E> {
    pub fn send(&self, event: T) {
        self.inner.send((self.f)(event));
    }
}

impl<T: 'static, E: 'static> MappedSink<T, E> {
    /// A sink for yet another event type that is turned into `T` first (a tab id added, say).
    pub fn contramap<U>(self, f: impl Fn(U) -> T + Send + Sync + 'static) -> MappedSink<U, E> {
        let outer = self.f;
        MappedSink {
            inner: self.inner,
            f: Arc::new(move |u| outer(f(u))),
        }
    }
}

/// Lets through at most one progress report per interval, and always the last one.
#[derive(Debug)]
pub struct Throttle {
    interval: Duration,
    last: Option<Instant>,
}

impl Throttle {
    /// Ten reports a second: smooth to the eye, cheap to draw.
    pub fn progress() -> Throttle {
        Throttle::new(Duration::from_millis(100))
    }

    pub fn new(interval: Duration) -> Throttle {
        Throttle {
            interval,
            last: None,
        }
    }

    /// True when a report may go out now.
    pub fn ready(&mut self) -> bool {
        let now = Instant::now();
        match self.last {
            Some(t) if now.duration_since(t) < self.interval => false,
            _ => {
                self.last = Some(now);
                true
            }
        }
    }
}

/// What every worker needs: the runtime, trust, the HTTP client and limits, and what all
/// transfers share: the queue and the speed limits.
#[derive(Clone)]
pub struct Services {
    pub runtime: tokio::runtime::Handle,
    pub trust: Arc<Trust>,
    pub http: HttpClient,
    pub limits: Limits,
    pub queue: Arc<queue::TransferQueue>,
    pub pacing: Pacing,
}

impl Services {
    /// Services with an empty queue and no speed limit.
    pub fn new(
        runtime: tokio::runtime::Handle,
        trust: Arc<Trust>,
        http: HttpClient,
        limits: Limits,
    ) -> Services {
        Services {
            runtime,
            trust,
            http,
            limits,
            queue: queue::TransferQueue::new(),
            pacing: Pacing::default(),
        }
    }

    /// The queue and speed limits, for job `job`.
    pub fn transfers(&self, job: jobs::JobId) -> queue::TransferContext {
        queue::TransferContext {
            queue: self.queue.clone(),
            pacing: self.pacing.clone(),
            job,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttle_lets_first_through_then_waits() {
        let mut t = Throttle::new(Duration::from_hours(1));
        assert!(t.ready());
        assert!(!t.ready());
        let mut t = Throttle::new(Duration::ZERO);
        assert!(t.ready());
        assert!(t.ready());
    }

    #[test]
    fn notifier_calls_what_was_attached_once_attached() {
        let n = Notifier::new();
        n.notify(); // nothing attached: nothing happens, nothing panics
        let count = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let c = count.clone();
        n.attach(move || {
            c.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        });
        assert!(n.is_attached());
        n.attach(|| panic!("a second wake-up is ignored"));
        n.clone().notify();
        assert_eq!(count.load(std::sync::atomic::Ordering::Relaxed), 1);
    }

    #[test]
    fn sink_delivers_mapped_events() {
        let (sink, rx) = EventSink::<(u8, &'static str)>::new(Notifier::new());
        let mapped = sink.map(|s: &'static str| (7, s));
        mapped.send("hello");
        sink.send((1, "direct"));
        assert_eq!(rx.try_recv().ok(), Some((7, "hello")));
        assert_eq!(rx.try_recv().ok(), Some((1, "direct")));
    }
}
