//! `isagate agreements check` through the real binary: the samples lint clean, exit codes
//! 0/1/2, the JSON document's shape, and the human output against a golden file.

use std::path::Path;
use std::process::{Command, Output};

use crate::support::{isagate_bin, repo, scratch};

fn check(args: &[&str]) -> Output {
    Command::new(isagate_bin())
        .current_dir(repo())
        .env_remove("NO_COLOR")
        .env_remove("COLUMNS")
        .args(["agreements", "check"])
        .args(args)
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

const FIXTURE_ARGS: &[&str] =
    &["--schemas", "tests/fixtures/lint/schemas", "--config", "tests/fixtures/lint/agencies.toml"];

#[test]
fn the_samples_lint_clean_with_the_example_agencies() {
    let o = check(&["--config", "examples/agencies.toml"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), String::from_utf8_lossy(&o.stderr));
    let out = stdout(&o);
    assert!(out.contains("0 errors, 0 warnings"), "{out}");
    let n = std::fs::read_dir(repo().join("agreements"))
        .unwrap()
        .filter(|e| {
            let name = e.as_ref().unwrap().file_name().to_string_lossy().into_owned();
            name.ends_with(".yaml") && name != "emergency-policy.yaml"
        })
        .count();
    assert!(n >= 8);
    assert!(out.contains(&format!("({n} agreements,")), "{out}");
}

#[test]
fn without_a_config_the_samples_warn_once_and_pass() {
    let o = check(&["agreements", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["errors"], 0);
    assert_eq!(j["warnings"], 1);
    assert_eq!(j["findings"][0]["code"], "parties-not-checked");
}

#[test]
fn errors_exit_1_and_warnings_alone_exit_0() {
    let o = check(&[&["tests/fixtures/lint/golden"], FIXTURE_ARGS].concat());
    assert_eq!(o.status.code(), Some(1));
    let dir = scratch();
    std::fs::copy(
        repo().join("tests/fixtures/lint/cases/closed-schema.yaml"),
        dir.path().join("a.yaml"),
    )
    .unwrap();
    let o = check(&[&[dir.path().to_str().unwrap()], FIXTURE_ARGS].concat());
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("0 errors, 1 warning"), "{}", stdout(&o));
}

#[test]
fn usage_and_configuration_errors_exit_2() {
    let o = check(&["tests/fixtures/lint/no-such-folder"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no-such-folder"));
    let o = check(&["agreements", "--config", "tests/fixtures/lint/no-such.toml"]);
    assert_eq!(o.status.code(), Some(2));
    let dir = scratch();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[[agencies]]\nid = \n").unwrap();
    let o = check(&["agreements", "--config", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let o = check(&["--format", "xml"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn json_output_has_the_documented_shape() {
    let o = check(&[&["tests/fixtures/lint/golden", "--format", "json"], FIXTURE_ARGS].concat());
    assert_eq!(o.status.code(), Some(1));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let top: Vec<&str> = j.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(top, ["errors", "warnings", "agreements_checked", "schemas_checked", "findings"]);
    let findings = j["findings"].as_array().unwrap();
    assert_eq!(
        findings.len() as u64,
        j["errors"].as_u64().unwrap() + j["warnings"].as_u64().unwrap()
    );
    for f in findings {
        let keys: Vec<&str> = f.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["severity", "code", "message", "file", "line", "column", "help"]);
        assert!(matches!(f["severity"].as_str(), Some("error" | "warning")));
        assert!(f["line"].as_u64().unwrap() >= 1);
    }
    let party = findings.iter().find(|f| f["code"] == "unknown-party").unwrap();
    assert_eq!(party["file"], "tests/fixtures/lint/golden/isa-golden-0001.yaml");
    assert_eq!((party["line"].as_u64(), party["column"].as_u64()), (Some(8), Some(20)));
    let transform = findings.iter().find(|f| f["code"] == "unknown-transform").unwrap();
    assert_eq!(transform["file"], "tests/fixtures/lint/schemas/bad-transform.v1.json");
    assert_eq!(transform["line"], 10);
}

#[test]
fn human_output_matches_the_golden_file() {
    let o = check(&[&["tests/fixtures/lint/golden"], FIXTURE_ARGS].concat());
    let out = stdout(&o);
    assert!(!out.contains('\u{1b}'), "no colour when piped");
    let golden = repo().join("tests/golden/lint/check.txt");
    if std::env::var_os("ISAGATE_UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden, &out).unwrap();
    }
    let want = std::fs::read_to_string(&golden).unwrap_or_default();
    assert_eq!(out, want, "rerun with ISAGATE_UPDATE_GOLDEN=1 to accept:\n{out}");
    assert!(Path::new(&golden).exists());
}
