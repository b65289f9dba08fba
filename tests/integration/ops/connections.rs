//! Connections (issue 12 item 3), over real mTLS on 127.0.0.1: a connection with no
//! request in flight is closed after `limits.idle_timeout` (one that never sent a
//! request, one idle between keep-alive requests, and an HTTP/2 one); the per-agency and
//! total caps refuse one connection more while another agency still connects; the
//! metrics show it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Empty};
use hyper_util::rt::{TokioExecutor, TokioIo};
use isagate::tls::dev_certs;
use tokio::io::AsyncReadExt as _;
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

use super::endpoints::http;
use crate::gateway::harness::{Gateway, Options};
use crate::support::wait_until;

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

/// One request over `tls` (HTTP/2 when ALPN chose it, else HTTP/1.1 with keep-alive)
/// that every listener answers at once (a refusal: no agreement matches). `Ok` holds the
/// status, the request sender (kept, so the client never closes first) and the task
/// driving the connection, which ends when the gateway closes it.
async fn exchange(tls: TlsStream<TcpStream>) -> Result<Served, String> {
    let h2 = tls.get_ref().1.alpn_protocol() == Some(&b"h2"[..]);
    let io = TokioIo::new(tls);
    let req = http::Request::get("https://localhost/merseyside-police/v1/nowhere")
        .header("host", "localhost")
        .body(Empty::<Bytes>::new())
        .unwrap();
    let fail = |e: hyper::Error| crate::support::error_chain(&e);
    let answer = async {
        if h2 {
            let (mut sender, conn) =
                hyper::client::conn::http2::handshake(TokioExecutor::new(), io)
                    .await
                    .map_err(fail)?;
            let driver = tokio::spawn(async move { conn.await.is_ok() });
            let resp = sender.send_request(req).await.map_err(fail)?;
            Ok::<_, String>((resp, Box::new(sender) as Box<dyn Send>, driver))
        } else {
            let (mut sender, conn) =
                hyper::client::conn::http1::handshake(io).await.map_err(fail)?;
            let driver = tokio::spawn(async move { conn.await.is_ok() });
            let resp = sender.send_request(req).await.map_err(fail)?;
            Ok((resp, Box::new(sender) as Box<dyn Send>, driver))
        }
    };
    let (resp, sender, driver) = tokio::time::timeout(Duration::from_secs(10), answer)
        .await
        .map_err(|_| "timed out".to_owned())??;
    let status = resp.status();
    // The whole body, so that the connection stays reusable.
    resp.into_body().collect().await.map_err(fail)?;
    Ok(Served { status, _sender: sender, driver, answered: Instant::now() })
}

/// A served request's connection, still open.
struct Served {
    status: http::StatusCode,
    _sender: Box<dyn Send>,
    driver: tokio::task::JoinHandle<bool>,
    answered: Instant,
}

impl Served {
    /// How long after the answer the gateway closed the connection (within [`CLOSE_BOUND`]).
    async fn closed_after(self) -> Duration {
        let ended = tokio::time::timeout(CLOSE_BOUND, self.driver).await;
        assert!(ended.is_ok(), "the idle connection was not closed");
        self.answered.elapsed()
    }
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
    if let Ok(tls) = connect(gw, agency, &[b"http/1.1"]).await {
        let got = exchange(tls).await.map(|s| s.status);
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

    // Idle between keep-alive requests, then HTTP/2 idle once no stream is open.
    for alpn in [&b"http/1.1"[..], &b"h2"[..]] {
        let tls = connect(&gw, "lcc-ssc", &[alpn]).await.unwrap();
        assert_eq!(tls.get_ref().1.alpn_protocol(), Some(alpn));
        let served = exchange(tls).await.unwrap();
        assert!(served.status.is_client_error(), "{}", served.status);
        let took = served.closed_after().await;
        assert!(took >= Duration::from_millis(900), "closed too early: {took:?}");
    }

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

    let first = exchange(connect(&gw, "lcc-ssc", h1).await.unwrap()).await.unwrap();
    let second = exchange(connect(&gw, "lcc-ssc", h1).await.unwrap()).await.unwrap();
    // The agency's third: closed after its handshake, before any answer.
    refused(&gw, "lcc-ssc", "the agency's third connection").await;
    // Another agency still connects (the third open connection in total), once the
    // gateway has closed the refused one: the client may see that close a moment before
    // the gateway gives back its place in the total, so poll (bounded) for it.
    let mut police = None;
    for _ in 0..50 {
        if let Ok(tls) = connect(&gw, "merseyside-police", h1).await {
            if let Ok(served) = exchange(tls).await {
                police = Some(served);
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let police = police.expect("another agency connects within 5 s of the refusal");
    // A fourth in total, from a third agency: closed before its handshake.
    refused(&gw, "nhs-trust", "the fourth connection in total").await;
    // A closed connection frees its place.
    drop(first);
    wait_until("a freed place is taken", Duration::from_secs(5), || async {
        match connect(&gw, "lcc-ssc", h1).await {
            Ok(again) => exchange(again).await.is_ok(),
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
