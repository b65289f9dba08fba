//! Stage 5b: a transfer about a subject who restricted or objected to this sharing is
//! refused (403 `subject-restricted`) unless it is an emergency or the agreement names
//! a legal duty that overrides it. The recipient's answer is held to the same rule
//! ([`response_restricted`], from `respond`): an answer naming a restricted subject is
//! withheld from the caller and its record says why.

use super::super::known::Known;
use super::super::TransferError;
use super::{Answered, Authorised, Minimised, Recorded};
use crate::audit::record::Outcome;
use crate::codes::problem::{self, Refusal};
use crate::codes::{Reason, RefusalCode};
use crate::gateway::state::{GatewayState, Peer};
use crate::policy::Policy;

/// Runs after `minimise` (it needs the subjects), before `record`.
pub fn restriction_check(
    state: &GatewayState,
    policy: &Policy,
    authorised: &Authorised,
    minimised: &Minimised,
) -> Result<(), TransferError> {
    if restricted(state, policy, authorised, &minimised.subjects) {
        return Err(Reason::new(
            RefusalCode::SubjectRestricted,
            "a data subject of this transfer has restricted or objected to this sharing; contact the information governance team",
        )
        .into());
    }
    Ok(())
}

/// The recipient's answer names a restricted subject (by keyed hash): the reason the
/// caller is told and the response record keeps, or `None` when the answer may pass.
pub fn response_restricted(
    state: &GatewayState,
    policy: &Policy,
    authorised: &Authorised,
    subjects: &[String],
) -> Option<Reason> {
    restricted(state, policy, authorised, subjects).then(|| {
        Reason::new(
            RefusalCode::SubjectRestricted,
            "the recipient's answer is about a data subject who has restricted or objected to this sharing, so it was withheld; contact the information governance team",
        )
    })
}

/// Withhold the recipient's answer for `reason`: its response record (outcome
/// `refused`, the reason, the answer's subjects) is committed, then the caller gets the
/// problem document under the request's disclosure id. No byte of the answer is sent.
pub async fn withhold(
    state: &GatewayState,
    peer: &Peer,
    known: &Known,
    recorded: &Recorded,
    reason: Reason,
    subjects: Vec<String>,
) -> Result<Answered, TransferError> {
    tracing::info!(code = %reason.code, "the recipient's answer was withheld");
    let mut draft = known.response_draft(Outcome::Refused, peer);
    draft.refusal = vec![reason.clone()];
    draft.subjects = subjects;
    state.store.append(draft).await.map_err(|e| {
        tracing::error!(error = %e, "response record could not be committed; response withheld");
        TransferError::audit_unavailable()
    })?;
    let refusal = Refusal { reasons: vec![reason], retry_after: None };
    let response = problem::response(&refusal, Some(&recorded.id.to_string()));
    Ok(Answered { response, outcome: Outcome::Refused })
}

/// Whether any of `subjects` is restricted for the authorised agreement, emergencies and
/// an agreement's overriding legal duty excepted.
fn restricted(
    state: &GatewayState,
    policy: &Policy,
    authorised: &Authorised,
    subjects: &[String],
) -> bool {
    if subjects.is_empty() {
        return false;
    }
    let auth = &authorised.auth;
    let agreement_id = auth.agreement.as_ref().map_or("", |a| a.id.as_str());
    let has_override = policy
        .set
        .agreement(agreement_id)
        .is_some_and(|a| a.agreement.restrictions_override.is_some());
    let set = state.restrictions.current();
    crate::emergency::restrictions::restricted(
        &set,
        subjects,
        agreement_id,
        auth.emergency.is_some(),
        has_override,
    )
}
