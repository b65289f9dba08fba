//! `isagate.toml`: unknown keys name their line, every validation problem at once,
//! documented defaults, and the example config working with `isagate dev-certs`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use isagate::config::{Config, ConfigError, LogFormat};

use crate::support::{isagate_bin, repo, scratch};

fn write(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("isagate.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn an_unknown_key_is_an_error_naming_its_line_and_column() {
    let dir = scratch();
    let path =
        write(dir.path(), "[listen]\ntransfer = \"0.0.0.0:8443\"\n\n[tls]\nclient_cas = \"x\"\n");
    match Config::load_without_files(&path) {
        Err(ConfigError::Syntax { line, column, message, .. }) => {
            assert_eq!((line, column), (5, 1));
            assert!(message.contains("client_cas"), "{message}");
            assert!(message.ends_with("did you mean `client_ca`?"), "{message}");
        }
        other => panic!("expected a syntax error, got {other:?}"),
    }
    // Also inside an agency, and the rendered message names file and line.
    let path = write(
        dir.path(),
        "[[agencies]]\nid = \"a\"\nname = \"A\"\njurisdiction = \"GB\"\ncolour = \"red\"\n",
    );
    let e = Config::load_without_files(&path).unwrap_err();
    let text = e.to_string();
    assert!(text.contains("isagate.toml:5:1:") && text.contains("colour"), "{text}");
    // An unknown table too.
    let path = write(dir.path(), "\n[listener]\nport = 1\n");
    assert!(matches!(Config::load_without_files(&path), Err(ConfigError::Syntax { line: 2, .. })));
}

#[test]
fn every_validation_problem_is_reported_at_once() {
    let dir = scratch();
    let text = r#"
[listen]
transfer = "nowhere"
ops = "127.0.0.1:9443"
admin = "127.0.0.1:9443"

[tls]
crl_check_interval = "10m"

[store]
url = "mysql://db"

[rate_limits]
per_caller = { count = 0, per = "1m" }

[alerts]
webhook_url = "ftp://hooks"

[telemetry]
log_format = "xml"

[[agencies]]
id = "Bad_Id"
name = "x"
jurisdiction = "gb"
upstream = "http://plain.example"
upstream_ca = "certs/ca.crt"

[[agencies]]
id = "dup"
name = "A"
jurisdiction = "GB"
upstream = "https://a.example"

[[agencies]]
id = "dup"
name = "B"
jurisdiction = "GB"
pins = ["sha256:1234"]

[[agencies]]
name = "no id"
jurisdiction = "GB"
"#;
    let path = write(dir.path(), text);
    let Err(ConfigError::Invalid { problems, .. }) = Config::load_without_files(&path) else {
        panic!("expected validation problems");
    };
    let keys: Vec<&str> = problems.iter().map(|p| p.key.as_str()).collect();
    for expected in [
        "listen.transfer",
        "listen.ops",
        "tls.crl_check_interval",
        "store.url",
        "rate_limits.per_caller",
        "alerts.webhook_url",
        "alerts.webhook_key",
        "telemetry.log_format",
        "agencies[0].id",
        "agencies[0].jurisdiction",
        "agencies[0].upstream",
        "agencies[1].upstream_ca",
        "agencies[2].id",
        "agencies[2].pins",
        "agencies[3].id",
    ] {
        assert!(keys.contains(&expected), "`{expected}` not reported; got {keys:?}");
    }
    let line_of = |key: &str| problems.iter().find(|p| p.key == key).and_then(|p| p.line);
    assert_eq!(line_of("listen.transfer"), Some(3));
    assert_eq!(line_of("tls.crl_check_interval"), Some(8));
    assert_eq!(line_of("agencies[0].jurisdiction"), Some(25));
    assert_eq!(line_of("agencies[2].id"), Some(36));
    // Each problem says what to do, and the whole report names the file.
    let report =
        ConfigError::Invalid { path: path.clone(), problems: problems.clone() }.to_string();
    assert!(report.contains("isagate.toml:3:"), "{report}");
    assert!(
        report.contains("must be unique") && report.contains("two upper-case letters"),
        "{report}"
    );
}

#[test]
fn defaults_are_the_documented_ones() {
    let dir = scratch();
    let cfg = Config::load_without_files(&write(dir.path(), "")).unwrap();
    assert_eq!(cfg.listen.transfer.to_string(), "0.0.0.0:8443");
    assert_eq!(cfg.listen.admin.to_string(), "0.0.0.0:9443");
    assert_eq!(cfg.listen.ops.to_string(), "127.0.0.1:9090");
    assert_eq!(cfg.tls.crl_check_interval, Duration::from_secs(300));
    assert!(!cfg.tls.tls12 && cfg.tls.session_resumption);
    assert_eq!(cfg.tls.admin_server_cert, cfg.tls.server_cert);
    assert_eq!(cfg.tls.governance_ca, cfg.tls.client_ca);
    assert_eq!(cfg.tls.crls, vec![dir.path().join("certs/crl.pem")]);
    assert_eq!(cfg.store.group_commit_window, Duration::from_millis(2));
    assert_eq!(cfg.store.append_timeout, Duration::from_secs(2));
    assert_eq!(cfg.store.url, format!("sqlite://{}", dir.path().join("isagate.db").display()));
    assert_eq!(cfg.limits.max_body, 1 << 20);
    assert_eq!(cfg.limits.decompressed_max, 1 << 20);
    assert_eq!(cfg.limits.max_depth, 64);
    assert_eq!(cfg.limits.max_header_bytes, 16384);
    assert_eq!(cfg.shutdown.drain, Duration::from_secs(30));
    assert_eq!(cfg.checkpoints.every_records, 1000);
    assert_eq!(cfg.alerts.review_overdue, Duration::from_secs(72 * 3600));
    assert_eq!(cfg.telemetry.log_format, LogFormat::Auto);
    assert!(cfg.telemetry.otlp_endpoint.is_none());
    assert!(cfg.agencies.is_empty());
    // decompressed_max follows max_body unless set.
    let cfg =
        Config::load_without_files(&write(dir.path(), "[limits]\nmax_body = \"64KiB\"\n")).unwrap();
    assert_eq!(cfg.limits.decompressed_max, 65536);
}

#[test]
fn missing_files_are_reported_with_the_key_that_names_them() {
    let dir = scratch();
    let path = write(dir.path(), "[keys]\nsubject = \"elsewhere/subject.key\"\n");
    let Err(ConfigError::Invalid { problems, .. }) = Config::load(&path) else {
        panic!("expected missing files");
    };
    let subject = problems.iter().find(|p| p.key == "keys.subject").unwrap();
    assert_eq!(subject.line, Some(2));
    assert!(subject.message.contains("elsewhere/subject.key"), "{}", subject.message);
    for key in
        ["tls.server_cert", "tls.client_ca", "tls.crls", "upstream_client.key", "checkpoints.key"]
    {
        assert!(problems.iter().any(|p| p.key == key), "`{key}` missing from {problems:?}");
    }
}

#[test]
fn debug_output_holds_no_store_password() {
    let dir = scratch();
    let path =
        write(dir.path(), "[store]\nurl = \"postgres://isagate:s3cret-pw@db:5432/isagate\"\n");
    let cfg = Config::load_without_files(&path).unwrap();
    assert!(cfg.store.url.contains("s3cret-pw"));
    let debug = format!("{cfg:?}");
    assert!(!debug.contains("s3cret-pw"), "{debug}");
}

/// Every key the example file writes (and every key it shows in comments) is documented
/// in docs/configuration.md as `section.key`.
#[test]
fn every_example_key_is_documented() {
    let docs = std::fs::read_to_string(repo().join("docs/configuration.md")).unwrap();
    let example = std::fs::read_to_string(repo().join("isagate.example.toml")).unwrap();
    let uncommented: String = example
        .lines()
        .map(|l| l.strip_prefix("# ").filter(|r| r.contains(" = ")).unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n");
    let table: toml::Table = toml::from_str(&uncommented).unwrap();
    let mut keys = Vec::new();
    for (section, value) in &table {
        match value {
            toml::Value::Table(t) => keys.extend(t.keys().map(|k| format!("{section}.{k}"))),
            toml::Value::Array(items) => {
                for item in items {
                    if let toml::Value::Table(t) = item {
                        keys.extend(t.keys().map(|k| format!("{section}.{k}")));
                    }
                }
            }
            _ => keys.push(section.clone()),
        }
    }
    assert!(keys.len() > 40, "{keys:?}");
    for key in keys {
        assert!(
            docs.contains(&format!("`{key}`")),
            "`{key}` is not documented in docs/configuration.md"
        );
    }
}

#[test]
fn the_example_config_loads_after_dev_certs() {
    let dir = scratch();
    let out = std::process::Command::new(isagate_bin())
        .args(["dev-certs", "--out"])
        .arg(dir.path().join("certs"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(printed.contains("agency-ie-tusla.crt") && printed.contains("crl.pem"), "{printed}");
    let path = dir.path().join("isagate.toml");
    std::fs::copy(repo().join("isagate.example.toml"), &path).unwrap();
    let cfg = Config::load(&path).unwrap();
    assert_eq!(cfg.agencies.len(), 13);
    let tusla = cfg.agency("ie-tusla").unwrap();
    assert_eq!(tusla.jurisdiction, "IE");
    assert_eq!(tusla.upstream.as_ref().unwrap().to_string(), "https://127.0.0.1:18611/");
    assert!(cfg.tls.server_cert.starts_with(dir.path()), "relative paths resolve against the file");
    let refs = cfg.to_agency_refs();
    assert!(refs.iter().all(|r| r.receives));
    assert!(refs.iter().any(|r| r.id == "merseyside-police" && r.name == "Merseyside Police"));
    // Key files are private.
    use std::os::unix::fs::PermissionsExt as _;
    for key in
        ["ca.key", "gateway-server.key", "agency-lcc-ssc.key", "subject.key", "checkpoint.key"]
    {
        let mode =
            std::fs::metadata(dir.path().join("certs").join(key)).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{key}");
    }
    // And the server TLS builds from it.
    isagate::tls::ServerTls::transfer(&cfg).unwrap();
    isagate::tls::ServerTls::admin(&cfg).unwrap();
}

#[test]
fn dev_certs_takes_agencies_from_the_config() {
    let dir = scratch();
    let path = write(
        dir.path(),
        "[[agencies]]\nid = \"only-one\"\nname = \"Only\"\njurisdiction = \"GB\"\n",
    );
    let out = std::process::Command::new(isagate_bin())
        .arg("--config")
        .arg(&path)
        .args(["dev-certs", "--out"])
        .arg(dir.path().join("certs"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(dir.path().join("certs/agency-only-one.crt").is_file());
    assert!(!dir.path().join("certs/agency-lcc-ssc.crt").exists());
    // A bad id is a usage error (exit 2).
    let out = std::process::Command::new(isagate_bin())
        .args(["dev-certs", "--agency", "Not/Valid", "--out"])
        .arg(dir.path().join("bad"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
