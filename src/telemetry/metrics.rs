//! Prometheus metrics: the recorder, and one function per metric.
//!
//! Every metric name and label is written here and nowhere else, so the list in
//! `docs/operations.md` can be checked against one file. Callers record through the
//! named functions ([`transfer_completed`], [`refusal`], [`store_commit`], ...), never
//! through the `metrics` macros directly.
//!
//! Labels are codes, agency ids, flow ids and outcomes: values from configuration or
//! from a fixed vocabulary. This module must never take a label value from a request
//! body, a header a caller wrote, or a subject id.

use std::sync::OnceLock;
use std::time::Duration;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use super::logging::TelemetryError;
// Emergency categories of contract section 6; anything else is labelled `other`.
use crate::agreements::model::EMERGENCY_CATEGORIES;
use crate::audit::record::Outcome;
use crate::codes::RefusalCode;

/// Names of every metric, for the docs test and for dashboards.
pub mod names {
    pub const TRANSFERS: &str = "isagate_transfers_total";
    pub const TRANSFER_DURATION: &str = "isagate_transfer_duration_seconds";
    pub const REFUSALS: &str = "isagate_refusals_total";
    pub const STORE_COMMIT_DURATION: &str = "isagate_store_commit_duration_seconds";
    pub const STORE_COMMIT_BATCH: &str = "isagate_store_commit_batch_size";
    pub const STORE_FAILURES: &str = "isagate_store_failures_total";
    pub const UPSTREAM_DURATION: &str = "isagate_upstream_duration_seconds";
    pub const EMERGENCY_ALERTS: &str = "isagate_emergency_alerts_total";
    pub const WEBHOOK_FAILURES: &str = "isagate_webhook_failures_total";
    pub const AGREEMENT_RELOADS: &str = "isagate_agreement_reloads_total";
    pub const AGREEMENTS_LOADED: &str = "isagate_agreements_loaded";
    pub const AGREEMENTS_EXPIRED: &str = "isagate_agreements_expired";
    pub const TLS_HANDSHAKES_REFUSED: &str = "isagate_tls_handshakes_refused_total";
    pub const ADMIN_REFUSALS: &str = "isagate_admin_refusals_total";
    pub const STORE_COMMITS: &str = "isagate_store_commits_total";
    pub const STORE_RECORDS: &str = "isagate_store_records_total";
    pub const CHECKPOINT_FAILURES: &str = "isagate_checkpoint_failures_total";
    pub const CONNECTIONS_OPEN: &str = "isagate_connections_open";
    pub const CONNECTIONS_REFUSED: &str = "isagate_connections_refused_total";
    pub const CONNECTIONS_IDLE_CLOSED: &str = "isagate_connections_idle_closed_total";
    pub const STORE_FREE_DISK: &str = "isagate_store_free_disk_bytes";

    /// Every metric above, with its kind and its `# HELP` text (the docs test reads it too).
    pub const ALL: &[Metric] = &[
        counter(TRANSFERS, "Transfers finished, by outcome and HTTP status."),
        histogram(TRANSFER_DURATION, "Time from request head to response, by outcome."),
        counter(REFUSALS, "Refusals, by refusal code."),
        histogram(STORE_COMMIT_DURATION, "Durable commit latency of one batch."),
        histogram(STORE_COMMIT_BATCH, "Records per committed batch."),
        counter(STORE_FAILURES, "Batches the audit store failed to commit."),
        histogram(UPSTREAM_DURATION, "Upstream round trip, by recipient agency."),
        counter(EMERGENCY_ALERTS, "Emergency alerts raised, by category and kind."),
        counter(WEBHOOK_FAILURES, "Alert or checkpoint webhook deliveries that failed."),
        counter(AGREEMENT_RELOADS, "Agreement reloads, by result."),
        gauge(AGREEMENTS_LOADED, "Agreements in the active set."),
        gauge(
            AGREEMENTS_EXPIRED,
            "Agreements still active past their expiry at the last load: loaded, not in force.",
        ),
        counter(TLS_HANDSHAKES_REFUSED, "TLS handshakes refused on a listener."),
        counter(ADMIN_REFUSALS, "Admin API requests refused, by problem code."),
        counter(STORE_COMMITS, "Batches the audit store committed durably."),
        counter(STORE_RECORDS, "Records the audit store committed durably."),
        counter(CHECKPOINT_FAILURES, "Signed checkpoints not written or not queued."),
        gauge(CONNECTIONS_OPEN, "Open connections, by listener."),
        counter(
            CONNECTIONS_REFUSED,
            "Connections refused by a connection cap, by listener and cap.",
        ),
        counter(CONNECTIONS_IDLE_CLOSED, "Connections closed for idleness."),
        gauge(STORE_FREE_DISK, "Free bytes on the SQLite store's file system."),
    ];

    /// A metric as Prometheus lists it.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Metric {
        pub name: &'static str,
        pub kind: Kind,
        /// The `# HELP` text.
        pub help: &'static str,
    }

    /// A metric's type, as the `# TYPE` line and the docs' table name it.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Kind {
        Counter,
        Gauge,
        Histogram,
    }

    impl Kind {
        pub fn as_str(self) -> &'static str {
            match self {
                Self::Counter => "counter",
                Self::Gauge => "gauge",
                Self::Histogram => "histogram",
            }
        }
    }

    const fn counter(name: &'static str, help: &'static str) -> Metric {
        Metric { name, kind: Kind::Counter, help }
    }

    const fn gauge(name: &'static str, help: &'static str) -> Metric {
        Metric { name, kind: Kind::Gauge, help }
    }

    const fn histogram(name: &'static str, help: &'static str) -> Metric {
        Metric { name, kind: Kind::Histogram, help }
    }

    /// The counters among them: registered at zero when the exporter starts, so a
    /// scrape before the first transfer already lists them.
    pub const COUNTERS: &[&str] = &[
        TRANSFERS,
        REFUSALS,
        STORE_FAILURES,
        EMERGENCY_ALERTS,
        WEBHOOK_FAILURES,
        AGREEMENT_RELOADS,
        TLS_HANDSHAKES_REFUSED,
        ADMIN_REFUSALS,
        STORE_COMMITS,
        STORE_RECORDS,
        CHECKPOINT_FAILURES,
    ];
}

/// Bucket bounds (seconds) for every `*_seconds` histogram: 1 ms to 30 s.
pub const LATENCY_BUCKETS: &[f64] =
    &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

/// Bucket bounds for the store's group-commit batch sizes.
pub const BATCH_BUCKETS: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 1024.0];

/// How often histograms are drained when nobody scrapes.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// Renders the Prometheus text exposition of every metric. Cheap to clone.
#[derive(Clone, Debug)]
pub struct MetricsHandle(PrometheusHandle);

impl MetricsHandle {
    /// The Prometheus text format (version 0.0.4).
    pub fn render(&self) -> String {
        self.0.render()
    }
}

/// Installs the process-wide Prometheus recorder once; later calls return the same
/// handle (tests call it from many places in one process).
pub fn install_metrics() -> Result<MetricsHandle, TelemetryError> {
    static HANDLE: OnceLock<Result<MetricsHandle, String>> = OnceLock::new();
    HANDLE.get_or_init(install_once).clone().map_err(TelemetryError::Metrics)
}

fn install_once() -> Result<MetricsHandle, String> {
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), LATENCY_BUCKETS)
        .and_then(|b| {
            b.set_buckets_for_metric(Matcher::Full(names::STORE_COMMIT_BATCH.into()), BATCH_BUCKETS)
        })
        .and_then(|b| b.install_recorder())
        .map_err(|e| e.to_string())?;
    describe();
    for name in names::COUNTERS {
        metrics::counter!(*name).increment(0);
    }
    for m in names::ALL.iter().filter(|m| m.kind == names::Kind::Histogram) {
        // Registered without a sample: listed (with zero counts) from the first scrape.
        drop(metrics::histogram!(m.name));
    }
    metrics::gauge!(names::AGREEMENTS_LOADED).set(0.0);
    metrics::gauge!(names::AGREEMENTS_EXPIRED).set(0.0);
    for listener in LISTENERS {
        metrics::gauge!(names::CONNECTIONS_OPEN, "listener" => listener).increment(0.0);
        metrics::counter!(names::CONNECTIONS_IDLE_CLOSED, "listener" => listener).increment(0);
        for cap in [CapKind::Total, CapKind::Peer] {
            metrics::counter!(names::CONNECTIONS_REFUSED, "listener" => listener, "cap" => cap.label())
                .increment(0);
        }
    }
    let upkeep = handle.clone();
    std::thread::Builder::new()
        .name("isagate-metrics-upkeep".into())
        .spawn(move || loop {
            std::thread::sleep(UPKEEP_EVERY);
            upkeep.run_upkeep();
        })
        .map_err(|e| format!("cannot start the upkeep thread: {e}"))?;
    Ok(MetricsHandle(handle))
}

/// `# HELP` lines for every metric.
fn describe() {
    use names::Kind;
    for m in names::ALL {
        match m.kind {
            Kind::Counter => metrics::describe_counter!(m.name, m.help),
            Kind::Gauge => metrics::describe_gauge!(m.name, m.help),
            Kind::Histogram => metrics::describe_histogram!(m.name, m.help),
        }
    }
}

/// The listeners the connection metrics are labelled with.
pub const LISTENERS: [&str; 2] = ["transfer", "admin"];

/// Which connection cap refused a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CapKind {
    /// `limits.max_connections`: the listener's total.
    Total,
    /// `limits.max_connections_per_agency`: one peer identity's share.
    Peer,
}

impl CapKind {
    fn label(self) -> &'static str {
        match self {
            CapKind::Total => "total",
            CapKind::Peer => "agency",
        }
    }
}

/// A connection was accepted on `listener` (counted until [`connection_closed`]).
pub fn connection_opened(listener: &'static str) {
    metrics::gauge!(names::CONNECTIONS_OPEN, "listener" => listener).increment(1.0);
}

/// A connection counted by [`connection_opened`] closed.
pub fn connection_closed(listener: &'static str) {
    metrics::gauge!(names::CONNECTIONS_OPEN, "listener" => listener).decrement(1.0);
}

/// A connection cap on `listener` refused a connection.
pub fn connection_refused(listener: &'static str, cap: CapKind) {
    metrics::counter!(names::CONNECTIONS_REFUSED, "listener" => listener, "cap" => cap.label())
        .increment(1);
}

/// A connection on `listener` was closed after `limits.idle_timeout` without a request.
pub fn connection_idle_closed(listener: &'static str) {
    metrics::counter!(names::CONNECTIONS_IDLE_CLOSED, "listener" => listener).increment(1);
}

/// Free bytes on the file system of the SQLite store (not recorded for PostgreSQL).
pub fn store_free_disk(bytes: u64) {
    #[allow(clippy::cast_precision_loss, reason = "a gauge; byte counts need no exactness")]
    metrics::gauge!(names::STORE_FREE_DISK).set(bytes as f64);
}

/// The wire name of an outcome (`forwarded`, `upstream-timeout`, ...).
pub fn outcome_label(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Forwarded => "forwarded",
        Outcome::Delivered => "delivered",
        Outcome::Withheld => "withheld",
        Outcome::UpstreamError => "upstream-error",
        Outcome::UpstreamTimeout => "upstream-timeout",
        Outcome::Refused => "refused",
        Outcome::Recorded => "recorded",
    }
}

/// A transfer finished with this final outcome and HTTP status to the caller.
pub fn transfer_completed(outcome: Outcome, status: u16, latency: Duration) {
    let outcome = outcome_label(outcome);
    metrics::counter!(names::TRANSFERS, "outcome" => outcome, "status" => status.to_string())
        .increment(1);
    metrics::histogram!(names::TRANSFER_DURATION, "outcome" => outcome)
        .record(latency.as_secs_f64());
}

/// A request was refused for `code` (count each reason of a multi-reason refusal).
pub fn refusal(code: RefusalCode) {
    metrics::counter!(names::REFUSALS, "code" => code.as_str()).increment(1);
}

/// The audit store committed a batch of `batch_size` records in `latency`.
pub fn store_commit(latency: Duration, batch_size: usize) {
    metrics::histogram!(names::STORE_COMMIT_DURATION).record(latency.as_secs_f64());
    // Batch sizes are small integers; f64 holds them exactly.
    #[allow(clippy::cast_precision_loss, reason = "batch sizes are far below 2^52")]
    metrics::histogram!(names::STORE_COMMIT_BATCH).record(batch_size as f64);
}

/// The audit store failed to commit a batch (the gateway answers 503).
pub fn store_failure() {
    metrics::counter!(names::STORE_FAILURES).increment(1);
}

/// A batch of `records` committed durably.
pub fn store_committed(records: u64) {
    metrics::counter!(names::STORE_COMMITS).increment(1);
    metrics::counter!(names::STORE_RECORDS).increment(records);
}

/// A signed checkpoint could not be written, or not queued for the webhook.
pub fn checkpoint_failure() {
    metrics::counter!(names::CHECKPOINT_FAILURES).increment(1);
}

/// The admin API refused a request with `code`.
pub fn admin_refusal(code: RefusalCode) {
    metrics::counter!(names::ADMIN_REFUSALS, "code" => code.as_str()).increment(1);
}

/// One round trip to `agency`'s upstream (an agency id from the config).
pub fn upstream_latency(agency: &str, latency: Duration) {
    metrics::histogram!(names::UPSTREAM_DURATION, "agency" => agency.to_owned())
        .record(latency.as_secs_f64());
}

/// Why an emergency alert went out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertKind {
    /// An emergency disclosure was just made.
    Raised,
    /// Its review is overdue (raised again, also after a restart).
    ReviewOverdue,
}

/// An emergency alert for `category` (one of contract section 6; else `other`).
pub fn emergency_alert(category: &str, kind: AlertKind) {
    let category =
        EMERGENCY_CATEGORIES.iter().find(|c| **c == category).copied().unwrap_or("other");
    let kind = match kind {
        AlertKind::Raised => "raised",
        AlertKind::ReviewOverdue => "review-overdue",
    };
    metrics::counter!(names::EMERGENCY_ALERTS, "category" => category, "kind" => kind).increment(1);
}

/// A TLS handshake on a listener failed (no, untrusted, expired, revoked or wrong-EKU certificate).
pub fn tls_handshake_refused() {
    metrics::counter!(names::TLS_HANDSHAKES_REFUSED).increment(1);
}

/// A webhook delivery (alert or checkpoint) failed; it will be retried.
pub fn webhook_failure() {
    metrics::counter!(names::WEBHOOK_FAILURES).increment(1);
}

/// An agreement reload finished: `applied` when the new set replaced the old one,
/// otherwise rejected (lint errors) and the old set stays.
/// Agreements that the last load found `status: active` past `expires`.
pub fn agreements_expired(count: usize) {
    #[allow(clippy::cast_precision_loss, reason = "agreement counts are small")]
    metrics::gauge!(names::AGREEMENTS_EXPIRED).set(count as f64);
}

pub fn agreement_reload(applied: bool, agreements_loaded: usize) {
    let result = if applied { "applied" } else { "rejected" };
    metrics::counter!(names::AGREEMENT_RELOADS, "result" => result).increment(1);
    if applied {
        #[allow(clippy::cast_precision_loss, reason = "agreement counts are small")]
        metrics::gauge!(names::AGREEMENTS_LOADED).set(agreements_loaded as f64);
    }
}
