//! The one place every [`TransferError`] ends: it is logged (codes only, never personal
//! data), recorded (a refusal record; for the recipient's failures, the response record
//! in reply to the committed request), and rendered as the problem document. When that
//! record cannot be committed the caller gets 503 `audit-unavailable` instead.

use bytes::Bytes;
use http::Response;
use http_body_util::Full;

use super::error::{Fault, TransferError};
use super::known::Known;
use crate::audit::record::{Outcome, RecordKind};
use crate::codes::problem;
use crate::codes::RefusalCode;
use crate::gateway::state::{GatewayState, Peer};

/// Record and render an error; returns the response and the outcome it was recorded with.
pub async fn exit(
    state: &GatewayState,
    peer: &Peer,
    known: &Known,
    err: TransferError,
) -> (Response<Full<Bytes>>, Outcome) {
    log(&err);
    let outcome = err.outcome();
    let in_reply_to = known.request_record.filter(|_| err.fault == Fault::Upstream);
    if in_reply_to.is_none() {
        for r in &err.reasons {
            crate::telemetry::metrics::refusal(r.code);
        }
    }
    if err.code() == RefusalCode::AuditUnavailable {
        return (problem::response(&err.refusal(), None), outcome);
    }
    let mut draft = match in_reply_to {
        Some(_) => known.response_draft(outcome, peer),
        None => known.draft(RecordKind::Refusal, outcome, peer),
    };
    draft.refusal = err.recorded_reasons().to_vec();
    match state.store.append(draft).await {
        Ok(committed) => {
            let id = in_reply_to.unwrap_or(committed.id).to_string();
            let mut response = problem::response(&err.refusal(), Some(&id));
            if in_reply_to.is_some() {
                // The request was forwarded: its answer says what was stripped from it.
                crate::gateway::stripped::insert(
                    response.headers_mut(),
                    known.stripped_header.as_ref(),
                );
            }
            (response, outcome)
        }
        Err(e) => {
            tracing::error!(error = %e, code = %err.code(), "the record of a refused transfer could not be committed");
            let unavailable = TransferError::audit_unavailable();
            (problem::response(&unavailable.refusal(), None), unavailable.outcome())
        }
    }
}

/// One log line per error: its fault and codes (details and payloads stay out).
fn log(err: &TransferError) {
    let codes: Vec<&str> = err.recorded_reasons().iter().map(|r| r.code.as_str()).collect();
    let codes = codes.join(",");
    match err.fault {
        Fault::Caller => tracing::info!(code = %err.code(), codes, "transfer refused"),
        Fault::Upstream => tracing::warn!(code = %err.code(), codes, "the recipient failed"),
        Fault::Internal => {
            tracing::error!(code = %err.code(), cause = err.cause.unwrap_or("-"), "the gateway failed")
        }
    }
}
