//! Speed limits shared by every transfer: a token bucket that all connections draw from, so
//! three parallel downloads under a 1 MB/s limit get 1 MB/s between them, not 3.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

// tokio's clock, which tests can pause; outside a runtime it is the system's.
use tokio::time::Instant;

/// One direction's limit. Zero bytes per second means no limit.
#[derive(Debug, Default)]
pub struct RateLimit {
    bytes_per_sec: AtomicU64,
    bucket: Mutex<Bucket>,
}

#[derive(Debug, Default)]
struct Bucket {
    last: Option<Instant>,
    /// Bytes that may go now; negative when transfers are ahead of the limit.
    allowance: f64,
}

impl RateLimit {
    /// Changes the limit; running transfers follow from their next read.
    pub fn set(&self, bytes_per_sec: u64) {
        self.bytes_per_sec.store(bytes_per_sec, Ordering::Relaxed);
    }

    pub fn get(&self) -> u64 {
        self.bytes_per_sec.load(Ordering::Relaxed)
    }

    /// The largest read to make at once: a tenth of a second's worth under a limit, so
    /// progress moves smoothly instead of in bursts, else `max`.
    pub fn chunk(&self, max: usize) -> usize {
        match self.get() {
            0 => max,
            rate => usize::try_from(rate / 10).unwrap_or(max).clamp(4096, max),
        }
    }

    /// Accounts for `n` bytes moved and sleeps long enough to stay under the limit.
    pub async fn consume(&self, n: usize) {
        let wait = self.reserve(n, Instant::now());
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    /// How long to wait after moving `n` bytes at `now`. The bucket holds at most a tenth of a
    /// second of allowance, so after a pause (or a lower limit set) a transfer does not burst
    /// above the limit for long: the speed the user sees stays at the limit.
    fn reserve(&self, n: usize, now: Instant) -> Duration {
        let rate = self.get();
        let mut bucket = self
            .bucket
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if rate == 0 {
            *bucket = Bucket::default();
            return Duration::ZERO;
        }
        let rate = rate as f64;
        let elapsed = bucket
            .last
            .map_or(0.0, |t| now.saturating_duration_since(t).as_secs_f64());
        bucket.last = Some(now);
        bucket.allowance = (bucket.allowance + elapsed * rate).min(rate / 10.0) - n as f64;
        if bucket.allowance >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-bucket.allowance / rate)
        }
    }
}

/// The download and upload limits, shared by every session of the app.
#[derive(Debug, Clone, Default)]
pub struct Pacing {
    pub down: Arc<RateLimit>,
    pub up: Arc<RateLimit>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_in_proportion_to_what_went_over() {
        let r = RateLimit::default();
        let t0 = Instant::now();
        assert_eq!(r.reserve(1_000_000, t0), Duration::ZERO, "no limit");
        r.set(1000);
        assert_eq!(r.reserve(500, t0), Duration::from_millis(500));
        // A second transfer drawing from the same bucket waits for both.
        assert_eq!(r.reserve(500, t0), Duration::from_secs(1));
        // Two seconds later the debt is paid, and a tenth of a second's allowance is there, no
        // more, however long the pause.
        assert_eq!(r.reserve(0, t0 + Duration::from_secs(2)), Duration::ZERO);
        assert_eq!(
            r.reserve(1500, t0 + Duration::from_secs(10)),
            Duration::from_millis(1400)
        );
        r.set(0);
        assert_eq!(r.reserve(1_000_000, t0), Duration::ZERO);
    }

    #[test]
    fn chunks_shrink_under_a_limit() {
        let r = RateLimit::default();
        assert_eq!(r.chunk(256 * 1024), 256 * 1024);
        r.set(100_000);
        assert_eq!(r.chunk(256 * 1024), 10_000);
        r.set(1000);
        assert_eq!(r.chunk(256 * 1024), 4096);
        r.set(u64::MAX);
        assert_eq!(r.chunk(256 * 1024), 256 * 1024);
    }

    #[tokio::test(start_paused = true)]
    async fn consume_sleeps_on_the_clock() {
        let r = RateLimit::default();
        r.set(10_000);
        let start = tokio::time::Instant::now();
        for _ in 0..10 {
            r.consume(5_000).await;
        }
        // 50,000 bytes at 10,000 B/s: five seconds on tokio's paused clock.
        let took = start.elapsed();
        assert!(
            took >= Duration::from_millis(4900) && took <= Duration::from_millis(5100),
            "{took:?}"
        );
    }
}
