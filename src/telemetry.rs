//! Logs, metrics and traces: what the gateway tells its operators about itself.
//!
//! - [`logging`]: `tracing` logs (JSON when not on a terminal) and, when an endpoint is
//!   configured, OpenTelemetry traces over OTLP/HTTP.
//! - [`metrics`]: the Prometheus recorder and one named function per metric, so every
//!   metric name and label lives in one place (and is listed in `docs/operations.md`).
//! - [`ops`]: the plain-HTTP operations listener (`/healthz`, `/readyz`, `/metrics`).
//! - [`trace_context`]: W3C `traceparent` at the edges: the caller's becomes a span
//!   link, the upstream gets the gateway's own.
//!
//! This module must never put personal data into a log field, a span attribute or a
//! metric label: labels are codes, agency ids, flow ids and outcomes only.

pub mod logging;
pub mod metrics;
pub mod ops;
pub mod trace_context;

pub use self::logging::{
    build_subscriber, build_subscriber_at, init_logging, log_directives, LogFormat, OtlpSettings,
    TelemetryError, TelemetryGuard,
};
pub use self::metrics::{install_metrics, MetricsHandle};
pub use self::ops::{readiness_fn, serve_ops, Readiness, DEFAULT_OPS_ADDR};
