//! The one place a refusal becomes an HTTP response: an RFC 9457 problem document
//! (`application/problem+json`) with `type`, `title`, `status`, `detail`,
//! `disclosure_id` and `reasons`, plus the `Isagate-Disclosure-Id` and `Retry-After`
//! headers. Details are built from codes and config ids only, never from request data.

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode};
use http_body_util::Full;
use serde::Serialize;

use crate::codes::{Reason, RefusalCode};

/// The header carrying the record id on every response.
pub const DISCLOSURE_ID: &str = "isagate-disclosure-id";

/// A refused transfer: one or more reasons, the first decides the status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub reasons: Vec<Reason>,
    /// Seconds, for 429.
    pub retry_after: Option<u64>,
}

impl Refusal {
    pub fn new(reasons: Vec<Reason>) -> Self {
        Self { reasons, retry_after: None }
    }

    pub fn one(code: RefusalCode, detail: impl Into<String>) -> Self {
        Self::new(vec![Reason::new(code, detail)])
    }

    /// The code that decides the status and the problem `type`.
    pub fn code(&self) -> RefusalCode {
        self.reasons.first().map(|r| r.code).unwrap_or(RefusalCode::BadRequest)
    }

    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.code().status()).unwrap_or(StatusCode::FORBIDDEN)
    }
}

impl From<Reason> for Refusal {
    fn from(r: Reason) -> Self {
        Self::new(vec![r])
    }
}

impl From<Vec<Reason>> for Refusal {
    fn from(r: Vec<Reason>) -> Self {
        Self::new(r)
    }
}

#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: &'a str,
    status: u16,
    detail: String,
    disclosure_id: Option<String>,
    reasons: &'a [Reason],
}

/// The problem document for a refusal, as JSON bytes.
pub fn body(refusal: &Refusal, disclosure_id: Option<&str>) -> Vec<u8> {
    let code = refusal.code();
    let detail = match refusal.reasons.as_slice() {
        [one] => one.detail.clone(),
        many => format!("{} reasons; see `reasons`", many.len()),
    };
    let problem = Problem {
        kind: format!("urn:isagate:problem:{code}"),
        title: code.title(),
        status: refusal.status().as_u16(),
        detail,
        disclosure_id: disclosure_id.map(str::to_owned),
        reasons: &refusal.reasons,
    };
    serde_json::to_vec(&problem).unwrap_or_else(|_| b"{}".to_vec())
}

/// The full HTTP response for a refusal.
pub fn response(refusal: &Refusal, disclosure_id: Option<&str>) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(Bytes::from(body(refusal, disclosure_id))));
    *resp.status_mut() = refusal.status();
    let h = resp.headers_mut();
    h.insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
    if let Some(id) = disclosure_id.and_then(|id| HeaderValue::from_str(id).ok()) {
        h.insert(DISCLOSURE_ID, id);
    }
    if let Some(secs) = refusal.retry_after {
        h.insert(http::header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_has_the_contract_fields() {
        let r =
            Refusal::one(RefusalCode::PurposeNotAllowed, "the flow does not allow this purpose");
        let v: serde_json::Value = serde_json::from_slice(&body(&r, Some("0190-x"))).unwrap();
        assert_eq!(v["type"], "urn:isagate:problem:purpose-not-allowed");
        assert_eq!(v["status"], 403);
        assert_eq!(v["disclosure_id"], "0190-x");
        assert_eq!(v["reasons"][0]["code"], "purpose-not-allowed");
        assert!(v["title"].is_string() && v["detail"].is_string());
    }

    #[test]
    fn retry_after_is_set_for_rate_limits() {
        let mut r = Refusal::one(RefusalCode::RateLimited, "slow down");
        r.retry_after = Some(3);
        let resp = response(&r, Some("id"));
        assert_eq!(resp.status(), 429);
        assert_eq!(resp.headers()[http::header::RETRY_AFTER], "3");
        assert_eq!(resp.headers()[DISCLOSURE_ID], "id");
    }
}
