//! The chain on the overview and the report: a page load verifies only the records since
//! the last signed checkpoint (or since the head the last good full verify found), so a
//! record tampered before it goes unseen until a full verify, which the overview's
//! button runs and records as `chain-verified`; the next page load shows its result.

use std::time::Duration;

use isagate::admin::chain::{walk_since, StartedAt};
use isagate::audit::{CheckpointOptions, Store, StoreOptions};

use super::pages::{client, post_from};
use crate::admin::harness::{emergency_draft, Harness, GOVERNANCE};
use crate::audit_store::common::{disclosure, raw_sql, sqlite_url};
use crate::support;
use isagate::emergency::Ledger as _;

const BAD_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000bad";

async fn tamper(url: &str, seq: u64) {
    raw_sql(url, &format!("UPDATE records SET hash = '{BAD_HASH}' WHERE seq = {seq}")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_load_verify_starts_at_the_last_signed_checkpoint() {
    let dir = support::scratch();
    let url = sqlite_url(dir.path());
    let key = dir.path().join("checkpoint.key");
    isagate::audit::generate_checkpoint_key(&key, &key.with_extension("pub")).unwrap();
    let out = dir.path().join("checkpoints.jsonl");
    let opts = StoreOptions {
        group_commit_window: Duration::ZERO,
        checkpoints: Some(CheckpointOptions {
            key_file: key.clone(),
            out_file: out.clone(),
            every_records: 5,
            every: Duration::from_secs(3600),
        }),
        ..StoreOptions::default()
    };
    let store = Store::open(&url, opts).await.unwrap();
    for n in 0..12 {
        store.append(disclosure(n, &[])).await.unwrap();
    }
    let signed_10 = || std::fs::read_to_string(&out).is_ok_and(|t| t.contains("\"seq\":10"));
    support::wait_until("the checkpoint at seq 10", Duration::from_secs(10), || async {
        signed_10()
    })
    .await;

    let s = walk_since(&store, None).await.unwrap();
    assert!(s.chain.summary.ok, "{s:?}");
    let at = (s.started_at, s.from_seq, s.checked, s.chain.summary.length);
    assert_eq!(at, (StartedAt::Checkpoint, 10, 2, 12));
    assert_eq!(s.chain.last_checkpoint.as_ref().map(|c| c.seq), Some(10));
    assert!(s.chain.summary.head_hash.is_some() && s.checkpoint_problem.is_none());

    // Before the checkpoint: not walked on a page load; the full verify finds it.
    tamper(&url, 3).await;
    assert!(walk_since(&store, None).await.unwrap().chain.summary.ok);
    assert!(!store.verify(None, &|_, _| {}).await.unwrap().ok);
    // After it: found, and named.
    tamper(&url, 11).await;
    let s = walk_since(&store, None).await.unwrap();
    assert!(!s.chain.summary.ok);
    assert_eq!(s.chain.first_bad.map(|b| b.seq), Some(11));
    // At it: the record no longer has the signed hash.
    tamper(&url, 10).await;
    let s = walk_since(&store, None).await.unwrap();
    assert_eq!(s.chain.first_bad.map(|b| b.seq), Some(10));
    // A checkpoint file whose signature does not verify fails the page-load verify.
    let text = std::fs::read_to_string(&out).unwrap();
    std::fs::write(&out, text.replacen("\"seq\":5", "\"seq\":4", 1)).unwrap();
    let s = walk_since(&store, None).await.unwrap();
    assert!(!s.chain.summary.ok && s.checkpoint_problem.is_some(), "{s:?}");
}

#[tokio::test]
async fn the_overview_runs_a_full_verify_on_request_and_shows_the_last_one() {
    let h = Harness::start().await;
    for _ in 0..3 {
        h.ledger.append(emergency_draft()).await.unwrap();
    }
    let url = sqlite_url(h.agreements_dir.parent().unwrap());
    let c = client(&h.pki, GOVERNANCE);
    let overview = || async {
        let r = c.get(format!("{}/", h.url)).send().await.unwrap();
        r.text().await.unwrap()
    };
    let page = overview().await;
    assert!(page.contains("every record since the first record checks out (3 checked)"), "{page}");
    assert!(page.contains("never: run one now"), "{page}");

    let (status, page) = post_from(&h, &c, "/", "/console/verify", &[]).await;
    assert_eq!(status, 200);
    assert!(page.contains("Full verify done: all 3 records check out"), "{page}");
    let last = h.ledger.all().await.pop().unwrap();
    let g = last.draft.governance.unwrap();
    assert_eq!(
        (g["action"].as_str(), g["via"].as_str()),
        (Some("chain-verified"), Some("console"))
    );
    assert_eq!((g["ok"].as_bool(), g["head_seq"].as_u64()), (Some(true), Some(3)));
    assert_eq!(last.draft.actor.as_deref(), Some(GOVERNANCE));
    let page = overview().await;
    assert!(page.contains("the head the last full verify found (record 3)"), "{page}");
    assert!(page.contains("(console): ok, 3 records"), "{page}");

    // A record before that head, tampered: a page load does not walk it; a full verify does.
    tamper(&url, 1).await;
    assert!(overview().await.contains("checks out"));
    let (_, page) = post_from(&h, &c, "/", "/console/verify", &[]).await;
    assert!(page.contains("the chain broken at record 1"), "{page}");
    let page = overview().await;
    assert!(
        page.contains("NO: the chain is broken") && page.contains("BROKEN at record 1"),
        "{page}"
    );
    // The report page shows the same, and runs no full verify of its own.
    let before = h.ledger.all().await.len();
    let r = c.get(format!("{}/console/report", h.url)).send().await.unwrap();
    let page = r.text().await.unwrap();
    assert!(
        page.contains("Checked as this page loaded") && page.contains("BROKEN at record 1"),
        "{page}"
    );
    assert!(!page.contains("Record chain BROKEN"), "no full verify ran: {page}");
    assert_eq!(h.ledger.all().await.len(), before);
    h.stop().await;
}
