//! `GET /v1/audit/verify`, `POST /v1/audit/subject` (`{type, id}` in the body, so an id
//! never sits in a URL, an access log or a browser's history) and
//! `GET /v1/audit/report?since=&until=`: the record store's read side for governance.
//!
//! The subject id is hashed with the subject key at once and never logged; the answer
//! names the hash only.

use http::StatusCode;
use serde::{Deserialize, Serialize};

use super::error::AdminError;
use super::reply::{self, Reply};
use super::router::Call;
use super::AdminState;
use crate::audit::ReportQuery;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SubjectResult {
    #[serde(rename = "type")]
    pub kind: String,
    pub subject_hash: String,
    pub records: Vec<serde_json::Value>,
    /// Which archived segments were read, and which are missing (with their dates).
    pub archive: serde_json::Value,
}

/// A full verify, recorded as `chain-verified` (`admin::chain`).
pub async fn verify(state: &AdminState, call: &Call<'_>) -> Result<Reply, AdminError> {
    let via = super::chain::Via::AdminApi;
    let status = super::chain::full_verify(state, call.actor, via).await?;
    reply::json(StatusCode::OK, &status)
}

pub async fn subject(state: &AdminState, call: &Call<'_>) -> Result<Reply, AdminError> {
    // Read by hand rather than through serde, whose messages may quote the value.
    let body: serde_json::Value =
        serde_json::from_slice(call.body).map_err(|_| AdminError::NotJson)?;
    let field = |name: &str| body.get(name).and_then(serde_json::Value::as_str);
    let (Some(kind), Some(id)) = (field("type"), field("id")) else {
        return Err(AdminError::Invalid(
            "send `{\"type\": ..., \"id\": ...}`: both strings (e.g. `nhs-number`)".into(),
        ));
    };
    if kind.is_empty() || id.trim().is_empty() {
        return Err(AdminError::Invalid("`type` and `id` must not be empty".into()));
    }
    let hash = state.subject_key.hash(kind, id);
    let mut answer =
        state.audit.subject(hash.clone()).await.map_err(AdminError::store("subject access"))?;
    tracing::info!(actor = call.actor, kind, "subject access search");
    let records = match answer["records"].take() {
        serde_json::Value::Array(records) => records,
        _ => Vec::new(),
    };
    let archive = answer["archive"].take();
    reply::json(
        StatusCode::OK,
        &SubjectResult { kind: kind.to_owned(), subject_hash: hash, records, archive },
    )
}

pub async fn report(state: &AdminState, call: &Call<'_>) -> Result<Reply, AdminError> {
    report_for(state, report_query(state, call)?).await
}

/// The report `query` asks for.
pub async fn report_for(state: &AdminState, query: ReportQuery) -> Result<Reply, AdminError> {
    let r = state.audit.report(query).await.map_err(AdminError::store("report"))?;
    reply::json(StatusCode::OK, &r)
}

/// `GET /v1/audit/report`'s query (the chain verified too), checked.
pub fn report_query(state: &AdminState, call: &Call<'_>) -> Result<ReportQuery, AdminError> {
    let given =
        both(call, "since", "until", "give both `since` and `until` (YYYY-MM-DD or RFC 3339)")?;
    let (since, until) = given;
    let (Some(since), Some(until)) =
        (crate::clock::parse_bound(since, false), crate::clock::parse_bound(until, true))
    else {
        return Err(AdminError::Invalid(
            "`since` and `until` must be dates (YYYY-MM-DD, Europe/London) or RFC 3339 times"
                .into(),
        ));
    };
    if until < since {
        return Err(AdminError::Invalid("`until` is before `since`".into()));
    }
    Ok(ReportQuery {
        since,
        until,
        since_given: given.0.to_owned(),
        until_given: given.1.to_owned(),
        agency_names: state.agency_names.clone(),
        verify_chain: true,
    })
}

/// Two query parameters that go together; `missing` when either is absent.
fn both<'c>(
    call: &'c Call<'_>,
    a: &str,
    b: &str,
    missing: &str,
) -> Result<(&'c str, &'c str), AdminError> {
    match (call.query(a), call.query(b)) {
        (Some(a), Some(b)) => Ok((a, b)),
        _ => Err(AdminError::Invalid(missing.into())),
    }
}
