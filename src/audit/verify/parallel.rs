//! The parallel walk (SQLite): the live seq range is cut into chunks; worker threads,
//! each with its own read-only connection (WAL lets readers run side by side), take the
//! next chunk, read it by primary-key range with borrowed column values and check every
//! row after its first against the one before. The joiner takes the chunks back in seq
//! order, checks each chunk's first row against the last record of the chunk before
//! (the only link a worker cannot see) and stops at the first bad record, so the lowest
//! failing seq is named exactly as the sequential walk names it.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tokio::sync::mpsc;

use super::{ByCheckpoint, Chunk, ChunkWalk, Failure, Joiner, VerifyReport};
use crate::audit::sqlite;
use crate::audit::store::{Backend, Store, StoreError};

struct Shared {
    /// First seq of chunk 0, last seq of the walk, seqs per chunk, number of chunks.
    from: u64,
    to: u64,
    size: u64,
    chunks: u64,
    /// The next chunk nobody has taken.
    next: AtomicU64,
    /// The lowest chunk known to stop the walk: nobody needs the chunks after it.
    stop: AtomicU64,
    by_seq: Arc<ByCheckpoint>,
}

fn read_err(e: rusqlite::Error) -> StoreError {
    StoreError::Read(e.to_string())
}

/// Start the workers over seqs `from..=to`; `None` when this store cannot be read in
/// parallel (not SQLite, or no database file to open again).
pub(super) async fn start(
    store: &Store,
    from: u64,
    to: u64,
    size: u64,
    workers: usize,
    by_seq: Arc<ByCheckpoint>,
) -> Option<(mpsc::Receiver<(u64, Chunk)>, u64)> {
    let Backend::Sqlite(db) = &store.backend else { return None };
    let size = size.max(1);
    let chunks = if to >= from { (to - from) / size + 1 } else { 0 };
    let workers = workers.clamp(1, usize::try_from(chunks).unwrap_or(usize::MAX).max(1));
    let conns = db.extra_readers(workers).await?;
    let shared = Arc::new(Shared {
        from,
        to,
        size,
        chunks,
        next: AtomicU64::new(0),
        stop: AtomicU64::new(u64::MAX),
        by_seq,
    });
    let (tx, rx) = mpsc::channel(4 * workers);
    for conn in conns {
        let (shared, tx) = (shared.clone(), tx.clone());
        tokio::task::spawn_blocking(move || work(&conn, &shared, &tx));
    }
    Some((rx, chunks))
}

/// One worker: take chunks until none is left, or none is needed.
fn work(conn: &rusqlite::Connection, shared: &Shared, tx: &mpsc::Sender<(u64, Chunk)>) {
    loop {
        let i = shared.next.fetch_add(1, Ordering::Relaxed);
        if i >= shared.chunks || i > shared.stop.load(Ordering::Relaxed) || tx.is_closed() {
            return;
        }
        let from = shared.from + i * shared.size;
        let to = from.saturating_add(shared.size - 1).min(shared.to);
        let mut walk = ChunkWalk::new(None, &shared.by_seq, true);
        let read = sqlite::scan_range(conn, from, to, |row| {
            walk.row(sqlite::row_columns_ref(row), || sqlite::read_columns(row).map_err(read_err))
        });
        if let Err(e) = read {
            walk.read_failed(read_err(e));
        }
        let chunk = walk.finish();
        if chunk.stops() {
            shared.stop.fetch_min(i, Ordering::Relaxed);
        }
        if tx.blocking_send((i, chunk)).is_err() {
            return;
        }
    }
}

/// Take the workers' chunks back in seq order and fold them into the walk.
pub(super) async fn join(
    (mut rx, chunks): (mpsc::Receiver<(u64, Chunk)>, u64),
    joiner: &mut Joiner,
    report: &mut VerifyReport,
    total: u64,
    progress: &dyn Fn(u64, u64),
) -> Result<Option<Failure>, StoreError> {
    let mut waiting: BTreeMap<u64, Chunk> = BTreeMap::new();
    let mut next = 0u64;
    while let Some((i, chunk)) = rx.recv().await {
        waiting.insert(i, chunk);
        while let Some(chunk) = waiting.remove(&next) {
            next += 1;
            if let Some(f) = joiner.join(chunk, report)? {
                return Ok(Some(f));
            }
            progress(report.length, total);
        }
    }
    // Every worker has finished: each chunk was walked, or the walk stopped in one of them.
    if next < chunks {
        return Err(StoreError::Read(format!("verify: chunk {next} was not walked")));
    }
    Ok(None)
}
