//! Stage 5b: a transfer about a subject who restricted or objected to this sharing is
//! refused (403 `subject-restricted`) unless it is an emergency or the agreement names
//! a legal duty that overrides it.

use super::super::TransferError;
use super::{Authorised, Minimised};
use crate::codes::{Reason, RefusalCode};
use crate::gateway::state::GatewayState;
use crate::policy::Policy;

/// Runs after `minimise` (it needs the subjects), before `record`.
pub fn restriction_check(
    state: &GatewayState,
    policy: &Policy,
    authorised: &Authorised,
    minimised: &Minimised,
) -> Result<(), TransferError> {
    if minimised.subjects.is_empty() {
        return Ok(());
    }
    let auth = &authorised.auth;
    let agreement_id = auth.agreement.as_ref().map_or("", |a| a.id.as_str());
    let has_override = policy
        .set
        .agreement(agreement_id)
        .is_some_and(|a| a.agreement.restrictions_override.is_some());
    let set = state.restrictions.current();
    let restricted = crate::emergency::restrictions::restricted(
        &set,
        &minimised.subjects,
        agreement_id,
        auth.emergency.is_some(),
        has_override,
    );
    if restricted {
        return Err(Reason::new(
            RefusalCode::SubjectRestricted,
            "a data subject of this transfer has restricted or objected to this sharing; contact the information governance team",
        )
        .into());
    }
    Ok(())
}
