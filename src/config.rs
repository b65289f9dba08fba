//! `isagate.toml` (contract section 9): read, refuse unknown keys (naming file, line and
//! column), then validate into a [`Config`], collecting every problem at once.
//!
//! The config holds file paths, never secrets: key files are read by their owners
//! (`keys`, `audit`, `tls`) at start-up. `Debug` redacts the store URL's password and
//! the webhook URL. Relative paths resolve against the config file's folder.
//!
//! This module does not open sockets, read keys or certificates: it only checks that the
//! files the gateway needs at start-up exist.

mod raw;
pub mod units;
mod validate;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::agreements::model::AgencyRef;
use crate::redaction::url as redact_url;

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file this came from (as given to [`Config::load`]).
    pub source: PathBuf,
    /// The folder relative paths resolve against.
    pub base_dir: PathBuf,
    pub listen: Listen,
    pub tls: TlsSettings,
    pub upstream_client: UpstreamClient,
    pub store: Store,
    pub limits: Limits,
    pub rate_limits: RateLimits,
    pub keys: KeyFiles,
    pub checkpoints: Checkpoints,
    pub alerts: Alerts,
    pub telemetry: Telemetry,
    pub admin_client: AdminClient,
    pub paths: Paths,
    pub shutdown: Shutdown,
    pub governance: Governance,
    pub agencies: Vec<Agency>,
}

/// `[listen]`: where each listener binds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listen {
    /// mTLS transfer listener for agencies (default `0.0.0.0:8443`).
    pub transfer: SocketAddr,
    /// mTLS admin listener for governance staff (default `0.0.0.0:9443`).
    pub admin: SocketAddr,
    /// Plain-HTTP `/healthz`, `/readyz`, `/metrics` (default `127.0.0.1:9090`).
    pub ops: SocketAddr,
}

/// `[tls]`: the gateway's server certificates, client CAs and CRLs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsSettings {
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
    /// PEM bundle of CAs that agency client certificates must chain to.
    pub client_ca: PathBuf,
    /// PEM (or DER) CRL files; every CA in `client_ca` and `governance_ca` should have one.
    pub crls: Vec<PathBuf>,
    /// How often the CRL files are checked for changes (at most 5 minutes).
    pub crl_check_interval: Duration,
    /// Also accept TLS 1.2 (AEAD suites only).
    pub tls12: bool,
    /// Offer session resumption (tickets); a CRL change invalidates every ticket.
    pub session_resumption: bool,
    pub admin_server_cert: PathBuf,
    pub admin_server_key: PathBuf,
    /// PEM bundle of CAs that governance client certificates must chain to.
    pub governance_ca: PathBuf,
}

/// `[upstream_client]`: how the gateway reaches agency upstreams.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamClient {
    /// The gateway's own client certificate, presented to every upstream.
    pub cert: PathBuf,
    pub key: PathBuf,
    pub connect_timeout: Duration,
    pub response_timeout: Duration,
    pub pool_idle: Duration,
}

/// `[store]`: where disclosure records go.
#[derive(Clone, PartialEq, Eq)]
pub struct Store {
    /// `sqlite://<path>` (a relative path is resolved, so this holds an absolute one) or
    /// `postgres://…`.
    pub url: String,
    pub group_commit_window: Duration,
    pub append_timeout: Duration,
    /// PostgreSQL connections per replica.
    pub pool_size: usize,
    /// SQLite: `/readyz` is not ready below this many free bytes on the store's file
    /// system (0: no floor).
    pub min_free_disk: u64,
    /// After a failed commit, how long `/readyz` reports it before a write probe may
    /// clear it.
    pub ready_retry: Duration,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("url", &redact_url(&self.url))
            .field("group_commit_window", &self.group_commit_window)
            .field("append_timeout", &self.append_timeout)
            .field("pool_size", &self.pool_size)
            .field("min_free_disk", &self.min_free_disk)
            .field("ready_retry", &self.ready_retry)
            .finish()
    }
}

impl Store {
    /// The SQLite database file, when the store is SQLite.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        self.url.strip_prefix("sqlite://").map(PathBuf::from)
    }
}

/// `[limits]`: request size and time limits on the transfer listener.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    pub max_body: u64,
    pub max_depth: usize,
    pub max_header_bytes: usize,
    /// A slow client is cut off when reading its head or body takes longer.
    pub read_timeout: Duration,
    /// The whole transfer, upstream included.
    pub request_timeout: Duration,
    /// Largest decompressed body a flow with `content_encodings` may send.
    pub decompressed_max: u64,
    /// A connection with no request in flight for this long is closed.
    pub idle_timeout: Duration,
    /// Open connections per listener, in total.
    pub max_connections: usize,
    /// Open connections of one agency (one governance identity on the admin listener).
    pub max_connections_per_agency: usize,
}

/// One rate: at most `count` per `per`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub count: u32,
    pub per: Duration,
}

/// `[rate_limits]`: per replica (each gateway replica counts on its own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimits {
    pub per_caller: Rate,
    pub per_flow: Rate,
    pub per_requester: Rate,
}

/// `[keys]`: files holding the keys (never the keys).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyFiles {
    pub pseudonymisation: PathBuf,
    pub subject: PathBuf,
    /// The console's form-token (CSRF) key; when the file is absent, console forms are refused.
    pub console: PathBuf,
}

/// `[checkpoints]`: signed chain checkpoints written outside the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoints {
    /// Ed25519 private key, PKCS#8 PEM.
    pub key: PathBuf,
    /// JSON lines file the checkpoints are appended to.
    pub file: PathBuf,
    pub every_records: u64,
    pub every: Duration,
    /// Also send each checkpoint to the alert webhook.
    pub webhook: bool,
}

/// `[alerts]`: the optional webhook and when reviews become overdue.
#[derive(Clone, PartialEq, Eq)]
pub struct Alerts {
    pub webhook_url: Option<String>,
    /// File holding the webhook signing key (base64, like other key files).
    pub webhook_key: Option<PathBuf>,
    pub review_overdue: Duration,
}

impl std::fmt::Debug for Alerts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Alerts")
            .field("webhook_url", &self.webhook_url.as_deref().map(redact_url))
            .field("webhook_key", &self.webhook_key)
            .field("review_overdue", &self.review_overdue)
            .finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// JSON when standard error is not a terminal, text when it is.
    Auto,
    Json,
    Text,
}

/// `[telemetry]`: logs and OTLP traces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Telemetry {
    /// Absent: no OTLP export.
    pub otlp_endpoint: Option<String>,
    pub log_format: LogFormat,
    /// A `tracing` filter, e.g. `info` or `isagate=debug,info`.
    pub log_level: String,
    pub service_name: String,
}

/// `[admin_client]`: how the CLI reaches the admin listener.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminClient {
    pub url: String,
    pub cert: PathBuf,
    pub key: PathBuf,
    pub ca: PathBuf,
}

/// `[paths]`: agreement and schema folders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    pub agreements: PathBuf,
    pub schemas: PathBuf,
    /// The folder of archived segments (`audit archive` writes there; subject access,
    /// reports and the emergency queue read it).
    pub archive: PathBuf,
}

/// `[shutdown]`: how long `SIGTERM` waits for in-flight transfers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shutdown {
    pub drain: Duration,
}

/// `[governance]`: how agreement changes go live.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Governance {
    /// A changed agreement goes live only once a second governance identity approved it
    /// (default false).
    pub four_eyes: bool,
}

/// One `[[agencies]]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agency {
    pub id: String,
    pub name: String,
    /// ISO 3166-1 alpha-2, upper case.
    pub jurisdiction: String,
    /// `https://` base URL; absent when the agency only sends.
    pub upstream: Option<http::Uri>,
    /// CA bundle that the upstream's server certificate must chain to.
    pub upstream_ca: Option<PathBuf>,
    /// Allowed client certificate SHA-256 fingerprints, lowercase hex (no `sha256:`).
    /// Empty: any certificate with this agency's identity.
    pub pins: Vec<String>,
    /// A public authority acting in its tasks, which may not rely on Article 6(1)(f) or
    /// (ea) (`public_authority`, default true; contract section 9).
    pub public_authority: bool,
}

impl Agency {
    /// Whether a client certificate with this SHA-256 (lowercase hex) may act for the agency.
    pub fn pin_allows(&self, cert_sha256: &str) -> bool {
        self.pins.is_empty() || self.pins.iter().any(|p| p.eq_ignore_ascii_case(cert_sha256))
    }
}

/// Why the configuration could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file `{}`: {source}", path.display())]
    Unreadable { path: PathBuf, source: std::io::Error },
    #[error("{}:{line}:{column}: {message}", path.display())]
    Syntax { path: PathBuf, line: usize, column: usize, message: String },
    #[error("{}", render_problems(path, problems))]
    Invalid { path: PathBuf, problems: Vec<ConfigProblem> },
}

/// One validation problem: which key, where, what is wrong and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    /// Dotted key, e.g. `tls.crl_check_interval` or `agencies[2].id`.
    pub key: String,
    /// 1-based line and column when the key is written in the file.
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, "{l}:{c}: `{}`: {}", self.key, self.message),
            _ => write!(f, "`{}`: {}", self.key, self.message),
        }
    }
}

fn render_problems(path: &Path, problems: &[ConfigProblem]) -> String {
    let mut out = format!(
        "config file `{}` has {} problem{}:",
        path.display(),
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    );
    for p in problems {
        out.push_str(&format!("\n  {}:{p}", path.display()));
    }
    out
}

/// Which checks [`Config::load_with`] makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadOptions {
    /// Check that the certificate, key and CRL files the gateway reads at start-up exist.
    pub check_files: bool,
}

impl Config {
    /// Read and validate a config file, including that the files it names exist.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        Self::load_with(path, LoadOptions { check_files: true })
    }

    /// Read and validate a config file without looking for the files it names (for
    /// commands that only need the agencies, like `agreements check`).
    pub fn load_without_files(path: &Path) -> Result<Config, ConfigError> {
        Self::load_with(path, LoadOptions { check_files: false })
    }

    pub fn load_with(path: &Path, opts: LoadOptions) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| ConfigError::Unreadable { path: path.to_owned(), source })?;
        let base = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        let base = std::path::absolute(&base).unwrap_or(base);
        Self::parse(&text, path, &base, opts)
    }

    /// Validate config text; `source` names it in errors, `base_dir` resolves relative paths.
    pub fn parse(
        text: &str,
        source: &Path,
        base_dir: &Path,
        opts: LoadOptions,
    ) -> Result<Config, ConfigError> {
        let raw: raw::RawConfig = toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map(|s| line_col(text, s.start)).unwrap_or((1, 1));
            ConfigError::Syntax {
                path: source.to_owned(),
                line,
                column,
                message: with_suggestion(e.message().trim()),
            }
        })?;
        validate::validate(raw, text, source, base_dir, opts)
            .map_err(|problems| ConfigError::Invalid { path: source.to_owned(), problems })
    }

    /// The registered agency with this id.
    pub fn agency(&self, id: &str) -> Option<&Agency> {
        self.agencies.iter().find(|a| a.id == id)
    }

    /// The agencies as the agreement linter and matcher see them.
    pub fn to_agency_refs(&self) -> Vec<AgencyRef> {
        self.agencies
            .iter()
            .map(|a| AgencyRef {
                id: a.id.clone(),
                name: a.name.clone(),
                jurisdiction: a.jurisdiction.clone(),
                receives: a.upstream.is_some(),
                public_authority: a.public_authority,
            })
            .collect()
    }
}

/// `unknown field `x`, expected one of `a`, `b`` plus "did you mean `a`?" when one of the
/// expected keys is a close spelling.
fn with_suggestion(message: &str) -> String {
    let Some(rest) = message.strip_prefix("unknown field `") else { return message.to_owned() };
    let Some((unknown, expected)) = rest.split_once('`') else { return message.to_owned() };
    match crate::spelling::suggest(unknown, expected.split('`').skip(1).step_by(2)) {
        Some(k) => format!("{message}: did you mean `{k}`?"),
        None => message.to_owned(),
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one() {
        assert_eq!(line_col("a\nbc\n", 3), (2, 2));
        assert_eq!(line_col("abc", 0), (1, 1));
    }

    #[test]
    fn unknown_keys_get_a_suggestion() {
        let m = "unknown field `client_cas`, expected one of `server_cert`, `client_ca`";
        assert!(with_suggestion(m).ends_with("did you mean `client_ca`?"));
        let m = "unknown field `zzz`, expected one of `server_cert`, `client_ca`";
        assert_eq!(with_suggestion(m), m);
    }

    #[test]
    fn log_level_must_be_a_filter() {
        let parse = |text: &str| {
            Config::parse(
                text,
                Path::new("t.toml"),
                Path::new("."),
                LoadOptions { check_files: false },
            )
        };
        let ok = parse("[telemetry]\nlog_level = \"isagate=debug,warn\"\n").unwrap();
        assert_eq!(ok.telemetry.log_level, "isagate=debug,warn");
        assert_eq!(parse("").unwrap().telemetry.log_level, "info");
        let Err(ConfigError::Invalid { problems, .. }) =
            parse("[telemetry]\nlog_level = \"isagate=loud\"\n")
        else {
            panic!("`isagate=loud` was accepted")
        };
        assert_eq!(problems[0].key, "telemetry.log_level");
        assert_eq!(problems[0].line, Some(2));
    }
}
