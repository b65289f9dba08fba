//! The SQLite writer's subject index, kept off the commit path
//! (`docs/decisions/0005-subject-index.md`). A batch's records are committed and
//! acknowledged without their `record_subjects` rows; the writer keeps those rows and
//! writes them later, with the watermark ([`WATERMARK`]) in the same transaction: in
//! the transaction of a later batch once enough have gathered, or in one of their own
//! when no append came for [`IDLE`]. Subject access reads the index up to the watermark
//! and scans the records after it, so an index that lags is never an incomplete answer.
//!
//! The watermark only moves over records whose rows are written: over this writer's own
//! records when they follow it without a gap and nobody else moved it, otherwise by
//! reading the records' bytes back ([`index_records`]): after a crash (at open), after a
//! migration, and when another process (a CLI command) appended in between.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, TransactionBehavior};

use crate::audit::store::{to_i64, to_u64};
use crate::audit::subject_index::{keys_of_body, WATERMARK, WATERMARK_SQL};

/// Rows kept before they ride on the next batch's transaction.
const FLUSH_ROWS: usize = 1024;
/// Records the watermark may lag this writer's head before the rows ride on a batch
/// (bounds what subject access scans).
const MAX_LAG: u64 = 2048;
/// No append for this long: write the kept rows in a transaction of their own.
pub(super) const IDLE: Duration = Duration::from_millis(10);
/// Records read back per transaction when catching up.
const CATCH_UP_CHUNK: u64 = 2048;

/// An index row: a subject key and the seq of a record naming it.
pub(super) type IndexRow = (i64, i64);

/// What this writer knows of the index beyond what the database holds.
pub(super) struct SubjectIndexer {
    /// The watermark as this writer last wrote or read it.
    through: u64,
    /// The rows of this writer's records after `through`, up to `kept_through`.
    rows: Vec<IndexRow>,
    kept_through: u64,
    /// A record this writer has no rows for follows `through` (another process wrote
    /// it, or a catch-up is unfinished): the next write reads records back instead.
    behind: bool,
    /// An idle write failed: wait for the next batch before trying again.
    idle_failed: bool,
    /// Tests (`Store::hold_subject_index`): write no rows, so subject access must scan.
    held: Arc<AtomicBool>,
}

/// What a write put in its transaction; applied once that transaction committed.
pub(super) struct Written {
    through: u64,
    /// The catch-up read every record there was.
    caught_up: bool,
}

fn watermark(conn: &Connection) -> rusqlite::Result<u64> {
    conn.query_row(&format!("SELECT {WATERMARK_SQL}"), [], |r| r.get(0)).map(to_u64)
}

fn set_watermark(conn: &Connection, through: u64) -> rusqlite::Result<()> {
    conn.prepare_cached("INSERT OR REPLACE INTO audit_meta (name, value) VALUES (?1, ?2)")?
        .execute(rusqlite::params![WATERMARK, to_i64(through)])
        .map(drop)
}

fn insert_rows<'a>(
    conn: &Connection,
    rows: impl Iterator<Item = &'a IndexRow>,
) -> rusqlite::Result<()> {
    let mut insert = conn.prepare_cached(
        "INSERT OR IGNORE INTO record_subjects (subject_key, seq) VALUES (?1, ?2)",
    )?;
    for (key, seq) in rows {
        insert.execute([key, seq])?;
    }
    Ok(())
}

/// Index up to `limit` records after `after`, read back from their bytes, and move the
/// watermark over them: the new watermark, and whether no record follows it.
pub(super) fn index_records(
    conn: &Connection,
    after: u64,
    limit: u64,
) -> rusqlite::Result<Written> {
    let mut rows = Vec::new();
    let mut last = after;
    let mut n = 0u64;
    {
        let mut select = conn
            .prepare_cached("SELECT seq, body FROM records WHERE seq > ?1 ORDER BY seq LIMIT ?2")?;
        let mut found = select.query([to_i64(after), to_i64(limit)])?;
        while let Some(row) = found.next()? {
            let seq: i64 = row.get(0)?;
            let keys = match row.get_ref(1)? {
                ValueRef::Text(b) | ValueRef::Blob(b) => {
                    std::str::from_utf8(b).map(keys_of_body).unwrap_or_default()
                }
                _ => Vec::new(),
            };
            rows.extend(keys.into_iter().map(|k| (k, seq)));
            last = to_u64(seq);
            n += 1;
        }
    }
    insert_rows(conn, rows.iter())?;
    set_watermark(conn, last)?;
    Ok(Written { through: last, caught_up: n < limit })
}

impl SubjectIndexer {
    /// At open: catch the index up with every record (in transactions of
    /// [`CATCH_UP_CHUNK`] records), and start from there. A catch-up that fails (the
    /// write lock held elsewhere beyond the busy timeout) is logged, and the writer goes
    /// on with it batch by batch: the store opens whatever the index's state.
    pub(super) fn open(conn: &mut Connection, held: Arc<AtomicBool>) -> rusqlite::Result<Self> {
        let head: i64 =
            conn.query_row("SELECT coalesce(max(seq), 0) FROM records", [], |r| r.get(0))?;
        let mut through = watermark(conn)?;
        // Bounded: each round moves the watermark over CATCH_UP_CHUNK records or ends.
        let rounds = to_u64(head).saturating_sub(through) / CATCH_UP_CHUNK + 2;
        for _ in 0..rounds {
            if through >= to_u64(head) {
                break;
            }
            let round =
                conn.transaction_with_behavior(TransactionBehavior::Immediate).and_then(|tx| {
                    let w = index_records(&tx, watermark(&tx)?, CATCH_UP_CHUNK)?;
                    tx.commit()?;
                    Ok(w)
                });
            match round {
                Ok(w) if w.caught_up => {
                    through = w.through;
                    break;
                }
                Ok(w) => through = w.through,
                Err(e) => {
                    tracing::warn!(error = %e, "the subject index could not catch up at open; the writer goes on with it");
                    break;
                }
            }
        }
        Ok(Self {
            through,
            rows: Vec::new(),
            kept_through: through,
            behind: through < to_u64(head),
            idle_failed: false,
            held,
        })
    }

    fn held(&self) -> bool {
        self.held.load(Ordering::Acquire)
    }

    /// Whether anything waits to be written (and may be).
    pub(super) fn pending(&self) -> bool {
        !self.held() && self.waiting()
    }

    fn waiting(&self) -> bool {
        self.behind || self.kept_through > self.through
    }

    /// Whether a batch's transaction should carry the write now.
    pub(super) fn due(&self) -> bool {
        self.pending()
            && (self.behind
                || self.rows.len() >= FLUSH_ROWS
                || self.kept_through.saturating_sub(self.through) >= MAX_LAG)
    }

    /// Whether the writer should look again after [`IDLE`] without an append (also while
    /// held, so that a release is noticed).
    pub(super) fn idle_work(&self) -> bool {
        self.waiting() && !self.idle_failed
    }

    /// Write what waits inside the caller's transaction (rows of records up to
    /// `archived_to` are left out: that transaction removes those records). Changes
    /// nothing here: [`Self::written`] applies it once the transaction committed.
    pub(super) fn write(
        &self,
        conn: &Connection,
        archived_to: Option<u64>,
    ) -> rusqlite::Result<Written> {
        let through = watermark(conn)?;
        if self.behind || through != self.through {
            return index_records(conn, through, CATCH_UP_CHUNK);
        }
        let live = |r: &&IndexRow| archived_to.is_none_or(|to| to_u64(r.1) > to);
        insert_rows(conn, self.rows.iter().filter(live))?;
        set_watermark(conn, self.kept_through)?;
        Ok(Written { through: self.kept_through, caught_up: true })
    }

    /// The transaction holding `w` committed.
    pub(super) fn written(&mut self, w: Written) {
        self.rows.clear();
        self.through = w.through;
        self.kept_through = w.through;
        self.behind = !w.caught_up;
    }

    /// This writer committed the records `first..=last`, naming `rows`.
    pub(super) fn committed(&mut self, first: u64, last: u64, rows: Vec<IndexRow>) {
        self.idle_failed = false;
        if !self.behind && first == self.kept_through + 1 {
            self.rows.extend(rows);
            self.kept_through = last;
        } else {
            // Someone else's records lie between: read them all back.
            self.behind = true;
            self.rows.clear();
        }
    }

    /// No append came for [`IDLE`] (or the writer stops): write in a transaction of its own.
    pub(super) fn write_idle(&mut self, conn: &mut Connection) {
        if !self.pending() {
            return;
        }
        let result =
            conn.transaction_with_behavior(TransactionBehavior::Immediate).and_then(|tx| {
                let w = self.write(&tx, None)?;
                tx.commit()?;
                Ok(w)
            });
        match result {
            Ok(w) => self.written(w),
            Err(e) => {
                self.idle_failed = true;
                tracing::warn!(error = %e, "the subject index could not be written; subject access scans the records after it");
            }
        }
    }
}
