//! The floor of the gateway's stack: a plain mTLS reverse proxy built from the same parts
//! as `isagate serve` (tokio, hyper 1, rustls 0.23 with aws-lc-rs, hyper-util's pooled
//! client through hyper-rustls, mimalloc) and nothing else: no agreement, no parsing, no
//! minimisation, no record. It streams the request to the upstream and the answer back.
//!
//! It exists to be measured beside nginx with the shared bench, so that the gateway's
//! keep-alive figure can be read against what this stack costs before any policy work:
//!
//! ```sh
//! benches/gateway/bench.sh --floor --conc 64 --pin none --scenarios mtls-tls-ka --gw-scenarios gw-ka
//! ```
//!
//! Started by `benches/gateway/floor.sh` with the bench's variables: `FLOOR_LISTEN`
//! (`127.0.0.1:port`), `FLOOR_UPSTREAM` (`https://host:port`), `FLOOR_SERVER_CERT`,
//! `FLOOR_SERVER_KEY`, `FLOOR_CLIENT_CA` (callers), `FLOOR_CLIENT_CERT`, `FLOOR_CLIENT_KEY`
//! (towards the upstream) and `FLOOR_UPSTREAM_CA`. The first path segment (the recipient in
//! the gateway's URLs) is dropped before forwarding, as the gateway does.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "a bench tool: a bad setting stops it at once"
)]

use std::sync::Arc;

use http::{Request, Response, Uri};
use hyper::body::Incoming;
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::pki_types::{pem::PemObject, CertificateDer, PrivateKeyDer};
use rustls::RootCertStore;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

type Upstream = Client<hyper_rustls::HttpsConnector<HttpConnector>, Incoming>;

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("floor_proxy: {name} is not set"))
}

fn certs(path: &str) -> Vec<CertificateDer<'static>> {
    CertificateDer::pem_file_iter(path).expect(path).collect::<Result<_, _>>().expect(path)
}

fn key(path: &str) -> PrivateKeyDer<'static> {
    PrivateKeyDer::from_pem_file(path).expect(path)
}

fn roots(path: &str) -> Arc<RootCertStore> {
    let mut roots = RootCertStore::empty();
    for c in certs(path) {
        roots.add(c).expect(path);
    }
    Arc::new(roots)
}

fn server_config() -> rustls::ServerConfig {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
        roots(&var("FLOOR_CLIENT_CA")),
        Arc::clone(&provider),
    )
    .build()
    .expect("client verifier");
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .expect("TLS 1.3")
        .with_client_cert_verifier(verifier)
        .with_single_cert(certs(&var("FLOOR_SERVER_CERT")), key(&var("FLOOR_SERVER_KEY")))
        .expect("server certificate");
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    config.session_storage = Arc::new(rustls::server::NoServerSessionStorage {});
    config.send_tls13_tickets = 0;
    config
}

fn upstream() -> Upstream {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .expect("TLS 1.3")
        .with_root_certificates(roots(&var("FLOOR_UPSTREAM_CA")))
        .with_client_auth_cert(certs(&var("FLOOR_CLIENT_CERT")), key(&var("FLOOR_CLIENT_KEY")))
        .expect("client certificate");
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_nodelay(true);
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_only()
        .enable_http1()
        .wrap_connector(http);
    Client::builder(TokioExecutor::new()).build(https)
}

async fn forward(
    client: &Upstream,
    base: &str,
    mut req: Request<Incoming>,
) -> Result<Response<Incoming>, hyper_util::client::legacy::Error> {
    let path = req.uri().path_and_query().map_or("/", |p| p.as_str());
    let rest = path.get(1..).and_then(|p| p.find('/').map(|i| &p[i..])).unwrap_or("/");
    let uri: Uri = format!("{base}{rest}").parse().expect("upstream uri");
    *req.uri_mut() = uri;
    req.headers_mut().remove(http::header::HOST);
    client.request(req).await
}

#[tokio::main]
async fn main() {
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server_config()));
    let client = upstream();
    let base: Arc<str> = var("FLOOR_UPSTREAM").trim_end_matches('/').into();
    let listener = tokio::net::TcpListener::bind(var("FLOOR_LISTEN")).await.expect("bind");
    loop {
        let Ok((tcp, _)) = listener.accept().await else { continue };
        let _ = tcp.set_nodelay(true);
        let (acceptor, client, base) = (acceptor.clone(), client.clone(), Arc::clone(&base));
        tokio::spawn(async move {
            let Ok(tls) = acceptor.accept(tcp).await else { return };
            let service = hyper::service::service_fn(move |req| {
                let (client, base) = (client.clone(), Arc::clone(&base));
                async move { forward(&client, &base, req).await }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(tls), service)
                .await;
        });
    }
}
