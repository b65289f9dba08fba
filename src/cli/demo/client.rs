//! A small mTLS HTTP client that presents an agency (or governance) certificate: what
//! the demo uses to send sample transfers, and what the tests use as a partner agency.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::{BodyExt as _, Full};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// A response as the caller saw it.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    /// The body as JSON (`Null` when it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// The `Isagate-Disclosure-Id` header.
    pub fn disclosure_id(&self) -> Option<String> {
        self.headers.get("isagate-disclosure-id")?.to_str().ok().map(str::to_owned)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("cannot read `{path}`: {message}")]
    Pem { path: String, message: String },
    #[error("TLS client configuration: {0}")]
    Tls(#[from] rustls::Error),
    #[error("request failed: {0}")]
    Request(String),
}

/// An mTLS client with one identity.
#[derive(Clone)]
pub struct TransferClient {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
}

impl TransferClient {
    /// Present `cert`/`key`, trust servers signed by `ca`.
    pub fn new(cert: &Path, key: &Path, ca: &Path) -> Result<Self, ClientError> {
        let pem_err = |path: &Path| {
            let path = path.display().to_string();
            move |e: rustls::pki_types::pem::Error| ClientError::Pem {
                path,
                message: e.to_string(),
            }
        };
        let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
            .map_err(pem_err(cert))?
            .collect::<Result<_, _>>()
            .map_err(pem_err(cert))?;
        let key = PrivateKeyDer::from_pem_file(key).map_err(pem_err(key))?;
        let mut roots = rustls::RootCertStore::empty();
        for c in CertificateDer::pem_file_iter(ca).map_err(pem_err(ca))? {
            roots.add(c.map_err(pem_err(ca))?)?;
        }
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_client_auth_cert(chain, key)?;
        let https = crate::tls::https_connector(config, Duration::from_secs(5));
        Ok(Self { client: Client::builder(TokioExecutor::new()).build(https) })
    }

    /// Send a request exactly as given (no `Content-Type` added).
    pub async fn send_raw(
        &self,
        method: Method,
        url: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Result<Reply, ClientError> {
        let mut req = Request::builder().method(method).uri(url);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| ClientError::Request(e.to_string()))?;
        self.exchange(req).await
    }

    /// Send one request and read the whole reply (30 s at most).
    pub async fn send(
        &self,
        method: Method,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Result<Reply, ClientError> {
        let mut req = Request::builder().method(method).uri(url);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if body.is_some() {
            req = req.header("content-type", "application/json");
        }
        let req = req
            .body(Full::new(Bytes::from(body.unwrap_or_default())))
            .map_err(|e| ClientError::Request(e.to_string()))?;
        self.exchange(req).await
    }

    async fn exchange(&self, req: Request<Full<Bytes>>) -> Result<Reply, ClientError> {
        let exchange = async {
            let resp = self
                .client
                .request(req)
                .await
                .map_err(|e| ClientError::Request(format!("{e:?}")))?;
            let (parts, body) = resp.into_parts();
            let body =
                body.collect().await.map_err(|e| ClientError::Request(e.to_string()))?.to_bytes();
            Ok(Reply { status: parts.status, headers: parts.headers, body })
        };
        tokio::time::timeout(Duration::from_secs(30), exchange)
            .await
            .map_err(|_| ClientError::Request("timed out".into()))?
    }
}
