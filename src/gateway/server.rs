//! The transfer listener: TCP accept, the TLS handshake (bounded in time), the caller's
//! identity from its verified certificate, then HTTP/1.1 or HTTP/2 with header-size and
//! header-read limits. Shutdown stops accepting, lets in-flight transfers finish (and
//! their records commit) within the drain deadline, then returns.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;

use crate::codes::RefusalCode;
use crate::gateway::problem::{self, Refusal};
use crate::gateway::state::{GatewayState, Peer};
use crate::gateway::transfer;
use crate::tls::identity;
use crate::tls::server::ServerTls;

/// Connection-level limits.
#[derive(Debug, Clone)]
pub struct ListenerOptions {
    pub handshake_timeout: Duration,
    pub header_read_timeout: Duration,
    pub max_header_bytes: usize,
    pub drain: Duration,
}

impl Default for ListenerOptions {
    fn default() -> Self {
        Self {
            handshake_timeout: Duration::from_secs(10),
            header_read_timeout: Duration::from_secs(10),
            max_header_bytes: 16 * 1024,
            drain: Duration::from_secs(30),
        }
    }
}

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
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (tcp, _addr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = tcp.set_nodelay(true);
        let acceptor = tls.acceptor();
        let state = Arc::clone(&state);
        let opts = opts.clone();
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let stream = match tokio::time::timeout(opts.handshake_timeout, acceptor.accept(tcp)).await {
                Ok(Ok(s)) => s,
                Ok(Err(e)) => {
                    tracing::info!(error = %e, "TLS handshake refused");
                    crate::telemetry::metrics::tls_handshake_refused();
                    return;
                }
                Err(_) => return,
            };
            let peer = Arc::new(peer_of(stream.get_ref().1));
            let service = service_fn(move |req: http::Request<hyper::body::Incoming>| {
                let state = Arc::clone(&state);
                let peer = Arc::clone(&peer);
                async move {
                    if smuggling_risk(&req) {
                        let r = Refusal::one(
                            RefusalCode::BadRequest,
                            "send the body with `Content-Length`; `Transfer-Encoding` is not accepted",
                        );
                        return Ok::<_, Infallible>(problem::response(&r, None));
                    }
                    Ok::<_, Infallible>(transfer::handle(state, peer, req).await)
                }
            });
            let mut builder = auto::Builder::new(TokioExecutor::new());
            builder
                .http1()
                .timer(TokioTimer::new())
                .header_read_timeout(opts.header_read_timeout)
                .max_buf_size(opts.max_header_bytes.max(8192));
            builder
                .http2()
                .timer(TokioTimer::new())
                .max_header_list_size(u32::try_from(opts.max_header_bytes).unwrap_or(u32::MAX))
                .max_concurrent_streams(256);
            let conn = builder.serve_connection(TokioIo::new(stream), service).into_owned();
            if let Err(e) = watcher.watch(conn).await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(opts.drain, graceful.shutdown()).await.is_err() {
        tracing::warn!("drain deadline passed with transfers still in flight");
    }
    Ok(())
}

/// An HTTP/1.1 request with `Transfer-Encoding`: hyper would drop a conflicting
/// `Content-Length` silently, so the gateway refuses every such request (it never
/// forwards the caller's framing anyway). HTTP/2 has no `Transfer-Encoding`.
fn smuggling_risk<B>(req: &http::Request<B>) -> bool {
    req.headers().contains_key(http::header::TRANSFER_ENCODING)
}
