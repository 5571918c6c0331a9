//! User settings, kept as key/value rows in the store.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::charset::Charset;

/// Light, dark, or follow the system.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    System,
    Light,
    Dark,
}

impl Theme {
    pub const ALL: [Theme; 3] = [Theme::System, Theme::Light, Theme::Dark];

    pub fn label(self) -> &'static str {
        match self {
            Theme::System => "System",
            Theme::Light => "Light",
            Theme::Dark => "Dark",
        }
    }
}

/// Everything the Settings window edits.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub theme: Theme,
    /// Body text size in points.
    pub font_size: f32,
    pub download_dir: PathBuf,
    /// The page a new tab opens.
    pub start_page: String,
    /// Per-host charset chosen by the user for gopher text and menus.
    pub charset_overrides: BTreeMap<String, Charset>,
    /// Speed limit over all FTP downloads, in kB/s (1000 bytes); 0 for none.
    pub download_limit_kb: u64,
    /// Speed limit over all FTP uploads, in kB/s; 0 for none.
    pub upload_limit_kb: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            theme: Theme::System,
            font_size: 14.0,
            download_dir: default_download_dir(),
            start_page: "about:start".into(),
            charset_overrides: BTreeMap::new(),
            download_limit_kb: 0,
            upload_limit_kb: 0,
        }
    }
}

/// `~/Downloads` (or the XDG download folder), else the current folder.
pub fn default_download_dir() -> PathBuf {
    directories::UserDirs::new()
        .and_then(|u| u.download_dir().map(std::path::Path::to_path_buf))
        .or_else(|| directories::BaseDirs::new().map(|b| b.home_dir().join("Downloads")))
        .unwrap_or_else(|| PathBuf::from("."))
}

const CHARSET_PREFIX: &str = "charset.";

impl Settings {
    /// Reads settings from store rows; unknown or bad values keep their defaults.
    pub fn from_rows(rows: &[(String, String)]) -> Settings {
        let mut s = Settings::default();
        for (k, v) in rows {
            match k.as_str() {
                "theme" => {
                    if let Some(t) = Theme::ALL.into_iter().find(|t| t.label() == v) {
                        s.theme = t;
                    }
                }
                "font_size" => {
                    if let Ok(f) = v.parse::<f32>()
                        && (8.0..=40.0).contains(&f)
                    {
                        s.font_size = f;
                    }
                }
                "download_dir" if !v.is_empty() => s.download_dir = PathBuf::from(v),
                "start_page" if !v.is_empty() => s.start_page.clone_from(v),
                "download_limit_kb" => s.download_limit_kb = v.parse().unwrap_or(0),
                "upload_limit_kb" => s.upload_limit_kb = v.parse().unwrap_or(0),
                _ => {
                    if let Some(host) = k.strip_prefix(CHARSET_PREFIX)
                        && let Some(c) = Charset::from_label(v)
                    {
                        s.charset_overrides.insert(host.to_string(), c);
                    }
                }
            }
        }
        s
    }

    /// Puts the speed limits into effect for every transfer, running ones included.
    pub fn apply_limits(&self, pacing: &crate::proto::rate::Pacing) {
        pacing.down.set(self.download_limit_kb.saturating_mul(1000));
        pacing.up.set(self.upload_limit_kb.saturating_mul(1000));
    }

    /// The rows to write back.
    pub fn to_rows(&self) -> Vec<(String, String)> {
        let mut rows = vec![
            ("theme".to_string(), self.theme.label().to_string()),
            ("font_size".to_string(), self.font_size.to_string()),
            (
                "download_dir".to_string(),
                self.download_dir.display().to_string(),
            ),
            ("start_page".to_string(), self.start_page.clone()),
            (
                "download_limit_kb".to_string(),
                self.download_limit_kb.to_string(),
            ),
            (
                "upload_limit_kb".to_string(),
                self.upload_limit_kb.to_string(),
            ),
        ];
        for (host, c) in &self.charset_overrides {
            rows.push((format!("{CHARSET_PREFIX}{host}"), c.label().to_string()));
        }
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_round_trip_and_bad_values_are_ignored() {
        let mut s = Settings {
            theme: Theme::Dark,
            font_size: 16.0,
            download_limit_kb: 500,
            ..Settings::default()
        };
        s.charset_overrides
            .insert("bbs.example".into(), Charset::Cp437);
        assert_eq!(Settings::from_rows(&s.to_rows()), s);
        let bad = Settings::from_rows(&[
            ("theme".into(), "Purple".into()),
            ("font_size".into(), "900".into()),
            ("charset.x".into(), "EBCDIC".into()),
            ("upload_limit_kb".into(), "fast".into()),
        ]);
        assert_eq!(bad, Settings::default());
    }
}
