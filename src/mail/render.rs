//! A raw message to what the reader shows: decoded headers, the text body (format=flowed
//! joined, quote levels counted) or the HTML body for the Browser's renderer, attachments with
//! safe names, inline `cid:` images, and the remote images the HTML would load (blocked), with
//! those that look like tracking pixels counted apart.

use mail_parser::{MessageParser, MimeHeaders as _, PartType};

/// One line of a text body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextLine {
    /// How many `>` marks it was quoted with.
    pub quote: u8,
    pub text: String,
}

/// An attachment as listed under the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// Its position among mail-parser's attachments, to fetch the bytes again.
    pub index: usize,
    /// The name from the message, made safe for a file name (no folders, no control
    /// characters); "attachment-N" when it has none.
    pub name: String,
    pub mime: String,
    pub size: usize,
    pub content_id: Option<String>,
    pub inline: bool,
}

/// What the HTML would load from the network if it were allowed to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RemoteContent {
    pub images: Vec<String>,
    /// Of those, the ones that look like tracking pixels (1x1, or hidden).
    pub trackers: Vec<String>,
}

/// A message ready for the reader.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    pub subject: String,
    pub from: String,
    pub to: String,
    pub cc: String,
    pub reply_to: String,
    pub date: Option<i64>,
    pub message_id: Option<String>,
    /// The text body, when there is one (or the HTML turned into text when there is not).
    pub text: Vec<TextLine>,
    /// The HTML body, for the Browser's renderer.
    pub html: Option<String>,
    pub remote: RemoteContent,
    pub attachments: Vec<Attachment>,
    /// The message could not be read as MIME at all; `text` holds its bytes as text.
    pub unreadable: bool,
}

/// Charsets offered for a message whose sender declared the wrong one (or none).
pub const CHARSETS: &[&str] = &[
    "UTF-8",
    "ISO-8859-1",
    "ISO-8859-2",
    "ISO-8859-15",
    "windows-1250",
    "windows-1251",
    "windows-1252",
    "KOI8-R",
    "ISO-2022-JP",
    "Shift_JIS",
    "EUC-JP",
    "GB18030",
    "Big5",
    "EUC-KR",
];

/// The message as if its text parts declared `charset`: every `Content-Type: text/...` header
/// (and a message with none, which is text/plain) gets that charset, so the renderer decodes
/// the bytes with it. The bytes of the bodies are not touched.
pub fn with_charset(raw: &[u8], charset: &str) -> Vec<u8> {
    let charset: String = charset
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "-_:.".contains(*c))
        .collect();
    let mut out = Vec::with_capacity(raw.len() + 64);
    let mut saw_type = false;
    let mut in_header = true;
    let mut rest = raw;
    let mut pending_text_type = false;
    while !rest.is_empty() {
        let end = rest
            .iter()
            .position(|b| *b == b'\n')
            .map_or(rest.len(), |p| p + 1);
        let line = &rest[..end];
        rest = &rest[end..];
        let bare = line.strip_suffix(b"\n").unwrap_or(line);
        let bare = bare.strip_suffix(b"\r").unwrap_or(bare);
        let continuation = bare.first().is_some_and(|b| *b == b' ' || *b == b'\t');
        // The end of a Content-Type header that was text/*: its charset goes on its last line.
        if pending_text_type && !continuation {
            out.truncate(out.len() - eol_len(&out));
            out.extend_from_slice(format!("; charset=\"{charset}\"\r\n").as_bytes());
            pending_text_type = false;
        }
        if bare.is_empty() {
            if in_header && !saw_type {
                out.extend_from_slice(
                    format!("Content-Type: text/plain; charset=\"{charset}\"\r\n").as_bytes(),
                );
                saw_type = true;
            }
            in_header = false;
            out.extend_from_slice(line);
            continue;
        }
        let lower = bare.to_ascii_lowercase();
        if lower.starts_with(b"content-type:") {
            if in_header {
                saw_type = true;
            }
            let value = String::from_utf8_lossy(&bare[13..]).to_string();
            if value.trim_start().to_ascii_lowercase().starts_with("text/") {
                // Drop a charset parameter already there, keep the rest.
                let kept: Vec<&str> = value
                    .split(';')
                    .filter(|p| !p.trim_start().to_ascii_lowercase().starts_with("charset"))
                    .collect();
                out.extend_from_slice(b"Content-Type:");
                out.extend_from_slice(kept.join(";").as_bytes());
                out.extend_from_slice(b"\r\n");
                pending_text_type = true;
                continue;
            }
        } else if pending_text_type && continuation {
            let value = String::from_utf8_lossy(bare).to_string();
            let kept: Vec<&str> = value
                .split(';')
                .filter(|p| !p.trim_start().to_ascii_lowercase().starts_with("charset"))
                .collect();
            let joined = kept.join(";");
            if !joined.trim().is_empty() {
                out.extend_from_slice(joined.as_bytes());
                out.extend_from_slice(b"\r\n");
            }
            continue;
        } else if lower.starts_with(b"--") {
            // A boundary: the part's own header follows.
            in_header = true;
            saw_type = true;
        }
        out.extend_from_slice(line);
    }
    out
}

fn eol_len(out: &[u8]) -> usize {
    if out.ends_with(b"\r\n") {
        2
    } else {
        usize::from(out.ends_with(b"\n"))
    }
}

/// Renders a raw message. Never fails: what mail-parser cannot read is shown as text.
pub fn render(raw: &[u8]) -> Rendered {
    let Some(message) = MessageParser::default().parse(raw) else {
        return Rendered {
            text: lines_of(&String::from_utf8_lossy(raw), false, false),
            unreadable: true,
            ..Rendered::default()
        };
    };
    let summary = super::Summary::from_header(raw);
    let addresses = |list: Option<&mail_parser::Address<'_>>| -> String {
        list.map(|l| {
            l.iter()
                .map(|a| match (a.name.as_deref(), a.address.as_deref()) {
                    (Some(n), Some(addr)) if !n.trim().is_empty() => {
                        format!("{} <{addr}>", n.trim())
                    }
                    (_, Some(addr)) => addr.to_string(),
                    (Some(n), None) => n.to_string(),
                    (None, None) => String::new(),
                })
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
    };
    let mut out = Rendered {
        subject: summary.subject.clone(),
        from: addresses(message.from()),
        to: addresses(message.to()),
        cc: addresses(message.cc()),
        reply_to: addresses(message.reply_to()),
        date: summary.date,
        message_id: summary.message_id.clone(),
        ..Rendered::default()
    };
    // The text part, reflowed when it is format=flowed.
    if let Some(part) = message.text_part(0)
        && matches!(part.body, PartType::Text(_))
    {
        let (flowed, delsp) = part.content_type().map_or((false, false), |ct| {
            let attr = |n: &str| {
                ct.attribute(n).is_some_and(|v| {
                    v.eq_ignore_ascii_case(if n == "format" { "flowed" } else { "yes" })
                })
            };
            (attr("format"), attr("delsp"))
        });
        let text = message.body_text(0).unwrap_or_default();
        out.text = lines_of(&text, flowed, delsp);
    }
    if let Some(html) = message.body_html(0)
        && message
            .html_part(0)
            .is_some_and(|p| matches!(p.body, PartType::Html(_)))
    {
        out.remote = remote_content(&html);
        out.html = Some(html.into_owned());
    }
    if out.text.is_empty() && out.html.is_none() {
        // No text or HTML part (a lone attachment, or a body mail-parser cannot place).
        if let Some(text) = message.body_text(0) {
            out.text = lines_of(&text, false, false);
        }
    }
    for (index, part) in message.attachments().enumerate() {
        let mime = part.content_type().map_or_else(
            || "application/octet-stream".to_string(),
            |ct| match ct.subtype() {
                Some(sub) => format!("{}/{}", ct.ctype(), sub).to_ascii_lowercase(),
                None => ct.ctype().to_ascii_lowercase(),
            },
        );
        // mail-parser applies an RFC 2231 charset to the first piece of a continued name
        // only; where that leaves replacement characters, read the parameters ourselves.
        let from_header = || {
            raw.get(part.offset_header as usize..part.offset_body as usize)
                .and_then(rfc2231_name)
        };
        let name = part
            .attachment_name()
            .map(|n| {
                if n.contains('\u{fffd}') {
                    from_header().unwrap_or_else(|| n.to_string())
                } else {
                    n.to_string()
                }
            })
            .map(|n| crate::filename::sanitize(&n))
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| format!("attachment-{}", index + 1));
        let content_id = part
            .content_id()
            .map(|c| c.trim_matches(['<', '>']).to_string());
        let inline = content_id.is_some()
            && mime.starts_with("image/")
            && out.html.as_deref().is_some_and(|h| h.contains("cid:"));
        out.attachments.push(Attachment {
            index,
            name,
            mime,
            size: part.contents().len(),
            content_id,
            inline,
        });
    }
    if out.text.is_empty() && out.html.is_none() && out.attachments.is_empty() {
        // Nothing mail-parser could place: show the bytes rather than an empty page.
        out.text = lines_of(&String::from_utf8_lossy(raw), false, false);
        out.unreadable = true;
    }
    out
}

/// A file name from RFC 2231 parameters (`filename*0*=charset''..; filename*1*=..`, or
/// `name*..`) in a part's raw header block, with the first piece's charset applied to all.
pub fn rfc2231_name(header: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(header)
        .replace("\r\n ", " ")
        .replace("\r\n\t", " ")
        .replace("\n ", " ");
    for key in ["filename*", "name*"] {
        let mut pieces: Vec<(u32, bool, String)> = Vec::new();
        for param in text.split(';') {
            let param = param.trim();
            let Some((k, v)) = param.split_once('=') else {
                continue;
            };
            let k = k.trim().to_ascii_lowercase();
            let Some(rest) = k.strip_prefix(key) else {
                continue;
            };
            let encoded = rest.ends_with('*') || rest.is_empty();
            let number: u32 = rest.trim_end_matches('*').parse().unwrap_or(0);
            let v = v
                .trim()
                .split(['\r', '\n'])
                .next()
                .unwrap_or("")
                .trim_matches('"')
                .to_string();
            pieces.push((number, encoded, v));
        }
        if pieces.is_empty() {
            continue;
        }
        pieces.sort_by_key(|p| p.0);
        let mut charset = "utf-8".to_string();
        let mut bytes = Vec::new();
        for (i, (_, encoded, value)) in pieces.iter().enumerate() {
            let mut value = value.as_str();
            if i == 0 && *encoded {
                let mut parts = value.splitn(3, '\'');
                if let (Some(cs), Some(_lang), Some(rest)) =
                    (parts.next(), parts.next(), parts.next())
                {
                    if !cs.is_empty() {
                        charset = cs.to_string();
                    }
                    value = rest;
                }
            }
            if *encoded {
                bytes.extend(percent_encoding::percent_decode_str(value));
            } else {
                bytes.extend_from_slice(value.as_bytes());
            }
        }
        let encoding =
            encoding_rs::Encoding::for_label(charset.as_bytes()).unwrap_or(encoding_rs::UTF_8);
        let (decoded, _, _) = encoding.decode(&bytes);
        return Some(decoded.into_owned());
    }
    None
}

/// The bytes of attachment `index` of a raw message, decoded.
pub fn attachment_bytes(raw: &[u8], index: usize) -> Option<Vec<u8>> {
    let message = MessageParser::default().parse(raw)?;
    message
        .attachments()
        .nth(index)
        .map(|p| p.contents().to_vec())
}

/// The words of a message for the search index: its text body, or its HTML as text.
pub fn plain_text_of(raw: &[u8]) -> String {
    let Some(message) = MessageParser::default().parse(raw) else {
        return String::new();
    };
    let mut text = message
        .body_text(0)
        .map(std::borrow::Cow::into_owned)
        .unwrap_or_default();
    // Bound what one message adds to the index.
    if text.len() > 256 * 1024 {
        let mut cut = 256 * 1024;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
    text
}

/// Splits a text body into lines with their quote levels; with `flowed`, lines ending in a
/// space are joined with the next of the same level (RFC 3676), and space-stuffing undone.
pub fn lines_of(text: &str, flowed: bool, delsp: bool) -> Vec<TextLine> {
    let mut out: Vec<TextLine> = Vec::new();
    let mut open = false;
    for raw in text.split('\n') {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let quote = raw
            .bytes()
            .take_while(|b| *b == b'>' || (*b == b' ' && !flowed))
            .filter(|b| *b == b'>')
            .count();
        let mut body = if flowed {
            &raw[raw.bytes().take_while(|b| *b == b'>').count()..]
        } else {
            raw
        };
        if flowed {
            // Space-stuffing: one leading space was added by the sender.
            body = body.strip_prefix(' ').unwrap_or(body);
        }
        let quote = u8::try_from(quote).unwrap_or(u8::MAX);
        // The signature separator is never joined.
        let soft = flowed && body.ends_with(' ') && body != "-- ";
        let piece = if soft && delsp {
            &body[..body.len() - 1]
        } else {
            body
        };
        match out.last_mut() {
            Some(last) if open && last.quote == quote => last.text.push_str(piece),
            _ => out.push(TextLine {
                quote,
                text: if flowed {
                    piece.to_string()
                } else {
                    raw.to_string()
                },
            }),
        }
        open = soft;
    }
    while out.last().is_some_and(|l| l.text.trim().is_empty()) {
        out.pop();
    }
    out
}

/// The `<img>` sources an HTML body would load from the network.
pub fn remote_content(html: &str) -> RemoteContent {
    let mut out = RemoteContent::default();
    let lower = html.to_ascii_lowercase();
    let mut at = 0;
    while let Some(start) = lower[at..].find("<img") {
        let start = at + start;
        let end = lower[start..].find('>').map_or(lower.len(), |e| start + e);
        let tag = &html[start..end];
        at = end.max(start + 4);
        let Some(src) = attribute(tag, "src") else {
            continue;
        };
        let src = src.trim().to_string();
        if !(src.starts_with("http://") || src.starts_with("https://") || src.starts_with("//")) {
            continue;
        }
        let tiny = |name: &str| {
            attribute(tag, name).is_some_and(|v| {
                v.trim()
                    .trim_end_matches("px")
                    .parse::<u32>()
                    .is_ok_and(|n| n <= 1)
            })
        };
        let style = attribute(tag, "style")
            .unwrap_or_default()
            .to_ascii_lowercase()
            .replace(' ', "");
        let hidden = style.contains("display:none")
            || style.contains("visibility:hidden")
            || attribute(tag, "hidden").is_some();
        if (tiny("width") && tiny("height")) || hidden {
            out.trackers.push(src.clone());
        }
        out.images.push(src);
    }
    out
}

/// The value of attribute `name` in a tag's text (`name="v"`, `name='v'` or `name=v`).
fn attribute(tag: &str, name: &str) -> Option<String> {
    let lower = tag.to_ascii_lowercase();
    let mut from = 0;
    while let Some(pos) = lower[from..].find(name) {
        let pos = from + pos;
        from = pos + name.len();
        let before = lower[..pos].chars().next_back();
        if !before.is_some_and(char::is_whitespace) {
            continue;
        }
        let rest = tag[pos + name.len()..].trim_start();
        let Some(rest) = rest.strip_prefix('=') else {
            // A bare attribute such as `hidden`.
            if rest.is_empty() || rest.starts_with(char::is_whitespace) || rest.starts_with('/') {
                return Some(String::new());
            }
            continue;
        };
        let rest = rest.trim_start();
        return Some(match rest.chars().next() {
            Some(q @ ('"' | '\'')) => rest[1..].split(q).next().unwrap_or("").to_string(),
            _ => rest
                .split(|c: char| c.is_whitespace() || c == '>')
                .next()
                .unwrap_or("")
                .to_string(),
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corpus(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/tests/mail-corpus/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("corpus")
    }

    #[test]
    fn flowed_text_is_joined_by_quote_level() {
        let r = render(&corpus("11-flowed.eml"));
        let lines: Vec<(u8, &str)> = r.text.iter().map(|l| (l.quote, l.text.as_str())).collect();
        assert_eq!(lines[0], (0, "Alice wrote:"));
        assert_eq!(
            lines[1],
            (
                2,
                "This is a long quoted line at the second level that was broken by the sender's client into three."
            )
        );
        assert_eq!(lines[2], (1, "A first-level quote that is one paragraph."));
        assert!(lines.iter().any(|(q, t)| *q == 0
            && t.starts_with("My answer is a paragraph")
            && t.ends_with("when shown.")));
        assert!(
            lines.iter().any(|(_, t)| *t == "-- "),
            "the signature separator stays: {lines:?}"
        );
    }

    #[test]
    fn charsets_of_the_corpus_decode() {
        for (file, want) in [
            ("03-qp-latin1.eml", "Grüße aus Köln, café crème"),
            ("04-base64-latin2.eml", "Zażółć gęślą jaźń."),
            (
                "05-koi8r.eml",
                "Съешь же ещё этих мягких французских булок.",
            ),
            ("06-iso2022jp.eml", "明日の会議は十時からです。"),
            ("07-gb18030.eml", "这是一封用GB18030编码的邮件。"),
        ] {
            let r = render(&corpus(file));
            let text: String = r
                .text
                .iter()
                .map(|l| l.text.as_str())
                .collect::<Vec<_>>()
                .join("\n");
            assert!(text.contains(want), "{file}: {text:?}");
        }
    }

    #[test]
    fn attachments_get_safe_names() {
        let r = render(&corpus("08-rfc2231.eml"));
        let names: Vec<&str> = r.attachments.iter().map(|a| a.name.as_str()).collect();
        assert!(names.contains(&"Résumé €.txt"), "{names:?}");
        assert!(
            names.contains(&"Sehr langer Dateiname mit ümlaut und Fortsetzung.bin"),
            "{names:?}"
        );
        let r = render(&corpus("02-nested.eml"));
        let names: Vec<&str> = r.attachments.iter().map(|a| a.name.as_str()).collect();
        assert!(names.contains(&"notes.txt"), "{names:?}");
        assert!(
            names
                .iter()
                .all(|n| !n.contains('/') && !n.starts_with('.')),
            "{names:?}"
        );
        assert!(
            r.html
                .as_deref()
                .is_some_and(|h| h.contains("cid:logo@example.test"))
        );
        let logo = r
            .attachments
            .iter()
            .find(|a| a.content_id.as_deref() == Some("logo@example.test"))
            .expect("cid image");
        assert!(logo.inline && logo.mime == "image/png");
        let bytes = attachment_bytes(&corpus("02-nested.eml"), logo.index).expect("bytes");
        assert!(bytes.starts_with(b"\x89PNG"));
    }

    #[test]
    fn remote_images_and_trackers_are_counted() {
        let r = render(&corpus("10-html-tracking.eml"));
        assert_eq!(r.remote.images.len(), 3, "{:?}", r.remote);
        assert_eq!(
            r.remote.trackers,
            vec![
                "https://track.example.test/open?id=42",
                "https://track.example.test/hidden.gif"
            ]
        );
        assert!(r.attachments.iter().any(|a| a.inline));
    }

    #[test]
    fn a_broken_boundary_still_shows_both_parts() {
        let r = render(&corpus("09-broken-boundary.eml"));
        let text: String = r
            .text
            .iter()
            .map(|l| l.text.as_str())
            .collect::<Vec<_>>()
            .join("\n");
        assert!(text.contains("The first part is fine."), "{text:?}");
        let all = format!("{text}{:?}", r.attachments);
        assert!(
            all.contains("second part") || r.attachments.len() == 1,
            "{all}"
        );
    }

    #[test]
    fn a_charset_chosen_by_the_reader_decodes_the_text() {
        // Latin-1 bytes declared as UTF-8: shown with replacement characters, until the reader
        // says ISO-8859-1.
        let raw = b"From: a@b\r\nSubject: x\r\nContent-Type: text/plain;\r\n charset=utf-8; format=flowed\r\n\r\ncaf\xe9 cr\xe8me\r\n";
        let text = |r: &Rendered| {
            r.text
                .iter()
                .map(|l| l.text.clone())
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert!(!text(&render(raw)).contains("café"));
        let fixed = with_charset(raw, "ISO-8859-1");
        assert_eq!(text(&render(&fixed)), "café crème");
        // No Content-Type at all: text/plain in that charset.
        let bare = b"Subject: y\r\n\r\n\xd0\xd2\xc9\xd7\xc5\xd4\r\n";
        assert_eq!(text(&render(&with_charset(bare, "KOI8-R"))), "привет");
        // Inside a multipart, each text part; a hostile label is cut to a token.
        let multi = std::fs::read(format!(
            "{}/tests/mail-corpus/02-nested.eml",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("corpus");
        let changed = with_charset(&multi, "ISO-8859-2\r\nX-Evil: 1");
        assert!(!String::from_utf8_lossy(&changed).contains("X-Evil: 1\r\n"));
        assert!(!render(&changed).attachments.is_empty());
    }

    #[test]
    fn garbage_is_shown_not_lost() {
        let r = render(b"\xff\xfe not a message at all");
        assert!(!r.text.is_empty());
        let r = render(b"");
        assert!(r.attachments.is_empty());
    }
}
