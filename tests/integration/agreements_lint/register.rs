//! The register and the templates through the real binary (issue 13 part 4):
//! `agreements check` fails on an agreement still `active` past `expires` (code
//! `expired`) while the loader still loads the set; `agreements new` writes an agreement
//! and schema that lint clean for each template; `agreements list` reads the files and a
//! store offline (party names, days left, last activation and last transfer).

use std::path::Path;
use std::process::{Command, Output};

use isagate::agreements::load::load_set_with;
use isagate::audit::record::{AgreementRef, Outcome, RecordDraft, RecordKind};
use isagate::audit::{Store, StoreOptions};
use isagate::config::Config;
use jiff::ToSpan;
use serde_json::{json, Value};

use crate::support::{isagate_bin, repo, scratch};

fn isagate(args: &[&str]) -> Output {
    Command::new(isagate_bin()).current_dir(repo()).args(args).output().unwrap()
}

fn json_out(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|_| {
        panic!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
    })
}

/// The merpol sample alone in `dir`, with `expires` replaced.
fn merpol_expiring(dir: &Path, expires: jiff::civil::Date) {
    let text = std::fs::read_to_string(repo().join("agreements/isa-lcc-merpol-0007.yaml")).unwrap();
    assert!(text.contains("expires: 2028-01-01"));
    let text = text.replace("expires: 2028-01-01", &format!("expires: {expires}"));
    std::fs::write(dir.join("isa-lcc-merpol-0007.yaml"), text).unwrap();
}

#[test]
fn check_fails_on_an_expired_active_agreement_but_the_set_still_loads() {
    let dir = scratch();
    let today = isagate::clock::today_in_london();
    merpol_expiring(dir.path(), today);
    let d = dir.path().to_str().unwrap();
    let o = isagate(&[
        "agreements",
        "check",
        d,
        "--config",
        "examples/agencies.toml",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(1), "an expired active agreement is an error for check");
    let report = json_out(&o);
    let codes: Vec<&str> =
        report["findings"].as_array().unwrap().iter().filter_map(|f| f["code"].as_str()).collect();
    assert!(codes.contains(&"expired"), "{report}");
    assert!(!codes.contains(&"expiring-soon"), "{report}");
    // The loader (start-up, SIGHUP, reload) loads it, not in force.
    let agencies = Config::load_without_files(&repo().join("examples/agencies.toml"))
        .unwrap()
        .to_agency_refs();
    let (set, _) =
        load_set_with(dir.path(), &repo().join("schemas"), Some(&agencies), today).unwrap();
    assert!(!set.agreements[0].agreement.in_force_on(today));
    // A day earlier it was in force and only expiring soon: exit 0.
    let yesterday = today.checked_sub(1.day()).unwrap();
    let (set, report) =
        load_set_with(dir.path(), &repo().join("schemas"), Some(&agencies), yesterday).unwrap();
    assert!(set.agreements[0].agreement.in_force_on(yesterday));
    assert_eq!(report.with_code("expiring-soon").count(), 1);
}

#[test]
fn every_template_writes_an_agreement_and_schema_that_lint_clean() {
    let out = scratch();
    let o = out.path().to_str().unwrap();
    for t in ["referral", "research-extract", "status-query"] {
        let w = isagate(&["agreements", "new", "--template", t, "--out", o]);
        assert_eq!(w.status.code(), Some(0), "{}", String::from_utf8_lossy(&w.stderr));
        let again = isagate(&["agreements", "new", "--template", t, "--out", o]);
        assert_eq!(again.status.code(), Some(2), "never overwrites");
    }
    let custom = isagate(&[
        "agreements",
        "new",
        "--template",
        "referral",
        "--id",
        "ISA-LCC-NHS-0042",
        "--from",
        "lcc-ssc",
        "--to",
        "nhs-trust",
        "--out",
        o,
    ]);
    assert_eq!(custom.status.code(), Some(0));
    let text =
        std::fs::read_to_string(out.path().join("agreements/isa-lcc-nhs-0042.yaml")).unwrap();
    assert!(text.contains("id: ISA-LCC-NHS-0042") && text.contains("to: nhs-trust"), "{text}");
    assert!(text.lines().filter(|l| l.trim_start().starts_with('#')).count() >= 5, "commented");
    let agreements = out.path().join("agreements");
    let schemas = out.path().join("schemas");
    let c = isagate(&[
        "agreements",
        "check",
        agreements.to_str().unwrap(),
        "--schemas",
        schemas.to_str().unwrap(),
        "--config",
        "examples/agencies.toml",
        "--format",
        "json",
    ]);
    let report = json_out(&c);
    assert_eq!(c.status.code(), Some(0), "{report}");
    assert_eq!(
        (report["errors"].as_u64(), report["warnings"].as_u64()),
        (Some(0), Some(0)),
        "{report}"
    );
    assert_eq!(report["agreements_checked"], 4);
    assert_eq!(report["schemas_checked"], 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_reads_the_files_and_a_store_offline() {
    let dir = scratch();
    let agreements = dir.path().join("agreements");
    std::fs::create_dir_all(&agreements).unwrap();
    let today = isagate::clock::today_in_london();
    merpol_expiring(&agreements, today.checked_add(10.days()).unwrap());
    let file = agreements.join("isa-lcc-merpol-0007.yaml");
    let mut text = std::fs::read_to_string(&file).unwrap();
    text.push_str(
        "decision_maker:\n  name: Jane Smith\n  role: Caldicott Guardian\ndpo_consulted:\n  date: 2025-12-01\n  \
         view: Proportionate\ndpia_outcome: risks-mitigated\nstatutory_power: Crime and Disorder Act 1998 s115\n\
         controllers: separate\n",
    );
    std::fs::write(&file, text).unwrap();
    let sha = isagate::digest::sha256_hex(
        &std::fs::read(agreements.join("isa-lcc-merpol-0007.yaml")).unwrap(),
    );
    let url = format!("sqlite://{}", dir.path().join("audit.db").display());
    let (activated, sent) = {
        let store = Store::open(&url, StoreOptions::default()).await.unwrap();
        let mut reload = RecordDraft::new(RecordKind::Governance, Outcome::Recorded);
        reload.actor = Some("urn:isagate:governance:lcc-dpo".into());
        reload.governance = Some(json!({"action": "agreements-reloaded", "schemas": 2,
            "agreements": [{"id": "ISA-LCC-MERPOL-0007", "version": 3, "sha256": sha}]}));
        let activated = store.append(reload).await.unwrap();
        let mut older = RecordDraft::new(RecordKind::Governance, Outcome::Recorded);
        older.governance = Some(json!({"action": "agreements-reloaded", "schemas": 2,
            "agreements": [{"id": "ISA-LCC-MERPOL-0007", "version": 2, "sha256": "ab".repeat(32)}]}));
        store.append(older).await.unwrap();
        let mut sent = RecordDraft::new(RecordKind::Disclosure, Outcome::Forwarded);
        sent.agreement = Some(AgreementRef {
            id: "ISA-LCC-MERPOL-0007".into(),
            version: 3,
            sha256: sha.clone(),
        });
        sent.flow = Some("referral".into());
        let sent = store.append(sent).await.unwrap();
        (activated.id.to_string(), sent.id.to_string())
    };
    let list_with = |extra: &[&str]| {
        let mut args = vec!["agreements", "list", "--agreements", agreements.to_str().unwrap()];
        args.extend(["--store", &url, "--config", "examples/agencies.toml"]);
        args.extend(extra);
        isagate(&args)
    };
    let o = list_with(&["--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let list = json_out(&o);
    let a = &list["agreements"][0];
    assert_eq!(a["id"], "ISA-LCC-MERPOL-0007");
    assert_eq!(
        a["party_names"][1],
        json!({"id": "merseyside-police", "name": "Merseyside Police"})
    );
    assert_eq!(a["dpia"], "DPIA-2026-014");
    assert_eq!(a["expires_in_days"], 10);
    assert_eq!(a["findings"][0]["code"], "expiring-soon");
    assert_eq!(a["last_activation"]["record_id"], activated.as_str());
    assert_eq!(a["last_activation"]["actor"], "urn:isagate:governance:lcc-dpo");
    assert_eq!(a["last_transfer"]["record_id"], sent.as_str());
    assert_eq!(a["last_transfer"]["flow"], "referral");
    assert_eq!(a["last_transfer"]["outcome"], "forwarded");
    assert_eq!(
        a["request_form"],
        json!({"decision_maker": {"name": "Jane Smith", "role": "Caldicott Guardian"},
               "dpo_consulted": {"date": "2025-12-01", "view": "Proportionate"},
               "dpia_outcome": "risks-mitigated", "statutory_power": "Crime and Disorder Act 1998 s115",
               "controllers": "separate"})
    );
    let human = list_with(&[]);
    let text = String::from_utf8(human.stdout).unwrap();
    assert!(text.contains("Merseyside Police (merseyside-police)"), "{text}");
    assert!(text.contains("decided by:     Jane Smith (Caldicott Guardian)"), "{text}");
    assert!(
        text.contains("(in 10 days)") && text.contains("by urn:isagate:governance:lcc-dpo"),
        "{text}"
    );
}
