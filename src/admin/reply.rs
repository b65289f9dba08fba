//! Admin responses: JSON documents and problem+json errors (the gateway's one problem
//! shape, `codes::problem`). A response that follows a governance record carries that
//! record's id in `Isagate-Disclosure-Id`.

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode};
use http_body_util::Full;
use serde::Serialize;

use crate::codes::problem::{self, Refusal, DISCLOSURE_ID};
use crate::codes::RefusalCode;

pub type Reply = Response<Full<Bytes>>;

/// A JSON document with this status.
pub fn json<T: Serialize>(status: StatusCode, value: &T) -> Reply {
    match serde_json::to_vec(value) {
        Ok(bytes) => {
            let mut resp = Response::new(Full::new(Bytes::from(bytes)));
            *resp.status_mut() = status;
            resp.headers_mut()
                .insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            resp.headers_mut()
                .insert(http::header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            resp
        }
        Err(_) => problem(RefusalCode::BadRequest, "the answer could not be serialised"),
    }
}

/// A JSON document that follows the record `record_id`.
pub fn json_recorded<T: Serialize>(status: StatusCode, value: &T, record_id: &str) -> Reply {
    let mut resp = json(status, value);
    if let Ok(v) = HeaderValue::from_str(record_id) {
        resp.headers_mut().insert(DISCLOSURE_ID, v);
    }
    resp
}

/// A problem document with one reason.
pub fn problem(code: RefusalCode, detail: impl Into<String>) -> Reply {
    problem_recorded(code, detail, None)
}

/// A problem document naming the refusal record it follows.
pub fn problem_recorded(
    code: RefusalCode,
    detail: impl Into<String>,
    record_id: Option<&str>,
) -> Reply {
    let mut resp = problem::response(&Refusal::one(code, detail), record_id);
    resp.headers_mut().insert(http::header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// 503: the store cannot answer or commit.
pub fn store_unavailable() -> Reply {
    problem(RefusalCode::AuditUnavailable, "the record store is unavailable; retry later")
}
