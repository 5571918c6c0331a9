//! The Terminal panel's listener: accepts TCP peers on an address the user chose (loopback
//! unless they picked another) and hands each to the panel, which opens it as a raw session
//! in a tab of its own.

use std::net::SocketAddr;

use tokio::sync::oneshot;

use super::{MappedSink, Services};

/// What the listener reports.
#[derive(Debug)]
pub enum ListenEvent {
    /// Listening on this address (the port the system gave, when 0 was asked).
    Listening(SocketAddr),
    /// A peer connected.
    Peer(tokio::net::TcpStream, SocketAddr),
    /// Listening failed or stopped on an error, in words.
    Failed(String),
}

/// Stops the listener when dropped or fired.
pub struct ListenHandle {
    _stop: oneshot::Sender<()>,
}

/// Binds `addr` and accepts until the handle is dropped.
pub fn spawn<E: Send + 'static>(
    services: &Services,
    addr: SocketAddr,
    events: MappedSink<ListenEvent, E>,
) -> ListenHandle {
    let (stop, mut stopped) = oneshot::channel::<()>();
    services.runtime.spawn(async move {
        let listener = match tokio::net::TcpListener::bind(addr).await {
            Ok(l) => l,
            Err(e) => {
                events.send(ListenEvent::Failed(crate::proto::net::bind_words(addr, &e)));
                return;
            }
        };
        match listener.local_addr() {
            Ok(bound) => events.send(ListenEvent::Listening(bound)),
            Err(e) => {
                events.send(ListenEvent::Failed(format!("cannot listen on {addr}: {e}")));
                return;
            }
        }
        loop {
            tokio::select! {
                _ = &mut stopped => return,
                accepted = listener.accept() => match accepted {
                    Ok((peer, from)) => {
                        let _ = peer.set_nodelay(true);
                        events.send(ListenEvent::Peer(peer, from));
                    }
                    Err(e) => {
                        events.send(ListenEvent::Failed(format!("accepting on {addr} failed: {e}")));
                        return;
                    }
                },
            }
        }
    });
    ListenHandle { _stop: stop }
}
