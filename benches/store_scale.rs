//! The audit store at scale (issue 15): builds a live store of N records (default 10
//! million) through `Store::append` with 64 concurrent writers, records shaped like real
//! traffic (`store_scale/plan.rs`), then prints appends/s beside one fsync per record
//! measured in the same run, bytes per record, `Store::verify` records/s, and p50/p99 of
//! the read-side queries over random inputs (`store_scale/queries.rs`).
//!
//! ```sh
//! cargo bench --bench store_scale -- --records 200000          # a smoke run
//! cargo bench --bench store_scale                               # 10 million records
//! cargo bench --bench store_scale -- --reuse                    # queries again, same store
//! cargo bench --bench store_scale -- --postgres postgres://postgres@127.0.0.1:5432/postgres
//! ```
//!
//! How to read the figures: `docs/perf/store-scale.md`.

#[path = "common/disk.rs"]
mod disk;
#[path = "store_scale/generate.rs"]
mod generate;
#[path = "store_scale/plan.rs"]
mod plan;
#[path = "store_scale/queries.rs"]
mod queries;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use clap::Parser;
use isagate::audit::{Store, StoreOptions};
use serde::{Deserialize, Serialize};

/// The store at 10 million records: appends, size, verify and queries.
#[derive(Debug, Clone, Parser)]
struct Args {
    /// Records to generate on SQLite.
    #[arg(long, default_value_t = 10_000_000)]
    records: u64,
    /// Folder of the generated SQLite store and its manifest (default target/store-scale;
    /// put it on the disk you mean to measure).
    #[arg(long)]
    path: Option<PathBuf>,
    /// Open the store generated before instead of generating one (queries, verify, size).
    #[arg(long)]
    reuse: bool,
    /// Concurrent writers while generating.
    #[arg(long, default_value_t = 64)]
    writers: u64,
    /// The records' times spread over this many days, ending now.
    #[arg(long, default_value_t = 30)]
    days: u64,
    /// Random inputs per query.
    #[arg(long, default_value_t = 200)]
    samples: usize,
    /// The longest one query's samples may take, in seconds.
    #[arg(long, default_value_t = 60)]
    query_seconds: u64,
    /// The time range of the range queries, in minutes.
    #[arg(long, default_value_t = 60)]
    window_minutes: i64,
    /// Stop generating after this many minutes (the store is then smaller than planned).
    #[arg(long, default_value_t = 180)]
    max_minutes: u64,
    /// Seconds of one-fsync-per-record measurement before and after generating.
    #[arg(long, default_value_t = 3.0)]
    fsync_seconds: f64,
    /// Also measure PostgreSQL: a URL of a database to connect to; the bench creates its
    /// own database `isagate_store_scale` there (dropped and remade unless --reuse).
    #[arg(long)]
    postgres: Option<String>,
    /// Records to generate on PostgreSQL.
    #[arg(long, default_value_t = 1_000_000)]
    pg_records: u64,
    /// Skip `Store::verify`.
    #[arg(long)]
    no_verify: bool,
    #[arg(long, default_value_t = 15)]
    seed: u64,
    /// Passed by `cargo bench`; ignored.
    #[arg(long, hide = true)]
    bench: bool,
}

/// What was generated, kept beside the store for `--reuse`.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Manifest {
    url: String,
    seed: u64,
    planned: u64,
    records: u64,
    subjects: u32,
    complete: bool,
    first: jiff::Timestamp,
    last: jiff::Timestamp,
}

const PG_DATABASE: &str = "isagate_store_scale";

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let dir = args.path.clone().unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target").join("store-scale")
    });
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async {
        let url = format!("sqlite://{}", dir.join("store.db").display());
        run("sqlite", &url, args.records, &dir, &dir.join("manifest.json"), &args).await?;
        if let Some(admin) = &args.postgres {
            let url = disk::pg_database_url(admin, PG_DATABASE);
            if !args.reuse {
                disk::create_pg_database(admin, PG_DATABASE, true)
                    .await
                    .map_err(anyhow::Error::msg)?;
            }
            run("postgres", &url, args.pg_records, &dir, &dir.join("pg-manifest.json"), &args)
                .await?;
        }
        Ok(())
    })
}

/// Generate (or reopen) one store and print its figures.
async fn run(
    backend: &str,
    url: &str,
    records: u64,
    dir: &Path,
    manifest_file: &Path,
    args: &Args,
) -> anyhow::Result<()> {
    println!("\n## {backend}\n");
    let (store, manifest) = if args.reuse {
        let text = std::fs::read_to_string(manifest_file).with_context(|| {
            format!("no generated store at {} (run once without --reuse)", manifest_file.display())
        })?;
        let manifest: Manifest = serde_json::from_str(&text)?;
        if manifest.url != url {
            bail!("{} describes {}, not {url}", manifest_file.display(), manifest.url);
        }
        println!("| figure | value |\n|---|---|");
        println!(
            "| appends | not measured (--reuse: the store of {} planned records) |",
            manifest.planned
        );
        (Store::open(url, StoreOptions::default()).await?, manifest)
    } else {
        if backend == "sqlite" {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(dir.join(format!("store.db{suffix}")));
            }
        }
        let fsync_before = disk::raw_fsync_rate(dir, args.fsync_seconds)?;
        let g = generate::generate(url, records, args).await?;
        let fsync_after = disk::raw_fsync_rate(dir, args.fsync_seconds)?;
        let fsync = (fsync_before + fsync_after) / 2.0;
        println!("| figure | value |\n|---|---|");
        println!(
            "| records appended | {} of {} planned{} |",
            g.manifest.records,
            records,
            if g.manifest.complete { "" } else { " (stopped by --max-minutes)" }
        );
        println!("| subjects (1 to 100 records each) | {} |", g.manifest.subjects);
        println!("| appends/s at {} writers, whole run | {:.0} |", args.writers, g.rate);
        println!("| appends/s at {} writers, last 10 % | {:.0} |", args.writers, g.rate_last);
        println!("| records per commit | {:.1} |", g.per_commit);
        println!(
            "| one fsync per record (before / after), /s | {fsync_before:.0} / {fsync_after:.0} |"
        );
        println!(
            "| appends/s against one fsync per record | {:.1}x (last 10 %: {:.1}x) |",
            g.rate / fsync,
            g.rate_last / fsync
        );
        std::fs::write(manifest_file, serde_json::to_string_pretty(&g.manifest)?)?;
        (g.store, g.manifest)
    };
    if let Some(d) = store.durability() {
        println!(
            "| SQLite journal_mode / synchronous | {} / {} (2 = FULL) |",
            d.journal_mode, d.synchronous
        );
    }
    let (_, _, live) = store.extent().await?;
    println!("| live records | {live} |");
    size(backend, url, dir, live).await?;
    if !args.no_verify {
        let started = Instant::now();
        let report = store.verify(None, &|_, _| {}).await?;
        let secs = started.elapsed().as_secs_f64();
        if !report.ok {
            bail!("verify failed: {:?}", report.failure);
        }
        println!(
            "| Store::verify | {} records in {secs:.1} s: {:.0} records/s |",
            report.length,
            report.length as f64 / secs
        );
    }
    let keys = plan::Subjects::new(manifest.seed).map_err(anyhow::Error::msg)?;
    let space = queries::Space {
        seed: manifest.seed,
        subjects: manifest.subjects,
        complete: manifest.complete && live == manifest.records,
        first: manifest.first,
        last: manifest.last,
        window: jiff::SignedDuration::from_mins(args.window_minutes),
        keys: &keys,
    };
    println!("\n| query | samples | p50 ms | p99 ms | max ms | rows per answer | wrong answers |");
    println!("|---|---|---|---|---|---|---|");
    let budget = Duration::from_secs(args.query_seconds);
    for (i, query) in queries::table().iter().enumerate() {
        let seed = manifest.seed ^ (i as u64 + 1) << 32;
        let t = queries::time(&store, query, &space, seed, args.samples, budget).await?;
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        let wrong = if space.complete || i != 0 { t.inexact.to_string() } else { "-".into() };
        println!(
            "| {} | {} | {:.2} | {:.2} | {:.2} | {:.1} | {wrong} |",
            query.name,
            t.samples,
            ms(t.p50),
            ms(t.p99),
            ms(t.max),
            t.mean_rows
        );
    }
    Ok(())
}

/// The store's bytes per record: SQLite's files (and its tables, where SQLite can say),
/// PostgreSQL's database.
async fn size(backend: &str, url: &str, dir: &Path, live: u64) -> anyhow::Result<()> {
    let per = |bytes: u64| bytes as f64 / live.max(1) as f64;
    if backend == "sqlite" {
        let file =
            |s: &str| std::fs::metadata(dir.join(format!("store.db{s}"))).map_or(0, |m| m.len());
        let (db, wal) = (file(""), file("-wal"));
        println!(
            "| bytes per record: database file / with WAL | {:.0} / {:.0} ({db} + {wal} bytes) |",
            per(db),
            per(db + wal)
        );
        let conn = rusqlite::Connection::open_with_flags(
            dir.join("store.db"),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )?;
        let tables = conn
            .prepare("SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC")
            .and_then(|mut s| {
                s.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?
                    .collect::<Result<Vec<_>, _>>()
            });
        match tables {
            Ok(t) => {
                let parts: Vec<String> = t
                    .iter()
                    .take(8)
                    .map(|(n, b)| format!("{n} {:.0}", per(u64::try_from(*b).unwrap_or(0))))
                    .collect();
                println!("| bytes per record by table and index | {} |", parts.join(", "));
            }
            Err(e) => println!("| bytes per record by table and index | unknown ({e}) |"),
        }
    } else {
        let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
        tokio::spawn(conn);
        let row = client.query_one("SELECT pg_database_size(current_database())", &[]).await?;
        let bytes = u64::try_from(row.get::<_, i64>(0)).unwrap_or(0);
        println!("| bytes per record: database | {:.0} ({bytes} bytes) |", per(bytes));
        // Each table with its indexes and TOAST: what the records cost, without the
        // few megabytes an empty database holds.
        let tables = client
            .query(
                "SELECT c.relname::text, pg_total_relation_size(c.oid) FROM pg_class c \
                 JOIN pg_namespace n ON n.oid = c.relnamespace \
                 WHERE n.nspname = current_schema() AND c.relkind = 'r' ORDER BY 2 DESC",
                &[],
            )
            .await?;
        let parts: Vec<String> = tables
            .iter()
            .take(8)
            .map(|r| {
                let b = u64::try_from(r.get::<_, i64>(1)).unwrap_or(0);
                format!("{} {:.0}", r.get::<_, String>(0), per(b))
            })
            .collect();
        println!("| bytes per record by table (with its indexes) | {} |", parts.join(", "));
    }
    Ok(())
}
