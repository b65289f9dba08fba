//! The `isagate audit` commands, run as a user would: exit codes and output of
//! `verify`, the Python verifier against the Rust one, `subject` with redaction,
//! `report` in every format without personal data, and `archive` with its anchor.

use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;

use isagate::audit::record::{Outcome, RecordDraft, RecordKind};
use isagate::audit::{
    generate_checkpoint_key, CheckpointOptions, ManualClock, Store, StoreOptions,
};
use isagate::keys::{SecretKey, SubjectKey};

use super::common::*;
use crate::support::{isagate_bin, repo, scratch};

fn isagate(args: &[&str]) -> Output {
    Command::new(isagate_bin()).args(args).output().unwrap()
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn python(file: &Path) -> Output {
    Command::new("python3").arg(repo().join("docs/verify_chain.py")).arg(file).output().unwrap()
}

/// A store holding every kind of value the canonical form must get right.
async fn varied_store(url: &str) -> Store {
    let store = open(url).await;
    fill(&store, 30).await;
    let mut g = RecordDraft::new(RecordKind::Governance, Outcome::Recorded);
    g.actor = Some("urn:isagate:governance:dpo".into());
    g.governance = Some(serde_json::json!({
        "action": "restriction-added", "b": [1, -2, 9007199254740991u64], "a\u{1f600}": "x", "\u{e000}": null,
        "ctl": "\u{1}\u{1f}\t\u{7f}\u{2028}", "nested": {"z": true, "y": false}
    }));
    store.append(g).await.unwrap();
    let e = store.append(emergency("risk-to-life", "staff-1")).await.unwrap();
    store.append(review(e.id, "not-justified", "deferred")).await.unwrap();
    store.append(refusal(isagate::codes::RefusalCode::RateLimited)).await.unwrap();
    store
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_exit_codes_and_python_agree() {
    let dir = scratch();
    let url = sqlite_url(dir.path());
    let store = varied_store(&url).await;
    let head = verify(&store).await.head_hash;

    let ok = isagate(&["audit", "verify", "--store", &url]);
    assert_eq!(ok.status.code(), Some(0));
    assert!(
        text(&ok).contains(&format!("chain ok: 34 records (seq 1 to 34), head {head}")),
        "{}",
        text(&ok)
    );
    assert!(ok.stderr.is_empty(), "no progress when not on a terminal");
    let json: serde_json::Value = serde_json::from_slice(
        &isagate(&["audit", "verify", "--store", &url, "--format", "json"]).stdout,
    )
    .unwrap();
    // The first verify recorded itself (`chain-verified`): one record more.
    assert_eq!((json["ok"].as_bool(), json["length"].as_u64()), (Some(true), Some(35)));
    let head = verify(&store).await.head_hash;

    let export = dir.path().join("export.jsonl");
    let out = isagate(&["audit", "export", "--store", &url, "--out", export.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let py = python(&export);
    assert_eq!(py.status.code(), Some(0), "{}", text(&py));
    assert_eq!(text(&py).trim(), format!("ok: 36 records, seq 1 to 36, head {head}"));

    // Tamper the export: Python names the record.
    let lines = std::fs::read_to_string(&export).unwrap();
    let tampered = lines.replacen("\"purpose\":\"safeguarding\"", "\"purpose\":\"marketing\"", 1);
    std::fs::write(&export, tampered).unwrap();
    let py = python(&export);
    assert_eq!(py.status.code(), Some(1));
    assert!(text(&py).starts_with("broken at seq 1 ("), "{}", text(&py));
    assert!(text(&py).contains(": hash: "));

    // Tamper the store: Rust names the same kind of failure, exit 1.
    let id = store.rows_after(4, 1).await.unwrap()[0].id.clone();
    raw_sql(
        &url,
        r#"UPDATE records SET body = replace(body, '"requester":"staff-', '"requester":"someone-else-') WHERE seq = 5"#,
    )
    .await;
    let bad = isagate(&["audit", "verify", "--store", &url]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        text(&bad).contains(&format!("chain broken at seq 5 (id {id}): check `hash` failed")),
        "{}",
        text(&bad)
    );
    let json: serde_json::Value = serde_json::from_slice(
        &isagate(&["audit", "verify", "--store", &url, "--format", "json"]).stdout,
    )
    .unwrap();
    assert_eq!(json["failure"]["seq"], 5);
    assert_eq!(json["failure"]["check"], "hash");
    // And the Python script agrees on a fresh export.
    isagate(&["audit", "export", "--store", &url, "--out", export.to_str().unwrap()]);
    let py = python(&export);
    assert_eq!(py.status.code(), Some(1));
    assert!(text(&py).starts_with(&format!("broken at seq 5 (id {id}): hash")), "{}", text(&py));

    // A store that cannot be opened is a usage error (exit 2).
    let missing = isagate(&["audit", "verify", "--store", "mysql://nowhere"]);
    assert_eq!(missing.status.code(), Some(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subject_lists_records_and_redacts_others() {
    let dir = scratch();
    let url = sqlite_url(dir.path());
    let key_file = dir.path().join("subject.key");
    SecretKey::random().unwrap().write(&key_file).unwrap();
    let key = SubjectKey::new(&SecretKey::read(&key_file).unwrap());
    let (me, other) = (key.hash("nhs-number", "9434765919"), key.hash("nhs-number", "9434765870"));
    let store = open(&url).await;
    store.append(disclosure(1, &[&me, &other])).await.unwrap();
    store.append(disclosure(2, &[&other])).await.unwrap();
    let mut e = emergency("child-at-risk", "staff-3");
    e.subjects = vec![me.clone()];
    let e = store.append(e).await.unwrap();
    store.append(review(e.id, "justified", "not-safe-to-tell")).await.unwrap();

    let key_arg = key_file.to_str().unwrap();
    let args =
        ["audit", "subject", "--store", &url, "--subject-key", key_arg, "--type", "nhs-number"];
    let out = isagate(&[&args[..], &["--id", "943 476 5919", "--format", "json"]].concat());
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let body = text(&out);
    assert!(!body.contains(&other), "another subject's hash leaked");
    assert!(!body.contains("9434765919"), "the id itself is never printed");
    assert!(!body.contains("943 476 5919"), "nor as it was typed");
    let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(answer["archive"]["complete"], true, "nothing archived, nothing missing");
    let entries = answer["records"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["subjects"], serde_json::json!([me, "redacted"]));
    assert_eq!(entries[0]["agreement"]["id"], "ISA-LCC-MERPOL-0007");
    assert_eq!(entries[0]["agreement"]["version"], 3);
    for field in [
        "time",
        "from",
        "to",
        "flow",
        "purpose",
        "reason",
        "requester",
        "disclosed",
        "stripped",
        "transformed",
    ] {
        assert!(!entries[0][field].is_null(), "`{field}` missing");
    }
    assert_eq!(entries[1]["emergency"]["state"], "reviewed");
    assert_eq!(entries[1]["emergency"]["decision"], "justified");
    assert_eq!(entries[1]["emergency"]["subject_told"], "not-safe-to-tell");
    let human = isagate(&[&args[..], &["--id", "9434765919"]].concat());
    assert!(
        text(&human).starts_with("2 records about this nhs-number subject"),
        "{}",
        text(&human)
    );
    assert!(!text(&human).contains(&other));
    // Without the key there is nothing to search with.
    let no_key =
        isagate(&["audit", "subject", "--store", &url, "--type", "nhs-number", "--id", "1"]);
    assert_eq!(no_key.status.code(), Some(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_formats_hold_no_personal_data() {
    let dir = scratch();
    let url = sqlite_url(dir.path());
    let clock = ManualClock::new("2026-03-10T12:00:00Z".parse().unwrap());
    let store = Store::open_with_clock(&url, StoreOptions::default(), Arc::new(clock.clone()))
        .await
        .unwrap();
    let subject = "5".repeat(64);
    fill(&store, 4).await;
    store.append(disclosure(9, &[&subject])).await.unwrap();
    store.append(emergency("risk-to-life", "staff-7")).await.unwrap();
    store.append(refusal(isagate::codes::RefusalCode::NoAgreement)).await.unwrap();
    clock.set("2026-04-10T12:00:00Z".parse().unwrap());
    store.append(disclosure(10, &[])).await.unwrap();
    drop(store);
    let run = |fmt: &str| {
        isagate(&[
            "audit",
            "report",
            "--store",
            &url,
            "--since",
            "2026-03-01",
            "--until",
            "2026-03-31",
            "--format",
            fmt,
        ])
    };
    let json: serde_json::Value = serde_json::from_slice(&run("json").stdout).unwrap();
    assert_eq!(json["total"], 7);
    assert_eq!(json["refusals_by_code"]["no-agreement"], 1);
    assert_eq!(json["emergencies"]["by_review_state"]["pending"], 1);
    assert_eq!(
        (json["since"].as_str(), json["until"].as_str()),
        (Some("2026-03-01"), Some("2026-03-31"))
    );
    assert_eq!(json["period_start"], "2026-03-01T00:00:00.000000Z");
    // Europe/London: 31 March 2026 ends at 23:00 UTC (BST).
    assert_eq!(json["period_end"], "2026-03-31T23:00:00.000000Z");
    let csv = text(&run("csv"));
    assert!(csv.starts_with("section,key,count\nperiod,2026-03-01,2026-03-31\n"), "{csv}");
    assert!(csv.contains("total,records,7\n"), "{csv}");
    assert!(csv.contains("purpose,safeguarding,6\n"));
    let html = text(&run("html"));
    assert!(
        html.starts_with("<!doctype html>") && html.contains("<svg") && !html.contains("<script")
    );
    assert!(!html.contains("src=") && !html.contains("href="), "self-contained");
    let human = text(&run("human"));
    for out in [&json.to_string(), &csv, &html, &human] {
        for personal in ["staff-", "case CR-", &subject, "immediate risk"] {
            assert!(!out.contains(personal), "`{personal}` in a report");
        }
    }
    let rfc = isagate(&[
        "audit",
        "report",
        "--store",
        &url,
        "--since",
        "2026-04-10T00:00:00Z",
        "--until",
        "2026-04-11T00:00:00Z",
        "--format",
        "json",
    ]);
    let json: serde_json::Value = serde_json::from_slice(&rfc.stdout).unwrap();
    assert_eq!(json["total"], 1);
    let bad = isagate(&[
        "audit",
        "report",
        "--store",
        &url,
        "--since",
        "yesterday",
        "--until",
        "2026-01-01",
    ]);
    assert_eq!(bad.status.code(), Some(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn archive_leaves_a_verifiable_anchor() {
    let dir = scratch();
    let url = sqlite_url(dir.path());
    let (key, public, cps) =
        (dir.path().join("ck.pem"), dir.path().join("ck.pub"), dir.path().join("cps.jsonl"));
    generate_checkpoint_key(&key, &public).unwrap();
    let clock = ManualClock::new("2019-05-01T12:00:00Z".parse().unwrap());
    let opts = StoreOptions {
        group_commit_window: std::time::Duration::ZERO,
        checkpoints: Some(CheckpointOptions {
            key_file: key.clone(),
            out_file: cps.clone(),
            every_records: 5,
            every: std::time::Duration::from_secs(3600),
        }),
        ..StoreOptions::default()
    };
    let store = Store::open_with_clock(&url, opts, Arc::new(clock.clone())).await.unwrap();
    fill(&store, 12).await;
    clock.set("2026-05-01T12:00:00Z".parse().unwrap());
    fill(&store, 8).await;
    drop(store);
    let segment = dir.path().join("segment-2019.jsonl");
    let out = isagate(&[
        "audit",
        "archive",
        "--store",
        &url,
        "--before",
        "2020-01-01",
        "--out",
        segment.to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(text(&out).starts_with("archived seq 1 to 12 (12 records"), "{}", text(&out));

    let store = open(&url).await;
    assert_eq!(store.extent().await.unwrap(), (13, 21, 9), "seq stays contiguous after the anchor");
    let r = store.verify(Some((&cps, &public)), &|_, _| {}).await.unwrap();
    assert!(r.ok, "{:?}", r.failure);
    assert_eq!((r.first_seq, r.head_seq, r.checkpoints_archived), (13, 21, 2));
    let anchor = store.rows_after(20, 1).await.unwrap().remove(0).record.unwrap();
    let info = isagate::audit::AnchorInfo::from_record(&anchor).unwrap();
    assert_eq!((info.archived_from, info.archived_to), (1, 12));
    // The segment checks out on its own, and so does the live export.
    let py = python(&segment);
    assert_eq!(py.status.code(), Some(0), "{}", text(&py));
    assert!(text(&py).starts_with("ok: 12 records, seq 1 to 12"));
    let export = dir.path().join("live.jsonl");
    isagate(&["audit", "export", "--store", &url, "--out", export.to_str().unwrap()]);
    let py = python(&export);
    assert!(text(&py).starts_with("ok: 9 records, seq 13 to 21"), "{}", text(&py));
    // The anchor cannot be quietly removed.
    raw_sql(&url, "DELETE FROM records WHERE kind = 'anchor'").await;
    let r = verify(&store).await;
    assert!(!r.ok);
    // Nothing left to archive is an error, not a silent success.
    let again = isagate(&[
        "audit",
        "archive",
        "--store",
        &url,
        "--before",
        "2020-01-01",
        "--out",
        dir.path().join("again.jsonl").to_str().unwrap(),
        "--key",
        key.to_str().unwrap(),
    ]);
    assert_eq!(again.status.code(), Some(2));
}

/// A store opened read-only (`?mode=ro`, e.g. a copy kept as evidence) is verified without
/// being written: the verify is not recorded, and the user is told so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_verify_leaves_the_store_as_it_was() {
    let dir = scratch();
    let url = filled_sqlite(dir.path(), 5).await;
    let before = verify(&open(&url).await).await;

    let ro = format!("{url}?mode=ro");
    let out = isagate(&["audit", "verify", "--store", &ro]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("opened read-only"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = verify(&open(&url).await).await;
    assert_eq!((after.length, after.head_hash), (before.length, before.head_hash));

    // Opened for writing, the same verify records itself.
    assert_eq!(isagate(&["audit", "verify", "--store", &url]).status.code(), Some(0));
    assert_eq!(verify(&open(&url).await).await.length, before.length + 1);
}
