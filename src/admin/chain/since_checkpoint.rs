//! The page-load verify over the record store's public reads: find the last signed
//! checkpoint (the file `[checkpoints] file` names, each signature checked with the `.pub`
//! beside `[checkpoints] key`), check that the record at its seq still has its hash, then
//! walk the records after it: each in seq order, its hash recomputed from its fields, its
//! `prev_hash` the previous record's hash. At most [`RECENT_MAX`] records, read
//! [`CHUNK`] at a time. The full verify (`audit verify`) checks everything else (time
//! order, ids, anchors, every checkpoint).

use std::path::PathBuf;

use super::{KnownHead, RecentStatus, StartedAt, RECENT_MAX};
use crate::admin::ports::{BadRecord, ChainStatus, ChainSummary, Checkpoint};
use crate::audit::checkpoint::read_checkpoints;
use crate::audit::columns::Row;
use crate::audit::store::StoreError;
use crate::audit::{Store, GENESIS_HASH};

/// Records read per query.
const CHUNK: u64 = 2_000;

/// The checkpoints file and the public key that checks it, when both exist.
pub fn checkpoint_files(store: &Store) -> Option<(PathBuf, PathBuf)> {
    let opts = store.options().checkpoints.as_ref()?;
    let public = opts.key_file.with_extension("pub");
    (opts.out_file.is_file() && public.is_file()).then(|| (opts.out_file.clone(), public))
}

/// The last signed checkpoint, or why the checkpoints could not be read.
fn last_signed(store: &Store) -> Result<Option<crate::audit::Checkpoint>, String> {
    let Some((file, public)) = checkpoint_files(store) else { return Ok(None) };
    read_checkpoints(&file, &public)
        .map(|cs| cs.into_iter().max_by_key(|c| c.seq))
        .map_err(|e| e.to_string())
}

/// Where the walk goes next: the seq it expects and the hash the record before had
/// (`None`: take the first record's `prev_hash` as it is, after an archive).
struct Cursor {
    expected: u64,
    prev: Option<String>,
}

/// Verify the records after the last signed checkpoint, else after `known`, else all
/// (up to [`RECENT_MAX`]).
pub async fn walk_since(
    store: &Store,
    known: Option<KnownHead>,
) -> Result<RecentStatus, StoreError> {
    let (lo, hi, total) = store.extent().await?;
    let (checkpoint, problem) = match last_signed(store) {
        Ok(c) => (c, None),
        Err(e) => (None, Some(e)),
    };
    let chain = ChainStatus {
        summary: ChainSummary {
            ok: problem.is_none(),
            length: total,
            head_seq: (total > 0).then_some(hi),
            head_hash: None,
        },
        first_bad: None,
        last_checkpoint: checkpoint.as_ref().map(|c| Checkpoint {
            seq: c.seq,
            head_hash: c.head.clone(),
            time: c.time.clone(),
        }),
    };
    let mut st = RecentStatus {
        chain,
        started_at: StartedAt::FirstRecord,
        from_seq: lo.saturating_sub(1),
        checked: 0,
        stopped_early: false,
        checkpoint_problem: problem,
    };
    if total == 0 {
        return Ok(st);
    }
    if let Some(c) = checkpoint.as_ref().filter(|c| c.seq > hi) {
        let detail = format!(
            "checkpoint signed at `{}` names seq {}, but the store ends at seq {hi}: records were removed from the end",
            c.time, c.seq
        );
        return Ok(failed(st, c.seq, String::new(), detail));
    }
    let start = match (&checkpoint, known) {
        (Some(c), _) if c.seq >= lo => Some((StartedAt::Checkpoint, c.seq, c.head.clone())),
        (_, Some(k)) if (lo..=hi).contains(&k.seq) => Some((StartedAt::FullVerify, k.seq, k.hash)),
        _ => None,
    };
    let mut cursor = Cursor { expected: lo, prev: (lo == 1).then(|| GENESIS_HASH.to_owned()) };
    if let Some((from, seq, hash)) = start {
        st.started_at = from;
        st.from_seq = seq;
        let row = store.rows_after(seq - 1, 1).await?.into_iter().next();
        let mut at = Cursor { expected: seq, prev: None };
        if let Err(bad) = check(row, &mut at) {
            return Ok(failed(st, bad.seq, bad.id, bad.problem));
        }
        if at.prev.as_deref() != Some(hash.as_str()) {
            let detail = format!(
                "record {seq} no longer has the hash `{hash}` it had when it was vouched for"
            );
            return Ok(failed(st, seq, String::new(), detail));
        }
        cursor = at;
    }
    // Bounded: at most RECENT_MAX records, CHUNK per read.
    while cursor.expected <= hi && st.checked < RECENT_MAX {
        let want = CHUNK.min(RECENT_MAX - st.checked);
        let rows = store.rows_after(cursor.expected - 1, want).await?;
        if rows.is_empty() {
            let detail = format!(
                "the records end before seq {}, but the store's highest seq is {hi}",
                cursor.expected
            );
            return Ok(failed(st, cursor.expected, String::new(), detail));
        }
        for row in rows {
            if let Err(bad) = check(Some(row), &mut cursor) {
                return Ok(failed(st, bad.seq, bad.id, bad.problem));
            }
            st.checked += 1;
        }
    }
    st.stopped_early = cursor.expected <= hi;
    if !st.stopped_early {
        st.chain.summary.head_hash = cursor.prev;
    }
    Ok(st)
}

fn failed(mut st: RecentStatus, seq: u64, id: String, problem: String) -> RecentStatus {
    st.chain.summary.ok = false;
    st.chain.first_bad = Some(BadRecord { seq, id, problem });
    st
}

/// One record: the seq the cursor expects, decodable, its hash its fields' hash, linked
/// to the record before. On success the cursor moves past it.
fn check(row: Option<Row>, cursor: &mut Cursor) -> Result<(), BadRecord> {
    let expected = cursor.expected;
    let Some(row) = row else {
        return Err(BadRecord {
            seq: expected,
            id: String::new(),
            problem: format!("there is no record at seq {expected}"),
        });
    };
    let seq = u64::try_from(row.seq).unwrap_or(0);
    let bad = |problem: String| BadRecord { seq, id: row.id.clone(), problem };
    if seq != expected {
        return Err(bad(format!(
            "expected seq {expected}, found seq {seq}: records are missing or out of order"
        )));
    }
    let record =
        row.record.as_ref().map_err(|e| bad(format!("the record does not decode: {e}")))?;
    match record.compute_hash() {
        Ok(h) if h == record.hash => {}
        _ => return Err(bad("the stored hash is not the hash of the record's fields".into())),
    }
    if cursor.prev.as_ref().is_some_and(|p| *p != record.prev_hash) {
        return Err(bad("`prev_hash` is not the previous record's hash".into()));
    }
    cursor.prev = Some(record.hash.clone());
    cursor.expected += 1;
    Ok(())
}
