//! Names from servers never choose where a file lands: they are cleaned here and confined to
//! the target folder.

use std::path::{Path, PathBuf};

const DEVICE_NAMES: &[&str] = &[
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

/// Longest name kept, in bytes (most file systems allow 255).
pub const MAX_NAME: usize = 200;

/// Turns a name from a server into one safe file name: no path separators, no `..`, no NUL or
/// control characters, no device names, not empty, at most [`MAX_NAME`] bytes.
pub fn sanitize(name: &str) -> String {
    // Only the last path component counts: "a/../../etc/passwd" becomes "passwd".
    let last = name
        .rsplit(['/', '\\'])
        .find(|p| !p.trim().is_empty() && *p != "." && *p != "..")
        .unwrap_or("");
    let mut out: String = last
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*') {
                '_'
            } else {
                c
            }
        })
        .collect();
    out = out.trim_matches([' ', '.']).to_string();
    let stem = out.split('.').next().unwrap_or("").to_ascii_uppercase();
    if DEVICE_NAMES.contains(&stem.as_str()) {
        out.insert(0, '_');
    }
    if out.len() > MAX_NAME {
        let mut cut = MAX_NAME;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
    }
    if out.is_empty() {
        "download".to_string()
    } else {
        out
    }
}

/// A path in `folder` for `name` that does not exist yet (neither it nor its `.part`):
/// `name`, then `name (1).ext`, `name (2).ext`, ...
pub fn unique_target(folder: &Path, name: &str) -> PathBuf {
    let clean = sanitize(name);
    let (stem, ext) = match clean.rfind('.') {
        Some(i) if i > 0 => (&clean[..i], &clean[i..]),
        _ => (clean.as_str(), ""),
    };
    for n in 0u32.. {
        let candidate = if n == 0 {
            clean.clone()
        } else {
            format!("{stem} ({n}){ext}")
        };
        let path = folder.join(&candidate);
        if !path.exists() && !part_path(&path).exists() {
            return path;
        }
    }
    folder.join(clean)
}

/// Where a download is written until it is complete.
pub fn part_path(target: &Path) -> PathBuf {
    let mut s = target.as_os_str().to_owned();
    s.push(".part");
    PathBuf::from(s)
}

/// Opens the `.part` file of a download: appended to when continuing from `offset` bytes,
/// created empty otherwise.
pub fn open_part(part: &Path, offset: u64) -> std::io::Result<std::fs::File> {
    crate::frame_guard::assert_off_frame("opening a download's .part file");
    std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .append(offset > 0)
        .truncate(offset == 0)
        .open(part)
}

/// Gives a complete `.part` file its final name. Its bytes are synced to disk first, and the
/// folder after the rename, so a crash right after can leave the `.part` or the whole file
/// under its name, never a short file that looks finished.
pub fn finish_part(part: &Path, target: &Path) -> std::io::Result<()> {
    crate::frame_guard::assert_off_frame("renaming a finished download");
    std::fs::OpenOptions::new()
        .write(true)
        .open(part)?
        .sync_all()?;
    std::fs::rename(part, target)?;
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        // Directories cannot be synced on every platform; the rename has happened either way.
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

/// A file's modification time in Unix seconds, when the file system has one.
pub fn modified_secs(meta: &std::fs::Metadata) -> Option<i64> {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .and_then(|d| i64::try_from(d.as_secs()).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_finished_part_gets_its_name_and_keeps_its_bytes() {
        let dir = tempfile::tempdir().expect("tmp");
        let target = dir.path().join("file.bin");
        let part = part_path(&target);
        std::fs::write(&part, b"all the bytes").expect("write");
        finish_part(&part, &target).expect("finish");
        assert_eq!(std::fs::read(&target).expect("read"), b"all the bytes");
        assert!(!part.exists());
        // No .part: an error, and nothing appears under the final name.
        let other = dir.path().join("other.bin");
        assert!(finish_part(&part_path(&other), &other).is_err());
        assert!(!other.exists());
    }
    use proptest::prelude::*;

    #[test]
    fn hostile_names_are_cleaned() {
        assert_eq!(sanitize("../../etc/passwd"), "passwd");
        assert_eq!(sanitize("..\\..\\windows\\win.ini"), "win.ini");
        assert_eq!(sanitize(".."), "download");
        assert_eq!(sanitize(""), "download");
        assert_eq!(sanitize("/"), "download");
        assert_eq!(sanitize("a\0b\x07c"), "a_b_c");
        assert_eq!(sanitize("CON"), "_CON");
        assert_eq!(sanitize("nul.txt"), "_nul.txt");
        assert_eq!(sanitize(" .hidden. "), "hidden");
        assert_eq!(sanitize("dir/"), "dir");
        assert_eq!(sanitize("ok name.tar.gz"), "ok name.tar.gz");
        assert_eq!(sanitize(&"é".repeat(300)).len(), MAX_NAME);
    }

    #[test]
    fn unique_targets_skip_existing_files() {
        let dir = tempfile::tempdir().expect("tmp");
        let a = unique_target(dir.path(), "f.txt");
        assert_eq!(a, dir.path().join("f.txt"));
        std::fs::write(&a, b"x").expect("write");
        std::fs::write(dir.path().join("f (1).txt.part"), b"x").expect("write");
        assert_eq!(
            unique_target(dir.path(), "f.txt"),
            dir.path().join("f (2).txt")
        );
    }

    proptest! {
        #[test]
        fn sanitized_names_stay_inside(name in "\\PC{0,300}") {
            let clean = sanitize(&name);
            prop_assert!(!clean.is_empty());
            prop_assert!(clean.len() <= MAX_NAME);
            prop_assert!(!clean.contains(['/', '\\', '\0']));
            prop_assert!(clean != "." && clean != "..");
            let joined = Path::new("/base").join(&clean);
            prop_assert_eq!(joined.parent(), Some(Path::new("/base")));
        }
    }
}
