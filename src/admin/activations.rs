//! Recording a set that goes live (start-up, `SIGHUP`, admin reload, an approved
//! proposal): the texts of every agreement and schema that changed are kept in the store
//! by SHA-256, then one governance record per changed agreement, `agreement-activated`
//! (or `agreement-withdrawn`), naming id, version, the SHA-256 of the agreement and of
//! each schema, the trigger, the governance identity when there is one, and the diff
//! summary. Which set is live is read back from those records, so replicas sharing a
//! store agree on it.

use crate::agreements::lifecycle::{changed, live_from_records, Activation, Snapshot};
use crate::audit::record::{Outcome, RecordDraft, RecordKind};
use crate::emergency::{Ledger, LedgerError};

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

/// The set the store's activation records say is live (`None`: none recorded yet).
pub async fn live_set(ledger: &dyn Ledger) -> Result<Option<Snapshot>, LedgerError> {
    let records = ledger.governance_since(0).await?;
    Ok(live_from_records(records.iter().filter_map(|r| r.draft.governance.as_ref())))
}

/// Record what `new` changes against the live set, on behalf of `actor`; returns the
/// activations recorded (none when nothing changed). The texts are kept first, so that
/// every record names a text the store holds.
pub async fn record(
    ledger: &dyn Ledger,
    audit: &dyn AuditPort,
    new: &Snapshot,
    trigger: Trigger,
    actor: &str,
) -> Result<Vec<Activation>, LedgerError> {
    let live = live_set(ledger).await?;
    let activations = changed(live.as_ref(), new);
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
