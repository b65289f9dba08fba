//! Start-up migration to schema version 7 (records as canonical bytes since 6, the
//! compact subject index since 7, issue 15): a store of every earlier SQLite schema
//! version (1 to 6) and the PostgreSQL tables before 6 and of 6, built from their DDL,
//! opens with today's store; the chain still verifies, readers see the same records, the
//! subject index is rebuilt in the new form, new records extend it, and a row changed or
//! broken before the migration is still found after it.

use isagate::audit::record::{Outcome, RecordDraft, RecordKind};
use isagate::audit::{Check, Store};

use super::common::*;
use super::legacy_store::{
    chain, postgres_store, postgres_v6_store, sqlite_store, sqlite_v6_store,
};
use crate::support::scratch;

const SUBJECT: &str = "5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e";

/// Six records of several kinds, three about `SUBJECT`; one older than format 2, or all
/// of them for a store from before format 2 (schema version 3 and earlier).
fn drafts(version: i64) -> Vec<RecordDraft> {
    let mut out = vec![disclosure(0, &[SUBJECT]), disclosure(1, &[])];
    out[1].format = None;
    let mut g = RecordDraft::new(RecordKind::Governance, Outcome::Recorded);
    g.actor = Some("urn:isagate:governance:dpo".into());
    g.governance = Some(serde_json::json!({"action": "restriction-added", "n": 1}));
    out.push(g);
    out.push(disclosure(3, &[SUBJECT]));
    out.push(disclosure(4, &[]));
    out.push(disclosure(5, &[SUBJECT]));
    if version < 4 {
        out.iter_mut().for_each(|d| d.format = None);
    }
    out
}

/// The migrated store: verifies, answers as the old rows said, takes new records.
async fn migrated(store: &Store, records: &[isagate::audit::Record], older: u64) {
    let report = verify(store).await;
    assert!(report.ok, "{:?}", report.failure);
    assert_eq!((report.length, report.head_hash.as_str()), (6, records[5].hash.as_str()));
    assert_eq!(report.older_format, older);
    for r in records {
        assert_eq!(store.get(r.id).await.unwrap().as_ref(), Some(r), "seq {}", r.seq);
    }
    let found: Vec<u64> =
        store.subject_records(SUBJECT).await.unwrap().iter().map(|r| r.seq).collect();
    assert_eq!(found, [1, 4, 6]);
    assert_eq!(store.governance_after(0, 10).await.unwrap().len(), 1);
    store.append(disclosure(6, &[SUBJECT])).await.unwrap();
    let report = verify(store).await;
    assert!(report.ok, "{:?}", report.failure);
    assert_eq!(report.length, 7);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_earlier_sqlite_schema_migrates_at_open() {
    for version in 1..=6 {
        let dir = scratch();
        let records = chain(drafts(version));
        if version == 6 {
            sqlite_v6_store(&dir.path().join("audit.db"), &records);
        } else {
            sqlite_store(&dir.path().join("audit.db"), version, &records);
        }
        let url = sqlite_url(dir.path());
        migrated(&open(&url).await, &records, if version < 4 { 6 } else { 1 }).await;
        let conn = rusqlite::Connection::open(dir.path().join("audit.db")).unwrap();
        let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(v, 7, "from version {version}");
        // The index was rebuilt in the new form, from the records' bytes.
        let key = isagate::audit::subject_index::subject_key(SUBJECT);
        let seqs: Vec<i64> = conn
            .prepare("SELECT seq FROM record_subjects WHERE subject_key = ?1 AND seq <= 6")
            .unwrap()
            .query_map([key], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(seqs, [1, 4, 6], "from version {version}");
        let body: String =
            conn.query_row("SELECT body FROM records WHERE seq = 3", [], |r| r.get(0)).unwrap();
        assert!(body.starts_with("{\"actor\":\"urn:isagate:governance:dpo\""), "{body}");
    }
}

/// A column changed before the migration: the re-encoded bytes no longer hash to the
/// hash the row carried. A column that did not decode: bytes that do not decode either.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_damaged_before_the_migration_still_fail() {
    for (damage, seq, check) in [
        ("UPDATE records SET purpose = 'marketing' WHERE seq = 4", 4, Check::Hash),
        ("UPDATE records SET disclosed = 'not json' WHERE seq = 5", 5, Check::Decode),
        ("UPDATE records SET prev_hash = 'x' WHERE seq = 2", 2, Check::PrevHash),
    ] {
        for version in [1, 5] {
            let dir = scratch();
            let path = dir.path().join("audit.db");
            let records = chain(drafts(version));
            sqlite_store(&path, version, &records);
            rusqlite::Connection::open(&path).unwrap().execute_batch(damage).unwrap();
            let store = open(&sqlite_url(dir.path())).await;
            let report = verify(&store).await;
            let f = report.failure.unwrap_or_else(|| panic!("{damage}: not found"));
            let id = records[usize::try_from(seq).unwrap() - 1].id.to_string();
            assert_eq!((f.seq, f.id.as_deref(), f.check), (seq, Some(id.as_str()), check));
        }
    }
}

/// Read-only, an older store is converted in the connection's memory: it answers and
/// verifies, and the file is left as it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_store_opened_read_only_is_left_as_it_was() {
    for version in [3, 6] {
        let dir = scratch();
        let path = dir.path().join("audit.db");
        let records = chain(drafts(version));
        if version == 6 {
            sqlite_v6_store(&path, &records);
        } else {
            sqlite_store(&path, version, &records);
        }
        let before = std::fs::read(&path).unwrap();
        let store = open(&format!("{}?mode=ro", sqlite_url(dir.path()))).await;
        let report = verify(&store).await;
        assert!(report.ok, "{:?}", report.failure);
        assert_eq!(report.length, 6);
        let found: Vec<u64> =
            store.subject_records(SUBJECT).await.unwrap().iter().map(|r| r.seq).collect();
        assert_eq!(found, [1, 4, 6], "from version {version}");
        assert!(store.append(disclosure(9, &[])).await.is_err());
        drop(store);
        assert_eq!(std::fs::read(&path).unwrap(), before);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_old_postgres_table_migrates_at_open() {
    let Some(admin) = pg_admin_url("the_old_postgres_table_migrates_at_open") else { return };
    let url = fresh_pg(&admin).await;
    let records = chain(drafts(5));
    postgres_store(&url, &records).await;
    migrated(&open(&url).await, &records, 1).await;
    // A second replica opening the migrated store changes nothing.
    let again = open(&url).await;
    assert!(verify(&again).await.ok);

    let url = fresh_pg(&admin).await;
    postgres_v6_store(&url, &records).await;
    migrated(&open(&url).await, &records, 1).await;
    let key = isagate::audit::subject_index::subject_key(SUBJECT);
    let rows = pg_client(&url)
        .await
        .query("SELECT seq FROM record_subjects WHERE subject_key = $1 ORDER BY seq", &[&key])
        .await
        .unwrap();
    let seqs: Vec<i64> = rows.iter().map(|r| r.get(0)).collect();
    assert_eq!(seqs, [1, 4, 6, 7], "the version 6 index rebuilt in the new form");

    let url = fresh_pg(&admin).await;
    postgres_store(&url, &records).await;
    raw_sql(&url, "UPDATE records SET purpose = 'marketing' WHERE seq = 4").await;
    let report = verify(&open(&url).await).await;
    let f = report.failure.unwrap();
    assert_eq!((f.seq, f.check), (4, Check::Hash));
}
