//! Stage 2: the request's framing, method, path and `Isagate-*` headers, parsed
//! strictly (400, 405), and the recipient it is addressed to. An unknown recipient reads
//! like any pair no agreement covers (403 `no-agreement`).

use http::{HeaderMap, Method};

use super::super::known::Known;
use super::super::TransferError;
use crate::agreements::matching::NO_AGREEMENT;
use crate::codes::{Reason, RefusalCode};
use crate::gateway::headers::{self, TransferHeaders};
use crate::gateway::path::{self, NormalisedPath};
use crate::gateway::state::GatewayState;

/// Where the request goes and what the caller asserts about it.
#[derive(Debug)]
pub struct Routed {
    pub method: Method,
    pub path: NormalisedPath,
    /// The recipient agency (registered, with an upstream).
    pub recipient: String,
    pub recipient_jurisdiction: String,
    pub transfer: TransferHeaders,
    /// The query string as received, when there is one.
    pub query: Option<String>,
    /// The request's headers (the body stage reads its framing from them).
    pub headers: HeaderMap,
}

/// Runs after `identify`, before `authorise`.
pub fn route(
    state: &GatewayState,
    known: &mut Known,
    parts: http::request::Parts,
) -> Result<Routed, TransferError> {
    framing(&parts.headers)?;
    let method = forwardable_method(&parts.method)?;
    known.method = Some(method.as_str().to_owned());
    let path = path::normalise(parts.uri.path())?;
    let recipient = state.agencies.get(&path.recipient).filter(|a| a.upstream.is_some());
    let transfer = headers::parse(&parts.headers)?;
    known.requester = Some(transfer.requester.clone());
    known.reason = Some(transfer.reason.clone());
    let Some(recipient) = recipient else {
        return Err(Reason::new(RefusalCode::NoAgreement, NO_AGREEMENT).into());
    };
    known.recipient = Some(recipient.id.clone());
    Ok(Routed {
        method,
        recipient: recipient.id.clone(),
        recipient_jurisdiction: recipient.jurisdiction.clone(),
        path,
        transfer,
        query: parts.uri.query().map(str::to_owned),
        headers: parts.headers,
    })
}

/// An HTTP/1.1 request with `Transfer-Encoding` could be read two ways (hyper would drop
/// a conflicting `Content-Length` silently): refuse it. The gateway never forwards the
/// caller's framing anyway; HTTP/2 has no `Transfer-Encoding`.
pub fn framing(headers: &HeaderMap) -> Result<(), TransferError> {
    if headers.contains_key(http::header::TRANSFER_ENCODING) {
        return Err(Reason::new(
            RefusalCode::BadRequest,
            "send the body with `Content-Length`; `Transfer-Encoding` is not accepted",
        )
        .into());
    }
    Ok(())
}

fn forwardable_method(m: &Method) -> Result<Method, TransferError> {
    match *m {
        Method::GET | Method::POST | Method::PUT | Method::PATCH | Method::DELETE => Ok(m.clone()),
        _ => Err(Reason::new(
            RefusalCode::MethodNotAllowed,
            "the gateway forwards GET, POST, PUT, PATCH and DELETE only",
        )
        .into()),
    }
}
