//! What the store's schema promises beyond the chain: governance records found through
//! their own index (on both stores), an older SQLite store upgraded in place, and WAL
//! checkpoints that still happen now that the writer runs them itself.

use std::sync::Arc;

use isagate::audit::record::{Outcome, RecordKind};
use isagate::audit::{RecordDraft, Store};

use super::common::*;
use super::legacy_store::sqlite_ddl;
use crate::support::scratch;

fn governance(n: u64) -> RecordDraft {
    let mut g = RecordDraft::new(RecordKind::Governance, Outcome::Recorded);
    g.actor = Some("urn:isagate:governance:dpo".into());
    g.governance = Some(serde_json::json!({"action": "restriction-added", "n": n}));
    g
}

/// Governance records interleaved with disclosures come back alone, in seq order, paged.
async fn governance_only(store: Store) {
    let mut governance_seqs = Vec::new();
    for i in 0..30u64 {
        store.append(disclosure(i, &[])).await.unwrap();
        if i % 10 == 3 {
            governance_seqs.push(store.append(governance(i)).await.unwrap().seq);
        }
    }
    let all = store.governance_after(0, 100).await.unwrap();
    let seqs: Vec<u64> = all.iter().map(|r| u64::try_from(r.seq).unwrap()).collect();
    assert_eq!(seqs, governance_seqs);
    assert!(all.iter().all(|r| r.record.as_ref().unwrap().draft.kind == RecordKind::Governance));
    let page = store.governance_after(governance_seqs[0], 1).await.unwrap();
    assert_eq!(u64::try_from(page[0].seq).unwrap(), governance_seqs[1]);
    assert_eq!(page.len(), 1);
    assert!(store.governance_after(governance_seqs[2], 100).await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn governance_records_alone_sqlite() {
    let dir = scratch();
    let url = sqlite_url(dir.path());
    governance_only(open(&url).await).await;
    // The query is an index lookup, not a scan of every disclosure.
    let conn = rusqlite::Connection::open(dir.path().join("audit.db")).unwrap();
    let plan: Vec<String> = conn
        .prepare(
            "EXPLAIN QUERY PLAN SELECT seq FROM records \
             WHERE kind = 'governance' AND seq > ?1 ORDER BY seq LIMIT ?2",
        )
        .unwrap()
        .query_map([0i64, 10], |r| r.get::<_, String>(3))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(plan.iter().any(|p| p.contains("records_governance")), "{plan:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn governance_records_alone_postgres() {
    let Some(admin) = pg_admin_url("governance_records_alone_postgres") else { return };
    governance_only(open(&fresh_pg(&admin).await).await).await;
}

fn indexes(conn: &rusqlite::Connection) -> Vec<(String, String)> {
    conn.prepare("SELECT name, coalesce(sql, '') FROM sqlite_master WHERE type = 'index'")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn has_prev_hash_column(conn: &rusqlite::Connection) -> bool {
    conn.query_row(
        "SELECT count(*) FROM pragma_table_info('records') WHERE name = 'prev_hash'",
        [],
        |r| r.get::<_, i64>(0),
    )
    .unwrap()
        > 0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_1_sqlite_store_is_upgraded_in_place() {
    let dir = scratch();
    let path = dir.path().join("audit.db");
    rusqlite::Connection::open(&path).unwrap().execute_batch(&sqlite_ddl(1)).unwrap();
    let store = open(&sqlite_url(dir.path())).await;
    fill(&store, 5).await;
    store.append(governance(1)).await.unwrap();
    assert!(verify(&store).await.ok);
    assert_eq!(store.governance_after(0, 10).await.unwrap().len(), 1);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, 7);
    let names: Vec<String> = indexes(&conn).into_iter().map(|(n, _)| n).collect();
    for wanted in
        ["records_governance", "records_in_reply_to", "records_emergency", "records_anchor"]
    {
        assert!(names.iter().any(|n| n == wanted), "{wanted} missing from {names:?}");
    }
    // `prev_hash` is in the record's bytes; `seq`, the primary key, keeps a fork out.
    assert!(!has_prev_hash_column(&conn), "the upgraded table is the new one");
}

/// SQLite's own auto-checkpoint is off on the writer's connection: the writer must copy
/// the WAL back itself, or the database file would never grow and the WAL never restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_writer_checkpoints_the_wal_itself() {
    let dir = scratch();
    let store = open(&sqlite_url(dir.path())).await;
    let db = dir.path().join("audit.db");
    let before = std::fs::metadata(&db).unwrap().len();
    let next = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let (store, next) = (store.clone(), next.clone());
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if i >= 6000 {
                        break;
                    }
                    store.append(disclosure(i, &[&format!("{i:064x}")])).await.unwrap();
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let after = std::fs::metadata(&db).unwrap().len();
    // 6,000 records of about 1.3 KB: several megabytes reached the database file.
    assert!(after > before + 4_000_000, "database file {before} -> {after} bytes");
    // The WAL was restarted from its beginning rather than growing with every record.
    let wal = std::fs::metadata(dir.path().join("audit.db-wal")).unwrap().len();
    assert!(wal < after, "WAL {wal} bytes, database {after} bytes");
    assert!(verify(&store).await.ok);
}
