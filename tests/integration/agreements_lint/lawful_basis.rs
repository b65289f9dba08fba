//! Lawful-basis codes through the real binary (issue 13 part 1): free text is refused
//! with the code to use, at the file, line and column; a Part 3 sample flow lints clean and
//! its codes unlock what they should in `agreements explain`, each shown with its meaning.

use std::process::{Command, Output};

use crate::support::{isagate_bin, repo, scratch};

fn isagate(args: &[&str]) -> Output {
    Command::new(isagate_bin())
        .current_dir(repo())
        .env("NO_COLOR", "1")
        .env_remove("COLUMNS")
        .args(args)
        .output()
        .unwrap()
}

const AGREEMENT: &str = "id: ISA-TEST-0001
title: Test agreement
version: 1
status: active
owner: test-governance
parties: [council, police]
dpia: DPIA-2026-001
effective_from: 2026-01-01
expires: 2028-01-01
lawful_basis:
  article_6: [\"Art 6(1)(e)\"]
  article_9: [\"because we want to\"]
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
    request_schema: special.v1.json
";

#[test]
fn free_text_is_refused_with_the_code_to_use() {
    let dir = scratch();
    std::fs::write(dir.path().join("isa.yaml"), AGREEMENT).unwrap();
    let folder = dir.path().to_str().unwrap();
    let o = isagate(&[
        "--schemas",
        "tests/fixtures/lint/schemas",
        "--config",
        "tests/fixtures/lint/agencies.toml",
        "agreements",
        "check",
        folder,
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let find = |code: &str, line: u64| {
        j["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["code"] == code && f["line"] == line)
            .unwrap_or_else(|| panic!("no `{code}` at line {line}: {j:#}"))
            .clone()
    };
    let art6 = find("unknown-lawful-basis", 11);
    assert_eq!(art6["column"], 15);
    assert!(art6["file"].as_str().unwrap().ends_with("isa.yaml"));
    assert!(
        art6["help"].as_str().unwrap().contains("write the code `6(1)(e)` (Public task)"),
        "{art6}"
    );
    let art9 = find("unknown-lawful-basis", 12);
    assert_eq!(art9["severity"], "error");
    assert!(art9["help"].as_str().unwrap().contains("docs/lawful-basis.md"), "{art9}");
    // Neither entry is a code: the flow has no basis, and the special category field is
    // not unlocked by the free text.
    find("missing-lawful-basis", 18);
    assert!(
        j["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "special-category-without-article-9"),
        "{j:#}"
    );

    // The same file with codes lints clean (no error, no warning).
    let fixed = AGREEMENT
        .replace("\"Art 6(1)(e)\"", "\"6(1)(e)\"")
        .replace("\"because we want to\"", "\"9(2)(h)\", \"DPA2018-Sch1-P1-2\"");
    std::fs::write(dir.path().join("isa.yaml"), fixed).unwrap();
    let o = isagate(&[
        "--schemas",
        "tests/fixtures/lint/schemas",
        "--config",
        "tests/fixtures/lint/agencies.toml",
        "agreements",
        "check",
        folder,
    ]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("0 errors, 0 warnings"), "{out}");
}

#[test]
fn a_part_3_sample_flow_discloses_criminal_offence_data_and_names_its_codes() {
    let o = isagate(&[
        "--config",
        "examples/agencies.toml",
        "agreements",
        "explain",
        "ISA-MAPPA-NW-0002",
        "referral-to-police",
        "examples/payloads/mappa-referral.json",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stdout));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["after"]["index_offence"], j["before"]["index_offence"], "{j:#}");
    let basis = j["lawful_basis"].as_array().unwrap();
    let codes: Vec<&str> = basis.iter().map(|b| b["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["DPA2018-s35(2)(b)", "DPA2018-s35(5)", "DPA2018-Sch8-1"]);
    assert!(basis.iter().all(|b| b["list"] == "part_3"));
    assert!(
        basis[0]["description"].as_str().unwrap().starts_with("Law enforcement: task of a competent authority (Data Protection Act 2018 section 35(2)(b)): "),
        "{basis:#?}"
    );
    let human = isagate(&[
        "--config",
        "examples/agencies.toml",
        "agreements",
        "explain",
        "ISA-MAPPA-NW-0002",
        "referral-to-police",
        "examples/payloads/mappa-referral.json",
    ]);
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains(
            "Basis:    DPA2018-s35(2)(b)  Law enforcement: task of a competent authority"
        ),
        "{text}"
    );
}
