//! `isagate.toml` exactly as written: every table refuses unknown keys, every value keeps
//! its source span so validation can name the line.
//!
//! No defaults and no checks here: `validate` turns these into a [`super::Config`].

use serde::Deserialize;
use toml::Spanned;

use super::units::{DurationValue, SizeValue};

pub type S<T> = Spanned<T>;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawConfig {
    pub listen: RawListen,
    pub tls: RawTls,
    pub upstream_client: RawUpstreamClient,
    pub store: RawStore,
    pub limits: RawLimits,
    pub rate_limits: RawRateLimits,
    pub keys: RawKeys,
    pub checkpoints: RawCheckpoints,
    pub alerts: RawAlerts,
    pub telemetry: RawTelemetry,
    pub admin_client: RawAdminClient,
    pub paths: RawPaths,
    pub shutdown: RawShutdown,
    pub agencies: Vec<S<RawAgency>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawListen {
    pub transfer: Option<S<String>>,
    pub admin: Option<S<String>>,
    pub ops: Option<S<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawTls {
    pub server_cert: Option<S<String>>,
    pub server_key: Option<S<String>>,
    pub client_ca: Option<S<String>>,
    pub crls: Option<S<Vec<String>>>,
    pub crl_check_interval: Option<S<DurationValue>>,
    pub tls12: Option<S<bool>>,
    pub session_resumption: Option<S<bool>>,
    pub admin_server_cert: Option<S<String>>,
    pub admin_server_key: Option<S<String>>,
    pub governance_ca: Option<S<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawUpstreamClient {
    pub cert: Option<S<String>>,
    pub key: Option<S<String>>,
    pub connect_timeout: Option<S<DurationValue>>,
    pub response_timeout: Option<S<DurationValue>>,
    pub pool_idle: Option<S<DurationValue>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawStore {
    pub url: Option<S<String>>,
    pub group_commit_window: Option<S<DurationValue>>,
    pub append_timeout: Option<S<DurationValue>>,
    pub pool_size: Option<S<i64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawLimits {
    pub max_body: Option<S<SizeValue>>,
    pub max_depth: Option<S<i64>>,
    pub max_header_bytes: Option<S<SizeValue>>,
    pub read_timeout: Option<S<DurationValue>>,
    pub request_timeout: Option<S<DurationValue>>,
    pub decompressed_max: Option<S<SizeValue>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawRateLimits {
    pub per_caller: Option<S<RawRate>>,
    pub per_flow: Option<S<RawRate>>,
    pub per_requester: Option<S<RawRate>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRate {
    pub count: i64,
    pub per: DurationValue,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawKeys {
    pub pseudonymisation: Option<S<String>>,
    pub subject: Option<S<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawCheckpoints {
    pub key: Option<S<String>>,
    pub file: Option<S<String>>,
    pub every_records: Option<S<i64>>,
    pub every: Option<S<DurationValue>>,
    pub webhook: Option<S<bool>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawAlerts {
    pub webhook_url: Option<S<String>>,
    pub webhook_key: Option<S<String>>,
    pub review_overdue: Option<S<DurationValue>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawTelemetry {
    pub otlp_endpoint: Option<S<String>>,
    pub log_format: Option<S<String>>,
    pub log_level: Option<S<String>>,
    pub service_name: Option<S<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawAdminClient {
    pub url: Option<S<String>>,
    pub cert: Option<S<String>>,
    pub key: Option<S<String>>,
    pub ca: Option<S<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawPaths {
    pub agreements: Option<S<String>>,
    pub schemas: Option<S<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawShutdown {
    pub drain: Option<S<DurationValue>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawAgency {
    pub id: Option<S<String>>,
    pub name: Option<S<String>>,
    pub jurisdiction: Option<S<String>>,
    pub upstream: Option<S<String>>,
    pub upstream_ca: Option<S<String>>,
    pub pins: Option<S<Vec<S<String>>>>,
}
