//! Files over plain TCP, as `nc` moves them, as Activity jobs: send a file's bytes to a peer
//! (`nc -l`, `portolan listen --receive`, another Portolan), or wait on a port for one peer
//! and write what it sends to a file the user named, through `NAME.part`. The end of the
//! stream is the end of the file; a connection that breaks (a reset) leaves the `.part` with
//! what arrived and says so.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Instant;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use super::jobs::{JobEvent, JobHandle, JobId, next_job_id};
use super::{MappedSink, Services, Throttle};

/// Bytes moved per read and write.
const CHUNK: usize = 256 * 1024;

/// Starts sending `path` to `target` (`HOST:PORT`).
pub fn start_send<E: Send + 'static>(
    services: &Services,
    path: PathBuf,
    target: String,
    events: MappedSink<JobEvent, E>,
) -> JobHandle {
    let id = next_job_id();
    let limits = services.limits;
    let handle = services.runtime.spawn(async move {
        let result = send(id, &path, &target, &limits, &events).await;
        events.send(JobEvent::Finished { id, result });
    });
    JobHandle {
        id,
        abort: handle.abort_handle(),
    }
}

/// Starts waiting on `listen` for one peer whose bytes become `path`.
pub fn start_receive<E: Send + 'static>(
    services: &Services,
    listen: SocketAddr,
    path: PathBuf,
    events: MappedSink<JobEvent, E>,
) -> JobHandle {
    let id = next_job_id();
    let handle = services.runtime.spawn(async move {
        let result = receive(id, listen, &path, &events).await;
        events.send(JobEvent::Finished { id, result });
    });
    JobHandle {
        id,
        abort: handle.abort_handle(),
    }
}

fn progress<E: Send + 'static>(
    events: &MappedSink<JobEvent, E>,
    id: JobId,
    done: u64,
    total: Option<u64>,
    started: Instant,
) {
    events.send(JobEvent::Progress {
        id,
        done,
        total,
        bytes_per_sec: done as f64 / started.elapsed().as_secs_f64().max(0.001),
    });
}

async fn send<E: Send + 'static>(
    id: JobId,
    path: &Path,
    target: &str,
    limits: &crate::proto::net::Limits,
    events: &MappedSink<JobEvent, E>,
) -> Result<PathBuf, String> {
    events.send(JobEvent::Started {
        id,
        title: format!(
            "send {} to {target}",
            path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into_owned()
            )
        ),
        target: path.to_path_buf(),
    });
    let (host, port) = split_target(target)?;
    let mut file = tokio::fs::File::open(path)
        .await
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let total = file.metadata().await.map(|m| m.len()).ok();
    let mut stream = crate::proto::net::connect(&host, port, limits)
        .await
        .map_err(|e| e.to_string())?;
    let started = Instant::now();
    let mut throttle = Throttle::progress();
    let mut buf = vec![0u8; CHUNK];
    let mut sent = 0u64;
    loop {
        let n = file
            .read(&mut buf)
            .await
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        if n == 0 {
            break;
        }
        stream
            .write_all(&buf[..n])
            .await
            .map_err(|e| format!("{target} stopped taking the file after {sent} bytes: {e}"))?;
        sent += n as u64;
        if throttle.ready() {
            progress(events, id, sent, total, started);
        }
    }
    // The end of the stream is the end of the file for the peer.
    stream
        .shutdown()
        .await
        .map_err(|e| format!("closing the connection to {target} failed: {e}"))?;
    progress(events, id, sent, total, started);
    events.send(JobEvent::Detail {
        id,
        text: format!("sent {sent} bytes to {target}"),
    });
    Ok(path.to_path_buf())
}

async fn receive<E: Send + 'static>(
    id: JobId,
    listen: SocketAddr,
    path: &Path,
    events: &MappedSink<JobEvent, E>,
) -> Result<PathBuf, String> {
    events.send(JobEvent::Started {
        id,
        title: format!(
            "receive {} on {listen}",
            path.file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
        ),
        target: path.to_path_buf(),
    });
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| crate::proto::net::bind_words(listen, &e))?;
    let bound = listener.local_addr().unwrap_or(listen);
    events.send(JobEvent::Detail {
        id,
        text: format!("waiting for the sender on {bound}"),
    });
    let (mut stream, from) = listener
        .accept()
        .await
        .map_err(|e| format!("accepting on {bound} failed: {e}"))?;
    drop(listener);
    events.send(JobEvent::Detail {
        id,
        text: format!("receiving from {from}"),
    });
    let part = crate::filename::part_path(path);
    let mut out = tokio::fs::File::create(&part)
        .await
        .map_err(|e| format!("cannot write {}: {e}", part.display()))?;
    let started = Instant::now();
    let mut throttle = Throttle::progress();
    let mut buf = vec![0u8; CHUNK];
    let mut got = 0u64;
    loop {
        let n = match stream.read(&mut buf).await {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) => {
                let _ = out.sync_all().await;
                return Err(format!(
                    "{from} broke off after {got} bytes ({e}); what arrived is kept in {}",
                    part.display()
                ));
            }
        };
        out.write_all(&buf[..n]).await.map_err(|e| {
            format!(
                "writing {} failed: {e}; what arrived is kept there",
                part.display()
            )
        })?;
        got += n as u64;
        if throttle.ready() {
            progress(events, id, got, None, started);
        }
    }
    out.sync_all()
        .await
        .map_err(|e| format!("cannot write {}: {e}", part.display()))?;
    drop(out);
    tokio::fs::rename(&part, path).await.map_err(|e| {
        format!(
            "cannot rename {} to {}: {e}",
            part.display(),
            path.display()
        )
    })?;
    progress(events, id, got, Some(got), started);
    events.send(JobEvent::Detail {
        id,
        text: format!("received {got} bytes from {from}"),
    });
    Ok(path.to_path_buf())
}

/// `HOST:PORT` or `[V6]:PORT`.
fn split_target(text: &str) -> Result<(String, u16), String> {
    let bad = || format!("{text:?} is not HOST:PORT");
    let (host, port) = match text.trim().strip_prefix('[') {
        Some(rest) => rest.split_once("]:").ok_or_else(bad)?,
        None => text.trim().rsplit_once(':').ok_or_else(bad)?,
    };
    let port = port
        .parse::<u16>()
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(bad)?;
    if host.is_empty() {
        return Err(bad());
    }
    Ok((host.to_string(), port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_split() {
        assert_eq!(split_target("h:9"), Ok(("h".into(), 9)));
        assert_eq!(split_target("[::1]:9"), Ok(("::1".into(), 9)));
        assert!(split_target("h").is_err());
        assert!(split_target(":9").is_err());
        assert!(split_target("h:0").is_err());
    }
}
