//! Every way of walking the chain names the same first bad record: the sequential walk
//! on the slow path (the reference: what `verify` did before the fast path), the same
//! with the fast path, and the parallel walk with chunks small enough that every kind of
//! damage lands on a chunk boundary somewhere.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::*;
use crate::audit::record::{AgreementRef, Outcome, RecordDraft, RecordKind};
use crate::audit::StoreOptions;
use crate::codes::Direction;

fn draft(n: u64) -> RecordDraft {
    let kind = match n % 7 {
        3 => RecordKind::Refusal,
        5 => RecordKind::Governance,
        _ => RecordKind::Disclosure,
    };
    let mut d = RecordDraft::new(kind, Outcome::Forwarded);
    d.direction = Some(if n % 2 == 0 { Direction::Request } else { Direction::Response });
    d.from = Some("lcc-ssc".into());
    d.to = Some("merseyside-police".into());
    d.requester = Some(format!("staff \"{n}\" é😀"));
    d.agreement = Some(AgreementRef { id: "ISA-0007".into(), version: 3, sha256: "cd".repeat(32) });
    d.schema_sha256.insert("referral.v1.json".into(), "ef".repeat(32));
    d.disclosed = vec!["/child/name".into(), "/child/dob".into()];
    if n % 11 == 0 {
        // An escape inside a JSON column: this row takes the slow path.
        d.disclosed.push("/a\\b".into());
    }
    d.subjects = vec![format!("{n:064x}")];
    if kind == RecordKind::Governance {
        d.governance = Some(serde_json::json!({"z": n, "a": {"y": [1, "\u{1}"], "b": null}}));
    }
    d
}

async fn filled(dir: &Path, n: u64) -> (Store, PathBuf) {
    let path = dir.join("audit.db");
    let opts = StoreOptions { group_commit_window: Duration::ZERO, ..StoreOptions::default() };
    let store = Store::open(&format!("sqlite://{}", path.display()), opts).await.unwrap();
    for i in 0..n {
        store.append(draft(i)).await.unwrap();
    }
    (store, path)
}

fn sql(path: &Path, sql: &str) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(sql).unwrap();
}

fn id_of(path: &Path, seq: u64) -> String {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.query_row("SELECT id FROM records WHERE seq = ?1", [seq as i64], |r| r.get(0)).unwrap()
}

const WALKS: [Walk; 8] = [
    Walk::Sequential { fast: true },
    Walk::Parallel { chunk: 1, workers: 1 },
    Walk::Parallel { chunk: 1, workers: 3 },
    Walk::Parallel { chunk: 3, workers: 2 },
    Walk::Parallel { chunk: 7, workers: 2 },
    Walk::Parallel { chunk: 16, workers: 4 },
    Walk::Parallel { chunk: 4096, workers: 2 },
    Walk::Auto,
];

/// Verify with every walk; all must agree with the reference. Returns its answer.
async fn all_walks(store: &Store) -> Result<VerifyReport, String> {
    let reference = verify_with(store, None, &|_, _| {}, Walk::Sequential { fast: false })
        .await
        .map_err(|e| e.to_string());
    for walk in WALKS {
        let got = verify_with(store, None, &|_, _| {}, walk).await.map_err(|e| e.to_string());
        assert_eq!(got, reference, "{walk:?}");
    }
    reference
}

async fn fails_at(store: &Store, seq: u64, id: Option<&str>, check: Check) -> Failure {
    let r = all_walks(store).await.unwrap();
    let f = r.failure.unwrap_or_else(|| panic!("no failure, expected {check:?} at {seq}"));
    assert_eq!((f.seq, f.id.as_deref(), f.check), (seq, id, check), "{}", f.detail);
    f
}

const N: u64 = 40;

/// Seq 2 made undecodable (undone by the reverse `replace`).
const BREAK_2: &str =
    r#"UPDATE records SET body = replace(body, '"disclosed":[', '"disclosed":x[') WHERE seq = 2"#;

/// A field of seq 31 changed in its bytes.
const PURPOSE_31: &str =
    r#"UPDATE records SET body = replace(body, '"purpose":null', '"purpose":"p"') WHERE seq = 31"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_walk_names_the_same_first_bad_record() {
    let dir = tempfile::tempdir().unwrap();
    let (store, path) = filled(dir.path(), N).await;
    let r = all_walks(&store).await.unwrap();
    assert!(r.ok, "{:?}", r.failure);
    assert_eq!((r.length, r.head_seq), (N, N));

    // Damage that is undone before the next case.
    let cases: Vec<(u64, &str, Check)> = vec![
        (
            17,
            r#"UPDATE records SET body = replace(body, '"purpose":null', '"purpose":"marketing"') WHERE seq = 17"#,
            Check::Hash,
        ),
        (8, "UPDATE records SET body = 'not json' WHERE seq = 8", Check::Decode),
        (
            9,
            r#"UPDATE records SET body = replace(body, '"outcome":"forwarded"', '"outcome":"maybe"') WHERE seq = 9"#,
            Check::Decode,
        ),
        (9, "UPDATE records SET outcome = 'refused' WHERE seq = 9", Check::Column),
        (15, "UPDATE records SET flow = 'other' WHERE seq = 15", Check::Column),
        (16, "UPDATE records SET emergency = 1 WHERE seq = 16", Check::Column),
        (
            18,
            "UPDATE records SET time = '2026-01-01T00:00:00.000000Z' WHERE seq = 18",
            Check::Column,
        ),
        (
            10,
            r#"UPDATE records SET body = replace(body, '"time":"' || time || '"', '"time":"2000-01-01T00:00:00.000000Z"'),
               time = '2000-01-01T00:00:00.000000Z' WHERE seq = 10"#,
            Check::Time,
        ),
        (
            11,
            r#"UPDATE records SET body = replace(body, '"time":"' || time || '"', '"time":"2999-01-01T00:00:00Z"'),
               time = '2999-01-01T00:00:00Z' WHERE seq = 11"#,
            Check::Time,
        ),
        (
            12,
            "UPDATE records SET body = replace(body, id, '6f1d2c3e-8a4b-4c5d-9e6f-7a8b9c0d1e2f'), \
             id = '6f1d2c3e-8a4b-4c5d-9e6f-7a8b9c0d1e2f' WHERE seq = 12",
            Check::Id,
        ),
        (
            13,
            r#"UPDATE records SET body = replace(body, '"prev_hash":"', '"prev_hash":"x') WHERE seq = 13"#,
            Check::PrevHash,
        ),
        (14, "UPDATE records SET hash = 'x' WHERE seq = 14", Check::Hash),
        (
            1,
            r#"UPDATE records SET body = replace(body, '"prev_hash":"', '"prev_hash":"y') WHERE seq = 1"#,
            Check::PrevHash,
        ),
        (
            21,
            r#"UPDATE records SET body = replace(body, '"schema_sha256":{', '"schema_sha256":{"a":1,') WHERE seq = 21"#,
            Check::Decode,
        ),
        (
            22,
            r#"UPDATE records SET body = replace(body, '"governance":null', '"governance":{"a":1.5}') WHERE seq = 22"#,
            Check::Hash,
        ),
        (N, "UPDATE records SET hash = 'x' WHERE seq = 40", Check::Hash),
    ];
    for (seq, damage, check) in cases {
        let copy = dir.path().join("copy.db");
        // Work on a copy so that each case starts from the clean chain.
        let _ = std::fs::remove_file(&copy);
        sql(&path, &format!("VACUUM INTO '{}'", copy.display()));
        sql(&path, damage);
        let f = fails_at(&store, seq, Some(&id_of(&path, seq)), check).await;
        if check == Check::Decode {
            assert!(f.detail.starts_with("column `body` does not decode"), "{}", f.detail);
        }
        if check == Check::Column {
            // `UPDATE records SET <column> = ...`: the failure names the column.
            let column = damage.split_whitespace().nth(3).unwrap();
            assert!(f.detail.starts_with(&format!("column `{column}`")), "{}", f.detail);
        }
        sql(&path, &format!(
            "ATTACH '{}' AS clean; DELETE FROM records; INSERT INTO records SELECT * FROM clean.records; DETACH clean;",
            copy.display()
        ));
        assert!(all_walks(&store).await.unwrap().ok);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gaps_on_chunk_boundaries_and_the_lowest_failure_wins() {
    // Chunks of 3 start at 1, 4, 7...; chunks of 7 at 1, 8, 15...
    for deleted in [3u64, 4, 6, 7, 8, 15, 16] {
        let dir = tempfile::tempdir().unwrap();
        let (store, path) = filled(dir.path(), 24).await;
        let id = id_of(&path, deleted + 1);
        sql(&path, &format!("DELETE FROM records WHERE seq = {deleted}"));
        fails_at(&store, deleted + 1, Some(&id), Check::Seq).await;
    }
    let dir = tempfile::tempdir().unwrap();
    let (store, path) = filled(dir.path(), N).await;
    // Two damaged records: the lower one is named, whichever chunk finishes first.
    let id = id_of(&path, 31);
    sql(&path, &format!("{BREAK_2}; {PURPOSE_31}"));
    let r = all_walks(&store).await.unwrap();
    assert_eq!(r.failure.as_ref().unwrap().seq, 2);
    sql(
        &path,
        r#"UPDATE records SET body = replace(body, '"disclosed":x[', '"disclosed":[') WHERE seq = 2"#,
    );
    fails_at(&store, 31, Some(&id), Check::Hash).await;
    // Two records swapped across a chunk boundary of 3 (seq 6 and 7).
    sql(
        &path,
        r#"UPDATE records SET body = replace(body, '"purpose":"p"', '"purpose":null') WHERE seq = 31"#,
    );
    let id7 = id_of(&path, 7);
    sql(&path, "UPDATE records SET seq = -1 WHERE seq = 6; UPDATE records SET seq = 6 WHERE seq = 7; UPDATE records SET seq = 7 WHERE seq = -1;");
    fails_at(&store, 6, Some(&id7), Check::PrevHash).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreadable_columns_are_errors_as_before() {
    for damage in [
        "UPDATE records SET emergency = 'x' WHERE seq = 5",
        "UPDATE records SET body = CAST(X'FF' AS TEXT) WHERE seq = 5",
        "UPDATE records SET hash = X'FF' WHERE seq = 5",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let (store, path) = filled(dir.path(), 12).await;
        sql(&path, damage);
        let err = all_walks(&store).await.unwrap_err();
        assert!(!err.is_empty());
        // A bad record before the unreadable row: the sequential walk reads 2,000 rows
        // per query and the query fails as a whole; the parallel walk reads row by row
        // and names the bad record (the one deliberate difference).
        sql(&path, &PURPOSE_31.replace("seq = 31", "seq = 3"));
        let slow = verify_with(&store, None, &|_, _| {}, Walk::Sequential { fast: false }).await;
        assert!(slow.is_err());
        for walk in
            [Walk::Parallel { chunk: 1, workers: 2 }, Walk::Parallel { chunk: 4096, workers: 2 }]
        {
            let r = verify_with(&store, None, &|_, _| {}, walk).await.unwrap();
            assert_eq!(r.failure.map(|f| (f.seq, f.check)), Some((3, Check::Hash)), "{walk:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_store_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = filled(dir.path(), 0).await;
    let r = all_walks(&store).await.unwrap();
    assert!(r.ok);
    assert_eq!((r.length, r.head_seq, r.head_hash.as_str()), (0, 0, GENESIS_HASH));
}

/// The walk counts older records (and those naming what a caller chose) as the SQL the
/// walk replaces counts them, `LIKE`'s ASCII case-folding included.
#[test]
fn older_records_are_counted_as_sql_counts_them() {
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    conn.execute_batch("CREATE TABLE records (format INTEGER, body TEXT)").unwrap();
    let bodies = [
        r#"{"stripped":[{"path":"/a","reason":"undeclared"}]}"#,
        r#"{"stripped":[{"path":"?q","reason":"query-not-allowed"}],"x":1}"#,
        r#"{"g":{"REASON":"Undeclared"},"h":[{"a":1,"reason":"QUERY-NOT-ALLOWED"}]}"#,
        r#"{"stripped":[{"reason":"undeclared"}]}"#,
        r#"{"stripped":[{"path":"/a","reason":"undeclared","z":1}]}"#,
        r#"{"stripped":[{"path":"/a","reason":"special-category"}]}"#,
        r#"{"é":1,"reason":"undeclaréd"}"#,
        "",
    ];
    let mut walked = Older::default();
    for body in bodies {
        for format in [None, Some(2)] {
            conn.execute("INSERT INTO records VALUES (?1, ?2)", rusqlite::params![format, body])
                .unwrap();
            walked.add(Older::of(format, body.as_bytes()));
        }
    }
    let [older, named] = older_sql();
    let sql = |q: &str| conn.query_row(q, [], |r| r.get::<_, i64>(0)).unwrap() as u64;
    assert_eq!(walked, Older { records: sql(&older), with_names: sql(&named) });
    assert_eq!(walked, Older { records: 8, with_names: 3 });
}
