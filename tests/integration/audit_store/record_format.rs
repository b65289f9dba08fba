//! A chain that mixes both record forms (contract section 5): records written before
//! format 2 (no `format`, caller-chosen names in `stripped`) in a store of schema version
//! 3, upgraded in place, then extended with format 2 records. `verify` (library and CLI),
//! subject access, `export` and `docs/verify_chain.py` all take both, and `verify` says
//! how many older records hold names the caller chose.

use std::process::Command;

use isagate::audit::record::RecordDraft;
use isagate::audit::{Store, VerifyReport};
use isagate::codes::StripReason;
use isagate::minimise::Stripped;

use super::common::*;
use super::legacy_store::{chain, postgres_store, sqlite_store};
use crate::support::{isagate_bin, repo, scratch};

const SUBJECT: &str = "5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e";

/// A record as isagate wrote it before format 2.
fn older(n: u64, stripped: &[(&str, StripReason)]) -> RecordDraft {
    let mut d = disclosure(n, &[SUBJECT]);
    d.format = None;
    d.disclosed = vec!["/child/name".into(), "/children/0/name".into()];
    d.stripped = stripped
        .iter()
        .map(|(path, reason)| Stripped { count: None, path: (*path).into(), reason: *reason })
        .collect();
    d
}

/// Three records in the older form, two of them naming what the caller chose, chained.
fn older_records() -> Vec<isagate::audit::Record> {
    let undeclared = [("/child/Jordan Whitfield NHS 9434765919", StripReason::Undeclared)];
    chain(vec![
        older(1, &undeclared),
        older(2, &[("?Jordan_Whitfield", StripReason::QueryNotAllowed)]),
        older(3, &[("/child/religion", StripReason::SpecialCategory)]),
    ])
}

/// After two format 2 records: the chain verifies, counts the older records, and
/// subject access finds both forms.
async fn check_both_forms(store: &Store) -> VerifyReport {
    let report = verify(store).await;
    assert!(report.ok, "{:?}", report.failure);
    assert_eq!((report.length, report.older_format, report.older_with_caller_names), (5, 3, 2));
    let found = store.subject_records(SUBJECT).await.unwrap();
    let formats: Vec<_> = found.iter().map(|r| r.draft.format).collect();
    assert_eq!(formats, [None, None, None, Some(2)], "subject access finds both forms");
    assert!(found[0].draft.stripped[0].count.is_none());
    assert_eq!(found[3].draft.stripped[0].count, Some(1));
    report
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chain_of_both_forms_upgraded_in_place_postgres() {
    let Some(admin) = pg_admin_url("a_chain_of_both_forms_upgraded_in_place_postgres") else {
        return;
    };
    let url = fresh_pg(&admin).await;
    // The table as the previous release made it.
    postgres_store(&url, &older_records()).await;
    let store = open(&url).await;
    store.append(disclosure(4, &[SUBJECT])).await.unwrap();
    store.append(disclosure(5, &[])).await.unwrap();
    check_both_forms(&store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chain_of_both_forms_verifies_exports_and_answers_subject_access() {
    let dir = scratch();
    let url = sqlite_url(dir.path());
    // A store of schema version 3, as the release before format 2 left it.
    sqlite_store(&dir.path().join("audit.db"), 3, &older_records());
    // Read-only, the older store is read as it is (nothing written).
    {
        let ro = open(&format!("{url}?mode=ro")).await;
        let report = verify(&ro).await;
        assert!(report.ok, "{:?}", report.failure);
        assert_eq!((report.length, report.older_format, report.older_with_caller_names), (3, 3, 2));
        assert_eq!(ro.subject_records(SUBJECT).await.unwrap().len(), 3);
    }
    let store = open(&url).await;
    store.append(disclosure(4, &[SUBJECT])).await.unwrap();
    store.append(disclosure(5, &[])).await.unwrap();

    let report = check_both_forms(&store).await;

    let out =
        Command::new(isagate_bin()).args(["audit", "verify", "--store", &url]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("older records: 3 written before record format 2; 2 of them hold names the caller chose"), "{text}");

    let export = dir.path().join("export.jsonl");
    let out = Command::new(isagate_bin())
        .args(["audit", "export", "--store", &url, "--out", export.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let lines = std::fs::read_to_string(&export).unwrap();
    // The two new records and the verify's own `chain-verified` record.
    assert_eq!(lines.matches("\"format\":2").count(), 3, "only new records carry `format`");
    let py = Command::new("python3")
        .arg(repo().join("docs/verify_chain.py"))
        .arg(&export)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&py.stdout);
    assert_eq!(py.status.code(), Some(0), "{text}");
    let head = verify(&store).await.head_hash;
    assert!(text.starts_with(&format!("ok: 6 records, seq 1 to 6, head {head}")), "{text}");
    assert_ne!(head, report.head_hash, "the verify recorded itself");
    assert!(text.contains("older records: 3 written before record format 2; 2 of them hold names the caller chose"), "{text}");
    // A format 2 record whose `format` is removed no longer verifies: the member is hashed.
    std::fs::write(&export, lines.replacen("\"format\":2,", "", 1)).unwrap();
    let py = Command::new("python3")
        .arg(repo().join("docs/verify_chain.py"))
        .arg(&export)
        .output()
        .unwrap();
    assert_eq!(py.status.code(), Some(1), "{}", String::from_utf8_lossy(&py.stdout));
}
