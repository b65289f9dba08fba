//! The governance console (issue 14, contract section 8): server-rendered HTML pages on
//! the admin listener, at `GET /` and under `/console/`, for governance officers who are
//! not programmers. `docs/console.md` lists the pages.
//!
//! Every page calls the admin API's own handlers (`admin::agreements`, `admin::reviews`,
//! `admin::audit`, `admin::restrictions`) in-process, with the identity from the client
//! certificate, and renders what they answer: the same checks, the same records, the same
//! refusals. The listener's authentication applies unchanged (governance certificates
//! only; anything else gets the API's refusal and its record).
//!
//! Pages are [maud] templates (escaped by default), one stylesheet served as a file, no
//! script needed; every response carries a strict Content-Security-Policy and
//! `X-Frame-Options: DENY`. Every POST passes [`csrf`]'s checks first. Subject ids travel
//! only in POST bodies, never in a URL, a log line or a page.
//!
//! # Layout
//! - [`csrf`]: `Origin` / `Sec-Fetch-Site` checks and the stateless form token.
//! - [`layout`]: the page shell, navigation (the one list of sections), notices, errors.
//! - [`api`]: calling an admin handler and reading its answer.
//! - [`chart`]: bar charts as tables (text first, bars drawn in SVG).
//! - [`assets`]: the stylesheet.
//! - [`upload`]: forms that carry files (`multipart/form-data`), within bounds.
//! - one module per page: [`overview`], [`agreements`], [`proposals`], [`explain`],
//!   [`emergency`], [`restrictions`], [`subject`], [`report`].

pub mod agreements;
pub mod api;
pub mod assets;
pub mod chart;
pub mod csrf;
pub mod emergency;
pub mod explain;
pub mod layout;
pub mod overview;
pub mod proposals;
pub mod report;
pub mod restrictions;
pub mod subject;
pub mod upload;

use bytes::Bytes;
use http::{HeaderValue, Method, Response, StatusCode};
use http_body_util::Full;
use maud::Markup;

use crate::admin::reply::Reply;
use crate::admin::{AdminIdentity, AdminPeer, AdminState};

/// The Content-Security-Policy of every console response: nothing inline, nothing from
/// elsewhere, no framing, forms post only to the console.
pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
                       form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Why a console request did not get the page it asked for.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// The admin API refused or failed; its status and sentence are shown as they are.
    #[error("{detail}")]
    Refused { status: StatusCode, detail: String, reasons: Vec<String> },
    #[error(transparent)]
    Csrf(#[from] csrf::CsrfError),
    #[error("the console has no page at this address")]
    NotFound,
    #[error("this page does not take this method")]
    MethodNotAllowed,
    #[error("the form does not fit: {0}")]
    Form(String),
    /// The console's own failure (an answer it could not read); logged, not shown.
    #[error("{0}")]
    Internal(String),
}

impl ConsoleError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Refused { status, .. } => *status,
            Self::Csrf(_) => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Form(_) => StatusCode::BAD_REQUEST,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The sentence the officer reads (the console's own failures say only what to do).
    pub fn sentence(&self) -> String {
        match self {
            Self::Internal(_) => {
                "the console failed to show this page; the operators' log says why".into()
            }
            other => other.to_string(),
        }
    }
}

/// What every page handler gets: the shared state and who is asking.
pub struct Ctx<'a> {
    pub state: &'a AdminState,
    /// The governance identity URI from the client certificate.
    pub actor: &'a str,
    pub cert_sha256: &'a str,
    pub now: jiff::Timestamp,
    /// Query pairs (GET) or form fields (POST).
    pub fields: Vec<(String, String)>,
    /// Path parameters of the matched route.
    pub params: Vec<String>,
    /// Files sent with a `multipart/form-data` POST (none otherwise).
    pub files: Vec<upload::Upload>,
}

impl Ctx<'_> {
    /// A field (the last when repeated), trimmed; `None` when absent or empty.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// A form token for the pages' forms (empty when the console has no key).
    pub fn token(&self) -> String {
        self.state
            .console_key
            .as_ref()
            .map(|k| k.token(self.cert_sha256, self.now))
            .unwrap_or_default()
    }

    /// The files sent in the form field `field`.
    pub fn files(&self, field: &str) -> impl Iterator<Item = &upload::Upload> + '_ {
        let field = field.to_owned();
        self.files.iter().filter(move |f| f.field == field)
    }

    pub fn param(&self) -> &str {
        self.params.first().map(String::as_str).unwrap_or_default()
    }
}

/// The console's pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Page {
    Overview,
    FullVerify,
    Stylesheet,
    Agreements,
    Agreement,
    Proposals,
    Propose,
    Decide,
    ExplainForm,
    Explain,
    Emergency,
    Review,
    Restrictions,
    AddRestriction,
    RemoveRestriction,
    SubjectForm,
    Subject,
    Report,
    ReportCsv,
    ReportJson,
}

/// Every console route: method, path template, page. A new page adds a line here and,
/// when it is a section of its own, a line in `layout::SECTIONS`.
const ROUTES: &[(&str, &str, Page)] = &[
    ("GET", "/", Page::Overview),
    ("POST", "/console/verify", Page::FullVerify),
    ("GET", "/console/assets/console.css", Page::Stylesheet),
    ("GET", "/console/agreements", Page::Agreements),
    ("GET", "/console/agreements/{id}", Page::Agreement),
    ("GET", "/console/proposals", Page::Proposals),
    ("POST", "/console/proposals", Page::Propose),
    ("POST", "/console/proposals/{id}/decide", Page::Decide),
    ("GET", "/console/explain", Page::ExplainForm),
    ("POST", "/console/explain", Page::Explain),
    ("GET", "/console/emergency", Page::Emergency),
    ("POST", "/console/emergency/{id}/review", Page::Review),
    ("GET", "/console/restrictions", Page::Restrictions),
    ("POST", "/console/restrictions", Page::AddRestriction),
    ("POST", "/console/restrictions/{id}/remove", Page::RemoveRestriction),
    ("GET", "/console/subject", Page::SubjectForm),
    ("POST", "/console/subject", Page::Subject),
    ("GET", "/console/report", Page::Report),
    ("GET", "/console/report.csv", Page::ReportCsv),
    ("GET", "/console/report.json", Page::ReportJson),
];

/// Whether the admin listener hands this path to the console rather than the JSON API.
pub fn serves(path: &str) -> bool {
    path == "/" || path.starts_with("/console/")
}

fn route(method: &Method, path: &str) -> Result<(Page, Vec<String>), ConsoleError> {
    let mut known = false;
    for (m, template, page) in ROUTES {
        if let Some(params) = crate::admin::router::matches(template, path) {
            known = true;
            if method.as_str() == *m {
                return Ok((*page, params));
            }
        }
    }
    Err(if known { ConsoleError::MethodNotAllowed } else { ConsoleError::NotFound })
}

/// Answer one console request whose body has been read.
pub async fn handle(
    state: &AdminState,
    peer: &AdminPeer,
    parts: &http::request::Parts,
    body: Bytes,
) -> Reply {
    let actor = match &peer.identity {
        Some(AdminIdentity::Governance(uri)) => uri.clone(),
        other => {
            let refused =
                crate::admin::router::refuse_identity(state, peer, other.as_ref(), &parts.method)
                    .await;
            let err = api::refusal(Err(refused)).await;
            return page_reply(err.status(), layout::refused(&err));
        }
    };
    let (page, params) = match route(&parts.method, parts.uri.path()) {
        Ok(r) => r,
        Err(e) => return page_reply(e.status(), layout::error_page(&actor, &e)),
    };
    let (fields, files) = match form_of(parts, &body) {
        Ok(form) => form,
        Err(e) => return page_reply(e.status(), layout::error_page(&actor, &e)),
    };
    let ctx = Ctx {
        state,
        actor: &actor,
        cert_sha256: &peer.cert_sha256,
        now: state.clock.now(),
        fields,
        params,
        files,
    };
    if parts.method == Method::POST {
        if let Err(e) = check_form(&ctx, parts) {
            tracing::warn!(actor = %actor, reason = %e, "console form refused");
            return page_reply(e.status(), layout::error_page(&actor, &e));
        }
    }
    match serve(&ctx, page).await {
        Ok(reply) => reply,
        Err(e) => {
            if let ConsoleError::Internal(why) = &e {
                tracing::error!(error = %why, "console: internal error");
            }
            page_reply(e.status(), layout::error_page(&actor, &e))
        }
    }
}

/// A request's fields: the query of a GET; the body of a POST, URL-encoded or (with
/// files) `multipart/form-data`.
fn form_of(parts: &http::request::Parts, body: &Bytes) -> Result<upload::Form, ConsoleError> {
    if parts.method != Method::POST {
        return Ok((crate::admin::router::parse_query(parts.uri.query()), Vec::new()));
    }
    let content_type = parts.headers.get(http::header::CONTENT_TYPE);
    match content_type.and_then(|c| c.to_str().ok()).and_then(upload::boundary) {
        Some(b) => upload::parse(body, b).map_err(|e| ConsoleError::Form(e.to_string())),
        None => Ok((crate::admin::router::parse_query(std::str::from_utf8(body).ok()), Vec::new())),
    }
}

/// A form over the listener's body limit (read before the identity is known: the page
/// has no navigation and names no one).
pub fn too_large() -> Reply {
    let e = ConsoleError::Form(
        "it is over the admin listener's limit (`limits.max_body`); send fewer or smaller files at once"
            .into(),
    );
    page_reply(StatusCode::PAYLOAD_TOO_LARGE, layout::refused(&e))
}

/// A POST's cross-site checks: the headers, then the token.
fn check_form(ctx: &Ctx<'_>, parts: &http::request::Parts) -> Result<(), ConsoleError> {
    let host = parts
        .headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| parts.uri.authority().map(http::uri::Authority::as_str));
    csrf::check_origin(&parts.headers, host)?;
    let key = ctx.state.console_key.as_ref().ok_or(csrf::CsrfError::NoKey)?;
    let token = ctx.field("csrf").ok_or(csrf::CsrfError::BadToken)?;
    key.check(ctx.cert_sha256, token, ctx.now)?;
    Ok(())
}

async fn serve(ctx: &Ctx<'_>, page: Page) -> Result<Reply, ConsoleError> {
    let ok = |m: Markup| Ok(page_reply(StatusCode::OK, m));
    match page {
        Page::Overview => ok(overview::page(ctx, None).await?),
        Page::FullVerify => ok(overview::full_verify(ctx).await?),
        Page::Stylesheet => Ok(assets::stylesheet()),
        Page::Agreements => ok(agreements::list(ctx).await?),
        Page::Agreement => ok(agreements::one(ctx).await?),
        Page::Proposals => ok(proposals::list(ctx, None).await?),
        Page::Propose => ok(proposals::propose(ctx).await?),
        Page::Decide => ok(proposals::decide(ctx).await?),
        Page::ExplainForm => ok(explain::form(ctx).await?),
        Page::Explain => ok(explain::run(ctx).await?),
        Page::Emergency => ok(emergency::queue(ctx, None).await?),
        Page::Review => ok(emergency::review(ctx).await?),
        Page::Restrictions => ok(restrictions::list(ctx, None).await?),
        Page::AddRestriction => ok(restrictions::add(ctx).await?),
        Page::RemoveRestriction => ok(restrictions::remove(ctx).await?),
        Page::SubjectForm => ok(subject::form(ctx)),
        Page::Subject => ok(subject::search(ctx).await?),
        Page::Report => ok(report::page(ctx).await?),
        Page::ReportCsv => report::download(ctx, report::Format::Csv).await,
        Page::ReportJson => report::download(ctx, report::Format::Json).await,
    }
}

/// The headers every console response carries. `Referrer-Policy` is `same-origin`, not
/// `no-referrer`: with `no-referrer` browsers send `Origin: null` on form posts, which
/// the cross-site check must refuse.
pub fn secure(mut resp: Reply, content_type: &'static str) -> Reply {
    let h = resp.headers_mut();
    h.insert(http::header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(http::header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(http::header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(http::header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(http::header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(http::header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// An HTML page with this status.
pub fn page_reply(status: StatusCode, markup: Markup) -> Reply {
    bytes_reply(status, markup.into_string().into_bytes(), "text/html; charset=utf-8")
}

/// Any console body with this status and media type.
pub fn bytes_reply(status: StatusCode, body: Vec<u8>, content_type: &'static str) -> Reply {
    let mut resp = Response::new(Full::new(Bytes::from(body)));
    *resp.status_mut() = status;
    secure(resp, content_type)
}
