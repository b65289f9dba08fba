//! Overdue reviews raise the alert again (contract sections 6 and 11), from a periodic
//! sweep, once per disclosure per overdue period, however many replicas run it.
//!
//! How one alert, not two: for each pending disclosure whose age has reached period `n`
//! (`n = floor(age / overdue_after)`, so 72 h, 144 h, ...), a replica first looks for a
//! `governance` record `{action: "review-overdue-alerted", disclosure, round: n}`. If there
//! is none it appends one (a *claim*), then reads the claims back: only the replica whose
//! claim has the lowest `seq` for that (disclosure, round) raises the alert. The store
//! orders every append in one chain, so exactly one claim is first, whichever replica
//! wrote it; a losing claim stays in the chain, harmless and visible. No lock outlives a
//! transaction, and a replica that dies between claim and alert loses that one alert:
//! the next period raises it again.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use uuid::Uuid;

use super::alert::{Alert, AlertKind, Alerts};
use super::ledger::{Ledger, LedgerError, LedgerRecord};
use super::queue::pending_for;
use crate::audit::record::{Outcome, RecordDraft, RecordKind};

/// The governance action of a claim.
pub const CLAIM_ACTION: &str = "review-overdue-alerted";

/// When a review is overdue and how often to look.
#[derive(Debug, Clone)]
pub struct OverdueSettings {
    /// Default 72 hours.
    pub after: Duration,
    /// Default 5 minutes.
    pub every: Duration,
    /// The identity claims are recorded under, e.g. `urn:isagate:gateway:<host>`.
    pub actor: String,
}

impl Default for OverdueSettings {
    fn default() -> Self {
        Self {
            after: Duration::from_secs(72 * 3600),
            every: Duration::from_secs(300),
            actor: "urn:isagate:gateway".into(),
        }
    }
}

fn claim_of(r: &LedgerRecord) -> Option<(Uuid, u64)> {
    let g = r.draft.governance.as_ref()?;
    if g.get("action")?.as_str()? != CLAIM_ACTION {
        return None;
    }
    let d = g.get("disclosure")?.as_str()?.parse().ok()?;
    Some((d, g.get("round")?.as_u64()?))
}

/// The first claim (lowest seq) for each (disclosure, round).
fn first_claims(governance: &[LedgerRecord]) -> HashMap<(Uuid, u64), Uuid> {
    let mut first: HashMap<(Uuid, u64), (u64, Uuid)> = HashMap::new();
    for r in governance {
        if let Some(k) = claim_of(r) {
            let e = first.entry(k).or_insert((r.seq, r.id));
            if r.seq < e.0 {
                *e = (r.seq, r.id);
            }
        }
    }
    first.into_iter().map(|(k, (_, id))| (k, id)).collect()
}

/// One sweep at `now`: returns the disclosures this replica alerted for.
pub async fn sweep(
    ledger: &dyn Ledger,
    alerts: &Alerts,
    settings: &OverdueSettings,
    now: jiff::Timestamp,
) -> Result<Vec<Uuid>, LedgerError> {
    let after = settings.after.max(Duration::from_secs(1));
    let due: Vec<_> = ledger
        .emergencies()
        .await?
        .into_iter()
        .filter_map(|e| {
            let age = pending_for(&e, now)?;
            let round = age.as_secs() / after.as_secs();
            (round >= 1).then_some((e, round, age))
        })
        .collect();
    if due.is_empty() {
        return Ok(Vec::new());
    }
    let claims = first_claims(&ledger.governance_by_action(&[CLAIM_ACTION]).await?);
    let mut mine = Vec::new();
    for (entry, round, _) in &due {
        let id = entry.disclosure.id;
        if claims.contains_key(&(id, *round)) {
            continue;
        }
        let mut draft = RecordDraft::new(RecordKind::Governance, Outcome::Recorded);
        draft.in_reply_to = Some(id);
        draft.actor = Some(settings.actor.clone());
        draft.governance =
            Some(json!({"action": CLAIM_ACTION, "disclosure": id.to_string(), "round": round}));
        let claim = ledger.append(draft).await?;
        mine.push(claim.id);
    }
    if mine.is_empty() {
        return Ok(Vec::new());
    }
    // Read every claim again, not only those after ours: a rival's earlier claim may have
    // been committed between our first read and our own claim.
    let claims = first_claims(&ledger.governance_by_action(&[CLAIM_ACTION]).await?);
    let mut alerted = Vec::new();
    for (entry, round, age) in due {
        let id = entry.disclosure.id;
        let won = claims.get(&(id, round)).is_some_and(|winner| mine.contains(winner));
        if !won {
            continue;
        }
        let d = &entry.disclosure.draft;
        let Some(em) = &d.emergency else { continue };
        alerts.raise(Alert {
            kind: AlertKind::ReviewOverdue,
            disclosure_id: id.to_string(),
            from: d.from.clone().unwrap_or_default(),
            to: d.to.clone().unwrap_or_default(),
            category: em.category.clone(),
            agreement: d.agreement.as_ref().map(|a| a.id.clone()),
            basis: em.basis.clone(),
            recorded_at: entry.disclosure.time.clone(),
            pending_hours: Some(age.as_secs() / 3600),
        });
        alerted.push(id);
    }
    Ok(alerted)
}

/// Run [`sweep`] every `settings.every` until `shutdown` resolves.
pub fn spawn(
    ledger: Arc<dyn Ledger>,
    alerts: Alerts,
    settings: OverdueSettings,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        tokio::pin!(shutdown);
        let mut tick = tokio::time::interval(settings.every.max(Duration::from_secs(1)));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    if let Err(e) = sweep(ledger.as_ref(), &alerts, &settings, jiff::Timestamp::now()).await {
                        tracing::warn!(error = %e, "overdue review sweep failed; retrying at the next tick");
                    }
                }
                () = &mut shutdown => break,
            }
        }
    })
}
