//! Passwords: the OS keyring where there is one, else a passphrase-encrypted file, else
//! memory for this session only. A password is never written in plain text.
//!
//! Keyring calls may block on D-Bus: call these from a worker, never from a frame.

mod file;
mod handle;

use std::collections::HashMap;
use std::sync::Mutex;

use zeroize::Zeroizing;

pub use file::EncryptedFile;
pub use handle::{Secrets, SecretsState};

/// Why a secret could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("keyring: {0}")]
    Keyring(String),
    #[error("secrets file {path}: {reason}")]
    File { path: String, reason: String },
    #[error("wrong passphrase for the secrets file, or it was tampered with")]
    WrongPassphrase,
}

/// Somewhere to keep passwords, keyed by a string such as `ftp://tester@localhost:2121`.
pub trait SecretStore: Send + Sync {
    fn get(&self, key: &str) -> Result<Option<Zeroizing<String>>, SecretError>;
    fn set(&self, key: &str, secret: &str) -> Result<(), SecretError>;
    fn delete(&self, key: &str) -> Result<(), SecretError>;
    /// Which backend this is, for the Settings window.
    fn describe(&self) -> &'static str;
}

/// The OS keyring (Secret Service on Linux).
pub struct Keyring;

const SERVICE: &str = "portolan";

impl Keyring {
    /// The keyring if one answers on this machine.
    pub fn available() -> Option<Keyring> {
        keyring::Entry::store_status().is_ok().then_some(Keyring)
    }
}

impl SecretStore for Keyring {
    fn get(&self, key: &str) -> Result<Option<Zeroizing<String>>, SecretError> {
        let entry =
            keyring::Entry::new(SERVICE, key).map_err(|e| SecretError::Keyring(e.to_string()))?;
        match entry.get_password() {
            Ok(p) => Ok(Some(Zeroizing::new(p))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(SecretError::Keyring(e.to_string())),
        }
    }

    fn set(&self, key: &str, secret: &str) -> Result<(), SecretError> {
        keyring::Entry::new(SERVICE, key)
            .and_then(|e| e.set_password(secret))
            .map_err(|e| SecretError::Keyring(e.to_string()))
    }

    fn delete(&self, key: &str) -> Result<(), SecretError> {
        let entry =
            keyring::Entry::new(SERVICE, key).map_err(|e| SecretError::Keyring(e.to_string()))?;
        match entry.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(SecretError::Keyring(e.to_string())),
        }
    }

    fn describe(&self) -> &'static str {
        "system keyring"
    }
}

/// Secrets held in memory until the app quits.
#[derive(Default)]
pub struct SessionOnly {
    map: Mutex<HashMap<String, Zeroizing<String>>>,
}

impl SessionOnly {
    pub fn is_empty(&self) -> bool {
        self.map.lock().map_or(true, |m| m.is_empty())
    }

    /// Every key and secret, to move them into a lasting store.
    pub fn entries(&self) -> Vec<(String, Zeroizing<String>)> {
        self.map.lock().map_or_else(
            |_| Vec::new(),
            |m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        )
    }
}

impl SecretStore for SessionOnly {
    fn get(&self, key: &str) -> Result<Option<Zeroizing<String>>, SecretError> {
        Ok(self.map.lock().ok().and_then(|m| m.get(key).cloned()))
    }

    fn set(&self, key: &str, secret: &str) -> Result<(), SecretError> {
        if let Ok(mut m) = self.map.lock() {
            m.insert(key.to_string(), Zeroizing::new(secret.to_string()));
        }
        Ok(())
    }

    fn delete(&self, key: &str) -> Result<(), SecretError> {
        if let Ok(mut m) = self.map.lock() {
            m.remove(key);
        }
        Ok(())
    }

    fn describe(&self) -> &'static str {
        "this session only"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_store_round_trip() {
        let s = SessionOnly::default();
        assert!(s.get("k").expect("get").is_none());
        s.set("k", "v").expect("set");
        assert_eq!(
            s.get("k").expect("get").as_deref().map(String::as_str),
            Some("v")
        );
        s.delete("k").expect("delete");
        assert!(s.get("k").expect("get").is_none());
    }
}
