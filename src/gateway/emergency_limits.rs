//! Emergency sharing inside the pipeline (contract section 6): limits per requester and
//! per calling agency, counted from committed records so they hold across replicas, and
//! the alert raised for every emergency disclosure (a warn-level event and a metric).

use std::time::Duration;

use crate::agreements::Limit;
use crate::audit::record::{AgreementRef, EmergencyInfo};
use crate::codes::problem::Refusal;
use crate::codes::RefusalCode;
use crate::gateway::state::GatewayState;

/// Refuse (429 `emergency-limit`) when the requester or the agency has used its allowance.
pub async fn check(state: &GatewayState, caller: &str, requester: &str) -> Result<(), Refusal> {
    let policy = state.policy.current();
    let limits = policy.set.emergency_policy.as_ref().map(|p| p.limits.clone()).unwrap_or_default();
    for (limit, who) in [(&limits.per_requester, Some(requester)), (&limits.per_agency, None)] {
        let window = limit.window().unwrap_or(Duration::from_secs(24 * 3600));
        let since = jiff::Timestamp::now()
            .checked_sub(
                jiff::SignedDuration::try_from(window).unwrap_or(jiff::SignedDuration::ZERO),
            )
            .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        let used = state.store.count_emergencies_since(caller, who, since).await.map_err(|_| {
            Refusal::one(
                RefusalCode::AuditUnavailable,
                "the emergency allowance cannot be counted; retry later",
            )
        })?;
        if used >= u64::from(limit.count) {
            let mut r = Refusal::one(
                RefusalCode::EmergencyLimit,
                format!(
                    "the emergency allowance per {} ({} per {}) is used up; contact the information governance team",
                    if who.is_some() { "requester" } else { "agency" },
                    limit.count,
                    limit.per
                ),
            );
            r.retry_after = Some(window.as_secs().min(3600));
            return Err(r);
        }
    }
    Ok(())
}

/// Raise the alert for a committed emergency disclosure: a warn-level event, the
/// metric and the webhook (in the background). Never blocks or undoes the transfer.
pub fn alert(
    state: &GatewayState,
    disclosure_id: &str,
    from: &str,
    to: &str,
    emergency: &EmergencyInfo,
    agreement: Option<&AgreementRef>,
    recorded_at: &str,
) {
    let _ = state.alerts.raise(crate::emergency::alert::Alert {
        kind: crate::emergency::alert::AlertKind::EmergencyDisclosure,
        disclosure_id: disclosure_id.to_owned(),
        from: from.to_owned(),
        to: to.to_owned(),
        category: emergency.category.clone(),
        agreement: agreement.map(|a| a.id.clone()),
        basis: emergency.basis.clone(),
        recorded_at: recorded_at.to_owned(),
        pending_hours: None,
    });
}

/// Keep `Limit` in the public vocabulary of this module.
pub type EmergencyLimit = Limit;
