//! Helpers shared by the store benches (`audit_append`, `store_scale`): the raw fsync rate
//! of a disk, the figure group commit is read against, and a fresh PostgreSQL database.

use std::io::Write as _;
use std::path::Path;
use std::time::Instant;

/// One `fdatasync` per 300-byte append, as a store without group commit would do, for
/// `secs` seconds in `dir`: appends per second.
pub fn raw_fsync_rate(dir: &Path, secs: f64) -> std::io::Result<f64> {
    let path = dir.join("fsync.bin");
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(&path)?;
    let line = [b'x'; 300];
    let started = Instant::now();
    let mut n = 0u64;
    // Bounded by time, and by count in case the clock misbehaves.
    while started.elapsed().as_secs_f64() < secs && n < 100_000_000 {
        f.write_all(&line)?;
        f.sync_data()?;
        n += 1;
    }
    let rate = n as f64 / started.elapsed().as_secs_f64();
    let _ = std::fs::remove_file(path);
    Ok(rate)
}

/// Create database `name` on the server of `admin` (a URL naming any database it may
/// connect to), first dropping one of that name when `replace`, and return its URL.
pub async fn create_pg_database(admin: &str, name: &str, replace: bool) -> Result<String, String> {
    let (client, conn) =
        tokio_postgres::connect(admin, tokio_postgres::NoTls).await.map_err(|e| e.to_string())?;
    tokio::spawn(conn);
    if replace {
        let drop = format!("DROP DATABASE IF EXISTS {name}");
        client.batch_execute(&drop).await.map_err(|e| e.to_string())?;
    }
    client.batch_execute(&format!("CREATE DATABASE {name}")).await.map_err(|e| e.to_string())?;
    Ok(pg_database_url(admin, name))
}

/// `admin` with its database name replaced by `name`.
pub fn pg_database_url(admin: &str, name: &str) -> String {
    let (base, _) = admin.rsplit_once('/').unwrap_or((admin, ""));
    format!("{base}/{name}")
}
