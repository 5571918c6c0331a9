//! The job API every transfer shares: downloads, uploads and folder mirrors today, attachment
//! saves and yEnc decodes later. A job has an id from one counter, reports [`JobEvent`]s to the
//! Activity list, and can be cancelled through its [`JobHandle`].
//!
//! It lives apart from the transfer code so `transfer`, `mirror` and `queue` all depend on it
//! and none of them on each other for these types.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

/// Identifies a job in the Activity list.
pub type JobId = u64;

static NEXT_JOB: AtomicU64 = AtomicU64::new(1);

/// A fresh job id, unique for this run of the program.
pub fn next_job_id() -> JobId {
    NEXT_JOB.fetch_add(1, Ordering::Relaxed)
}

/// Which way files go, for single transfers and folder jobs alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Remote to local (lftp `mirror`).
    Download,
    /// Local to remote (lftp `mirror --reverse`).
    Upload,
}

/// What the Activity list hears about a job.
#[derive(Debug, Clone, PartialEq)]
pub enum JobEvent {
    Started {
        id: JobId,
        title: String,
        target: PathBuf,
    },
    Progress {
        id: JobId,
        done: u64,
        total: Option<u64>,
        bytes_per_sec: f64,
    },
    Finished {
        id: JobId,
        result: Result<PathBuf, String>,
    },
    /// A line under the bar: where a folder job is ("12 of 40 files").
    Detail { id: JobId, text: String },
}

/// A started job: its id and what the Activity list's Cancel and Pause buttons use to stop it.
/// Aborting the job's task stops everything it started: folder jobs keep their connections in
/// a `JoinSet` owned by that task, so they end with it.
#[derive(Debug, Clone)]
pub struct JobHandle {
    pub id: JobId,
    pub abort: tokio::task::AbortHandle,
}
