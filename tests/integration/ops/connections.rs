//! Connections (issue 12 item 3), over real mTLS on 127.0.0.1: a connection with no
//! request in flight is closed after `limits.idle_timeout` (one that never sent a
//! request, one idle between keep-alive requests, and an HTTP/2 one); the per-agency and
//! total caps refuse one connection more while another agency still connects; the
//! metrics show it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use isagate::tls::dev_certs;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

use super::endpoints::http;
use crate::gateway::harness::{Gateway, Options};
use crate::support::wait_until;

/// A request every listener answers at once (a refusal: no agreement matches).
const PROBE: &[u8] = b"GET /merseyside-police/v1/nowhere HTTP/1.1\r\nHost: localhost\r\n\r\n";

/// The longest a test waits for a close: the idle timeout, the 2 s close grace, slack.
const CLOSE_BOUND: Duration = Duration::from_secs(6);

async fn gateway(limits: &str) -> Gateway {
    Gateway::start_with(Options { limits: limits.to_owned(), ..Options::default() }).await
}

/// An mTLS connection to the transfer listener as `agency`, offering `alpn`.
async fn connect(
    gw: &Gateway,
    agency: &str,
    alpn: &[&[u8]],
) -> std::io::Result<TlsStream<TcpStream>> {
    let id = crate::tls::ClientId::from(&dev_certs::fixtures::agency(&gw.ca, agency).unwrap());
    let mut cfg = (*crate::tls::client(&gw.certs.join("ca.crt"), Some(&id), false)).clone();
    cfg.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    let tcp = TcpStream::connect(gw.launched.as_ref().unwrap().transfer_addr).await?;
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    tokio_rustls::TlsConnector::from(Arc::new(cfg)).connect(name, tcp).await
}

/// Send [`PROBE`] and read one whole response; `Err` when the connection closes first.
async fn exchange(tls: &mut TlsStream<TcpStream>) -> Result<String, String> {
    tls.write_all(PROBE).await.map_err(|e| e.to_string())?;
    let mut buf = Vec::new();
    let read = async {
        let mut chunk = [0u8; 4096];
        for _ in 0..64 {
            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
                let length: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .map_or(0, |v| v.trim().parse().unwrap());
                if buf.len() >= end + 4 + length {
                    return Ok(head.lines().next().unwrap_or_default().to_owned());
                }
            }
            match tls.read(&mut chunk).await {
                Ok(0) => return Err("closed".to_owned()),
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                Err(e) => return Err(e.to_string()),
            }
        }
        Err("no whole response in 64 reads".to_owned())
    };
    tokio::time::timeout(Duration::from_secs(10), read).await.map_err(|_| "timed out".to_owned())?
}

/// How long until the peer closes `tls` (end of stream or a reset), reading nothing.
async fn time_to_close(tls: &mut TlsStream<TcpStream>) -> Duration {
    let started = Instant::now();
    let mut chunk = [0u8; 1024];
    let read = tokio::time::timeout(CLOSE_BOUND, tls.read(&mut chunk)).await;
    let read = read.expect("the idle connection was not closed");
    assert!(matches!(read, Ok(0) | Err(_)), "unexpected bytes on an idle connection: {read:?}");
    started.elapsed()
}

/// A connection as `agency` gets no answer: its handshake fails, or it closes unanswered.
async fn refused(gw: &Gateway, agency: &str, what: &str) {
    if let Ok(mut tls) = connect(gw, agency, &[b"http/1.1"]).await {
        let got = exchange(&mut tls).await;
        assert!(got.is_err(), "{what} was served: {got:?}");
    }
}

async fn metrics(gw: &Gateway) -> String {
    http(gw.launched.as_ref().unwrap().ops_addr, "GET", "/metrics").await.1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_close_after_the_idle_timeout() {
    // read_timeout stays at 10 s: only the idle timeout can close these within 6 s.
    let gw = gateway("idle_timeout = \"1s\"").await;

    // Never sends a request.
    let mut silent = connect(&gw, "lcc-ssc", &[b"http/1.1"]).await.unwrap();
    let took = time_to_close(&mut silent).await;
    assert!(took >= Duration::from_millis(900), "closed too early: {took:?}");

    // Idle between keep-alive requests.
    let mut kept = connect(&gw, "lcc-ssc", &[b"http/1.1"]).await.unwrap();
    let status = exchange(&mut kept).await.unwrap();
    assert!(status.starts_with("http/1.1 4"), "{status}");
    let took = time_to_close(&mut kept).await;
    assert!(took >= Duration::from_millis(900), "closed too early: {took:?}");

    // HTTP/2: idle once no stream is open.
    let h2 = connect(&gw, "lcc-ssc", &[b"h2"]).await.unwrap();
    assert_eq!(h2.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
    let (mut sender, conn) = hyper::client::conn::http2::handshake(
        hyper_util::rt::TokioExecutor::new(),
        hyper_util::rt::TokioIo::new(h2),
    )
    .await
    .unwrap();
    let driver = tokio::spawn(conn);
    let req = http::Request::get("https://localhost/merseyside-police/v1/nowhere")
        .body(http_body_util::Empty::<bytes::Bytes>::new())
        .unwrap();
    let answered = Instant::now();
    let resp = sender.send_request(req).await.unwrap();
    assert!(resp.status().is_client_error(), "{}", resp.status());
    drop(resp);
    let ended = tokio::time::timeout(CLOSE_BOUND, driver).await;
    assert!(ended.is_ok(), "the idle HTTP/2 connection was not closed");
    assert!(answered.elapsed() >= Duration::from_millis(900), "{:?}", answered.elapsed());

    let text = metrics(&gw).await;
    let closed = text
        .lines()
        .find(|l| l.starts_with("isagate_connections_idle_closed_total{listener=\"transfer\"}"))
        .unwrap_or_else(|| panic!("no idle-closed counter:\n{text}"));
    assert!(!closed.ends_with(" 0"), "{closed}");
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_caps_refuse_one_more_per_agency_and_in_total() {
    let gw = gateway("max_connections = 3\nmax_connections_per_agency = 2").await;
    let h1: &[&[u8]] = &[b"http/1.1"];

    let mut first = connect(&gw, "lcc-ssc", h1).await.unwrap();
    let mut second = connect(&gw, "lcc-ssc", h1).await.unwrap();
    exchange(&mut first).await.unwrap();
    exchange(&mut second).await.unwrap();
    // The agency's third: closed after its handshake, before any answer.
    refused(&gw, "lcc-ssc", "the agency's third connection").await;
    // Another agency still connects (the third open connection in total).
    let mut police = connect(&gw, "merseyside-police", h1).await.unwrap();
    exchange(&mut police).await.unwrap();
    // A fourth in total, from a third agency: closed before its handshake.
    refused(&gw, "nhs-trust", "the fourth connection in total").await;
    // A closed connection frees its place.
    drop(first);
    wait_until("a freed place is taken", Duration::from_secs(5), || async {
        match connect(&gw, "lcc-ssc", h1).await {
            Ok(mut again) => exchange(&mut again).await.is_ok(),
            Err(_) => false,
        }
    })
    .await;

    let text = metrics(&gw).await;
    for cap in ["agency", "total"] {
        let line =
            format!("isagate_connections_refused_total{{listener=\"transfer\",cap=\"{cap}\"}}");
        let found = text.lines().find(|l| l.starts_with(&line));
        let found = found.unwrap_or_else(|| panic!("no {line}:\n{text}"));
        assert!(!found.ends_with(" 0"), "{found}");
    }
    assert!(text.contains("isagate_connections_open{listener=\"transfer\"}"), "{text}");
    drop((second, police));
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_tcp_connection_is_closed_within_the_handshake_bound() {
    // The handshake is bounded by `limits.read_timeout`; the idle timeout is far longer.
    let gw = gateway("read_timeout = \"1s\"\nidle_timeout = \"60s\"").await;
    let mut tcp = TcpStream::connect(gw.launched.as_ref().unwrap().transfer_addr).await.unwrap();
    let started = Instant::now();
    let mut chunk = [0u8; 64];
    let read = tokio::time::timeout(Duration::from_secs(5), tcp.read(&mut chunk)).await;
    assert!(matches!(read, Ok(Ok(0) | Err(_))), "not closed: {read:?}");
    assert!(started.elapsed() >= Duration::from_millis(900), "{:?}", started.elapsed());
    gw.stop().await;
}
