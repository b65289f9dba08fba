//! What `/readyz` answers: the gateway is ready when the record store can commit (its
//! last commit did not fail, and a write probe succeeds), the store's file system has
//! `store.min_free_disk` free (SQLite), and an agreement set is loaded.
//!
//! After a failed commit (or probe), `/readyz` reports that failure, without probing,
//! for `store.ready_retry`; then the next `/readyz` runs a write probe, and its success
//! (or any later commit's) makes the gateway ready again. So readiness follows the last
//! commit even when a small probe would still pass (a nearly full disk), never waits
//! long (a failed store is not probed on every call), and cannot stay stuck once the
//! store recovers (a probe runs at least once per `store.ready_retry` of polling).
//!
//! The free-space gauge `isagate_store_free_disk_bytes` is refreshed by every `/readyz`
//! and every [`DISK_EVERY`]; crossing the floor is logged once each way. PostgreSQL
//! manages its own disk: no gauge and no floor there.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::audit::Store;
use crate::gateway::state::GatewayState;
use crate::shutdown::Shutdown;

/// How often the free-space gauge is refreshed when nobody asks `/readyz`.
pub const DISK_EVERY: Duration = Duration::from_secs(30);

/// One mebibyte, for messages.
const MIB: u64 = 1 << 20;

/// Why the gateway is not ready (text for operators: no personal data, no secret).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum NotReady {
    #[error(
        "free disk space on the store's file system is {free_mib} MiB, below \
         `store.min_free_disk` ({floor_mib} MiB): free space or move the store"
    )]
    DiskBelowFloor { free_mib: u64, floor_mib: u64 },
    #[error("cannot read the free disk space of `{path}`: {error}")]
    DiskUnreadable { path: String, error: String },
    #[error(
        "the last audit commit failed {ago_s} s ago ({error}); a write probe retries \
         {retry_s} s after it (`store.ready_retry`)"
    )]
    CommitFailed { ago_s: u64, retry_s: u64, error: String },
    #[error("the audit store cannot commit: {0}")]
    ProbeFailed(String),
    #[error("no agreements are loaded")]
    NoAgreements,
}

/// The free-space floor of a SQLite store's file system.
#[derive(Debug)]
pub struct DiskFloor {
    path: PathBuf,
    floor: u64,
    /// Below the floor at the last look (for the one log line per crossing).
    below: AtomicBool,
}

impl DiskFloor {
    /// The floor for the store file at `path` (`floor` 0: only the gauge).
    pub fn new(path: PathBuf, floor: u64) -> Arc<Self> {
        Arc::new(Self { path, floor, below: AtomicBool::new(false) })
    }

    /// Look at the free space now: set the gauge, log a crossing of the floor, and say
    /// whether it is met. Runs the `statvfs` on a blocking thread.
    pub async fn check(self: &Arc<Self>) -> Result<u64, NotReady> {
        let this = Arc::clone(self);
        let looked = tokio::task::spawn_blocking(move || free_bytes(&this.path)).await;
        let free = match looked {
            Ok(Ok(free)) => free,
            Ok(Err(error)) => return self.unreadable(error.to_string()),
            Err(error) => return self.unreadable(error.to_string()),
        };
        crate::telemetry::metrics::store_free_disk(free);
        let below = free < self.floor;
        if self.below.swap(below, Ordering::AcqRel) != below {
            if below {
                tracing::error!(
                    free_mib = free / MIB,
                    floor_mib = self.floor / MIB,
                    "store disk space below `store.min_free_disk`: not ready"
                );
            } else {
                tracing::info!(
                    free_mib = free / MIB,
                    floor_mib = self.floor / MIB,
                    "store disk space back above `store.min_free_disk`"
                );
            }
        }
        if below {
            return Err(NotReady::DiskBelowFloor {
                free_mib: free / MIB,
                floor_mib: self.floor / MIB,
            });
        }
        Ok(free)
    }

    /// Unreadable free space fails closed when a floor is set.
    fn unreadable(&self, error: String) -> Result<u64, NotReady> {
        if self.floor == 0 {
            return Ok(0);
        }
        Err(NotReady::DiskUnreadable { path: self.path.display().to_string(), error })
    }

    /// Refresh the gauge every [`DISK_EVERY`] until `stop`.
    pub fn spawn_watch(self: Arc<Self>, stop: Shutdown) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(DISK_EVERY);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            while !stop.is_triggered() {
                tokio::select! {
                    _ = tick.tick() => { let _ = self.check().await; }
                    () = stop.wait() => break,
                }
            }
        })
    }
}

/// Free bytes for an unprivileged writer on the file system holding `path` (its folder
/// when the file is not there yet).
fn free_bytes(path: &std::path::Path) -> std::io::Result<u64> {
    let at = if path.exists() { path } else { path.parent().unwrap_or(path) };
    let s = rustix::fs::statvfs(at)?;
    Ok(s.f_bavail.saturating_mul(s.f_frsize))
}

/// The readiness of one running gateway.
pub struct Readiness {
    pub state: Arc<GatewayState>,
    pub disk: Option<Arc<DiskFloor>>,
    pub retry: Duration,
}

impl Readiness {
    /// Ready, or the first reason not to be.
    pub async fn check(&self) -> Result<(), NotReady> {
        if let Some(disk) = &self.disk {
            disk.check().await?;
        }
        self.store_commits(&self.state.store).await?;
        if self.state.policy.current().set.agreements.is_empty() {
            return Err(NotReady::NoAgreements);
        }
        Ok(())
    }

    /// The last commit's result within `retry`, else a write probe.
    async fn store_commits(&self, store: &Store) -> Result<(), NotReady> {
        if let Some(failure) = store.last_failure() {
            let ago = failure.at.elapsed();
            if ago < self.retry {
                return Err(NotReady::CommitFailed {
                    ago_s: ago.as_secs(),
                    retry_s: self.retry.as_secs(),
                    error: failure.error.to_string(),
                });
            }
        }
        store.ready().await.map_err(|e| NotReady::ProbeFailed(e.to_string()))
    }
}
