//! Single-file transfers shown in the Activity list: downloads (FTP, gopher, HTTP) into the
//! download folder and FTP uploads.
//!
//! Downloaded bytes go to `NAME.part`, which is synced to disk and renamed to `NAME` only when
//! the transfer completed, so a half file never looks finished, even after a crash. A cancelled
//! download keeps its `.part`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use super::jobs::{JobEvent, JobHandle, JobId, next_job_id};
use super::{MappedSink, Services, Throttle};
use crate::filename;
use crate::link::Link;
use crate::proto::ftp::{FtpSession, FtpSite};
use crate::proto::gopher;
use crate::proto::http::HttpClient;

/// Starts downloading `link` into `folder`; returns the job id and the abort handle that the
/// Activity list's Cancel button uses.
pub fn start(
    services: &Services,
    link: Link,
    folder: PathBuf,
    name_hint: Option<String>,
    events: MappedSink<JobEvent, impl Send + 'static>,
) -> JobHandle {
    let name = name_hint.unwrap_or_else(|| name_from_link(&link));
    start_from(services, Source::Link(link), folder, name, events)
}

/// Where a download comes from.
#[derive(Debug, Clone)]
pub enum Source {
    Link(Link),
    /// A file on a site connected in the Files panel, with that site's TLS mode and login.
    Ftp {
        site: FtpSite,
        path: Vec<u8>,
        exists: IfExists,
    },
}

/// What a download does when its file name is taken in the target folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IfExists {
    /// A name that exists nowhere yet (`name (1).ext`); a `.part` left by an interrupted run
    /// of the same name, with no finished file beside it, is continued instead.
    Rename,
    /// Replace the file (the user said so).
    Overwrite,
    /// Continue from what is on disk: the `.part`, else the file itself (REST from its size).
    Resume,
}

/// Starts a download from any source into `folder` under the (sanitized) `name`.
pub fn start_from(
    services: &Services,
    source: Source,
    folder: PathBuf,
    name: String,
    events: MappedSink<JobEvent, impl Send + 'static>,
) -> JobHandle {
    let id = next_job_id();
    let services2 = services.clone();
    // FTP files take their place in the site's queue now, in the order they were asked for.
    let place = match &source {
        Source::Ftp { site, .. } => Some(services.transfers(id).enter(site)),
        Source::Link(_) => None,
    };
    let handle = services.runtime.spawn(async move {
        let result = {
            // The room is given back before the job reports its end, so the next one starts
            // at once.
            let _slot = match place {
                Some(place) => Some(place.ready().await),
                None => None,
            };
            run(&services2, &source, &folder, &name, id, &events).await
        };
        events.send(JobEvent::Finished { id, result });
    });
    JobHandle {
        id,
        abort: handle.abort_handle(),
    }
}

/// Starts an upload of `local` to `remote` on `site`. With `resume`, a shorter file already
/// on the server is taken as the first part of this one and the rest is appended (APPE).
pub fn start_upload(
    services: &Services,
    site: FtpSite,
    local: PathBuf,
    remote: Vec<u8>,
    resume: bool,
    events: MappedSink<JobEvent, impl Send + 'static>,
) -> JobHandle {
    let id = next_job_id();
    let services = services.clone();
    // A place in the queue now, in the order asked; a folder gives it up for its own.
    let place = services.transfers(id).enter(&site);
    let handle = services.runtime.clone().spawn(async move {
        let result = upload(&services, &site, &local, &remote, resume, place, &events).await;
        events.send(JobEvent::Finished { id, result });
    });
    JobHandle {
        id,
        abort: handle.abort_handle(),
    }
}

async fn upload<E: Send + 'static>(
    services: &Services,
    site: &FtpSite,
    local: &Path,
    remote: &[u8],
    resume: bool,
    place: super::queue::Waiting,
    events: &MappedSink<JobEvent, E>,
) -> Result<PathBuf, String> {
    let id = place.job();
    events.send(JobEvent::Started {
        id,
        title: format!("upload to {}", super::ftp::shown(remote)),
        target: local.to_path_buf(),
    });
    if tokio::fs::metadata(local).await.is_ok_and(|m| m.is_dir()) {
        // Its files take places of their own, connection by connection.
        drop(place);
        // A folder goes up through the mirror engine, with everything in it.
        let job = super::mirror::MirrorJob {
            site: site.clone(),
            trust: services.trust.clone(),
            limits: services.limits,
            remote: remote.to_vec(),
            local: local.to_path_buf(),
            direction: super::mirror::Direction::Upload,
            context: services.transfers(id),
        };
        let mut session = FtpSession::connect(site, &services.trust, &services.limits)
            .await
            .map_err(|e| e.to_string())?;
        let plan =
            super::mirror::make_plan(&mut session, remote, local, job.direction, false).await?;
        session.quit().await;
        let outcome = super::mirror::apply(&job, plan, site.max_parallel).await?;
        events.send(JobEvent::Detail {
            id,
            text: format!(
                "{} file(s) uploaded to {}",
                outcome.transferred,
                super::ftp::shown(remote)
            ),
        });
        return Ok(local.to_path_buf());
    }
    let _slot = place.ready().await;
    let mut file =
        std::fs::File::open(local).map_err(|e| format!("cannot read {}: {e}", local.display()))?;
    let meta = file
        .metadata()
        .map_err(|e| format!("cannot read {}: {e}", local.display()))?;
    let total = meta.len();
    let mut session = FtpSession::connect(site, &services.trust, &services.limits)
        .await
        .map_err(|e| e.to_string())?;
    session.set_pacing(services.pacing.clone());
    // Without SIZE the server's part is unknown: the whole file goes again, which is safe.
    let offset = if resume {
        session.size(remote).await.ok().flatten().unwrap_or(0)
    } else {
        0
    };
    if offset > total {
        session.quit().await;
        return Err(format!(
            "cannot resume: the remote file ({offset} bytes) is larger than {} ({total} bytes)",
            local.display()
        ));
    }
    let started = Instant::now();
    let mut throttle = Throttle::progress();
    let mut report = |done: u64| {
        if throttle.ready() {
            events.send(JobEvent::Progress {
                id,
                done: offset + done,
                total: Some(total),
                bytes_per_sec: done as f64 / started.elapsed().as_secs_f64().max(0.001),
            });
        }
    };
    if offset == 0 {
        session.store(remote, &mut file, &mut report).await
    } else if offset < total {
        std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(offset))
            .map_err(|e| format!("cannot read {}: {e}", local.display()))?;
        session.append(remote, &mut file, &mut report).await
    } else {
        Ok(0)
    }
    .map_err(|e| e.to_string())?;
    // The copy keeps the original's time where the server allows it.
    if let Some(secs) = filename::modified_secs(&meta) {
        let _ = session.set_modified(remote, secs).await;
    }
    session.quit().await;
    events.send(JobEvent::Progress {
        id,
        done: total,
        total: Some(total),
        bytes_per_sec: 0.0,
    });
    events.send(JobEvent::Detail {
        id,
        text: format!("uploaded to {}", super::ftp::shown(remote)),
    });
    Ok(local.to_path_buf())
}

/// Where a download goes and from which byte it starts: see [`IfExists`]. Resuming onto an
/// existing finished file moves it to `.part` first, so it is never half-written under its name.
fn choose_target(source: &Source, folder: &Path, name: &str) -> Result<(PathBuf, u64), String> {
    let plain = folder.join(filename::sanitize(name));
    let part = filename::part_path(&plain);
    let part_len = || std::fs::metadata(&part).map_or(0, |m| m.len());
    let Source::Ftp { exists, .. } = source else {
        return Ok((filename::unique_target(folder, name), 0));
    };
    Ok(match exists {
        IfExists::Rename if !plain.exists() && part.exists() => (plain, part_len()),
        IfExists::Rename => (filename::unique_target(folder, name), 0),
        IfExists::Overwrite => (plain, 0),
        IfExists::Resume => {
            if !part.exists() && plain.exists() {
                std::fs::rename(&plain, &part).map_err(|e| {
                    format!("cannot move {} to {}: {e}", plain.display(), part.display())
                })?;
            }
            let offset = part_len();
            (plain, offset)
        }
    })
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
    source: &Source,
    folder: &Path,
    name: &str,
    id: JobId,
    events: &MappedSink<JobEvent, E>,
) -> Result<PathBuf, String> {
    std::fs::create_dir_all(folder)
        .map_err(|e| format!("cannot create {}: {e}", folder.display()))?;
    let (target, offset) = choose_target(source, folder, name)?;
    let part = filename::part_path(&target);
    events.send(JobEvent::Started {
        id,
        title: match source {
            Source::Link(link) => link.to_string(),
            Source::Ftp { site, path, .. } => format!(
                "ftp://{}:{}{}",
                site.host,
                site.port,
                super::ftp::shown(path)
            ),
        },
        target: target.clone(),
    });
    let file = crate::filename::open_part(&part, offset)
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
    let written = match source {
        Source::Ftp { site, path, .. } => {
            let mut session = FtpSession::connect(site, &services.trust, &services.limits)
                .await
                .map_err(|e| e.to_string())?;
            session.set_pacing(services.pacing.clone());
            let total = session.size(path).await.ok().flatten();
            if let Some(total) = total
                && offset >= total
            {
                session.quit().await;
                if offset > total {
                    return Err(format!(
                        "cannot resume: the local file ({offset} bytes) is larger than the remote one ({total} bytes)"
                    ));
                }
                // Everything is here already: only the rename is left.
                drop(sink);
                return finish_part(&part, target);
            }
            let n = session
                .retrieve(path, offset, &mut sink, |n| report(offset + n, total))
                .await
                .map_err(|e| e.to_string())?;
            session.quit().await;
            offset + n
        }
        Source::Link(link) => match link {
            Link::Gopher(g) => {
                gopher::download(g, &mut sink, &services.limits, |n| report(n, None))
                    .await
                    .map_err(|e| e.to_string())?
            }
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
        },
    };
    std::io::Write::flush(&mut sink).map_err(|e| format!("writing {}: {e}", part.display()))?;
    drop(sink);
    events.send(JobEvent::Progress {
        id,
        done: written,
        total: Some(written),
        bytes_per_sec: written as f64 / started.elapsed().as_secs_f64().max(0.001),
    });
    finish_part(&part, target)
}

/// Gives a complete `.part` its real name.
fn finish_part(part: &Path, target: PathBuf) -> Result<PathBuf, String> {
    filename::finish_part(part, &target).map_err(|e| {
        format!(
            "cannot rename {} to {}: {e}",
            part.display(),
            target.display()
        )
    })?;
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ftp(exists: IfExists) -> Source {
        let link = Link::parse("ftp://h/f.txt").expect("url");
        let (site, path) = FtpSite::from_link(&link).expect("ftp link");
        Source::Ftp { site, path, exists }
    }

    #[test]
    fn targets_follow_the_users_choice() {
        let dir = tempfile::tempdir().expect("tmp");
        let d = dir.path();
        // Nothing there: the plain name from byte 0.
        assert_eq!(
            choose_target(&ftp(IfExists::Rename), d, "f.txt").expect("t"),
            (d.join("f.txt"), 0)
        );
        // A .part alone continues.
        std::fs::write(d.join("f.txt.part"), b"123").expect("w");
        assert_eq!(
            choose_target(&ftp(IfExists::Rename), d, "f.txt").expect("t"),
            (d.join("f.txt"), 3)
        );
        std::fs::remove_file(d.join("f.txt.part")).expect("rm");
        // A finished file is kept: a new name, or replaced when asked.
        std::fs::write(d.join("f.txt"), b"12345").expect("w");
        assert_eq!(
            choose_target(&ftp(IfExists::Rename), d, "f.txt").expect("t"),
            (d.join("f (1).txt"), 0)
        );
        assert_eq!(
            choose_target(&ftp(IfExists::Overwrite), d, "f.txt").expect("t"),
            (d.join("f.txt"), 0)
        );
        // Resume moves the file to .part and continues after its last byte.
        assert_eq!(
            choose_target(&ftp(IfExists::Resume), d, "f.txt").expect("t"),
            (d.join("f.txt"), 5)
        );
        assert!(!d.join("f.txt").exists());
        assert_eq!(std::fs::read(d.join("f.txt.part")).expect("r"), b"12345");
        // Names from the server are sanitized before they touch the disk.
        let (t, _) = choose_target(&ftp(IfExists::Overwrite), d, "../../etc/passwd").expect("t");
        assert!(t.starts_with(d), "{}", t.display());
    }
}
