//! The differential test (issue 11): every case in [`cases`] is asked once of
//! `isagate agreements explain --format json` (the real binary) and once of a live
//! gateway over mutual TLS (mock upstreams that keep what they receive, SQLite on disk).
//! The verdict, the problem code, the body the upstream received and the disclosed /
//! stripped / transformed lists of the committed record must equal what explain says.
//! Every case runs before the test fails, and the failure lists every difference.

mod cases;
mod compare;
mod fixtures;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use http::Method;
use isagate::clock::SystemClock;
use isagate::config::Config;
use isagate::runtime::{launch, PolicySource};
use isagate::shutdown::Shutdown;
use serde_json::Value;

use crate::gateway::harness::{self, Gateway, Options};
use crate::support;
use cases::{Case, JSON};
use compare::{compare, Live};

/// A gateway on the sample agreements plus the fixtures, which explain is pointed at too.
async fn start() -> (Gateway, fixtures::PolicyDirs) {
    let opts = Options::default();
    let (dir, certs, ca, mocks) = harness::prepare(&opts).await;
    let policy = fixtures::write(dir.path());
    let config_path = dir.path().join("isagate.toml");
    std::fs::write(&config_path, harness::config_text(&opts, &mocks)).unwrap();
    let config = Config::load(&config_path).unwrap();
    let source =
        PolicySource { agreements: policy.agreements.clone(), schemas: policy.schemas.clone() };
    let launched = match launch(&config, source, Shutdown::new(), std::sync::Arc::new(SystemClock))
        .await
    {
        Ok(l) => l,
        Err(e) => {
            let check = std::process::Command::new(support::isagate_bin())
                .current_dir(dir.path())
                .args(["agreements", "check"])
                .output()
                .unwrap();
            panic!("the fixture set does not load: {e}\n{}", String::from_utf8_lossy(&check.stdout))
        }
    };
    let base = format!("https://127.0.0.1:{}", launched.transfer_addr.port());
    let gw = Gateway { dir, certs, ca, base, launched: Some(launched), mocks, config };
    (gw, policy)
}

/// The explain command line for one case (payload written to `payload`).
fn explain_args(case: &Case, policy: &fixtures::PolicyDirs, payload: &Path) -> Vec<String> {
    let mut args: Vec<String> = vec![
        "--config".into(),
        "isagate.toml".into(),
        "--agreements".into(),
        policy.agreements.display().to_string(),
        "--schemas".into(),
        policy.schemas.display().to_string(),
        "agreements".into(),
        "explain".into(),
        case.agreement.into(),
        case.flow.into(),
        payload.display().to_string(),
        "--format".into(),
        "json".into(),
    ];
    let mut opt = |name: &str, value: Option<&str>| {
        if let Some(v) = value {
            args.push(name.into());
            args.push(v.into());
        }
    };
    opt("--purpose", case.purpose);
    opt("--emergency", case.emergency);
    opt("--query", case.query());
    opt("--content-type", (case.content_type != JSON).then_some(case.content_type));
    // The gateway is asked without `Isagate-Agreement` unless the case names one.
    if case.agreement_header.is_none() {
        args.push("--no-agreement-header".into());
    }
    args
}

/// Run explain for every case, in parallel (one process each).
async fn explain_all(
    cwd: &Path,
    policy: &fixtures::PolicyDirs,
    cases: &[Case],
) -> Vec<Result<Value, String>> {
    let payloads = cwd.join("payloads");
    std::fs::create_dir_all(&payloads).unwrap();
    let mut tasks = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let file = payloads.join(format!("{i:02}.json"));
        std::fs::write(&file, &case.body).unwrap();
        let args = explain_args(case, policy, &file);
        let cwd: PathBuf = cwd.to_owned();
        tasks.push(tokio::task::spawn_blocking(move || {
            let out = std::process::Command::new(support::isagate_bin())
                .current_dir(&cwd)
                .args(&args)
                .output()
                .map_err(|e| format!("cannot run isagate: {e}"))?;
            serde_json::from_slice::<Value>(&out.stdout).map_err(|_| {
                format!(
                    "exit {:?}, no JSON on stdout; stderr: {}",
                    out.status.code(),
                    String::from_utf8_lossy(&out.stderr).lines().next().unwrap_or("")
                )
            })
        }));
    }
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

/// Send one case to the gateway and gather what it did.
async fn send(gw: &Gateway, n: usize, case: &Case) -> Live {
    let reason = format!("DIFF-{n:02}: differential test case, explain against the gateway");
    let requester = format!("{}/diff-{n:02}", case.caller);
    let mut headers: Vec<(&str, &str)> =
        vec![("Isagate-Reason", &reason), ("Isagate-Requester", &requester)];
    let optional = [
        ("Isagate-Purpose", case.purpose),
        ("Isagate-Emergency", case.emergency),
        ("Isagate-Agreement", case.agreement_header),
    ];
    headers.extend(optional.iter().filter_map(|(k, v)| v.map(|v| (*k, v))));
    if !case.body.is_empty() {
        headers.push(("Content-Type", case.content_type));
    }
    let method = Method::from_bytes(case.method.as_bytes()).unwrap();
    let reply = gw
        .client_for(&format!("agency-{}", case.caller))
        .send_raw(method, &format!("{}{}", gw.base, case.target), &headers, case.body.clone())
        .await
        .unwrap();
    let is_problem = reply
        .headers
        .get("content-type")
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    let problem_code = is_problem
        .then(|| reply.json()["reasons"][0]["code"].as_str().map(str::to_owned))
        .flatten();
    let id = reply.disclosure_id();
    let record = match &id {
        Some(id) => gw
            .store()
            .get(id.parse().unwrap())
            .await
            .unwrap()
            .map(|r| serde_json::to_value(&r).unwrap()),
        None => None,
    };
    let upstream = id.and_then(|id| {
        gw.mocks.values().flat_map(|m| m.received()).find_map(|r| {
            (r.header("isagate-disclosure-id") == Some(id.as_str()))
                .then(|| (r.path_and_query.clone(), r.body.to_vec()))
        })
    });
    Live { status: reply.status.as_u16(), problem_code, record, upstream }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explain_and_the_gateway_decide_every_case_alike() {
    let cases = cases::all();
    assert!(cases.len() >= 40, "the issue asks for at least 40 cases");
    let (gw, policy) = start().await;
    let explained = explain_all(gw.path(), &policy, &cases).await;
    let mut report = String::new();
    let mut failed = 0;
    let mut seen = HashMap::new();
    for (n, (case, explained)) in cases.iter().zip(&explained).enumerate() {
        assert!(seen.insert(case.name, n).is_none(), "two cases named `{}`", case.name);
        let live = send(&gw, n, case).await;
        let diff = compare(case, explained, &live);
        if !diff.lines.is_empty() {
            failed += 1;
            report.push_str(&format!(
                "\n[{n:02}] {} ({} {}):\n",
                case.name, case.method, case.target
            ));
            report.push_str(&diff.lines.join("\n"));
            report.push('\n');
        }
    }
    gw.stop().await;
    assert!(
        failed == 0,
        "{failed} of {} cases differ between explain and the gateway:\n{report}",
        cases.len()
    );
}
