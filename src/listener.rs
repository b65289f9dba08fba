//! The one mTLS HTTP listener loop the transfer and admin listeners share: TCP accept,
//! the TLS handshake (bounded in time), HTTP/1.1 or HTTP/2 with header limits, and on
//! shutdown a drain of in-flight requests within a deadline. What a request means is the
//! caller's: it gives a function that turns a finished handshake into a request handler.

use std::convert::Infallible;
use std::future::Future;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

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
    let graceful = GracefulShutdown::new();
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
        let _ = tcp.set_nodelay(true);
        let acceptor = acceptor();
        let opts = opts.clone();
        let on_connection = on_connection.clone();
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let stream =
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
            let handler = on_connection(stream.get_ref().1);
            let service = service_fn(move |req| {
                let fut = handler(req);
                async move { Ok::<_, Infallible>(fut.await) }
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
                .max_concurrent_streams(opts.max_concurrent_streams);
            let conn = builder.serve_connection(TokioIo::new(stream), service).into_owned();
            if let Err(e) = watcher.watch(conn).await {
                tracing::debug!(listener = opts.name, error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(opts.drain, graceful.shutdown()).await.is_err() {
        tracing::warn!(listener = opts.name, "drain deadline passed with requests in flight");
    }
    Ok(())
}
