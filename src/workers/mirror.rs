//! Mirroring between an FTP folder and a local folder: walk both trees, plan, apply with
//! several connections at once.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::filename::part_path;
use crate::mirror::{self, Action, PlanItem, TreeFile};
use crate::proto::ftp::{EntryKind, FtpError, FtpSession, FtpSite};
use crate::proto::net::Limits;
use crate::proto::tls::Trust;
use crate::workers::ftp::join;
pub use crate::workers::jobs::Direction;
use crate::workers::jobs::{JobEvent, JobHandle, next_job_id};
use crate::workers::queue::TransferContext;
use crate::workers::{MappedSink, Services};

/// What a mirror run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    pub transferred: usize,
    pub bytes: u64,
    pub deleted: usize,
}

/// Lists every file below `root` on the server, depth first. Links are not followed.
pub async fn walk_remote(session: &mut FtpSession, root: &[u8]) -> Result<Vec<TreeFile>, FtpError> {
    let mut out = Vec::new();
    let mut dirs: Vec<Vec<u8>> = vec![Vec::new()];
    while let Some(rel_dir) = dirs.pop() {
        let abs = if rel_dir.is_empty() {
            root.to_vec()
        } else {
            join(root, &rel_dir)
        };
        for entry in session.list(&abs).await? {
            if !mirror::safe_rel(&entry.name) || entry.name.contains(&b'/') {
                continue; // a name that would leave the tree is never followed
            }
            let rel = if rel_dir.is_empty() {
                entry.name.clone()
            } else {
                join(&rel_dir, &entry.name)
            };
            match entry.kind {
                EntryKind::Dir => dirs.push(rel),
                EntryKind::File => out.push(TreeFile {
                    rel,
                    size: entry.size.unwrap_or(0),
                    modified: entry.modified,
                }),
                _ => {}
            }
        }
    }
    Ok(out)
}

/// Lists every file below a local folder (a missing folder is an empty tree).
pub fn walk_local(root: &Path) -> std::io::Result<Vec<TreeFile>> {
    crate::frame_guard::assert_off_frame("walking a local folder");
    let mut out = Vec::new();
    if !root.exists() {
        return Ok(out);
    }
    let mut dirs = vec![PathBuf::new()];
    while let Some(rel_dir) = dirs.pop() {
        for entry in std::fs::read_dir(root.join(&rel_dir))? {
            let entry = entry?;
            let meta = entry.metadata()?;
            let rel = rel_dir.join(entry.file_name());
            let name = entry.file_name();
            if name.as_encoded_bytes().ends_with(b".part") {
                continue;
            }
            if meta.is_dir() {
                dirs.push(rel);
            } else if meta.is_file() {
                let rel_bytes = rel
                    .components()
                    .map(|c| c.as_os_str().as_encoded_bytes().to_vec())
                    .collect::<Vec<_>>()
                    .join(&b'/');
                out.push(TreeFile {
                    rel: rel_bytes,
                    size: meta.len(),
                    modified: crate::filename::modified_secs(&meta),
                });
            }
        }
    }
    Ok(out)
}

fn local_path(root: &Path, rel: &[u8]) -> PathBuf {
    let mut p = root.to_path_buf();
    for part in rel.split(|b| *b == b'/') {
        p.push(String::from_utf8_lossy(part).as_ref());
    }
    p
}

/// Makes the plan: walks the remote folder on `session` and the local folder.
pub async fn make_plan(
    session: &mut FtpSession,
    remote: &[u8],
    local: &Path,
    direction: Direction,
    delete: bool,
) -> Result<Vec<PlanItem>, String> {
    let remote_files = walk_remote(session, remote)
        .await
        .map_err(|e| e.to_string())?;
    let local_files = walk_local(local).map_err(|e| format!("{}: {e}", local.display()))?;
    Ok(match direction {
        Direction::Download => mirror::plan(&remote_files, &local_files, delete),
        Direction::Upload => mirror::plan(&local_files, &remote_files, delete),
    })
}

/// Where a mirror runs: the site, both roots and the direction.
#[derive(Debug, Clone)]
pub struct MirrorJob {
    pub site: FtpSite,
    pub trust: Arc<Trust>,
    pub limits: Limits,
    pub remote: Vec<u8>,
    pub local: PathBuf,
    pub direction: Direction,
    /// The queue each connection waits in and the speed limits.
    pub context: TransferContext,
}

impl MirrorJob {
    /// How the Activity list names this job.
    pub fn title(&self) -> String {
        let what = match self.direction {
            Direction::Download => "download folder",
            Direction::Upload => "upload folder",
        };
        format!("{what} {}", crate::workers::ftp::shown(&self.remote))
    }
}

/// Applies a plan with `parallel` connections, each taking the next file from one queue.
pub async fn apply(
    job: &MirrorJob,
    plan: Vec<PlanItem>,
    parallel: usize,
) -> Result<Outcome, String> {
    apply_with_progress(job, plan, parallel, Arc::new(|_, _| {})).await
}

/// Called with the bytes moved so far, as they move, and the files (or deletions) finished.
pub type MirrorProgress = Arc<dyn Fn(u64, usize) + Send + Sync>;

/// [`apply`], reporting progress.
pub async fn apply_with_progress(
    job: &MirrorJob,
    plan: Vec<PlanItem>,
    parallel: usize,
    progress: MirrorProgress,
) -> Result<Outcome, String> {
    let MirrorJob {
        site,
        trust,
        limits,
        remote,
        local,
        direction,
        context,
    } = job;
    let direction = *direction;
    let work: Vec<PlanItem> = plan
        .into_iter()
        .filter(|i| i.action != Action::Keep && mirror::safe_rel(&i.rel))
        .collect();
    if direction == Direction::Upload && work.iter().any(|i| i.action == Action::Transfer) {
        let mut session = FtpSession::connect(site, trust, limits)
            .await
            .map_err(|e| e.to_string())?;
        make_remote_dirs(&mut session, remote, &work).await;
        session.quit().await;
    }
    let queue = Arc::new(Mutex::new(work.into_iter().collect::<VecDeque<_>>()));
    let outcome = Arc::new(Mutex::new(Outcome::default()));
    // Bytes moved by all connections, counted as they arrive, so a large file moves the bar.
    let moving = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let finished = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    // The connections belong to this future: when it is dropped (the job was cancelled or
    // paused and its task aborted) the set aborts them all, so no byte more is moved.
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..parallel.clamp(1, 16) {
        let (site, trust, limits) = (site.clone(), trust.clone(), *limits);
        let (queue, outcome, progress) = (queue.clone(), outcome.clone(), progress.clone());
        let (remote, local, context) = (remote.clone(), local.clone(), context.clone());
        let (moving, finished) = (moving.clone(), finished.clone());
        tasks.spawn(async move {
            // Each connection waits its turn in the app's queue, so a folder job and single
            // transfers to the same site share the site's limit.
            let _slot = context.slot(&site).await;
            let mut session: Option<FtpSession> = None;
            while let Some(item) = queue.lock().ok().and_then(|mut q| q.pop_front()) {
                if session.is_none() {
                    let mut s = FtpSession::connect(&site, &trust, &limits)
                        .await
                        .map_err(|e| e.to_string())?;
                    s.set_pacing(context.pacing.clone());
                    session = Some(s);
                }
                let Some(s) = session.as_mut() else { break };
                let mut last = 0u64;
                let mut on_bytes = |n: u64| {
                    let total = moving.fetch_add(n - last, std::sync::atomic::Ordering::Relaxed)
                        + (n - last);
                    last = n;
                    progress(total, finished.load(std::sync::atomic::Ordering::Relaxed));
                };
                let bytes = apply_one(s, &remote, &local, direction, &item, &mut on_bytes).await?;
                let files = finished.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                progress(moving.load(std::sync::atomic::Ordering::Relaxed), files);
                if let Ok(mut o) = outcome.lock() {
                    if item.action == Action::Delete {
                        o.deleted += 1;
                    } else {
                        o.transferred += 1;
                        o.bytes += bytes;
                    }
                }
            }
            if let Some(s) = session {
                s.quit().await;
            }
            Ok::<(), String>(())
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.map_err(|e| format!("a transfer task failed: {e}"))??;
    }
    let o = *outcome.lock().map_err(|_| "lost the totals".to_string())?;
    Ok(o)
}

async fn apply_one(
    session: &mut FtpSession,
    remote: &[u8],
    local: &Path,
    direction: Direction,
    item: &PlanItem,
    on_bytes: &mut impl FnMut(u64),
) -> Result<u64, String> {
    let remote_path = join(remote, &item.rel);
    let local_file = local_path(local, &item.rel);
    match (direction, item.action) {
        (Direction::Download, Action::Transfer) => {
            if let Some(dir) = local_file.parent() {
                std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            }
            let part = part_path(&local_file);
            let file =
                std::fs::File::create(&part).map_err(|e| format!("{}: {e}", part.display()))?;
            let mut w = std::io::BufWriter::with_capacity(256 * 1024, file);
            let n = session
                .retrieve(&remote_path, 0, &mut w, on_bytes)
                .await
                .map_err(|e| e.to_string())?;
            let file = w
                .into_inner()
                .map_err(|e| format!("{}: {e}", part.display()))?;
            if let Some(t) = item_time(session, &remote_path).await {
                let _ = file.set_modified(t);
            }
            drop(file);
            crate::filename::finish_part(&part, &local_file)
                .map_err(|e| format!("{}: {e}", local_file.display()))?;
            Ok(n)
        }
        (Direction::Upload, Action::Transfer) => {
            let mut file = std::fs::File::open(&local_file)
                .map_err(|e| format!("{}: {e}", local_file.display()))?;
            let n = session
                .store(&remote_path, &mut file, on_bytes)
                .await
                .map_err(|e| e.to_string())?;
            // With the local time on the copy, the next comparison sees the two as the same.
            if let Some(secs) = file
                .metadata()
                .ok()
                .and_then(|m| crate::filename::modified_secs(&m))
            {
                let _ = session.set_modified(&remote_path, secs).await;
            }
            Ok(n)
        }
        (Direction::Download, Action::Delete) => {
            std::fs::remove_file(&local_file)
                .map_err(|e| format!("{}: {e}", local_file.display()))?;
            Ok(0)
        }
        (Direction::Upload, Action::Delete) => {
            session
                .delete_file(&remote_path)
                .await
                .map_err(|e| e.to_string())?;
            Ok(0)
        }
        (_, Action::Keep) => Ok(0),
    }
}

/// The remote file's time, so the local copy carries it and the next mirror sees it as the same.
async fn item_time(session: &mut FtpSession, path: &[u8]) -> Option<std::time::SystemTime> {
    let secs = session.modified(path).await.ok().flatten()?;
    let secs = u64::try_from(secs).ok()?;
    Some(std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs))
}

/// Creates the remote root and every folder the uploads need, parents first. Folders that
/// exist already answer 550, which is fine.
async fn make_remote_dirs(session: &mut FtpSession, root: &[u8], work: &[PlanItem]) {
    let mut dirs = std::collections::BTreeSet::new();
    let mut prefix = Vec::new();
    for part in root.split(|b| *b == b'/').filter(|p| !p.is_empty()) {
        prefix = join(if prefix.is_empty() { b"/" } else { &prefix }, part);
        dirs.insert(prefix.clone());
    }
    for item in work.iter().filter(|i| i.action == Action::Transfer) {
        let parts: Vec<&[u8]> = item.rel.split(|b| *b == b'/').collect();
        let mut dir = root.to_vec();
        for part in &parts[..parts.len().saturating_sub(1)] {
            dir = join(&dir, part);
            dirs.insert(dir.clone());
        }
    }
    let mut ordered: Vec<Vec<u8>> = dirs.into_iter().collect();
    ordered.sort_by_key(Vec::len);
    for dir in ordered {
        let _ = session.mkdir(&dir).await;
    }
}

/// Computes a plan on its own connection, for the Compare view.
pub fn compute_plan<E: Send + 'static>(
    services: &Services,
    job: MirrorJob,
    delete: bool,
    events: MappedSink<Result<Vec<PlanItem>, String>, E>,
) {
    services.runtime.spawn(async move {
        let result = async {
            let mut session = FtpSession::connect(&job.site, &job.trust, &job.limits)
                .await
                .map_err(|e| e.to_string())?;
            let plan =
                make_plan(&mut session, &job.remote, &job.local, job.direction, delete).await;
            session.quit().await;
            plan
        }
        .await;
        events.send(result);
    });
}

/// Runs a whole mirror (plan, then apply) as one job of the Activity list.
pub fn start_job<E: Send + 'static>(
    services: &Services,
    mut job: MirrorJob,
    plan: Option<Vec<PlanItem>>,
    delete: bool,
    events: MappedSink<JobEvent, E>,
) -> JobHandle {
    let id = next_job_id();
    job.context = services.transfers(id);
    let handle = services.runtime.spawn(async move {
        events.send(JobEvent::Started {
            id,
            title: job.title(),
            target: job.local.clone(),
        });
        let result = async {
            let plan = if let Some(p) = plan {
                p
            } else {
                let mut session = FtpSession::connect(&job.site, &job.trust, &job.limits)
                    .await
                    .map_err(|e| e.to_string())?;
                let p =
                    make_plan(&mut session, &job.remote, &job.local, job.direction, delete).await?;
                session.quit().await;
                p
            };
            let summary = mirror::summarize(&plan);
            let (total, items) = (summary.bytes, summary.transfers + summary.deletions);
            let started = std::time::Instant::now();
            let throttle = Arc::new(Mutex::new(super::Throttle::progress()));
            let sink = events.clone();
            let progress: MirrorProgress = Arc::new(move |done, files| {
                if throttle.lock().is_ok_and(|mut t| t.ready()) {
                    sink.send(JobEvent::Progress {
                        id,
                        done,
                        total: Some(total),
                        bytes_per_sec: done as f64 / started.elapsed().as_secs_f64().max(0.001),
                    });
                    sink.send(JobEvent::Detail {
                        id,
                        text: format!("{files} of {items} files"),
                    });
                }
            });
            if job.direction == Direction::Download {
                std::fs::create_dir_all(&job.local)
                    .map_err(|e| format!("cannot create {}: {e}", job.local.display()))?;
            }
            let outcome = apply_with_progress(&job, plan, job.site.max_parallel, progress).await?;
            events.send(JobEvent::Progress {
                id,
                done: outcome.bytes,
                total: Some(outcome.bytes),
                bytes_per_sec: 0.0,
            });
            events.send(JobEvent::Detail {
                id,
                text: format!(
                    "{} file(s) transferred, {} deleted",
                    outcome.transferred, outcome.deleted
                ),
            });
            Ok(job.local.clone())
        }
        .await;
        events.send(JobEvent::Finished { id, result });
    });
    JobHandle {
        id,
        abort: handle.abort_handle(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_walk_gives_relative_slash_paths_and_skips_parts() {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::create_dir_all(dir.path().join("a/b")).expect("mkdir");
        std::fs::write(dir.path().join("a/b/c.txt"), b"123").expect("write");
        std::fs::write(dir.path().join("top.txt"), b"1").expect("write");
        std::fs::write(dir.path().join("half.bin.part"), b"1").expect("write");
        let mut files = walk_local(dir.path()).expect("walk");
        files.sort_by(|x, y| x.rel.cmp(&y.rel));
        let rels: Vec<&[u8]> = files.iter().map(|f| f.rel.as_slice()).collect();
        assert_eq!(rels, vec![&b"a/b/c.txt"[..], &b"top.txt"[..]]);
        assert_eq!(files[0].size, 3);
        assert!(
            walk_local(&dir.path().join("missing"))
                .expect("empty")
                .is_empty()
        );
        assert_eq!(
            local_path(Path::new("/r"), b"a/b.txt"),
            PathBuf::from("/r/a/b.txt")
        );
    }
}
