//! Shared test fixtures: paths to the repository, a disk-backed scratch directory.
#![allow(dead_code, reason = "each test module uses a different subset")]

use std::path::PathBuf;

/// The repository root (where `Cargo.toml` is).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A scratch directory on a disk-backed file system (under `target/`, not `/tmp`, which
/// may be tmpfs), removed when dropped.
pub fn scratch() -> tempfile::TempDir {
    let base = repo().join("target").join("test-scratch");
    let _ = std::fs::create_dir_all(&base);
    tempfile::Builder::new()
        .prefix("t")
        .tempdir_in(base)
        .unwrap_or_else(|e| unreachable!("cannot make a scratch directory: {e}"))
}

/// The `isagate` binary built for these tests.
pub fn isagate_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_isagate"))
}

/// How often [`wait_until`] asks again.
const POLL_EVERY: std::time::Duration = std::time::Duration::from_millis(20);

/// Wait for something to happen: ask `cond` every 20 ms until it answers `true`, and fail
/// the test, naming `what`, once `limit` has passed (bounded in time and in count). Use it
/// instead of a sleep whenever a test waits for a condition; a sleep stays only where the
/// passing of time is itself the behaviour under test.
pub async fn wait_until<F, Fut>(what: &str, limit: std::time::Duration, mut cond: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = std::time::Instant::now();
    let tries = limit.as_millis() / POLL_EVERY.as_millis() + 2;
    for _ in 0..tries {
        if cond().await {
            return;
        }
        if started.elapsed() >= limit {
            break;
        }
        tokio::time::sleep(POLL_EVERY).await;
    }
    unreachable!("timed out after {limit:?} waiting until {what}");
}

/// An error and every error under it, joined: what a test looks into to tell a TLS alert
/// from a refused connection, when the outer error (reqwest's, hyper's) is only a summary.
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut next = e.source();
    for _ in 0..16 {
        let Some(inner) = next else { break };
        text.push_str(": ");
        text.push_str(&inner.to_string());
        next = inner.source();
    }
    text
}
