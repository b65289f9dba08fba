//! Stage 5: read the body within the size and time limits (`limits.read_timeout` and
//! the request's deadline), then minimise body and query
//! by the one decision ([`crate::policy::decision::minimise_request`]): 413, 415, 422.

use bytes::Bytes;

use super::super::known::Known;
use super::super::TransferError;
use super::{Authorised, Routed};
use crate::codes::Reason;
use crate::digest::sha256_hex;
use crate::gateway::body::{self, Deadline};
use crate::gateway::state::GatewayState;
use crate::minimise::SubjectId;
use crate::policy::decision::{self, Disclosure, Payload, Tools};
use crate::policy::Policy;

/// What the recipient will get, and the report the record keeps.
#[derive(Debug)]
pub struct Minimised {
    pub disclosure: Disclosure,
    /// The bytes sent upstream: the minimised body, newly serialised (empty: no body).
    pub forwarded: Bytes,
    /// The subjects' keyed hashes, sorted, without repeats.
    pub subjects: Vec<String>,
}

/// Runs after `rate_limit`, before `restriction_check`.
pub async fn minimise(
    state: &GatewayState,
    policy: &Policy,
    known: &mut Known,
    authorised: &Authorised,
    routed: &Routed,
    incoming: hyper::body::Incoming,
    deadline: Deadline,
) -> Result<Minimised, TransferError> {
    let settings = &state.settings;
    let received =
        body::read_limited(incoming, settings.max_body, settings.read_timeout, deadline).await?;
    known.received_sha256 = Some(sha256_hex(&received));
    let content_type = routed.headers.get(http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let decode = |allowed: &[String]| -> Result<Bytes, Vec<Reason>> {
        body::decode(&routed.headers, received.clone(), allowed, settings.decompressed_max)
            .map_err(|r| r.reasons)
    };
    let payload = Payload { content_type, bytes: &received, decode: Some(&decode) };
    let limits = state.settings.json_limits();
    let tools = Tools { limits: &limits, pseudonyms: &state.pseudonyms };
    let disclosure = decision::minimise_request(
        policy,
        &authorised.auth,
        routed.query.as_deref(),
        &payload,
        &tools,
    )?;
    let forwarded = match &disclosure.value {
        Some(value) => serde_json::to_vec(value)
            .map(Bytes::from)
            .map_err(|_| TransferError::internal("serialising the minimised body"))?,
        None => Bytes::new(),
    };
    let subjects = subject_hashes(state, &disclosure.subjects);
    Ok(Minimised { disclosure, forwarded, subjects })
}

/// The subjects' keyed hashes, sorted, without repeats (request and response alike).
pub fn subject_hashes(state: &GatewayState, subjects: &[SubjectId]) -> Vec<String> {
    let mut hashes: Vec<String> =
        subjects.iter().map(|s| state.subject_key.hash(&s.kind, &s.value)).collect();
    hashes.sort();
    hashes.dedup();
    hashes
}
