//! The path of an IMAP URL (RFC 5092): a folder, perhaps its UIDVALIDITY, perhaps one message.
//! Folder names are UTF-8, percent-encoded, with the server's own hierarchy delimiter.
//!
//! `imap://host/INBOX/;UID=20` is the RFC's form for a message; `imap://host/INBOX;UID=20` is
//! read the same way, since people write it so.

use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};

/// What an IMAP URL points at inside the account.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImapTarget {
    /// `None` is the account itself (its folder list).
    pub folder: Option<String>,
    pub uidvalidity: Option<u32>,
    pub uid: Option<u32>,
    /// `;SECTION=` (a body part such as `1.2` or `HEADER`).
    pub section: Option<String>,
}

/// Why an IMAP URL path cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImapUrlError {
    #[error("the folder name in the URL is not UTF-8 once percent-decoded")]
    NotUtf8,
    #[error("{name}={value:?} in the URL is not a number")]
    NotNumber { name: String, value: String },
    #[error("the URL names a message (;UID=) but no folder")]
    NoFolder,
    #[error("the URL part ;{0} is not one Portolan knows (UIDVALIDITY, UID, SECTION, PARTIAL)")]
    Unknown(String),
}

/// Reads the path of an IMAP URL, as it stands in the URL (still percent-encoded), without the
/// leading `/`.
pub fn parse_path(raw: &str) -> Result<ImapTarget, ImapUrlError> {
    let raw = raw.split_once('?').map_or(raw, |(p, _)| p);
    let raw = raw.split_once('#').map_or(raw, |(p, _)| p);
    let mut target = ImapTarget::default();
    let mut parts = raw.split(';');
    let folder = parts.next().unwrap_or("");
    // The RFC puts a "/" between the folder and ";UID=".
    let folder = folder.strip_suffix('/').unwrap_or(folder);
    if !folder.is_empty() {
        let bytes: Vec<u8> = percent_decode_str(folder).collect();
        target.folder = Some(String::from_utf8(bytes).map_err(|_| ImapUrlError::NotUtf8)?);
    }
    for part in parts {
        let part = part.strip_suffix('/').unwrap_or(part);
        let (name, value) = part.split_once('=').unwrap_or((part, ""));
        let number =
            || {
                value.parse::<u32>().ok().filter(|n| *n > 0).ok_or_else(|| {
                    ImapUrlError::NotNumber {
                        name: name.to_string(),
                        value: value.to_string(),
                    }
                })
            };
        match name.to_ascii_uppercase().as_str() {
            "UIDVALIDITY" => target.uidvalidity = Some(number()?),
            "UID" => target.uid = Some(number()?),
            "SECTION" => {
                let v: Vec<u8> = percent_decode_str(value).collect();
                target.section = Some(String::from_utf8_lossy(&v).into_owned());
            }
            // PARTIAL is a byte range of the part: the whole is fetched instead. "" comes from
            // "INBOX;" and means nothing.
            "PARTIAL" | "" => {}
            _ => return Err(ImapUrlError::Unknown(part.to_string())),
        }
    }
    if target.uid.is_some() && target.folder.is_none() {
        return Err(ImapUrlError::NoFolder);
    }
    Ok(target)
}

/// What is percent-encoded in a folder name in a URL: RFC 3986 `pchar` minus `;` (which starts
/// the URL's own parts), keeping the delimiter `/` as it is.
const FOLDER_SET: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b';')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b']')
    .add(b'\\')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// The URL path for a folder, or for one message in it (RFC 5092 form).
pub fn path_for(folder: &str, uidvalidity: Option<u32>, uid: Option<u32>) -> String {
    let mut out = utf8_percent_encode(folder, FOLDER_SET).to_string();
    if let Some(v) = uidvalidity {
        out.push_str(&format!(";UIDVALIDITY={v}"));
    }
    if let Some(uid) = uid {
        out.push_str(&format!("/;UID={uid}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_and_messages() {
        assert_eq!(parse_path("").expect("p"), ImapTarget::default());
        let t = parse_path("INBOX").expect("p");
        assert_eq!(t.folder.as_deref(), Some("INBOX"));
        let t = parse_path("INBOX/;UID=20").expect("p");
        assert_eq!((t.folder.as_deref(), t.uid), (Some("INBOX"), Some(20)));
        let t = parse_path("INBOX;UID=20").expect("p");
        assert_eq!((t.folder.as_deref(), t.uid), (Some("INBOX"), Some(20)));
        let t = parse_path("Archive/2023;UIDVALIDITY=385759045/;UID=7/;SECTION=1.2").expect("p");
        assert_eq!(t.folder.as_deref(), Some("Archive/2023"));
        assert_eq!(t.uidvalidity, Some(385_759_045));
        assert_eq!(t.uid, Some(7));
        assert_eq!(t.section.as_deref(), Some("1.2"));
        let t = parse_path("Entw%C3%BCrfe").expect("p");
        assert_eq!(t.folder.as_deref(), Some("Entwürfe"));
        let t = parse_path("a%3Bb").expect("p");
        assert_eq!(
            t.folder.as_deref(),
            Some("a;b"),
            "an encoded ; is part of the name"
        );
    }

    #[test]
    fn bad_paths() {
        assert_eq!(parse_path("%FF"), Err(ImapUrlError::NotUtf8));
        assert!(matches!(
            parse_path("INBOX;UID=x"),
            Err(ImapUrlError::NotNumber { .. })
        ));
        assert!(matches!(
            parse_path("INBOX;UID=0"),
            Err(ImapUrlError::NotNumber { .. })
        ));
        assert!(matches!(
            parse_path("INBOX;UID=99999999999"),
            Err(ImapUrlError::NotNumber { .. })
        ));
        assert_eq!(parse_path(";UID=3"), Err(ImapUrlError::NoFolder));
        assert!(matches!(
            parse_path("INBOX;FOO=1"),
            Err(ImapUrlError::Unknown(_))
        ));
    }

    #[test]
    fn paths_round_trip() {
        for name in ["INBOX", "Archive/2023", "Entwürfe", "a;b c?d#e%f"] {
            let path = path_for(name, Some(9), Some(3));
            let t = parse_path(&path).expect("own path parses");
            assert_eq!(t.folder.as_deref(), Some(name), "{path}");
            assert_eq!((t.uidvalidity, t.uid), (Some(9), Some(3)));
        }
    }
}
