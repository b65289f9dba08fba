//! Stage 6: commit the request record before a byte leaves (503 `audit-unavailable`
//! when it cannot be committed), then raise the alert of an emergency disclosure.

use std::time::Instant;

use super::super::known::Known;
use super::super::TransferError;
use super::{Authorised, Minimised};
use crate::audit::record::{Outcome, RecordKind};
use crate::codes::Direction;
use crate::digest::sha256_hex;
use crate::gateway::body::Deadline;
use crate::gateway::state::{GatewayState, Peer};

/// The committed request record.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub id: uuid::Uuid,
    /// Its commit time, as recorded.
    pub time: String,
}

/// Runs after `restriction_check`, before `forward`. Records the span's `latency_ms`.
pub async fn record(
    state: &GatewayState,
    peer: &Peer,
    known: &mut Known,
    authorised: &Authorised,
    minimised: &Minimised,
    deadline: Deadline,
) -> Result<Recorded, TransferError> {
    // The last moment `limits.request_timeout` applies: after the commit, the upstream's
    // own timeouts govern, so a transfer is never abandoned between its two records.
    deadline.check()?;
    let mut draft = known.draft(RecordKind::Disclosure, Outcome::Forwarded, peer);
    draft.direction = Some(Direction::Request);
    let d = &minimised.disclosure;
    draft.disclosed.clone_from(&d.minimisation.disclosed);
    draft.stripped.clone_from(&d.minimisation.stripped);
    draft.transformed.clone_from(&d.minimisation.transformed);
    draft.subjects.clone_from(&minimised.subjects);
    draft.payload_sha256 = Some(sha256_hex(&minimised.forwarded));
    let started = Instant::now();
    let committed = state.store.append(draft).await;
    tracing::Span::current().record("latency_ms", super::super::millis(started));
    let committed = committed.map_err(|e| {
        tracing::error!(error = %e, "request record could not be committed; nothing sent");
        TransferError::audit_unavailable()
    })?;
    known.request_record = Some(committed.id);
    known.stripped_header = crate::gateway::stripped::header_value(&d.minimisation.stripped);
    let auth = &authorised.auth;
    if let Some(basis) = &auth.emergency {
        crate::gateway::emergency_limits::alert(
            state,
            &committed.id.to_string(),
            &auth.caller,
            &auth.recipient,
            &basis.info(known.reason.as_deref().unwrap_or("")),
            auth.agreement.as_ref(),
            &committed.time,
        );
    }
    Ok(Recorded { id: committed.id, time: committed.time })
}
