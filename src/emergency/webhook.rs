//! The alert webhook (contract section 11): a JSON body POSTed over HTTPS with the header
//! `Isagate-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(key, "<t>.<body>")>`. It
//! carries emergency alerts and, with `checkpoints.webhook`, every signed audit
//! checkpoint (contract section 10) as `{"kind": "audit-checkpoint", "checkpoint": {…}}`,
//! the checkpoint exactly as its file line holds it. Both go through one sender.
//!
//! Delivery runs in a spawned task: it never blocks or undoes the transfer that raised the
//! alert, nor the commit that made the checkpoint. Failed attempts are retried with
//! exponential backoff, in memory and a bounded number of times; every failure is logged
//! and counted (`isagate_webhook_failures_total`). Alerts lost to a restart are covered
//! by the overdue re-alert; checkpoints by the checkpoint file and the next checkpoint.
//!
//! This module must not put anything but the alert's or checkpoint's own fields into the
//! body or a log.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use aws_lc_rs::hmac;
use bytes::Bytes;
use http::{HeaderValue, Request, Uri};
use http_body_util::{BodyExt as _, Full, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use tokio::sync::Semaphore;

use serde::{Deserialize, Serialize};

use super::alert::Alert;
use crate::audit::checkpoint::{Checkpoint, CheckpointSink};
use crate::keys::SecretKey;

/// The signature header.
pub const SIGNATURE_HEADER: &str = "isagate-signature";

/// Counter of failed delivery attempts.
pub const FAILURES_METRIC: &str = "isagate_webhook_failures_total";

/// Where and how alerts are delivered.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// `https://...`: alerts carry no personal data, but they are never sent in clear.
    pub url: String,
    /// The HMAC key (a key file: base64 of at least 32 random bytes).
    pub key: SecretKey,
    /// PEM bundle of the CA(s) that sign the receiver's certificate.
    pub ca: PathBuf,
    /// Attempts per alert, the first included (default 6).
    pub max_attempts: u32,
    /// Wait before the second attempt; doubled each time (default 1 s), capped at 5 min.
    pub first_backoff: Duration,
    /// One attempt's deadline, connect included (default 10 s).
    pub timeout: Duration,
    /// Alerts waiting or in flight at once; more are dropped and counted (default 1024).
    pub max_pending: usize,
}

impl WebhookSettings {
    /// Settings with the documented defaults.
    pub fn new(url: impl Into<String>, key: SecretKey, ca: impl Into<PathBuf>) -> Self {
        Self {
            url: url.into(),
            key,
            ca: ca.into(),
            max_attempts: 6,
            first_backoff: Duration::from_secs(1),
            timeout: Duration::from_secs(10),
            max_pending: 1024,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("webhook url `{0}` is not an https URL")]
    BadUrl(String),
    #[error("cannot read the webhook CA `{path}`: {message}")]
    Ca { path: String, message: String },
    #[error("webhook TLS configuration failed: {0}")]
    Tls(String),
    #[error("webhook request failed: {0}")]
    Request(String),
    #[error("webhook answered {0}")]
    Status(u16),
    #[error("webhook did not answer in time")]
    Timeout,
}

/// Signed checkpoints waiting for the webhook at most (more are dropped and counted).
const CHECKPOINT_QUEUE: usize = 1024;

/// The webhook body for a signed audit checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum CheckpointMessage {
    /// `{"kind": "audit-checkpoint", "checkpoint": {seq, head, time, key, sig}}`.
    AuditCheckpoint { checkpoint: Checkpoint },
}

/// One body to deliver, and what a log line may say about it (ids, never content).
struct Delivery {
    body: Bytes,
    kind: &'static str,
    id: String,
}

/// A configured webhook. Cheap to share behind an `Arc`.
pub struct Webhook {
    url: Uri,
    key: hmac::Key,
    client: HttpsClient,
    settings: WebhookSettings,
    pending: Arc<Semaphore>,
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhook").field("url", &self.url).finish_non_exhaustive()
    }
}

/// `t=<t>,v1=<hex HMAC-SHA256(key, "<t>.<body>")>`.
pub fn signature(key: &SecretKey, t: i64, body: &[u8]) -> String {
    sign_with(&hmac::Key::new(hmac::HMAC_SHA256, key.as_bytes()), t, body)
}

fn sign_with(key: &hmac::Key, t: i64, body: &[u8]) -> String {
    let mut ctx = hmac::Context::with_key(key);
    ctx.update(t.to_string().as_bytes());
    ctx.update(b".");
    ctx.update(body);
    format!("t={t},v1={}", hex::encode(ctx.sign().as_ref()))
}

/// Check a received signature header (for receivers, and the tests): the MAC matches and
/// `t` is within `tolerance` seconds of `now`. Constant-time comparison.
pub fn verify_signature(
    key: &SecretKey,
    header: &str,
    body: &[u8],
    now: i64,
    tolerance: i64,
) -> bool {
    let mut t = None;
    let mut v1 = None;
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => t = v.parse::<i64>().ok(),
            Some(("v1", v)) => v1 = hex::decode(v).ok(),
            _ => {}
        }
    }
    let (Some(t), Some(mac)) = (t, v1) else { return false };
    if (now - t).abs() > tolerance {
        return false;
    }
    let k = hmac::Key::new(hmac::HMAC_SHA256, key.as_bytes());
    let mut msg = t.to_string().into_bytes();
    msg.push(b'.');
    msg.extend_from_slice(body);
    hmac::verify(&k, &msg, &mac).is_ok()
}

fn load_roots(path: &Path) -> Result<rustls::RootCertStore, WebhookError> {
    let ca_err = |message: String| WebhookError::Ca { path: path.display().to_string(), message };
    let pem = std::fs::read(path).map_err(|e| ca_err(e.to_string()))?;
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_pemfile::certs(&mut pem.as_slice()) {
        let cert = cert.map_err(|e| ca_err(e.to_string()))?;
        roots.add(cert).map_err(|e| ca_err(e.to_string()))?;
    }
    if roots.is_empty() {
        return Err(ca_err("no certificate in the file".into()));
    }
    Ok(roots)
}

impl Webhook {
    /// Build the HTTPS client. Fails on a bad URL or CA file, at startup.
    pub fn new(settings: WebhookSettings) -> Result<Self, WebhookError> {
        let url: Uri = settings
            .url
            .parse()
            .map_err(|_| WebhookError::BadUrl(crate::redaction::url(&settings.url)))?;
        if url.scheme_str() != Some("https") || url.host().is_none() {
            return Err(WebhookError::BadUrl(crate::redaction::url(&settings.url)));
        }
        let roots = load_roots(&settings.ca)?;
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| WebhookError::Tls(e.to_string()))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(settings.timeout));
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_only()
            .enable_http1()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new()).build(https);
        Ok(Self {
            url,
            key: hmac::Key::new(hmac::HMAC_SHA256, settings.key.as_bytes()),
            client,
            pending: Arc::new(Semaphore::new(settings.max_pending.max(1))),
            settings,
        })
    }

    /// Deliver `alert` in the background, with retries. Returns at once; the handle is for
    /// tests and shutdown (it resolves to whether the alert was delivered).
    pub fn notify(self: &Arc<Self>, alert: Alert) -> Option<tokio::task::JoinHandle<bool>> {
        self.enqueue(Self::alert_delivery(&alert)?)
    }

    /// Deliver every checkpoint put into the returned sink, each as its own signed POST
    /// with retries (like alerts). The task ends once every sink is dropped.
    pub fn forward_checkpoints(self: &Arc<Self>) -> (CheckpointSink, tokio::task::JoinHandle<()>) {
        let (sink, mut rx) = CheckpointSink::channel(CHECKPOINT_QUEUE);
        let me = Arc::clone(self);
        let task = tokio::spawn(async move {
            while let Some(checkpoint) = rx.recv().await {
                let id = checkpoint.seq.to_string();
                let message = CheckpointMessage::AuditCheckpoint { checkpoint };
                let Ok(body) = serde_json::to_vec(&message) else { continue };
                me.enqueue(Delivery { body: Bytes::from(body), kind: "audit-checkpoint", id });
            }
        });
        (sink, task)
    }

    fn alert_delivery(alert: &Alert) -> Option<Delivery> {
        let body = serde_json::to_vec(alert).ok()?;
        Some(Delivery {
            body: Bytes::from(body),
            kind: alert.kind.as_str(),
            id: alert.disclosure_id.clone(),
        })
    }

    /// Deliver in the background unless `max_pending` deliveries are already waiting.
    fn enqueue(self: &Arc<Self>, delivery: Delivery) -> Option<tokio::task::JoinHandle<bool>> {
        let Ok(permit) = Arc::clone(&self.pending).try_acquire_owned() else {
            tracing::warn!(kind = delivery.kind, id = %delivery.id, "webhook queue full; not sent");
            metrics::counter!(FAILURES_METRIC, "reason" => "queue-full").increment(1);
            return None;
        };
        let me = Arc::clone(self);
        Some(tokio::spawn(async move {
            let delivered = me.deliver(&delivery).await;
            drop(permit);
            delivered
        }))
    }

    /// Try up to `max_attempts` times with exponential backoff.
    pub async fn deliver_with_retries(&self, alert: &Alert) -> bool {
        match Self::alert_delivery(alert) {
            Some(d) => self.deliver(&d).await,
            None => false,
        }
    }

    async fn deliver(&self, delivery: &Delivery) -> bool {
        let mut wait = self.settings.first_backoff;
        for attempt in 1..=self.settings.max_attempts.max(1) {
            match self.deliver_once(delivery.body.clone()).await {
                Ok(()) => return true,
                Err(e) => {
                    tracing::warn!(
                        kind = delivery.kind,
                        id = %delivery.id,
                        attempt,
                        error = %e,
                        "webhook delivery failed"
                    );
                    metrics::counter!(FAILURES_METRIC, "reason" => "attempt").increment(1);
                }
            }
            if attempt < self.settings.max_attempts {
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(300));
            }
        }
        tracing::error!(kind = delivery.kind, id = %delivery.id, "webhook delivery given up after every attempt");
        metrics::counter!(FAILURES_METRIC, "reason" => "given-up").increment(1);
        false
    }

    /// One signed POST; success is any 2xx answer.
    pub async fn deliver_once(&self, body: Bytes) -> Result<(), WebhookError> {
        let t = jiff::Timestamp::now().as_second();
        let sig = sign_with(&self.key, t, &body);
        let req = Request::post(self.url.clone())
            .header(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .header(SIGNATURE_HEADER, sig)
            .header(http::header::USER_AGENT, HeaderValue::from_static("isagate-alerts"))
            .body(Full::new(body))
            .map_err(|e| WebhookError::Request(e.to_string()))?;
        // The body is read (bounded) only so that the connection can be reused.
        let (parts, _body) = exchange(&self.client, req, 64 * 1024, self.settings.timeout)
            .await
            .map_err(|e| match e {
                Unanswered::Failed(message) => WebhookError::Request(message),
                Unanswered::Timeout => WebhookError::Timeout,
            })?;
        if parts.status.is_success() {
            Ok(())
        } else {
            Err(WebhookError::Status(parts.status.as_u16()))
        }
    }
}

/// The HTTPS client the webhook and the admin client send with.
pub(crate) type HttpsClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// Why [`exchange`] got no answer.
pub(crate) enum Unanswered {
    /// The request could not be sent or its answer's head not read (the error chain).
    Failed(String),
    Timeout,
}

/// Send `req` and read at most `limit` bytes of the answer's body, all within `timeout`.
/// The body is `Err` (a sentence) when it could not be read or is larger than `limit`.
pub(crate) async fn exchange(
    client: &HttpsClient,
    req: Request<Full<Bytes>>,
    limit: usize,
    timeout: Duration,
) -> Result<(http::response::Parts, Result<Bytes, String>), Unanswered> {
    let run = async {
        let resp = client.request(req).await.map_err(|e| Unanswered::Failed(error_chain(&e)))?;
        let (parts, body) = resp.into_parts();
        let body = Limited::new(body, limit)
            .collect()
            .await
            .map(http_body_util::Collected::to_bytes)
            .map_err(|e| e.to_string());
        Ok((parts, body))
    };
    tokio::time::timeout(timeout, run).await.map_err(|_| Unanswered::Timeout)?
}

/// An error and its causes, as one line.
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(inner) = cur {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        cur = inner.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SecretKey {
        SecretKey::from_base64(&"C".repeat(44)).unwrap()
    }

    #[test]
    fn signature_round_trips_and_rejects_changes() {
        let body = br#"{"kind":"emergency-disclosure"}"#;
        let h = signature(&key(), 1_700_000_000, body);
        assert!(h.starts_with("t=1700000000,v1="));
        assert_eq!(h.len(), "t=1700000000,v1=".len() + 64);
        assert!(verify_signature(&key(), &h, body, 1_700_000_010, 300));
        assert!(!verify_signature(&key(), &h, b"{}", 1_700_000_010, 300));
        assert!(!verify_signature(&key(), &h, body, 1_700_001_000, 300), "too old");
        let other = SecretKey::from_base64(&"D".repeat(44)).unwrap();
        assert!(!verify_signature(&other, &h, body, 1_700_000_010, 300));
        assert!(!verify_signature(&key(), "v1=00", body, 1_700_000_010, 300));
    }

    #[test]
    fn signature_is_hmac_of_t_dot_body() {
        // Independent computation: HMAC over the concatenated message.
        let body = b"{}";
        let k = hmac::Key::new(hmac::HMAC_SHA256, key().as_bytes());
        let expected = hex::encode(hmac::sign(&k, b"42.{}").as_ref());
        assert_eq!(signature(&key(), 42, body), format!("t=42,v1={expected}"));
    }

    #[test]
    fn a_checkpoint_body_is_the_file_line_under_a_kind() {
        let checkpoint = Checkpoint {
            seq: 4,
            head: "ab".repeat(32),
            time: "2026-12-07T12:00:00.000000Z".into(),
            key: "cd".repeat(32),
            sig: "c2ln".into(),
        };
        let body = CheckpointMessage::AuditCheckpoint { checkpoint: checkpoint.clone() };
        let v = serde_json::to_value(&body).unwrap();
        assert_eq!(v["kind"], "audit-checkpoint");
        assert_eq!(v["checkpoint"], serde_json::to_value(&checkpoint).unwrap());
        assert_eq!(v.as_object().unwrap().len(), 2);
    }

    #[test]
    fn plain_http_urls_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let ca = dir.path().join("ca.pem");
        std::fs::write(&ca, "").unwrap();
        let e = Webhook::new(WebhookSettings::new("http://127.0.0.1:1/", key(), &ca)).unwrap_err();
        assert!(matches!(e, WebhookError::BadUrl(_)));
        let e = Webhook::new(WebhookSettings::new("https://127.0.0.1:1/", key(), &ca)).unwrap_err();
        assert!(matches!(e, WebhookError::Ca { .. }));
    }
}
