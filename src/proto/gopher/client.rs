//! Fetching gopher items: one request line, then the server's bytes until it closes.

use tokio::io::AsyncWriteExt as _;

use crate::link::GopherLink;
use crate::proto::net::{self, Limits, NetError};
use crate::proto::wire::{self, Flow};

/// Why a gopher fetch failed.
#[derive(Debug, thiserror::Error)]
pub enum GopherError {
    #[error(transparent)]
    Net(#[from] NetError),
    #[error("the selector contains a TAB, CR or LF, which gopher cannot send")]
    BadSelector,
}

/// The bytes sent for `link`: selector, TAB and search string for type 7, CR LF.
pub fn request_line(link: &GopherLink) -> Result<Vec<u8>, GopherError> {
    if link
        .selector
        .iter()
        .any(|b| matches!(*b, b'\t' | b'\r' | b'\n'))
    {
        return Err(GopherError::BadSelector);
    }
    let mut line = link.selector.clone();
    if let Some(q) = &link.search {
        if q.contains(['\r', '\n']) {
            return Err(GopherError::BadSelector);
        }
        line.push(b'\t');
        line.extend_from_slice(q.as_bytes());
    }
    line.extend_from_slice(b"\r\n");
    Ok(line)
}

async fn open(
    link: &GopherLink,
    limits: &Limits,
) -> Result<(tokio::net::TcpStream, String), GopherError> {
    let request = request_line(link)?;
    let session = format!("gopher {}", link.server.authority());
    let mut stream = net::connect(&link.server.host, link.server.port, limits).await?;
    wire::log(
        &session,
        Flow::Sent,
        request.strip_suffix(b"\r\n").unwrap_or(&request),
    );
    stream
        .write_all(&request)
        .await
        .map_err(|source| NetError::Io {
            addr: link.server.authority(),
            source,
        })?;
    Ok((stream, session))
}

/// Fetches a menu or text item into memory, bounded by `limits.max_body`.
/// `progress` gets the running byte count.
pub async fn fetch(
    link: &GopherLink,
    limits: &Limits,
    progress: impl FnMut(u64),
) -> Result<Vec<u8>, GopherError> {
    let (mut stream, session) = open(link, limits).await?;
    let body = net::read_to_end_bounded(
        &mut stream,
        limits.max_body,
        limits,
        &link.server.authority(),
        progress,
    )
    .await?;
    let first_line = body.split(|b| *b == b'\n').next().unwrap_or_default();
    wire::log(&session, Flow::Received, first_line);
    wire::log(
        &session,
        Flow::Note,
        format!("{} bytes, connection closed", body.len()).as_bytes(),
    );
    Ok(body)
}

/// Streams an item into `sink` (a `.part` file), returning the byte count.
pub async fn download<W: std::io::Write>(
    link: &GopherLink,
    sink: &mut W,
    limits: &Limits,
    progress: impl FnMut(u64),
) -> Result<u64, GopherError> {
    let (mut stream, session) = open(link, limits).await?;
    let n = net::copy_with_progress(
        &mut stream,
        sink,
        limits,
        &link.server.authority(),
        progress,
    )
    .await?;
    wire::log(
        &session,
        Flow::Note,
        format!("{n} bytes downloaded").as_bytes(),
    );
    Ok(n)
}

/// Removes the `.` line that some servers put after a text item.
pub fn strip_text_terminator(text: &[u8]) -> &[u8] {
    // (terminator, how many of its bytes end the last real line)
    for (end, keep) in [
        (&b"\r\n.\r\n"[..], 2),
        (b"\n.\n", 1),
        (b"\r\n.", 2),
        (b"\n.", 1),
    ] {
        if let Some(body) = text.strip_suffix(end) {
            return &text[..body.len() + keep];
        }
    }
    if text == b"." || text == b".\r\n" || text == b".\n" {
        return &[];
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::link::Server;

    fn link(selector: &[u8], search: Option<&str>) -> GopherLink {
        GopherLink {
            server: Server {
                host: "h".into(),
                port: 70,
                user: None,
                password: None,
                auth: None,
            },
            item_type: b'7',
            selector: selector.to_vec(),
            search: search.map(str::to_string),
        }
    }

    #[test]
    fn request_line_with_search() {
        assert_eq!(
            request_line(&link(b"/s", Some("apple"))).expect("ok"),
            b"/s\tapple\r\n"
        );
        assert_eq!(request_line(&link(b"", None)).expect("ok"), b"\r\n");
        assert!(request_line(&link(b"/a\r\nb", None)).is_err());
        assert!(request_line(&link(b"/a", Some("x\ny"))).is_err());
    }

    #[test]
    fn terminator_is_stripped_but_text_kept() {
        assert_eq!(strip_text_terminator(b"hello\r\n.\r\n"), b"hello\r\n");
        assert_eq!(strip_text_terminator(b"hello\n.\n"), b"hello\n");
        assert_eq!(strip_text_terminator(b"hello\n"), b"hello\n");
        assert_eq!(strip_text_terminator(b"a.\n"), b"a.\n");
        assert_eq!(strip_text_terminator(b".\r\n"), b"");
    }
}
