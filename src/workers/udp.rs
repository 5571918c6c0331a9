//! The Terminal panel's UDP socket: bound to a local address (loopback and a port the system
//! picks unless the user chose), it sends each datagram the user writes to the address they
//! gave and reports every datagram that arrives, with its source.

use std::net::SocketAddr;

use tokio::sync::mpsc;

use super::{MappedSink, Services};

/// Largest datagram read: the largest a UDP header can describe.
const MAX_DATAGRAM: usize = 65_535;

/// What the user asks of the socket.
#[derive(Debug)]
pub enum UdpCommand {
    /// Send `bytes` to `to` (`HOST:PORT`, resolved each time).
    Send { to: String, bytes: Vec<u8> },
}

/// What the socket reports.
#[derive(Debug)]
pub enum UdpEvent {
    /// Bound to this address.
    Bound(SocketAddr),
    /// A datagram went out.
    Sent { to: SocketAddr, bytes: Vec<u8> },
    /// A datagram arrived.
    Received { from: SocketAddr, bytes: Vec<u8> },
    /// Something failed, in words; the socket stays open unless binding failed.
    Failed { message: String, fatal: bool },
}

/// Closes the socket when dropped.
pub struct UdpHandle {
    commands: mpsc::UnboundedSender<UdpCommand>,
}

impl UdpHandle {
    pub fn send(&self, to: &str, bytes: Vec<u8>) {
        let _ = self.commands.send(UdpCommand::Send {
            to: to.to_string(),
            bytes,
        });
    }
}

/// Binds `local` and serves commands until the handle is dropped.
pub fn spawn<E: Send + 'static>(
    services: &Services,
    local: SocketAddr,
    events: MappedSink<UdpEvent, E>,
) -> UdpHandle {
    let (commands, mut rx) = mpsc::unbounded_channel::<UdpCommand>();
    services.runtime.spawn(async move {
        let socket = match tokio::net::UdpSocket::bind(local).await {
            Ok(s) => s,
            Err(e) => {
                events.send(UdpEvent::Failed {
                    message: crate::proto::net::bind_words(local, &e),
                    fatal: true,
                });
                return;
            }
        };
        if let Ok(bound) = socket.local_addr() {
            events.send(UdpEvent::Bound(bound));
        }
        let mut buf = vec![0u8; MAX_DATAGRAM];
        loop {
            tokio::select! {
                command = rx.recv() => match command {
                    None => return,
                    Some(UdpCommand::Send { to, bytes }) => {
                        match send_to(&socket, &to, &bytes).await {
                            Ok(addr) => events.send(UdpEvent::Sent { to: addr, bytes }),
                            Err(message) => events.send(UdpEvent::Failed { message, fatal: false }),
                        }
                    }
                },
                received = socket.recv_from(&mut buf) => match received {
                    Ok((n, from)) => events.send(UdpEvent::Received {
                        from,
                        bytes: buf[..n].to_vec(),
                    }),
                    // Linux reports an ICMP port-unreachable for an earlier datagram as an
                    // error on the next receive: worth saying, not worth closing for.
                    Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                        events.send(UdpEvent::Failed {
                            message: "the last datagram was refused: nothing listens on that port".into(),
                            fatal: false,
                        });
                    }
                    Err(e) => {
                        events.send(UdpEvent::Failed {
                            message: format!("receiving failed: {e}"),
                            fatal: true,
                        });
                        return;
                    }
                },
            }
        }
    });
    UdpHandle { commands }
}

async fn send_to(
    socket: &tokio::net::UdpSocket,
    to: &str,
    bytes: &[u8],
) -> Result<SocketAddr, String> {
    let local_v6 = socket.local_addr().is_ok_and(|a| a.is_ipv6());
    let addr = tokio::net::lookup_host(to)
        .await
        .map_err(|e| format!("cannot resolve {to}: {e}"))?
        .find(|a| a.is_ipv6() == local_v6)
        .ok_or_else(|| {
            format!(
                "{to} has no {} address to send to from this socket",
                if local_v6 { "IPv6" } else { "IPv4" }
            )
        })?;
    socket
        .send_to(bytes, addr)
        .await
        .map_err(|e| format!("sending to {addr} failed: {e}"))?;
    Ok(addr)
}
