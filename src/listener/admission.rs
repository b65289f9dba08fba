//! Connection caps of one listener: how many connections may be open in total and how
//! many for one peer identity (an agency id on the transfer listener, a governance id on
//! the admin listener).
//!
//! The total is counted from TCP accept, so connections still in their TLS handshake
//! count too; a connection over the total is closed before its handshake. The per-peer
//! count starts once the handshake has named the peer; a connection over it is closed
//! (with a TLS close) before any request is read. Either refusal is counted in
//! `isagate_connections_refused_total` and logged once, naming the listener, the cap and
//! (for the per-peer cap) the identity from the certificate: configuration text, never
//! personal data.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use crate::telemetry::metrics::{self, CapKind};

/// The caps of one listener and its current counts.
#[derive(Debug)]
pub struct Admission {
    listener: &'static str,
    max_total: usize,
    max_per_peer: usize,
    counts: Mutex<Counts>,
}

#[derive(Debug, Default)]
struct Counts {
    total: usize,
    per_peer: HashMap<String, usize>,
}

/// One open connection, counted in the total until dropped.
#[derive(Debug)]
pub struct Admitted {
    admission: Arc<Admission>,
    /// The peer this connection is counted for, once the handshake named it.
    peer: Option<String>,
}

impl Admission {
    /// Caps for the listener named `listener` (`transfer`, `admin`).
    pub fn new(listener: &'static str, max_total: usize, max_per_peer: usize) -> Arc<Self> {
        Arc::new(Self { listener, max_total, max_per_peer, counts: Mutex::default() })
    }

    fn counts(&self) -> std::sync::MutexGuard<'_, Counts> {
        self.counts.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A newly accepted TCP connection; `None` (refused, counted, logged) over the total.
    pub fn accept(self: &Arc<Self>) -> Option<Admitted> {
        {
            let mut counts = self.counts();
            if counts.total >= self.max_total {
                drop(counts);
                metrics::connection_refused(self.listener, CapKind::Total);
                tracing::warn!(
                    listener = self.listener,
                    cap = self.max_total,
                    "connection refused: the listener's open connections are at \
                     `limits.max_connections`"
                );
                return None;
            }
            counts.total += 1;
        }
        metrics::connection_opened(self.listener);
        Some(Admitted { admission: Arc::clone(self), peer: None })
    }

    /// How many connections are open now (tests and logs).
    pub fn open(&self) -> usize {
        self.counts().total
    }
}

impl Admitted {
    /// The handshake named `peer`: count this connection for it, or `false` (refused,
    /// counted, logged) when the peer already holds its cap.
    pub fn identify(&mut self, peer: &str) -> bool {
        let a = &self.admission;
        {
            let mut counts = a.counts();
            let held = counts.per_peer.entry(peer.to_owned()).or_insert(0);
            if *held < a.max_per_peer {
                *held += 1;
                self.peer = Some(peer.to_owned());
                return true;
            }
        }
        metrics::connection_refused(a.listener, CapKind::Peer);
        tracing::warn!(
            listener = a.listener,
            peer,
            cap = a.max_per_peer,
            "connection refused: this identity's open connections are at \
             `limits.max_connections_per_agency`"
        );
        false
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let a = &self.admission;
        {
            let mut counts = a.counts();
            counts.total = counts.total.saturating_sub(1);
            if let Some(peer) = &self.peer {
                if let Some(held) = counts.per_peer.get_mut(peer) {
                    *held = held.saturating_sub(1);
                    if *held == 0 {
                        counts.per_peer.remove(peer);
                    }
                }
            }
        }
        metrics::connection_closed(a.listener);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_hold_and_free_on_drop() {
        let a = Admission::new("test", 3, 2);
        let mut one = a.accept().unwrap();
        let mut two = a.accept().unwrap();
        let mut three = a.accept().unwrap();
        assert!(a.accept().is_none(), "the total cap refuses the fourth");
        assert!(one.identify("lcc-ssc"));
        assert!(two.identify("lcc-ssc"));
        assert!(!three.identify("lcc-ssc"), "the per-peer cap refuses the third");
        drop(three);
        let mut other = a.accept().unwrap();
        assert!(other.identify("merseyside-police"), "another peer still connects");
        assert!(a.accept().is_none(), "three open again");
        drop(one);
        let mut again = a.accept().unwrap();
        assert!(again.identify("lcc-ssc"), "a freed slot of the agency is reused");
        assert_eq!(a.open(), 3);
        drop((two, other, again));
        assert_eq!(a.open(), 0);
    }
}
