//! Fail closed: a store that cannot commit makes `append` fail within its bound and
//! `ready` report not ready. SQLite: the WAL file made immutable (`chattr +i`, which
//! stops root too; the test proves that first) and a read-only open. PostgreSQL: a
//! private cluster that the test stops and starts again.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use isagate::audit::{Store, StoreOptions};

use super::common::*;
use crate::support::scratch;

fn opts() -> StoreOptions {
    StoreOptions { append_timeout: Duration::from_secs(1), ..StoreOptions::default() }
}

/// Time one call and assert it failed within the bound (plus scheduling slack).
async fn fails_within<T: std::fmt::Debug, E>(
    what: &str,
    f: impl std::future::Future<Output = Result<T, E>>,
) {
    let started = Instant::now();
    let result = f.await;
    let took = started.elapsed();
    assert!(result.is_err(), "{what} succeeded: {result:?}", result = result.as_ref().ok());
    assert!(took < Duration::from_millis(1800), "{what} took {took:?}");
}

/// Clears `chattr +i` on drop so the scratch directory can be removed.
struct Immutable(Vec<PathBuf>);

impl Drop for Immutable {
    fn drop(&mut self) {
        for p in &self.0 {
            let _ = Command::new("chattr").arg("-i").arg(p).status();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn immutable_sqlite_file_fails_closed() {
    let dir = scratch();
    let url = sqlite_url(dir.path());
    let store = Store::open(&url, opts()).await.unwrap();
    store.append(disclosure(1, &[])).await.unwrap();
    let wal = dir.path().join("audit.db-wal");
    let db = dir.path().join("audit.db");
    let ok =
        Command::new("chattr").arg("+i").arg(&wal).arg(&db).status().is_ok_and(|s| s.success());
    let _guard = Immutable(vec![wal.clone(), db.clone()]);
    if !ok {
        assert!(
            std::env::var("ISAGATE_TEST_REQUIRE_POSTGRES").as_deref() != Ok("1"),
            "chattr +i is not available on this file system"
        );
        eprintln!("immutable_sqlite_file_fails_closed: SKIPPED (chattr +i unavailable)");
        return;
    }
    // Root cannot write it either.
    assert!(
        std::fs::OpenOptions::new().append(true).open(&wal).is_err(),
        "root can still write the WAL"
    );
    fails_within("append", store.append(disclosure(2, &[]))).await;
    fails_within("ready", store.ready()).await;
    assert_eq!(store.stats().records, 1);
    drop(_guard);
    // Writable again: the same store recovers, and the chain is whole.
    store.append(disclosure(3, &[])).await.unwrap();
    store.ready().await.unwrap();
    let r = verify(&store).await;
    assert!(r.ok && r.length == 2, "{r:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_sqlite_fails_closed() {
    let dir = scratch();
    let url = filled_sqlite(dir.path(), 3).await;
    let store = Store::open(&format!("{url}?mode=ro"), opts()).await.unwrap();
    fails_within("append", store.append(disclosure(4, &[]))).await;
    fails_within("ready", store.ready()).await;
    assert!(verify(&store).await.ok, "reading still works");
}

fn pg_bin() -> Option<PathBuf> {
    let dir = std::env::var("ISAGATE_TEST_PG_BIN")
        .map_or_else(|_| PathBuf::from("/usr/lib/postgresql/15/bin"), PathBuf::from);
    dir.join("pg_ctl").exists().then_some(dir)
}

fn as_postgres(cmd: &str) -> bool {
    Command::new("su").args(["postgres", "-c", cmd]).status().is_ok_and(|s| s.success())
}

/// A private PostgreSQL cluster in /var/tmp (disk-backed), stopped on drop.
struct Cluster {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
}

impl Cluster {
    fn start(bin: PathBuf) -> Cluster {
        let dir =
            tempfile::Builder::new().prefix("isagate-pg-").tempdir_in("/var/tmp").unwrap().keep();
        Command::new("chown").arg("postgres").arg(&dir).status().unwrap();
        let port = 56000 + (std::process::id() % 1000) as u16;
        let c = Cluster { bin, dir, port };
        assert!(as_postgres(&format!(
            "{}/initdb -D {}/data -A trust -U postgres >/dev/null",
            c.bin.display(),
            c.dir.display()
        )));
        assert!(c.pg_ctl("start"), "private cluster did not start");
        c
    }

    fn pg_ctl(&self, what: &str) -> bool {
        let (b, d, p) = (self.bin.display(), self.dir.display(), self.port);
        match what {
            "start" => as_postgres(&format!(
                "{b}/pg_ctl -D {d}/data -o '-p {p} -k {d} -c listen_addresses=127.0.0.1' -l {d}/log -w start >/dev/null"
            )),
            _ => as_postgres(&format!("{b}/pg_ctl -D {d}/data -m immediate -w stop >/dev/null")),
        }
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.pg_ctl("stop");
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopped_postgres_fails_closed() {
    if pg_admin_url("stopped_postgres_fails_closed").is_none() {
        return;
    }
    let Some(bin) = pg_bin() else {
        panic!("PostgreSQL binaries not found: set ISAGATE_TEST_PG_BIN");
    };
    let cluster = tokio::task::spawn_blocking(move || Cluster::start(bin)).await.unwrap();
    let store = Store::open(&cluster.url(), opts()).await.unwrap();
    fill(&store, 3).await;
    store.ready().await.unwrap();
    let cluster = tokio::task::spawn_blocking(move || {
        assert!(cluster.pg_ctl("stop"));
        cluster
    })
    .await
    .unwrap();
    fails_within("append", store.append(disclosure(4, &[]))).await;
    fails_within("ready", store.ready()).await;
    fails_within("open", Store::open(&cluster.url(), opts())).await;
    // Back up: the writer reconnects and the chain continues.
    let cluster = tokio::task::spawn_blocking(move || {
        assert!(cluster.pg_ctl("start"));
        cluster
    })
    .await
    .unwrap();
    store.append(disclosure(5, &[])).await.unwrap();
    store.ready().await.unwrap();
    let r = verify(&store).await;
    assert!(r.ok && r.length == 4, "{r:?}");
    drop(store);
    tokio::task::spawn_blocking(move || drop(cluster)).await.unwrap();
}
