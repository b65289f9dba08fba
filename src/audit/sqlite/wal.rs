//! WAL checkpoints after acknowledging, not inside a commit. SQLite's own
//! auto-checkpoint runs inside the `COMMIT` that crosses its threshold, so every caller of
//! that batch waits while thousands of pages are copied into the database file and
//! fsynced. The writer turns it off, watches the WAL's size through the WAL hook, and
//! runs the same PASSIVE checkpoint itself once the batch's callers have their answer;
//! appends that arrive meanwhile queue and join the next batch. Durability is SQLite's
//! either way: a record is durable once its WAL frames are fsynced, before `COMMIT`
//! returns. This module owns only the threshold and the bookkeeping.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use rusqlite::Connection;

/// WAL frames (pages) after which the writer checkpoints: SQLite's default threshold.
const CHECKPOINT_FRAMES: i64 = 1000;

/// How big the writer connection's WAL is, and when it was last checkpointed.
pub(super) struct WalWatch {
    frames: Arc<AtomicI64>,
    /// The WAL's size when the last checkpoint ran (it only grows until SQLite restarts
    /// the WAL from the beginning, after a checkpoint that copied every frame).
    at_last_checkpoint: i64,
}

impl WalWatch {
    /// Install the WAL hook on the writer's connection (which turns SQLite's own
    /// auto-checkpoint off: they share the hook).
    pub(super) fn install(conn: &mut Connection) -> rusqlite::Result<Self> {
        let frames = Arc::new(AtomicI64::new(0));
        let seen = frames.clone();
        conn.wal_hook(Some(move |_: &mut rusqlite::hooks::Wal, pages: std::ffi::c_int| {
            seen.store(i64::from(pages), Ordering::Relaxed);
            Ok(())
        }))?;
        Ok(Self { frames, at_last_checkpoint: 0 })
    }

    /// Checkpoint if the WAL grew by the threshold since the last one (call after the
    /// batch's callers were answered). A failed checkpoint loses nothing: the frames stay
    /// in the WAL and the next attempt copies them.
    pub(super) fn maybe_checkpoint(&mut self, conn: &Connection) {
        let frames = self.frames.load(Ordering::Relaxed);
        if frames < self.at_last_checkpoint {
            // SQLite restarted the WAL from its beginning.
            self.at_last_checkpoint = 0;
        }
        if frames - self.at_last_checkpoint < CHECKPOINT_FRAMES {
            return;
        }
        self.at_last_checkpoint = frames;
        if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            tracing::warn!(error = %e, "audit store WAL checkpoint failed; it will be retried");
        }
    }
}
