//! `audit verify`: walk the live chain in seq order, recompute every hash from the
//! stored columns (the same decoding `subject` and `report` use), and check each signed
//! checkpoint against the record at its seq. Stops at the first bad record and names it.
//! This module only reads.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use super::archive::AnchorInfo;
use super::canonical;
use super::checkpoint::{read_checkpoints, Checkpoint};
use super::clock::parse_time;
use super::columns::Row;
use super::record::{Record, RecordKind, GENESIS_HASH};
use super::store::{Store, StoreError};

/// Rows read per query.
const CHUNK: u64 = 20_000;

/// Which check a record failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Check {
    /// A column does not decode into a record field.
    Decode,
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
}

pub(crate) async fn verify(
    store: &Store,
    checkpoints: Option<(&Path, &Path)>,
    progress: &dyn Fn(u64, u64),
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
    };
    let mut by_seq: BTreeMap<u64, Vec<&Checkpoint>> = BTreeMap::new();
    for c in signed.iter().flatten() {
        by_seq.entry(c.seq).or_default().push(c);
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
    let mut expected_seq = lo.max(1);
    let mut last_time = String::new();
    let mut after = lo.saturating_sub(1);
    let mut next = (total > 0).then(|| prefetch(store, after));
    while let Some(pending) = next.take() {
        let rows = pending.await.map_err(|e| StoreError::Read(e.to_string()))??;
        let Some(last) = rows.last() else { break };
        after = super::store::to_u64(last.0.seq);
        let full = rows.len() as u64 == CHUNK;
        if full {
            next = Some(prefetch(store, after));
        }
        for (row, computed) in rows {
            let seq = super::store::to_u64(row.seq);
            let id = Some(row.id.clone());
            if seq != expected_seq {
                let detail = format!("expected seq {expected_seq}, found seq {seq}: records are missing or out of order");
                return Ok(fail(report, seq, id, Check::Seq, detail));
            }
            let record = match row.record {
                Ok(r) => r,
                Err(e) => return Ok(fail(report, seq, id, Check::Decode, e.to_string())),
            };
            if let Some((check, detail)) =
                check_record(&record, computed, &expected_prev, &last_time)
            {
                return Ok(fail(report, seq, id, check, detail));
            }
            if let Some(cs) = by_seq.get(&seq) {
                if let Some(c) = cs.iter().find(|c| c.head != record.hash) {
                    let detail = format!(
                        "checkpoint signed at `{}` says the hash of seq {seq} is `{}`, the store holds `{}`",
                        c.time, c.head, record.hash
                    );
                    return Ok(fail(report, seq, id, Check::CheckpointMismatch, detail));
                }
            }
            expected_prev = record.hash;
            last_time = record.time;
            expected_seq += 1;
            report.length += 1;
            report.head_seq = seq;
        }
        report.head_hash = expected_prev.clone();
        progress(report.length, total);
        if !full {
            break;
        }
    }
    report.head_hash = expected_prev;
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

type Hashed = Vec<(Row, Result<String, canonical::CanonicalError>)>;

/// Read and hash the next chunk in the background, so that the next read overlaps
/// this chunk's checks.
fn prefetch(store: &Store, after: u64) -> tokio::task::JoinHandle<Result<Hashed, StoreError>> {
    let store = store.clone();
    tokio::spawn(async move {
        let rows = store.rows_after(after, CHUNK).await?;
        tokio::task::spawn_blocking(move || {
            rows.into_iter()
                .map(|row| {
                    let h = match &row.record {
                        Ok(r) => canonical::record_hash(r),
                        Err(_) => Ok(String::new()),
                    };
                    (row, h)
                })
                .collect()
        })
        .await
        .map_err(|e| StoreError::Read(e.to_string()))
    })
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
