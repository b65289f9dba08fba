//! `audit archive` (contract sections 10 and 11): records older than a date are written
//! to a segment file (the records as JSON lines, then one signed trailer line), then
//! removed from the live store in the same transaction that appends an `anchor` record
//! naming the archived range and its head hash, so `seq` stays contiguous and `verify`
//! still passes. The segment is fsynced before anything is removed.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use aws_lc_rs::signature::KeyPair as _;
use base64::Engine as _;
use serde::{Deserialize, Serialize};

use super::canonical::write_canonical;
use super::checkpoint::read_private_key;
use super::clock::format_time;
use super::record::{Outcome, Record, RecordDraft, RecordKind};
use super::store::{to_u64, Committed, Param, Store, StoreError};
use crate::digest::sha256_hex;

/// What an anchor record's `governance` holds. An absent member is left out (`None`).
#[serde_with::skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnchorInfo {
    /// Always `archive`.
    pub action: String,
    pub archived_from: u64,
    pub archived_to: u64,
    /// The hash of record `archived_to`: the next live record's `prev_hash`.
    pub archived_head: String,
    /// SHA-256 of the segment's record lines (everything before the trailer).
    pub segment_sha256: String,
    /// The time of the first and last archived record: the dates a missing segment
    /// covers. Absent in anchors written before they were recorded.
    pub first_time: Option<String>,
    pub last_time: Option<String>,
    /// The segment's file name (no folder), as written.
    pub segment_file: Option<String>,
}

impl AnchorInfo {
    pub fn from_record(record: &Record) -> Option<Self> {
        if record.draft.kind != RecordKind::Anchor {
            return None;
        }
        serde_json::from_value(record.draft.governance.clone()?).ok()
    }
}

/// The last line of a segment file: what it holds, signed with the checkpoint key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentTrailer {
    pub segment: SegmentInfo,
    pub key: String,
    /// Base64 Ed25519 over the canonical JSON of `segment`.
    pub sig: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentInfo {
    pub from_seq: u64,
    pub to_seq: u64,
    pub count: u64,
    /// `prev_hash` of the first archived record.
    pub prev_hash: String,
    /// Hash of the last archived record.
    pub head: String,
    pub records_sha256: String,
    pub time: String,
}

/// What `archive` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArchiveSummary {
    pub from_seq: u64,
    pub to_seq: u64,
    pub count: u64,
    pub head: String,
    pub out: PathBuf,
    pub anchor_seq: u64,
    pub anchor_id: String,
}

/// Archive every record whose time is before `before` into `out` (a file, or a folder
/// to write `segment-<from>-<to>.jsonl` in), signed with the checkpoint key in
/// `key_file`, and leave an anchor. `actor` names who asked.
pub async fn archive(
    store: &Store,
    before: jiff::Timestamp,
    out: &Path,
    key_file: &Path,
    actor: &str,
) -> Result<ArchiveSummary, StoreError> {
    let err = |e: &dyn std::fmt::Display| StoreError::Archive(e.to_string());
    let key = read_private_key(key_file).map_err(|e| err(&e))?;
    let (lo, hi, _) = store.extent().await?;
    let to = to_u64(
        store
            .backend
            .scalar(
                "SELECT max(seq) FROM records WHERE time < $1",
                vec![Param::Text(format_time(before))],
            )
            .await?,
    );
    if hi == 0 || to < lo {
        return Err(StoreError::Archive("no live record is older than the given date".into()));
    }
    let out = if out.is_dir() {
        out.join(format!("segment-{lo:010}-{to:010}.jsonl"))
    } else {
        out.to_owned()
    };
    let out = out.as_path();
    // Write the segment, and keep its hash chain honest while doing so.
    let mut body = Vec::new();
    let mut prev_hash = String::new();
    let mut head = String::new();
    let (mut first_time, mut last_time) = (None, None);
    let mut after = lo - 1;
    while after < to {
        let rows = store.rows_after(after, (to - after).min(10_000)).await?;
        if rows.is_empty() {
            break;
        }
        for row in rows {
            let record = row.record.map_err(|e| err(&e))?;
            if record.seq != after + 1 || (!head.is_empty() && record.prev_hash != head) {
                return Err(StoreError::Archive(format!(
                    "the chain is broken at seq {}: run `audit verify`",
                    record.seq
                )));
            }
            if prev_hash.is_empty() {
                prev_hash = record.prev_hash.clone();
            }
            head = record.hash.clone();
            first_time.get_or_insert_with(|| record.time.clone());
            last_time = Some(record.time.clone());
            after = record.seq;
            serde_json::to_writer(&mut body, &record).map_err(|e| err(&e))?;
            body.push(b'\n');
        }
    }
    let info = SegmentInfo {
        from_seq: lo,
        to_seq: to,
        count: to - lo + 1,
        prev_hash,
        head: head.clone(),
        records_sha256: sha256_hex(&body),
        time: format_time(jiff::Timestamp::now()),
    };
    let mut signed = Vec::new();
    write_canonical(&serde_json::to_value(&info).map_err(|e| err(&e))?, &mut signed)?;
    let trailer = SegmentTrailer {
        segment: info.clone(),
        key: sha256_hex(key.public_key().as_ref()),
        sig: base64::engine::general_purpose::STANDARD.encode(key.sign(&signed).as_ref()),
    };
    let mut file = body;
    serde_json::to_writer(&mut file, &trailer).map_err(|e| err(&e))?;
    file.push(b'\n');
    write_synced(out, &file).map_err(|e| err(&e))?;

    let mut anchor = RecordDraft::new(RecordKind::Anchor, Outcome::Recorded);
    anchor.actor = Some(actor.to_owned());
    anchor.governance = Some(
        serde_json::to_value(AnchorInfo {
            action: "archive".into(),
            archived_from: lo,
            archived_to: to,
            archived_head: head.clone(),
            segment_sha256: info.records_sha256.clone(),
            first_time,
            last_time,
            segment_file: out.file_name().map(|n| n.to_string_lossy().into_owned()),
        })
        .map_err(|e| err(&e))?,
    );
    let committed: Committed = store.truncate_with_anchor(to, anchor).await?;
    Ok(ArchiveSummary {
        from_seq: lo,
        to_seq: to,
        count: info.count,
        head,
        out: out.to_owned(),
        anchor_seq: committed.seq,
        anchor_id: committed.id.to_string(),
    })
}

fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(path)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::AnchorInfo;

    /// An anchor written before the times and file name were recorded reads back with
    /// them `None`, and writes back without them (its governance JSON is unchanged).
    #[test]
    fn absent_members_stay_absent() {
        let old = serde_json::json!({"action": "archive", "archived_from": 1, "archived_to": 9,
            "archived_head": "ab", "segment_sha256": "cd"});
        let info: AnchorInfo = serde_json::from_value(old.clone()).unwrap();
        assert_eq!((&info.first_time, &info.last_time, &info.segment_file), (&None, &None, &None));
        assert_eq!(serde_json::to_value(&info).unwrap(), old);
        let new = AnchorInfo { segment_file: Some("s.jsonl".into()), ..info };
        let keys: Vec<String> =
            serde_json::to_value(&new).unwrap().as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys.last().map(String::as_str), Some("segment_file"));
        assert!(!keys.iter().any(|k| k == "first_time" || k == "last_time"));
    }
}
