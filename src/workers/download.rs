//! Downloads to the download folder, shown in the Activity list.
//!
//! Bytes go to `NAME.part`, which is renamed to `NAME` only when the transfer completed, so a
//! half file never looks finished. A cancelled download keeps its `.part`.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use super::{MappedSink, Services, Throttle};
use crate::filename;
use crate::link::Link;
use crate::proto::gopher;
use crate::proto::http::HttpClient;

/// Identifies a job in the Activity list.
pub type JobId = u64;

static NEXT_JOB: AtomicU64 = AtomicU64::new(1);

/// A fresh job id.
pub fn next_job_id() -> JobId {
    NEXT_JOB.fetch_add(1, Ordering::Relaxed)
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
}

/// Starts downloading `link` into `folder`; returns the job id and the abort handle that the
/// Activity list's Cancel button uses.
pub fn start(
    services: &Services,
    link: Link,
    folder: PathBuf,
    name_hint: Option<String>,
    events: MappedSink<JobEvent, impl Send + 'static>,
) -> (JobId, tokio::task::AbortHandle) {
    let id = next_job_id();
    let services2 = services.clone();
    let handle = services.runtime.spawn(async move {
        let name = name_hint.unwrap_or_else(|| name_from_link(&link));
        let result = run(&services2, &link, &folder, &name, id, &events).await;
        events.send(JobEvent::Finished { id, result });
    });
    (id, handle.abort_handle())
}

/// A file name for a link: the last path segment of its selector or URL path.
pub fn name_from_link(link: &Link) -> String {
    let raw = match link {
        Link::Gopher(g) => String::from_utf8_lossy(&g.selector).into_owned(),
        Link::Http(u) => percent_encoding::percent_decode_str(u.path())
            .decode_utf8_lossy()
            .into_owned(),
        Link::Ftp { path, .. } => String::from_utf8_lossy(path).into_owned(),
        other => other.to_string(),
    };
    filename::sanitize(&raw)
}

async fn run<E: Send + 'static>(
    services: &Services,
    link: &Link,
    folder: &Path,
    name: &str,
    id: JobId,
    events: &MappedSink<JobEvent, E>,
) -> Result<PathBuf, String> {
    std::fs::create_dir_all(folder)
        .map_err(|e| format!("cannot create {}: {e}", folder.display()))?;
    let target = filename::unique_target(folder, name);
    let part = filename::part_path(&target);
    events.send(JobEvent::Started {
        id,
        title: format!("{link}"),
        target: target.clone(),
    });
    let file = std::fs::File::create(&part)
        .map_err(|e| format!("cannot write {}: {e}", part.display()))?;
    let mut sink = std::io::BufWriter::with_capacity(256 * 1024, file);
    let started = Instant::now();
    let mut throttle = Throttle::progress();
    let mut report = |done: u64, total: Option<u64>| {
        if throttle.ready() {
            let secs = started.elapsed().as_secs_f64().max(0.001);
            events.send(JobEvent::Progress {
                id,
                done,
                total,
                bytes_per_sec: done as f64 / secs,
            });
        }
    };
    let written = match link {
        Link::Gopher(g) => gopher::download(g, &mut sink, &services.limits, |n| report(n, None))
            .await
            .map_err(|e| e.to_string())?,
        Link::Http(url) => {
            let (head, response) = services.http.get(url).await.map_err(|e| e.to_string())?;
            if !head.is_success() {
                return Err(format!("{} {} from {}", head.status, head.reason, head.url));
            }
            HttpClient::copy_body(&head, response, &mut sink, &mut report)
                .await
                .map_err(|e| e.to_string())?
        }
        other => {
            return Err(format!(
                "{} downloads are not available yet",
                other.scheme().name()
            ));
        }
    };
    std::io::Write::flush(&mut sink).map_err(|e| format!("writing {}: {e}", part.display()))?;
    drop(sink);
    events.send(JobEvent::Progress {
        id,
        done: written,
        total: Some(written),
        bytes_per_sec: written as f64 / started.elapsed().as_secs_f64().max(0.001),
    });
    std::fs::rename(&part, &target).map_err(|e| {
        format!(
            "cannot rename {} to {}: {e}",
            part.display(),
            target.display()
        )
    })?;
    Ok(target)
}
