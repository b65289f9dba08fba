//! Stage 4: the configured rate limits per caller, flow and requester, and the emergency
//! limits for emergency sharing (429 `rate-limited`, `emergency-limit`).

use super::super::TransferError;
use super::{Authorised, Identified, Routed};
use crate::gateway::state::GatewayState;

/// Runs after `authorise`, before the body is read.
pub async fn rate_limit(
    state: &GatewayState,
    identified: &Identified,
    routed: &Routed,
    authorised: &Authorised,
) -> Result<(), TransferError> {
    let auth = &authorised.auth;
    let requester = &routed.transfer.requester;
    state.rate.check(&identified.caller, &auth.rules.basis_id, &auth.flow, requester)?;
    if auth.emergency.is_some() {
        crate::gateway::emergency_limits::check(state, &identified.caller, requester).await?;
    }
    Ok(())
}
