//! A mock agency upstream, for `isagate demo`, `docker-compose.yml` and the tests.
//!
//! An HTTPS server on loopback (HTTP/1.1 and h2 over rustls) that requires a client
//! certificate chaining to a given CA (the gateway's own client certificate), records
//! every request it receives so a test can read exactly what left the gateway, and
//! optionally prints each one (the demo's "what the agency saw"). It answers from a
//! route table of canned [`Reply`]s: by default `201` with a JSON acknowledgement that
//! carries extra fields for response minimisation to strip.
//!
//! It is a test double: it must never be used as a real agency endpoint, and it keeps
//! every body it receives in memory.

mod reply;

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::graceful::GracefulShutdown;
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use self::reply::{AckFields, Resolved};
pub use self::reply::{Reply, Route};
use crate::shutdown::Shutdown;

/// Bodies larger than this are answered with 413 and recorded empty.
const MAX_BODY: usize = 8 * 1024 * 1024;

/// A client that has not finished its TLS handshake by then is dropped.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// How long open connections get once shutdown starts, before they are cut.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// How to start a mock agency.
#[derive(Debug, Clone)]
pub struct MockAgencyOptions {
    /// The agency's name, used in printed lines and acknowledgements (e.g. `police`).
    pub name: String,
    /// Where to listen, e.g. `127.0.0.1:0`.
    pub bind: SocketAddr,
    pub server_cert_pem: PathBuf,
    pub server_key_pem: PathBuf,
    /// The CA bundle a client certificate must chain to.
    pub client_ca_pem: PathBuf,
    /// Print each request to standard output.
    pub print: bool,
    /// Canned replies; the first match wins, no match gets [`Reply::Ack`].
    pub routes: Vec<Route>,
}

/// One request as the mock agency received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    /// Path and query string, as sent.
    pub path_and_query: String,
    /// `HTTP/1.1` or `HTTP/2.0`.
    pub version: String,
    /// Header names in lower case, in the order received; values lossily decoded.
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    /// Lowercase hex SHA-256 of the client's leaf certificate.
    pub client_cert_sha256: Option<String>,
}

impl Received {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON, when it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// What can stop a mock agency from starting.
#[derive(Debug, thiserror::Error)]
pub enum MockAgencyError {
    #[error("cannot read `{path}`: {reason}")]
    Pem { path: PathBuf, reason: String },
    #[error("cannot build the TLS configuration: {0}")]
    Tls(String),
    #[error("cannot listen on `{addr}`: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
}

/// Starts mock agencies.
#[derive(Debug)]
pub struct MockAgency;

impl MockAgency {
    /// Binds, then serves in a background task until the handle shuts it down (or is
    /// dropped).
    pub async fn start(opts: MockAgencyOptions) -> Result<MockAgencyHandle, MockAgencyError> {
        let acceptor = TlsAcceptor::from(Arc::new(server_config(&opts)?));
        let listener = TcpListener::bind(opts.bind)
            .await
            .map_err(|source| MockAgencyError::Bind { addr: opts.bind, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| MockAgencyError::Bind { addr: opts.bind, source })?;
        let state = Arc::new(State {
            name: opts.name,
            print: opts.print,
            routes: opts.routes,
            log: Mutex::new(Vec::new()),
            counter: AtomicU64::new(0),
        });
        let shutdown = Shutdown::new();
        let task =
            tokio::spawn(accept_loop(listener, acceptor, Arc::clone(&state), shutdown.clone()));
        Ok(MockAgencyHandle { addr, state, shutdown, task: Some(task) })
    }
}

/// A running mock agency. Dropping it stops the server.
#[derive(Debug)]
pub struct MockAgencyHandle {
    addr: SocketAddr,
    state: Arc<State>,
    shutdown: Shutdown,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl MockAgencyHandle {
    /// The address it listens on (with the real port when bound to port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `https://127.0.0.1:<port>`: the `upstream` to configure for this agency.
    pub fn base_url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// Every request received so far, oldest first.
    pub fn received(&self) -> Vec<Received> {
        self.state.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// Forgets the requests received so far.
    pub fn clear(&self) {
        if let Ok(mut l) = self.state.log.lock() {
            l.clear();
        }
    }

    /// Waits (at most `timeout`) until at least `n` requests have been received.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let got = self.received();
            if got.len() >= n || tokio::time::Instant::now() >= deadline {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Stops accepting, lets open connections finish briefly, then cuts them.
    pub async fn shutdown(mut self) {
        self.shutdown.trigger();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for MockAgencyHandle {
    fn drop(&mut self) {
        self.shutdown.trigger();
    }
}

/// Shared by the accept loop and every connection.
#[derive(Debug)]
struct State {
    name: String,
    print: bool,
    routes: Vec<Route>,
    log: Mutex<Vec<Received>>,
    /// Numbers the acknowledgements' references.
    counter: AtomicU64,
}

fn server_config(opts: &MockAgencyOptions) -> Result<ServerConfig, MockAgencyError> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut roots = RootCertStore::empty();
    for ca in read_certs(&opts.client_ca_pem)? {
        roots.add(ca).map_err(|e| MockAgencyError::Tls(e.to_string()))?;
    }
    let verifier =
        WebPkiClientVerifier::builder_with_provider(Arc::new(roots), Arc::clone(&provider))
            .build()
            .map_err(|e| MockAgencyError::Tls(e.to_string()))?;
    let key = PrivateKeyDer::from_pem_file(&opts.server_key_pem)
        .map_err(|e| pem_error(&opts.server_key_pem, e))?;
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| MockAgencyError::Tls(e.to_string()))?
        .with_client_cert_verifier(verifier)
        .with_single_cert(read_certs(&opts.server_cert_pem)?, key)
        .map_err(|e| MockAgencyError::Tls(e.to_string()))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, MockAgencyError> {
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| pem_error(path, e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| pem_error(path, e))?;
    if certs.is_empty() {
        return Err(MockAgencyError::Pem {
            path: path.into(),
            reason: "no certificate in it".into(),
        });
    }
    Ok(certs)
}

fn pem_error(path: &Path, e: rustls_pki_types::pem::Error) -> MockAgencyError {
    MockAgencyError::Pem { path: path.into(), reason: e.to_string() }
}

async fn accept_loop(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    state: Arc<State>,
    shutdown: Shutdown,
) {
    let graceful = GracefulShutdown::new();
    let mut conns = JoinSet::new();
    let stop = shutdown.wait();
    tokio::pin!(stop);
    loop {
        while conns.try_join_next().is_some() {}
        let stream = tokio::select! {
            () = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
        };
        let acceptor = acceptor.clone();
        let state = Arc::clone(&state);
        let watcher = graceful.watcher();
        conns.spawn(async move {
            let tls = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                Ok(Ok(tls)) => tls,
                Ok(Err(e)) => {
                    tracing::debug!(agency = %state.name, error = %e, "mock agency refused a handshake");
                    return;
                }
                Err(_) => return,
            };
            let cert_sha256 = tls
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|c| c.first())
                .map(|leaf| crate::digest::sha256_hex(leaf.as_ref()));
            let service = service_fn(move |req| {
                let state = Arc::clone(&state);
                let cert = cert_sha256.clone();
                async move { handle(req, &state, cert).await }
            });
            let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
            let conn = builder.serve_connection(TokioIo::new(tls), service);
            let _ = watcher.watch(conn).await;
        });
    }
    drop(listener);
    if tokio::time::timeout(CLOSE_GRACE, graceful.shutdown()).await.is_err() {
        conns.abort_all();
    }
    while conns.join_next().await.is_some() {}
}

/// The connection is dropped without an answer ([`Reply::Close`]).
#[derive(Debug)]
struct Abort;

impl std::fmt::Display for Abort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection closed by the mock agency on purpose")
    }
}

impl std::error::Error for Abort {}

async fn handle(
    req: Request<Incoming>,
    state: &State,
    client_cert_sha256: Option<String>,
) -> Result<Response<Full<Bytes>>, Abort> {
    let (parts, body) = req.into_parts();
    let (body, too_large) = match Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => (collected.to_bytes(), false),
        Err(_) => (Bytes::new(), true),
    };
    let received = Received {
        method: parts.method.to_string(),
        path_and_query: parts.uri.path_and_query().map_or_else(|| "/".into(), |p| p.to_string()),
        version: format!("{:?}", parts.version),
        headers: parts
            .headers
            .iter()
            .map(|(n, v)| {
                (n.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned())
            })
            .collect(),
        body,
        client_cert_sha256,
    };
    if state.print {
        print_received(&state.name, &received);
    }
    if let Ok(mut log) = state.log.lock() {
        log.push(received);
    }
    if too_large {
        return Ok(reply::response(413, "text/plain", Vec::new()));
    }
    let route = state.routes.iter().find(|r| r.matches(&parts.method, parts.uri.path()));
    let n = state.counter.fetch_add(1, Ordering::Relaxed) + 1;
    let ack = AckFields { agency: &state.name, reference: format!("{}-{n:06}", state.name) };
    let reply = route.map_or(&Reply::Ack, |r| &r.reply);
    match reply.resolve(ack).await {
        Resolved::Respond(resp) => Ok(resp),
        Resolved::Close => Err(Abort),
    }
}

/// `[police] POST /v1/referrals` and the body, pretty-printed and indented.
fn print_received(name: &str, r: &Received) {
    let mut out = format!("[{name}] received {} {}\n", r.method, r.path_and_query);
    if !r.body.is_empty() {
        let text = match serde_json::from_slice::<serde_json::Value>(&r.body) {
            Ok(v) => serde_json::to_string_pretty(&v).unwrap_or_default(),
            Err(_) => format!("({} bytes, not JSON)", r.body.len()),
        };
        for line in text.lines() {
            out.push_str("    ");
            out.push_str(line);
            out.push('\n');
        }
    }
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(out.as_bytes());
    let _ = stdout.flush();
}
