//! Stage 7: forwarding to recipients. One pooled mTLS client per agency (the gateway's
//! own client certificate, the agency's CA), with connect and response timeouts. The
//! upstream's response body is read with the same size limit as requests. Every request
//! carries the gateway's own `traceparent` for the current span, never the caller's.

use std::collections::HashMap;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Request, StatusCode, Uri};
use http_body_util::{BodyExt as _, Full, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

/// How forwarding failed, as the record and the caller see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpstreamFailure {
    /// 502: refused connection, TLS failure, broken response, body over the limit.
    Failed,
    /// 504: no complete response within the response timeout.
    Timeout,
}

struct Upstream {
    base: Uri,
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
}

/// The upstream clients, by agency id.
pub struct Upstreams {
    by_agency: HashMap<String, Upstream>,
    response_timeout: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum UpstreamConfigError {
    #[error("agency `{agency}`: upstream `{url}` is not a valid https URL")]
    BadUrl { agency: String, url: String },
}

impl Upstreams {
    pub fn new(response_timeout: Duration) -> Self {
        Self { by_agency: HashMap::new(), response_timeout }
    }

    /// Register an agency's upstream with its TLS client configuration.
    pub fn add(
        &mut self,
        agency: &str,
        url: &str,
        mut tls: rustls::ClientConfig,
        connect_timeout: Duration,
        pool_idle: Duration,
    ) -> Result<(), UpstreamConfigError> {
        let bad = || UpstreamConfigError::BadUrl {
            agency: agency.to_owned(),
            url: crate::redaction::url(url),
        };
        let base: Uri = url.trim_end_matches('/').parse().map_err(|_| bad())?;
        if base.scheme_str() != Some("https") || base.host().is_none() {
            return Err(bad());
        }
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(connect_timeout));
        http.set_nodelay(true);
        // hyper-rustls sets ALPN itself from the enabled HTTP versions.
        tls.alpn_protocols.clear();
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_only()
            .enable_all_versions()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(pool_idle)
            .pool_timer(hyper_util::rt::TokioTimer::new())
            .build(https);
        self.by_agency.insert(agency.to_owned(), Upstream { base, client });
        Ok(())
    }

    /// `<upstream base>/<path>?<query>` for an agency.
    pub fn uri(&self, agency: &str, encoded_path: &str, query: &str) -> Option<Uri> {
        let up = self.by_agency.get(agency)?;
        let base = up.base.to_string();
        let base = base.trim_end_matches('/');
        let uri = if query.is_empty() {
            format!("{base}{encoded_path}")
        } else {
            format!("{base}{encoded_path}?{query}")
        };
        uri.parse().ok()
    }

    /// Send a request and read the whole response, within the response timeout.
    pub async fn send(
        &self,
        agency: &str,
        mut req: Request<Full<Bytes>>,
        max_body: usize,
    ) -> Result<(StatusCode, HeaderMap, Bytes), UpstreamFailure> {
        let up = self.by_agency.get(agency).ok_or(UpstreamFailure::Failed)?;
        crate::telemetry::trace_context::inject_own_traceparent(req.headers_mut());
        let exchange = async {
            let resp = up.client.request(req).await.map_err(|e| {
                tracing::warn!(agency, error = %e, "upstream request failed");
                UpstreamFailure::Failed
            })?;
            let (parts, body) = resp.into_parts();
            let bytes = Limited::new(body, max_body)
                .collect()
                .await
                .map_err(|_| UpstreamFailure::Failed)?
                .to_bytes();
            Ok((parts.status, parts.headers, bytes))
        };
        match tokio::time::timeout(self.response_timeout, exchange).await {
            Ok(r) => r,
            Err(_) => {
                tracing::warn!(agency, "upstream timed out");
                Err(UpstreamFailure::Timeout)
            }
        }
    }
}
