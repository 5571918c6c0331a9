//! A scripted in-process server for faults a real one will not produce (a reply cut in half,
//! a 10 MB line, a dropped connection, silence): it greets, then answers each command line by
//! the first entry of a script whose prefix the line starts with.

use std::time::Duration;

use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::TcpListener;

/// What the fake server does when a command starts with a prefix.
#[derive(Clone)]
pub enum Reply {
    /// These bytes (`{tag}` becomes the IMAP command's tag).
    Send(&'static str),
    /// These bytes, made at run time.
    Bytes(Vec<u8>),
    /// These bytes, then close the connection.
    SendAndClose(Vec<u8>),
    /// These bytes, then the same line for ever.
    Endless(&'static str, &'static str),
    /// Nothing at all, ever.
    Silence,
}

/// A server that greets with `greeting` and answers each command line by the first entry whose
/// prefix it starts with (after the tag, for IMAP).
/// Which protocol the fake speaks: how it reads a tag and refuses an unknown command.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Imap,
    Pop3,
    Nntp,
}

pub async fn scripted(
    greeting: Vec<u8>,
    script: Vec<(&'static str, Reply)>,
    dialect: Dialect,
) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let script = script.clone();
            let greeting = greeting.clone();
            tokio::spawn(async move {
                let (r, mut w) = stream.into_split();
                let mut r = BufReader::new(r);
                if w.write_all(&greeting).await.is_err() {
                    return;
                }
                let mut line = String::new();
                loop {
                    line.clear();
                    if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let (tag, command) = if dialect == Dialect::Imap {
                        line.split_once(' ').unwrap_or(("*", line.as_str()))
                    } else {
                        ("", line.as_str())
                    };
                    let command = command.to_ascii_uppercase();
                    let reply = script
                        .iter()
                        .find(|(prefix, _)| command.starts_with(prefix))
                        .map(|(_, r)| r.clone());
                    match reply {
                        Some(Reply::Send(text)) => {
                            let _ = w.write_all(text.replace("{tag}", tag).as_bytes()).await;
                        }
                        Some(Reply::Bytes(bytes)) => {
                            let _ = w.write_all(&bytes).await;
                        }
                        Some(Reply::SendAndClose(bytes)) => {
                            let _ = w.write_all(&bytes).await;
                            let _ = w.shutdown().await;
                            return;
                        }
                        Some(Reply::Endless(first, again)) => {
                            let _ = w.write_all(first.replace("{tag}", tag).as_bytes()).await;
                            while w.write_all(again.as_bytes()).await.is_ok() {}
                            return;
                        }
                        Some(Reply::Silence) => {
                            tokio::time::sleep(Duration::from_hours(1)).await;
                        }
                        None => {
                            let no = match dialect {
                                Dialect::Imap => format!("{tag} BAD unknown\r\n"),
                                Dialect::Pop3 => "-ERR unknown\r\n".to_string(),
                                Dialect::Nntp => "500 Unknown command\r\n".to_string(),
                            };
                            let _ = w.write_all(no.as_bytes()).await;
                        }
                    }
                }
            });
        }
    });
    port
}
