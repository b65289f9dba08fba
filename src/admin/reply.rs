//! Admin responses: JSON documents and problem+json errors (the gateway's one problem
//! shape, `codes::problem`). A response that follows a governance record carries that
//! record's id in `Isagate-Disclosure-Id`.

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode};
use http_body_util::Full;
use serde::Serialize;

use super::error::AdminError;
use super::ports::LintFinding;
use crate::codes::problem::{self, Refusal, DISCLOSURE_ID};
use crate::codes::RefusalCode;

pub type Reply = Response<Full<Bytes>>;

/// A JSON document with this status; a value that cannot be serialised is the admin
/// API's own fault (500).
pub fn json<T: Serialize>(status: StatusCode, value: &T) -> Result<Reply, AdminError> {
    let bytes = serde_json::to_vec(value)
        .map_err(|e| AdminError::Internal(format!("the answer could not be serialised: {e}")))?;
    let mut resp = Response::new(Full::new(Bytes::from(bytes)));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    resp.headers_mut().insert(http::header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

/// A JSON document that follows the record `record_id`.
pub fn json_recorded<T: Serialize>(
    status: StatusCode,
    value: &T,
    record_id: &str,
) -> Result<Reply, AdminError> {
    let mut resp = json(status, value)?;
    if let Ok(v) = HeaderValue::from_str(record_id) {
        resp.headers_mut().insert(DISCLOSURE_ID, v);
    }
    Ok(resp)
}

/// A problem document naming the refusal record it follows, with the lint findings of a
/// refused set as a `findings` member when there are some (`AdminError::into_reply` is
/// its one caller).
pub(super) fn problem_recorded(
    code: RefusalCode,
    detail: impl Into<String>,
    record_id: Option<&str>,
    findings: &[LintFinding],
) -> Reply {
    let refusal = Refusal::one(code, detail);
    let mut resp = problem::response(&refusal, record_id);
    if !findings.is_empty() {
        let mut doc: serde_json::Value =
            serde_json::from_slice(&problem::body(&refusal, record_id)).unwrap_or_default();
        if let (Some(map), Ok(list)) = (doc.as_object_mut(), serde_json::to_value(findings)) {
            map.insert("findings".into(), list);
        }
        if let Ok(bytes) = serde_json::to_vec(&doc) {
            *resp.body_mut() = Full::new(Bytes::from(bytes));
        }
    }
    resp.headers_mut().insert(http::header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}
