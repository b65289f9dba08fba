//! Recording a set that goes live (start-up, `SIGHUP`, admin reload, an approved
//! proposal): the texts of every agreement and schema that changed are kept in the store
//! by SHA-256, then one governance record per changed agreement, `agreement-activated`
//! (or `agreement-withdrawn`), naming id, version, the SHA-256 of the agreement and of
//! each schema, the trigger, the governance identity when there is one, and the diff
//! summary. Which set is live is read back from those records, so replicas sharing a
//! store agree on it.

use crate::agreements::diff::Diff;
use crate::agreements::lifecycle::{changed, live_from_records, Activation, DiffSummary, Snapshot};
use crate::audit::record::{Outcome, RecordDraft, RecordKind};
use std::collections::BTreeSet;

use crate::agreements::lint::{Finding, Pos, Rule};
use crate::emergency::{Ledger, LedgerError, LedgerRecord};

use super::ports::AuditPort;

/// What made a set go live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    StartUp,
    Sighup,
    AdminReload,
    ProposalApproved,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::StartUp => "start-up",
            Self::Sighup => "sighup",
            Self::AdminReload => "admin-reload",
            Self::ProposalApproved => "proposal-approved",
        }
    }
}

/// The governance actions that make the live set.
const LIVE_SET_ACTIONS: [&str; 2] = ["agreement-activated", "agreement-withdrawn"];

/// Those, and the approvals the four-eyes check reads.
const UNAPPROVED_ACTIONS: [&str; 3] =
    ["agreement-activated", "agreement-withdrawn", "agreement-approved"];

/// The set the store's activation records say is live (`None`: none recorded yet).
pub async fn live_set(ledger: &dyn Ledger) -> Result<Option<Snapshot>, LedgerError> {
    let records = ledger.governance_by_action(&LIVE_SET_ACTIONS).await?;
    Ok(live_from_records(records.iter().filter_map(|r| r.draft.governance.as_ref())))
}

/// Every SHA-256 an approved proposal holds (its agreement and schema files).
fn approved_hashes(records: &[LedgerRecord]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for g in records.iter().filter_map(|r| r.draft.governance.as_ref()) {
        if g["action"] != "agreement-approved" {
            continue;
        }
        for part in ["agreements", "schemas"] {
            if let Some(files) = g[part].as_object() {
                out.extend(files.values().filter_map(|v| v.as_str()).map(str::to_owned));
            }
        }
    }
    out
}

/// Four-eyes: one finding per agreement in `new` whose change against the live set no
/// approved proposal holds (its file, or a changed schema it names), or that is gone.
/// Nothing is unapproved before the first activation (the baseline).
pub async fn unapproved(
    ledger: &dyn Ledger,
    new: &Snapshot,
    agreements_dir: &str,
) -> Result<Vec<Finding>, LedgerError> {
    let records = ledger.governance_by_action(&UNAPPROVED_ACTIONS).await?;
    let Some(live) = live_from_records(records.iter().filter_map(|r| r.draft.governance.as_ref()))
    else {
        return Ok(Vec::new());
    };
    let approved = approved_hashes(&records);
    let mut out = Vec::new();
    for a in changed(Some(&live), new) {
        let file = format!("{}/{}", agreements_dir.trim_end_matches('/'), a.file);
        let before = live.entries.get(&a.agreement);
        let (what, help) = if a.action == "agreement-withdrawn" {
            (
                format!("`{}` was removed from the agreements folder without approval", a.agreement),
                "restore the file; to end an agreement, propose it with `status: suspended` or `expired`",
            )
        } else {
            let file_ok =
                before.is_some_and(|b| b.sha256 == a.sha256) || approved.contains(&a.sha256);
            let bad_schemas: Vec<&str> = a
                .schemas
                .iter()
                .filter(|(name, sha)| {
                    let same = before.and_then(|b| b.schemas.get(*name)) == Some(*sha);
                    !same && !sha.as_ref().is_some_and(|s| approved.contains(s))
                })
                .map(|(name, _)| name.as_str())
                .collect();
            if file_ok && bad_schemas.is_empty() {
                continue;
            }
            let mut parts = Vec::new();
            if !file_ok {
                parts.push(format!("its file `{}`", a.file));
            }
            parts.extend(bad_schemas.iter().map(|n| format!("schema `{n}`")));
            (
                format!(
                    "`{}` changed ({}) and no approved proposal holds this text",
                    a.agreement,
                    parts.join(", ")
                ),
                "propose the change (`isagate agreements propose`) for a second governance identity to approve, or restore the approved text",
            )
        };
        out.push(Finding::new(Rule::UnapprovedChange, &file, Pos::NONE, what, help));
    }
    Ok(out)
}

/// Record what `new` changes against the live set, on behalf of `actor`; returns the
/// activations recorded (none when nothing changed). The texts are kept first, so that
/// every record names a text the store holds. `diff` (the set in force against the new
/// one, when it is at hand) gives each activation its widens / narrows counts.
pub async fn record(
    ledger: &dyn Ledger,
    audit: &dyn AuditPort,
    new: &Snapshot,
    diff: Option<&Diff>,
    trigger: Trigger,
    actor: &str,
) -> Result<Vec<Activation>, LedgerError> {
    let live = live_set(ledger).await?;
    let mut activations = changed(live.as_ref(), new);
    if let Some(diff) = diff {
        for a in &mut activations {
            a.diff = DiffSummary::of(diff, &a.agreement);
        }
    }
    let mut texts = Vec::new();
    for a in activations.iter().filter(|a| a.action == "agreement-activated") {
        for sha in std::iter::once(&a.sha256).chain(a.schemas.values().flatten()) {
            if let Some(text) = new.texts.get(sha) {
                texts.push((sha.clone(), text.clone()));
            }
        }
    }
    texts.sort();
    texts.dedup();
    if !texts.is_empty() {
        audit.keep_texts(texts).await?;
    }
    let identity = actor.starts_with("urn:isagate:governance:").then(|| actor.to_owned());
    for a in &activations {
        let mut draft = RecordDraft::new(RecordKind::Governance, Outcome::Recorded);
        draft.actor = Some(actor.to_owned());
        let mut g = serde_json::to_value(a).unwrap_or_default();
        if let Some(map) = g.as_object_mut() {
            map.insert("trigger".into(), trigger.as_str().into());
            map.insert("governance_identity".into(), identity.clone().into());
        }
        draft.governance = Some(g);
        ledger.append(draft).await?;
    }
    Ok(activations)
}
