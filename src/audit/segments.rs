//! Archived segments read back (issue 12 item 7): after `audit archive`, subject access,
//! the transparency report and the emergency queue still answer for the whole history.
//!
//! The live store's `anchor` records name every archived range (seq from and to, the
//! SHA-256 of the segment's record lines and, in newer anchors, its dates and file name).
//! The archive folder (`[paths] archive`) is searched for a segment whose signed trailer
//! names that range and whose record lines hash to what the anchor says, so a damaged
//! or replaced file is not read. An archived segment may itself hold the anchor of an
//! earlier archive; those are followed too. Every answer says which segments it read
//! and which are missing, with the dates they cover, so an incomplete answer is never
//! taken for a complete one.
//!
//! This module only reads. Segment files are read whole, line by line, on a blocking
//! thread; only the records a caller keeps are held in memory.

use std::collections::HashMap;
use std::io::{Read as _, Seek as _, SeekFrom};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::archive::{AnchorInfo, SegmentTrailer};
use super::record::Record;
use super::store::{decode, Store, StoreError};
use crate::digest::sha256_hex;

/// At most this many files in the archive folder are looked at.
const MAX_FILES: usize = 10_000;
/// At most this many archived ranges are followed (anchors inside segments included).
const MAX_RANGES: usize = 10_000;
/// A trailer line is far shorter than this; the tail read to find it.
const TAIL: u64 = 16 * 1024;

/// The seqs an archived segment holds and the time of its first and last record (when
/// known: a missing segment's dates are those its anchor recorded).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentSpan {
    pub from_seq: u64,
    pub to_seq: u64,
    pub first_time: Option<String>,
    pub last_time: Option<String>,
}

impl SegmentSpan {
    /// `records from T1 to T2` (or that the dates were not recorded), for a person to read.
    fn dates(&self) -> String {
        match (&self.first_time, &self.last_time) {
            (Some(a), Some(b)) => format!("records from {a} to {b}"),
            _ => "dates not recorded".to_owned(),
        }
    }
}

/// A segment that was read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentRead {
    /// The file name in the archive folder.
    pub file: String,
    /// `from_seq`, `to_seq`, `first_time`, `last_time`.
    #[serde(flatten)]
    pub span: SegmentSpan,
}

/// An archived range whose segment could not be read: its records are not in the answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentMissing {
    /// `from_seq`, `to_seq`, `first_time`, `last_time`.
    #[serde(flatten)]
    pub span: SegmentSpan,
    /// Every record in it is older than this (the anchor's time), when known.
    pub archived_before: Option<String>,
    /// The file name its anchor recorded, when it did.
    pub file: Option<String>,
    /// Why it was not read.
    pub problem: String,
}

/// Which archived segments an answer read, and which it could not.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchiveCoverage {
    /// `false` when a segment is missing: the answer lacks those records.
    pub complete: bool,
    /// The archive folder searched (`[paths] archive`), when one is configured.
    pub folder: Option<String>,
    pub read: Vec<SegmentRead>,
    pub missing: Vec<SegmentMissing>,
}

impl ArchiveCoverage {
    /// Coverage of a store with nothing archived.
    fn nothing_archived(folder: Option<&Path>) -> Self {
        Self { complete: true, folder: folder.map(|f| f.display().to_string()), ..Self::default() }
    }

    /// One line per segment read or missing, for a person to read.
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        for s in &self.read {
            out.push(format!(
                "read archived segment `{}`: seq {} to {}, {}",
                s.file,
                s.span.from_seq,
                s.span.to_seq,
                s.span.dates()
            ));
        }
        for m in &self.missing {
            let before =
                m.archived_before.as_ref().map(|t| format!(", all before {t}")).unwrap_or_default();
            out.push(format!(
                "INCOMPLETE: the archived segment of seq {} to {} ({}{before}) was not read: {}; \
                 its records are not in this answer: put the segment{} back in the archive \
                 folder{} and ask again",
                m.span.from_seq,
                m.span.to_seq,
                m.span.dates(),
                m.problem,
                m.file.as_ref().map(|f| format!(" `{f}`")).unwrap_or_default(),
                self.folder.as_ref().map(|f| format!(" `{f}`")).unwrap_or_default(),
            ));
        }
        out
    }
}

/// An anchor found in the chain, with its own time.
struct Anchor {
    info: AnchorInfo,
    time: String,
}

impl Store {
    /// Which archived segments exist and can be read (reads them to check them).
    pub async fn archive_coverage(&self) -> Result<ArchiveCoverage, StoreError> {
        Ok(self.archived_records(|_| false).await?.1)
    }

    /// The archived records `keep` accepts, in seq order, and which segments were read.
    pub async fn archived_records<F>(
        &self,
        keep: F,
    ) -> Result<(Vec<Record>, ArchiveCoverage), StoreError>
    where
        F: FnMut(&Record) -> bool + Send + 'static,
    {
        let folder = self.options().archive_folder.clone();
        let (lo, _, _) = self.extent().await?;
        if lo <= 1 {
            return Ok((Vec::new(), ArchiveCoverage::nothing_archived(folder.as_deref())));
        }
        let rows = self.backend.select("WHERE kind = 'anchor' ORDER BY seq", vec![]).await?;
        let mut anchors = Vec::new();
        for row in rows {
            let record = decode(row)?;
            if let Some(info) = AnchorInfo::from_record(&record) {
                anchors.push(Anchor { info, time: record.time });
            }
        }
        tokio::task::spawn_blocking(move || walk(folder.as_deref(), lo, anchors, keep))
            .await
            .map_err(|e| StoreError::Read(format!("reading the archive: {e}")))
    }
}

/// Follow every anchor to its segment, keeping what `keep` accepts; then name every
/// archived seq below `lo` that no segment read covers.
fn walk(
    folder: Option<&Path>,
    lo: u64,
    mut pending: Vec<Anchor>,
    mut keep: impl FnMut(&Record) -> bool,
) -> (Vec<Record>, ArchiveCoverage) {
    let index = folder.map(index_folder).unwrap_or_default();
    let mut cov = ArchiveCoverage::nothing_archived(folder);
    let mut kept = Vec::new();
    let mut seen = Vec::new();
    let mut steps = 0;
    while let Some(anchor) = pending.pop() {
        steps += 1;
        let range = (anchor.info.archived_from, anchor.info.archived_to);
        if steps > MAX_RANGES || seen.contains(&range) {
            continue;
        }
        seen.push(range);
        let candidates = index.get(&range).map(Vec::as_slice).unwrap_or_default();
        let mut problem = match folder {
            None => "no archive folder is configured (`[paths] archive`)".to_owned(),
            Some(_) => "no file in the archive folder holds it".to_owned(),
        };
        let mut done = false;
        for path in candidates {
            match read_segment(path, &anchor.info, &mut keep) {
                Ok((read, records, inner)) => {
                    kept.extend(records);
                    pending.extend(inner);
                    cov.read.push(read);
                    done = true;
                    break;
                }
                Err(p) => problem = p,
            }
        }
        if !done {
            cov.missing.push(SegmentMissing {
                span: SegmentSpan {
                    from_seq: range.0,
                    to_seq: range.1,
                    first_time: anchor.info.first_time.clone(),
                    last_time: anchor.info.last_time.clone(),
                },
                archived_before: Some(anchor.time.clone()),
                file: anchor.info.segment_file.clone(),
                problem,
            });
        }
    }
    // Archived seqs no anchor we could see names (their anchor was in a missing segment).
    let mut known: Vec<(u64, u64)> = cov
        .read
        .iter()
        .map(|r| &r.span)
        .chain(cov.missing.iter().map(|m| &m.span))
        .map(|s| (s.from_seq, s.to_seq))
        .collect();
    known.sort_unstable();
    let mut next = 1;
    let mut gaps = Vec::new();
    for (from, to) in known.iter().copied().chain(std::iter::once((lo, lo))) {
        if from > next {
            gaps.push(SegmentMissing {
                span: SegmentSpan { from_seq: next, to_seq: from - 1, ..SegmentSpan::default() },
                problem: "no anchor that could be read names these records (the segment that \
                          held their anchor is missing)"
                    .into(),
                ..SegmentMissing::default()
            });
        }
        next = next.max(to.saturating_add(1));
    }
    cov.missing.extend(gaps);
    cov.read.sort_by_key(|r| r.span.from_seq);
    cov.missing.sort_by_key(|m| m.span.from_seq);
    cov.complete = cov.missing.is_empty();
    kept.sort_by_key(|r: &Record| r.seq);
    (kept, cov)
}

/// Segment files in `folder` by the range their trailer names.
fn index_folder(folder: &Path) -> HashMap<(u64, u64), Vec<PathBuf>> {
    let mut index: HashMap<(u64, u64), Vec<PathBuf>> = HashMap::new();
    let Ok(entries) = std::fs::read_dir(folder) else { return index };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .take(MAX_FILES)
        .collect();
    paths.sort();
    for path in paths {
        if let Some(t) = trailer_of(&path) {
            index.entry((t.segment.from_seq, t.segment.to_seq)).or_default().push(path);
        }
    }
    index
}

/// The trailer (last line) of a segment file, read from its tail.
fn trailer_of(path: &Path) -> Option<SegmentTrailer> {
    let mut f = std::fs::File::open(path).ok()?;
    let len = f.metadata().ok()?.len();
    f.seek(SeekFrom::Start(len.saturating_sub(TAIL))).ok()?;
    let mut tail = Vec::new();
    f.take(TAIL).read_to_end(&mut tail).ok()?;
    let text = String::from_utf8_lossy(&tail);
    let last = text.trim_end().rsplit('\n').next()?;
    serde_json::from_str(last).ok()
}

/// What reading one segment gives: what was read, the records kept, and the anchors of
/// earlier archives it holds.
type SegmentContent = (SegmentRead, Vec<Record>, Vec<Anchor>);

/// Read the segment at `path` for `anchor`: its record lines must hash to what the
/// anchor names and hold exactly the anchor's range.
fn read_segment(
    path: &Path,
    anchor: &AnchorInfo,
    keep: &mut impl FnMut(&Record) -> bool,
) -> Result<SegmentContent, String> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let bytes = std::fs::read(path).map_err(|e| format!("`{name}` cannot be read: {e}"))?;
    let body_end = bytes[..bytes.len().saturating_sub(1)]
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1);
    let body = &bytes[..body_end];
    if sha256_hex(body) != anchor.segment_sha256 {
        return Err(format!(
            "`{name}` does not hold what the anchor names (damaged or replaced): check it with \
             `docs/verify_chain.py`"
        ));
    }
    let mut read = SegmentRead {
        file: name.clone(),
        span: SegmentSpan {
            from_seq: anchor.archived_from,
            to_seq: anchor.archived_to,
            ..SegmentSpan::default()
        },
    };
    let (mut kept, mut inner) = (Vec::new(), Vec::new());
    let mut expected = anchor.archived_from;
    for line in body.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        let record: Record = serde_json::from_slice(line)
            .map_err(|_| format!("`{name}`: the record at seq {expected} does not decode"))?;
        if record.seq != expected {
            return Err(format!("`{name}`: expected seq {expected}, found {}", record.seq));
        }
        expected += 1;
        read.span.first_time.get_or_insert_with(|| record.time.clone());
        read.span.last_time = Some(record.time.clone());
        if let Some(info) = AnchorInfo::from_record(&record) {
            inner.push(Anchor { info, time: record.time.clone() });
        }
        if keep(&record) {
            kept.push(record);
        }
    }
    if expected != anchor.archived_to + 1 {
        return Err(format!(
            "`{name}` ends at seq {} instead of {}",
            expected - 1,
            anchor.archived_to
        ));
    }
    Ok((read, kept, inner))
}
