//! `docker-compose.yml`, the `Dockerfile` and `deploy/`: Docker cannot run here, so check
//! that every file they name exists, that published ports are unique, and that the
//! ports and hosts the gateway configs name match the compose services.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

use crate::support::repo;

fn compose() -> Value {
    let text = std::fs::read_to_string(repo().join("docker-compose.yml")).unwrap();
    serde_saphyr::from_str(&text).unwrap()
}

fn services(c: &Value) -> &serde_json::Map<String, Value> {
    c["services"].as_object().expect("a services map")
}

/// `(host path or volume name, container path)` for each volume entry.
fn volumes(service: &Value) -> Vec<(String, String)> {
    service["volumes"]
        .as_array()
        .map(|v| v.iter().map(|e| e.as_str().expect("short volume syntax")).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .map(|e| {
            let parts: Vec<&str> = e.split(':').collect();
            assert!(parts.len() >= 2, "volume `{e}` names no container path");
            (parts[0].to_owned(), parts[1].to_owned())
        })
        .collect()
}

/// `(host port, container port)` for each `ports` entry (`[ip:]host:container`).
fn ports(service: &Value) -> Vec<(String, u16)> {
    service["ports"]
        .as_array()
        .map(|v| {
            v.iter().map(|p| p.as_str().expect("ports are quoted strings")).collect::<Vec<_>>()
        })
        .unwrap_or_default()
        .into_iter()
        .map(|p| {
            let (host, container) = p.rsplit_once(':').expect("host and container port");
            (host.to_owned(), container.parse().unwrap())
        })
        .collect()
}

fn command(service: &Value) -> Vec<String> {
    service["command"]
        .as_array()
        .map(|v| v.iter().map(|s| s.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

fn arg_after(cmd: &[String], flag: &str) -> Option<String> {
    cmd.iter().position(|a| a == flag).and_then(|i| cmd.get(i + 1)).cloned()
}

fn port_of(addr: &str) -> u16 {
    addr.rsplit_once(':').unwrap().1.parse().unwrap()
}

/// The host file mounted at `container_path` in `service`, when one is.
fn host_file(service: &Value, container_path: &str) -> Option<String> {
    volumes(service).into_iter().find(|(_, c)| c == container_path).map(|(h, _)| h)
}

#[test]
fn compose_names_only_files_that_exist() {
    let c = compose();
    let named_volumes: BTreeSet<&String> =
        c["volumes"].as_object().expect("named volumes").keys().collect();
    assert!(services(&c).len() >= 6);
    let mut missing = BTreeSet::new();
    for (name, s) in services(&c) {
        if let Some(build) = s.get("build") {
            let ctx = repo().join(build["context"].as_str().unwrap());
            assert!(ctx.is_dir(), "{name}: build context missing");
            let dockerfile = ctx.join(build["dockerfile"].as_str().unwrap_or("Dockerfile"));
            assert!(dockerfile.is_file(), "{name}: {} missing", dockerfile.display());
        }
        assert!(s.get("image").is_some() || s.get("build").is_some(), "{name}: no image");
        for (host, container) in volumes(s) {
            assert!(container.starts_with('/'), "{name}: `{container}` is not absolute");
            if host.starts_with("./") {
                if !repo().join(&host).exists() {
                    missing.insert(host);
                }
            } else {
                assert!(named_volumes.contains(&host), "{name}: volume `{host}` is not declared");
            }
        }
        for dep in s["depends_on"].as_object().map(|d| d.keys().collect()).unwrap_or(Vec::new()) {
            assert!(services(&c).contains_key(dep), "{name}: depends on unknown `{dep}`");
        }
        // A config file passed on the command line is mounted from the repo.
        let cmd = command(s);
        for flag in ["--config", "--agreements", "--schemas"] {
            if let Some(path) = arg_after(&cmd, flag) {
                let host = host_file(s, &path)
                    .unwrap_or_else(|| panic!("{name}: {flag} `{path}` is not mounted"));
                if !repo().join(&host).exists() {
                    missing.insert(host);
                }
            }
        }
    }
    assert!(missing.is_empty(), "docker-compose.yml mounts missing repository paths: {missing:?}");
    let dockerfile = std::fs::read_to_string(repo().join("Dockerfile")).unwrap();
    assert!(dockerfile.contains("FROM rust:1-bookworm AS build"));
    assert!(dockerfile.contains("FROM debian:bookworm-slim"));
    assert!(dockerfile.lines().any(|l| l.starts_with("USER ") && !l.contains("root")));
    assert!(repo().join(".dockerignore").is_file());
}

#[test]
fn published_ports_are_unique() {
    let c = compose();
    let mut seen = BTreeMap::new();
    for (name, s) in services(&c) {
        for (host, _) in ports(s) {
            let host_port = host.rsplit(':').next().unwrap().to_owned();
            if let Some(other) = seen.insert(host_port.clone(), name.clone()) {
                panic!("host port {host_port} published by both `{other}` and `{name}`");
            }
        }
    }
    // The ops listeners have no authentication: published on the host's loopback only.
    for (name, s) in services(&c) {
        for (host, container) in ports(s) {
            if container == 9090 {
                assert!(host.starts_with("127.0.0.1:"), "{name}: ops port published openly");
            }
        }
    }
}

#[test]
fn gateway_configs_match_the_compose_services() {
    let c = compose();
    let services = services(&c);
    let collector: Value = serde_saphyr::from_str(
        &std::fs::read_to_string(repo().join("deploy/otel-collector.yaml")).unwrap(),
    )
    .unwrap();
    let otlp_port =
        port_of(collector["receivers"]["otlp"]["protocols"]["http"]["endpoint"].as_str().unwrap());
    let collector_service = services
        .iter()
        .find(|(_, s)| {
            s["image"].as_str().unwrap_or("").starts_with("otel/opentelemetry-collector")
        })
        .map(|(n, _)| n.clone())
        .expect("an OpenTelemetry collector service");

    let gateways: Vec<_> = services
        .iter()
        .filter(|(_, s)| command(s).first().map(String::as_str) == Some("serve"))
        .collect();
    assert_eq!(gateways.len(), 2, "two gateway replicas");
    let scraped: BTreeSet<String> = collector["receivers"]["prometheus"]["config"]
        ["scrape_configs"][0]["static_configs"][0]["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().to_owned())
        .collect();
    let mut store_urls = BTreeSet::new();
    for (name, s) in gateways {
        let config_host = host_file(s, &arg_after(&command(s), "--config").unwrap()).unwrap();
        let config: Value =
            toml::from_str(&std::fs::read_to_string(repo().join(&config_host)).unwrap()).unwrap();
        let published: BTreeSet<u16> = ports(s).into_iter().map(|(_, c)| c).collect();
        for listener in ["transfer", "admin", "ops"] {
            let addr = config["listen"][listener].as_str().unwrap();
            assert!(
                addr.starts_with("0.0.0.0:"),
                "{name}: {listener} must listen on all interfaces"
            );
            assert!(
                published.contains(&port_of(addr)),
                "{name}: {listener} `{addr}` not published"
            );
        }
        // Every absolute path in the config lies under a volume the service mounts.
        let mounts: Vec<String> = volumes(s).into_iter().map(|(_, c)| c).collect();
        let mut paths = Vec::new();
        collect_paths(&config, &mut paths);
        assert!(paths.len() >= 8, "{name}: {paths:?}");
        for p in paths {
            assert!(
                mounts.iter().any(|m| Path::new(&p).starts_with(m)),
                "{name}: `{p}` is in no mounted volume"
            );
        }
        // Upstreams are compose services whose mock agency listens on that port.
        for agency in config["agencies"].as_array().unwrap() {
            let Some(upstream) = agency["upstream"].as_str() else { continue };
            let hostport = upstream.strip_prefix("https://").unwrap().trim_end_matches('/');
            let (host, port) = hostport.rsplit_once(':').unwrap();
            let mock = services.get(host).unwrap_or_else(|| panic!("no service `{host}`"));
            let cmd = command(mock);
            assert_eq!(cmd[0], "mock-agency");
            assert_eq!(arg_after(&cmd, "--name").as_deref(), agency["id"].as_str());
            assert_eq!(port_of(&arg_after(&cmd, "--bind").unwrap()), port.parse::<u16>().unwrap());
            for flag in ["--cert", "--key", "--client-ca"] {
                let p = arg_after(&cmd, flag).unwrap();
                assert!(volumes(mock).iter().any(|(_, m)| Path::new(&p).starts_with(m)));
            }
            assert!(s["depends_on"].get(host).is_some(), "{name} starts before `{host}`");
        }
        let ops_port = port_of(config["listen"]["ops"].as_str().unwrap());
        assert!(
            scraped.contains(&format!("{name}:{ops_port}")),
            "the collector does not scrape {name}"
        );
        let otlp = config["telemetry"]["otlp_endpoint"].as_str().unwrap();
        assert_eq!(otlp, format!("http://{collector_service}:{otlp_port}"));
        let url = config["store"]["url"].as_str().unwrap();
        assert!(url.starts_with("postgres://") && url.contains("@postgres:5432/"), "{url}");
        store_urls.insert(url.to_owned());
    }
    assert_eq!(store_urls.len(), 1, "the replicas share one store");
    assert_eq!(scraped.len(), 2);
}

fn collect_paths(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) if s.starts_with('/') => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| collect_paths(x, out)),
        Value::Object(o) => o.values().for_each(|x| collect_paths(x, out)),
        _ => {}
    }
}
