//! Whatever `agreements check` passes, `serve` loads, and whatever it refuses, `serve`
//! refuses: broken and valid schemas and agreements, each run through the real binary
//! twice, once as `isagate agreements check` and once as `isagate serve` with a
//! configuration in a scratch folder (started = it logs "isagate is serving").

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::support::{isagate_bin, scratch};

/// One case: the request schema of a flow, and an extra line for the agreement's
/// emergency clause categories.
struct Case {
    name: &'static str,
    schema: Value,
    emergency_categories: &'static str,
    loads: bool,
}

fn case(name: &'static str, loads: bool, schema: Value) -> Case {
    Case { name, schema, emergency_categories: "[risk-to-life]", loads }
}

fn person(extra: Value) -> Value {
    let mut properties = json!({"name": {"type": "string"}});
    if let (Some(p), Some(e)) = (properties.as_object_mut(), extra.as_object()) {
        p.extend(e.clone());
    }
    json!({"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "properties": properties})
}

fn cases() -> Vec<Case> {
    vec![
        case(
            "valid: every list used correctly",
            true,
            person(json!({
                "nhs": {"type": "string", "format": "nhs-number", "x-isagate-subject-id": "nhs-number", "x-isagate-transform": "pseudonymise"},
                "postcode": {"type": "string", "format": "uk-postcode", "x-isagate-transform": "postcode-sector"},
                "born": {"type": "string", "format": "date", "x-isagate-transform": "age-band"},
                "diagnosis": {"type": "string", "x-isagate-category": "health"},
                "offences": {"type": "array", "x-isagate-category": "criminal-offence"}
            })),
        ),
        case(
            "valid with warnings: closed, annotation-like data in const",
            true,
            json!({"type": "object", "additionalProperties": false,
                   "properties": {"kind": {"const": {"x-isagate-nonsense": 1}}}}),
        ),
        case(
            "subject-id not [a-z0-9-]",
            false,
            person(json!({"nhs": {"type": "string", "x-isagate-subject-id": "NHS Number"}})),
        ),
        case(
            "subject-id not a listed type",
            false,
            person(json!({"nhs": {"type": "string", "x-isagate-subject-id": "nhs-numbr"}})),
        ),
        case(
            "empty subject-id",
            false,
            person(json!({"nhs": {"type": "string", "x-isagate-subject-id": ""}})),
        ),
        case(
            "unknown transform",
            false,
            person(json!({"dob": {"type": "string", "x-isagate-transform": "hash"}})),
        ),
        case(
            "transform not text",
            false,
            person(json!({"dob": {"type": "string", "x-isagate-transform": 3}})),
        ),
        case(
            "unknown category",
            false,
            person(json!({"faith": {"type": "string", "x-isagate-category": "medical"}})),
        ),
        case(
            "unknown format",
            false,
            person(json!({"nhs": {"type": "string", "format": "nhs_number"}})),
        ),
        case(
            "unknown annotation",
            false,
            person(json!({"faith": {"type": "string", "x-isagate-categroy": "religion"}})),
        ),
        case("not 2020-12", false, json!({"$schema": "http://json-schema.org/draft-07/schema#"})),
        case("invalid keyword value", false, person(json!({"age": {"type": "integr"}}))),
        case(
            "bad regular expression",
            false,
            json!({"type": "object", "patternProperties": {"(": {"type": "string"}}}),
        ),
        case("remote $ref", false, json!({"$ref": "https://example.com/other.json"})),
        case("$dynamicRef", false, json!({"$dynamicRef": "#meta"})),
        Case {
            name: "unknown emergency category",
            schema: person(json!({})),
            emergency_categories: "[risk-of-life]",
            loads: false,
        },
    ]
}

/// One agreement between `council` and `police`, in force for decades, naming `s.json`.
fn agreement(emergency_categories: &str) -> String {
    format!(
        r#"id: ISA-TEST-0001
title: Test agreement
version: 1
status: active
owner: test-governance
parties: [council, police]
dpia: DPIA-2026-001
effective_from: 2020-01-01
expires: 2090-01-01
lawful_basis:
  article_6: ["6(1)(e)"]
  article_9: ["9(2)(g)", "DPA2018-Sch1-P2-18"]
  article_10: ["DPA2018-Sch1-P2-10"]
  appropriate_policy_document: Council appropriate policy document
purposes:
  - id: safeguarding
    description: Protect people at risk
retention: 6 years
flows:
  - id: referral
    from: council
    to: police
    method: POST
    path: /v1/referrals
    purposes: [safeguarding]
    request_schema: s.json
emergency:
  allowed: true
  request_schema: s.json
  categories: {emergency_categories}
"#
    )
}

fn config(certs: &Path) -> String {
    let c = |f: &str| certs.join(f).display().to_string();
    format!(
        r#"[listen]
transfer = "127.0.0.1:0"
admin = "127.0.0.1:0"
ops = "127.0.0.1:0"

[tls]
server_cert = "{}"
server_key = "{}"
client_ca = "{}"
crls = ["{}"]

[upstream_client]
cert = "{}"
key = "{}"

[store]
url = "sqlite://isagate.db"

[keys]
pseudonymisation = "{}"
subject = "{}"

[checkpoints]
key = "{}"
file = "checkpoints.jsonl"

[[agencies]]
id = "council"
name = "Test Council"
jurisdiction = "GB"
upstream = "https://127.0.0.1:9"
upstream_ca = "{}"

[[agencies]]
id = "police"
name = "Test Police"
jurisdiction = "GB"
upstream = "https://127.0.0.1:9"
upstream_ca = "{}"
"#,
        c("gateway-server.crt"),
        c("gateway-server.key"),
        c("ca.crt"),
        c("crl.pem"),
        c("gateway-client.crt"),
        c("gateway-client.key"),
        c("pseudonymisation.key"),
        c("subject.key"),
        c("checkpoint.key"),
        c("ca.crt"),
        c("ca.crt"),
    )
}

/// A folder with `isagate.toml`, `agreements/` and `schemas/` for one case.
fn folder(root: &Path, i: usize, certs: &Path, c: &Case) -> PathBuf {
    let dir = root.join(format!("case-{i}"));
    std::fs::create_dir_all(dir.join("agreements")).unwrap();
    std::fs::create_dir_all(dir.join("schemas")).unwrap();
    std::fs::write(dir.join("isagate.toml"), config(certs)).unwrap();
    std::fs::write(dir.join("agreements/a.yaml"), agreement(c.emergency_categories)).unwrap();
    let schema = serde_json::to_string_pretty(&c.schema).unwrap();
    std::fs::write(dir.join("schemas/s.json"), schema).unwrap();
    dir
}

fn isagate(dir: &Path) -> Command {
    let mut cmd = Command::new(isagate_bin());
    cmd.current_dir(dir)
        .arg("--config")
        .arg(dir.join("isagate.toml"))
        .arg("--agreements")
        .arg(dir.join("agreements"))
        .arg("--schemas")
        .arg(dir.join("schemas"));
    cmd
}

/// `Ok(true)` when `serve` started serving, `Ok(false)` when it exited non-zero first.
fn serve_starts(dir: &Path) -> Result<bool, String> {
    let log = dir.join("serve.log");
    let mut child = isagate(dir)
        .arg("serve")
        .env("ISAGATE_LOG", "info")
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let outcome = loop {
        if std::fs::read_to_string(&log).unwrap_or_default().contains("isagate is serving") {
            break Ok(true);
        }
        if let Some(status) = child.try_wait().unwrap() {
            break if status.success() {
                Err(format!("serve exited 0 without serving: {}", read(&log)))
            } else {
                Ok(false)
            };
        }
        if Instant::now() > deadline {
            break Err(format!("serve neither served nor exited in 60 s: {}", read(&log)));
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let _ = child.kill();
    let _ = child.wait();
    outcome
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_default()
}

#[test]
fn agreements_check_fails_exactly_when_serve_refuses_to_start() {
    let root = scratch();
    let certs = root.path().join("certs");
    let made = Command::new(isagate_bin())
        .args(["dev-certs", "--agency", "council", "--agency", "police", "--out"])
        .arg(&certs)
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let cases = cases();
    assert!(cases.len() >= 10);
    let mut wrong = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        let dir = folder(root.path(), i, &certs, c);
        let check = isagate(&dir).args(["agreements", "check"]).output().unwrap();
        let check_passes = match check.status.code() {
            Some(0) => true,
            Some(1) => false,
            other => panic!("case `{}`: check exited {other:?}", c.name),
        };
        let serves = serve_starts(&dir).unwrap_or_else(|e| panic!("case `{}`: {e}", c.name));
        if check_passes != serves || serves != c.loads {
            wrong.push(format!(
                "case `{}`: check passes {check_passes}, serve starts {serves}, expected {}\n{}{}",
                c.name,
                c.loads,
                String::from_utf8_lossy(&check.stdout),
                read(&dir.join("serve.log")),
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn a_subject_id_type_not_in_lower_case_is_an_error_at_its_line() {
    let root = scratch();
    let c = case(
        "subject-id not [a-z0-9-]",
        false,
        person(json!({"nhs": {"type": "string", "x-isagate-subject-id": "NHS Number"}})),
    );
    let dir = folder(root.path(), 0, &root.path().join("certs"), &c);
    let text = read(&dir.join("schemas/s.json"));
    let line = text.lines().position(|l| l.contains("NHS Number")).unwrap() + 1;
    let column = text.lines().nth(line - 1).unwrap().find("\"NHS Number\"").unwrap() + 1;
    let o = isagate(&dir).args(["agreements", "check", "--format", "json"]).output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stdout));
    let report: Value = serde_json::from_slice(&o.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    let bad: Vec<&Value> = findings.iter().filter(|f| f["code"] == "bad-subject-id").collect();
    assert_eq!(bad.len(), 1, "{findings:#?}");
    let f = bad[0];
    assert_eq!(f["severity"], "error");
    assert_eq!(f["file"], dir.join("schemas/s.json").display().to_string());
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64()),
        (Some(line as u64), Some(column as u64))
    );
    assert!(f["help"].as_str().unwrap().contains("nhs-number"), "{f}");
    assert_eq!(report["errors"], 1, "{findings:#?}");
}
