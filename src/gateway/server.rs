//! The transfer listener: TCP accept, the TLS handshake (bounded in time), the caller's
//! identity from its verified certificate, then HTTP/1.1 or HTTP/2 with header-size and
//! header-read limits. Shutdown stops accepting, lets in-flight transfers finish (and
//! their records commit) within the drain deadline, then returns.
//!
//! Each request runs inside a root span named `transfer` (see [`transfer_span`]); the
//! pipeline records its agreement facts on it and opens one child span per stage.

use std::future::Future;
use std::sync::Arc;

use tokio::net::TcpListener;
use tracing::field::Empty;
use tracing::Instrument as _;

use crate::gateway::state::{GatewayState, Peer};
use crate::gateway::transfer;
use crate::telemetry::trace_context;
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
            let span = transfer_span(req.headers());
            transfer::handle(state, peer, req).instrument(span)
        }
    };
    crate::listener::serve(listener, move || tls.acceptor(), opts, on_connection, shutdown).await
}

/// The root span of one transfer. It never continues the caller's trace: a caller's
/// well-formed `traceparent` becomes a link. Its fields are agreement and schema facts
/// only, recorded by the pipeline as they become known; never personal data.
pub fn transfer_span(headers: &http::HeaderMap) -> tracing::Span {
    let span = tracing::info_span!(
        parent: None,
        "transfer",
        otel.kind = "server",
        isagate.agreement.id = Empty,
        isagate.agreement.version = Empty,
        isagate.flow = Empty,
        isagate.purpose = Empty,
        isagate.outcome = Empty,
        isagate.code = Empty,
    );
    trace_context::link_caller_trace(&span, headers);
    span
}
