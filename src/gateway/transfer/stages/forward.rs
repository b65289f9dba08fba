//! Stage 7: send the newly serialised body upstream with allow-listed headers and the
//! gateway's metadata headers (contract section 11): 502 `upstream-error`, 504
//! `upstream-timeout`. A request the gateway cannot build is its own fault (500).

use std::time::Instant;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Request, StatusCode};
use http_body_util::Full;

use super::super::known::Known;
use super::super::TransferError;
use super::{Authorised, Minimised, Recorded, Routed};
use crate::codes::problem::DISCLOSURE_ID;
use crate::digest::sha256_hex;
use crate::gateway::headers;
use crate::gateway::state::GatewayState;

// The metadata headers the recipient receives (contract section 11), named once.
const DISCLOSURE_ID_HEADER: HeaderName = HeaderName::from_static(DISCLOSURE_ID);
const ISAGATE_FROM: HeaderName = HeaderName::from_static("isagate-from");
const ISAGATE_AGREEMENT: HeaderName = HeaderName::from_static(headers::AGREEMENT);
const ISAGATE_PURPOSE: HeaderName = HeaderName::from_static(headers::PURPOSE);
const ISAGATE_REQUESTER: HeaderName = HeaderName::from_static(headers::REQUESTER);
const ISAGATE_EMERGENCY: HeaderName = HeaderName::from_static(headers::EMERGENCY);

/// The recipient's answer, read whole.
#[derive(Debug)]
pub struct Forwarded {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// Runs after `record`, before `respond`. Records the span's `latency_ms`.
pub async fn forward(
    state: &GatewayState,
    known: &mut Known,
    routed: &Routed,
    authorised: &Authorised,
    minimised: &Minimised,
    recorded: &Recorded,
) -> Result<Forwarded, TransferError> {
    let request = build(state, routed, authorised, minimised, recorded)?;
    let recipient = &routed.recipient;
    let started = Instant::now();
    let answer = state.upstreams.send(recipient, request, state.settings.max_body).await;
    crate::telemetry::metrics::upstream_latency(recipient, started.elapsed());
    tracing::Span::current().record("latency_ms", super::super::millis(started));
    let (status, headers, body) = answer.map_err(TransferError::upstream)?;
    known.upstream = Some((status.as_u16(), sha256_hex(&body)));
    Ok(Forwarded { status, headers, body })
}

fn build(
    state: &GatewayState,
    routed: &Routed,
    authorised: &Authorised,
    minimised: &Minimised,
    recorded: &Recorded,
) -> Result<Request<Full<Bytes>>, TransferError> {
    let query = minimised.disclosure.query.as_deref().unwrap_or("");
    let uri = state
        .upstream_uri(&routed.recipient, &routed.path.encoded, query)
        .ok_or_else(|| TransferError::internal("building the upstream URL"))?;
    let mut request = Request::builder().method(routed.method.clone()).uri(uri);
    let h = request
        .headers_mut()
        .ok_or_else(|| TransferError::internal("building the upstream request head"))?;
    if minimised.disclosure.value.is_some() {
        h.insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }
    if let Some(accept) = routed.headers.get(http::header::ACCEPT) {
        h.insert(http::header::ACCEPT, accept.clone());
    }
    let auth = &authorised.auth;
    let mut set = |name: HeaderName, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            h.insert(name, v);
        }
    };
    set(DISCLOSURE_ID_HEADER, &recorded.id.to_string());
    set(ISAGATE_FROM, &auth.caller);
    if let Some(a) = &auth.agreement {
        set(ISAGATE_AGREEMENT, &format!("{}@{}", a.id, a.version));
    }
    set(ISAGATE_PURPOSE, &auth.purpose);
    set(ISAGATE_REQUESTER, &routed.transfer.requester);
    if let Some(em) = &auth.emergency {
        set(ISAGATE_EMERGENCY, &em.category);
    }
    request
        .body(Full::new(minimised.forwarded.clone()))
        .map_err(|_| TransferError::internal("building the upstream request"))
}
