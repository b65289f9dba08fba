//! What the mock agency answers: a route table of canned behaviours.

use std::time::Duration;

use bytes::Bytes;
use http::{header, HeaderValue, Method, Response, StatusCode};
use http_body_util::Full;

/// One entry of the route table: the first route that matches a request decides the
/// reply; a request no route matches gets [`Reply::Ack`].
#[derive(Debug, Clone)]
pub struct Route {
    /// `None` matches every method.
    pub method: Option<Method>,
    /// An exact path (`/v1/referrals`), or a prefix ending in `/*` (`/v1/*`). The query
    /// string is not part of the match.
    pub path: String,
    pub reply: Reply,
}

impl Route {
    /// A route for any method.
    pub fn any(path: impl Into<String>, reply: Reply) -> Self {
        Self { method: None, path: path.into(), reply }
    }

    pub(super) fn matches(&self, method: &Method, path: &str) -> bool {
        if self.method.as_ref().is_some_and(|m| m != method) {
            return false;
        }
        match self.path.strip_suffix("/*") {
            Some(prefix) => {
                path == prefix || path.strip_prefix(prefix).is_some_and(|r| r.starts_with('/'))
            }
            None => path == self.path,
        }
    }
}

/// A canned behaviour.
#[derive(Debug, Clone, Default)]
pub enum Reply {
    /// `201` with a JSON acknowledgement that carries extra fields (an officer's note,
    /// who handled it) for response minimisation to strip.
    #[default]
    Ack,
    /// This status and JSON body.
    Json { status: u16, body: serde_json::Value },
    /// This status, content type and body, byte for byte.
    Fixed { status: u16, content_type: String, body: Vec<u8> },
    /// A `text/plain` body that is not JSON, with this status.
    NotJson { status: u16 },
    /// Wait, then answer as `then` (to make the gateway time out).
    Delay { delay: Duration, then: Box<Reply> },
    /// Drop the connection without answering (the gateway should answer 502).
    Close,
}

/// The reply after any delays: a response, or "close the connection".
pub(super) enum Resolved {
    Respond(Response<Full<Bytes>>),
    Close,
}

/// What an acknowledgement says.
pub(super) struct AckFields<'a> {
    pub agency: &'a str,
    pub reference: String,
}

impl Reply {
    /// Resolves delays (sleeping) and builds the response.
    pub(super) async fn resolve(&self, ack: AckFields<'_>) -> Resolved {
        let mut reply = self;
        // Delays may nest; bound the walk so a cyclic-looking table cannot spin.
        for _ in 0..16 {
            match reply {
                Reply::Delay { delay, then } => {
                    tokio::time::sleep(*delay).await;
                    reply = then;
                }
                _ => break,
            }
        }
        match reply {
            Reply::Ack => {
                let body = serde_json::json!({
                    "status": "received",
                    "reference": ack.reference,
                    "received_at": jiff::Timestamp::now().to_string(),
                    "officer_note": "internal note, not for the caller",
                    "handled_by": format!("{} duty desk", ack.agency),
                });
                Resolved::Respond(response(201, "application/json", body.to_string().into()))
            }
            Reply::Json { status, body } => {
                Resolved::Respond(response(*status, "application/json", body.to_string().into()))
            }
            Reply::Fixed { status, content_type, body } => {
                Resolved::Respond(response(*status, content_type, body.clone()))
            }
            Reply::NotJson { status } => Resolved::Respond(response(
                *status,
                "text/plain; charset=utf-8",
                b"this is not json".to_vec(),
            )),
            Reply::Close => Resolved::Close,
            // Still a delay after 16 steps: answer rather than wait forever.
            Reply::Delay { .. } => Resolved::Respond(response(500, "text/plain", Vec::new())),
        }
    }
}

pub(super) fn response(status: u16, content_type: &str, body: Vec<u8>) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(Bytes::from(body)));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Ok(v) = HeaderValue::from_str(content_type) {
        resp.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_routes_match_whole_segments() {
        let r = Route::any("/v1/*", Reply::Close);
        assert!(r.matches(&Method::POST, "/v1"));
        assert!(r.matches(&Method::POST, "/v1/referrals"));
        assert!(!r.matches(&Method::POST, "/v10/referrals"));
        let exact = Route { method: Some(Method::GET), path: "/a".into(), reply: Reply::Ack };
        assert!(exact.matches(&Method::GET, "/a"));
        assert!(!exact.matches(&Method::POST, "/a"));
        assert!(!exact.matches(&Method::GET, "/a/b"));
    }
}
