//! The SQLite store (`sqlite://PATH`): WAL with `synchronous=FULL`, so that each commit
//! is fsynced before it returns. One writer thread owns the writing connection and
//! drains a channel: the jobs queued behind the first (and those that
//! [`super::batch::wait_for_more`] waits for) go into one `BEGIN IMMEDIATE`
//! transaction, and only after `COMMIT` returns does anyone hear `Ok`.
//! Readers use a second connection. This module must not acknowledge before commit.
//! The subject index rows of a batch are written after it is acknowledged (`subjects`).

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rusqlite::types::{ToSql, ValueRef};
use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use super::batch::{Batch, MAX_BATCH};
use super::checkpoint::Checkpointer;
use super::clock::{format_time, Clock};
use super::columns::{self, column_params, ColumnSource, Columns, COLUMNS};
use super::prepared::Prepared;
use super::store::{Committed, Durability, Head, Job, Param, Stats, StoreError, StoreOptions};

mod migrate;
mod subjects;
mod wal;

use migrate::migrate;

/// Appends that may queue before `append` answers `Overloaded`.
const QUEUE: usize = 65_536;

/// The writer connection's page cache (SQLite's default is 2 MiB).
const WRITER_CACHE_KIB: u32 = 32 * 1024;

/// The tables and indexes, all `IF NOT EXISTS`.
fn schema() -> String {
    columns::records_schema("INTEGER", " WITHOUT ROWID")
        + "CREATE TABLE IF NOT EXISTS audit_ready (id INTEGER PRIMARY KEY CHECK (id = 1), at TEXT NOT NULL);\n"
        + &super::subject_index::meta_table("INTEGER")
        + super::texts::TEXTS_TABLE
}

/// The SQLite backend: a channel to the writer thread and a reading connection.
#[derive(Clone)]
pub(crate) struct Sqlite {
    tx: SyncSender<Job>,
    reader: Arc<Mutex<Connection>>,
    /// An older store opened read-only: its rows were converted into a temporary table
    /// of the reading connection, which other connections do not see.
    converted: bool,
    /// Tests: the writer keeps the subject index rows and writes none.
    hold_index: Arc<AtomicBool>,
}

fn open_err(e: impl std::fmt::Display) -> StoreError {
    StoreError::Open(e.to_string())
}

/// `PATH` or `PATH?mode=ro` (read-only: every commit fails; for tests and inspection).
fn parse(spec: &str) -> Result<(PathBuf, bool), StoreError> {
    let (path, query) = spec.split_once('?').unwrap_or((spec, ""));
    let read_only = match query {
        "" | "mode=rw" => false,
        "mode=ro" => true,
        _ => return Err(StoreError::BadUrl(format!("sqlite://{spec}"))),
    };
    if path.is_empty() {
        return Err(StoreError::BadUrl(format!("sqlite://{spec}")));
    }
    Ok((PathBuf::from(path), read_only))
}

/// Whether a store url opens the SQLite file read-only (`sqlite://PATH?mode=ro`): such a
/// store can be read and verified but never written.
pub fn opens_read_only(url: &str) -> bool {
    url.strip_prefix("sqlite://").and_then(|spec| parse(spec).ok()).is_some_and(|(_, ro)| ro)
}

fn connect(path: &PathBuf, read_only: bool, busy: Duration) -> Result<Connection, StoreError> {
    let flags = if read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
    };
    let conn = Connection::open_with_flags(path, flags).map_err(open_err)?;
    conn.busy_timeout(busy).map_err(open_err)?;
    Ok(conn)
}

/// Set WAL and `synchronous=FULL`, read both back, and refuse anything less.
fn make_durable(conn: &Connection) -> Result<Durability, StoreError> {
    let journal_mode: String =
        conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)).map_err(open_err)?;
    conn.execute_batch("PRAGMA synchronous = FULL").map_err(open_err)?;
    let synchronous: i64 =
        conn.query_row("PRAGMA synchronous", [], |r| r.get(0)).map_err(open_err)?;
    if !journal_mode.eq_ignore_ascii_case("wal") || synchronous != 2 {
        return Err(StoreError::NotDurable(format!(
            "journal_mode `{journal_mode}`, synchronous `{synchronous}` (need `wal` and 2)"
        )));
    }
    Ok(Durability { journal_mode: journal_mode.to_lowercase(), synchronous })
}

impl Sqlite {
    pub(crate) async fn open(
        spec: &str,
        opts: &StoreOptions,
        clock: Arc<dyn Clock>,
        stats: Arc<Stats>,
        checkpointer: Option<Checkpointer>,
    ) -> Result<(Sqlite, Durability), StoreError> {
        let (path, read_only) = parse(spec)?;
        let busy = opts.append_timeout;
        let window = opts.group_commit_window;
        let hold_index = Arc::new(AtomicBool::new(false));
        let held = hold_index.clone();
        let opened = tokio::task::spawn_blocking(move || {
            let mut conn = connect(&path, read_only, busy)?;
            let durability = make_durable(&conn)?;
            if !read_only {
                migrate(&mut conn, false)?;
            }
            let index = if read_only {
                None
            } else {
                Some(subjects::SubjectIndexer::open(&mut conn, held).map_err(open_err)?)
            };
            // The writer touches random pages of the subject index: keep them cached.
            conn.execute_batch(&format!("PRAGMA cache_size = -{WRITER_CACHE_KIB}"))
                .map_err(open_err)?;
            let wal = wal::WalWatch::install(&mut conn).map_err(open_err)?;
            let mut reader = connect(&path, read_only, busy)?;
            let converted = read_only && migrate(&mut reader, read_only)?;
            Ok::<_, StoreError>((conn, wal, reader, durability, converted, index))
        })
        .await
        .map_err(open_err)??;
        let (conn, wal, reader, durability, converted, index) = opened;
        let (tx, rx) = std::sync::mpsc::sync_channel(QUEUE);
        std::thread::Builder::new()
            .name("isagate-audit-sqlite".into())
            .spawn(move || {
                Writer { conn, wal, clock, stats, checkpointer, window, index }.run(rx);
            })
            .map_err(open_err)?;
        let reader = Arc::new(Mutex::new(reader));
        Ok((Sqlite { tx, reader, converted, hold_index }, durability))
    }

    /// Tests: while `hold` is set, the writer writes no subject index rows.
    pub(crate) fn hold_subject_index(&self, hold: bool) {
        self.hold_index.store(hold, std::sync::atomic::Ordering::Release);
    }

    pub(crate) fn try_send(&self, job: Job) -> Result<(), StoreError> {
        self.tx.try_send(job).map_err(|e| match e {
            TrySendError::Full(_) => StoreError::Overloaded,
            TrySendError::Disconnected(_) => StoreError::Closed,
        })
    }

    async fn with_reader<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        let reader = self.reader.clone();
        tokio::task::spawn_blocking(move || {
            let conn =
                reader.lock().map_err(|_| StoreError::Read("reader lock poisoned".into()))?;
            f(&conn).map_err(|e| StoreError::Read(e.to_string()))
        })
        .await
        .map_err(|e| StoreError::Read(e.to_string()))?
    }

    pub(crate) async fn select(
        &self,
        tail: &str,
        params: Vec<Param>,
    ) -> Result<Vec<Columns>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM records {}", tail.replace('$', "?"));
        self.with_reader(move |conn| {
            let mut stmt = conn.prepare_cached(&sql)?;
            let rows = stmt
                .query_map(rusqlite::params_from_iter(params.iter().map(to_sql)), read_columns)?;
            rows.collect()
        })
        .await
    }

    pub(crate) async fn scalar(&self, sql: &str, params: Vec<Param>) -> Result<i64, StoreError> {
        let sql = sql.replace('$', "?");
        self.with_reader(move |conn| {
            let mut stmt = conn.prepare_cached(&sql)?;
            stmt.query_row(rusqlite::params_from_iter(params.iter().map(to_sql)), |r| {
                r.get::<_, Option<i64>>(0).map(|v| v.unwrap_or(0))
            })
        })
        .await
    }
}

impl Sqlite {
    /// One statement on the reading connection (WAL lets it write beside the writer; the
    /// busy timeout bounds the wait): the agreement texts, never the chain.
    pub(crate) async fn execute(&self, sql: &str, params: Vec<Param>) -> Result<(), StoreError> {
        let sql = sql.replace('$', "?");
        self.with_reader(move |conn| {
            conn.prepare_cached(&sql)?
                .execute(rusqlite::params_from_iter(params.iter().map(to_sql)))
                .map(drop)
        })
        .await
    }

    pub(crate) async fn texts(
        &self,
        sql: &str,
        params: Vec<Param>,
    ) -> Result<Vec<String>, StoreError> {
        let sql = sql.replace('$', "?");
        self.with_reader(move |conn| {
            let mut stmt = conn.prepare_cached(&sql)?;
            let rows = stmt
                .query_map(rusqlite::params_from_iter(params.iter().map(to_sql)), |r| r.get(0))?;
            rows.collect()
        })
        .await
    }
}

fn to_sql(p: &Param) -> &dyn ToSql {
    match p {
        Param::Int(i) => i,
        Param::Text(s) => s,
    }
}

/// A row as every reader reads it.
pub(crate) fn read_columns(r: &rusqlite::Row<'_>) -> rusqlite::Result<Columns> {
    Columns::read(r)
}

impl ColumnSource for rusqlite::Row<'_> {
    type Text = String;
    type Error = rusqlite::Error;
    fn text(&self, i: usize) -> rusqlite::Result<String> {
        match self.get_ref(i)? {
            ValueRef::Blob(_) => self.opt_text(i)?.ok_or(rusqlite::Error::InvalidQuery),
            _ => self.get(i),
        }
    }
    /// Text, or a blob holding UTF-8 (a body written back as a blob by hand).
    fn opt_text(&self, i: usize) -> rusqlite::Result<Option<String>> {
        match self.get_ref(i)? {
            ValueRef::Blob(b) => std::str::from_utf8(b)
                .map(|t| Some(t.to_owned()))
                .map_err(|e| rusqlite::Error::Utf8Error(i, e)),
            _ => self.get(i),
        }
    }
    fn int(&self, i: usize) -> rusqlite::Result<i64> {
        self.get(i)
    }
    fn opt_int(&self, i: usize) -> rusqlite::Result<Option<i64>> {
        self.get(i)
    }
}

/// The insert statement for one record (one placeholder per column).
static INSERT_SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let marks: Vec<String> = (1..=super::columns::COLUMN_COUNT).map(|i| format!("?{i}")).collect();
    format!("INSERT INTO records ({COLUMNS}) VALUES ({})", marks.join(", "))
});

fn insert(stmt: &mut rusqlite::CachedStatement<'_>, c: &Columns) -> rusqlite::Result<()> {
    let p = column_params!(c, dyn ToSql);
    stmt.execute(&p[..])?;
    Ok(())
}

/// The writer thread's state.
struct Writer {
    conn: Connection,
    wal: wal::WalWatch,
    clock: Arc<dyn Clock>,
    stats: Arc<Stats>,
    checkpointer: Option<Checkpointer>,
    window: Duration,
    /// The subject index rows not yet written (`None`: a read-only store).
    index: Option<subjects::SubjectIndexer>,
}

impl Writer {
    fn run(mut self, rx: Receiver<Job>) {
        let idle =
            self.checkpointer.as_ref().map_or(Duration::from_secs(3600), Checkpointer::every);
        loop {
            let index_waits = self.index.as_ref().is_some_and(subjects::SubjectIndexer::idle_work);
            let wait = if index_waits { idle.min(subjects::IDLE) } else { idle };
            let first = match rx.recv_timeout(wait) {
                Ok(job) => job,
                Err(RecvTimeoutError::Timeout) => {
                    if let Some(index) = &mut self.index {
                        index.write_idle(&mut self.conn);
                    }
                    if let Some(c) = &mut self.checkpointer {
                        c.tick();
                    }
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => {
                    if let Some(index) = &mut self.index {
                        index.write_idle(&mut self.conn);
                    }
                    return;
                }
            };
            let mut jobs = vec![first];
            let started = Instant::now();
            while jobs.len() < MAX_BATCH {
                let Some(wait) =
                    super::batch::wait_for_more(&self.stats, jobs.len(), started, self.window)
                else {
                    break;
                };
                match rx.recv_timeout(wait) {
                    Ok(job) => jobs.push(job),
                    Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => break,
                }
            }
            // Whatever else is already queued joins too.
            while jobs.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(job) => jobs.push(job),
                    Err(_) => break,
                }
            }
            self.run_batch(Batch::from_jobs(jobs));
        }
    }

    fn run_batch(&mut self, mut batch: Batch) {
        if batch.needs_commit() {
            let drafts = std::mem::take(&mut batch.drafts);
            let started = Instant::now();
            let result = self.commit(drafts, None);
            batch.settle(result, started, &self.stats, self.checkpointer.as_mut());
        }
        for (to_seq, anchor, ack) in std::mem::take(&mut batch.archives) {
            let result = self.commit(vec![anchor], Some(to_seq)).map(|(mut c, _)| c.remove(0));
            let _ = ack.send(result);
        }
        // Everyone has their answer: now copy the WAL back if it grew enough.
        self.wal.maybe_checkpoint(&self.conn);
    }

    /// One transaction: optionally remove the archived prefix, write the subject index
    /// rows kept from earlier batches when they are due, chain and insert the drafts (or,
    /// for readiness checks alone, rewrite the readiness row), commit.
    fn commit(
        &mut self,
        drafts: Vec<Prepared>,
        archive_to: Option<u64>,
    ) -> Result<(Vec<Committed>, Head), StoreError> {
        let fail = |e: rusqlite::Error| StoreError::CommitFailed(e.to_string());
        let now = format_time(self.clock.now());
        let mut tx =
            self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(fail)?;
        let mut head = tx
            .prepare_cached("SELECT seq, hash, time FROM records ORDER BY seq DESC LIMIT 1")
            .and_then(|mut head| {
                head.query_row([], |r| {
                    let seq = super::store::to_u64(r.get(0)?);
                    Ok(Head { seq, hash: r.get(1)?, time: r.get(2)? })
                })
            })
            .or_else(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Ok(Head::genesis()),
                e => Err(e),
            })
            .map_err(fail)?;
        if let Some(to) = archive_to {
            let to = super::store::to_i64(to);
            tx.execute("DELETE FROM record_subjects WHERE seq <= ?1", [to]).map_err(fail)?;
            tx.execute("DELETE FROM records WHERE seq <= ?1", [to]).map_err(fail)?;
        }
        let index_written = match &self.index {
            Some(index) if index.due() || (archive_to.is_some() && index.pending()) => {
                write_index(&mut tx, index, archive_to)
            }
            _ => None,
        };
        let mut committed = Vec::with_capacity(drafts.len());
        let mut index_rows = Vec::new();
        // A batch of records proves the store writable by itself; a batch holding only
        // readiness checks commits a write of its own (the `audit_ready` row).
        let only_readiness = drafts.is_empty();
        {
            let mut insert_record = tx.prepare_cached(&INSERT_SQL).map_err(fail)?;
            for mut p in drafts {
                committed.push(head.chain(&mut p, &now));
                insert(&mut insert_record, &p.columns).map_err(fail)?;
                index_rows.extend(p.subject_keys.iter().map(|k| (*k, p.columns.seq)));
            }
        }
        if only_readiness {
            tx.prepare_cached("INSERT OR REPLACE INTO audit_ready (id, at) VALUES (1, ?1)")
                .and_then(|mut ready| ready.execute([&now]))
                .map_err(fail)?;
        }
        tx.commit().map_err(fail)?;
        if let Some(index) = &mut self.index {
            if let Some(w) = index_written {
                index.written(w);
            }
            if let (Some(first), Some(last)) = (committed.first(), committed.last()) {
                index.committed(first.seq, last.seq, index_rows);
            }
        }
        Ok((committed, head))
    }
}

/// The subject index's write inside a batch's transaction, under a savepoint: when it
/// fails, it is rolled back alone and the batch's records still commit (the index only
/// lags; subject access scans the records after its watermark).
fn write_index(
    tx: &mut rusqlite::Transaction<'_>,
    index: &subjects::SubjectIndexer,
    archive_to: Option<u64>,
) -> Option<subjects::Written> {
    let written = tx.savepoint().and_then(|sp| {
        let w = index.write(&sp, archive_to)?;
        sp.commit()?;
        Ok(w)
    });
    written
        .inspect_err(|e| {
            tracing::warn!(error = %e, "the subject index could not be written with this batch");
        })
        .ok()
}

impl Sqlite {
    /// `n` new read-only connections to the same database file, for readers that each
    /// want their own (`verify`'s parallel walk; WAL lets them read side by side). They
    /// read the database file through a memory map of up to [`READER_MMAP_BYTES`]
    /// (pages not copied out of the kernel's cache; WAL pages are still read).
    /// `None` for a database without a file, or when one cannot be opened.
    pub(crate) async fn extra_readers(&self, n: usize) -> Option<Vec<Connection>> {
        if self.converted {
            return None;
        }
        let reader = self.reader.clone();
        tokio::task::spawn_blocking(move || {
            let path = {
                let conn = reader.lock().ok()?;
                PathBuf::from(conn.path().filter(|p| !p.is_empty())?)
            };
            (0..n)
                .map(|_| {
                    let conn = connect(&path, true, Duration::from_secs(5)).ok()?;
                    conn.pragma_update(None, "mmap_size", READER_MMAP_BYTES).ok()?;
                    Some(conn)
                })
                .collect()
        })
        .await
        .ok()
        .flatten()
    }
}

/// The memory map of a bulk reader: SQLite's largest (`SQLITE_MAX_MMAP_SIZE`, 2 GiB
/// less 64 KiB, in the bundled build); pages past it are read as before. Only read-only
/// connections map the file, so a write never goes through the map.
const READER_MMAP_BYTES: i64 = 0x7fff_0000;

static SCAN_RANGE_SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!("SELECT {COLUMNS} FROM records WHERE seq BETWEEN ?1 AND ?2 ORDER BY seq")
});

/// Rows with `from <= seq <= to` in seq order (a primary-key range scan), each lent to
/// `f` in turn; `f` answers `false` to stop.
pub(crate) fn scan_range(
    conn: &Connection,
    from: u64,
    to: u64,
    mut f: impl FnMut(&rusqlite::Row<'_>) -> bool,
) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(&SCAN_RANGE_SQL)?;
    let mut rows = stmt.query([super::store::to_i64(from), super::store::to_i64(to)])?;
    while let Some(row) = rows.next()? {
        if !f(row) {
            break;
        }
    }
    Ok(())
}

/// A row borrowed from SQLite's buffers, text as its bytes (not checked as UTF-8: the
/// fast path checks what it passes), when every column has a type [`read_columns`]
/// reads; `None` otherwise (and `read_columns` says what is wrong).
pub(crate) fn row_columns_ref<'r>(r: &'r rusqlite::Row<'_>) -> Option<Columns<&'r [u8]>> {
    Columns::read(&Borrowed(r)).ok()
}

/// A row read in place: text borrowed from SQLite's buffers; `Err(())` for a column not
/// of the type [`read_columns`] reads.
struct Borrowed<'r, 's>(&'r rusqlite::Row<'s>);

impl<'r> ColumnSource for Borrowed<'r, '_> {
    type Text = &'r [u8];
    type Error = ();
    fn text(&self, i: usize) -> Result<&'r [u8], ()> {
        self.opt_text(i)?.ok_or(())
    }
    fn opt_text(&self, i: usize) -> Result<Option<&'r [u8]>, ()> {
        match self.0.get_ref(i).map_err(drop)? {
            ValueRef::Null => Ok(None),
            ValueRef::Text(t) | ValueRef::Blob(t) => Ok(Some(t)),
            _ => Err(()),
        }
    }
    fn int(&self, i: usize) -> Result<i64, ()> {
        self.opt_int(i)?.ok_or(())
    }
    fn opt_int(&self, i: usize) -> Result<Option<i64>, ()> {
        match self.0.get_ref(i).map_err(drop)? {
            ValueRef::Null => Ok(None),
            ValueRef::Integer(v) => Ok(Some(v)),
            _ => Err(()),
        }
    }
}
