//! The PostgreSQL store (`postgres://...`), shared by several gateway replicas.
//!
//! One chain across processes: every batch transaction first takes the single chain-head
//! row with `SELECT ... FROM audit_head WHERE id = 1 FOR UPDATE`. That row lock
//! serialises writers: a second process blocks until the first commits (or aborts) and
//! then reads the new head, so seq and prev_hash always extend the committed head (READ
//! COMMITTED is enough because the locked row is re-read after the wait). `seq`, the
//! primary key, makes a fork impossible even if that protocol were broken (a stale head
//! gives a seq that exists). Migrations (including the conversion of a table from
//! before schema version 6, see `docs/decisions/0004-record-store.md`) run under a transaction-level advisory lock, so replicas starting together
//! do not race. Connections use no TLS for now (`NoTls`): run the database on the same
//! host or a private network. `synchronous_commit` is forced on for every session.
//! Reads go through a pool of `store.pool_size` connections, each opened on first use
//! and kept; the writer holds one more of its own. Sessions are named `isagate` in
//! `pg_stat_activity` unless the URL sets `application_name`.
//! This module must not acknowledge a record before `COMMIT` returned.
//!
//! The subject index (`record_subjects`, compact keys since schema version 7) is written
//! in the records' own transaction, one pipelined statement per batch: replicas share one
//! chain, and rows kept back by one replica would be lost with it
//! (`docs/decisions/0005-subject-index.md`). A table from before version 7 is dropped and
//! rebuilt from the records' bytes under the migration lock.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Config, NoTls, Statement};

use super::batch::{Batch, MAX_BATCH};
use super::checkpoint::Checkpointer;
use super::clock::{format_time, Clock};
use super::columns::{self, column_params, ColumnSource, Columns, COLUMNS, COLUMN_COUNT};
use super::prepared::Prepared;
use super::record::GENESIS_HASH;
use super::store::{
    redact_url, to_i64, to_u64, Committed, Head, Job, Param, Stats, StoreError, StoreOptions,
};

const QUEUE: usize = 65_536;

/// An arbitrary constant naming the migration lock.
const MIGRATION_LOCK: i64 = 0x015a_6a7e;

/// The tables and indexes, all `IF NOT EXISTS`.
fn schema() -> String {
    columns::records_schema("BIGINT", "") + HEAD_TABLES + super::texts::TEXTS_TABLE
}

/// The chain head and the readiness mark, one row each.
const HEAD_TABLES: &str = "CREATE TABLE IF NOT EXISTS audit_head (
  id INT PRIMARY KEY CHECK (id = 1),
  seq BIGINT NOT NULL,
  head TEXT NOT NULL,
  time TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_ready (id INT PRIMARY KEY CHECK (id = 1), at TEXT NOT NULL);
ALTER TABLE records ADD COLUMN IF NOT EXISTS format BIGINT;
";

fn pg_err(e: tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{}: {}", db.code().code(), db.message()),
        None => e.to_string(),
    }
}

/// Connect within `bound`, with `synchronous_commit` on.
async fn connect(config: &Config, bound: Duration) -> Result<Client, String> {
    let (client, connection) = tokio::time::timeout(bound, config.connect(NoTls))
        .await
        .map_err(|_| format!("no connection within {bound:?}"))?
        .map_err(pg_err)?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::warn!(error = %e, "audit store connection closed");
        }
    });
    tokio::time::timeout(bound, client.batch_execute("SET synchronous_commit = on"))
        .await
        .map_err(|_| "no answer to `SET`".to_owned())?
        .map_err(pg_err)?;
    Ok(client)
}

/// The PostgreSQL backend: a channel to the writer task and the reading pool.
#[derive(Clone)]
pub(crate) struct Postgres {
    tx: mpsc::Sender<Job>,
    config: Arc<Config>,
    readers: Arc<Readers>,
    bound: Duration,
}

/// `pool_size` reading connections, each opened on first use. A read takes the next slot
/// in turn when it is free, else any free one, else waits for its turn's slot.
struct Readers {
    slots: Vec<tokio::sync::Mutex<Option<Client>>>,
    next: AtomicUsize,
}

impl Readers {
    fn new(size: usize) -> Self {
        Self {
            slots: (0..size.max(1)).map(|_| tokio::sync::Mutex::new(None)).collect(),
            next: AtomicUsize::new(0),
        }
    }

    async fn take(&self) -> tokio::sync::MutexGuard<'_, Option<Client>> {
        let n = self.slots.len();
        let first = self.next.fetch_add(1, Ordering::Relaxed) % n;
        let turn = (0..n).map(|i| &self.slots[(first + i) % n]);
        for slot in turn {
            if let Ok(guard) = slot.try_lock() {
                return guard;
            }
        }
        self.slots[first].lock().await
    }
}

impl Postgres {
    pub(crate) async fn open(
        url: &str,
        opts: &StoreOptions,
        clock: Arc<dyn Clock>,
        stats: Arc<Stats>,
        checkpointer: Option<Checkpointer>,
    ) -> Result<Postgres, StoreError> {
        let mut config: Config = url.parse().map_err(|_| StoreError::BadUrl(redact_url(url)))?;
        if config.get_application_name().is_none() {
            config.application_name("isagate");
        }
        let bound = opts.append_timeout;
        config.connect_timeout(bound);
        let mut client =
            connect(&config, bound.max(Duration::from_secs(5))).await.map_err(StoreError::Open)?;
        migrate(&mut client).await.map_err(StoreError::Open)?;
        let (tx, rx) = mpsc::channel(QUEUE);
        let writer = Writer {
            config: config.clone(),
            client: Some(client),
            insert: None,
            clock,
            stats,
            checkpointer,
            window: opts.group_commit_window,
            bound,
        };
        tokio::spawn(writer.run(rx));
        Ok(Postgres {
            tx,
            config: Arc::new(config),
            readers: Arc::new(Readers::new(opts.pool_size)),
            bound,
        })
    }

    pub(crate) fn try_send(&self, job: Job) -> Result<(), StoreError> {
        self.tx.try_send(job).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => StoreError::Overloaded,
            mpsc::error::TrySendError::Closed(_) => StoreError::Closed,
        })
    }

    pub(crate) async fn query(
        &self,
        sql: &str,
        params: &[Param],
    ) -> Result<Vec<tokio_postgres::Row>, StoreError> {
        let mut guard = self.readers.take().await;
        if guard.is_none() {
            *guard = Some(connect(&self.config, self.bound).await.map_err(StoreError::Read)?);
        }
        let Some(client) = guard.as_ref() else {
            return Err(StoreError::Read("no connection".into()));
        };
        let values: Vec<&(dyn ToSql + Sync)> = params
            .iter()
            .map(|p| match p {
                Param::Int(i) => i as &(dyn ToSql + Sync),
                Param::Text(s) => s as &(dyn ToSql + Sync),
            })
            .collect();
        let result = client.query(sql, &values).await.map_err(|e| StoreError::Read(pg_err(e)));
        if result.is_err() && client.is_closed() {
            *guard = None;
        }
        result
    }

    pub(crate) async fn select(
        &self,
        tail: &str,
        params: Vec<Param>,
    ) -> Result<Vec<Columns>, StoreError> {
        let rows = self.query(&format!("SELECT {COLUMNS} FROM records {tail}"), &params).await?;
        rows.iter().map(|r| read_columns(r).map_err(|e| StoreError::Read(pg_err(e)))).collect()
    }

    pub(crate) async fn texts(
        &self,
        sql: &str,
        params: Vec<Param>,
    ) -> Result<Vec<String>, StoreError> {
        let rows = self.query(sql, &params).await?;
        rows.iter().map(|r| r.try_get(0).map_err(|e| StoreError::Read(pg_err(e)))).collect()
    }

    pub(crate) async fn scalar(&self, sql: &str, params: Vec<Param>) -> Result<i64, StoreError> {
        let rows = self.query(sql, &params).await?;
        let v: Option<i64> = match rows.first() {
            Some(r) => r.try_get(0).map_err(|e| StoreError::Read(pg_err(e)))?,
            None => None,
        };
        Ok(v.unwrap_or(0))
    }
}

async fn migrate(client: &mut Client) -> Result<(), String> {
    let tx = client.transaction().await.map_err(pg_err)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).await.map_err(pg_err)?;
    // First, so that the indexes of `schema` meet the new table's columns.
    convert_old_table(&tx).await?;
    let rebuild = drop_old_subject_index(&tx).await?;
    tx.batch_execute(&schema()).await.map_err(pg_err)?;
    if rebuild {
        rebuild_subject_index(&tx).await?;
    }
    tx.execute(
        "INSERT INTO audit_head (id, seq, head, time) VALUES (1, 0, $1, '') ON CONFLICT (id) DO NOTHING",
        &[&GENESIS_HASH],
    )
    .await
    .map_err(pg_err)?;
    tx.commit().await.map_err(pg_err)
}

/// Subject index rows `(subject_key, seq)` from two arrays.
const INSERT_SUBJECTS: &str = "INSERT INTO record_subjects (subject_key, seq) \
     SELECT * FROM unnest($1::bigint[], $2::bigint[]) ON CONFLICT DO NOTHING";

/// The subject index before schema version 7 (`subject_hash` text) is dropped; `true`
/// when it was, so that [`rebuild_subject_index`] fills the new one.
async fn drop_old_subject_index(tx: &tokio_postgres::Transaction<'_>) -> Result<bool, String> {
    let old = has_column(tx, "record_subjects", "subject_hash").await?;
    if old {
        tx.batch_execute("DROP TABLE record_subjects;").await.map_err(pg_err)?;
    }
    Ok(old)
}

/// Whether `table` of the current schema has `column`.
async fn has_column(
    tx: &tokio_postgres::Transaction<'_>,
    table: &str,
    column: &str,
) -> Result<bool, String> {
    let n: i64 = tx
        .query_one(
            "SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema() \
             AND table_name::text = $1 AND column_name::text = $2",
            &[&table, &column],
        )
        .await
        .and_then(|r| r.try_get(0))
        .map_err(pg_err)?;
    Ok(n > 0)
}

/// Fill the subject index from every record's own `subjects` (read from its bytes).
async fn rebuild_subject_index(tx: &tokio_postgres::Transaction<'_>) -> Result<(), String> {
    let select = tx
        .prepare("SELECT seq, body FROM records WHERE seq > $1 ORDER BY seq LIMIT $2")
        .await
        .map_err(pg_err)?;
    let mut after = i64::MIN;
    loop {
        let rows = tx.query(&select, &[&after, &CONVERT_CHUNK]).await.map_err(pg_err)?;
        let (mut keys, mut seqs) = (Vec::new(), Vec::new());
        for row in &rows {
            after = row.try_get(0).map_err(pg_err)?;
            let body: String = row.try_get(1).map_err(pg_err)?;
            for key in super::subject_index::keys_of_body(&body) {
                keys.push(key);
                seqs.push(after);
            }
        }
        if !keys.is_empty() {
            tx.execute(INSERT_SUBJECTS, &[&keys, &seqs]).await.map_err(pg_err)?;
        }
        if rows.len() < usize::try_from(CONVERT_CHUNK).unwrap_or(usize::MAX) {
            return Ok(());
        }
    }
}

/// Rows converted per round trip by [`convert_old_table`].
const CONVERT_CHUNK: i64 = 2_000;

/// The `records` table as releases before schema version 6 made it (one column per
/// field, `prev_hash` among them), converted in place: every row decoded by
/// [`legacy`](super::legacy), re-encoded to its canonical bytes and written with the hash
/// it carried into a new table, which then takes the old one's name and indexes.
async fn convert_old_table(tx: &tokio_postgres::Transaction<'_>) -> Result<(), String> {
    if !has_column(tx, "records", "prev_hash").await? {
        return Ok(());
    }
    // Tables made before the `format` column (record format 2) gain it first.
    tx.batch_execute("ALTER TABLE records ADD COLUMN IF NOT EXISTS format BIGINT;")
        .await
        .map_err(pg_err)?;
    tx.batch_execute(&columns::records_table("records_v6", "BIGINT")).await.map_err(pg_err)?;
    let marks: Vec<String> = (1..=COLUMN_COUNT).map(|i| format!("${i}")).collect();
    let insert = tx
        .prepare(&format!("INSERT INTO records_v6 ({COLUMNS}) VALUES ({})", marks.join(", ")))
        .await
        .map_err(pg_err)?;
    let select = tx
        .prepare(&format!(
            "SELECT {} FROM records WHERE seq > $1 ORDER BY seq LIMIT $2",
            super::legacy::LEGACY_COLUMNS
        ))
        .await
        .map_err(pg_err)?;
    let mut after = i64::MIN;
    loop {
        let rows = tx.query(&select, &[&after, &CONVERT_CHUNK]).await.map_err(pg_err)?;
        for row in &rows {
            let old = super::legacy::LegacyColumns::read(row).map_err(pg_err)?;
            after = old.seq;
            let c = super::legacy::convert(old);
            tx.execute(&insert, &params(&c)).await.map_err(pg_err)?;
        }
        if rows.len() < usize::try_from(CONVERT_CHUNK).unwrap_or(usize::MAX) {
            break;
        }
    }
    tx.batch_execute(&format!(
        "DROP TABLE records; ALTER TABLE records_v6 RENAME TO records;{}",
        columns::RECORDS_INDEXES
    ))
    .await
    .map_err(pg_err)
}

fn read_columns(r: &tokio_postgres::Row) -> Result<Columns, tokio_postgres::Error> {
    Columns::read(r)
}

impl ColumnSource for tokio_postgres::Row {
    type Text = String;
    type Error = tokio_postgres::Error;
    fn text(&self, i: usize) -> Result<String, Self::Error> {
        self.try_get(i)
    }
    fn opt_text(&self, i: usize) -> Result<Option<String>, Self::Error> {
        self.try_get(i)
    }
    fn int(&self, i: usize) -> Result<i64, Self::Error> {
        self.try_get(i)
    }
    fn opt_int(&self, i: usize) -> Result<Option<i64>, Self::Error> {
        self.try_get(i)
    }
}

fn params(c: &Columns) -> [&(dyn ToSql + Sync); COLUMN_COUNT] {
    column_params!(c, dyn ToSql + Sync)
}

struct Writer {
    config: Config,
    client: Option<Client>,
    insert: Option<Statement>,
    clock: Arc<dyn Clock>,
    stats: Arc<Stats>,
    checkpointer: Option<Checkpointer>,
    window: Duration,
    bound: Duration,
}

impl Writer {
    async fn run(mut self, mut rx: mpsc::Receiver<Job>) {
        let idle =
            self.checkpointer.as_ref().map_or(Duration::from_secs(3600), Checkpointer::every);
        loop {
            let first = tokio::select! {
                job = rx.recv() => match job { Some(j) => j, None => return },
                () = tokio::time::sleep(idle) => {
                    if let Some(c) = &mut self.checkpointer { c.tick(); }
                    continue;
                }
            };
            let mut jobs = vec![first];
            let started = std::time::Instant::now();
            while jobs.len() < MAX_BATCH {
                let Some(wait) =
                    super::batch::wait_for_more(&self.stats, jobs.len(), started, self.window)
                else {
                    break;
                };
                match tokio::time::timeout(wait, rx.recv()).await {
                    Ok(Some(job)) => jobs.push(job),
                    Ok(None) => break,
                    Err(_) => {}
                }
            }
            while jobs.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(job) => jobs.push(job),
                    Err(_) => break,
                }
            }
            self.run_batch(Batch::from_jobs(jobs)).await;
        }
    }

    async fn run_batch(&mut self, mut batch: Batch) {
        if batch.needs_commit() {
            let drafts = std::mem::take(&mut batch.drafts);
            let started = Instant::now();
            let result = self.commit(drafts, None).await;
            batch.settle(result, started, &self.stats, self.checkpointer.as_mut());
        }
        for (to_seq, anchor, ack) in std::mem::take(&mut batch.archives) {
            let result =
                self.commit(vec![anchor], Some(to_seq)).await.map(|(mut c, _)| c.remove(0));
            let _ = ack.send(result);
        }
    }

    /// One bounded transaction; on any failure the connection is dropped and made
    /// afresh for the next batch.
    async fn commit(
        &mut self,
        drafts: Vec<Prepared>,
        archive_to: Option<u64>,
    ) -> Result<(Vec<Committed>, Head), StoreError> {
        let bound = self.bound;
        let result = match tokio::time::timeout(bound, self.try_commit(drafts, archive_to)).await {
            Ok(r) => r,
            Err(_) => Err(StoreError::Timeout(bound)),
        };
        if result.is_err() {
            self.client = None;
            self.insert = None;
        }
        result
    }

    async fn try_commit(
        &mut self,
        drafts: Vec<Prepared>,
        archive_to: Option<u64>,
    ) -> Result<(Vec<Committed>, Head), StoreError> {
        let fail = |e: tokio_postgres::Error| StoreError::CommitFailed(pg_err(e));
        if self.client.is_none() {
            self.client =
                Some(connect(&self.config, self.bound).await.map_err(StoreError::CommitFailed)?);
        }
        let Some(client) = self.client.as_mut() else { return Err(StoreError::Closed) };
        if self.insert.is_none() {
            let marks: Vec<String> = (1..=COLUMN_COUNT).map(|i| format!("${i}")).collect();
            let sql = format!("INSERT INTO records ({COLUMNS}) VALUES ({})", marks.join(", "));
            self.insert = Some(client.prepare(&sql).await.map_err(fail)?);
        }
        let Some(insert) = self.insert.clone() else { return Err(StoreError::Closed) };
        let now = format_time(self.clock.now());
        let tx = client.transaction().await.map_err(fail)?;
        let row = tx
            .query_one("SELECT seq, head, time FROM audit_head WHERE id = 1 FOR UPDATE", &[])
            .await
            .map_err(fail)?;
        let mut head = Head {
            seq: to_u64(row.try_get(0).map_err(fail)?),
            hash: row.try_get(1).map_err(fail)?,
            time: row.try_get(2).map_err(fail)?,
        };
        if let Some(to) = archive_to {
            let to = to_i64(to);
            tx.execute("DELETE FROM record_subjects WHERE seq <= $1", &[&to])
                .await
                .map_err(fail)?;
            tx.execute("DELETE FROM records WHERE seq <= $1", &[&to]).await.map_err(fail)?;
        }
        let mut rows = Vec::with_capacity(drafts.len());
        let (mut keys, mut key_seqs): (Vec<i64>, Vec<i64>) = (Vec::new(), Vec::new());
        let mut committed = Vec::with_capacity(drafts.len());
        for mut p in drafts {
            committed.push(head.chain(&mut p, &now));
            let seq = p.columns.seq;
            keys.extend_from_slice(&p.subject_keys);
            key_seqs.extend(p.subject_keys.iter().map(|_| seq));
            rows.push(p.columns);
        }
        // Pipelined: the statements go out together and come back in order.
        let inserts = rows.iter().map(|c| {
            let p = params(c);
            let tx = &tx;
            let insert = &insert;
            async move { tx.execute(insert, &p).await }
        });
        futures::future::try_join_all(inserts).await.map_err(fail)?;
        // The subject index is written in the same transaction (see the module's doc).
        if !keys.is_empty() {
            tx.execute(INSERT_SUBJECTS, &[&keys, &key_seqs]).await.map_err(fail)?;
        }
        let seq = to_i64(head.seq);
        tx.execute(
            "UPDATE audit_head SET seq = $1, head = $2, time = $3 WHERE id = 1",
            &[&seq, &head.hash, &head.time],
        )
        .await
        .map_err(fail)?;
        tx.execute(
            "INSERT INTO audit_ready (id, at) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET at = EXCLUDED.at",
            &[&now],
        )
        .await
        .map_err(fail)?;
        tx.commit().await.map_err(fail)?;
        Ok((committed, head))
    }
}
