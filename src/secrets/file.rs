//! Secrets in a file, each encrypted with ChaCha20-Poly1305 under a key derived from a
//! passphrase with Argon2id. The file is replaced atomically, so a crash never loses it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chacha20poly1305::aead::{Aead as _, KeyInit as _};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use rand::RngCore as _;
use zeroize::Zeroizing;

use super::{SecretError, SecretStore};

const CHECK_KEY: &str = "\u{0}check";

#[derive(serde::Serialize, serde::Deserialize, Default)]
struct FileFormat {
    version: u32,
    salt: String,
    /// key -> hex(nonce || ciphertext)
    entries: BTreeMap<String, String>,
}

/// The encrypted-file backend.
pub struct EncryptedFile {
    path: PathBuf,
    cipher: ChaCha20Poly1305,
    state: Mutex<FileFormat>,
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

impl EncryptedFile {
    /// Opens or creates the file. A wrong passphrase for an existing file is an error.
    pub fn open(path: &Path, passphrase: &str) -> Result<EncryptedFile, SecretError> {
        let err = |reason: String| SecretError::File {
            path: path.display().to_string(),
            reason,
        };
        let state: FileFormat = match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| err(e.to_string()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut salt = [0u8; 16];
                rand::rng().fill_bytes(&mut salt);
                FileFormat {
                    version: 1,
                    salt: hex(&salt),
                    entries: BTreeMap::new(),
                }
            }
            Err(e) => return Err(err(e.to_string())),
        };
        let salt = unhex(&state.salt).ok_or_else(|| err("bad salt".into()))?;
        let mut key = Zeroizing::new([0u8; 32]);
        argon2::Argon2::default()
            .hash_password_into(passphrase.as_bytes(), &salt, key.as_mut())
            .map_err(|e| err(e.to_string()))?;
        let cipher = ChaCha20Poly1305::new(Key::from_slice(key.as_ref()));
        let store = EncryptedFile {
            path: path.to_path_buf(),
            cipher,
            state: Mutex::new(state),
        };
        let has_check = store
            .state
            .lock()
            .is_ok_and(|s| s.entries.contains_key(CHECK_KEY));
        if has_check {
            store.get(CHECK_KEY)?;
        } else {
            store.set(CHECK_KEY, "ok")?;
        }
        Ok(store)
    }

    /// Re-encrypts every secret of the file at `path` under `new`, with a new salt. The old
    /// file is replaced only when the new one is complete, so a crash keeps one of the two.
    pub fn change_passphrase(
        path: &Path,
        old: &str,
        new: &str,
    ) -> Result<EncryptedFile, SecretError> {
        let current = EncryptedFile::open(path, old)?;
        let keys: Vec<String> = current
            .state
            .lock()
            .map_err(|_| SecretError::WrongPassphrase)?
            .entries
            .keys()
            .filter(|k| k.as_str() != CHECK_KEY)
            .cloned()
            .collect();
        let mut fresh_path = path.as_os_str().to_owned();
        fresh_path.push(".new");
        let fresh_path = PathBuf::from(fresh_path);
        let _ = std::fs::remove_file(&fresh_path);
        let fresh = EncryptedFile::open(&fresh_path, new)?;
        for key in keys {
            if let Some(secret) = current.get(&key)? {
                fresh.set(&key, &secret)?;
            }
        }
        std::fs::rename(&fresh_path, path).map_err(|e| SecretError::File {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        EncryptedFile::open(path, new)
    }

    fn save(&self, state: &FileFormat) -> Result<(), SecretError> {
        let err = |reason: String| SecretError::File {
            path: self.path.display().to_string(),
            reason,
        };
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| err(e.to_string()))?;
        }
        let tmp = self.path.with_extension("tmp");
        let json = serde_json::to_vec_pretty(state).map_err(|e| err(e.to_string()))?;
        {
            use std::io::Write as _;
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create(true).truncate(true);
            // Readable by its owner only, though what it holds is encrypted.
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut f = options.open(&tmp).map_err(|e| err(e.to_string()))?;
            f.write_all(&json).map_err(|e| err(e.to_string()))?;
            // On disk before it replaces the old file: a crash leaves one whole file.
            f.sync_all().map_err(|e| err(e.to_string()))?;
        }
        std::fs::rename(&tmp, &self.path).map_err(|e| err(e.to_string()))
    }
}

impl SecretStore for EncryptedFile {
    fn get(&self, key: &str) -> Result<Option<Zeroizing<String>>, SecretError> {
        let Some(blob) = self
            .state
            .lock()
            .ok()
            .and_then(|s| s.entries.get(key).cloned())
        else {
            return Ok(None);
        };
        let bytes = unhex(&blob).ok_or(SecretError::WrongPassphrase)?;
        if bytes.len() < 12 {
            return Err(SecretError::WrongPassphrase);
        }
        let (nonce, ct) = bytes.split_at(12);
        let plain = self
            .cipher
            .decrypt(Nonce::from_slice(nonce), ct)
            .map_err(|_| SecretError::WrongPassphrase)?;
        let plain = Zeroizing::new(plain);
        String::from_utf8(plain.to_vec())
            .map(|s| Some(Zeroizing::new(s)))
            .map_err(|_| SecretError::WrongPassphrase)
    }

    fn set(&self, key: &str, secret: &str) -> Result<(), SecretError> {
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        let ct = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), secret.as_bytes())
            .map_err(|_| SecretError::WrongPassphrase)?;
        let mut blob = nonce.to_vec();
        blob.extend_from_slice(&ct);
        let mut state = self
            .state
            .lock()
            .map_err(|_| SecretError::WrongPassphrase)?;
        state.entries.insert(key.to_string(), hex(&blob));
        self.save(&state)
    }

    fn delete(&self, key: &str) -> Result<(), SecretError> {
        let mut state = self
            .state
            .lock()
            .map_err(|_| SecretError::WrongPassphrase)?;
        if state.entries.remove(key).is_some() {
            self.save(&state)?;
        }
        Ok(())
    }

    fn describe(&self) -> &'static str {
        "encrypted file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_no_plaintext_on_disk() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("s.json");
        let f = EncryptedFile::open(&path, "correct horse").expect("open");
        f.set("ftp://tester@localhost", "hunter2-secret")
            .expect("set");
        drop(f);
        let raw = std::fs::read_to_string(&path).expect("read");
        assert!(!raw.contains("hunter2"));
        let f = EncryptedFile::open(&path, "correct horse").expect("reopen");
        assert_eq!(
            f.get("ftp://tester@localhost")
                .expect("get")
                .as_deref()
                .map(String::as_str),
            Some("hunter2-secret")
        );
        f.delete("ftp://tester@localhost").expect("delete");
        assert!(f.get("ftp://tester@localhost").expect("get").is_none());
    }

    #[test]
    fn wrong_passphrase_is_refused() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("s.json");
        EncryptedFile::open(&path, "right").expect("create");
        assert!(matches!(
            EncryptedFile::open(&path, "wrong"),
            Err(SecretError::WrongPassphrase)
        ));
    }

    #[test]
    fn corrupt_file_is_a_clear_error() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("s.json");
        std::fs::write(&path, b"{not json").expect("write");
        let err = EncryptedFile::open(&path, "p").err().expect("error");
        assert!(err.to_string().contains("s.json"), "{err}");
    }
}
