//! TLS over real handshakes on 127.0.0.1: a tiny tokio-rustls server built from
//! `ServerTls`, and tokio-rustls clients with certificates generated at test start.

mod handshakes;
mod reload;
mod upstream;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use isagate::tls::dev_certs::{self, CertFiles, DevCa, DevCertOptions, DevCerts, IssuedCert};
use isagate::tls::{peer_identity, PeerIdentity, ServerTls, ServerTlsSettings};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConfig, HandshakeKind};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use crate::support::scratch;

const WAIT: Duration = Duration::from_secs(10);

/// A dev CA and the files `dev-certs` writes, in a scratch folder.
pub struct Pki {
    pub dir: tempfile::TempDir,
    pub certs: DevCerts,
    pub ca: DevCa,
}

pub fn pki() -> Pki {
    let dir = scratch();
    let agencies = vec!["lcc-ssc".to_owned(), "merseyside-police".to_owned()];
    let (certs, ca) = dev_certs::generate_with_ca(
        &dir.path().join("certs"),
        &agencies,
        &DevCertOptions::default(),
    )
    .unwrap();
    Pki { dir, certs, ca }
}

impl Pki {
    pub fn settings(&self) -> ServerTlsSettings {
        ServerTlsSettings {
            cert: self.certs.gateway_server.cert.clone(),
            key: self.certs.gateway_server.key.clone(),
            client_ca: self.certs.ca_cert.clone(),
            crls: vec![self.certs.crl.clone()],
            tls12: false,
            session_resumption: true,
        }
    }
}

/// A client certificate and key as PEM text.
#[derive(Clone)]
pub struct ClientId {
    pub cert_pem: String,
    pub key_pem: String,
}

impl From<&IssuedCert> for ClientId {
    fn from(c: &IssuedCert) -> Self {
        Self { cert_pem: c.cert_pem.clone(), key_pem: c.key_pem.clone() }
    }
}

impl From<&CertFiles> for ClientId {
    fn from(f: &CertFiles) -> Self {
        Self {
            cert_pem: std::fs::read_to_string(&f.cert).unwrap(),
            key_pem: std::fs::read_to_string(&f.key).unwrap(),
        }
    }
}

static TLS12_ONLY: [&rustls::SupportedProtocolVersion; 1] = [&rustls::version::TLS12];
static TLS13_ONLY: [&rustls::SupportedProtocolVersion; 1] = [&rustls::version::TLS13];

fn versions(tls12_only: bool) -> &'static [&'static rustls::SupportedProtocolVersion] {
    if tls12_only {
        &TLS12_ONLY
    } else {
        &TLS13_ONLY
    }
}

/// A client trusting `ca` (PEM file), presenting `id` if given.
pub fn client(ca: &Path, id: Option<&ClientId>, tls12_only: bool) -> Arc<ClientConfig> {
    let roots = isagate::tls::load_roots(ca).unwrap();
    let builder = ClientConfig::builder_with_provider(isagate::tls::provider())
        .with_protocol_versions(versions(tls12_only))
        .unwrap()
        .with_root_certificates(roots);
    let cfg = match id {
        None => builder.with_no_client_auth(),
        Some(id) => {
            let certs = CertificateDer::pem_slice_iter(id.cert_pem.as_bytes())
                .collect::<Result<Vec<_>, _>>()
                .unwrap();
            let key = PrivateKeyDer::from_pem_slice(id.key_pem.as_bytes()).unwrap();
            builder.with_client_auth_cert(certs, key).unwrap()
        }
    };
    Arc::new(cfg)
}

/// What the test server saw on one connection.
pub type Seen = Result<(PeerIdentity, String), String>;

/// A TLS server on 127.0.0.1 that reports each connection's identity (or failure) and
/// answers `ok` or `no` on the connection.
pub struct TestServer {
    pub addr: SocketAddr,
    seen: mpsc::UnboundedReceiver<Seen>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl TestServer {
    pub async fn start(tls: Arc<ServerTls>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, seen) = mpsc::unbounded_channel();
        let task = tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else { return };
                let acceptor = tls.acceptor();
                let tx = tx.clone();
                tokio::spawn(async move {
                    let mut stream = match acceptor.accept(tcp).await {
                        Ok(s) => s,
                        Err(e) => {
                            let _ = tx.send(Err(format!("handshake: {e}")));
                            return;
                        }
                    };
                    let identity = peer_identity(stream.get_ref().1);
                    let answer: &[u8] = if identity.is_ok() { b"ok\n" } else { b"no\n" };
                    let _ = tx.send(identity.map_err(|e| format!("identity: {e}")));
                    let _ = stream.write_all(answer).await;
                    let _ = stream.flush().await;
                    let mut sink = [0u8; 64];
                    let _ = tokio::time::timeout(WAIT, stream.read(&mut sink)).await;
                });
            }
        });
        Self { addr, seen, task }
    }

    /// The next connection's outcome.
    pub async fn next(&mut self) -> Seen {
        tokio::time::timeout(WAIT, self.seen.recv())
            .await
            .expect("the server saw no connection in time")
            .expect("the server stopped")
    }
}

/// Connect, complete the handshake and read the server's answer line.
pub async fn connect(
    addr: SocketAddr,
    cfg: Arc<ClientConfig>,
) -> Result<(String, Option<HandshakeKind>), String> {
    let go = async {
        let tcp = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
        let connector = tokio_rustls::TlsConnector::from(cfg);
        let name = ServerName::try_from("localhost").unwrap();
        let mut stream = connector.connect(name, tcp).await.map_err(|e| format!("connect: {e}"))?;
        let mut line = [0u8; 3];
        stream.read_exact(&mut line).await.map_err(|e| format!("read: {e}"))?;
        let kind = stream.get_ref().1.handshake_kind();
        let _ = stream.shutdown().await;
        Ok((String::from_utf8_lossy(&line).trim().to_owned(), kind))
    };
    tokio::time::timeout(WAIT, go).await.map_err(|_| "timed out".to_owned())?
}

/// Start a server over `pki`'s files with the given settings.
pub async fn server(settings: ServerTlsSettings) -> (Arc<ServerTls>, TestServer) {
    let tls = Arc::new(ServerTls::new(settings).unwrap());
    let server = TestServer::start(tls.clone()).await;
    (tls, server)
}

/// The client's attempt and the server's view both fail, the client's with the TLS alert
/// the server sent (not a dropped or timed-out connection); returns the server's error.
pub async fn assert_refused(server: &mut TestServer, cfg: Arc<ClientConfig>) -> String {
    let client = connect(server.addr, cfg).await;
    match &client {
        Err(e) => assert!(e.contains("received fatal alert"), "refused without an alert: {e}"),
        Ok(answer) => panic!("the client got through: {answer:?}"),
    }
    let seen = server.next().await;
    match seen {
        Err(e) => {
            assert!(e.starts_with("handshake:"), "refused after the handshake, not in it: {e}");
            e
        }
        Ok(id) => panic!("the server accepted {id:?}"),
    }
}
