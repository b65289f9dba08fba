//! Structured logs with `tracing`, and OpenTelemetry traces over OTLP/HTTP.
//!
//! Owns the process's `tracing` subscriber: an [`EnvFilter`] read from `ISAGATE_LOG`, or
//! when that is unset or blank from `telemetry.log_level` (default `info`), a text or JSON formatter on standard error, and, when an OTLP
//! endpoint is configured, a `tracing-opentelemetry` layer feeding the SDK's batch span
//! processor (its own thread, a blocking HTTP client). A collector that is down makes
//! exports fail; the failure is logged and the gateway carries on.
//!
//! It must not decide what is logged: callers choose their fields, and they never pass
//! personal data (no payload values, no subject ids, no free-text reasons).

use std::io::IsTerminal;
use std::time::Duration;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig as _;
use opentelemetry_sdk::trace::SdkTracerProvider;
use opentelemetry_sdk::Resource;
use tracing::Subscriber;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::{EnvFilter, Layer, Registry};

/// The environment variable holding the log filter (`tracing` directives).
pub const LOG_ENV: &str = "ISAGATE_LOG";

/// The filter used when neither [`LOG_ENV`] nor `telemetry.log_level` gives one.
pub const DEFAULT_FILTER: &str = "info";

/// What the trace exporter sees, whatever the log filter: the `transfer` span, its
/// stage spans (debug level, target `isagate::stage`, so that the logs' default `info`
/// filter never builds them) and the events inside them.
const TRACE_FILTER: &str = "info,isagate::stage=debug";

/// Targets never fed to the trace exporter: the exporter's own machinery, so that an
/// export never produces spans that need exporting.
const OTEL_QUIET: &str =
    "opentelemetry=off,opentelemetry_sdk=off,opentelemetry_otlp=off,reqwest=off,hyper=off,hyper_util=off,h2=off";

/// How long the exporter waits for the collector on each batch.
const EXPORT_TIMEOUT: Duration = Duration::from_secs(5);

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// JSON when standard error is not a terminal, text when it is.
    #[default]
    Auto,
    /// One JSON object per line.
    Json,
    /// Human-readable text.
    Text,
}

impl LogFormat {
    /// `Json` or `Text`, resolving `Auto` against standard error.
    pub fn resolve(self) -> LogFormat {
        match self {
            LogFormat::Auto if std::io::stderr().is_terminal() => LogFormat::Text,
            LogFormat::Auto => LogFormat::Json,
            other => other,
        }
    }
}

/// Where traces go over OTLP/HTTP (protobuf).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtlpSettings {
    /// The collector's base URL (`http://collector:4318`); `/v1/traces` is added when
    /// the URL has no path of its own.
    pub endpoint: String,
    /// `service.name` on every span (e.g. `isagate` or `isagate-a`).
    pub service_name: String,
}

/// What can go wrong setting up telemetry.
#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    /// `ISAGATE_LOG` (or `telemetry.log_level`) does not parse as `tracing` directives.
    #[error("the log filter (`{LOG_ENV}`, else `telemetry.log_level`) is not valid: {0}")]
    BadFilter(String),
    /// The OTLP exporter could not be built (a malformed endpoint, usually).
    #[error("cannot set up trace export to `{endpoint}`: {reason}")]
    Exporter { endpoint: String, reason: String },
    /// Another part of the process installed a global subscriber first.
    #[error("a global log subscriber is already installed")]
    AlreadyInstalled,
    /// Spans could not be delivered to the collector.
    #[error("cannot export traces: {0}")]
    Export(String),
    /// The Prometheus recorder could not be installed.
    #[error("cannot install the metrics recorder: {0}")]
    Metrics(String),
}

/// Keeps trace export alive; flushes and shuts the exporter down when dropped.
#[must_use = "dropping the guard stops trace export"]
#[derive(Debug, Default)]
pub struct TelemetryGuard {
    /// The tracer provider, when an OTLP endpoint is configured.
    provider: Option<SdkTracerProvider>,
}

impl TelemetryGuard {
    /// Whether traces are exported.
    pub fn exports_traces(&self) -> bool {
        self.provider.is_some()
    }

    /// Sends every finished span now. An unreachable collector is an error here (and a
    /// logged warning from the exporter), never a crash.
    pub fn flush(&self) -> Result<(), TelemetryError> {
        match &self.provider {
            Some(p) => p.force_flush().map_err(|e| TelemetryError::Export(e.to_string())),
            None => Ok(()),
        }
    }
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take() {
            if let Err(e) = provider.force_flush() {
                tracing::warn!(error = %e, "traces not exported at shutdown");
            }
            if let Err(e) = provider.shutdown_with_timeout(EXPORT_TIMEOUT) {
                tracing::warn!(error = %e, "trace exporter did not shut down cleanly");
            }
        }
    }
}

/// Installs the process-wide subscriber: logs to standard error, filtered by
/// [`LOG_ENV`] or else `log_level` (`telemetry.log_level`), traces to `otlp` when given.
/// Call once, early in `main`; keep the guard until exit.
pub fn init_logging(
    format: LogFormat,
    log_level: &str,
    otlp: Option<OtlpSettings>,
) -> Result<TelemetryGuard, TelemetryError> {
    let ansi = colour(std::io::stderr().is_terminal(), std::env::var_os("NO_COLOR").as_deref());
    let (subscriber, guard) = build(format, log_level, otlp, std::io::stderr, ansi)?;
    tracing::subscriber::set_global_default(subscriber)
        .map_err(|_| TelemetryError::AlreadyInstalled)?;
    Ok(guard)
}

/// The filter in force: [`LOG_ENV`] when set and not blank, else `log_level` when not
/// blank, else [`DEFAULT_FILTER`].
pub fn log_directives(log_level: &str) -> String {
    match std::env::var(LOG_ENV) {
        Ok(v) if !v.trim().is_empty() => v,
        _ if !log_level.trim().is_empty() => log_level.to_owned(),
        _ => DEFAULT_FILTER.to_owned(),
    }
}

/// [`build_subscriber_at`] with the default level ([`DEFAULT_FILTER`], unless [`LOG_ENV`]
/// says otherwise).
pub fn build_subscriber<W>(
    format: LogFormat,
    otlp: Option<OtlpSettings>,
    writer: W,
) -> Result<(impl Subscriber + Send + Sync + 'static, TelemetryGuard), TelemetryError>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    build_subscriber_at(format, DEFAULT_FILTER, otlp, writer)
}

/// Whether text logs carry ANSI colours: only on a terminal, and never when `NO_COLOR` is
/// set to anything but the empty string (<https://no-color.org>). A log redirected to a
/// file or a pipe stays plain text.
pub fn colour(terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    terminal && no_color.is_none_or(|v| v.is_empty())
}

/// Builds the subscriber [`init_logging`] installs, writing logs to `writer` (without
/// colours), without installing it (tests use it with `tracing::subscriber::with_default`).
pub fn build_subscriber_at<W>(
    format: LogFormat,
    log_level: &str,
    otlp: Option<OtlpSettings>,
    writer: W,
) -> Result<(impl Subscriber + Send + Sync + 'static, TelemetryGuard), TelemetryError>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    build(format, log_level, otlp, writer, false)
}

/// [`build_subscriber_at`], with ANSI colours in text logs when `ansi`.
fn build<W>(
    format: LogFormat,
    log_level: &str,
    otlp: Option<OtlpSettings>,
    writer: W,
    ansi: bool,
) -> Result<(impl Subscriber + Send + Sync + 'static, TelemetryGuard), TelemetryError>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let directives = log_directives(log_level);
    let log_filter =
        EnvFilter::try_new(&directives).map_err(|e| TelemetryError::BadFilter(e.to_string()))?;

    let mut layers: Vec<Box<dyn Layer<Registry> + Send + Sync>> = Vec::with_capacity(2);
    let fmt = tracing_subscriber::fmt::layer().with_writer(writer).with_ansi(ansi);
    layers.push(match format.resolve() {
        LogFormat::Text => fmt.with_filter(log_filter).boxed(),
        _ => fmt.json().with_current_span(true).with_filter(log_filter).boxed(),
    });

    let mut guard = TelemetryGuard::default();
    if let Some(settings) = otlp {
        let provider = tracer_provider(&settings)?;
        let tracer = provider.tracer("isagate");
        // Traces keep their own level, so quietening the logs never drops the spans.
        let trace_filter = EnvFilter::try_new(format!("{TRACE_FILTER},{OTEL_QUIET}"))
            .map_err(|e| TelemetryError::BadFilter(e.to_string()))?;
        // Span attributes are the fields the code names and nothing else: no source
        // location, thread, target or busy/idle time.
        let otel = tracing_opentelemetry::layer()
            .with_tracer(tracer)
            .with_location(false)
            .with_threads(false)
            .with_target(false)
            .with_tracked_inactivity(false);
        layers.push(otel.with_filter(trace_filter).boxed());
        guard.provider = Some(provider);
    }
    Ok((Registry::default().with(layers), guard))
}

/// The SDK tracer provider with an OTLP/HTTP exporter behind the batch processor.
fn tracer_provider(settings: &OtlpSettings) -> Result<SdkTracerProvider, TelemetryError> {
    let endpoint = traces_url(&settings.endpoint);
    // The exporter's blocking reqwest client asks rustls for the process-wide crypto
    // provider when reqwest's rustls support is compiled in (tests enable it), and its
    // builder thread panics without one. Installing aws-lc-rs as the default changes
    // nothing else: the gateway builds every TLS config with an explicit provider.
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    }
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_endpoint(endpoint.clone())
        .with_timeout(EXPORT_TIMEOUT)
        .build()
        .map_err(|e| TelemetryError::Exporter { endpoint, reason: e.to_string() })?;
    let resource = Resource::builder().with_service_name(settings.service_name.clone()).build();
    Ok(SdkTracerProvider::builder().with_batch_exporter(exporter).with_resource(resource).build())
}

/// `http://host:4318` becomes `http://host:4318/v1/traces`; a URL with a path is kept.
fn traces_url(endpoint: &str) -> String {
    let trimmed = endpoint.trim_end_matches('/');
    let after_scheme = trimmed.split_once("://").map_or(trimmed, |(_, rest)| rest);
    if after_scheme.contains('/') {
        trimmed.to_owned()
    } else {
        format!("{trimmed}/v1/traces")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_get_the_traces_path() {
        assert_eq!(traces_url("http://c:4318"), "http://c:4318/v1/traces");
        assert_eq!(traces_url("http://c:4318/"), "http://c:4318/v1/traces");
        assert_eq!(traces_url("http://c:4318/custom/traces"), "http://c:4318/custom/traces");
    }

    #[test]
    fn colours_only_on_a_terminal_without_no_color() {
        use std::ffi::OsStr;
        assert!(colour(true, None));
        assert!(colour(true, Some(OsStr::new(""))), "an empty NO_COLOR does not count");
        assert!(!colour(true, Some(OsStr::new("1"))));
        assert!(!colour(false, None), "a redirected log is plain");
        assert!(!colour(false, Some(OsStr::new("1"))));
    }

    #[test]
    fn explicit_formats_stay_put() {
        assert_eq!(LogFormat::Json.resolve(), LogFormat::Json);
        assert_eq!(LogFormat::Text.resolve(), LogFormat::Text);
        assert_ne!(LogFormat::Auto.resolve(), LogFormat::Auto);
    }
}
