//! Audit store figures for `docs/perf/audit.md`: appends per second at 1, 16, 64 and
//! 256 concurrent writers for each store, beside the raw fsync rate of the same disk
//! (one `fdatasync` per append, no batching) measured in the same run, and verify speed.
//!
//! `cargo bench --bench audit_append` (release). PostgreSQL is measured when
//! `ISAGATE_TEST_POSTGRES_URL` is set (a fresh database is made). Files go under
//! `target/bench-scratch` (disk-backed). `ISAGATE_BENCH_SECONDS` sets each run's length;
//! `ISAGATE_BENCH_APPEND_ONLY=1` skips verify, `ISAGATE_BENCH_VERIFY_ONLY=1` the appends.
//! Verify walks a SQLite store kept between runs: `ISAGATE_BENCH_VERIFY_DB` names its
//! file (default `target/bench-verify/verify.db`, filled to `ISAGATE_BENCH_VERIFY_RECORDS`,
//! default 300,000; 0 walks the file as it is, e.g. a `store_scale` store), and
//! `ISAGATE_BENCH_VERIFY_RUNS` how many walks to time (default 3).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a benchmark fails loudly"
)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[path = "common/disk.rs"]
mod disk;

use isagate::audit::record::{AgreementRef, Outcome, RecordDraft, RecordKind};
use isagate::audit::{Store, StoreOptions};
use isagate::codes::Direction;

fn draft(n: u64) -> RecordDraft {
    let mut d = RecordDraft::new(RecordKind::Disclosure, Outcome::Forwarded);
    d.direction = Some(Direction::Request);
    d.from = Some("lcc-ssc".into());
    d.to = Some("merseyside-police".into());
    d.caller_cert_sha256 = Some("ab".repeat(32));
    d.requester = Some(format!("staff-{}", n % 50));
    d.method = Some("POST".into());
    d.path_template = Some("/v1/referrals".into());
    d.agreement = Some(AgreementRef {
        id: "ISA-LCC-MERPOL-0007".into(),
        version: 3,
        sha256: "cd".repeat(32),
    });
    d.schema_sha256.insert("referral.v1.json".into(), "ef".repeat(32));
    d.flow = Some("referral".into());
    d.purpose = Some("safeguarding".into());
    d.reason = Some(format!("case CR-{n}: referral after a home visit"));
    d.disclosed = vec!["/child/name".into(), "/child/dob".into(), "/child/address/postcode".into()];
    d.payload_sha256 = Some("01".repeat(32));
    d.received_sha256 = Some("02".repeat(32));
    d.subjects = vec![format!("{:064x}", n)];
    d
}

/// Appends per second with `writers` tasks appending in a loop for `secs`.
async fn append_rate(store: &Store, writers: u64, secs: f64) -> (f64, f64) {
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let before = store.stats();
    let started = Instant::now();
    let tasks: Vec<_> = (0..writers)
        .map(|w| {
            let (store, stop, done) = (store.clone(), stop.clone(), done.clone());
            tokio::spawn(async move {
                let mut i = w << 32;
                while !stop.load(Ordering::Relaxed) {
                    store.append(draft(i)).await.unwrap();
                    done.fetch_add(1, Ordering::Relaxed);
                    i += 1;
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs_f64(secs)).await;
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        t.await.unwrap();
    }
    let elapsed = started.elapsed().as_secs_f64();
    let after = store.stats();
    let per_commit =
        (after.records - before.records) as f64 / (after.commits - before.commits).max(1) as f64;
    (done.load(Ordering::Relaxed) as f64 / elapsed, per_commit)
}

async fn fresh_pg(admin: &str) -> String {
    let name = format!("isagate_bench_{}", uuid::Uuid::now_v7().simple());
    disk::create_pg_database(admin, &name, false).await.unwrap()
}

async fn run_store(label: &str, url: &str, secs: f64, fsync: f64, out: &mut Vec<String>) -> Store {
    let store = Store::open(url, StoreOptions::default()).await.unwrap();
    for writers in [1u64, 16, 64, 256] {
        let (rate, per_commit) = append_rate(&store, writers, secs).await;
        let line =
            format!("| {label} | {writers} | {rate:.0} | {per_commit:.1} | {:.1}x |", rate / fsync);
        println!("{line}");
        out.push(line);
    }
    store
}

async fn verify_rate(store: &Store) -> (u64, f64) {
    let started = Instant::now();
    let report = store.verify(None, &|_, _| {}).await.unwrap();
    assert!(report.ok, "{:?}", report.failure);
    (report.length, report.length as f64 / started.elapsed().as_secs_f64())
}

/// Fill to at least `n` records with many writers (fast: large batches).
async fn fill_to(store: &Store, n: u64) {
    let (_, hi, _) = store.extent().await.unwrap();
    let need = n.saturating_sub(hi);
    let next = Arc::new(AtomicU64::new(0));
    let tasks: Vec<_> = (0..256)
        .map(|_| {
            let (store, next) = (store.clone(), next.clone());
            tokio::spawn(async move {
                while next.fetch_add(1, Ordering::Relaxed) < need {
                    store.append(draft(7)).await.unwrap();
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
}

fn main() {
    let secs: f64 =
        std::env::var("ISAGATE_BENCH_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(3.0);
    let dir: PathBuf =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target").join("bench-scratch");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let verify_only = std::env::var("ISAGATE_BENCH_VERIFY_ONLY").is_ok_and(|v| v == "1");
    rt.block_on(async {
        let mut pg = None;
        if !verify_only {
            let fsync = disk::raw_fsync_rate(&dir, secs).unwrap();
            println!("raw fsync (fdatasync per 300-byte append): {fsync:.0}/s");
            let mut lines = Vec::new();
            println!(
                "| store | writers | appends/s | records per commit | vs one fsync per append |"
            );
            let url = format!("sqlite://{}", dir.join("bench.db").display());
            run_store("sqlite", &url, secs, fsync, &mut lines).await;
            pg = match std::env::var("ISAGATE_TEST_POSTGRES_URL") {
                Ok(admin) if !admin.is_empty() => Some(
                    run_store("postgres", &fresh_pg(&admin).await, secs, fsync, &mut lines).await,
                ),
                _ => {
                    println!("postgres: skipped (set ISAGATE_TEST_POSTGRES_URL)");
                    None
                }
            };
            let fsync_after = disk::raw_fsync_rate(&dir, secs).unwrap();
            println!("raw fsync again after the runs: {fsync_after:.0}/s");
        }
        if std::env::var("ISAGATE_BENCH_APPEND_ONLY").is_ok_and(|v| v == "1") {
            return;
        }
        // Verify: a store kept between runs (filling it is slow), under target/.
        let verify_target: u64 = std::env::var("ISAGATE_BENCH_VERIFY_RECORDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(300_000);
        let vdb = match std::env::var("ISAGATE_BENCH_VERIFY_DB") {
            Ok(p) if !p.is_empty() => PathBuf::from(p),
            _ => dir.with_file_name("bench-verify").join("verify.db"),
        };
        if let Some(parent) = vdb.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        let vstore = Store::open(&format!("sqlite://{}", vdb.display()), StoreOptions::default())
            .await
            .unwrap();
        fill_to(&vstore, verify_target).await;
        let runs: u32 = std::env::var("ISAGATE_BENCH_VERIFY_RUNS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(3);
        for _ in 0..runs {
            let (n, rate) = verify_rate(&vstore).await;
            println!("verify sqlite: {n} records at {rate:.0} records/s");
        }
        if let Some(pg) = pg {
            let (n, rate) = verify_rate(&pg).await;
            println!("verify postgres: {n} records at {rate:.0} records/s");
        }
    });
    let _ = std::fs::remove_dir_all(&dir);
}
