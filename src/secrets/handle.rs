//! The app's handle on its secrets: the system keyring where one answers, else a
//! passphrase-encrypted file the user unlocks once per run, else memory for this run.
//!
//! Every call runs on a blocking thread, because the keyring may wait on D-Bus and the file on
//! Argon2; answers come back through closures, never in a frame. Until the file is unlocked (or
//! while no passphrase was chosen) passwords are kept in memory, and unlocking or creating the
//! file moves them into it, so nothing typed before is lost.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use super::{EncryptedFile, Keyring, SecretError, SecretStore, SessionOnly};

/// Where passwords go right now: what the Settings window and the passphrase window show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretsState {
    /// Not looked at yet (the first call decides).
    Unknown,
    /// The system keyring.
    Keyring,
    /// No keyring; the encrypted file exists and waits for its passphrase.
    Locked,
    /// No keyring and no file yet: passwords are kept for this run until a passphrase is chosen.
    NoFile,
    /// The encrypted file, unlocked.
    File,
    /// Memory only: the user chose it for this run, or the app was started that way (tests).
    SessionOnly,
}

impl SecretsState {
    /// In the user's words, for the Settings window.
    pub fn describe(self) -> &'static str {
        match self {
            SecretsState::Unknown => "not opened yet",
            SecretsState::Keyring => "the system keyring",
            SecretsState::Locked => "an encrypted file, locked",
            SecretsState::NoFile | SecretsState::SessionOnly => "this session only",
            SecretsState::File => "an encrypted file",
        }
    }
}

struct Inner {
    state: SecretsState,
    /// The keyring or the unlocked file.
    backend: Option<Arc<dyn SecretStore>>,
    /// Passwords kept until there is a backend, or for good in session-only mode.
    memory: Arc<SessionOnly>,
}

/// What to call when the state changes.
type OnChange = Box<dyn Fn() + Send + Sync>;

/// Cheap to clone; every clone shares one state.
#[derive(Clone)]
pub struct Secrets {
    inner: Arc<Mutex<Inner>>,
    runtime: tokio::runtime::Handle,
    session_only: bool,
    file: PathBuf,
    /// Called when the state changes (so the window can redraw).
    changed: Arc<Mutex<Option<OnChange>>>,
}

impl Secrets {
    /// Secrets kept in `file` when no keyring answers; `session_only` keeps them in memory
    /// whatever the machine has (tests).
    pub fn new(runtime: tokio::runtime::Handle, file: PathBuf, session_only: bool) -> Secrets {
        Secrets {
            inner: Arc::new(Mutex::new(Inner {
                state: SecretsState::Unknown,
                backend: None,
                memory: Arc::new(SessionOnly::default()),
            })),
            runtime,
            session_only,
            file,
            changed: Arc::new(Mutex::new(None)),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// What the window shows. Called in frames, so it never waits: while a worker holds the
    /// state for an instant it answers `Unknown`, and the next frame knows.
    pub fn state(&self) -> SecretsState {
        self.inner
            .try_lock()
            .map_or(SecretsState::Unknown, |inner| inner.state)
    }

    /// True when passwords typed this run wait in memory for a passphrase to keep them (false
    /// while a worker holds the state for an instant).
    pub fn has_unsaved(&self) -> bool {
        self.inner
            .try_lock()
            .is_ok_and(|inner| inner.backend.is_none() && !inner.memory.is_empty())
    }

    /// Calls `f` (once set) whenever the state changes.
    pub fn on_change(&self, f: impl Fn() + Send + Sync + 'static) {
        if let Ok(mut c) = self.changed.lock() {
            *c = Some(Box::new(f));
        }
    }

    fn notify(&self) {
        if let Ok(c) = self.changed.lock()
            && let Some(f) = c.as_ref()
        {
            f();
        }
    }

    /// Decides the backend on first use: blocking (the keyring may answer slowly).
    fn probe(&self) {
        if self.lock().state != SecretsState::Unknown {
            return;
        }
        let (state, backend): (SecretsState, Option<Arc<dyn SecretStore>>) = if self.session_only {
            (SecretsState::SessionOnly, None)
        } else if let Some(k) = Keyring::available() {
            (SecretsState::Keyring, Some(Arc::new(k)))
        } else if self.file.exists() {
            (SecretsState::Locked, None)
        } else {
            (SecretsState::NoFile, None)
        };
        {
            let mut inner = self.lock();
            if inner.state == SecretsState::Unknown {
                inner.state = state;
                inner.backend = backend;
            }
        }
        self.notify();
    }

    /// Looks at the machine now (on a blocking thread), so the window can offer to unlock.
    pub fn start(&self) {
        let this = self.clone();
        self.runtime.spawn_blocking(move || this.probe());
    }

    /// The store to use now: the backend, else memory.
    fn store(&self) -> Arc<dyn SecretStore> {
        self.probe();
        let inner = self.lock();
        match &inner.backend {
            Some(b) => b.clone(),
            None => inner.memory.clone(),
        }
    }

    /// Runs `f` on the current store on a blocking thread and hands its result to `then`.
    pub fn with<R: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn SecretStore) -> R + Send + 'static,
        then: impl FnOnce(R) + Send + 'static,
    ) {
        let this = self.clone();
        self.runtime.spawn_blocking(move || {
            let store = this.store();
            then(f(store.as_ref()));
            // A password saved with no backend yet: the window offers to keep it.
            let unsaved = {
                let inner = this.lock();
                inner.backend.is_none() && !inner.memory.is_empty()
            };
            if unsaved {
                this.notify();
            }
        });
    }

    /// The password kept under `key`, if any (a backend error counts as none).
    pub fn get(&self, key: String, then: impl FnOnce(Option<String>) + Send + 'static) {
        self.with(
            move |s| s.get(&key).ok().flatten().map(|p| p.to_string()),
            then,
        );
    }

    pub fn set(
        &self,
        key: String,
        secret: String,
        then: impl FnOnce(Result<(), SecretError>) + Send + 'static,
    ) {
        let secret = zeroize::Zeroizing::new(secret);
        self.with(move |s| s.set(&key, &secret), then);
    }

    pub fn delete(&self, key: String, then: impl FnOnce(Result<(), SecretError>) + Send + 'static) {
        self.with(move |s| s.delete(&key), then);
    }

    /// Opens the encrypted file with `passphrase` (creating it when there is none) and moves
    /// the passwords kept in memory into it. Blocking: call it off the frame.
    pub fn unlock(&self, passphrase: &str) -> Result<(), SecretError> {
        self.probe();
        if self.lock().state == SecretsState::Keyring {
            return Ok(());
        }
        let file = EncryptedFile::open(&self.file, passphrase)?;
        let memory = self.lock().memory.clone();
        for (key, secret) in memory.entries() {
            file.set(&key, &secret)?;
        }
        {
            let mut inner = self.lock();
            inner.backend = Some(Arc::new(file));
            inner.state = SecretsState::File;
            inner.memory = Arc::new(SessionOnly::default());
        }
        self.notify();
        Ok(())
    }

    /// Re-encrypts the file under a new passphrase. Blocking: call it off the frame.
    pub fn change_passphrase(&self, old: &str, new: &str) -> Result<(), SecretError> {
        let file = EncryptedFile::change_passphrase(&self.file, old, new)?;
        {
            let mut inner = self.lock();
            inner.backend = Some(Arc::new(file));
            inner.state = SecretsState::File;
        }
        self.notify();
        Ok(())
    }

    /// The user chose not to keep passwords this run: they stay in memory, and nothing asks
    /// again until the next start.
    pub fn keep_for_this_session(&self) {
        {
            let mut inner = self.lock();
            if inner.backend.is_none() {
                inner.state = SecretsState::SessionOnly;
            }
        }
        self.notify();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets(dir: &std::path::Path, rt: &tokio::runtime::Runtime) -> Secrets {
        Secrets::new(rt.handle().clone(), dir.join("secrets.json"), false)
    }

    fn blocking_set(s: &Secrets, key: &str, value: &str) {
        let (tx, rx) = std::sync::mpsc::channel();
        s.set(key.into(), value.into(), move |r| {
            let _ = tx.send(r.is_ok());
        });
        assert!(rx.recv().expect("answer"));
    }

    fn blocking_get(s: &Secrets, key: &str) -> Option<String> {
        let (tx, rx) = std::sync::mpsc::channel();
        s.get(key.into(), move |p| {
            let _ = tx.send(p);
        });
        rx.recv().expect("answer")
    }

    /// Without a keyring: a password saved before any passphrase is kept in memory, moved into
    /// the file when one is chosen, and found there after a restart once unlocked.
    #[test]
    fn passwords_typed_before_the_passphrase_reach_the_file() {
        if Keyring::available().is_some() {
            return; // this machine has a keyring: the file is never used
        }
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        let dir = tempfile::tempdir().expect("tmp");
        let s = secrets(dir.path(), &rt);
        blocking_set(&s, "ftp://u@h:21", "early-secret");
        assert_eq!(s.state(), SecretsState::NoFile);
        assert!(s.has_unsaved());
        s.unlock("correct horse").expect("create");
        assert_eq!(s.state(), SecretsState::File);
        assert!(!s.has_unsaved());
        let raw = std::fs::read_to_string(dir.path().join("secrets.json")).expect("file");
        assert!(!raw.contains("early-secret"));
        drop(s);
        let again = secrets(dir.path(), &rt);
        again.start();
        assert_eq!(
            blocking_get(&again, "ftp://u@h:21"),
            None,
            "locked: not yet"
        );
        assert_eq!(again.state(), SecretsState::Locked);
        assert!(matches!(
            again.unlock("wrong"),
            Err(SecretError::WrongPassphrase)
        ));
        again.unlock("correct horse").expect("unlock");
        assert_eq!(
            blocking_get(&again, "ftp://u@h:21").as_deref(),
            Some("early-secret")
        );
        again
            .change_passphrase("correct horse", "battery staple")
            .expect("change");
        drop(again);
        let third = secrets(dir.path(), &rt);
        assert!(third.unlock("correct horse").is_err());
        third.unlock("battery staple").expect("new passphrase");
        assert_eq!(
            blocking_get(&third, "ftp://u@h:21").as_deref(),
            Some("early-secret")
        );
    }
}
