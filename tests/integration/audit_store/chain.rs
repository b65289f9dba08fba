//! The chain and group commit on both stores: durability settings, contiguous seq under
//! 1,000 concurrent appends, commits counted per batch, the window (and that it never
//! waits for callers already answered), readiness, the
//! injected clock, and the read side (subject, report, emergencies, limits).

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use isagate::audit::record::RecordKind;
use isagate::audit::{ManualClock, Store, StoreOptions, GENESIS_HASH};
use isagate::codes::RefusalCode;

use super::common::*;
use crate::support::scratch;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_opens_in_wal_with_synchronous_full() {
    let dir = scratch();
    let url = sqlite_url(dir.path());
    let store = open(&url).await;
    let d = store.durability().unwrap();
    assert_eq!((d.journal_mode.as_str(), d.synchronous), ("wal", 2));
    // WAL is a property of the file: another connection sees it too.
    let conn = rusqlite::Connection::open(dir.path().join("audit.db")).unwrap();
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
    store.append(disclosure(1, &[])).await.unwrap();
    assert!(dir.path().join("audit.db-wal").exists());
}

async fn thousand_concurrent(store: Store) {
    let started = Instant::now();
    let tasks: Vec<_> = (0..1000u64)
        .map(|i| {
            let s = store.clone();
            tokio::spawn(
                async move { s.append(disclosure(i, &[&format!("{:064x}", i % 7)])).await },
            )
        })
        .collect();
    let mut seqs = BTreeSet::new();
    for t in tasks {
        let c = t.await.unwrap().unwrap();
        assert_eq!(c.hash.len(), 64);
        assert!(seqs.insert(c.seq), "seq {} acknowledged twice", c.seq);
    }
    assert_eq!(seqs, (1..=1000).collect::<BTreeSet<u64>>());
    let report = verify(&store).await;
    assert!(report.ok, "{:?}", report.failure);
    assert_eq!((report.length, report.head_seq), (1000, 1000));
    let stats = store.stats();
    assert_eq!(stats.records, 1000);
    // Group commit: far fewer commits (one fsync each) than records.
    assert!(stats.commits <= 100, "{} commits for 1000 records", stats.commits);
    assert!(stats.max_batch >= 10, "largest batch {}", stats.max_batch);
    eprintln!(
        "1000 appends: {} commits, largest batch {}, {:?}",
        stats.commits,
        stats.max_batch,
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thousand_concurrent_appends_sqlite() {
    let dir = scratch();
    thousand_concurrent(open(&sqlite_url(dir.path())).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thousand_concurrent_appends_postgres() {
    let Some(admin) = pg_admin_url("thousand_concurrent_appends_postgres") else { return };
    thousand_concurrent(open(&fresh_pg(&admin).await).await).await;
}

/// Concurrent appends share a commit; a lone append does not wait out the window
/// (every waiting caller is already in its batch).
async fn window_batches(url: &str) {
    let opts =
        StoreOptions { group_commit_window: Duration::from_millis(400), ..StoreOptions::default() };
    let store = Store::open(url, opts).await.unwrap();
    let started = Instant::now();
    // All eight start appending together (on a loaded machine, tasks spawned one by one
    // could otherwise reach the store a commit apart).
    let barrier = Arc::new(tokio::sync::Barrier::new(8));
    let tasks: Vec<_> = (0..8u64)
        .map(|i| {
            let (s, barrier) = (store.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                s.append(disclosure(i, &[])).await
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert!(
        store.stats().commits <= 2,
        "{} commits for 8 concurrent appends",
        store.stats().commits
    );
    assert!(
        started.elapsed() < Duration::from_millis(390),
        "8 appends took {:?}",
        started.elapsed()
    );
    let before = store.stats().commits;
    let started = Instant::now();
    store.append(disclosure(9, &[])).await.unwrap();
    let took = started.elapsed();
    assert!(took < Duration::from_millis(300), "a lone append took {took:?}");
    assert_eq!(store.stats().commits - before, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn window_groups_appends_sqlite() {
    let dir = scratch();
    window_batches(&sqlite_url(dir.path())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn window_groups_appends_postgres() {
    let Some(admin) = pg_admin_url("window_groups_appends_postgres") else { return };
    window_batches(&fresh_pg(&admin).await).await;
}

/// A caller already answered but not yet resumed (its task not polled again) is not
/// waited for: the next lone append commits at once, not after the 400 ms window.
async fn answered_callers_do_not_hold_a_batch(url: &str) {
    let opts =
        StoreOptions { group_commit_window: Duration::from_millis(400), ..StoreOptions::default() };
    let store = Store::open(url, opts).await.unwrap();
    let mut answered = Box::pin(store.append(disclosure(1, &[])));
    assert!(futures::poll!(&mut answered).is_pending(), "the first append is sent, not done");
    crate::support::wait_until("the first append is committed", Duration::from_secs(10), || {
        std::future::ready(store.stats().records >= 1)
    })
    .await;
    let started = Instant::now();
    store.append(disclosure(2, &[])).await.unwrap();
    let took = started.elapsed();
    assert!(took < Duration::from_millis(300), "an append behind an answered caller took {took:?}");
    answered.await.unwrap();
    assert_eq!(store.stats().commits, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answered_callers_do_not_hold_a_batch_sqlite() {
    let dir = scratch();
    answered_callers_do_not_hold_a_batch(&sqlite_url(dir.path())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answered_callers_do_not_hold_a_batch_postgres() {
    let Some(admin) = pg_admin_url("answered_callers_do_not_hold_a_batch_postgres") else {
        return;
    };
    answered_callers_do_not_hold_a_batch(&fresh_pg(&admin).await).await;
}

async fn ready_and_clock(url: &str) {
    let clock = ManualClock::new("2026-11-23T10:00:00.123456789Z".parse().unwrap());
    let store = Store::open_with_clock(url, StoreOptions::default(), Arc::new(clock.clone()))
        .await
        .unwrap();
    store.ready().await.unwrap();
    store.ready().await.unwrap();
    assert_eq!(store.extent().await.unwrap(), (0, 0, 0), "ready adds no record");
    let a = store.append(disclosure(1, &[])).await.unwrap();
    assert_eq!(a.time, "2026-11-23T10:00:00.123456Z");
    assert_eq!(a.seq, 1);
    assert_eq!(a.id.get_version_num(), 7);
    let first = store.get(a.id).await.unwrap().unwrap();
    assert_eq!(first.prev_hash, GENESIS_HASH);
    assert_eq!(first.hash, a.hash);
    assert_eq!(first.compute_hash().unwrap(), a.hash);
    // A clock that steps back never makes the chain's time go backwards.
    clock.set("2026-11-23T09:00:00Z".parse().unwrap());
    let b = store.append(disclosure(2, &[])).await.unwrap();
    assert_eq!(b.time, a.time);
    clock.set("2026-11-23T11:00:00Z".parse().unwrap());
    let c = store.append(disclosure(3, &[])).await.unwrap();
    assert_eq!(c.time, "2026-11-23T11:00:00.000000Z");
    store.ready().await.unwrap();
    assert_eq!(store.extent().await.unwrap(), (1, 3, 3));
    assert!(store.get(uuid::Uuid::now_v7()).await.unwrap().is_none());
    // A governance record with a fraction has no canonical form and is refused.
    let mut g = isagate::audit::RecordDraft::new(
        RecordKind::Governance,
        isagate::audit::record::Outcome::Recorded,
    );
    g.governance = Some(serde_json::json!({"ratio": 0.5}));
    assert!(store.append(g).await.is_err());
    assert!(verify(&store).await.ok);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ready_and_injected_clock_sqlite() {
    let dir = scratch();
    ready_and_clock(&sqlite_url(dir.path())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ready_and_injected_clock_postgres() {
    let Some(admin) = pg_admin_url("ready_and_injected_clock_postgres") else { return };
    ready_and_clock(&fresh_pg(&admin).await).await;
}

async fn read_side(url: &str) {
    let clock = ManualClock::new("2026-06-01T12:00:00Z".parse().unwrap());
    let store = Store::open_with_clock(url, StoreOptions::default(), Arc::new(clock.clone()))
        .await
        .unwrap();
    let (me, other) = ("a".repeat(64), "b".repeat(64));
    let d1 = store.append(disclosure(1, &[&me, &other])).await.unwrap();
    store.append(disclosure(2, &[&other])).await.unwrap();
    let d3 = store.append(disclosure(3, &[&me])).await.unwrap();
    store.append(refusal(RefusalCode::PurposeNotAllowed)).await.unwrap();
    store.append(refusal(RefusalCode::PurposeNotAllowed)).await.unwrap();
    store.append(refusal(RefusalCode::SchemaViolation)).await.unwrap();
    let e1 = store.append(emergency("child-at-risk", "staff-9")).await.unwrap();
    let e2 = store.append(emergency("risk-to-life", "staff-8")).await.unwrap();
    clock.set("2026-06-02T12:00:00Z".parse().unwrap());
    store.append(review(e1.id, "justified", "told")).await.unwrap();

    let mine: Vec<_> =
        store.subject_records(&me).await.unwrap().into_iter().map(|r| r.id).collect();
    assert_eq!(mine, vec![d1.id, d3.id]);
    assert!(store.subject_records(&"c".repeat(64)).await.unwrap().is_empty());

    let pending = store.emergency_records(Some("pending")).await.unwrap();
    assert_eq!(pending.iter().map(|e| e.record.id).collect::<Vec<_>>(), vec![e2.id]);
    let reviewed = store.emergency_records(Some("reviewed")).await.unwrap();
    assert_eq!(reviewed.len(), 1);
    assert_eq!(
        (reviewed[0].review_state.decision.as_deref(), reviewed[0].reviews.len()),
        (Some("justified"), 1)
    );
    assert_eq!(store.emergency_records(None).await.unwrap().len(), 2);

    let since = "2026-06-01T00:00:00Z".parse().unwrap();
    assert_eq!(store.count_emergencies_since("lcc-ssc", None, since).await.unwrap(), 2);
    assert_eq!(store.count_emergencies_since("lcc-ssc", Some("staff-9"), since).await.unwrap(), 1);
    assert_eq!(store.count_emergencies_since("other", None, since).await.unwrap(), 0);
    let later = "2026-06-02T00:00:00Z".parse().unwrap();
    assert_eq!(store.count_emergencies_since("lcc-ssc", None, later).await.unwrap(), 0);

    let until = "2026-06-03T00:00:00Z".parse().unwrap();
    let rep = store.report(since, until).await.unwrap();
    assert_eq!(rep.total, 9);
    assert_eq!(rep.by_kind["disclosure"], 5);
    assert_eq!(rep.by_kind["refusal"], 3);
    assert_eq!(rep.by_agreement["ISA-LCC-MERPOL-0007@3"], 5);
    assert_eq!(rep.by_flow["ISA-LCC-MERPOL-0007/referral"], 5);
    assert_eq!(rep.by_purpose["safeguarding"], 5);
    assert_eq!(rep.by_outcome["refused"], 3);
    assert_eq!(rep.refusals_by_code["purpose-not-allowed"], 2);
    assert_eq!(rep.refusals_by_code["schema-violation"], 1);
    assert_eq!(rep.emergencies.total, 2);
    assert_eq!(rep.emergencies.by_review_state["pending"], 1);
    assert_eq!(rep.emergencies.by_review_state["justified"], 1);
    assert_eq!(rep.emergencies.reviews, 1);
    // The first day alone.
    let rep = store.report(since, later).await.unwrap();
    assert_eq!((rep.total, rep.emergencies.reviews), (8, 0));
    assert!(verify(&store).await.ok);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subject_report_and_emergencies_sqlite() {
    let dir = scratch();
    read_side(&sqlite_url(dir.path())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subject_report_and_emergencies_postgres() {
    let Some(admin) = pg_admin_url("subject_report_and_emergencies_postgres") else { return };
    read_side(&fresh_pg(&admin).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_urls_are_refused() {
    assert!(matches!(
        Store::open("mysql://x", StoreOptions::default()).await,
        Err(isagate::audit::StoreError::BadUrl(_))
    ));
    assert!(Store::open("sqlite://", StoreOptions::default()).await.is_err());
    let e = Store::open("postgres://u:secret@127.0.0.1:1/db", StoreOptions::default())
        .await
        .unwrap_err();
    assert!(!e.to_string().contains("secret"));
}
