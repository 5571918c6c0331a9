//! Raw TCP from the command line, as `nc` is used: `portolan tcp` connects standard input and
//! output to a peer, `portolan listen` waits for peers (and with `--receive` writes what one
//! sends to a file), `portolan send-file` sends a file's bytes. The copying runs on plain
//! threads with large buffers: a transfer is one stream each way, and the runtime would add a
//! hop per read of standard input.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Instant;

use super::{CliError, err};
use crate::proto::net::Limits;

/// Bytes moved per read and write.
const CHUNK: usize = 256 * 1024;

/// `HOST:PORT`, `[V6]:PORT` or `V6:PORT` split; a name is resolved later.
pub fn host_port(text: &str) -> Result<(String, u16), CliError> {
    let bad = || {
        CliError(format!(
            "{text:?} is not HOST:PORT (a port from 1 to 65535)"
        ))
    };
    let (host, port) = if let Some(rest) = text.strip_prefix('[') {
        let (host, port) = rest.split_once("]:").ok_or_else(bad)?;
        (host, port)
    } else {
        text.rsplit_once(':').ok_or_else(bad)?
    };
    let port: u16 = port.parse().ok().filter(|p| *p > 0).ok_or_else(bad)?;
    if host.is_empty() {
        return Err(bad());
    }
    Ok((host.to_string(), port))
}

/// `[ADDR:]PORT` for listening: loopback unless an address is given.
pub fn listen_addr(text: &str) -> Result<SocketAddr, CliError> {
    let bad = || {
        CliError(format!(
            "{text:?} is not [ADDRESS:]PORT with a numeric address"
        ))
    };
    if let Ok(port) = text.parse::<u16>() {
        return Ok(SocketAddr::from(([127, 0, 0, 1], port)));
    }
    let (host, port) = host_port(text).map_err(|_| bad())?;
    if host == "localhost" {
        return Ok(SocketAddr::from(([127, 0, 0, 1], port)));
    }
    let ip: std::net::IpAddr = host.parse().map_err(|_| bad())?;
    Ok(SocketAddr::new(ip, port))
}

async fn connect(target: &str, limits: &Limits) -> Result<TcpStream, CliError> {
    let (host, port) = host_port(target)?;
    let stream = crate::proto::net::connect(&host, port, limits)
        .await
        .map_err(err)?
        .into_std()
        .map_err(err)?;
    stream.set_nonblocking(false).map_err(err)?;
    Ok(stream)
}

/// Which side of a copy failed.
#[derive(Debug)]
enum CopyError {
    Read(std::io::Error),
    Write(std::io::Error),
}

impl CopyError {
    fn io(&self) -> &std::io::Error {
        match self {
            CopyError::Read(e) | CopyError::Write(e) => e,
        }
    }
}

/// Copies until the reader ends; returns the bytes copied.
fn copy(from: &mut impl Read, to: &mut impl Write) -> Result<u64, CopyError> {
    let mut buf = vec![0u8; CHUNK];
    let mut total = 0u64;
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) => return Ok(total),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(CopyError::Read(e)),
        };
        to.write_all(&buf[..n]).map_err(CopyError::Write)?;
        total += n as u64;
    }
}

/// What an I/O error on a peer's connection means, in words.
fn peer_error(peer: &str, e: &std::io::Error) -> CliError {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted => {
            CliError(format!("{peer} broke the connection off (reset)"))
        }
        ErrorKind::BrokenPipe => {
            CliError(format!("{peer} stopped reading: the connection is closed"))
        }
        _ => CliError(format!("the connection with {peer} failed: {e}")),
    }
}

/// Standard input goes to the peer (its end closes our sending side, so the peer sees it), and
/// what the peer sends goes to standard output until the peer closes. Then, when standard
/// input is a file or a pipe, what it still holds is sent too (the peer only said it will send
/// no more); at a terminal the session ends there, as a person expects.
fn converse(stream: &TcpStream, peer: &str) -> Result<(), CliError> {
    use std::io::IsTerminal as _;
    let mut up = stream.try_clone().map_err(err)?;
    let pump = std::thread::spawn(move || {
        let mut stdin = std::io::stdin().lock();
        let sent = copy(&mut stdin, &mut up);
        let _ = up.shutdown(Shutdown::Write);
        sent
    });
    let mut stdout = std::io::stdout().lock();
    copy(&mut &*stream, &mut stdout).map_err(|e| peer_error(peer, e.io()))?;
    stdout.flush().map_err(err)?;
    if !std::io::stdin().is_terminal() {
        match pump.join() {
            Ok(Err(CopyError::Write(e))) => return Err(peer_error(peer, &e)),
            Ok(Err(CopyError::Read(e))) => {
                return Err(CliError(format!("reading standard input failed: {e}")));
            }
            _ => {}
        }
    }
    Ok(())
}

/// `portolan tcp HOST:PORT`.
pub async fn tcp(target: &str, limits: &Limits) -> Result<(), CliError> {
    let stream = connect(target, limits).await?;
    converse(&stream, target)
}

/// `portolan send-file FILE HOST:PORT`: the file's bytes, then the end of our side; done when
/// the peer has closed its side too (it read everything).
pub async fn send_file(file: &Path, target: &str, limits: &Limits) -> Result<(), CliError> {
    let mut input = std::fs::File::open(file)
        .map_err(|e| CliError(format!("cannot read {}: {e}", file.display())))?;
    let stream = connect(target, limits).await?;
    let started = Instant::now();
    let sent = copy(&mut input, &mut &stream).map_err(|e| match e {
        CopyError::Read(e) => CliError(format!("cannot read {}: {e}", file.display())),
        CopyError::Write(e) => peer_error(target, &e),
    })?;
    stream.shutdown(Shutdown::Write).map_err(err)?;
    // Whatever the peer answers is shown; its close says it has it all.
    let mut stdout = std::io::stdout().lock();
    copy(&mut &stream, &mut stdout).map_err(|e| peer_error(target, e.io()))?;
    stdout.flush().map_err(err)?;
    let secs = started.elapsed().as_secs_f64();
    #[allow(clippy::print_stderr)]
    {
        eprintln!(
            "sent {} ({sent} bytes) to {target} in {secs:.2} s ({:.1} MB/s)",
            file.display(),
            sent as f64 / 1e6 / secs.max(1e-9)
        );
    }
    Ok(())
}

fn bind(addr: SocketAddr) -> Result<TcpListener, CliError> {
    let listener =
        TcpListener::bind(addr).map_err(|e| CliError(crate::proto::net::bind_words(addr, &e)))?;
    #[allow(clippy::print_stderr)]
    {
        if !addr.ip().is_loopback() {
            eprintln!(
                "warning: listening on {addr}, not on loopback: anyone who can reach this machine can connect"
            );
        }
        eprintln!("listening on {}", listener.local_addr().map_err(err)?);
    }
    Ok(listener)
}

/// The peer standard input goes to, shared by the accepting loop and the standard input
/// thread.
#[derive(Default)]
struct Current {
    peer: Option<TcpStream>,
    /// Standard input has ended: each new peer hears the end at once.
    input_ended: bool,
}

/// `portolan listen [ADDR:]PORT [--once]`: each peer in turn is connected to standard input
/// and output. What is typed before a peer connects waits for it.
pub fn listen(addr: SocketAddr, once: bool) -> Result<(), CliError> {
    let listener = bind(addr)?;
    let current = Arc::new((Mutex::new(Current::default()), Condvar::new()));
    let shared = current.clone();
    let mut pump = Some(std::thread::spawn(move || {
        let (lock, peer_came) = &*shared;
        let mut stdin = std::io::stdin().lock();
        let mut buf = vec![0u8; CHUNK];
        loop {
            let n = match stdin.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            let Ok(mut now) = lock.lock() else { return };
            while now.peer.is_none() {
                let Ok(next) = peer_came.wait(now) else {
                    return;
                };
                now = next;
            }
            if let Some(stream) = now.peer.as_mut()
                && stream.write_all(&buf[..n]).is_err()
            {
                now.peer = None;
            }
        }
        if let Ok(mut now) = lock.lock() {
            now.input_ended = true;
            if let Some(stream) = now.peer.as_ref() {
                let _ = stream.shutdown(Shutdown::Write);
            }
        }
    }));
    let (lock, peer_came) = &*current;
    loop {
        let (stream, from) = listener.accept().map_err(err)?;
        #[allow(clippy::print_stderr)]
        {
            eprintln!("connection from {from}");
        }
        if let Ok(mut now) = lock.lock() {
            if now.input_ended {
                let _ = stream.shutdown(Shutdown::Write);
            }
            now.peer = stream.try_clone().ok();
            peer_came.notify_all();
        }
        let mut stdout = std::io::stdout().lock();
        let result = copy(&mut &stream, &mut stdout);
        let _ = stdout.flush();
        drop(stdout);
        if once {
            // The peer said it sends no more; a file or pipe on standard input still goes to
            // it, whole (at a terminal the session ends here).
            if !std::io::IsTerminal::is_terminal(&std::io::stdin())
                && let Some(pump) = pump.take()
            {
                let _ = pump.join();
            }
        } else if let Ok(mut now) = lock.lock() {
            now.peer = None;
        }
        #[allow(clippy::print_stderr)]
        {
            match &result {
                Ok(_) => eprintln!("{from} closed the connection"),
                Err(e) => eprintln!("{}", peer_error(&from.to_string(), e.io())),
            }
        }
        if once {
            return result
                .map(|_| ())
                .map_err(|e| peer_error(&from.to_string(), e.io()));
        }
    }
}

/// `portolan listen [ADDR:]PORT --receive FILE`: the first peer's bytes into `FILE.part`,
/// renamed to `FILE` when the peer closes the connection. A connection broken off (a reset)
/// leaves `FILE.part` with what arrived, and fails. The name is the user's, never the peer's.
pub fn receive(addr: SocketAddr, file: &Path) -> Result<(), CliError> {
    let listener = bind(addr)?;
    let (stream, from) = listener.accept().map_err(err)?;
    let part = crate::filename::part_path(file);
    let mut out = std::fs::File::create(&part)
        .map_err(|e| CliError(format!("cannot write {}: {e}", part.display())))?;
    let started = Instant::now();
    let got = match copy(&mut &stream, &mut out) {
        Ok(n) => n,
        Err(CopyError::Write(e)) => {
            return Err(CliError(format!(
                "writing {} failed: {e}; what arrived is kept there",
                part.display()
            )));
        }
        Err(CopyError::Read(e)) => {
            let _ = out.sync_all();
            return Err(CliError(format!(
                "{}; what arrived is kept in {}",
                peer_error(&from.to_string(), &e),
                part.display()
            )));
        }
    };
    out.sync_all()
        .map_err(|e| CliError(format!("cannot write {}: {e}", part.display())))?;
    drop(out);
    std::fs::rename(&part, file).map_err(|e| {
        CliError(format!(
            "cannot rename {} to {}: {e}",
            part.display(),
            file.display()
        ))
    })?;
    let secs = started.elapsed().as_secs_f64();
    #[allow(clippy::print_stderr)]
    {
        eprintln!(
            "received {} ({got} bytes) from {from} in {secs:.2} s",
            file.display()
        );
    }
    Ok(())
}

/// `portolan udp HOST:PORT`: each line of standard input goes as a datagram (with its line
/// end, as `nc -u` sends it); replies are written to standard output as they come, and where
/// one came from somewhere else than HOST:PORT, its source is said on standard error. After
/// the end of standard input, replies are awaited until none came for `wait` seconds.
pub fn udp(target: &str, wait: f64) -> Result<(), CliError> {
    use std::net::{ToSocketAddrs as _, UdpSocket};
    let (host, port) = host_port(target)?;
    let peer = (host.as_str(), port)
        .to_socket_addrs()
        .map_err(|e| CliError(format!("cannot resolve {host}: {e}")))?
        .next()
        .ok_or_else(|| CliError(format!("{host} has no address")))?;
    let local: SocketAddr = if peer.is_ipv4() {
        SocketAddr::from(([0, 0, 0, 0], 0))
    } else {
        SocketAddr::from(([0u16; 8], 0))
    };
    let socket =
        UdpSocket::bind(local).map_err(|e| CliError(format!("cannot open a UDP socket: {e}")))?;
    let wait = std::time::Duration::from_secs_f64(wait.clamp(0.05, 3600.0));
    socket.set_read_timeout(Some(wait)).map_err(err)?;
    let receiver = socket.try_clone().map_err(err)?;
    let input_done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let done = input_done.clone();
    let replies = std::thread::spawn(move || -> Result<(), CliError> {
        let mut buf = vec![0u8; 65_536];
        let mut got = 0u64;
        loop {
            match receiver.recv_from(&mut buf) {
                Ok((n, from)) => {
                    got += 1;
                    let mut stdout = std::io::stdout().lock();
                    stdout.write_all(&buf[..n]).map_err(err)?;
                    stdout.flush().map_err(err)?;
                    if from != peer {
                        #[allow(clippy::print_stderr)]
                        {
                            eprintln!("(the reply above came from {from})");
                        }
                    }
                }
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    if done.load(std::sync::atomic::Ordering::SeqCst) {
                        if got == 0 {
                            #[allow(clippy::print_stderr)]
                            {
                                eprintln!(
                                    "no reply from {peer} (UDP does not say whether anything listens)"
                                );
                            }
                        }
                        return Ok(());
                    }
                }
                // An ICMP "port unreachable" for an earlier datagram.
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                    return Err(CliError(format!(
                        "{peer} answered that nothing listens on UDP port {port}"
                    )));
                }
                Err(e) => return Err(CliError(format!("receiving failed: {e}"))),
            }
        }
    });
    let mut line = Vec::new();
    let mut stdin = std::io::stdin().lock();
    loop {
        line.clear();
        let n = std::io::BufRead::read_until(&mut stdin, b'\n', &mut line)
            .map_err(|e| CliError(format!("reading standard input failed: {e}")))?;
        if n == 0 {
            break;
        }
        if line.len() > 65_507 {
            return Err(CliError(format!(
                "a line of {} bytes is more than one UDP datagram holds (65,507)",
                line.len()
            )));
        }
        socket
            .send_to(&line, peer)
            .map_err(|e| CliError(format!("sending to {peer} failed: {e}")))?;
    }
    input_done.store(true, std::sync::atomic::Ordering::SeqCst);
    replies
        .join()
        .map_err(|_| CliError("the receiving thread failed".into()))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_as_people_type_them() {
        assert_eq!(
            host_port("example.org:7").ok(),
            Some(("example.org".into(), 7))
        );
        assert_eq!(host_port("[::1]:2323").ok(), Some(("::1".into(), 2323)));
        for bad in [
            "example.org",
            ":80",
            "host:0",
            "host:99999",
            "[::1]80",
            "host:port",
        ] {
            assert!(host_port(bad).is_err(), "{bad}");
        }
        assert_eq!(
            listen_addr("9000").ok(),
            Some(SocketAddr::from(([127, 0, 0, 1], 9000)))
        );
        assert_eq!(
            listen_addr("0.0.0.0:9000").ok(),
            Some(SocketAddr::from(([0, 0, 0, 0], 9000)))
        );
        assert!(listen_addr("[::1]:9000").is_ok_and(|a| a.ip().is_loopback()));
        assert!(listen_addr("somewhere:9000").is_err());
    }
}
