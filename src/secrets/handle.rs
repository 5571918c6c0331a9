//! The app's handle on its secrets backend: opened on first use and called on a blocking
//! thread, because the keyring may wait on D-Bus and the encrypted file on Argon2. Panels ask
//! through it and get their answer as a closure call, never in a frame.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use super::{SecretError, SecretStore, SessionOnly};

/// Cheap to clone; every clone shares one backend.
#[derive(Clone)]
pub struct Secrets {
    backend: Arc<OnceLock<Box<dyn SecretStore>>>,
    runtime: tokio::runtime::Handle,
    session_only: bool,
    file: PathBuf,
}

impl Secrets {
    /// Secrets kept in `file` when no keyring answers; `session_only` keeps them in memory
    /// (tests).
    pub fn new(runtime: tokio::runtime::Handle, file: PathBuf, session_only: bool) -> Secrets {
        Secrets {
            backend: Arc::new(OnceLock::new()),
            runtime,
            session_only,
            file,
        }
    }

    /// Runs `f` on the backend on a blocking thread and hands its result to `then`.
    pub fn with<R: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn SecretStore) -> R + Send + 'static,
        then: impl FnOnce(R) + Send + 'static,
    ) {
        let this = self.clone();
        self.runtime.spawn_blocking(move || {
            let store = this.backend.get_or_init(|| {
                if this.session_only {
                    Box::new(SessionOnly::default())
                } else {
                    super::open_best(&this.file, None)
                }
            });
            then(f(store.as_ref()));
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
}
