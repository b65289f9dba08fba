//! The governance queries of issue 15 on both stores, and on SQLite the index each one
//! is answered from (not a scan of every record): governance records by action, refusals
//! by code in a time range, one flow's records in a time range, and an agreement's last
//! transfer.

use isagate::audit::record::{Outcome, RecordDraft, RecordKind};
use isagate::audit::Store;
use isagate::codes::RefusalCode;

use super::common::*;
use crate::support::scratch;

fn governance(action: &str, n: u64) -> RecordDraft {
    let mut g = RecordDraft::new(RecordKind::Governance, Outcome::Recorded);
    g.actor = Some("urn:isagate:governance:dpo".into());
    g.governance = Some(serde_json::json!({"action": action, "n": n}));
    g
}

async fn answers(store: &Store) {
    let start = jiff::Timestamp::now() - jiff::SignedDuration::from_secs(1);
    let mut flows = Vec::new();
    for i in 0..12u64 {
        let mut d = disclosure(i, &[]);
        d.flow = Some(if i % 3 == 0 { "referral" } else { "update" }.into());
        let c = store.append(d).await.unwrap();
        if i % 3 == 0 {
            flows.push(c.seq);
        }
        if i % 4 == 1 {
            store.append(governance("agreement-approved", i)).await.unwrap();
        }
        if i % 5 == 2 {
            store.append(governance("restriction-added", i)).await.unwrap();
        }
    }
    store.append(refusal(RefusalCode::NoAgreement)).await.unwrap();
    store.append(refusal(RefusalCode::NoAgreement)).await.unwrap();
    store.append(refusal(RefusalCode::ALL[3])).await.unwrap();
    let end = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(1);

    let approved = store.governance_by_action(&["agreement-approved"]).await.unwrap();
    assert_eq!(approved.len(), 3);
    let both =
        store.governance_by_action(&["agreement-approved", "restriction-added"]).await.unwrap();
    let seqs: Vec<i64> = both.iter().map(|r| r.seq).collect();
    assert_eq!(seqs.len(), 5);
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "in seq order: {seqs:?}");
    assert!(store.governance_by_action(&["nothing-like-it"]).await.unwrap().is_empty());

    let counts = store.refusal_counts(start, end).await.unwrap();
    assert_eq!(counts.get(RefusalCode::NoAgreement.as_str()), Some(&2));
    assert_eq!(counts.get(RefusalCode::ALL[3].as_str()), Some(&1));
    assert!(store.refusal_counts(end, end).await.unwrap().is_empty());

    let referral = store.records_of_flow("referral", start, end).await.unwrap();
    assert_eq!(referral.iter().map(|r| r.seq).collect::<Vec<_>>(), flows);
    assert!(store.records_of_flow("referral", end, end).await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn governance_queries_sqlite() {
    let dir = scratch();
    answers(&open(&sqlite_url(dir.path())).await).await;
    let conn = rusqlite::Connection::open(dir.path().join("audit.db")).unwrap();
    let plan = |sql: &str| -> String {
        conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .unwrap()
            .query_map([], |r| r.get::<_, String>(3))
            .unwrap()
            .map(Result::unwrap)
            .collect::<Vec<_>>()
            .join("; ")
    };
    for (sql, index) in [
        (
            "SELECT seq FROM records WHERE kind = 'governance' AND action IN ('a', 'b') ORDER BY seq",
            "records_action",
        ),
        (
            "SELECT refusal_code, count(*) FROM records WHERE refusal_code IS NOT NULL \
             AND time >= 'a' AND time < 'b' GROUP BY refusal_code",
            "records_refusal",
        ),
        (
            "SELECT seq FROM records WHERE flow = 'f' AND time >= 'a' AND time < 'b' ORDER BY seq",
            "records_flow",
        ),
        (
            "SELECT seq FROM records WHERE kind = 'disclosure' AND agreement_id = 'x' \
             AND (direction IS NULL OR direction = 'request') ORDER BY seq DESC LIMIT 1",
            "records_agreement",
        ),
    ] {
        let p = plan(sql);
        assert!(p.contains(index), "{sql}: {p}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn governance_queries_postgres() {
    let Some(admin) = pg_admin_url("governance_queries_postgres") else { return };
    answers(&open(&fresh_pg(&admin).await).await).await;
}
