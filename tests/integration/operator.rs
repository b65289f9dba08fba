//! Operator-facing loose ends: the hidden `mock-agency` command docker-compose runs, the
//! `deploy/` configs against the real config module, and the `audit` commands taking
//! their store, keys and checkpoints from `isagate.toml`.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use isagate::config::Config;
use isagate::tls::dev_certs::{self, DevCertOptions, DevCerts};
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use crate::support::{isagate_bin, repo, scratch, wait_until};

fn certs(dir: &Path) -> DevCerts {
    dev_certs::generate(dir, &["nhs-trust".to_owned()], &DevCertOptions::default()).unwrap()
}

/// A reqwest client trusting `ca`, presenting `identity` (cert, key) when given, and
/// reaching `resolve` (a host name) at `addr` when given.
fn client(
    ca: &Path,
    identity: Option<(&Path, &Path)>,
    resolve: Option<(&str, std::net::SocketAddr)>,
) -> reqwest::Client {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(ca).unwrap() {
        roots.add(c.unwrap()).unwrap();
    }
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots);
    let config = match identity {
        Some((cert, key)) => builder
            .with_client_auth_cert(
                CertificateDer::pem_file_iter(cert).unwrap().map(Result::unwrap).collect(),
                PrivateKeyDer::from_pem_file(key).unwrap(),
            )
            .unwrap(),
        None => builder.with_no_client_auth(),
    };
    let mut b = reqwest::Client::builder()
        .tls_backend_preconfigured(config)
        .timeout(Duration::from_secs(10));
    if let Some((host, addr)) = resolve {
        b = b.resolve(host, addr);
    }
    b.build().unwrap()
}

/// Kills the child when a test fails before it is waited for.
struct Reaper(Option<Child>);

impl Drop for Reaper {
    fn drop(&mut self) {
        if let Some(mut c) = self.0.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Waits at most `limit` for the child to exit.
async fn wait_bounded(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let mut status = None;
    wait_until("the child exits", limit, || {
        status = child.try_wait().unwrap();
        std::future::ready(status.is_some())
    })
    .await;
    status.unwrap()
}

#[tokio::test]
async fn mock_agency_command_serves_a_client_certificate_then_stops_on_sigterm() {
    let dir = scratch();
    let c = certs(dir.path());
    let child = Command::new(isagate_bin())
        .args(["mock-agency", "--name", "nhs-trust", "--bind", "127.0.0.1:0", "--print"])
        .arg("--cert")
        .arg(&c.mock_upstream.cert)
        .arg("--key")
        .arg(&c.mock_upstream.key)
        .arg("--client-ca")
        .arg(&c.ca_cert)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut reaper = Reaper(Some(child));
    let stdout = reaper.0.as_mut().unwrap().stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if tx.send(line.unwrap_or_default()).is_err() {
                break;
            }
        }
    });
    let first = rx.recv_timeout(Duration::from_secs(20)).expect("the mock agency never started");
    let url = first
        .split_once("listening on ")
        .map(|(_, u)| u.trim().to_owned())
        .unwrap_or_else(|| panic!("unexpected first line: {first}"));
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");

    // Without a client certificate the handshake is refused.
    let anonymous = client(&c.ca_cert, None, None);
    let refused = anonymous.post(format!("{url}/v1/referrals")).body("{}").send().await;
    let e = crate::support::error_chain(&refused.expect_err("answered without a certificate"));
    assert!(e.contains("received fatal alert: CertificateRequired"), "{e}");

    let gateway = (c.gateway_client.cert.as_path(), c.gateway_client.key.as_path());
    let res = client(&c.ca_cert, Some(gateway), None)
        .post(format!("{url}/v1/referrals"))
        .header("content-type", "application/json")
        .body(r#"{"concern":"neglect"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let ack: serde_json::Value = res.json().await.unwrap();
    assert!(ack["reference"].as_str().unwrap().starts_with("nhs-trust-"), "{ack}");

    // `--print` shows the request.
    let mut printed = String::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !printed.contains("/v1/referrals") && Instant::now() < deadline {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) {
            printed.push_str(&line);
            printed.push('\n');
        }
    }
    assert!(printed.contains("/v1/referrals"), "{printed}");

    let pid = reaper.0.as_ref().unwrap().id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let mut child = reaper.0.take().unwrap();
    let status = wait_bounded(&mut child, Duration::from_secs(15)).await;
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert_eq!(status.code(), Some(0), "{err}");
}

fn deploy_configs() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(repo().join("deploy"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    v.sort();
    v
}

/// Every file a config reads at start-up (or the CLI reads), by key.
fn named_files(cfg: &Config) -> Vec<(&'static str, PathBuf)> {
    let mut v = vec![
        ("tls.server_cert", cfg.tls.server_cert.clone()),
        ("tls.server_key", cfg.tls.server_key.clone()),
        ("tls.client_ca", cfg.tls.client_ca.clone()),
        ("tls.admin_server_cert", cfg.tls.admin_server_cert.clone()),
        ("tls.admin_server_key", cfg.tls.admin_server_key.clone()),
        ("tls.governance_ca", cfg.tls.governance_ca.clone()),
        ("upstream_client.cert", cfg.upstream_client.cert.clone()),
        ("upstream_client.key", cfg.upstream_client.key.clone()),
        ("keys.pseudonymisation", cfg.keys.pseudonymisation.clone()),
        ("keys.subject", cfg.keys.subject.clone()),
        ("checkpoints.key", cfg.checkpoints.key.clone()),
        ("admin_client.cert", cfg.admin_client.cert.clone()),
        ("admin_client.key", cfg.admin_client.key.clone()),
        ("admin_client.ca", cfg.admin_client.ca.clone()),
    ];
    v.extend(cfg.tls.crls.iter().map(|p| ("tls.crls", p.clone())));
    v.extend(cfg.agencies.iter().filter_map(|a| a.upstream_ca.clone()).map(|p| ("upstream_ca", p)));
    v
}

#[test]
fn deploy_configs_load_and_name_the_files_dev_certs_writes() {
    let configs = deploy_configs();
    assert!(configs.len() >= 2, "{configs:?}");
    for path in configs {
        let cfg =
            Config::load_without_files(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(cfg.store.url.starts_with("postgres://"), "{}", path.display());
        // What the compose `certs` service makes: dev-certs with this config's agencies.
        let dir = scratch();
        let ids: Vec<String> = cfg.agencies.iter().map(|a| a.id.clone()).collect();
        dev_certs::generate(dir.path(), &ids, &DevCertOptions::default()).unwrap();
        for (key, file) in named_files(&cfg) {
            assert!(file.starts_with("/certs"), "{}: `{key}` = {}", path.display(), file.display());
            let name = file.file_name().unwrap();
            assert!(
                dir.path().join(name).is_file(),
                "{}: `{key}` names `{}`, which `isagate dev-certs` does not write",
                path.display(),
                file.display()
            );
        }
        // The config loads, files included, once they exist (paths moved to the scratch copy).
        let text = std::fs::read_to_string(&path).unwrap().replace("/certs/", "certs/");
        let certs_dir = dir.path().join("certs");
        std::fs::create_dir_all(&certs_dir).unwrap();
        for e in std::fs::read_dir(dir.path()).unwrap() {
            let p = e.unwrap().path();
            if p.is_file() {
                std::fs::copy(&p, certs_dir.join(p.file_name().unwrap())).unwrap();
            }
        }
        let local = dir.path().join("gateway.toml");
        std::fs::write(&local, text).unwrap();
        Config::load(&local).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
}

/// The gateway reaches the compose mock upstreams as `https://mock-<id>:8443` and checks
/// the host name: the dev-certs mock upstream certificate must name them.
#[tokio::test]
async fn the_mock_upstream_certificate_names_the_compose_hosts() {
    use isagate::mock_agency::{MockAgency, MockAgencyOptions};
    let cfg = Config::load_without_files(&repo().join("deploy/gateway-a.toml")).unwrap();
    let dir = scratch();
    let ids: Vec<String> = cfg.agencies.iter().map(|a| a.id.clone()).collect();
    let c = dev_certs::generate(dir.path(), &ids, &DevCertOptions::default()).unwrap();
    let mock = MockAgency::start(MockAgencyOptions {
        name: "nhs-trust".into(),
        bind: "127.0.0.1:0".parse().unwrap(),
        server_cert_pem: c.mock_upstream.cert.clone(),
        server_key_pem: c.mock_upstream.key.clone(),
        client_ca_pem: c.ca_cert.clone(),
        print: false,
        routes: Vec::new(),
    })
    .await
    .unwrap();
    let port = mock.addr().port();
    let upstream_hosts: Vec<String> = cfg
        .agencies
        .iter()
        .filter_map(|a| a.upstream.as_ref().and_then(|u| u.host().map(str::to_owned)))
        .collect();
    assert_eq!(upstream_hosts.len(), 2, "{upstream_hosts:?}");
    let gateway = (c.gateway_client.cert.as_path(), c.gateway_client.key.as_path());
    for host in upstream_hosts.iter().map(String::as_str).chain(["localhost"]) {
        let http = client(&c.ca_cert, Some(gateway), Some((host, mock.addr())));
        let res = http.post(format!("https://{host}:{port}/v1/x")).body("{}").send().await;
        assert_eq!(res.unwrap_or_else(|e| panic!("{host}: {e:?}")).status(), 201, "{host}");
    }
    // A name it does not carry is refused.
    let http = client(&c.ca_cert, Some(gateway), Some(("mock-elsewhere", mock.addr())));
    let refused = http.get(format!("https://mock-elsewhere:{port}/")).send().await;
    let e = crate::support::error_chain(&refused.expect_err("answered under a name it lacks"));
    assert!(e.contains("not valid for name"), "{e}");
    mock.shutdown().await;
}

/// `agreements check` reads the agencies through the config module: what `serve` would
/// refuse is refused (exit 2, naming the key and line), certificate files are not needed.
#[test]
fn agreements_check_reads_agencies_through_the_config_module() {
    let dir = scratch();
    let examples = std::fs::read_to_string(repo().join("examples/agencies.toml")).unwrap();
    let check = |config: &Path| {
        Command::new(isagate_bin())
            .current_dir(repo())
            .args(["agreements", "check", "--format", "json", "--config"])
            .arg(config)
            .output()
            .unwrap()
    };
    // The samples' agencies plus tables the old minimal reader ignored: fine.
    let good = dir.path().join("good.toml");
    std::fs::write(&good, format!("[store]\nurl = \"sqlite://x.db\"\n\n{examples}")).unwrap();
    let o = check(&good);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!((j["errors"].as_u64(), j["warnings"].as_u64()), (Some(0), Some(0)), "{j}");

    // A store URL the gateway would refuse: exit 2, with the key and line.
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, format!("[store]\nurl = \"mysql://x\"\n\n{examples}")).unwrap();
    let o = check(&bad);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("2:7: `store.url`"), "{err}");

    // An agency with an upstream but no `upstream_ca` is refused too, as `serve` would.
    let no_ca = dir.path().join("no-ca.toml");
    std::fs::write(&no_ca, examples.replacen("upstream_ca = \"../certs/ca.crt\"\n", "", 1))
        .unwrap();
    let o = check(&no_ca);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("agencies[0].upstream_ca"), "{err}");
}

fn isagate_in(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(isagate_bin()).current_dir(dir).args(args).output().unwrap()
}

fn json_out(o: &std::process::Output) -> serde_json::Value {
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

/// The `audit` commands take the store, the subject key and the checkpoints from
/// `isagate.toml` (in the working folder, or `--config`) when no option names them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_commands_default_to_the_config() {
    use isagate::audit::record::{Outcome, RecordDraft, RecordKind};
    use isagate::audit::{CheckpointOptions, Store, StoreOptions};
    use isagate::keys::{SecretKey, SubjectKey};

    let dir = scratch();
    let site = dir.path().join("site");
    std::fs::create_dir_all(site.join("state")).unwrap();
    let made = isagate_in(&site, &["dev-certs", "--out", "certs", "--agency", "nhs-trust"]);
    assert_eq!(made.status.code(), Some(0), "{}", String::from_utf8_lossy(&made.stderr));
    let config = site.join("isagate.toml");
    std::fs::write(
        &config,
        r#"[store]
url = "sqlite://state/records.db"

[keys]
pseudonymisation = "certs/pseudonymisation.key"
subject = "certs/subject.key"

[checkpoints]
key = "certs/checkpoint.key"
file = "state/checkpoints.jsonl"
every_records = 2

[[agencies]]
id = "nhs-trust"
name = "NHS Trust"
jurisdiction = "GB"
"#,
    )
    .unwrap();
    let cfg = Config::load(&config).unwrap();

    // Records as the gateway writes them: the configured store, checkpoints and key.
    let subject = SubjectKey::new(&SecretKey::read(&cfg.keys.subject).unwrap());
    let me = subject.hash("nhs-number", "9434765919");
    let other = subject.hash("nhs-number", "9999999999");
    let store = Store::open(
        &cfg.store.url,
        StoreOptions {
            group_commit_window: Duration::ZERO,
            checkpoints: Some(CheckpointOptions {
                key_file: cfg.checkpoints.key.clone(),
                out_file: cfg.checkpoints.file.clone(),
                every_records: cfg.checkpoints.every_records,
                every: Duration::from_secs(3600),
            }),
            ..StoreOptions::default()
        },
    )
    .await
    .unwrap();
    for n in 0..6 {
        let mut d = RecordDraft::new(RecordKind::Disclosure, Outcome::Forwarded);
        d.from = Some("nhs-trust".into());
        d.subjects = if n % 2 == 0 { vec![me.clone(), other.clone()] } else { vec![other.clone()] };
        store.append(d).await.unwrap();
    }
    drop(store);
    assert!(cfg.checkpoints.file.is_file(), "the store wrote no checkpoints");

    // From the site folder: `./isagate.toml` supplies everything.
    let v = json_out(&isagate_in(&site, &["audit", "verify", "--format", "json"]));
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["length"], 6, "{v}");
    assert!(v["checkpoints_checked"].as_u64().unwrap() >= 1, "{v}");

    let s = json_out(&isagate_in(
        &site,
        &["audit", "subject", "--type", "nhs-number", "--id", "9434765919", "--format", "json"],
    ));
    let entries = s["records"].as_array().unwrap();
    assert_eq!(entries.len(), 3, "{s}");
    assert_eq!(entries[0]["subjects"], serde_json::json!([me, "redacted"]));

    let export = isagate_in(&site, &["audit", "export"]);
    assert_eq!(export.status.code(), Some(0));
    // The six and the verify's own `chain-verified` record.
    assert_eq!(String::from_utf8_lossy(&export.stdout).lines().count(), 7);
    let r = json_out(&isagate_in(
        &site,
        &["audit", "report", "--since", "2000-01-01", "--until", "2100-01-01", "--format", "json"],
    ));
    assert!(r.is_object(), "{r}");

    // From elsewhere with `--config`; an explicit `--store` still wins.
    let elsewhere = dir.path();
    let cfg_arg = config.to_str().unwrap();
    let v = json_out(&isagate_in(
        elsewhere,
        &["--config", cfg_arg, "audit", "verify", "--format", "json"],
    ));
    assert!(v["checkpoints_checked"].as_u64().unwrap() >= 1, "{v}");
    let empty = format!("sqlite://{}", elsewhere.join("empty.db").display());
    drop(Store::open(&empty, StoreOptions::default()).await.unwrap());
    let v = json_out(&isagate_in(
        elsewhere,
        &["--config", cfg_arg, "audit", "verify", "--format", "json", "--store", &empty],
    ));
    assert_eq!(v["length"], 0, "{v}");
    assert!(v["checkpoints_checked"].is_null(), "another store is not checked against these");

    // The checkpoints are checked only when the public key is there.
    std::fs::rename(site.join("certs/checkpoint.pub"), site.join("checkpoint.pub.away")).unwrap();
    let v = json_out(&isagate_in(&site, &["audit", "verify", "--format", "json"]));
    assert_eq!(v["ok"], true);
    assert!(v["checkpoints_checked"].is_null(), "{v}");
    std::fs::rename(site.join("checkpoint.pub.away"), site.join("certs/checkpoint.pub")).unwrap();

    // A tampered checkpoint line (its signature no longer verifies) fails verification by
    // default, as an error naming the line (exit 2), not as a silent pass.
    let cps = std::fs::read_to_string(&cfg.checkpoints.file).unwrap();
    let first: serde_json::Value = serde_json::from_str(cps.lines().next().unwrap()).unwrap();
    let head = first["head"].as_str().unwrap();
    let flipped =
        if head.starts_with('0') { head.replacen('0', "1", 1) } else { format!("0{}", &head[1..]) };
    std::fs::write(&cfg.checkpoints.file, cps.replacen(head, &flipped, 1)).unwrap();
    let bad = isagate_in(&site, &["audit", "verify"]);
    let err = String::from_utf8_lossy(&bad.stderr);
    assert_eq!(bad.status.code(), Some(2), "{err}");
    assert!(err.contains("line 1") && err.contains("signature does not verify"), "{err}");
    std::fs::write(&cfg.checkpoints.file, cps).unwrap();

    // `archive` signs with the configured checkpoint key.
    let archived =
        isagate_in(&site, &["audit", "archive", "--before", "2100-01-01", "--out", "seg.jsonl"]);
    assert_eq!(archived.status.code(), Some(0), "{}", String::from_utf8_lossy(&archived.stderr));
    assert!(site.join("seg.jsonl").is_file());

    // Without a config, today's behaviour: the subject key must be given.
    let bare = dir.path().join("bare");
    std::fs::create_dir_all(&bare).unwrap();
    let o = isagate_in(&bare, &["audit", "subject", "--type", "nhs-number", "--id", "1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("`--subject-key FILE` is needed"));
}

/// `emergency` and `restrictions` read `[admin_client]` through the config module: its
/// checks (an `https://` URL) and its error messages, with the key and line.
#[test]
fn emergency_and_restrictions_read_admin_client_through_the_config_module() {
    let dir = scratch();
    let config = dir.path().join("isagate.toml");
    std::fs::write(
        &config,
        "[store]\nurl = \"sqlite://x.db\"\n\n[admin_client]\nurl = \"http://127.0.0.1:9443\"\n",
    )
    .unwrap();
    for cmd in [&["emergency", "list"][..], &["restrictions", "list"][..]] {
        let o = isagate_in(dir.path(), cmd);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains("5:7: `admin_client.url`"), "{cmd:?}: {err}");
    }
    // A valid config whose governance certificate is missing names that file.
    std::fs::write(
        &config,
        "[admin_client]\nurl = \"https://127.0.0.1:9443\"\ncert = \"gov.crt\"\n",
    )
    .unwrap();
    let o = isagate_in(dir.path(), &["emergency", "list"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("gov.crt"), "{err}");
}
