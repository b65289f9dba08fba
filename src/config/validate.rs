//! Raw `isagate.toml` values -> a [`Config`]: applies the documented defaults, resolves
//! relative paths, and collects every problem (key, line, what to do) instead of
//! stopping at the first.
//!
//! The defaults here are the ones `docs/configuration.md` lists; change both together.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::raw::{RawAgency, RawConfig, RawRate, S};
use super::units::{DurationValue, SizeValue};
use super::*;

/// The longest CRL check interval the contract allows.
const MAX_CRL_CHECK_INTERVAL: Duration = Duration::from_secs(300);

struct Ctx<'a> {
    text: &'a str,
    base: &'a Path,
    check_files: bool,
    problems: Vec<ConfigProblem>,
}

impl Ctx<'_> {
    fn problem(&mut self, key: &str, span: Option<Range<usize>>, message: impl Into<String>) {
        let (line, column) = match span {
            Some(s) => {
                let (l, c) = line_col(self.text, s.start);
                (Some(l), Some(c))
            }
            None => (None, None),
        };
        self.problems.push(ConfigProblem {
            key: key.to_owned(),
            line,
            column,
            message: message.into(),
        });
    }

    fn resolve(&self, p: &str) -> PathBuf {
        let p = Path::new(p);
        if p.is_absolute() {
            p.to_owned()
        } else {
            self.base.join(p)
        }
    }

    /// A file path, defaulted and resolved; checked to exist when `must_exist` and the
    /// load checks files.
    fn file(
        &mut self,
        key: &str,
        v: &Option<S<String>>,
        default: &str,
        must_exist: bool,
    ) -> PathBuf {
        let (text, span) = match v {
            Some(s) => (s.get_ref().as_str(), Some(s.span())),
            None => (default, None),
        };
        if text.trim().is_empty() {
            self.problem(key, span, "is empty: give a file path");
            return PathBuf::new();
        }
        let path = self.resolve(text);
        if must_exist {
            self.exists(key, span, &path);
        }
        path
    }

    fn exists(&mut self, key: &str, span: Option<Range<usize>>, path: &Path) {
        if self.check_files && !path.is_file() {
            let hint = if span.is_none() { " (the default)" } else { "" };
            self.problem(
                key,
                span,
                format!(
                    "file `{}`{hint} does not exist: create it (`isagate dev-certs` makes development files) or set `{key}`",
                    path.display()
                ),
            );
        }
    }

    fn duration(
        &mut self,
        key: &str,
        v: &Option<S<DurationValue>>,
        default: Duration,
        min: Duration,
        max: Option<Duration>,
    ) -> Duration {
        let Some(s) = v else { return default };
        let d = s.get_ref().0;
        if d < min {
            self.problem(
                key,
                Some(s.span()),
                format!("must be at least `{}`", units::format_duration(min)),
            );
        }
        if let Some(max) = max.filter(|m| d > *m) {
            self.problem(
                key,
                Some(s.span()),
                format!("must be at most `{}`", units::format_duration(max)),
            );
        }
        d
    }

    fn size(&mut self, key: &str, v: &Option<S<SizeValue>>, default: u64, min: u64) -> u64 {
        let Some(s) = v else { return default };
        let n = s.get_ref().0;
        if n < min {
            self.problem(key, Some(s.span()), format!("must be at least {min} bytes"));
        }
        n
    }

    fn int(&mut self, key: &str, v: &Option<S<i64>>, default: i64, min: i64, max: i64) -> i64 {
        let Some(s) = v else { return default };
        let n = *s.get_ref();
        if n < min || n > max {
            self.problem(key, Some(s.span()), format!("must be between {min} and {max}"));
            return default;
        }
        n
    }

    fn addr(&mut self, key: &str, v: &Option<S<String>>, default: &str) -> SocketAddr {
        let fallback = SocketAddr::from(([127, 0, 0, 1], 0));
        let (text, span) = match v {
            Some(s) => (s.get_ref().as_str(), Some(s.span())),
            None => (default, None),
        };
        text.parse().unwrap_or_else(|_| {
            self.problem(
                key,
                span,
                format!("`{text}` is not an address: write `IP:PORT`, like `0.0.0.0:8443`"),
            );
            fallback
        })
    }

    fn string(&mut self, v: &Option<S<String>>, default: &str) -> String {
        v.as_ref().map_or_else(|| default.to_owned(), |s| s.get_ref().clone())
    }

    fn boolean(v: &Option<S<bool>>, default: bool) -> bool {
        v.as_ref().map_or(default, |s| *s.get_ref())
    }

    fn rate(&mut self, key: &str, v: &Option<S<RawRate>>, default: Rate) -> Rate {
        let Some(s) = v else { return default };
        let r = s.get_ref();
        let count = match u32::try_from(r.count) {
            Ok(c) if c >= 1 => c,
            _ => {
                self.problem(
                    key,
                    Some(s.span()),
                    "`count` must be a whole number from 1 to 4294967295",
                );
                default.count
            }
        };
        if r.per.0 < Duration::from_millis(1) {
            self.problem(key, Some(s.span()), "`per` must be at least `1ms`");
            return default;
        }
        Rate { count, per: r.per.0 }
    }

    fn http_url(&mut self, key: &str, v: &Option<S<String>>, https_only: bool) -> Option<String> {
        let s = v.as_ref()?;
        let text = s.get_ref();
        let ok = match text.parse::<http::Uri>() {
            Ok(u) => {
                let scheme = u.scheme_str().unwrap_or("");
                u.host().is_some() && (scheme == "https" || (!https_only && scheme == "http"))
            }
            Err(_) => false,
        };
        if !ok {
            let message = if https_only && text.starts_with("http://") {
                format!("`{text}` is plain `http://`, which is never sent: use `https://`")
            } else if https_only {
                format!("`{text}` is not an `https://` URL with a host")
            } else {
                format!("`{text}` is not an `http://` or `https://` URL with a host")
            };
            self.problem(key, Some(s.span()), message);
        }
        Some(text.clone())
    }
}

pub(super) fn validate(
    raw: RawConfig,
    text: &str,
    source: &Path,
    base: &Path,
    opts: LoadOptions,
) -> Result<Config, Vec<ConfigProblem>> {
    let mut c = Ctx { text, base, check_files: opts.check_files, problems: Vec::new() };

    let listen = Listen {
        transfer: c.addr("listen.transfer", &raw.listen.transfer, "0.0.0.0:8443"),
        admin: c.addr("listen.admin", &raw.listen.admin, "0.0.0.0:9443"),
        ops: c.addr("listen.ops", &raw.listen.ops, "127.0.0.1:9090"),
    };
    distinct_ports(&mut c, &raw, &listen);

    let t = &raw.tls;
    let server_cert = c.file("tls.server_cert", &t.server_cert, "certs/gateway-server.crt", true);
    let server_key = c.file("tls.server_key", &t.server_key, "certs/gateway-server.key", true);
    let client_ca = c.file("tls.client_ca", &t.client_ca, "certs/ca.crt", true);
    let crls = match &t.crls {
        None => vec![c.file("tls.crls", &None, "certs/crl.pem", true)],
        Some(list) => {
            let span = list.span();
            list.get_ref()
                .iter()
                .map(|p| {
                    let path = c.resolve(p);
                    c.exists("tls.crls", Some(span.clone()), &path);
                    path
                })
                .collect()
        }
    };
    let tls = TlsSettings {
        admin_server_cert: match &t.admin_server_cert {
            None => server_cert.clone(),
            v => c.file("tls.admin_server_cert", v, "", true),
        },
        admin_server_key: match &t.admin_server_key {
            None => server_key.clone(),
            v => c.file("tls.admin_server_key", v, "", true),
        },
        governance_ca: match &t.governance_ca {
            None => client_ca.clone(),
            v => c.file("tls.governance_ca", v, "", true),
        },
        server_cert,
        server_key,
        client_ca,
        crls,
        crl_check_interval: c.duration(
            "tls.crl_check_interval",
            &t.crl_check_interval,
            MAX_CRL_CHECK_INTERVAL,
            Duration::from_millis(10),
            Some(MAX_CRL_CHECK_INTERVAL),
        ),
        tls12: Ctx::boolean(&t.tls12, false),
        session_resumption: Ctx::boolean(&t.session_resumption, true),
    };
    if t.admin_server_cert.is_some() != t.admin_server_key.is_some() {
        c.problem(
            "tls.admin_server_cert",
            None,
            "set `admin_server_cert` and `admin_server_key` together, or neither",
        );
    }

    let u = &raw.upstream_client;
    let ms = Duration::from_millis(1);
    let upstream_client = UpstreamClient {
        cert: c.file("upstream_client.cert", &u.cert, "certs/gateway-client.crt", true),
        key: c.file("upstream_client.key", &u.key, "certs/gateway-client.key", true),
        connect_timeout: c.duration(
            "upstream_client.connect_timeout",
            &u.connect_timeout,
            Duration::from_secs(5),
            ms,
            None,
        ),
        response_timeout: c.duration(
            "upstream_client.response_timeout",
            &u.response_timeout,
            Duration::from_secs(30),
            ms,
            None,
        ),
        pool_idle: c.duration(
            "upstream_client.pool_idle",
            &u.pool_idle,
            Duration::from_secs(90),
            Duration::ZERO,
            None,
        ),
    };

    let store = store(&mut c, &raw);

    let l = &raw.limits;
    let max_body = c.size("limits.max_body", &l.max_body, 1 << 20, 1);
    let limits = Limits {
        max_body,
        max_depth: c.int("limits.max_depth", &l.max_depth, 64, 1, 10_000) as usize,
        max_header_bytes: c.size("limits.max_header_bytes", &l.max_header_bytes, 16_384, 1024)
            as usize,
        read_timeout: c.duration(
            "limits.read_timeout",
            &l.read_timeout,
            Duration::from_secs(10),
            ms,
            None,
        ),
        request_timeout: c.duration(
            "limits.request_timeout",
            &l.request_timeout,
            Duration::from_secs(60),
            ms,
            None,
        ),
        decompressed_max: c.size("limits.decompressed_max", &l.decompressed_max, max_body, 1),
        idle_timeout: c.duration(
            "limits.idle_timeout",
            &l.idle_timeout,
            Duration::from_secs(60),
            ms,
            None,
        ),
        max_connections: c.int("limits.max_connections", &l.max_connections, 512, 1, 1_000_000)
            as usize,
        max_connections_per_agency: c.int(
            "limits.max_connections_per_agency",
            &l.max_connections_per_agency,
            64,
            1,
            1_000_000,
        ) as usize,
    };

    let r = &raw.rate_limits;
    let minute = Duration::from_secs(60);
    let rate_limits = RateLimits {
        per_caller: c.rate(
            "rate_limits.per_caller",
            &r.per_caller,
            Rate { count: 6000, per: minute },
        ),
        per_flow: c.rate("rate_limits.per_flow", &r.per_flow, Rate { count: 6000, per: minute }),
        per_requester: c.rate(
            "rate_limits.per_requester",
            &r.per_requester,
            Rate { count: 600, per: minute },
        ),
    };

    let keys = KeyFiles {
        pseudonymisation: c.file(
            "keys.pseudonymisation",
            &raw.keys.pseudonymisation,
            "certs/pseudonymisation.key",
            true,
        ),
        subject: c.file("keys.subject", &raw.keys.subject, "certs/subject.key", true),
        // Optional: without it the console shows its pages but refuses every form.
        console: c.file("keys.console", &raw.keys.console, "certs/console.key", false),
    };

    let k = &raw.checkpoints;
    let checkpoints = Checkpoints {
        key: c.file("checkpoints.key", &k.key, "certs/checkpoint.key", true),
        file: c.file("checkpoints.file", &k.file, "checkpoints.jsonl", false),
        every_records: c.int("checkpoints.every_records", &k.every_records, 1000, 1, i64::MAX)
            as u64,
        every: c.duration(
            "checkpoints.every",
            &k.every,
            Duration::from_secs(60),
            Duration::from_secs(1),
            None,
        ),
        webhook: Ctx::boolean(&k.webhook, false),
    };

    let a = &raw.alerts;
    let alerts = Alerts {
        // HTTPS only: an alert carries the caller's free-text justification, and the
        // webhook client never sends in clear (an `http://` URL would load, then fail
        // every delivery).
        webhook_url: c.http_url("alerts.webhook_url", &a.webhook_url, true),
        webhook_key: a
            .webhook_key
            .as_ref()
            .map(|_| c.file("alerts.webhook_key", &a.webhook_key, "", true)),
        review_overdue: c.duration(
            "alerts.review_overdue",
            &a.review_overdue,
            Duration::from_secs(72 * 3600),
            // Seconds are allowed so drills and tests can watch a review go overdue.
            Duration::from_secs(1),
            None,
        ),
    };
    if a.webhook_url.is_some() && a.webhook_key.is_none() {
        let span = a.webhook_url.as_ref().map(|s| s.span());
        c.problem(
            "alerts.webhook_key",
            span,
            "a webhook needs a signing key file: set `alerts.webhook_key`",
        );
    }
    if checkpoints.webhook && a.webhook_url.is_none() {
        let span = k.webhook.as_ref().map(|s| s.span());
        c.problem(
            "checkpoints.webhook",
            span,
            "needs `alerts.webhook_url`: set it, or set this to false",
        );
    }

    let telemetry = telemetry(&mut c, &raw);

    let ac = &raw.admin_client;
    let admin_client = AdminClient {
        url: c
            .http_url("admin_client.url", &ac.url, true)
            .unwrap_or_else(|| "https://127.0.0.1:9443".to_owned()),
        cert: c.file("admin_client.cert", &ac.cert, "certs/governance-dpo.crt", false),
        key: c.file("admin_client.key", &ac.key, "certs/governance-dpo.key", false),
        ca: c.file("admin_client.ca", &ac.ca, "certs/ca.crt", false),
    };

    let paths = Paths {
        agreements: c.file("paths.agreements", &raw.paths.agreements, "agreements", false),
        schemas: c.file("paths.schemas", &raw.paths.schemas, "schemas", false),
        archive: c.file("paths.archive", &raw.paths.archive, "archive", false),
    };
    let shutdown = Shutdown {
        drain: c.duration(
            "shutdown.drain",
            &raw.shutdown.drain,
            Duration::from_secs(30),
            Duration::ZERO,
            None,
        ),
    };

    let governance = Governance { four_eyes: Ctx::boolean(&raw.governance.four_eyes, false) };
    let agencies = agencies(&mut c, &raw.agencies);

    if c.problems.is_empty() {
        Ok(Config {
            source: source.to_owned(),
            base_dir: base.to_owned(),
            listen,
            tls,
            upstream_client,
            store,
            limits,
            rate_limits,
            keys,
            checkpoints,
            alerts,
            telemetry,
            admin_client,
            paths,
            shutdown,
            governance,
            agencies,
        })
    } else {
        Err(c.problems)
    }
}

fn distinct_ports(c: &mut Ctx<'_>, raw: &RawConfig, l: &Listen) {
    let pairs = [
        ("listen.admin", &raw.listen.admin, l.admin, l.transfer),
        ("listen.ops", &raw.listen.ops, l.ops, l.transfer),
        ("listen.ops", &raw.listen.ops, l.ops, l.admin),
    ];
    for (key, v, a, b) in pairs {
        if a.port() != 0
            && a.port() == b.port()
            && (a.ip() == b.ip() || a.ip().is_unspecified() || b.ip().is_unspecified())
        {
            c.problem(
                key,
                v.as_ref().map(|s| s.span()),
                format!("`{a}` clashes with another listener: give each listener its own port"),
            );
        }
    }
}

fn store(c: &mut Ctx<'_>, raw: &RawConfig) -> Store {
    let s = &raw.store;
    let ms = Duration::from_millis(1);
    let url_text = c.string(&s.url, "sqlite://isagate.db");
    let span = s.url.as_ref().map(|v| v.span());
    let url = if let Some(path) = url_text.strip_prefix("sqlite://") {
        if path.is_empty() {
            c.problem(
                "store.url",
                span,
                "`sqlite://` needs a file path, like `sqlite://isagate.db`",
            );
        }
        format!("sqlite://{}", c.resolve(path).display())
    } else if url_text.starts_with("postgres://") || url_text.starts_with("postgresql://") {
        url_text
    } else {
        c.problem("store.url", span, "must start with `sqlite://` or `postgres://`");
        url_text
    };
    Store {
        url,
        group_commit_window: c.duration(
            "store.group_commit_window",
            &s.group_commit_window,
            Duration::from_millis(2),
            Duration::ZERO,
            Some(Duration::from_secs(1)),
        ),
        append_timeout: c.duration(
            "store.append_timeout",
            &s.append_timeout,
            Duration::from_secs(2),
            ms,
            None,
        ),
        pool_size: c.int("store.pool_size", &s.pool_size, 8, 1, 1000) as usize,
        min_free_disk: c.size("store.min_free_disk", &s.min_free_disk, 1 << 30, 0),
        ready_retry: c.duration(
            "store.ready_retry",
            &s.ready_retry,
            Duration::from_secs(10),
            ms,
            Some(Duration::from_secs(300)),
        ),
    }
}

fn telemetry(c: &mut Ctx<'_>, raw: &RawConfig) -> Telemetry {
    let t = &raw.telemetry;
    let log_format = match t.log_format.as_ref().map(|s| (s.get_ref().as_str(), s.span())) {
        None | Some(("auto", _)) => LogFormat::Auto,
        Some(("json", _)) => LogFormat::Json,
        Some(("text", _)) => LogFormat::Text,
        Some((other, span)) => {
            c.problem(
                "telemetry.log_format",
                Some(span),
                format!("`{other}` is not a log format: use `auto`, `json` or `text`"),
            );
            LogFormat::Auto
        }
    };
    let service_name = c.string(&t.service_name, "isagate");
    if service_name.trim().is_empty() {
        c.problem(
            "telemetry.service_name",
            t.service_name.as_ref().map(|s| s.span()),
            "is empty: give a name, like `isagate`",
        );
    }
    let log_level = c.string(&t.log_level, "info");
    if let Err(e) = tracing_subscriber::EnvFilter::try_new(&log_level) {
        c.problem(
            "telemetry.log_level",
            t.log_level.as_ref().map(|s| s.span()),
            format!("`{log_level}` is not a log filter ({e}): write a level like `info` or directives like `isagate=debug,info`"),
        );
    }
    Telemetry {
        otlp_endpoint: c.http_url("telemetry.otlp_endpoint", &t.otlp_endpoint, false),
        log_format,
        log_level,
        service_name,
    }
}

fn is_agency_id(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn agencies(c: &mut Ctx<'_>, raw: &[S<RawAgency>]) -> Vec<Agency> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(raw.len());
    for (i, entry) in raw.iter().enumerate() {
        let a = entry.get_ref();
        let table_span = Some(entry.span());
        let key = |field: &str| format!("agencies[{i}].{field}");
        let required =
            |c: &mut Ctx<'_>, field: &str, v: &Option<S<String>>, what: &str| -> String {
                match v {
                    Some(s) => s.get_ref().clone(),
                    None => {
                        c.problem(
                            &key(field),
                            table_span.clone(),
                            format!("is missing: every agency needs {what}"),
                        );
                        String::new()
                    }
                }
            };
        let id = required(c, "id", &a.id, "an `id` (lower-case `[a-z0-9-]+`)");
        let name = required(c, "name", &a.name, "a display `name`");
        let jurisdiction = required(
            c,
            "jurisdiction",
            &a.jurisdiction,
            "a `jurisdiction` (ISO 3166-1 alpha-2, like `GB`)",
        );
        if let Some(s) = &a.id {
            if !is_agency_id(&id) {
                c.problem(
                    &key("id"),
                    Some(s.span()),
                    format!(
                        "`{id}` is not an agency id: use lower-case letters, digits and `-` only"
                    ),
                );
            } else if !seen.insert(id.clone()) {
                c.problem(
                    &key("id"),
                    Some(s.span()),
                    format!("`{id}` is registered twice: agency ids must be unique"),
                );
            }
        }
        if let Some(s) = &a.name {
            if name.trim().is_empty() {
                c.problem(&key("name"), Some(s.span()), "is empty: give the agency's display name");
            }
        }
        if let Some(s) = &a.jurisdiction {
            if jurisdiction.len() != 2 || !jurisdiction.bytes().all(|b| b.is_ascii_uppercase()) {
                c.problem(&key("jurisdiction"), Some(s.span()), format!("`{jurisdiction}` is not an ISO 3166-1 alpha-2 code: write two upper-case letters, like `GB` or `IE`"));
            }
        }
        let upstream = c
            .http_url(&key("upstream"), &a.upstream, true)
            .and_then(|u| u.parse::<http::Uri>().ok());
        let upstream_ca = match (&a.upstream, &a.upstream_ca) {
            (_, Some(_)) => Some(c.file(&key("upstream_ca"), &a.upstream_ca, "", true)),
            (Some(u), None) => {
                c.problem(&key("upstream_ca"), Some(u.span()), "is missing: an agency with an `upstream` needs the CA bundle its server certificate chains to");
                None
            }
            (None, None) => None,
        };
        let mut pins = Vec::new();
        for pin in a.pins.as_ref().map(|p| p.get_ref().as_slice()).unwrap_or(&[]) {
            match crate::tls::identity::parse_pin(pin.get_ref()) {
                Some(hex) if !pins.contains(&hex) => pins.push(hex),
                Some(_) => {}
                None => c.problem(&key("pins"), Some(pin.span()), format!("`{}` is not a pin: write `sha256:` and 64 hex digits of the certificate's SHA-256", pin.get_ref())),
            }
        }
        let public_authority = a.public_authority.as_ref().is_none_or(|p| *p.get_ref());
        out.push(Agency { id, name, jurisdiction, upstream, upstream_ca, pins, public_authority });
    }
    out
}
