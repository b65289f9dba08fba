//! `audit verify`: walk the live chain in seq order, recompute every hash from the
//! stored columns (the same decoding `subject` and `report` use), and check each signed
//! checkpoint against the record at its seq. Stops at the first bad record and names it.
//! This module only reads.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use serde::Serialize;

use super::archive::AnchorInfo;
use super::canonical;
use super::checkpoint::{read_checkpoints, Checkpoint};
use super::clock::parse_time;
use super::columns::Columns;
use super::record::{Record, RecordKind, GENESIS_HASH};
use super::store::{to_u64, Backend, Store, StoreError};

mod fast;
mod parallel;

pub(crate) use fast::ColumnsRef;

/// Rows read per query by the sequential walk (PostgreSQL).
const CHUNK: u64 = 2_000;

/// Which check a record failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Check {
    /// The stored bytes do not decode into a record.
    Decode,
    /// A query column (`flow`, `outcome`...) says other than the record it holds.
    Column,
    /// `seq` is not the next number (a record is missing or out of place).
    Seq,
    /// `prev_hash` is not the previous record's hash.
    PrevHash,
    /// The stored hash is not the hash of the record's fields.
    Hash,
    /// `id` is not a UUIDv7.
    Id,
    /// `time` is not RFC 3339 UTC with microseconds, or goes backwards.
    Time,
    /// The live chain starts after seq 1 but no anchor names the archived prefix.
    Anchor,
    /// A signed checkpoint names a seq the store no longer holds (truncation).
    CheckpointMissing,
    /// A signed checkpoint's head hash differs from the stored record (rewrite).
    CheckpointMismatch,
}

impl Check {
    pub fn as_str(self) -> &'static str {
        match self {
            Check::Decode => "decode",
            Check::Column => "column",
            Check::Seq => "seq",
            Check::PrevHash => "prev-hash",
            Check::Hash => "hash",
            Check::Id => "id",
            Check::Time => "time",
            Check::Anchor => "anchor",
            Check::CheckpointMissing => "checkpoint-missing",
            Check::CheckpointMismatch => "checkpoint-mismatch",
        }
    }
}

/// The first bad record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    pub seq: u64,
    /// The record's id, when there is a record at that seq.
    pub id: Option<String>,
    pub check: Check,
    pub detail: String,
}

/// What `verify` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    pub ok: bool,
    /// Live records walked.
    pub length: u64,
    /// Lowest live seq (greater than 1 after an archive).
    pub first_seq: u64,
    pub head_seq: u64,
    pub head_hash: String,
    pub failure: Option<Failure>,
    /// Checkpoints read and checked (signatures already verified), when a file was given.
    pub checkpoints_checked: Option<u64>,
    /// Checkpoints at or before an archived prefix that only the archive can confirm.
    pub checkpoints_archived: u64,
    pub last_checkpoint: Option<Checkpoint>,
    /// Live records written before record format 2 (no `format` member): they stay as
    /// they were, covered by the chain, and their paths may hold names the caller chose.
    pub older_format: u64,
    /// Of those, the records whose `stripped` names an undeclared key or a query
    /// parameter: text the caller chose, kept until the records are archived.
    pub older_with_caller_names: u64,
}

/// How an older-format record's canonical bytes show that its `stripped` holds a
/// caller's key or parameter name: a `stripped` entry ends `"reason":"undeclared"}` (or
/// `query-not-allowed`), its last member.
const CALLER_NAME_ENDS: [&str; 2] =
    [",\"reason\":\"undeclared\"}", ",\"reason\":\"query-not-allowed\"}"];

/// Live records before format 2, and those of them naming what a caller chose, counted
/// as the walk passes each record (one read of the table, not three).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Older {
    records: u64,
    with_names: u64,
}

impl Older {
    /// A row's share: its `format` column and its bytes, matched as SQL's `LIKE` matches
    /// [`CALLER_NAME_ENDS`] (ASCII letters in either case).
    fn of(format: Option<i64>, body: &[u8]) -> Older {
        if format.is_some() {
            return Older::default();
        }
        let named = CALLER_NAME_ENDS
            .iter()
            .any(|end| body.windows(end.len()).any(|w| w.eq_ignore_ascii_case(end.as_bytes())));
        Older { records: 1, with_names: u64::from(named) }
    }

    fn add(&mut self, other: Older) {
        self.records += other.records;
        self.with_names += other.with_names;
    }
}

/// The same counts in SQL (older records, and those naming what a caller chose).
fn older_sql() -> [String; 2] {
    let older = "SELECT count(*) FROM records WHERE format IS NULL";
    let [a, b] = CALLER_NAME_ENDS.map(|end| format!("body LIKE '%{end}%'"));
    [older.to_owned(), format!("{older} AND ({a} OR {b})")]
}

/// The counts in SQL, for a walk that stopped before the end of the chain.
async fn older_in_sql(store: &Store) -> Result<Older, StoreError> {
    let [older, named] = older_sql();
    Ok(Older { records: count(store, &older).await?, with_names: count(store, &named).await? })
}

/// How to walk the chain. Every way checks the same things and names the same first
/// bad record; they differ only in speed (the tests run them side by side).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Walk {
    /// Parallel on SQLite, sequential with the fast path on PostgreSQL.
    Auto,
    /// One reader task and one checking stage, chunk after chunk.
    Sequential {
        /// Try the fast path on each row before the slow one.
        fast: bool,
    },
    /// SQLite: `workers` threads, each with its own connection, walking `chunk` seqs at
    /// a time; chunks are joined in seq order. Sequential when the database has no
    /// file to open again.
    Parallel { chunk: u64, workers: usize },
}

/// Seqs per chunk of the parallel walk.
const PARALLEL_CHUNK: u64 = 4_096;

pub(crate) async fn verify(
    store: &Store,
    checkpoints: Option<(&Path, &Path)>,
    progress: &dyn Fn(u64, u64),
) -> Result<VerifyReport, StoreError> {
    verify_with(store, checkpoints, progress, Walk::Auto).await
}

pub(crate) async fn verify_with(
    store: &Store,
    checkpoints: Option<(&Path, &Path)>,
    progress: &dyn Fn(u64, u64),
    walk: Walk,
) -> Result<VerifyReport, StoreError> {
    let mut report = walk_chain(store, checkpoints, progress, walk).await?;
    if !report.ok {
        // The walk counted older records only up to where it stopped.
        let older = older_in_sql(store).await?;
        report.older_format = older.records;
        report.older_with_caller_names = older.with_names;
    }
    Ok(report)
}

async fn walk_chain(
    store: &Store,
    checkpoints: Option<(&Path, &Path)>,
    progress: &dyn Fn(u64, u64),
    walk: Walk,
) -> Result<VerifyReport, StoreError> {
    let signed = match checkpoints {
        Some((file, key)) => {
            Some(read_checkpoints(file, key).map_err(|e| StoreError::Checkpoint(e.to_string()))?)
        }
        None => None,
    };
    let (lo, hi, total) = store.extent().await?;
    let mut report = VerifyReport {
        ok: true,
        length: 0,
        first_seq: lo,
        head_seq: 0,
        head_hash: GENESIS_HASH.to_owned(),
        failure: None,
        checkpoints_checked: signed.as_ref().map(|s| s.len() as u64),
        checkpoints_archived: 0,
        last_checkpoint: signed.as_ref().and_then(|s| s.iter().max_by_key(|c| c.seq).cloned()),
        older_format: 0,
        older_with_caller_names: 0,
    };
    let mut by_seq: ByCheckpoint = BTreeMap::new();
    for c in signed.iter().flatten() {
        by_seq.entry(c.seq).or_default().push(c.clone());
    }

    // Where the live chain starts, and the hash it must start from.
    let mut expected_prev = GENESIS_HASH.to_owned();
    if lo > 1 {
        match anchor_for(store, lo - 1).await? {
            Some(a) => {
                expected_prev = a.archived_head.clone();
                report.checkpoints_archived = by_seq.range(..lo).map(|(_, v)| v.len() as u64).sum();
                if let Some(cs) = by_seq.get(&(lo - 1)) {
                    if let Some(c) = cs.iter().find(|c| c.head != a.archived_head) {
                        return Ok(fail(report, lo - 1, None, Check::CheckpointMismatch, format!(
                            "checkpoint signed at `{}` says the archived head is `{}`, the anchor says `{}`",
                            c.time, c.head, a.archived_head
                        )));
                    }
                }
            }
            None => {
                let first = store.rows_after(lo - 1, 1).await?;
                let id = first.first().map(|r| r.id.clone());
                return Ok(fail(report, lo, id, Check::Anchor, format!(
                    "the chain starts at seq {lo} and no anchor record names the archived records 1 to {}",
                    lo - 1
                )));
            }
        }
    }
    let by_seq = Arc::new(by_seq);
    let mut joiner = Joiner {
        state: State { expected_seq: lo.max(1), prev: expected_prev, time: String::new() },
        by_seq: by_seq.clone(),
    };
    // Rows after `after` (as before archives: seq 1 on when nothing is archived).
    let after = lo.saturating_sub(1);
    let walk = match (walk, &store.backend) {
        (Walk::Auto, Backend::Sqlite(_)) => Walk::Parallel {
            chunk: PARALLEL_CHUNK,
            workers: std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 8),
        },
        (Walk::Auto, _) => Walk::Sequential { fast: true },
        (w, _) => w,
    };
    let failure = match walk {
        Walk::Parallel { chunk, workers } if total > 0 => {
            match parallel::start(store, after + 1, hi, chunk, workers, by_seq.clone()).await {
                Some(rx) => parallel::join(rx, &mut joiner, &mut report, total, progress).await?,
                None => {
                    sequential(store, after, total, true, &mut joiner, &mut report, progress)
                        .await?
                }
            }
        }
        Walk::Sequential { fast } => {
            sequential(store, after, total, fast, &mut joiner, &mut report, progress).await?
        }
        _ => None,
    };
    if let Some(f) = failure {
        return Ok(fail(report, f.seq, f.id, f.check, f.detail));
    }
    report.head_hash = joiner.state.prev;
    if report.head_seq != hi {
        let detail = format!(
            "the walk ended at seq {} but the store's highest seq is {hi}",
            report.head_seq
        );
        return Ok(fail(report, hi, None, Check::Seq, detail));
    }
    if let Some((&seq, cs)) = by_seq.range(hi + 1..).next() {
        let time = cs.first().map(|c| c.time.clone()).unwrap_or_default();
        let detail = format!(
            "checkpoint signed at `{time}` names seq {seq}, but the store ends at seq {hi}: records were removed from the end"
        );
        return Ok(fail(report, seq, None, Check::CheckpointMissing, detail));
    }
    Ok(report)
}

async fn count(store: &Store, sql: &str) -> Result<u64, StoreError> {
    Ok(u64::try_from(store.backend.scalar(sql, vec![]).await?).unwrap_or(0))
}

/// Signed checkpoints by the seq they name.
type ByCheckpoint = BTreeMap<u64, Vec<Checkpoint>>;

/// What the next record must carry, given the records before it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct State {
    expected_seq: u64,
    /// The previous record's hash.
    prev: String,
    /// The previous record's time (empty before the first).
    time: String,
}

/// The slow path for one row: decode it as every reader does (`Columns::into_record`),
/// recompute its hash from the record, check it, then check that the query columns are
/// the record's. On success `state` moves past it.
fn slow_step(c: Columns, state: &mut State, by_seq: &ByCheckpoint) -> Result<(), Failure> {
    let seq = to_u64(c.seq);
    let id = Some(c.id.clone());
    let failure = |check, detail| Failure { seq, id: id.clone(), check, detail };
    if seq != state.expected_seq {
        let detail = format!(
            "expected seq {}, found seq {seq}: records are missing or out of order",
            state.expected_seq
        );
        return Err(failure(Check::Seq, detail));
    }
    let stored = c.clone();
    let record = match c.into_record() {
        Ok(r) => r,
        Err(e) => return Err(failure(Check::Decode, e.to_string())),
    };
    let computed = canonical::record_hash(&record);
    if let Some((check, detail)) = check_record(&record, computed, &state.prev, &state.time) {
        return Err(failure(check, detail));
    }
    let differs = match Columns::from_record(&record) {
        Ok(mut derived) => {
            // The bytes were checked above (through their hash); they may differ only in
            // form (the record decodes and hashes the same), so the columns are compared.
            derived.body = stored.body.clone();
            derived.first_difference(&stored)
        }
        Err(_) => Some("body"),
    };
    if let Some(column) = differs {
        let detail = format!("column `{column}` does not say what the record it holds says");
        return Err(failure(Check::Column, detail));
    }
    if let Some(cs) = by_seq.get(&seq) {
        if let Some(c) = cs.iter().find(|c| c.head != record.hash) {
            let detail = format!(
                "checkpoint signed at `{}` says the hash of seq {seq} is `{}`, the store holds `{}`",
                c.time, c.head, record.hash
            );
            return Err(failure(Check::CheckpointMismatch, detail));
        }
    }
    state.prev = record.hash;
    state.time = record.time;
    state.expected_seq += 1;
    Ok(())
}

/// The fast path for one row, borrowed: `true` when it passes every check that
/// [`slow_step`] makes (and `state` moves past it); `false` means "ask the slow path",
/// which decides and explains.
fn fast_step(c: &ColumnsRef<'_>, state: &mut State, by_seq: &ByCheckpoint) -> bool {
    let seq = to_u64(c.seq);
    if seq != state.expected_seq
        || !fast::passes(c, &state.prev, &state.time)
        || by_seq.get(&seq).is_some_and(|cs| cs.iter().any(|k| k.head.as_bytes() != c.hash))
    {
        return false;
    }
    // Both are ASCII once `passes` said yes (lowercase hex, the plain time form).
    let (Ok(hash), Ok(time)) = (std::str::from_utf8(c.hash), std::str::from_utf8(c.time)) else {
        return false;
    };
    state.prev.clear();
    state.prev.push_str(hash);
    state.time.clear();
    state.time.push_str(time);
    state.expected_seq += 1;
    true
}

/// What one chunk of rows came to.
#[derive(Debug)]
struct Chunk {
    /// Parallel walk: the chunk's first row, which only the joiner can check (it knows
    /// the record before); `None` for an empty chunk or a sequential one.
    first: Option<Result<Columns, StoreError>>,
    /// Rows after `first` that passed.
    passed: u64,
    /// The seq of the last of them.
    last_seq: u64,
    /// Older-format records among them.
    older: Older,
    /// The state after the last row that passed, assuming `first` passes.
    state: Option<State>,
    /// The first bad row after `first`, or the read error, or neither.
    end: Result<Option<Failure>, StoreError>,
}

/// Checks the rows of one chunk in seq order, stopping at the first bad one.
struct ChunkWalk<'a> {
    by_seq: &'a ByCheckpoint,
    fast: bool,
    out: Chunk,
}

impl<'a> ChunkWalk<'a> {
    /// `state`: where the chain stands before the chunk, or `None` when that is not
    /// known yet (the first row is then kept for the joiner and the walk assumes it passes).
    fn new(state: Option<State>, by_seq: &'a ByCheckpoint, fast: bool) -> Self {
        let out = Chunk {
            first: None,
            passed: 0,
            last_seq: 0,
            older: Older::default(),
            state,
            end: Ok(None),
        };
        ChunkWalk { by_seq, fast, out }
    }

    /// One row, borrowed when the backend can lend it; `owned` reads it as [`Columns`]
    /// for the slow path. `false`: stop here (the chunk's outcome is decided).
    fn row(
        &mut self,
        borrowed: Option<ColumnsRef<'_>>,
        owned: impl FnOnce() -> Result<Columns, StoreError>,
    ) -> bool {
        let Some(state) = &mut self.out.state else {
            return match owned() {
                Ok(c) => {
                    self.out.state = Some(State {
                        expected_seq: to_u64(c.seq).saturating_add(1),
                        prev: c.hash.clone(),
                        time: c.time.clone(),
                    });
                    self.out.first = Some(Ok(c));
                    true
                }
                Err(e) => {
                    self.out.first = Some(Err(e));
                    false
                }
            };
        };
        if self.fast {
            if let Some(c) = borrowed {
                if fast_step(&c, state, self.by_seq) {
                    self.out.older.add(Older::of(c.format, c.body));
                    self.out.passed += 1;
                    self.out.last_seq = to_u64(c.seq);
                    return true;
                }
            }
        }
        match owned() {
            Ok(c) => {
                let seq = to_u64(c.seq);
                let older = Older::of(c.format, c.body.as_bytes());
                match slow_step(c, state, self.by_seq) {
                    Ok(()) => {
                        self.out.older.add(older);
                        self.out.passed += 1;
                        self.out.last_seq = seq;
                        true
                    }
                    Err(f) => {
                        self.out.end = Ok(Some(f));
                        false
                    }
                }
            }
            Err(e) => {
                self.out.end = Err(e);
                false
            }
        }
    }

    /// A read error after the rows seen so far (kept only if nothing stopped the walk before it).
    fn read_failed(&mut self, e: StoreError) {
        let decided = matches!(self.out.first, Some(Err(_))) || !matches!(self.out.end, Ok(None));
        if !decided {
            self.out.end = Err(e);
        }
    }

    fn finish(self) -> Chunk {
        self.out
    }
}

impl Chunk {
    /// Whether the walk stops in this chunk whatever came before it.
    fn stops(&self) -> bool {
        matches!(self.first, Some(Err(_))) || !matches!(self.end, Ok(None))
    }
}

/// Folds chunks into the walk in seq order.
struct Joiner {
    state: State,
    by_seq: Arc<ByCheckpoint>,
}

impl Joiner {
    /// The next chunk in seq order: `Some` is the first bad record.
    fn join(
        &mut self,
        chunk: Chunk,
        report: &mut VerifyReport,
    ) -> Result<Option<Failure>, StoreError> {
        if let Some(first) = chunk.first {
            let c = first?;
            let seq = to_u64(c.seq);
            let older = Older::of(c.format, c.body.as_bytes());
            if !fast_step(&c.borrowed(), &mut self.state, &self.by_seq) {
                if let Err(f) = slow_step(c, &mut self.state, &self.by_seq) {
                    return Ok(Some(f));
                }
            }
            report.length += 1;
            report.head_seq = seq;
            report.older_format += older.records;
            report.older_with_caller_names += older.with_names;
        }
        report.older_format += chunk.older.records;
        report.older_with_caller_names += chunk.older.with_names;
        if chunk.passed > 0 {
            report.length += chunk.passed;
            report.head_seq = chunk.last_seq;
        }
        if let Some(s) = chunk.state {
            self.state = s;
        }
        chunk.end
    }
}

/// The walk in one line: a reader task reads chunks of rows in seq order while the
/// previous chunk is checked on a blocking thread (two cores busy).
async fn sequential(
    store: &Store,
    after: u64,
    total: u64,
    fast: bool,
    joiner: &mut Joiner,
    report: &mut VerifyReport,
    progress: &dyn Fn(u64, u64),
) -> Result<Option<Failure>, StoreError> {
    let mut chunks = read_ahead(store, after, total);
    while let Some(rows) = chunks.recv().await {
        let rows = rows?;
        let state = joiner.state.clone();
        let by_seq = joiner.by_seq.clone();
        let chunk = tokio::task::spawn_blocking(move || {
            let mut walk = ChunkWalk::new(Some(state), &by_seq, fast);
            for c in &rows {
                if !walk.row(Some(c.borrowed()), || Ok(c.clone())) {
                    break;
                }
            }
            walk.finish()
        })
        .await
        .map_err(|e| StoreError::Read(e.to_string()))?;
        if let Some(f) = joiner.join(chunk, report)? {
            return Ok(Some(f));
        }
        progress(report.length, total);
    }
    Ok(None)
}

/// The checks one record must pass, given what came before it.
fn check_record(
    record: &Record,
    computed: Result<String, canonical::CanonicalError>,
    expected_prev: &str,
    last_time: &str,
) -> Option<(Check, String)> {
    if record.id.get_version_num() != 7 {
        return Some((Check::Id, "the id is not a UUIDv7".into()));
    }
    if parse_time(&record.time).is_none() {
        return Some((
            Check::Time,
            format!("time `{}` is not RFC 3339 UTC with microseconds", record.time),
        ));
    }
    if record.time.as_str() < last_time {
        return Some((
            Check::Time,
            format!("time `{}` is before the previous record's `{last_time}`", record.time),
        ));
    }
    if record.prev_hash != expected_prev {
        return Some((
            Check::PrevHash,
            format!(
                "prev_hash is `{}`, the previous record's hash is `{expected_prev}`",
                record.prev_hash
            ),
        ));
    }
    match computed {
        Ok(h) if h == record.hash => None,
        Ok(h) => {
            Some((Check::Hash, format!("stored hash `{}`, the fields hash to `{h}`", record.hash)))
        }
        Err(e) => Some((Check::Hash, e.to_string())),
    }
}

/// A reader task that sends chunks of rows in seq order from `after + 1` on; the
/// channel closes after the last chunk or an error.
fn read_ahead(
    store: &Store,
    after: u64,
    total: u64,
) -> tokio::sync::mpsc::Receiver<Result<Vec<Columns>, StoreError>> {
    let (rows_tx, rows_rx) = tokio::sync::mpsc::channel(2);
    if total == 0 {
        return rows_rx;
    }
    let store = store.clone();
    tokio::spawn(async move {
        let mut after = after;
        loop {
            let rows = store.columns_after(after, CHUNK).await;
            let (last, full) = match &rows {
                Ok(r) => (r.last().map(|x| to_u64(x.seq)), r.len() as u64 == CHUNK),
                Err(_) => (None, false),
            };
            if rows_tx.send(rows).await.is_err() || !full {
                return;
            }
            after = last.unwrap_or(after);
        }
    });
    rows_rx
}

fn fail(
    mut report: VerifyReport,
    seq: u64,
    id: Option<String>,
    check: Check,
    detail: String,
) -> VerifyReport {
    report.ok = false;
    report.failure = Some(Failure { seq, id, check, detail });
    report
}

/// The anchor record that names the archived prefix ending at `to_seq`.
async fn anchor_for(store: &Store, to_seq: u64) -> Result<Option<AnchorInfo>, StoreError> {
    let rows = store.backend.select("WHERE kind = 'anchor' ORDER BY seq", vec![]).await?;
    for row in rows {
        let Ok(record) = row.into_record() else { continue };
        if record.draft.kind != RecordKind::Anchor {
            continue;
        }
        if let Some(info) = AnchorInfo::from_record(&record) {
            if info.archived_to == to_seq {
                return Ok(Some(info));
            }
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests;
