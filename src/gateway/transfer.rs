//! The transfer pipeline (contract section 2, steps 1 to 8), one named stage per step:
//!
//! 1. `identify`: the caller's agency from its certificate (403 otherwise);
//! 2. `route`: path normalisation and the `Isagate-*` headers (400);
//! 3. `authorise`: agreement, flow and purpose, emergency basis (403);
//! 4. `rate_limit` (429);
//! 5. `minimise_request`: body and query (413, 415, 422);
//! 6. `record` the request before anything leaves (503 if it cannot be committed);
//! 7. `forward` newly serialised bytes with allow-listed headers (502, 504);
//! 8. `minimise_response` and record it before returning it.
//!
//! Every stage returns what the next needs or a [`Refusal`]; [`handle`] turns a refusal
//! into a refusal record and a problem document, in one place.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http::{HeaderName, HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::Full;

use crate::agreements::matching::{self, Matched, RequestKey};
use crate::agreements::{LawfulBasis, LoadedAgreement};
use crate::audit::record::{AgreementRef, EmergencyInfo, Outcome, RecordDraft, RecordKind};
use crate::codes::problem::{self, Refusal, DISCLOSURE_ID};
use crate::codes::{Direction, Reason, RefusalCode};
use crate::digest::sha256_hex;
use crate::gateway::headers::TransferHeaders;
use crate::gateway::policy::Policy;
use crate::gateway::state::{GatewayState, Peer};
use crate::gateway::upstream::UpstreamFailure;
use crate::gateway::{body, headers, path};
use crate::minimise::Minimised;
use crate::minimise::{minimise, minimise_query, MinimiseOptions};
use crate::tls::identity::PeerIdentity;

// The metadata headers the recipient receives (contract section 11), named once.
const DISCLOSURE_ID_HEADER: HeaderName = HeaderName::from_static(DISCLOSURE_ID);
const ISAGATE_FROM: HeaderName = HeaderName::from_static("isagate-from");
const ISAGATE_AGREEMENT: HeaderName = HeaderName::from_static(headers::AGREEMENT);
const ISAGATE_PURPOSE: HeaderName = HeaderName::from_static(headers::PURPOSE);
const ISAGATE_REQUESTER: HeaderName = HeaderName::from_static(headers::REQUESTER);
const ISAGATE_EMERGENCY: HeaderName = HeaderName::from_static(headers::EMERGENCY);

/// What a transfer has established so far; a refusal records as much of it as is known.
#[derive(Default)]
struct Ctx {
    caller: Option<String>,
    recipient: Option<String>,
    requester: Option<String>,
    reason: Option<String>,
    method: Option<String>,
    path_template: Option<String>,
    agreement: Option<AgreementRef>,
    flow: Option<String>,
    purpose: Option<String>,
    lawful_basis: Option<LawfulBasis>,
    emergency: Option<EmergencyInfo>,
    schema_sha256: BTreeMap<String, String>,
    received_sha256: Option<String>,
}

/// The schema and rules a matched request is minimised under.
struct Authorised {
    request_schema: Option<String>,
    response_schema: Option<String>,
    normal_schema: Option<String>,
    query: Vec<String>,
    content_encodings: Vec<String>,
    agreement_id: String,
    article_9: bool,
    article_10: bool,
}

/// Handle one request on the transfer listener. Never fails: every outcome is a response.
pub async fn handle(
    state: Arc<GatewayState>,
    peer: Arc<Peer>,
    req: Request<hyper::body::Incoming>,
) -> Response<Full<Bytes>> {
    let started = Instant::now();
    let policy = state.policy.current();
    let mut ctx = Ctx::default();
    let result = run(&state, &policy, &peer, &mut ctx, req).await;
    let (response, outcome) = match result {
        Ok(done) => done,
        Err(refusal) => (refuse(&state, &peer, ctx, refusal).await, Outcome::Refused),
    };
    crate::telemetry::metrics::transfer_completed(
        outcome,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

async fn refuse(
    state: &GatewayState,
    peer: &Peer,
    ctx: Ctx,
    refusal: Refusal,
) -> Response<Full<Bytes>> {
    for r in &refusal.reasons {
        crate::telemetry::metrics::refusal(r.code);
    }
    if refusal.code() == RefusalCode::AuditUnavailable {
        return problem::response(&refusal, None);
    }
    let mut draft = ctx.into_draft(RecordKind::Refusal, Outcome::Refused, peer);
    draft.refusal = refusal.reasons.clone();
    match state.store.append(draft).await {
        Ok(committed) => problem::response(&refusal, Some(&committed.id.to_string())),
        Err(e) => {
            tracing::error!(error = %e, "refusal record could not be committed");
            problem::response(&audit_unavailable(), None)
        }
    }
}

fn audit_unavailable() -> Refusal {
    Refusal::one(
        RefusalCode::AuditUnavailable,
        "the disclosure record cannot be committed, so nothing was sent; retry later",
    )
}

async fn run(
    state: &GatewayState,
    policy: &Policy,
    peer: &Peer,
    ctx: &mut Ctx,
    req: Request<hyper::body::Incoming>,
) -> Result<(Response<Full<Bytes>>, Outcome), Refusal> {
    let deadline = body::Deadline::after(state.settings.request_timeout);
    // 1. identify
    let caller = identify(state, peer)?;
    ctx.caller = Some(caller.clone());

    // 2. route
    let (parts, incoming) = req.into_parts();
    let method = forwardable_method(&parts.method)?;
    ctx.method = Some(method.as_str().to_owned());
    let route = path::normalise(parts.uri.path()).map_err(Refusal::from)?;
    let recipient = state.agencies.get(&route.recipient).filter(|a| a.upstream.is_some());
    let hdrs = headers::parse(&parts.headers).map_err(Refusal::from)?;
    ctx.requester = Some(hdrs.requester.clone());
    ctx.reason = Some(hdrs.reason.clone());
    let Some(recipient) = recipient else {
        return Err(no_agreement());
    };
    ctx.recipient = Some(recipient.id.clone());

    // 3. authorise
    let auth =
        authorise(state, policy, ctx, &caller, recipient, &method, &route.upstream_path, &hdrs)?;

    // 4. rate limit
    state.rate.check(
        &caller,
        &auth.agreement_id,
        ctx.flow.as_deref().unwrap_or(""),
        &hdrs.requester,
    )?;
    if ctx.emergency.is_some() {
        crate::gateway::emergency_limits::check(state, &caller, &hdrs.requester).await?;
    }

    // 5. minimise body and query
    let received = body::read_limited(
        incoming,
        state.settings.max_body,
        state.settings.read_timeout,
        deadline,
    )
    .await?;
    ctx.received_sha256 = Some(sha256_hex(&received));
    let minimised =
        minimise_request(state, policy, ctx, &auth, &parts.headers, received, &caller, recipient)?;
    let (query, query_stripped) = match (parts.uri.query(), ctx.emergency.is_some()) {
        (None, _) => (String::new(), Vec::new()),
        (Some(q), false) => minimise_query(q, &auth.query),
        (Some(q), true) => minimise_query(q, &[]),
    };

    // 6. record the request
    let forwarded_bytes = match &minimised {
        Some(m) => Bytes::from(serde_json::to_vec(&m.value).map_err(|_| internal())?),
        None => Bytes::new(),
    };
    let mut draft = ctx.snapshot().into_draft(RecordKind::Disclosure, Outcome::Forwarded, peer);
    draft.direction = Some(Direction::Request);
    if let Some(m) = &minimised {
        draft.disclosed = m.disclosed.clone();
        draft.stripped = m.stripped.clone();
        draft.transformed = m.transformed.clone();
        draft.subjects =
            m.subjects.iter().map(|s| state.subject_key.hash(&s.kind, &s.value)).collect();
        draft.subjects.sort();
        draft.subjects.dedup();
    }
    restriction_check(state, policy, ctx, &draft.subjects)?;
    draft.stripped.extend(query_stripped);
    draft.payload_sha256 = Some(sha256_hex(&forwarded_bytes));
    deadline.check()?;
    let request_record = state.store.append(draft).await.map_err(|e| {
        tracing::error!(error = %e, "request record could not be committed; nothing sent");
        audit_unavailable()
    })?;
    let disclosure_id = request_record.id.to_string();
    if let Some(em) = &ctx.emergency {
        crate::gateway::emergency_limits::alert(
            state,
            &disclosure_id,
            &caller,
            &recipient.id,
            em,
            ctx.agreement.as_ref(),
            &request_record.time,
        );
    }

    // 7. forward
    let mut upstream_req = Request::builder()
        .method(method.clone())
        .uri(state.upstream_uri(&recipient.id, &route.encoded, &query).ok_or_else(internal)?);
    {
        let h = upstream_req.headers_mut().ok_or_else(internal)?;
        if minimised.is_some() {
            h.insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        if let Some(accept) = parts.headers.get(http::header::ACCEPT) {
            h.insert(http::header::ACCEPT, accept.clone());
        }
        let mut set = |name: HeaderName, value: &str| {
            if let Ok(v) = HeaderValue::from_str(value) {
                h.insert(name, v);
            }
        };
        set(DISCLOSURE_ID_HEADER, &disclosure_id);
        set(ISAGATE_FROM, &caller);
        if let Some(a) = &ctx.agreement {
            set(ISAGATE_AGREEMENT, &format!("{}@{}", a.id, a.version));
        }
        if let Some(p) = &ctx.purpose {
            set(ISAGATE_PURPOSE, p);
        }
        set(ISAGATE_REQUESTER, &hdrs.requester);
        if let Some(em) = &ctx.emergency {
            set(ISAGATE_EMERGENCY, &em.category);
        }
    }
    let upstream_req = upstream_req.body(Full::new(forwarded_bytes)).map_err(|_| internal())?;
    let upstream_started = Instant::now();
    let upstream = state.upstreams.send(&recipient.id, upstream_req, state.settings.max_body).await;
    crate::telemetry::metrics::upstream_latency(&recipient.id, upstream_started.elapsed());

    // 8. minimise and record the response
    let mut resp_draft =
        ctx.snapshot().into_draft(RecordKind::Disclosure, Outcome::Delivered, peer);
    resp_draft.direction = Some(Direction::Response);
    resp_draft.in_reply_to = Some(request_record.id);
    resp_draft.from = Some(recipient.id.clone());
    resp_draft.to = Some(caller.clone());
    let (status, resp_body) = match upstream {
        Err(failure) => {
            let (outcome, code, detail) = match failure {
                UpstreamFailure::Timeout => (
                    Outcome::UpstreamTimeout,
                    RefusalCode::UpstreamTimeout,
                    "the recipient did not answer in time",
                ),
                UpstreamFailure::Failed => (
                    Outcome::UpstreamError,
                    RefusalCode::UpstreamError,
                    "the recipient could not be reached or failed",
                ),
            };
            resp_draft.outcome = outcome;
            resp_draft.refusal = vec![Reason::new(code, detail)];
            state.store.append(resp_draft).await.map_err(|_| audit_unavailable())?;
            return Ok((
                problem::response(&Refusal::one(code, detail), Some(&disclosure_id)),
                outcome,
            ));
        }
        Ok((status, headers, bytes)) => {
            resp_draft.upstream_status = Some(status.as_u16());
            resp_draft.received_sha256 = Some(sha256_hex(&bytes));
            match minimise_response(
                state,
                policy,
                &auth,
                &caller,
                &recipient.id,
                &headers,
                &bytes,
                ctx,
            ) {
                ResponseBody::Withheld => {
                    resp_draft.outcome = Outcome::Withheld;
                    (status, None)
                }
                ResponseBody::Minimised(m) => {
                    let out = Bytes::from(serde_json::to_vec(&m.value).map_err(|_| internal())?);
                    resp_draft.disclosed = m.disclosed.clone();
                    resp_draft.stripped = m.stripped.clone();
                    resp_draft.transformed = m.transformed.clone();
                    resp_draft.payload_sha256 = Some(sha256_hex(&out));
                    (status, Some(out))
                }
                ResponseBody::Refused(reasons) => {
                    resp_draft.outcome = Outcome::Refused;
                    resp_draft.refusal = reasons;
                    state.store.append(resp_draft).await.map_err(|_| audit_unavailable())?;
                    let refusal = Refusal::one(
                        RefusalCode::UpstreamError,
                        "the recipient's response did not match the agreement's response schema, so it was withheld",
                    );
                    return Ok((
                        problem::response(&refusal, Some(&disclosure_id)),
                        Outcome::Refused,
                    ));
                }
            }
        }
    };
    if let Some(sch) = &auth.response_schema {
        if let Some(sha) = policy.schema_sha256(sch) {
            resp_draft.schema_sha256.insert(sch.clone(), sha.to_owned());
        }
    }
    let outcome = resp_draft.outcome;
    state.store.append(resp_draft).await.map_err(|e| {
        tracing::error!(error = %e, "response record could not be committed; response withheld");
        audit_unavailable()
    })?;
    let mut response = Response::new(Full::new(resp_body.clone().unwrap_or_default()));
    *response.status_mut() = status;
    if resp_body.is_some() {
        response
            .headers_mut()
            .insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }
    if let Ok(v) = HeaderValue::from_str(&disclosure_id) {
        response.headers_mut().insert(DISCLOSURE_ID, v);
    }
    Ok((response, outcome))
}

/// Stage 5b: a transfer about a restricted subject is refused (403 `subject-restricted`)
/// unless it is an emergency or the agreement names a legal duty that overrides it.
fn restriction_check(
    state: &GatewayState,
    policy: &Policy,
    ctx: &Ctx,
    subjects: &[String],
) -> Result<(), Refusal> {
    if subjects.is_empty() {
        return Ok(());
    }
    let agreement_id = ctx.agreement.as_ref().map(|a| a.id.as_str()).unwrap_or("");
    let has_override = policy
        .set
        .agreement(agreement_id)
        .is_some_and(|a| a.agreement.restrictions_override.is_some());
    let set = state.restrictions.current();
    if crate::emergency::restrictions::restricted(
        &set,
        subjects,
        agreement_id,
        ctx.emergency.is_some(),
        has_override,
    ) {
        return Err(Refusal::one(
            RefusalCode::SubjectRestricted,
            "a data subject of this transfer has restricted or objected to this sharing; contact the information governance team",
        ));
    }
    Ok(())
}

/// Stage 1: only a registered agency may send transfers.
fn identify(state: &GatewayState, peer: &Peer) -> Result<String, Refusal> {
    match &peer.identity {
        Some(PeerIdentity::Agency(id)) => match state.agencies.get(id) {
            Some(a) if a.pin_allows(&peer.cert_sha256) => Ok(id.clone()),
            Some(_) => Err(Refusal::one(
                RefusalCode::IdentityNotAllowed,
                "the certificate is not one pinned for this agency; use the registered certificate",
            )),
            None => Err(Refusal::one(
                RefusalCode::IdentityNotAllowed,
                "the certificate does not name an agency registered with this gateway",
            )),
        },
        Some(PeerIdentity::Governance(_)) => Err(Refusal::one(
            RefusalCode::IdentityNotAllowed,
            "a governance certificate cannot send transfers; use an agency certificate",
        )),
        _ => Err(Refusal::one(
            RefusalCode::IdentityNotAllowed,
            "the certificate does not name an agency registered with this gateway",
        )),
    }
}

fn forwardable_method(m: &Method) -> Result<Method, Refusal> {
    match *m {
        Method::GET | Method::POST | Method::PUT | Method::PATCH | Method::DELETE => Ok(m.clone()),
        _ => Err(Refusal::one(
            RefusalCode::MethodNotAllowed,
            "the gateway forwards GET, POST, PUT, PATCH and DELETE only",
        )),
    }
}

fn no_agreement() -> Refusal {
    Refusal::one(RefusalCode::NoAgreement, crate::agreements::matching::NO_AGREEMENT)
}

fn internal() -> Refusal {
    Refusal::one(RefusalCode::UpstreamError, "the gateway could not build the upstream request")
}

/// Stage 3: find the agreement and flow (or emergency basis) and note it in the context.
#[allow(clippy::too_many_arguments, reason = "one stage, its inputs named")]
fn authorise(
    state: &GatewayState,
    policy: &Policy,
    ctx: &mut Ctx,
    caller: &str,
    recipient: &crate::gateway::state::AgencyInfo,
    method: &Method,
    upstream_path: &str,
    hdrs: &TransferHeaders,
) -> Result<Authorised, Refusal> {
    let key = RequestKey {
        caller,
        recipient: &recipient.id,
        recipient_jurisdiction: &recipient.jurisdiction,
        method: method.as_str(),
        path: upstream_path,
        purpose: &hdrs.purpose,
        agreement: hdrs.agreement.as_deref(),
        emergency: hdrs.emergency.as_deref(),
    };
    let matched =
        matching::match_request(&policy.set, &key, state.clock.today()).map_err(Refusal::from)?;
    let note_agreement = |ctx: &mut Ctx, a: &LoadedAgreement| {
        ctx.agreement = Some(AgreementRef {
            id: a.agreement.id.clone(),
            version: a.agreement.version,
            sha256: a.sha256.clone(),
        });
        ctx.lawful_basis = Some(a.agreement.lawful_basis.clone());
    };
    let auth = match matched {
        Matched::Flow { agreement, flow } => {
            note_agreement(ctx, agreement);
            ctx.flow = Some(flow.id.clone());
            ctx.purpose = Some(hdrs.purpose.clone());
            ctx.path_template = Some(flow.path.clone());
            Authorised {
                request_schema: flow.request_schema.clone(),
                response_schema: flow.response_schema.clone(),
                normal_schema: None,
                query: flow.query.clone(),
                content_encodings: flow.content_encodings.clone(),
                agreement_id: agreement.agreement.id.clone(),
                article_9: agreement.agreement.lawful_basis.has_article_9(),
                article_10: agreement.agreement.lawful_basis.has_article_10(),
            }
        }
        Matched::EmergencyClause { agreement, flow, clause } => {
            note_agreement(ctx, agreement);
            ctx.flow = Some(flow.id.clone());
            ctx.path_template = Some(flow.path.clone());
            Authorised {
                request_schema: Some(clause.request_schema.clone()),
                response_schema: clause.response_schema.clone(),
                normal_schema: flow.request_schema.clone(),
                query: Vec::new(),
                content_encodings: flow.content_encodings.clone(),
                agreement_id: agreement.agreement.id.clone(),
                article_9: agreement.agreement.lawful_basis.has_article_9(),
                article_10: agreement.agreement.lawful_basis.has_article_10(),
            }
        }
        Matched::EmergencyPolicy { rule } => {
            ctx.flow = Some(format!("emergency-policy:{}", rule.id));
            ctx.path_template = Some(upstream_path_template(rule, upstream_path));
            ctx.lawful_basis = Some(rule.lawful_basis.clone());
            Authorised {
                request_schema: Some(rule.request_schema.clone()),
                response_schema: rule.response_schema.clone(),
                normal_schema: None,
                query: Vec::new(),
                content_encodings: Vec::new(),
                agreement_id: format!("emergency-policy:{}", rule.id),
                article_9: rule.lawful_basis.has_article_9(),
                article_10: rule.lawful_basis.has_article_10(),
            }
        }
    };
    if let Some(category) = &hdrs.emergency {
        ctx.purpose = Some(category.clone());
        ctx.emergency = Some(EmergencyInfo {
            category: category.clone(),
            justification: hdrs.reason.clone(),
            review_state: "pending".into(),
            basis: match &ctx.agreement {
                Some(a) => format!("agreement:{}", a.id),
                None => auth.agreement_id.replace("emergency-policy:", "policy:"),
            },
        });
    }
    for name in [&auth.request_schema, &auth.response_schema].into_iter().flatten() {
        if let Some(sha) = policy.schema_sha256(name) {
            ctx.schema_sha256.insert(name.clone(), sha.to_owned());
        }
    }
    Ok(auth)
}

/// The path template recorded for a policy-rule emergency: the matching rule path, or `*`.
fn upstream_path_template(rule: &crate::agreements::EmergencyRule, path: &str) -> String {
    rule.paths
        .as_ref()
        .and_then(|ps| ps.iter().find(|p| matching::path_matches(p, path)).cloned())
        .unwrap_or_else(|| "/*".to_owned())
}

/// Stage 5: strict parsing, validation, stripping and transforms of the request body.
#[allow(clippy::too_many_arguments, reason = "one stage, its inputs named")]
fn minimise_request(
    state: &GatewayState,
    policy: &Policy,
    ctx: &Ctx,
    auth: &Authorised,
    headers: &http::HeaderMap,
    received: Bytes,
    caller: &str,
    recipient: &crate::gateway::state::AgencyInfo,
) -> Result<Option<Minimised>, Refusal> {
    let _ = caller;
    let Some(schema) = &auth.request_schema else {
        if received.is_empty() {
            return Ok(None);
        }
        return Err(Refusal::one(
            RefusalCode::UnsupportedMediaType,
            "this flow accepts no request body",
        ));
    };
    body::require_json(headers)?;
    let decoded =
        body::decode(headers, received, &auth.content_encodings, state.settings.decompressed_max)?;
    let value = crate::json_strict::parse(&decoded, &state.settings.json_limits())
        .map_err(|e| Refusal::one(e.code(), e.to_string()))?;
    let plan = policy.plan(schema).ok_or_else(internal)?;
    let normal = auth.normal_schema.as_deref().and_then(|n| policy.plan(n)).map(Arc::as_ref);
    let key = state.pseudonyms.for_recipient(
        ctx.agreement.as_ref().map(|a| a.id.as_str()).unwrap_or(&auth.agreement_id),
        &recipient.id,
    );
    let opts = MinimiseOptions {
        article_9: auth.article_9,
        article_10: auth.article_10,
        pseudonym_key: Some(&key),
        today: state.clock.today(),
        apply_transforms: true,
        normal_plan: normal,
    };
    minimise(plan, &value, &opts).map(Some).map_err(|e| Refusal::new(e.reasons()))
}

enum ResponseBody {
    Withheld,
    Minimised(Minimised),
    Refused(Vec<Reason>),
}

/// Stage 8: the upstream's response, minimised by the response schema (none: withheld).
#[allow(clippy::too_many_arguments, reason = "one stage, its inputs named")]
fn minimise_response(
    state: &GatewayState,
    policy: &Policy,
    auth: &Authorised,
    caller: &str,
    recipient: &str,
    headers: &http::HeaderMap,
    bytes: &Bytes,
    ctx: &Ctx,
) -> ResponseBody {
    let Some(schema) = &auth.response_schema else {
        return ResponseBody::Withheld;
    };
    let Some(plan) = policy.plan(schema) else {
        return ResponseBody::Withheld;
    };
    if bytes.is_empty() {
        return ResponseBody::Withheld;
    }
    if !body::is_json_media_type(headers) {
        return ResponseBody::Refused(vec![Reason::new(
            RefusalCode::UnsupportedMediaType,
            "the recipient's response is not JSON",
        )]);
    }
    let value = match crate::json_strict::parse(bytes, &state.settings.json_limits()) {
        Ok(v) => v,
        Err(e) => return ResponseBody::Refused(vec![Reason::new(e.code(), e.to_string())]),
    };
    // Responses flow recipient -> caller: pseudonyms are keyed for the caller.
    let key = state.pseudonyms.for_recipient(
        ctx.agreement.as_ref().map(|a| a.id.as_str()).unwrap_or(&auth.agreement_id),
        caller,
    );
    let _ = recipient;
    let opts = MinimiseOptions {
        article_9: auth.article_9,
        article_10: auth.article_10,
        pseudonym_key: Some(&key),
        today: state.clock.today(),
        apply_transforms: true,
        normal_plan: None,
    };
    match minimise(plan, &value, &opts) {
        Ok(m) => ResponseBody::Minimised(m),
        Err(e) => ResponseBody::Refused(e.reasons()),
    }
}

impl Ctx {
    fn snapshot(&self) -> Ctx {
        Ctx {
            caller: self.caller.clone(),
            recipient: self.recipient.clone(),
            requester: self.requester.clone(),
            reason: self.reason.clone(),
            method: self.method.clone(),
            path_template: self.path_template.clone(),
            agreement: self.agreement.clone(),
            flow: self.flow.clone(),
            purpose: self.purpose.clone(),
            lawful_basis: self.lawful_basis.clone(),
            emergency: self.emergency.clone(),
            schema_sha256: self.schema_sha256.clone(),
            received_sha256: self.received_sha256.clone(),
        }
    }

    fn into_draft(self, kind: RecordKind, outcome: Outcome, peer: &Peer) -> RecordDraft {
        let mut d = RecordDraft::new(kind, outcome);
        d.direction = Some(Direction::Request);
        d.from = self.caller;
        d.to = self.recipient;
        d.caller_cert_sha256 = Some(peer.cert_sha256.clone());
        d.requester = self.requester;
        d.method = self.method;
        d.path_template = self.path_template;
        d.agreement = self.agreement;
        d.schema_sha256 = self.schema_sha256;
        d.flow = self.flow;
        d.purpose = self.purpose;
        d.lawful_basis = self.lawful_basis;
        d.reason = self.reason;
        d.emergency = self.emergency;
        d.received_sha256 = self.received_sha256;
        d
    }
}

/// `StatusCode` re-export for the server module.
pub type Status = StatusCode;
