//! Which program opens each kind of link on this desktop, and making Portolan that program,
//! through `xdg-mime` (xdg-utils): it knows where every desktop keeps the choice (a
//! `mimeapps.list`, or the desktop's own settings), so Settings need not.

use std::ffi::OsString;
use std::process::Command;

/// The desktop entry the package installs.
pub const DESKTOP_ID: &str = "portolan.desktop";

/// The link schemes Portolan's panels open, as its desktop entry declares them.
pub const SCHEMES: [&str; 15] = [
    "gopher", "http", "https", "ftp", "ftps", "telnet", "telnets", "imap", "imaps", "pop", "pops",
    "mailto", "news", "nntp", "snews",
];

/// The desktop's link handlers, asked through `xdg-mime` with this process's environment, or
/// with some variables replaced (tests point it at a home of their own).
#[derive(Debug, Clone, Default)]
pub struct Handlers {
    env: Vec<(String, OsString)>,
}

impl Handlers {
    /// Asks with these variables set for `xdg-mime` (`HOME`, `XDG_CONFIG_HOME`, ...).
    #[must_use]
    pub fn with_env(mut self, name: &str, value: impl Into<OsString>) -> Handlers {
        self.env.push((name.to_string(), value.into()));
        self
    }

    /// The desktop entry that opens `scheme:` links now, if any.
    pub fn current(&self, scheme: &str) -> Result<Option<String>, String> {
        let out = self.xdg_mime(&["query", "default", &format!("x-scheme-handler/{scheme}")])?;
        let id = out.trim();
        Ok((!id.is_empty()).then(|| id.to_string()))
    }

    /// Makes Portolan open `scheme:` links.
    pub fn make_default(&self, scheme: &str) -> Result<(), String> {
        self.xdg_mime(&["default", DESKTOP_ID, &format!("x-scheme-handler/{scheme}")])
            .map(drop)
    }

    fn xdg_mime(&self, args: &[&str]) -> Result<String, String> {
        let mut command = Command::new("xdg-mime");
        command.args(args);
        for (name, value) in &self.env {
            command.env(name, value);
        }
        let out = command.output().map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                "xdg-mime is not installed: install xdg-utils to choose link handlers".to_string()
            } else {
                format!("cannot run xdg-mime: {e}")
            }
        })?;
        if !out.status.success() {
            let said = String::from_utf8_lossy(&out.stderr);
            return Err(format!(
                "xdg-mime {} failed: {}",
                args.join(" "),
                said.trim()
            ));
        }
        // A handler id is a file name: far below this; anything longer is not an answer.
        let text = String::from_utf8_lossy(&out.stdout);
        Ok(text.chars().take(4096).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schemes_are_those_the_desktop_entry_declares() {
        let entry = include_str!("../packaging/portolan.desktop");
        let line = entry
            .lines()
            .find(|l| l.starts_with("MimeType="))
            .expect("MimeType line");
        let mut declared: Vec<&str> = line
            .trim_start_matches("MimeType=")
            .split(';')
            .filter_map(|m| m.strip_prefix("x-scheme-handler/"))
            .collect();
        declared.sort_unstable();
        let mut ours = SCHEMES.to_vec();
        ours.sort_unstable();
        assert_eq!(declared, ours);
    }
}
