//! The one mTLS HTTP listener loop the transfer and admin listeners share: TCP accept
//! (within the total connection cap), the TLS handshake (bounded in time), the per-peer
//! connection cap, HTTP/1.1 or HTTP/2 with header limits, the idle timeout, and on
//! shutdown a drain of in-flight requests within a deadline. What a request means is the
//! caller's: it gives a function that turns a finished handshake into a request handler.
//!
//! - [`admission`]: the total and per-peer connection caps.
//! - [`idle_timeout`]: when a connection counts as idle.

pub mod admission;
pub mod idle_timeout;

use std::convert::Infallible;
use std::future::Future;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::io::AsyncWriteExt as _;
use tokio::net::TcpListener;
use tokio::time::Instant;
use tokio_rustls::TlsAcceptor;

use self::admission::Admission;
use self::idle_timeout::Activity;

/// How long a connection closed for idleness gets to finish closing (an HTTP/2 `GOAWAY`
/// exchange) before it is dropped.
const IDLE_CLOSE_GRACE: Duration = Duration::from_secs(2);

/// Connection-level limits of one listener.
#[derive(Debug, Clone)]
pub struct ListenerOptions {
    /// Names the listener in log lines (`transfer`, `admin`).
    pub name: &'static str,
    pub handshake_timeout: Duration,
    pub header_read_timeout: Duration,
    pub max_header_bytes: usize,
    pub max_concurrent_streams: u32,
    pub drain: Duration,
    /// A connection with no request in flight for this long is closed.
    pub idle_timeout: Duration,
    /// Open connections in total (those still in their handshake included).
    pub max_connections: usize,
    /// Open connections of one peer identity (agency or governance id).
    pub max_connections_per_peer: usize,
}

impl Default for ListenerOptions {
    fn default() -> Self {
        Self {
            name: "transfer",
            handshake_timeout: Duration::from_secs(10),
            header_read_timeout: Duration::from_secs(10),
            max_header_bytes: 16 * 1024,
            max_concurrent_streams: 256,
            drain: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            max_connections: 512,
            max_connections_per_peer: 64,
        }
    }
}

/// Serve until `shutdown` resolves, then drain. `acceptor` gives the current TLS
/// configuration for each new connection (so a CRL reload applies to the next one);
/// `on_connection` turns a finished handshake into the handler for its requests.
pub async fn serve<A, C, H, Fut>(
    listener: TcpListener,
    acceptor: A,
    opts: ListenerOptions,
    on_connection: C,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()>
where
    A: Fn() -> TlsAcceptor,
    C: Fn(&rustls::ServerConnection) -> H + Clone + Send + 'static,
    H: Fn(http::Request<hyper::body::Incoming>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = http::Response<Full<Bytes>>> + Send + 'static,
{
    // Each connection holds a receiver; shutdown is a send, and the drain ends when the
    // last receiver is gone.
    let (closing, closing_rx) = tokio::sync::watch::channel(false);
    let admission = Admission::new(opts.name, opts.max_connections, opts.max_connections_per_peer);
    tokio::pin!(shutdown);
    loop {
        let (tcp, _addr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    tracing::warn!(listener = opts.name, error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Over the total cap: closed before the handshake (dropping the socket).
        let Some(admitted) = admission.accept() else { continue };
        let _ = tcp.set_nodelay(true);
        let acceptor = acceptor();
        let opts = opts.clone();
        let on_connection = on_connection.clone();
        let closing = closing_rx.clone();
        tokio::spawn(async move {
            let mut admitted = admitted;
            let mut stream =
                match tokio::time::timeout(opts.handshake_timeout, acceptor.accept(tcp)).await {
                    Ok(Ok(s)) => s,
                    // A peer that closes before finishing a handshake refused nothing.
                    Ok(Err(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => return,
                    Ok(Err(e)) => {
                        tracing::info!(listener = opts.name, error = %e, "TLS handshake refused");
                        crate::telemetry::metrics::tls_handshake_refused();
                        return;
                    }
                    Err(_) => return,
                };
            if !admitted.identify(&peer_key(stream.get_ref().1)) {
                // Over the peer's cap: a TLS close, bounded, before any request is read.
                let _ = tokio::time::timeout(opts.handshake_timeout, stream.shutdown()).await;
                return;
            }
            let activity = Activity::new();
            let handler = on_connection(stream.get_ref().1);
            let service = {
                let activity = std::sync::Arc::clone(&activity);
                service_fn(move |req| {
                    let in_flight = activity.begin();
                    let fut = handler(req);
                    async move {
                        let response = fut.await;
                        drop(in_flight);
                        Ok::<_, Infallible>(response)
                    }
                })
            };
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
                .max_concurrent_streams(opts.max_concurrent_streams);
            let conn = builder.serve_connection(TokioIo::new(stream), service);
            let ended = run_connection(conn, &activity, &opts, closing).await;
            if let Err(e) = ended {
                tracing::debug!(listener = opts.name, error = %e, "connection ended with an error");
            }
            drop(admitted);
        });
    }
    drop(listener);
    drop(closing_rx);
    let _ = closing.send(true);
    if tokio::time::timeout(opts.drain, closing.closed()).await.is_err() {
        tracing::warn!(listener = opts.name, "drain deadline passed with requests in flight");
    }
    Ok(())
}

/// The key a connection counts under for the per-peer cap: the identity its verified
/// certificate names (`agency:<id>`, `governance:<id>`), else one shared key for
/// certificates without one (they are refused at their first request anyway).
fn peer_key(conn: &rustls::ServerConnection) -> String {
    let leaf = conn.peer_certificates().and_then(|c| c.first());
    match leaf.map(|der| crate::tls::identity::identity_from_der(der.as_ref())) {
        Some(Ok(crate::tls::identity::PeerIdentity::Agency(id))) => format!("agency:{id}"),
        Some(Ok(crate::tls::identity::PeerIdentity::Governance(id))) => {
            format!("governance:{id}")
        }
        _ => "unidentified".to_owned(),
    }
}

/// Serve one connection until it ends: on shutdown, or once idle for
/// `opts.idle_timeout`, it is asked to close gracefully (in-flight requests finish; an
/// HTTP/2 peer gets `GOAWAY`); a connection closed for idleness that has not finished
/// within [`IDLE_CLOSE_GRACE`] is dropped.
async fn run_connection<C>(
    conn: C,
    activity: &Activity,
    opts: &ListenerOptions,
    mut closing: tokio::sync::watch::Receiver<bool>,
) -> Result<(), C::Error>
where
    C: hyper_util::server::graceful::GracefulConnection,
{
    tokio::pin!(conn);
    let idle = activity.idle_for(opts.idle_timeout);
    tokio::pin!(idle);
    let mut asked = false;
    let mut give_up: Option<Instant> = None;
    loop {
        let deadline = give_up.unwrap_or_else(Instant::now);
        tokio::select! {
            ended = conn.as_mut() => return ended,
            changed = closing.changed(), if !asked => {
                // A closed channel means the listener is gone: close as for shutdown.
                let _ = changed;
                conn.as_mut().graceful_shutdown();
                asked = true;
            }
            () = &mut idle, if !asked => {
                tracing::debug!(listener = opts.name, "closing an idle connection");
                crate::telemetry::metrics::connection_idle_closed(opts.name);
                conn.as_mut().graceful_shutdown();
                asked = true;
                give_up = Some(Instant::now() + IDLE_CLOSE_GRACE);
            }
            () = tokio::time::sleep_until(deadline), if give_up.is_some() => return Ok(()),
        }
    }
}
