//! The Files panel's worker: one FTP control connection per connected site.
//!
//! It owns the session, answers listing and file commands in order, keeps an idle session
//! alive with NOOP, and reconnects once when the server dropped the connection, so the user
//! never redoes anything. Listings use "latest request wins": of several queued listings only
//! the last is fetched. Transfers run as jobs on their own connections (see `transfer`).

use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::mpsc;

use super::{MappedSink, Services};
use crate::proto::ftp::{Entry, Features, FtpError, FtpSession, FtpSite};
use crate::proto::tls::CertRejection;

/// How long an idle session waits before a NOOP.
const KEEPALIVE: Duration = Duration::from_mins(1);

/// What the Files panel asks of its worker.
#[derive(Debug, Clone)]
pub enum FtpCommand {
    List(Vec<u8>),
    Mkdir(Vec<u8>),
    Rename {
        from: Vec<u8>,
        to: Vec<u8>,
    },
    /// Deletes files, and directories with everything in them.
    Delete(Vec<(Vec<u8>, bool)>),
    Chmod {
        path: Vec<u8>,
        mode: u32,
    },
    /// Reads a (small) text file for the viewer.
    View(Vec<u8>),
    Disconnect,
}

/// What the worker reports.
#[derive(Debug, Clone)]
pub enum FtpEvent {
    Connected {
        home: Vec<u8>,
        features: Features,
        secure: bool,
    },
    Listing {
        path: Vec<u8>,
        entries: Vec<Entry>,
    },
    Done(String),
    /// A text file for the viewer, decoded here (its charset detected) rather than in a frame.
    Viewed {
        path: Vec<u8>,
        text: String,
    },
    Failed(String),
    Untrusted(Box<CertRejection>),
    Disconnected,
}

/// The largest file the viewer loads.
pub const VIEW_LIMIT: u64 = 4 * 1024 * 1024;

/// Connects to `site` and serves commands until `Disconnect` or the panel drops the sender.
pub fn spawn<E: Send + 'static>(
    services: Services,
    site: FtpSite,
    events: MappedSink<FtpEvent, E>,
) -> mpsc::UnboundedSender<FtpCommand> {
    let (tx, mut rx) = mpsc::unbounded_channel::<FtpCommand>();
    services.runtime.clone().spawn(async move {
        let Some(mut session) = open(&services, &site, &events).await else {
            return;
        };
        loop {
            let cmd = tokio::select! {
                cmd = rx.recv() => cmd,
                () = tokio::time::sleep(KEEPALIVE) => {
                    if session.noop().await.is_err() {
                        match open(&services, &site, &events).await {
                            Some(s) => session = s,
                            None => return,
                        }
                    }
                    continue;
                }
            };
            let Some(mut cmd) = cmd else { break };
            // Latest request wins: skip listings that a newer one replaces.
            while let FtpCommand::List(_) = cmd {
                match rx.try_recv() {
                    Ok(next @ FtpCommand::List(_)) => cmd = next,
                    Ok(other) => {
                        run(&mut session, &services, &site, cmd, &events).await;
                        cmd = other;
                        break;
                    }
                    Err(_) => break,
                }
            }
            if let FtpCommand::Disconnect = cmd {
                session.quit().await;
                events.send(FtpEvent::Disconnected);
                return;
            }
            if let Some(s) = run(&mut session, &services, &site, cmd, &events).await {
                session = s;
            }
        }
        session.quit().await;
    });
    tx
}

async fn open<E: Send + 'static>(
    services: &Services,
    site: &FtpSite,
    events: &MappedSink<FtpEvent, E>,
) -> Option<FtpSession> {
    match FtpSession::connect(site, &services.trust, &services.limits).await {
        Ok(mut s) => {
            let home = s.pwd().await.unwrap_or_else(|_| b"/".to_vec());
            events.send(FtpEvent::Connected {
                home,
                features: s.features.clone(),
                secure: s.secure,
            });
            Some(s)
        }
        Err(e) => {
            report_connect_error(e, events);
            None
        }
    }
}

/// A connection that could not be made: an untrusted certificate goes to the trust dialog,
/// on the first connection and on a reconnect alike; anything else is a failure.
fn report_connect_error<E: Send + 'static>(e: FtpError, events: &MappedSink<FtpEvent, E>) {
    match e {
        FtpError::Untrusted(r) => events.send(FtpEvent::Untrusted(r)),
        e => events.send(FtpEvent::Failed(e.to_string())),
    }
}

/// Runs one command; on a dropped connection reconnects and retries once. Returns a new
/// session when it had to reconnect.
async fn run<E: Send + 'static>(
    session: &mut FtpSession,
    services: &Services,
    site: &FtpSite,
    cmd: FtpCommand,
    events: &MappedSink<FtpEvent, E>,
) -> Option<FtpSession> {
    match execute(session, &cmd).await {
        Ok(event) => {
            events.send(event);
            None
        }
        Err(e) if is_connection_lost(&e) => {
            let mut fresh = FtpSession::connect(site, &services.trust, &services.limits)
                .await
                .map_err(|e| report_connect_error(e, events))
                .ok()?;
            match execute(&mut fresh, &cmd).await {
                Ok(event) => events.send(event),
                Err(e) => events.send(FtpEvent::Failed(e.to_string())),
            }
            Some(fresh)
        }
        Err(e) => {
            events.send(FtpEvent::Failed(e.to_string()));
            None
        }
    }
}

fn is_connection_lost(e: &FtpError) -> bool {
    match e {
        FtpError::Net(_) | FtpError::Timeout { .. } => true,
        FtpError::Server { lost, .. } => *lost,
        _ => false,
    }
}

async fn execute(session: &mut FtpSession, cmd: &FtpCommand) -> Result<FtpEvent, FtpError> {
    match cmd {
        FtpCommand::List(path) => {
            let entries = session.list(path).await?;
            Ok(FtpEvent::Listing {
                path: path.clone(),
                entries,
            })
        }
        FtpCommand::Mkdir(path) => {
            session.mkdir(path).await?;
            Ok(FtpEvent::Done(format!("Created {}", shown(path))))
        }
        FtpCommand::Rename { from, to } => {
            session.rename(from, to).await?;
            Ok(FtpEvent::Done(format!(
                "Renamed {} to {}",
                shown(from),
                shown(to)
            )))
        }
        FtpCommand::Delete(items) => {
            let mut count = 0usize;
            for (path, is_dir) in items {
                if *is_dir {
                    count += delete_tree(session, path).await?;
                } else {
                    session.delete_file(path).await?;
                    count += 1;
                }
            }
            Ok(FtpEvent::Done(format!("Deleted {count} item(s)")))
        }
        FtpCommand::Chmod { path, mode } => {
            session.chmod(path, *mode).await?;
            Ok(FtpEvent::Done(format!(
                "Permissions of {} set to {mode:o}",
                shown(path)
            )))
        }
        FtpCommand::View(path) => {
            if session.size(path).await?.is_some_and(|n| n > VIEW_LIMIT) {
                return Err(FtpError::Local(format!(
                    "{} is larger than {} MB: download it instead",
                    shown(path),
                    VIEW_LIMIT >> 20
                )));
            }
            let mut text = Vec::new();
            session.retrieve(path, 0, &mut text, |_| {}).await?;
            let text = crate::charset::Charset::detect(&text).decode(&text);
            Ok(FtpEvent::Viewed {
                path: path.clone(),
                text,
            })
        }
        FtpCommand::Disconnect => Ok(FtpEvent::Disconnected),
    }
}

/// Deletes a directory and everything below it, depth first.
async fn delete_tree(session: &mut FtpSession, dir: &[u8]) -> Result<usize, FtpError> {
    let mut count = 0;
    let mut stack = vec![(dir.to_vec(), false)];
    while let Some((path, visited)) = stack.pop() {
        if visited {
            session.remove_dir(&path).await?;
            count += 1;
            continue;
        }
        stack.push((path.clone(), true));
        for entry in session.list(&path).await? {
            let child = join(&path, &entry.name);
            if entry.kind == crate::proto::ftp::EntryKind::Dir {
                stack.push((child, false));
            } else {
                session.delete_file(&child).await?;
                count += 1;
            }
        }
    }
    Ok(count)
}

/// `dir` + `/` + `name`, for remote paths.
pub fn join(dir: &[u8], name: &[u8]) -> Vec<u8> {
    let mut p = dir.to_vec();
    if !p.ends_with(b"/") {
        p.push(b'/');
    }
    p.extend_from_slice(name);
    p
}

/// The parent of a remote path (`/a/b` → `/a`, `/a` → `/`).
pub fn parent(path: &[u8]) -> Vec<u8> {
    let trimmed = path.strip_suffix(b"/").unwrap_or(path);
    match trimmed.iter().rposition(|b| *b == b'/') {
        Some(0) | None => b"/".to_vec(),
        Some(i) => trimmed[..i].to_vec(),
    }
}

/// A remote path for messages.
pub fn shown(path: &[u8]) -> String {
    match std::str::from_utf8(path) {
        Ok(s) => s.to_string(),
        Err(_) => crate::charset::Charset::Latin1.decode(path),
    }
}

/// A local folder listing, read off the UI thread.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalEntry {
    pub name: String,
    pub is_dir: bool,
    pub size: u64,
    pub modified: Option<i64>,
}

/// Reads a local folder (for the local pane) on a blocking thread.
pub fn list_local<E: Send + 'static>(
    services: &Services,
    path: PathBuf,
    events: MappedSink<(PathBuf, Result<Vec<LocalEntry>, String>), E>,
) {
    services.runtime.spawn_blocking(move || {
        let result = read_local(&path);
        events.send((path, result));
    });
}

fn read_local(path: &std::path::Path) -> Result<Vec<LocalEntry>, String> {
    crate::frame_guard::assert_off_frame("listing a local folder");
    let dir = std::fs::read_dir(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = Vec::new();
    for entry in dir.flatten() {
        let Ok(meta) = entry.metadata() else { continue };
        out.push(LocalEntry {
            name: entry.file_name().to_string_lossy().into_owned(),
            is_dir: meta.is_dir(),
            size: meta.len(),
            modified: crate::filename::modified_secs(&meta),
        });
    }
    out.sort_by(|a, b| {
        b.is_dir
            .cmp(&a.is_dir)
            .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
    });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_paths() {
        assert_eq!(join(b"/", b"a"), b"/a");
        assert_eq!(join(b"/a", b"b c"), b"/a/b c");
        assert_eq!(join(b"/a/", b"b"), b"/a/b");
        assert_eq!(parent(b"/a/b"), b"/a");
        assert_eq!(parent(b"/a/b/"), b"/a");
        assert_eq!(parent(b"/a"), b"/");
        assert_eq!(parent(b"/"), b"/");
        assert_eq!(shown(b"caf\xe9"), "café");
    }

    #[test]
    fn local_listing_puts_folders_first() {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::write(dir.path().join("b.txt"), b"12345").expect("write");
        std::fs::create_dir(dir.path().join("Zdir")).expect("mkdir");
        let list = read_local(dir.path()).expect("list");
        assert_eq!(list[0].name, "Zdir");
        assert!(list[0].is_dir);
        assert_eq!((list[1].name.as_str(), list[1].size), ("b.txt", 5));
        assert!(read_local(&dir.path().join("missing")).is_err());
    }
}
