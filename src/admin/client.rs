//! The admin API client: what `isagate emergency ...` and `isagate restrictions ...` use
//! to reach a running gateway (`[admin_client]` in the config: URL, certificate, key, CA).
//! mTLS with a governance certificate, HTTP/1.1 or HTTP/2, JSON in and out.

use std::path::Path;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, Method, Request, Uri};
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use crate::emergency::webhook::{exchange, HttpsClient, Unanswered};

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("admin url `{0}` is not an https URL")]
    BadUrl(String),
    #[error("cannot read `{path}`: {message}")]
    File { path: String, message: String },
    #[error("the admin client's TLS configuration is invalid: {0}")]
    Tls(String),
    #[error("cannot reach the admin API: {0}")]
    Request(String),
    #[error("the admin API did not answer in time")]
    Timeout,
    #[error("the admin API answered {status} with a body that is not JSON")]
    NotJson { status: u16 },
}

/// One answer: status, JSON body, and the record id when the answer follows one.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub body: serde_json::Value,
    pub record_id: Option<String>,
}

/// A client for one gateway's admin listener.
pub struct AdminClient {
    base: String,
    client: HttpsClient,
    timeout: Duration,
}

fn read(path: &Path) -> Result<Vec<u8>, ClientError> {
    std::fs::read(path)
        .map_err(|e| ClientError::File { path: path.display().to_string(), message: e.to_string() })
}

impl AdminClient {
    /// From PEM files: the governance certificate (chain), its key, and the CA that signs the
    /// gateway's admin certificate.
    pub fn from_files(url: &str, cert: &Path, key: &Path, ca: &Path) -> Result<Self, ClientError> {
        Self::new(url, &read(cert)?, &read(key)?, &read(ca)?)
    }

    pub fn new(
        url: &str,
        cert_pem: &[u8],
        key_pem: &[u8],
        ca_pem: &[u8],
    ) -> Result<Self, ClientError> {
        let uri: Uri = url.parse().map_err(|_| ClientError::BadUrl(crate::redaction::url(url)))?;
        if uri.scheme_str() != Some("https") || uri.host().is_none() {
            return Err(ClientError::BadUrl(crate::redaction::url(url)));
        }
        let tls_err = |e: &dyn std::fmt::Display| ClientError::Tls(e.to_string());
        let mut roots = rustls::RootCertStore::empty();
        for c in rustls_pemfile::certs(&mut &ca_pem[..]) {
            roots.add(c.map_err(|e| tls_err(&e))?).map_err(|e| tls_err(&e))?;
        }
        let chain = rustls_pemfile::certs(&mut &cert_pem[..])
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| tls_err(&e))?;
        let key = rustls_pemfile::private_key(&mut &key_pem[..])
            .map_err(|e| tls_err(&e))?
            .ok_or_else(|| ClientError::Tls("no private key in the key file".into()))?;
        let tls = rustls::ClientConfig::builder_with_provider(crate::tls::provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| tls_err(&e))?
            .with_root_certificates(roots)
            .with_client_auth_cert(chain, key)
            .map_err(|e| tls_err(&e))?;
        let https = crate::tls::https_connector(tls, Duration::from_secs(10));
        Ok(Self {
            base: url.trim_end_matches('/').to_owned(),
            client: Client::builder(TokioExecutor::new()).build(https),
            timeout: Duration::from_secs(30),
        })
    }

    /// Send `method path_and_query` with an optional JSON body.
    pub async fn send(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<Answer, ClientError> {
        let uri = format!("{}{}", self.base, path_and_query);
        let bytes = match body {
            Some(v) => {
                Bytes::from(serde_json::to_vec(v).map_err(|e| ClientError::Request(e.to_string()))?)
            }
            None => Bytes::new(),
        };
        let mut req = Request::builder().method(method).uri(uri);
        if body.is_some() {
            req = req
                .header(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        let req = req.body(Full::new(bytes)).map_err(|e| ClientError::Request(e.to_string()))?;
        let (parts, bytes) = exchange(&self.client, req, 64 * 1024 * 1024, self.timeout)
            .await
            .map_err(|e| match e {
                Unanswered::Failed(message) => ClientError::Request(message),
                Unanswered::Timeout => ClientError::Timeout,
            })?;
        let bytes = bytes.map_err(ClientError::Request)?;
        let status = parts.status.as_u16();
        let body = serde_json::from_slice(&bytes).map_err(|_| ClientError::NotJson { status })?;
        let header =
            |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        Ok(Answer {
            status,
            content_type: header("content-type").unwrap_or_default(),
            body,
            record_id: header(crate::codes::problem::DISCLOSURE_ID),
        })
    }
}
