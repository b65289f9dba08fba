//! The transfer listener: TCP accept, the TLS handshake (bounded in time), the caller's
//! identity from its verified certificate, then HTTP/1.1 or HTTP/2 with header-size and
//! header-read limits. Shutdown stops accepting, lets in-flight transfers finish (and
//! their records commit) within the drain deadline, then returns.

use std::future::Future;
use std::sync::Arc;

use tokio::net::TcpListener;

use crate::codes::problem::{self, Refusal};
use crate::codes::RefusalCode;
use crate::gateway::state::{GatewayState, Peer};
use crate::gateway::transfer;
use crate::tls::identity;
use crate::tls::server::ServerTls;

pub use crate::listener::ListenerOptions;

/// Identify the peer of a finished handshake.
pub fn peer_of(conn: &rustls::ServerConnection) -> Peer {
    let leaf = conn.peer_certificates().and_then(|c| c.first());
    match leaf {
        Some(der) => Peer {
            identity: identity::identity_from_der(der.as_ref()).ok(),
            cert_sha256: identity::cert_sha256(der.as_ref()),
        },
        None => Peer { identity: None, cert_sha256: String::new() },
    }
}

/// Serve transfers until `shutdown` resolves, then drain.
pub async fn serve_transfers(
    listener: TcpListener,
    tls: Arc<ServerTls>,
    state: Arc<GatewayState>,
    opts: ListenerOptions,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let on_connection = move |conn: &rustls::ServerConnection| {
        let peer = Arc::new(peer_of(conn));
        let state = Arc::clone(&state);
        move |req: http::Request<hyper::body::Incoming>| {
            let state = Arc::clone(&state);
            let peer = Arc::clone(&peer);
            async move {
                if smuggling_risk(&req) {
                    let r = Refusal::one(
                        RefusalCode::BadRequest,
                        "send the body with `Content-Length`; `Transfer-Encoding` is not accepted",
                    );
                    return problem::response(&r, None);
                }
                transfer::handle(state, peer, req).await
            }
        }
    };
    crate::listener::serve(listener, move || tls.acceptor(), opts, on_connection, shutdown).await
}

/// An HTTP/1.1 request with `Transfer-Encoding`: hyper would drop a conflicting
/// `Content-Length` silently, so the gateway refuses every such request (it never
/// forwards the caller's framing anyway). HTTP/2 has no `Transfer-Encoding`.
fn smuggling_risk<B>(req: &http::Request<B>) -> bool {
    req.headers().contains_key(http::header::TRANSFER_ENCODING)
}
