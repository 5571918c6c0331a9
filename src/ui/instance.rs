//! One window per user: a second `portolan URL` (a link clicked on the desktop) hands the URL
//! to the window already running and exits, and that window comes to the front with the link
//! open in its panel.
//!
//! The window listens on a Unix socket in `$XDG_RUNTIME_DIR` (which only its user can enter),
//! made mode 0600 as well. One line goes each way: `OPEN <url>` (an empty URL only raises the
//! window), then `OK`. A socket file left by a window that crashed answers nobody: the next
//! window removes it and listens in its place.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Longest request line read: a URL longer than this is not one a desktop hands over.
const MAX_LINE: u64 = 64 * 1024;

/// How long either side waits for the other.
const PATIENCE: Duration = Duration::from_secs(3);

/// Where the running window listens, when the session has a runtime directory.
pub fn socket_path() -> Option<PathBuf> {
    let dir = std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty())?;
    Some(PathBuf::from(dir).join("portolan.sock"))
}

/// Gives `url` (or, with `None`, only a request to come to the front) to the window listening
/// at `path`. `true` when that window took it; `false` when no window answered, and this
/// process should open its own.
pub fn hand_over(path: &Path, url: Option<&str>) -> bool {
    let Ok(mut stream) = UnixStream::connect(path) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(PATIENCE));
    let _ = stream.set_write_timeout(Some(PATIENCE));
    // A URL is one line: line breaks in it would be a second request.
    let url: String = url
        .unwrap_or_default()
        .chars()
        .filter(|c| *c != '\n' && *c != '\r')
        .collect();
    if stream
        .write_all(format!("OPEN {url}\n").as_bytes())
        .is_err()
    {
        return false;
    }
    let mut reply = String::new();
    BufReader::new(stream.take(16))
        .read_line(&mut reply)
        .is_ok()
        && reply.trim_end() == "OK"
}

/// The listening socket; its file is removed when the window closes.
pub struct Listening {
    path: PathBuf,
}

impl Drop for Listening {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Listens at `path`; each URL handed over goes to `opened` (`None`: only come to the front).
/// Fails when another window answers there (two started at the same moment), or when the
/// socket cannot be made.
pub fn listen(
    path: &Path,
    opened: impl Fn(Option<String>) + Send + 'static,
) -> std::io::Result<Listening> {
    if path.exists() {
        if UnixStream::connect(path).is_ok() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::AddrInUse,
                "another Portolan window is running",
            ));
        }
        // Left by a window that is gone.
        std::fs::remove_file(path)?;
    }
    let listener = UnixListener::bind(path)?;
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    std::thread::Builder::new()
        .name("portolan-instance".into())
        .spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                match read_request(&stream) {
                    Some(Request::Open(url)) => opened(Some(url)),
                    Some(Request::Raise) => opened(None),
                    None => {}
                }
            }
        })?;
    Ok(Listening {
        path: path.to_path_buf(),
    })
}

/// What a second `portolan` asked.
enum Request {
    Open(String),
    /// No link: only come to the front.
    Raise,
}

/// One request, answered `OK`; anything that is not one is ignored.
fn read_request(stream: &UnixStream) -> Option<Request> {
    let _ = stream.set_read_timeout(Some(PATIENCE));
    let _ = stream.set_write_timeout(Some(PATIENCE));
    let mut line = String::new();
    BufReader::new(stream.take(MAX_LINE))
        .read_line(&mut line)
        .ok()?;
    let url = line.strip_suffix('\n')?.strip_prefix("OPEN ")?.trim();
    let mut writer = stream;
    writer.write_all(b"OK\n").ok()?;
    Some(if url.is_empty() {
        Request::Raise
    } else {
        Request::Open(url.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    /// A window's listener at `path`, and what it is handed.
    fn listening(path: &Path) -> (Listening, mpsc::Receiver<Option<String>>) {
        let (tx, rx) = mpsc::channel();
        let listening = listen(path, move |u| {
            let _ = tx.send(u);
        })
        .expect("listen");
        (listening, rx)
    }

    #[test]
    fn a_url_is_handed_over_and_a_stale_socket_replaced() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("portolan.sock");
        // Nothing listens: the caller opens its own window.
        assert!(!hand_over(&path, Some("gopher://x/")));
        // A socket file with nobody behind it, as a crash leaves it.
        drop(UnixListener::bind(&path).expect("bind"));
        assert!(path.exists());
        assert!(!hand_over(&path, Some("gopher://x/")));
        // Over the stale file.
        let (listening, rx) = listening(&path);
        let mode = {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777
        };
        assert_eq!(mode, 0o600);
        assert!(hand_over(&path, Some("gopher://example.org/1/a b")));
        assert_eq!(
            rx.recv_timeout(PATIENCE).expect("url"),
            Some("gopher://example.org/1/a b".to_string())
        );
        assert!(hand_over(&path, None));
        assert_eq!(rx.recv_timeout(PATIENCE).expect("raise"), None);
        // A second window does not take over a live one.
        assert!(listen(&path, |_| {}).is_err());
        drop(listening);
        assert!(!path.exists(), "the socket goes with the window");
    }

    #[test]
    fn a_line_break_in_a_url_does_not_make_a_second_request() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("portolan.sock");
        let (_listening, rx) = listening(&path);
        assert!(hand_over(&path, Some("http://a/\nOPEN http://b/")));
        assert_eq!(
            rx.recv_timeout(PATIENCE).expect("url"),
            Some("http://a/OPEN http://b/".to_string())
        );
        assert!(rx.recv_timeout(Duration::from_millis(200)).is_err());
    }

    #[test]
    fn garbage_is_ignored() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("portolan.sock");
        let (_listening, rx) = listening(&path);
        let mut s = UnixStream::connect(&path).expect("connect");
        s.write_all(b"HELLO\n").expect("write");
        drop(s);
        assert!(rx.recv_timeout(Duration::from_millis(300)).is_err());
        assert!(hand_over(&path, Some("ftp://h/")), "still serving");
    }
}
