//! The route table and dispatch. [`ROUTES`] is the one list of what the admin listener
//! serves; the tests check it against the OpenAPI document both ways.
//!
//! Order of checks for every request: the identity (governance only; anything else is
//! 403 with a refusal record), then the route (404, 405), then the body (JSON, size).

use bytes::Bytes;
use http::{Method, StatusCode};
use serde::de::DeserializeOwned;

use super::activations::Trigger;
use super::error::{self, AdminError};
use super::reply::{self, Reply};
use super::{
    agreements, audit, proposals, restrictions, reviews, AdminIdentity, AdminPeer, AdminState,
};
use crate::audit::record::{Outcome, RecordDraft, RecordKind};
use crate::codes::{Reason, RefusalCode};

/// What a route does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    OpenApi,
    ListAgreements,
    GetAgreement,
    Reload,
    Propose,
    ListProposals,
    GetProposal,
    ApproveProposal,
    RejectProposal,
    Explain,
    EmergencyQueue,
    Review,
    Verify,
    Subject,
    Report,
    ListRestrictions,
    AddRestriction,
    RemoveRestriction,
}

/// Every route: method, path template (OpenAPI syntax), endpoint.
pub const ROUTES: &[(&str, &str, Endpoint)] = &[
    ("GET", "/v1/openapi.json", Endpoint::OpenApi),
    ("GET", "/v1/agreements", Endpoint::ListAgreements),
    // Before `/v1/agreements/{id}`: the first template that matches path and method wins.
    ("POST", "/v1/agreements/proposals", Endpoint::Propose),
    ("GET", "/v1/agreements/proposals", Endpoint::ListProposals),
    ("GET", "/v1/agreements/proposals/{id}", Endpoint::GetProposal),
    ("POST", "/v1/agreements/proposals/{id}/approve", Endpoint::ApproveProposal),
    ("POST", "/v1/agreements/proposals/{id}/reject", Endpoint::RejectProposal),
    ("GET", "/v1/agreements/{id}", Endpoint::GetAgreement),
    ("POST", "/v1/agreements/reload", Endpoint::Reload),
    ("POST", "/v1/explain", Endpoint::Explain),
    ("GET", "/v1/emergency", Endpoint::EmergencyQueue),
    ("POST", "/v1/emergency/{id}/review", Endpoint::Review),
    ("GET", "/v1/audit/verify", Endpoint::Verify),
    ("POST", "/v1/audit/subject", Endpoint::Subject),
    ("GET", "/v1/audit/report", Endpoint::Report),
    ("GET", "/v1/restrictions", Endpoint::ListRestrictions),
    ("POST", "/v1/restrictions", Endpoint::AddRestriction),
    ("DELETE", "/v1/restrictions/{id}", Endpoint::RemoveRestriction),
];

/// A matched request: the endpoint, its path parameters, its query pairs and body.
pub struct Call<'a> {
    pub params: Vec<String>,
    pub query: Vec<(String, String)>,
    pub body: &'a Bytes,
    /// The governance identity URI making the call.
    pub actor: &'a str,
}

impl Call<'_> {
    /// A query parameter (the last one when repeated).
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The body as JSON of type `T` (400 on unknown fields or wrong types, 422 if not JSON).
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, AdminError> {
        let value: serde_json::Value =
            serde_json::from_slice(self.body).map_err(|_| AdminError::NotJson)?;
        serde_json::from_value(value).map_err(|e| {
            // serde's message names fields and types only, never values.
            AdminError::Invalid(format!(
                "the request body does not fit: {}",
                first_line(&e.to_string())
            ))
        })
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s)
}

/// Match `segments` of a path against a template.
pub(crate) fn matches(template: &str, path: &str) -> Option<Vec<String>> {
    let t: Vec<&str> = template.trim_start_matches('/').split('/').collect();
    let p: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    if t.len() != p.len() {
        return None;
    }
    let mut params = Vec::new();
    for (ts, ps) in t.iter().zip(&p) {
        if ts.starts_with('{') && ts.ends_with('}') {
            if ps.is_empty() {
                return None;
            }
            params.push(percent_encoding::percent_decode_str(ps).decode_utf8().ok()?.into_owned());
        } else if ts != ps {
            return None;
        }
    }
    Some(params)
}

/// Find the endpoint for a method and path: `Err(404)` or `Err(405)`.
pub fn route(method: &Method, path: &str) -> Result<(Endpoint, Vec<String>), StatusCode> {
    let mut path_known = false;
    for (m, template, endpoint) in ROUTES {
        if let Some(params) = matches(template, path) {
            path_known = true;
            if method.as_str() == *m {
                return Ok((*endpoint, params));
            }
        }
    }
    Err(if path_known { StatusCode::METHOD_NOT_ALLOWED } else { StatusCode::NOT_FOUND })
}

pub(crate) fn parse_query(q: Option<&str>) -> Vec<(String, String)> {
    let Some(q) = q else { return Vec::new() };
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let dec = |s: &str| {
                percent_encoding::percent_decode_str(&s.replace('+', " "))
                    .decode_utf8_lossy()
                    .into_owned()
            };
            (dec(k), dec(v))
        })
        .collect()
}

/// Handle one admin request whose body has been read. Never fails: every outcome is a
/// reply, and every error is rendered here, by [`AdminError::into_reply`].
pub async fn handle(
    state: &AdminState,
    peer: &AdminPeer,
    method: &Method,
    uri: &http::Uri,
    body: Bytes,
) -> Reply {
    error::render(dispatch(state, peer, method, uri, body).await)
}

async fn dispatch(
    state: &AdminState,
    peer: &AdminPeer,
    method: &Method,
    uri: &http::Uri,
    body: Bytes,
) -> Result<Reply, AdminError> {
    let actor = match &peer.identity {
        Some(AdminIdentity::Governance(uri)) => uri.clone(),
        other => return Err(refuse_identity(state, peer, other.as_ref(), method).await),
    };
    let (endpoint, params) = route(method, uri.path()).map_err(|status| match status {
        StatusCode::METHOD_NOT_ALLOWED => AdminError::MethodNotAllowed,
        _ => AdminError::NoRoute,
    })?;
    if body.len() > state.max_body {
        return Err(AdminError::BodyTooLarge);
    }
    let call = Call { params, query: parse_query(uri.query()), body: &body, actor: &actor };
    match endpoint {
        Endpoint::OpenApi => reply::json(StatusCode::OK, &super::openapi::document()),
        Endpoint::ListAgreements => agreements::list(state).await,
        Endpoint::GetAgreement => agreements::get(state, &call).await,
        Endpoint::Reload => agreements::reload(state, &actor, Trigger::AdminReload).await,
        Endpoint::Propose => proposals::propose(state, &call).await,
        Endpoint::ListProposals => proposals::list(state).await,
        Endpoint::GetProposal => proposals::get(state, &call).await,
        Endpoint::ApproveProposal => proposals::approve(state, &call).await,
        Endpoint::RejectProposal => proposals::reject(state, &call).await,
        Endpoint::Explain => agreements::explain(state, &call),
        Endpoint::EmergencyQueue => reviews::queue(state, &call).await,
        Endpoint::Review => reviews::review(state, &call).await,
        Endpoint::Verify => audit::verify(state, &call).await,
        Endpoint::Subject => audit::subject(state, &call).await,
        Endpoint::Report => audit::report(state, &call).await,
        Endpoint::ListRestrictions => restrictions::list(state, &call).await,
        Endpoint::AddRestriction => restrictions::add(state, &call).await,
        Endpoint::RemoveRestriction => restrictions::remove(state, &call).await,
    }
}

/// 403 for any identity but governance, with a refusal record (contract section 1); 503
/// when that record cannot be committed.
pub(crate) async fn refuse_identity(
    state: &AdminState,
    peer: &AdminPeer,
    identity: Option<&AdminIdentity>,
    method: &Method,
) -> AdminError {
    let detail = match identity {
        Some(AdminIdentity::Agency(_)) => {
            "an agency certificate cannot use the admin listener; use a governance certificate"
        }
        _ => "the certificate does not carry a governance identity",
    };
    let mut draft = RecordDraft::new(RecordKind::Refusal, Outcome::Refused);
    draft.from = match identity {
        Some(AdminIdentity::Agency(id)) => Some(id.clone()),
        _ => None,
    };
    draft.caller_cert_sha256 = Some(peer.cert_sha256.clone());
    draft.method = Some(method.as_str().to_owned());
    draft.path_template = Some("admin".into());
    draft.refusal = vec![Reason::new(RefusalCode::IdentityNotAllowed, detail)];
    match state.ledger.append(draft).await {
        Ok(c) => AdminError::IdentityNotAllowed { detail, record_id: c.id.to_string() },
        Err(e) => AdminError::store("admin refusal record not committed")(e),
    }
}
