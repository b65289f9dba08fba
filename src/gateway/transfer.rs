//! The transfer pipeline (contract section 2, steps 1 to 8), one named stage per step,
//! each in [`stages`] and each run inside a tracing span of its name:
//!
//! 1. [`stages::identify`]: the caller's agency from its certificate (403);
//! 2. [`stages::route`]: framing, method, path and the `Isagate-*` headers (400, 405);
//! 3. [`stages::authorise`]: agreement, flow and purpose, emergency basis (400, 403);
//! 4. [`stages::rate_limit`] (429);
//! 5. [`stages::minimise`]: body and query (413, 415, 422), then
//!    [`stages::restriction_check`] (403);
//! 6. [`stages::record`] the request before anything leaves (503);
//! 7. [`stages::forward`] newly serialised bytes with allow-listed headers (502, 504);
//! 8. [`stages::respond`]: minimise and record the response before returning it.
//!
//! Stages 3 and 5 (and 8's minimisation) are the one decision in
//! [`crate::policy::decision`], which `agreements explain` asks too. Every stage returns
//! what the next needs or a [`TransferError`]; [`exit`] records and renders every error
//! in one place. `docs/pipeline.md` draws the chart.

mod error;
mod exit;
mod known;
pub mod stages;

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::Full;
use tracing::Instrument as _;

pub use error::{Fault, TransferError};
use known::Known;
use stages::Answered;

use crate::audit::record::Outcome;
use crate::codes::RefusalCode;
use crate::gateway::body;
use crate::gateway::state::{GatewayState, Peer};
use crate::policy::Policy;

/// Handle one request on the transfer listener. Never fails: every outcome is a response.
/// Runs inside the `transfer` span; fills its agreement and outcome fields.
pub async fn handle(
    state: Arc<GatewayState>,
    peer: Arc<Peer>,
    req: Request<hyper::body::Incoming>,
) -> Response<Full<Bytes>> {
    let started = Instant::now();
    let policy = state.policy.current();
    let mut known = Known::default();
    let (response, outcome, code) = match run(&state, &policy, &peer, &mut known, req).await {
        Ok(Answered { response, outcome }) => (response, outcome, None),
        Err(err) => {
            let code = err.code();
            let (response, outcome) = exit::exit(&state, &peer, &known, err).await;
            (response, outcome, Some(code))
        }
    };
    note_on_span(&known, outcome, code);
    crate::telemetry::metrics::transfer_completed(
        outcome,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

/// The chart: each stage in its span, each taking the proofs of the stages before it.
async fn run(
    state: &GatewayState,
    policy: &Policy,
    peer: &Peer,
    known: &mut Known,
    req: Request<hyper::body::Incoming>,
) -> Result<Answered, TransferError> {
    use tracing::field::Empty;
    /// A stage's span: below the log filter's default level, so logs pay nothing for it;
    /// the trace exporter's filter takes the target (`telemetry::logging`).
    macro_rules! stage {
        ($($span:tt)*) => { tracing::debug_span!(target: "isagate::stage", $($span)*) };
    }
    let deadline = body::Deadline::after(state.settings.request_timeout);
    let identified = stage!("identify").in_scope(|| stages::identify(state, peer, known))?;
    let (parts, incoming) = req.into_parts();
    let routed = stage!("route").in_scope(|| stages::route(state, known, parts))?;
    let authorised = stage!("authorise")
        .in_scope(|| stages::authorise(policy, known, &identified, &routed, state.clock.today()))?;
    stages::rate_limit(state, &identified, &routed, &authorised)
        .instrument(stage!("rate_limit"))
        .await?;
    let minimised =
        stages::minimise(state, policy, known, &authorised, &routed, incoming, deadline)
            .instrument(stage!("minimise"))
            .await?;
    stages::restriction_check(state, policy, &authorised, &minimised)?;
    let recorded = stages::record(state, peer, known, &authorised, &minimised, deadline)
        .instrument(stage!("record", latency_ms = Empty))
        .await?;
    let forwarded = stages::forward(state, known, &routed, &authorised, &minimised, &recorded)
        .instrument(stage!("forward", latency_ms = Empty))
        .await?;
    stages::respond(state, policy, peer, known, &authorised, &recorded, forwarded)
        .instrument(stage!("respond"))
        .await
}

/// Fill the `transfer` span's fields: agreement and schema facts only, never personal data.
fn note_on_span(known: &Known, outcome: Outcome, code: Option<RefusalCode>) {
    use tracing::Value;
    let span = tracing::Span::current();
    // All in one `record_all`: each `record` makes the log layer format the span's
    // fields again (a profile of `gw-ka` found six of them at about 7% of the CPU).
    let Some(fields) = span.metadata().map(|m| m.fields()) else { return };
    let field = |name: &str| fields.field(name);
    let (Some(id_f), Some(version_f), Some(flow_f), Some(purpose_f), Some(outcome_f), Some(code_f)) = (
        field("isagate.agreement.id"),
        field("isagate.agreement.version"),
        field("isagate.flow"),
        field("isagate.purpose"),
        field("isagate.outcome"),
        field("isagate.code"),
    ) else {
        return;
    };
    let auth = known.auth.as_ref();
    let agreement = auth.and_then(|a| a.agreement.as_ref());
    let id = agreement.map(|a| a.id.as_str());
    let version = agreement.map(|a| a.version);
    let flow = auth.map(|a| a.flow.as_str());
    let purpose = auth.map(|a| a.purpose.as_str());
    let outcome = crate::telemetry::metrics::outcome_label(outcome);
    let code = code.map(RefusalCode::as_str);
    span.record_all(&fields.value_set(&[
        (&id_f, id.as_ref().map(|v| v as &dyn Value)),
        (&version_f, version.as_ref().map(|v| v as &dyn Value)),
        (&flow_f, flow.as_ref().map(|v| v as &dyn Value)),
        (&purpose_f, purpose.as_ref().map(|v| v as &dyn Value)),
        (&outcome_f, Some(&outcome as &dyn Value)),
        (&code_f, code.as_ref().map(|v| v as &dyn Value)),
    ]));
}

/// Whole milliseconds since `started`, for a span's `latency_ms`.
fn millis(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// `StatusCode` re-export for the server module.
pub type Status = StatusCode;
