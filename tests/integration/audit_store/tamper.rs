//! Tampering, on both stores: one changed field (in the bytes `report` reads), a
//! changed query column, a deleted record, two swapped records, a truncated tail and a consistent rewrite of the
//! whole chain. `verify` names the first bad record; the last two need checkpoints.

use std::path::{Path, PathBuf};
use std::time::Duration;

use isagate::audit::{generate_checkpoint_key, Check, CheckpointOptions, Store, StoreOptions};

use super::common::*;
use crate::support::scratch;

const N: u64 = 50;

/// Change record `seq`'s `purpose` in its stored bytes.
fn purpose(seq: u64, from: &str, to: &str) -> String {
    format!(
        r#"UPDATE records SET body = replace(body, '"purpose":"{from}"', '"purpose":"{to}"') WHERE seq = {seq}"#
    )
}

struct Fixture {
    url: String,
    store: Store,
    checkpoints: PathBuf,
    public: PathBuf,
}

async fn fixture(dir: &Path, url: String) -> Fixture {
    let (key, public, checkpoints) =
        (dir.join("ck.pem"), dir.join("ck.pub.pem"), dir.join("checkpoints.jsonl"));
    generate_checkpoint_key(&key, &public).unwrap();
    let opts = StoreOptions {
        group_commit_window: Duration::ZERO,
        checkpoints: Some(CheckpointOptions {
            key_file: key,
            out_file: checkpoints.clone(),
            every_records: 10,
            every: Duration::from_secs(3600),
        }),
        ..StoreOptions::default()
    };
    let store = Store::open(&url, opts).await.unwrap();
    fill(&store, N).await;
    // The writer signs right after acknowledging the batch: wait for the last one.
    crate::support::wait_until("five checkpoints are signed", Duration::from_secs(5), || {
        std::future::ready(store.stats().checkpoints >= 5)
    })
    .await;
    assert_eq!(store.stats().checkpoints, 5);
    Fixture { url, store, checkpoints, public }
}

impl Fixture {
    async fn verify_with_checkpoints(&self) -> isagate::audit::VerifyReport {
        self.store.verify(Some((&self.checkpoints, &self.public)), &|_, _| {}).await.unwrap()
    }

    async fn id_of(&self, seq: u64) -> String {
        self.store.rows_after(seq - 1, 1).await.unwrap()[0].id.clone()
    }
}

fn assert_fails(r: &isagate::audit::VerifyReport, seq: u64, id: Option<&str>, check: Check) {
    assert!(!r.ok);
    let f = r.failure.as_ref().unwrap();
    assert_eq!((f.seq, f.id.as_deref(), f.check), (seq, id, check), "{}", f.detail);
}

async fn all_cases(make: impl AsyncFn(&Path) -> String) {
    // A clean chain verifies, with and without its checkpoints.
    let dir = scratch();
    let f = fixture(dir.path(), make(dir.path()).await).await;
    let r = f.verify_with_checkpoints().await;
    assert!(r.ok, "{:?}", r.failure);
    assert_eq!(
        (r.length, r.checkpoints_checked, r.last_checkpoint.as_ref().map(|c| c.seq)),
        (N, Some(5), Some(50))
    );

    // One field, in the bytes the report reads.
    let id = f.id_of(17).await;
    raw_sql(&f.url, &purpose(17, "safeguarding", "marketing")).await;
    let since = "2000-01-01T00:00:00Z".parse().unwrap();
    let rep = f.store.report(since, "2100-01-01T00:00:00Z".parse().unwrap()).await.unwrap();
    assert_eq!(rep.by_purpose.get("marketing"), Some(&1), "the report reads the tampered column");
    assert_fails(&verify(&f.store).await, 17, Some(&id), Check::Hash);
    // A list that `subject` reads.
    raw_sql(&f.url, &purpose(17, "marketing", "safeguarding")).await;
    assert!(verify(&f.store).await.ok);
    let id = f.id_of(8).await;
    raw_sql(
        &f.url,
        r#"UPDATE records SET body = replace(body, '"disclosed":["/child/name",', '"disclosed":[') WHERE seq = 8"#,
    )
    .await;
    assert_fails(&verify(&f.store).await, 8, Some(&id), Check::Hash);
    raw_sql(&f.url, "UPDATE records SET body = 'not json' WHERE seq = 8").await;
    assert_fails(&verify(&f.store).await, 8, Some(&id), Check::Decode);
    drop(f);

    // A query column changed beside the bytes: the record says otherwise.
    let dir = scratch();
    let f = fixture(dir.path(), make(dir.path()).await).await;
    let id = f.id_of(12).await;
    raw_sql(&f.url, "UPDATE records SET flow = 'another-flow' WHERE seq = 12").await;
    let r = verify(&f.store).await;
    assert_fails(&r, 12, Some(&id), Check::Column);
    assert!(r.failure.unwrap().detail.contains("`flow`"));
    drop(f);

    // A deleted record: the next one is named.
    let dir = scratch();
    let f = fixture(dir.path(), make(dir.path()).await).await;
    let id = f.id_of(21).await;
    raw_sql(&f.url, "DELETE FROM records WHERE seq = 20").await;
    assert_fails(&verify(&f.store).await, 21, Some(&id), Check::Seq);
    drop(f);

    // Two records swapped.
    let dir = scratch();
    let f = fixture(dir.path(), make(dir.path()).await).await;
    let id31 = f.id_of(31).await;
    raw_sql(
        &f.url,
        "UPDATE records SET seq = -1 WHERE seq = 30; UPDATE records SET seq = 30 WHERE seq = 31; \
         UPDATE records SET seq = 31 WHERE seq = -1;",
    )
    .await;
    assert_fails(&verify(&f.store).await, 30, Some(&id31), Check::PrevHash);
    drop(f);

    // The tail cut off: only the checkpoints can tell.
    let dir = scratch();
    let f = fixture(dir.path(), make(dir.path()).await).await;
    raw_sql(&f.url, "DELETE FROM records WHERE seq > 45").await;
    assert!(verify(&f.store).await.ok, "a truncated chain is consistent on its own");
    assert_fails(&f.verify_with_checkpoints().await, 50, None, Check::CheckpointMissing);
    drop(f);

    // The whole chain rewritten consistently from record 5 on.
    let dir = scratch();
    let f = fixture(dir.path(), make(dir.path()).await).await;
    let rows = f.store.rows_after(0, N).await.unwrap();
    let mut prev = rows[3].record.as_ref().unwrap().hash.clone();
    let mut sql = String::new();
    for row in &rows[4..] {
        let mut r = row.record.clone().unwrap();
        r.draft.reason = Some(format!("rewritten {}", r.seq));
        r.prev_hash = prev.clone();
        r.hash = r.compute_hash().unwrap();
        prev = r.hash.clone();
        let body = String::from_utf8(isagate::audit::canonical::record_bytes(&r).unwrap()).unwrap();
        sql.push_str(&format!(
            "UPDATE records SET body = '{}', hash = '{}' WHERE seq = {};",
            body.replace('\'', "''"),
            r.hash,
            r.seq
        ));
    }
    raw_sql(&f.url, &sql).await;
    assert!(verify(&f.store).await.ok, "the rewrite is consistent on its own");
    let id = f.id_of(10).await;
    assert_fails(&f.verify_with_checkpoints().await, 10, Some(&id), Check::CheckpointMismatch);

    // A forged checkpoint line does not verify.
    let text = std::fs::read_to_string(&f.checkpoints).unwrap();
    let forged = text.replacen("\"seq\":10", "\"seq\":11", 1);
    std::fs::write(&f.checkpoints, forged).unwrap();
    let err = f.store.verify(Some((&f.checkpoints, &f.public)), &|_, _| {}).await.unwrap_err();
    assert!(err.to_string().contains("signature"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampering_is_caught_sqlite() {
    all_cases(async |dir: &Path| sqlite_url(dir)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampering_is_caught_postgres() {
    let Some(admin) = pg_admin_url("tampering_is_caught_postgres") else { return };
    all_cases(async |_: &Path| fresh_pg(&admin).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checkpoints_are_also_signed_on_time() {
    let dir = scratch();
    let (key, public, out) =
        (dir.path().join("k.pem"), dir.path().join("k.pub"), dir.path().join("c.jsonl"));
    generate_checkpoint_key(&key, &public).unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
    let opts = StoreOptions {
        checkpoints: Some(CheckpointOptions {
            key_file: key,
            out_file: out.clone(),
            every_records: 1_000_000,
            every: Duration::from_millis(200),
        }),
        ..StoreOptions::default()
    };
    let store = Store::open(&sqlite_url(dir.path()), opts).await.unwrap();
    fill(&store, 3).await;
    crate::support::wait_until(
        "the interval's checkpoint is signed",
        Duration::from_secs(5),
        || std::future::ready(store.stats().checkpoints > 0),
    )
    .await;
    let cps = isagate::audit::checkpoint::read_checkpoints(&out, &public).unwrap();
    assert_eq!(cps.len(), 1, "one checkpoint once the interval passed, none while idle");
    assert_eq!(cps[0].seq, 3);
    // A sleep, not a poll: two intervals passing with nothing to sign is the behaviour.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(store.stats().checkpoints, 1, "no new records, no new checkpoint");
    // A key that is not the signer's rejects every line.
    let (k2, p2) = (dir.path().join("k2.pem"), dir.path().join("k2.pub"));
    generate_checkpoint_key(&k2, &p2).unwrap();
    assert!(isagate::audit::checkpoint::read_checkpoints(&out, &p2).is_err());
}
