//! Keeps the protocol log's lines for the log window: a `tracing` layer on the `wire` target.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use tracing::field::{Field, Visit};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::Context;

use crate::proto::wire;

/// Lines kept; older ones fall off.
pub const CAPACITY: usize = 5000;

/// One logged line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    pub at: SystemTime,
    pub session: String,
    pub dir: String,
    pub text: String,
}

/// The shared ring buffer. The UI reads it with `try_lock` so a frame never waits.
#[derive(Clone, Default)]
pub struct ProtocolLog {
    lines: Arc<Mutex<VecDeque<LogLine>>>,
}

impl ProtocolLog {
    pub fn push(&self, line: LogLine) {
        if let Ok(mut l) = self.lines.lock() {
            if l.len() >= CAPACITY {
                l.pop_front();
            }
            l.push_back(line);
        }
    }

    /// A copy of the lines, or `None` if a worker holds the lock right now.
    pub fn try_snapshot(&self) -> Option<Vec<LogLine>> {
        self.lines
            .try_lock()
            .ok()
            .map(|l| l.iter().cloned().collect())
    }

    pub fn clear(&self) {
        if let Ok(mut l) = self.lines.lock() {
            l.clear();
        }
    }

    /// The layer to add to the subscriber.
    pub fn layer(&self) -> ProtocolLogLayer {
        ProtocolLogLayer { log: self.clone() }
    }
}

/// Collects `wire` events into a [`ProtocolLog`].
pub struct ProtocolLogLayer {
    log: ProtocolLog,
}

#[derive(Default)]
struct Fields {
    session: String,
    dir: String,
    message: String,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "session" => self.session = value.to_string(),
            "dir" => self.dir = value.to_string(),
            "message" => self.message = value.to_string(),
            _ => {}
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        match field.name() {
            "message" => self.message = format!("{value:?}"),
            "session" => self.session = format!("{value:?}").trim_matches('"').to_string(),
            "dir" => self.dir = format!("{value:?}").trim_matches('"').to_string(),
            _ => {}
        }
    }
}

impl<S: tracing::Subscriber> Layer<S> for ProtocolLogLayer {
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        if event.metadata().target() != wire::TARGET {
            return;
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        self.log.push(LogLine {
            at: SystemTime::now(),
            session: fields.session,
            dir: fields.dir,
            text: fields.message,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing_subscriber::layer::SubscriberExt as _;

    #[test]
    fn wire_events_are_collected_and_others_ignored() {
        let log = ProtocolLog::default();
        let subscriber = tracing_subscriber::registry().with(log.layer());
        tracing::subscriber::with_default(subscriber, || {
            wire::log("gopher h:70", wire::Flow::Sent, b"/about.txt");
            tracing::info!("unrelated");
        });
        let lines = log.try_snapshot().expect("unlocked");
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].session, "gopher h:70");
        assert_eq!(lines[0].dir, ">");
        assert_eq!(lines[0].text, "/about.txt");
    }
}
