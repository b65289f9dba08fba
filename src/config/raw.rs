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
    pub governance: RawGovernance,
    pub agencies: Vec<S<RawAgency>>,
}

/// Declares each table whose keys are all optional: every field is an `Option<S<T>>`
/// (an absent key is `None`), and an unknown key is refused.
macro_rules! optional_tables {
    ($($name:ident { $($field:ident: $ty:ty),* $(,)? })*) => {
        $(
            #[derive(Debug, Default, Deserialize)]
            #[serde(deny_unknown_fields, default)]
            pub struct $name {
                $(pub $field: Option<S<$ty>>,)*
            }
        )*
    };
}

optional_tables! {
    RawListen { transfer: String, admin: String, ops: String }
    RawTls {
        server_cert: String,
        server_key: String,
        client_ca: String,
        crls: Vec<String>,
        crl_check_interval: DurationValue,
        tls12: bool,
        session_resumption: bool,
        admin_server_cert: String,
        admin_server_key: String,
        governance_ca: String,
    }
    RawUpstreamClient {
        cert: String,
        key: String,
        connect_timeout: DurationValue,
        response_timeout: DurationValue,
        pool_idle: DurationValue,
    }
    RawStore {
        url: String,
        group_commit_window: DurationValue,
        append_timeout: DurationValue,
        pool_size: i64,
        min_free_disk: SizeValue,
        ready_retry: DurationValue,
    }
    RawLimits {
        max_body: SizeValue,
        max_depth: i64,
        max_header_bytes: SizeValue,
        read_timeout: DurationValue,
        request_timeout: DurationValue,
        decompressed_max: SizeValue,
        idle_timeout: DurationValue,
        max_connections: i64,
        max_connections_per_agency: i64,
    }
    RawRateLimits { per_caller: RawRate, per_flow: RawRate, per_requester: RawRate }
    RawKeys { pseudonymisation: String, subject: String, console: String }
    RawCheckpoints {
        key: String,
        file: String,
        every_records: i64,
        every: DurationValue,
        webhook: bool,
    }
    RawAlerts { webhook_url: String, webhook_key: String, review_overdue: DurationValue }
    RawTelemetry {
        otlp_endpoint: String,
        log_format: String,
        log_level: String,
        service_name: String,
    }
    RawAdminClient { url: String, cert: String, key: String, ca: String }
    RawPaths { agreements: String, schemas: String, archive: String }
    RawShutdown { drain: DurationValue }
    RawGovernance { four_eyes: bool }
    RawAgency {
        id: String,
        name: String,
        jurisdiction: String,
        upstream: String,
        upstream_ca: String,
        pins: Vec<S<String>>,
        public_authority: bool,
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRate {
    pub count: i64,
    pub per: DurationValue,
}
