//! Calling the admin API's handlers from a page: build the [`Call`] they take (with the
//! officer's identity), run the handler, and read its answer back, a JSON document or a
//! problem. The console has no second copy of any check: what the API refuses, the page
//! shows refused, with the API's own sentence.

use bytes::Bytes;
use http_body_util::BodyExt as _;
use serde::de::DeserializeOwned;

use super::{ConsoleError, Ctx};
use crate::admin::error::{self, AdminError};
use crate::admin::reply::Reply;
use crate::admin::router::Call;

/// A call as the API would build it from a request with these parts.
pub fn call<'a>(
    ctx: &'a Ctx<'_>,
    params: Vec<String>,
    query: Vec<(String, String)>,
    body: &'a Bytes,
) -> Call<'a> {
    Call { params, query, body, actor: ctx.actor }
}

/// A handler's answer as `T`; a problem becomes [`ConsoleError::Refused`].
pub async fn answer<T: DeserializeOwned>(
    result: Result<Reply, AdminError>,
) -> Result<T, ConsoleError> {
    let reply = error::render(result);
    let status = reply.status();
    let body = body_of(reply).await;
    if !status.is_success() {
        return Err(problem(status, &body));
    }
    serde_json::from_slice(&body)
        .map_err(|e| ConsoleError::Internal(format!("an admin answer could not be read: {e}")))
}

/// The refusal a failed handler result renders to (the identity check's, for one).
pub async fn refusal(result: Result<Reply, AdminError>) -> ConsoleError {
    match answer::<serde_json::Value>(result).await {
        Err(e) => e,
        Ok(_) => ConsoleError::Internal("a refusal was answered as a success".into()),
    }
}

async fn body_of(reply: Reply) -> Bytes {
    match reply.into_body().collect().await {
        Ok(c) => c.to_bytes(),
        Err(never) => match never {},
    }
}

/// The problem document's sentence and its reasons' sentences.
fn problem(status: http::StatusCode, body: &[u8]) -> ConsoleError {
    let v: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
    let reasons = v["reasons"]
        .as_array()
        .map(|rs| {
            rs.iter()
                .filter(|r| r["detail"] != v["detail"])
                .map(|r| format!("{}: {}", text(&r["code"]), text(&r["detail"])))
                .collect()
        })
        .unwrap_or_default();
    let detail = match text(&v["detail"]) {
        d if d.is_empty() => status.canonical_reason().unwrap_or("refused").to_owned(),
        d => d,
    };
    ConsoleError::Refused { status, detail, reasons }
}
