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

/// `agreements check` of one lint case file, alone in a folder, with the fixture agencies.
fn check_case(case: &str, json: bool) -> Output {
    let dir = scratch();
    let src = repo().join("tests/fixtures/lint/cases").join(format!("{case}.yaml"));
    std::fs::copy(src, dir.path().join("isa.yaml")).unwrap();
    let mut args = vec![
        "--schemas",
        "tests/fixtures/lint/schemas",
        "--config",
        "tests/fixtures/lint/agencies.toml",
        "agreements",
        "check",
        dir.path().to_str().unwrap(),
    ];
    if json {
        args.extend(["--format", "json"]);
    }
    isagate(&args)
}

#[test]
fn free_text_is_refused_with_the_code_to_use() {
    let o = check_case("unknown-lawful-basis", true);
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let find = |code: &str, line: u64, column: u64| {
        j["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["code"] == code && f["line"] == line && f["column"] == column)
            .unwrap_or_else(|| panic!("no `{code}` at {line}:{column}: {j:#}"))
            .clone()
    };
    let public_task = find("unknown-lawful-basis", 12, 26);
    assert!(public_task["file"].as_str().unwrap().ends_with("isa.yaml"));
    assert_eq!(public_task["severity"], "error");
    assert!(
        public_task["help"].as_str().unwrap().contains("write the code `6(1)(e)` (Public task)"),
        "{public_task}"
    );
    let art9 = find("unknown-lawful-basis", 13, 37);
    assert!(art9["help"].as_str().unwrap().contains("write the code `9(2)(h)`"), "{art9}");
    let free = find("unknown-lawful-basis", 13, 15);
    assert_eq!(free["message"], "`because we want to` is not a lawful-basis code");
    assert!(free["help"].as_str().unwrap().contains("docs/lawful-basis.md"), "{free}");
    let typo = find("unknown-lawful-basis", 14, 16);
    assert!(
        typo["help"].as_str().unwrap().starts_with("did you mean `DPA2018-Sch1-P2-10`?"),
        "{typo}"
    );
    find("missing-lawful-basis", 20, 5);

    // A UK GDPR flow beside a Part 3 flow, every code in its place: clean.
    let o = check_case("lawful-basis-part-3-clean", false);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("0 errors, 0 warnings"), "{out}");
}

/// `agreements explain` of the MAPPA sample's referral, a Part 3 flow.
fn explain_mappa(json: bool) -> Output {
    let mut args = vec![
        "--config",
        "examples/agencies.toml",
        "agreements",
        "explain",
        "ISA-MAPPA-NW-0002",
        "referral-to-police",
        "examples/payloads/mappa-referral.json",
    ];
    if json {
        args.extend(["--format", "json"]);
    }
    isagate(&args)
}

#[test]
fn a_part_3_sample_flow_discloses_criminal_offence_data_and_names_its_codes() {
    let o = explain_mappa(true);
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
    let human = explain_mappa(false);
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains(
            "Basis:    DPA2018-s35(2)(b)  Law enforcement: task of a competent authority"
        ),
        "{text}"
    );
}
