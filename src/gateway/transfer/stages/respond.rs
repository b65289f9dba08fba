//! Stage 8: the recipient's answer, minimised by the agreement's response schema through
//! the one decision ([`crate::policy::decision::decide_response`]) (none: only the
//! status passes), recorded, and only then returned to the caller.

use bytes::Bytes;
use http::{HeaderValue, Response};
use http_body_util::Full;

use super::super::known::Known;
use super::super::TransferError;
use super::minimise::subject_hashes;
use super::restriction::{response_restricted, withhold};
use super::{Authorised, Forwarded, Recorded};
use crate::audit::record::Outcome;
use crate::codes::problem::DISCLOSURE_ID;
use crate::digest::sha256_hex;
use crate::gateway::state::{GatewayState, Peer};
use crate::policy::decision::{self, Payload, ResponseDecision, Tools};
use crate::policy::Policy;

/// The caller's answer, with the outcome its record carries.
#[derive(Debug)]
pub struct Answered {
    pub response: Response<Full<Bytes>>,
    pub outcome: Outcome,
}

/// Runs last, after `forward`. An answer the agreement refuses is an upstream fault.
pub async fn respond(
    state: &GatewayState,
    policy: &Policy,
    peer: &Peer,
    known: &Known,
    authorised: &Authorised,
    recorded: &Recorded,
    forwarded: Forwarded,
) -> Result<Answered, TransferError> {
    let content_type =
        forwarded.headers.get(http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let payload = Payload::plain(content_type, &forwarded.body);
    let limits = state.settings.json_limits();
    let tools = Tools { limits: &limits, pseudonyms: &state.pseudonyms };
    let (outcome, body, report) =
        match decision::decide_response(policy, &authorised.auth, &payload, &tools) {
            ResponseDecision::Withheld => (Outcome::Withheld, None, None),
            ResponseDecision::Minimised(m) => {
                // The answer's subjects are indexed and checked as a request's are.
                let subjects = subject_hashes(state, &m.subjects);
                if let Some(reason) = response_restricted(state, policy, authorised, &subjects) {
                    return withhold(state, peer, known, recorded, reason, subjects).await;
                }
                let out = serde_json::to_vec(&m.value)
                    .map(Bytes::from)
                    .map_err(|_| TransferError::internal("serialising the minimised response"))?;
                (Outcome::Delivered, Some(out), Some(m))
            }
            ResponseDecision::Refused(reasons) => {
                return Err(TransferError::response_refused(reasons))
            }
        };
    let mut draft = known.response_draft(outcome, peer);
    if let (Some(m), Some(out)) = (report, &body) {
        draft.disclosed = m.report.disclosed;
        draft.stripped = m.report.stripped;
        draft.transformed = m.report.transformed;
        draft.payload_sha256 = Some(sha256_hex(out));
        draft.subjects = subject_hashes(state, &m.subjects);
    }
    state.store.append(draft).await.map_err(|e| {
        tracing::error!(error = %e, "response record could not be committed; response withheld");
        TransferError::audit_unavailable()
    })?;
    let has_body = body.is_some();
    let mut response = Response::new(Full::new(body.unwrap_or_default()));
    *response.status_mut() = forwarded.status;
    let h = response.headers_mut();
    if has_body {
        h.insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }
    if let Ok(v) = HeaderValue::from_str(&recorded.id.to_string()) {
        h.insert(DISCLOSURE_ID, v);
    }
    crate::gateway::stripped::insert(h, known.stripped_header.as_ref());
    Ok(Answered { response, outcome })
}
