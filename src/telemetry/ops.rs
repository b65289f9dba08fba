//! The operations listener: plain HTTP, for the orchestrator and the scraper.
//!
//! - `GET /healthz`: 200 while the process runs.
//! - `GET /readyz`: 200 only when the [`Readiness`] callback says the audit store
//!   commits and agreements are loaded; 503 with a short JSON reason otherwise.
//! - `GET /metrics`: the Prometheus text exposition.
//!
//! It binds to loopback by default (`127.0.0.1:9090`) and has no authentication, so it
//! must never serve anything but these three documents: no agreement, no record, no
//! configuration value.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{header, Method, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;

use super::metrics::MetricsHandle;

/// The default address of the operations listener.
pub const DEFAULT_OPS_ADDR: &str = "127.0.0.1:9090";

/// How long `/readyz` waits for the readiness check (the store's append bound).
const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// How long open connections get to finish once shutdown starts.
const CLOSE_GRACE: Duration = Duration::from_secs(5);

/// How long a client may take to send its request head.
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// Whether the gateway can serve transfers now: the audit store commits and an
/// agreement set is loaded. `Err` carries a short reason for operators (never
/// personal data, never a secret).
pub trait Readiness: Send + Sync {
    /// Checks readiness; called on every `/readyz`.
    fn check(&self) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + '_>>;
}

/// A [`Readiness`] from a closure returning a future, e.g.
/// `readiness_fn(move || { let store = store.clone(); async move { store.ping().await } })`.
pub fn readiness_fn<F, Fut>(f: F) -> Arc<dyn Readiness>
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), String>> + Send + 'static,
{
    Arc::new(ReadinessFn(f))
}

struct ReadinessFn<F>(F);

impl<F, Fut> Readiness for ReadinessFn<F>
where
    F: Fn() -> Fut + Send + Sync,
    Fut: Future<Output = Result<(), String>> + Send + 'static,
{
    fn check(&self) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + '_>> {
        Box::pin((self.0)())
    }
}

/// Serves `/healthz`, `/readyz` and `/metrics` on `listener` until `shutdown`
/// completes, then lets open connections finish (a few seconds at most).
pub async fn serve_ops(
    listener: TcpListener,
    readiness: Arc<dyn Readiness>,
    metrics: MetricsHandle,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, _peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors and similar: back off, keep serving.
                    tracing::warn!(error = %e, "ops listener accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let readiness = Arc::clone(&readiness);
        let metrics = metrics.clone();
        let service = service_fn(move |req| {
            let readiness = Arc::clone(&readiness);
            let metrics = metrics.clone();
            async move { Ok::<_, Infallible>(route(req, readiness.as_ref(), &metrics).await) }
        });
        let conn = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(HEADER_TIMEOUT)
            .serve_connection(TokioIo::new(stream), service);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "ops connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(CLOSE_GRACE, graceful.shutdown()).await.is_err() {
        tracing::debug!("ops connections still open after the grace period");
    }
    Ok(())
}

/// One request to one response.
async fn route(
    req: Request<Incoming>,
    readiness: &dyn Readiness,
    metrics: &MetricsHandle,
) -> Response<Full<Bytes>> {
    let path = req.uri().path();
    if !matches!(path, "/healthz" | "/readyz" | "/metrics") {
        return json(StatusCode::NOT_FOUND, r#"{"status":"not-found"}"#.to_owned());
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let mut resp =
            json(StatusCode::METHOD_NOT_ALLOWED, r#"{"status":"method-not-allowed"}"#.to_owned());
        resp.headers_mut().insert(header::ALLOW, header::HeaderValue::from_static("GET, HEAD"));
        return resp;
    }
    match path {
        "/healthz" => json(StatusCode::OK, r#"{"status":"ok"}"#.to_owned()),
        "/readyz" => match tokio::time::timeout(READY_TIMEOUT, readiness.check()).await {
            Ok(Ok(())) => json(StatusCode::OK, r#"{"status":"ready"}"#.to_owned()),
            Ok(Err(reason)) => not_ready(&reason),
            Err(_) => not_ready("readiness check timed out"),
        },
        _ => {
            let mut resp = Response::new(Full::new(Bytes::from(metrics.render())));
            resp.headers_mut().insert(
                header::CONTENT_TYPE,
                header::HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
            );
            resp
        }
    }
}

fn not_ready(reason: &str) -> Response<Full<Bytes>> {
    let body = serde_json::json!({ "status": "not-ready", "reason": reason });
    json(StatusCode::SERVICE_UNAVAILABLE, body.to_string())
}

fn json(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(Bytes::from(body)));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/json"));
    resp.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    resp
}
