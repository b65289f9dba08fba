//! `/healthz`, `/readyz` and `/metrics` over real HTTP on 127.0.0.1.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use isagate::codes::RefusalCode;
use isagate::shutdown::Shutdown;
use isagate::telemetry::{self, metrics, Readiness};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Ready when the flag is set; otherwise says why not.
struct Flag(AtomicBool);

impl Readiness for Flag {
    fn check(&self) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send + '_>> {
        Box::pin(async move {
            if self.0.load(Ordering::SeqCst) {
                Ok(())
            } else {
                Err("audit store not committing".to_owned())
            }
        })
    }
}

#[tokio::test]
async fn a_slow_readiness_check_is_not_ready() {
    let handle = telemetry::install_metrics().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // Hangs longer than the 2 s bound of `/readyz` (a slow check is the behaviour under test).
    let slow = telemetry::readiness_fn(|| async {
        tokio::time::sleep(Duration::from_secs(30)).await;
        Ok(())
    });
    let shutdown = Shutdown::new();
    let server = tokio::spawn(telemetry::serve_ops(listener, slow, handle, shutdown.wait()));
    let started = std::time::Instant::now();
    let (status, text) = http(addr, "GET", "/readyz").await;
    assert_eq!(status, 503, "{text}");
    assert!(text.contains("readiness check timed out"), "{text}");
    assert!(started.elapsed() < Duration::from_secs(5));
    shutdown.trigger();
    tokio::time::timeout(Duration::from_secs(10), server).await.unwrap().unwrap().unwrap();
}

/// A bare HTTP/1.1 request; returns (status, headers+body text).
pub async fn http(addr: std::net::SocketAddr, method: &str, path: &str) -> (u16, String) {
    let io = async {
        let mut s = TcpStream::connect(addr).await.unwrap();
        let req = format!("{method} {path} HTTP/1.1\r\nHost: ops\r\nConnection: close\r\n\r\n");
        s.write_all(req.as_bytes()).await.unwrap();
        let mut out = Vec::new();
        s.read_to_end(&mut out).await.unwrap();
        String::from_utf8(out).unwrap()
    };
    let text =
        tokio::time::timeout(Duration::from_secs(10), io).await.expect("ops request timed out");
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("a status line");
    (status, text)
}

#[tokio::test]
async fn health_readiness_and_metrics_over_http() {
    let handle = telemetry::install_metrics().unwrap();
    // A second install in the same process hands back a working handle.
    let again = telemetry::install_metrics().unwrap();

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let flag = Arc::new(Flag(AtomicBool::new(false)));
    let shutdown = Shutdown::new();
    let server = tokio::spawn(telemetry::serve_ops(
        listener,
        flag.clone() as Arc<dyn Readiness>,
        handle,
        shutdown.wait(),
    ));

    let (status, _) = http(addr, "GET", "/healthz").await;
    assert_eq!(status, 200);

    let (status, text) = http(addr, "GET", "/readyz").await;
    assert_eq!(status, 503);
    let body: serde_json::Value =
        serde_json::from_str(text.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(body["status"], "not-ready");
    assert_eq!(body["reason"], "audit store not committing");

    flag.0.store(true, Ordering::SeqCst);
    let (status, text) = http(addr, "GET", "/readyz").await;
    assert_eq!(status, 200, "{text}");
    flag.0.store(false, Ordering::SeqCst);
    assert_eq!(http(addr, "GET", "/readyz").await.0, 503);

    metrics::refusal(RefusalCode::NoAgreement);
    metrics::refusal(RefusalCode::NoAgreement);
    metrics::store_commit(Duration::from_millis(3), 7);
    let (status, text) = http(addr, "GET", "/metrics").await;
    assert_eq!(status, 200);
    assert!(text.contains("text/plain; version=0.0.4"), "{text}");
    let line = text
        .lines()
        .find(|l| l.starts_with("isagate_refusals_total{code=\"no-agreement\"}"))
        .unwrap_or_else(|| panic!("no refusal counter in:\n{text}"));
    let count: f64 = line.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(count >= 2.0, "{line}");
    // Real histograms, with the configured buckets, not summaries.
    assert!(text.contains("isagate_store_commit_duration_seconds_bucket{le=\"0.005\"}"), "{text}");
    assert!(text.contains("isagate_store_commit_batch_size_bucket{le=\"8\"}"), "{text}");
    assert!(again.render().contains("isagate_refusals_total"));

    assert_eq!(http(addr, "GET", "/nope").await.0, 404);
    let (status, text) = http(addr, "POST", "/healthz").await;
    assert_eq!(status, 405);
    assert!(text.to_ascii_lowercase().contains("allow: get, head"), "{text}");

    shutdown.trigger();
    tokio::time::timeout(Duration::from_secs(10), server).await.unwrap().unwrap().unwrap();
    assert!(TcpStream::connect(addr).await.is_err(), "the listener closed on shutdown");
}

#[tokio::test]
async fn every_metric_is_documented() {
    let docs = std::fs::read_to_string(crate::support::repo().join("docs/operations.md")).unwrap();
    for m in metrics::names::ALL {
        let row = format!("| `{}` | {} |", m.name, m.kind.as_str());
        assert!(docs.contains(&row), "docs/operations.md does not list `{row}`");
    }
}
