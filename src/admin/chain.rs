//! The record chain's status for governance, without walking the whole chain on every
//! page load:
//!
//! - [`full_verify`]: the whole chain, as `GET /v1/audit/verify`, `isagate audit verify`
//!   and the console's "Run a full verify now" do it, each recorded as a `chain-verified`
//!   governance record (counts, head seq, ok or broken: no personal data);
//! - [`last_full`]: the latest of those records, read back from the governance records;
//! - [`recent`]: the records since the last signed checkpoint (or, with no checkpoint,
//!   since the head the last good full verify found), which the console's overview and
//!   report pages check as they load ([`AuditPort::verify_recent`]).

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::error::AdminError;
use super::ports::{ChainStatus, ChainSummary};
use super::AdminState;
use crate::audit::record::{Outcome, RecordDraft, RecordKind};
use crate::emergency::LedgerRecord;

mod since_checkpoint;

pub use since_checkpoint::{checkpoint_files, walk_since};

/// The governance action of a recorded full verify.
pub const CHAIN_VERIFIED: &str = "chain-verified";

/// The most records a page-load verify walks; past that it stops and says so (a full
/// verify, run on purpose, covers the rest).
pub const RECENT_MAX: u64 = 100_000;

/// Where a full verify was run from (the record's `via`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// `isagate audit verify`.
    Cli,
    /// `GET /v1/audit/verify`.
    AdminApi,
    /// The console's "Run a full verify now".
    Console,
}

impl Via {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cli => "cli",
            Self::AdminApi => "admin-api",
            Self::Console => "console",
        }
    }
}

/// A full verify as its `chain-verified` record keeps it (with `action`, in
/// `governance`; `time` and `actor` are the record's own).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FullVerify {
    /// When it was recorded.
    #[serde(default, skip_serializing)]
    pub time: String,
    /// Who ran it.
    #[serde(default, skip_serializing)]
    pub actor: Option<String>,
    pub via: String,
    /// `ok`, `length` (live records walked), `head_seq` and `head_hash`.
    #[serde(flatten)]
    pub summary: ChainSummary,
    /// The first bad record's seq, when broken.
    pub first_bad_seq: Option<u64>,
}

/// The record of a full verify that found `status`.
pub fn verified_draft(actor: &str, via: Via, status: &ChainStatus) -> RecordDraft {
    let kept = FullVerify {
        time: String::new(),
        actor: None,
        via: via.as_str().to_owned(),
        summary: status.summary.clone(),
        first_bad_seq: status.first_bad.as_ref().map(|b| b.seq),
    };
    let mut governance = json!({ "action": CHAIN_VERIFIED });
    if let (Some(g), Ok(serde_json::Value::Object(m))) =
        (governance.as_object_mut(), serde_json::to_value(&kept))
    {
        g.extend(m);
    }
    let mut draft = RecordDraft::new(RecordKind::Governance, Outcome::Recorded);
    draft.actor = Some(actor.to_owned());
    draft.governance = Some(governance);
    draft
}

/// Verify the whole chain and record that it was done and what it found.
pub async fn full_verify(
    state: &AdminState,
    actor: &str,
    via: Via,
) -> Result<ChainStatus, AdminError> {
    let status = state.audit.verify().await.map_err(AdminError::store("chain verification"))?;
    state
        .ledger
        .append(verified_draft(actor, via, &status))
        .await
        .map_err(AdminError::store("the verify could not be recorded"))?;
    Ok(status)
}

/// The latest recorded full verify, if any.
pub async fn last_full(state: &AdminState) -> Result<Option<FullVerify>, AdminError> {
    let records = state
        .ledger
        .governance_since(0)
        .await
        .map_err(AdminError::store("the governance records could not be read"))?;
    Ok(records.iter().rev().find_map(full_verify_of))
}

fn full_verify_of(r: &LedgerRecord) -> Option<FullVerify> {
    let g = r.draft.governance.as_ref()?;
    if g["action"] != CHAIN_VERIFIED {
        return None;
    }
    let mut v: FullVerify = serde_json::from_value(g.clone()).ok()?;
    v.time.clone_from(&r.time);
    v.actor.clone_from(&r.draft.actor);
    Some(v)
}

/// Where a page-load verify started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StartedAt {
    /// The last signed checkpoint.
    Checkpoint,
    /// The head the last good full verify found (there is no signed checkpoint).
    FullVerify,
    /// The first live record (neither is there).
    FirstRecord,
}

/// A head known to be good, from which a page-load verify may start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownHead {
    pub seq: u64,
    pub hash: String,
}

/// What a page-load verify found: the chain's status as a full verify reports it
/// (`head_hash` only when the walk reached the head), and where the walk started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecentStatus {
    #[serde(flatten)]
    pub chain: ChainStatus,
    pub started_at: StartedAt,
    /// The records after this seq were checked.
    pub from_seq: u64,
    /// How many were checked.
    pub checked: u64,
    /// More than [`RECENT_MAX`] records followed the starting point: the walk stopped.
    pub stopped_early: bool,
    /// Why the checkpoints could not be used, when they could not (a file that does not
    /// read or a signature that does not verify fails the verify too).
    pub checkpoint_problem: Option<String>,
}

/// The page-load verify: from the last signed checkpoint, else from the last good full
/// verify's head.
pub async fn recent(state: &AdminState) -> Result<(RecentStatus, Option<FullVerify>), AdminError> {
    let last = last_full(state).await?;
    let known = last
        .as_ref()
        .map(|l| &l.summary)
        .filter(|s| s.ok)
        .and_then(|s| Some(KnownHead { seq: s.head_seq?, hash: s.head_hash.clone()? }));
    let status =
        state.audit.verify_recent(known).await.map_err(AdminError::store("chain verification"))?;
    Ok((status, last))
}
