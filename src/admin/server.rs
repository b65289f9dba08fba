//! The admin listener's connections: TCP accept, the TLS handshake (bounded in time), the
//! peer's identity from its verified certificate, then HTTP/1.1 or HTTP/2. Shutdown stops
//! accepting and lets in-flight requests finish within the drain deadline.
//!
//! The TLS configuration (client CA, CRLs, clientAuth EKU) is the `tls` module's: this
//! listener refuses nothing at the TLS layer that the transfer listener would accept; it
//! refuses non-governance identities at the HTTP layer, with a record.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Limited};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use super::error::{self, AdminError};
use super::reply;
use super::{AdminIdentity, AdminPeer, AdminState};
use crate::tls::identity::{self, PeerIdentity};
use crate::tls::server::ServerTls;

/// Where the listener gets its current TLS acceptor (swapped on CRL reloads).
pub trait AcceptorSource: Send + Sync + 'static {
    fn acceptor(&self) -> TlsAcceptor;
}

impl AcceptorSource for TlsAcceptor {
    fn acceptor(&self) -> TlsAcceptor {
        self.clone()
    }
}

/// The gateway's reloadable admin TLS (fresh config on CRL changes).
impl AcceptorSource for ServerTls {
    fn acceptor(&self) -> TlsAcceptor {
        ServerTls::acceptor(self)
    }
}

const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
const BODY_TIMEOUT: Duration = Duration::from_secs(30);
const DRAIN: Duration = Duration::from_secs(30);

/// The identity in a verified leaf certificate (`tls::identity`); a certificate with no
/// identity, or several, has none and is refused at the HTTP layer.
pub fn peer_of_der(der: &[u8]) -> AdminPeer {
    let identity = identity::identity_from_der(der).ok().map(|id| match id {
        PeerIdentity::Governance(_) => AdminIdentity::Governance(id.to_uri()),
        PeerIdentity::Agency(a) => AdminIdentity::Agency(a),
    });
    AdminPeer { identity, cert_sha256: identity::cert_sha256(der) }
}

fn peer_of(conn: &rustls::ServerConnection) -> AdminPeer {
    match conn.peer_certificates().and_then(|c| c.first()) {
        Some(der) => peer_of_der(der.as_ref()),
        None => AdminPeer { identity: None, cert_sha256: String::new() },
    }
}

/// Serve the admin API until `shutdown` resolves, then drain.
pub async fn serve_admin<T: AcceptorSource>(
    listener: TcpListener,
    tls: Arc<T>,
    state: Arc<AdminState>,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let opts = crate::listener::ListenerOptions {
        name: "admin",
        handshake_timeout: HANDSHAKE_TIMEOUT,
        header_read_timeout: HEADER_READ_TIMEOUT,
        max_concurrent_streams: 64,
        drain: DRAIN,
        ..crate::listener::ListenerOptions::default()
    };
    // One connection's state and peer, shared by its requests (one clone per request).
    let on_connection = move |conn: &rustls::ServerConnection| {
        let shared = Arc::new((Arc::clone(&state), peer_of(conn)));
        move |req: http::Request<hyper::body::Incoming>| {
            let shared = Arc::clone(&shared);
            async move { serve_one(&shared.0, &shared.1, req).await }
        }
    };
    crate::listener::serve(listener, move || tls.acceptor(), opts, on_connection, shutdown).await
}

async fn serve_one(
    state: &AdminState,
    peer: &AdminPeer,
    req: http::Request<hyper::body::Incoming>,
) -> reply::Reply {
    let (parts, incoming) = req.into_parts();
    let collected =
        tokio::time::timeout(BODY_TIMEOUT, Limited::new(incoming, state.max_body).collect()).await;
    let console = crate::console::serves(parts.uri.path());
    let body: Bytes = match collected {
        Ok(Ok(c)) => c.to_bytes(),
        Ok(Err(_)) if console => return crate::console::too_large(),
        Ok(Err(_)) => return error::render(Err(AdminError::BodyTooLarge)),
        Err(_) => return error::render(Err(AdminError::BodyTimeout)),
    };
    if console {
        return crate::console::handle(state, peer, &parts, body).await;
    }
    super::router::handle(state, peer, &parts.method, &parts.uri, body).await
}
