//! `isagate_tls_handshakes_refused_total` counts refused handshakes only (issue 12 item
//! 13): a TCP connection that closes before a handshake, or sits silent until the
//! handshake bound closes it, refused nothing; a client that speaks something other than
//! TLS was refused. Run in its own `isagate serve` process, so no other test's handshakes
//! reach the counter.

use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use crate::gateway::harness::{prepare, Options};
use crate::gateway::process::Serve;

fn refused(metrics: &str) -> u64 {
    metrics
        .lines()
        .find_map(|l| l.strip_prefix("isagate_tls_handshakes_refused_total "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no handshake refusal counter on /metrics:\n{metrics}"))
}

/// Wait (at most 5 s) until the gateway closes `tcp`.
async fn closed_by_gateway(mut tcp: TcpStream) {
    let mut sink = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), tcp.read_to_end(&mut sink)).await;
    assert!(read.is_ok(), "the gateway kept the connection open");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_refused_handshakes_are_counted() {
    let (dir, _certs, _ca, mocks) = prepare(&Options::default()).await;
    let opts = Options { limits: "read_timeout = \"1s\"".into(), ..Options::default() };
    let serve =
        Serve::start(dir.path(), "handshakes", opts, &mocks, &[("ISAGATE_LOG", "warn")]).await;
    let addr = ("127.0.0.1", serve.transfer);
    assert_eq!(refused(&serve.metrics().await), 0);

    // Closed at once, and silent until the handshake bound: nothing refused.
    drop(TcpStream::connect(addr).await.unwrap());
    closed_by_gateway(TcpStream::connect(addr).await.unwrap()).await;
    // Plain HTTP on the TLS port: refused.
    let mut plain = TcpStream::connect(addr).await.unwrap();
    plain.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    closed_by_gateway(plain).await;

    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    let mut seen = refused(&serve.metrics().await);
    while seen == 0 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
        seen = refused(&serve.metrics().await);
    }
    assert_eq!(seen, 1, "only the plain-HTTP client was refused");
    serve.stop().await;
}
