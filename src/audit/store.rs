//! The store's public face: [`Store`], chosen by URL, with group-commit appends bounded
//! in time, a readiness check, and the read side. Backends (`sqlite`, `postgres`) own
//! their connections; this module owns the options, the errors, the waiting and the
//! counters. It must never acknowledge an append before its backend reports the commit.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::oneshot;
use uuid::Uuid;

use super::canonical::CanonicalError;
use super::clock::{Clock, SystemClock};
use super::columns::{Columns, Row};
use super::prepared::Prepared;
use super::record::{Record, RecordDraft, GENESIS_HASH};
use super::{postgres, sqlite};

/// How the store commits.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// The longest an append waits for others to join its batch (default 2 ms).
    pub group_commit_window: Duration,
    /// The longest an append may take before it fails (default 2 s, contract section 11).
    pub append_timeout: Duration,
    /// Signed checkpoints, when configured.
    pub checkpoints: Option<CheckpointOptions>,
    /// Also publish each signed checkpoint here (the alert webhook, `checkpoints.webhook`).
    pub checkpoint_sink: Option<super::checkpoint::CheckpointSink>,
    /// PostgreSQL: reading connections per store, opened on first use (`store.pool_size`,
    /// default 8); the writer has one more of its own. SQLite ignores it.
    pub pool_size: usize,
    /// The folder of archived segments (`[paths] archive`): subject access, reports and
    /// the emergency queue read them too (see `segments`).
    pub archive_folder: Option<std::path::PathBuf>,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            group_commit_window: Duration::from_millis(2),
            append_timeout: Duration::from_secs(2),
            checkpoints: None,
            checkpoint_sink: None,
            pool_size: 8,
            archive_folder: None,
        }
    }
}

/// Where and how often the store signs checkpoints.
#[derive(Debug, Clone)]
pub struct CheckpointOptions {
    /// Ed25519 private key, PKCS#8 PEM.
    pub key_file: PathBuf,
    /// JSON lines file the checkpoints are appended to (outside the database).
    pub out_file: PathBuf,
    /// Sign after this many new records...
    pub every_records: u64,
    /// ...or after this long, whichever comes first (only when there are new records).
    pub every: Duration,
}

/// What an append returns once its record is durable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Committed {
    pub id: Uuid,
    pub seq: u64,
    pub hash: String,
    pub time: String,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    #[error("store url `{0}` is not `sqlite://PATH` or `postgres://...`")]
    BadUrl(String),
    #[error("cannot open the audit store: {0}")]
    Open(String),
    #[error("the audit store refuses durable writes: {0}")]
    NotDurable(String),
    #[error("the audit store could not commit: {0}")]
    CommitFailed(String),
    #[error("the audit store did not commit within {0:?}")]
    Timeout(Duration),
    #[error("the audit store has too many appends waiting")]
    Overloaded,
    #[error("the audit store has shut down")]
    Closed,
    #[error("the audit store could not be read: {0}")]
    Read(String),
    #[error("{0}")]
    Canonical(#[from] CanonicalError),
    #[error("checkpoint: {0}")]
    Checkpoint(String),
    #[error("archive: {0}")]
    Archive(String),
}

/// Counters for tests and metrics (also exported, through `telemetry::metrics`, as
/// `isagate_store_commits_total`, `isagate_store_records_total`,
/// `isagate_store_failures_total`, histograms `isagate_store_commit_batch_size` and
/// `isagate_store_commit_duration_seconds`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreStats {
    /// Transactions committed that held at least one record.
    pub commits: u64,
    /// Records committed.
    pub records: u64,
    /// Batches whose commit failed.
    pub failed_commits: u64,
    /// The largest batch so far.
    pub max_batch: u64,
    /// Total time spent committing, in microseconds.
    pub commit_micros: u64,
    /// Checkpoints written, and checkpoint writes that failed.
    pub checkpoints: u64,
    pub checkpoint_failures: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Stats {
    commits: AtomicU64,
    records: AtomicU64,
    failed_commits: AtomicU64,
    max_batch: AtomicU64,
    commit_micros: AtomicU64,
    pub(crate) checkpoints: AtomicU64,
    pub(crate) checkpoint_failures: AtomicU64,
    /// Appends and readiness checks begun (an append from before its record is encoded)
    /// whose job no writer has taken into a batch yet: callers about to join a batch.
    pending: AtomicU64,
    /// Callers inside `append` or `ready`, from start to return: besides the pending
    /// ones, those answered whose tasks have not resumed yet. A loop of appends comes
    /// back from there at once; a transfer goes to its upstream first. How long a
    /// writer waits for each kind is [`super::batch::wait_for_more`]'s rule.
    active: AtomicU64,
    /// The last `append` or `ready` that failed, unless one has succeeded since: what
    /// `/readyz` reports (`StoreError` text holds no record content).
    last_failure: std::sync::Mutex<Option<CommitFailure>>,
}

/// A commit (or readiness probe) that failed, and when.
#[derive(Debug, Clone)]
pub struct CommitFailure {
    pub at: Instant,
    pub error: StoreError,
}

/// One of the two counts of callers in [`Stats`].
#[derive(Clone, Copy, Debug)]
enum Count {
    /// [`Stats::pending`]: from before the job is encoded until a writer takes it.
    Pending,
    /// [`Stats::active`]: from entering `append` or `ready` until returning from it.
    Active,
}

/// Counts one caller in one [`Count`] until dropped: on return, timeout or cancel, or
/// (a [`Count::Pending`] guard travelling in its job) when
/// [`super::batch::Batch::from_jobs`] takes the job.
#[derive(Debug)]
pub(crate) struct Counted {
    stats: Arc<Stats>,
    count: Count,
}

impl Counted {
    fn new(stats: &Arc<Stats>, count: Count) -> Self {
        stats.counter(count).fetch_add(1, Ordering::AcqRel);
        Counted { stats: Arc::clone(stats), count }
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.stats.counter(self.count).fetch_sub(1, Ordering::AcqRel);
    }
}

impl Stats {
    pub(crate) fn committed(&self, records: usize, took: Duration) {
        let n = records as u64;
        if n > 0 {
            self.commits.fetch_add(1, Ordering::Relaxed);
            self.records.fetch_add(n, Ordering::Relaxed);
            self.max_batch.fetch_max(n, Ordering::Relaxed);
            crate::telemetry::metrics::store_committed(n);
            // Batch size and commit latency, under the names `docs/operations.md` lists.
            crate::telemetry::metrics::store_commit(took, records);
        }
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        self.commit_micros.fetch_add(micros, Ordering::Relaxed);
    }

    fn counter(&self, count: Count) -> &AtomicU64 {
        match count {
            Count::Pending => &self.pending,
            Count::Active => &self.active,
        }
    }

    /// Jobs begun that no writer has taken yet (see the field).
    pub(crate) fn pending(&self) -> u64 {
        self.pending.load(Ordering::Acquire)
    }

    /// Callers inside `append` or `ready` (see the field).
    pub(crate) fn active(&self) -> u64 {
        self.active.load(Ordering::Acquire)
    }

    /// Remember the outcome of an `append` or `ready` for [`Store::last_failure`].
    fn outcome<T>(&self, result: &Result<T, StoreError>) {
        let mut last = self.last_failure.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *last =
            result.as_ref().err().map(|e| CommitFailure { at: Instant::now(), error: e.clone() });
    }

    pub(crate) fn failed(&self) {
        self.failed_commits.fetch_add(1, Ordering::Relaxed);
        crate::telemetry::metrics::store_failure();
    }

    fn snapshot(&self) -> StoreStats {
        StoreStats {
            commits: self.commits.load(Ordering::Relaxed),
            records: self.records.load(Ordering::Relaxed),
            failed_commits: self.failed_commits.load(Ordering::Relaxed),
            max_batch: self.max_batch.load(Ordering::Relaxed),
            commit_micros: self.commit_micros.load(Ordering::Relaxed),
            checkpoints: self.checkpoints.load(Ordering::Relaxed),
            checkpoint_failures: self.checkpoint_failures.load(Ordering::Relaxed),
        }
    }
}

/// A unit of work for a backend's writer.
pub(crate) enum Job {
    Append {
        prepared: Box<Prepared>,
        deadline: Instant,
        ack: oneshot::Sender<Result<Committed, StoreError>>,
        #[allow(dead_code, reason = "held for its drop, which ends the count")]
        pending: Counted,
    },
    /// A test commit that adds no record.
    Ready {
        ack: oneshot::Sender<Result<(), StoreError>>,
        #[allow(dead_code, reason = "held for its drop, which ends the count")]
        pending: Counted,
    },
    /// Remove records up to `to_seq` and append `anchor`, in one transaction.
    Archive {
        to_seq: u64,
        anchor: Box<Prepared>,
        ack: oneshot::Sender<Result<Committed, StoreError>>,
    },
}

impl Job {
    /// Whether nobody waits for this job any more (its caller timed out or went away).
    pub(crate) fn abandoned(&self, now: Instant) -> bool {
        match self {
            Job::Append { deadline, ack, .. } => ack.is_closed() || now > *deadline,
            Job::Ready { ack, .. } => ack.is_closed(),
            Job::Archive { ack, .. } => ack.is_closed(),
        }
    }
}

/// The last record of the chain, as a writer sees it inside its transaction.
#[derive(Debug, Clone)]
pub(crate) struct Head {
    pub seq: u64,
    pub hash: String,
    pub time: String,
}

impl Head {
    pub(crate) fn genesis() -> Self {
        Self { seq: 0, hash: GENESIS_HASH.to_owned(), time: String::new() }
    }
}

/// A query parameter, for SQL shared by both backends.
#[derive(Debug, Clone)]
pub(crate) enum Param {
    Int(i64),
    Text(String),
}

/// Which database, and how to reach its writer and readers.
#[derive(Clone)]
pub(crate) enum Backend {
    Sqlite(sqlite::Sqlite),
    Postgres(postgres::Postgres),
}

/// Backend methods that are the same call on either store, each declared once by its
/// signature: `match self { Sqlite(b) => b.f(args).await, Postgres(b) => ... }`.
macro_rules! on_either_backend {
    ($($(#[doc = $doc:literal])* fn $name:ident(&self $(, $arg:ident: $ty:ty)*) -> $ret:ty;)*) => {
        $(
            $(#[doc = $doc])*
            pub(crate) async fn $name(&self $(, $arg: $ty)*) -> $ret {
                match self {
                    Backend::Sqlite(b) => b.$name($($arg),*).await,
                    Backend::Postgres(b) => b.$name($($arg),*).await,
                }
            }
        )*
    };
}

impl Backend {
    on_either_backend! {
        /// Rows matching `tail` (SQL after `FROM records`, placeholders `$1`, `$2`...).
        fn select(&self, tail: &str, params: Vec<Param>) -> Result<Vec<Columns>, StoreError>;
        /// One integer from `sql` (a full statement, placeholders `$1`...), NULL as 0.
        fn scalar(&self, sql: &str, params: Vec<Param>) -> Result<i64, StoreError>;
        /// The first (text) column of every row of `sql`.
        fn texts(&self, sql: &str, params: Vec<Param>) -> Result<Vec<String>, StoreError>;
    }

    /// Run one statement that returns no rows (placeholders `$1`...): the agreement texts.
    pub(crate) async fn execute(&self, sql: &str, params: Vec<Param>) -> Result<(), StoreError> {
        match self {
            Backend::Sqlite(s) => s.execute(sql, params).await,
            Backend::Postgres(p) => p.query(sql, &params).await.map(drop),
        }
    }

    fn try_send(&self, job: Job) -> Result<(), StoreError> {
        match self {
            Backend::Sqlite(s) => s.try_send(job),
            Backend::Postgres(p) => p.try_send(job),
        }
    }
}

/// The disclosure record store. Cheap to clone; every clone shares one writer.
#[derive(Clone)]
pub struct Store {
    pub(crate) backend: Backend,
    opts: StoreOptions,
    stats: Arc<Stats>,
    durability: Option<Durability>,
}

/// The SQLite settings read back from the writer's connection at open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Durability {
    /// `wal`.
    pub journal_mode: String,
    /// 2 = FULL.
    pub synchronous: i64,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("opts", &self.opts).finish_non_exhaustive()
    }
}

impl Store {
    /// Open the store at `url` (`sqlite://PATH` or `postgres://...`), running migrations.
    pub async fn open(url: &str, opts: StoreOptions) -> Result<Store, StoreError> {
        Self::open_with_clock(url, opts, Arc::new(SystemClock)).await
    }

    /// [`Store::open`] with a given clock (tests).
    pub async fn open_with_clock(
        url: &str,
        opts: StoreOptions,
        clock: Arc<dyn Clock>,
    ) -> Result<Store, StoreError> {
        let stats = Arc::new(Stats::default());
        let checkpointer = match &opts.checkpoints {
            Some(c) => Some(super::checkpoint::Checkpointer::new(
                c,
                opts.checkpoint_sink.clone(),
                clock.clone(),
                stats.clone(),
            )?),
            None => None,
        };
        let (backend, durability) = if let Some(rest) = url.strip_prefix("sqlite://") {
            let (s, d) =
                sqlite::Sqlite::open(rest, &opts, clock, stats.clone(), checkpointer).await?;
            (Backend::Sqlite(s), Some(d))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let p =
                postgres::Postgres::open(url, &opts, clock, stats.clone(), checkpointer).await?;
            (Backend::Postgres(p), None)
        } else {
            return Err(StoreError::BadUrl(redact_url(url)));
        };
        Ok(Store { backend, opts, stats, durability })
    }

    /// Commit `draft` as the next record. Resolves only once the record is durable;
    /// fails (never hangs) after `append_timeout`.
    pub async fn append(&self, draft: RecordDraft) -> Result<Committed, StoreError> {
        let _active = Counted::new(&self.stats, Count::Active);
        // Counted before encoding: a writer collecting a batch waits for it.
        let pending = Counted::new(&self.stats, Count::Pending);
        // Encoded here, on the caller's task: the writer only chains and inserts.
        let prepared = Box::new(Prepared::new(draft)?);
        let (ack, rx) = oneshot::channel();
        let deadline = Instant::now() + self.opts.append_timeout;
        let sent = self.backend.try_send(Job::Append { prepared, deadline, ack, pending });
        let result = match sent {
            Ok(()) => self.answer(rx).await,
            Err(e) => Err(e),
        };
        self.stats.outcome(&result);
        result
    }

    /// The writer's answer, within `append_timeout`.
    async fn answer<T>(
        &self,
        rx: oneshot::Receiver<Result<T, StoreError>>,
    ) -> Result<T, StoreError> {
        match tokio::time::timeout(self.opts.append_timeout, rx).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(StoreError::Closed),
            Err(_) => Err(StoreError::Timeout(self.opts.append_timeout)),
        }
    }

    /// The last `append` or `ready` that failed, unless one has succeeded since
    /// (`/readyz` follows it, issue 12 item 5).
    pub fn last_failure(&self) -> Option<CommitFailure> {
        self.stats.last_failure.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// A bounded test commit through the writer that adds nothing to the chain (`/readyz`).
    pub async fn ready(&self) -> Result<(), StoreError> {
        let _active = Counted::new(&self.stats, Count::Active);
        let pending = Counted::new(&self.stats, Count::Pending);
        let (ack, rx) = oneshot::channel();
        let result = match self.backend.try_send(Job::Ready { ack, pending }) {
            Ok(()) => self.answer(rx).await,
            Err(e) => Err(e),
        };
        self.stats.outcome(&result);
        result
    }

    /// Remove records up to and including `to_seq` and append `anchor` in the same
    /// transaction (used by [`super::archive`]).
    pub(crate) async fn truncate_with_anchor(
        &self,
        to_seq: u64,
        anchor: RecordDraft,
    ) -> Result<Committed, StoreError> {
        let (ack, rx) = oneshot::channel();
        let anchor = Box::new(Prepared::new(anchor)?);
        self.backend.try_send(Job::Archive { to_seq, anchor, ack })?;
        let bound = self.opts.append_timeout.max(Duration::from_secs(600));
        match tokio::time::timeout(bound, rx).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(StoreError::Closed),
            Err(_) => Err(StoreError::Timeout(bound)),
        }
    }

    /// The record with this id.
    pub async fn get(&self, id: Uuid) -> Result<Option<Record>, StoreError> {
        let rows = self.backend.select("WHERE id = $1", vec![Param::Text(id.to_string())]).await?;
        rows.into_iter().next().map(decode).transpose()
    }

    /// Records from `after_seq + 1` on, at most `limit`, in seq order, decoded or not.
    pub async fn rows_after(&self, after_seq: u64, limit: u64) -> Result<Vec<Row>, StoreError> {
        Ok(self.columns_after(after_seq, limit).await?.into_iter().map(Row::from).collect())
    }

    /// Governance records from `after_seq + 1` on, at most `limit`, in seq order, decoded
    /// or not. An index holds only governance records, so this costs the same at any
    /// store size (the restrictions refresh and the overdue sweep call it often).
    pub async fn governance_after(
        &self,
        after_seq: u64,
        limit: u64,
    ) -> Result<Vec<Row>, StoreError> {
        let rows = self
            .backend
            .select(
                "WHERE kind = 'governance' AND seq > $1 ORDER BY seq LIMIT $2",
                vec![Param::Int(to_i64(after_seq)), Param::Int(to_i64(limit))],
            )
            .await?;
        Ok(rows.into_iter().map(Row::from).collect())
    }

    /// [`Store::rows_after`] before decoding (verify decodes on another thread).
    pub(crate) async fn columns_after(
        &self,
        after_seq: u64,
        limit: u64,
    ) -> Result<Vec<Columns>, StoreError> {
        self.backend
            .select(
                "WHERE seq > $1 ORDER BY seq LIMIT $2",
                vec![Param::Int(to_i64(after_seq)), Param::Int(to_i64(limit))],
            )
            .await
    }

    /// Live records: (lowest seq, highest seq, count); zeros when empty.
    pub async fn extent(&self) -> Result<(u64, u64, u64), StoreError> {
        let lo = self.backend.scalar("SELECT min(seq) FROM records", vec![]).await?;
        let hi = self.backend.scalar("SELECT max(seq) FROM records", vec![]).await?;
        let n = self.backend.scalar("SELECT count(*) FROM records", vec![]).await?;
        Ok((to_u64(lo), to_u64(hi), to_u64(n)))
    }

    /// Every record naming this subject hash, in seq order: the records the subject index
    /// names under the hash's key and, on SQLite, those after its watermark whose bytes
    /// hold the hash (the index lags there, see [`super::subject_index`]); of these, only
    /// the records whose own `subjects` name the whole hash.
    pub async fn subject_records(&self, subject_hash: &str) -> Result<Vec<Record>, StoreError> {
        let key = Param::Int(super::subject_index::subject_key(subject_hash));
        let rows = match &self.backend {
            Backend::Sqlite(_) => {
                let needle = Param::Text(super::subject_index::needle(subject_hash));
                self.backend.select(&SQLITE_SUBJECT_TAIL, vec![key, needle]).await?
            }
            Backend::Postgres(_) => {
                let tail = "WHERE seq IN (SELECT seq FROM record_subjects WHERE subject_key = $1) \
                            ORDER BY seq";
                self.backend.select(tail, vec![key]).await?
            }
        };
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let record = decode(row)?;
            // The index names key prefixes and is not chained: trust only the record's own
            // subjects.
            if record.draft.subjects.iter().any(|s| s == subject_hash) {
                out.push(record);
            }
        }
        Ok(out)
    }

    /// Records whose `time` is in `[since, until)`, in seq order.
    pub async fn records_between(
        &self,
        since: jiff::Timestamp,
        until: jiff::Timestamp,
    ) -> Result<Vec<Record>, StoreError> {
        self.records_in(None, since, until).await
    }

    /// Records of `flow` whose `time` is in `[since, until)`, in seq order (an index on
    /// `(flow, time)`: the diff's replay reads one flow at any store size).
    pub async fn records_of_flow(
        &self,
        flow: &str,
        since: jiff::Timestamp,
        until: jiff::Timestamp,
    ) -> Result<Vec<Record>, StoreError> {
        self.records_in(Some(flow), since, until).await
    }

    async fn records_in(
        &self,
        flow: Option<&str>,
        since: jiff::Timestamp,
        until: jiff::Timestamp,
    ) -> Result<Vec<Record>, StoreError> {
        let mut params = vec![
            Param::Text(super::clock::format_time(since)),
            Param::Text(super::clock::format_time(until)),
        ];
        let tail = match flow {
            Some(f) => {
                params.push(Param::Text(f.to_owned()));
                "WHERE flow = $3 AND time >= $1 AND time < $2 ORDER BY seq"
            }
            None => "WHERE time >= $1 AND time < $2 ORDER BY seq",
        };
        let rows = self.backend.select(tail, params).await?;
        rows.into_iter().map(decode).collect()
    }

    /// How many live records with `time` in `[from, until)` were refused, by the code of
    /// their first refusal reason (a covering index on `(time, refusal_code)`).
    pub async fn refusal_counts(
        &self,
        from: jiff::Timestamp,
        until: jiff::Timestamp,
    ) -> Result<std::collections::BTreeMap<String, u64>, StoreError> {
        let lines = self
            .backend
            .texts(
                "SELECT refusal_code || ' ' || CAST(count(*) AS TEXT) FROM records \
                 WHERE refusal_code IS NOT NULL AND time >= $1 AND time < $2 GROUP BY refusal_code",
                vec![
                    Param::Text(super::clock::format_time(from)),
                    Param::Text(super::clock::format_time(until)),
                ],
            )
            .await?;
        let mut out = std::collections::BTreeMap::new();
        for line in lines {
            let (code, n) = line.rsplit_once(' ').unwrap_or((&line, "0"));
            out.insert(code.to_owned(), n.parse().unwrap_or(0));
        }
        Ok(out)
    }

    /// Governance records whose `governance.action` is one of `actions`, in seq order,
    /// decoded or not (an index on `(action, seq)` over governance records only).
    pub async fn governance_by_action(&self, actions: &[&str]) -> Result<Vec<Row>, StoreError> {
        if actions.is_empty() {
            return Ok(Vec::new());
        }
        let marks: Vec<String> = (1..=actions.len()).map(|i| format!("${i}")).collect();
        let tail =
            format!("WHERE kind = 'governance' AND action IN ({}) ORDER BY seq", marks.join(", "));
        let params = actions.iter().map(|a| Param::Text((*a).to_owned())).collect();
        Ok(self.backend.select(&tail, params).await?.into_iter().map(Row::from).collect())
    }

    /// Emergency disclosures committed since `since` by `from_agency` (and, when given,
    /// by `requester`): the count the emergency limits use. Request records only.
    pub async fn count_emergencies_since(
        &self,
        from_agency: &str,
        requester: Option<&str>,
        since: jiff::Timestamp,
    ) -> Result<u64, StoreError> {
        let mut sql = "SELECT count(*) FROM records WHERE emergency IS NOT NULL AND kind = 'disclosure' \
                       AND (direction IS NULL OR direction = 'request') AND from_agency = $1 AND time >= $2"
            .to_owned();
        let mut params = vec![
            Param::Text(from_agency.to_owned()),
            Param::Text(super::clock::format_time(since)),
        ];
        if let Some(r) = requester {
            sql.push_str(" AND requester = $3");
            params.push(Param::Text(r.to_owned()));
        }
        Ok(to_u64(self.backend.scalar(&sql, params).await?))
    }

    /// Tests: while `hold` is set, a SQLite store's writer writes no subject index rows
    /// (subject access then scans the records after the watermark); PostgreSQL writes
    /// them with the records regardless.
    #[doc(hidden)]
    pub fn hold_subject_index(&self, hold: bool) {
        if let Backend::Sqlite(s) = &self.backend {
            s.hold_subject_index(hold);
        }
    }

    /// Counters for tests and metrics.
    pub fn stats(&self) -> StoreStats {
        self.stats.snapshot()
    }

    /// SQLite only: the journal mode and synchronous level read back at open.
    pub fn durability(&self) -> Option<&Durability> {
        self.durability.as_ref()
    }

    pub fn options(&self) -> &StoreOptions {
        &self.opts
    }

    /// Verify the chain (and, when given, the checkpoints against it).
    pub async fn verify(
        &self,
        checkpoints: Option<(&Path, &Path)>,
        progress: &dyn Fn(u64, u64),
    ) -> Result<super::verify::VerifyReport, StoreError> {
        super::verify::verify(self, checkpoints, progress).await
    }
}

/// SQLite's subject query after `SELECT ... FROM records`: the index up to the watermark,
/// then a scan of the records after it for the subject's bytes (`$2`), in one statement
/// (one snapshot).
static SQLITE_SUBJECT_TAIL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let through = super::subject_index::WATERMARK_SQL;
    format!(
        "WHERE seq IN (SELECT seq FROM record_subjects WHERE subject_key = $1 AND seq <= {through}) \
         UNION ALL SELECT {} FROM records WHERE seq > {through} AND instr(body, $2) > 0 \
         ORDER BY seq",
        super::columns::COLUMNS
    )
});

pub(crate) fn decode(c: Columns) -> Result<Record, StoreError> {
    let seq = c.seq;
    c.into_record().map_err(|e| StoreError::Read(format!("record seq {seq}: {e}")))
}

pub(crate) fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

pub(crate) fn to_u64(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

/// A URL fit for an error message: no user info, no query.
pub(crate) use crate::redaction::url as redact_url;

#[cfg(test)]
mod tests {
    use super::super::batch::{wait_for_more, POLL};
    use super::*;

    /// Nobody else: close. Callers answered but not resumed: one slice at most.
    /// Appends under way: until the window ends. Jobs already held count as arrived.
    #[test]
    fn a_writer_waits_by_who_may_still_come() {
        let stats = Arc::new(Stats::default());
        let window = Duration::from_millis(50);
        let now = Instant::now();
        let ago = |d: Duration| now.checked_sub(d).unwrap();
        assert_eq!(wait_for_more(&stats, 0, now, window), None);

        let answered = Counted::new(&stats, Count::Active);
        assert!(wait_for_more(&stats, 0, now, window).is_some_and(|w| w <= POLL));
        assert_eq!(wait_for_more(&stats, 0, ago(POLL), window), None);

        let under_way = Counted::new(&stats, Count::Pending);
        let w = wait_for_more(&stats, 0, ago(POLL * 2), window);
        assert!(w.is_some_and(|w| w <= POLL), "{w:?}");
        assert_eq!(wait_for_more(&stats, 0, ago(window), window), None);
        assert_eq!(wait_for_more(&stats, 1, now, window), None, "the one under way is held");

        drop((answered, under_way));
        assert_eq!((stats.active(), stats.pending()), (0, 0));
    }
}
