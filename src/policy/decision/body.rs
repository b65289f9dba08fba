//! The second half of a decision: a body (and query) under an [`Authorisation`]. In the
//! gateway's order: size, a body where the flow accepts none, media type, content
//! coding, strict parsing, then the schema's stripping and transforms.

use std::sync::Arc;

use bytes::Bytes;
use serde_json::Value;

use super::{Authorisation, Disclosure, Payload, ResponseDecision, Tools};
use crate::codes::{Reason, RefusalCode};
use crate::keys::PseudonymKey;
use crate::minimise::{
    minimise_owned, minimise_query, MinimisationReport, MinimiseOptions, Minimised, PayloadView,
    SchemaPlan,
};
use crate::policy::Policy;

/// `application/json` or `application/*+json`, parameters allowed.
pub fn is_json_media_type(content_type: Option<&str>) -> bool {
    let Some(ct) = content_type else { return false };
    let essence = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

fn one(code: RefusalCode, detail: impl Into<String>) -> Vec<Reason> {
    vec![Reason::new(code, detail)]
}

/// Minimise a request's body and query under `auth`.
pub fn minimise_request(
    policy: &Policy,
    auth: &Authorisation,
    query: Option<&str>,
    payload: &Payload<'_>,
    tools: &Tools<'_>,
) -> Result<Disclosure, Vec<Reason>> {
    let max = tools.limits.max_bytes;
    if payload.bytes.len() > max {
        return Err(one(
            RefusalCode::BodyTooLarge,
            format!("the body is over the limit of {max} bytes"),
        ));
    }
    let minimised = match &auth.rules.schemas.request {
        None if payload.bytes.is_empty() => None,
        None => {
            return Err(one(RefusalCode::UnsupportedMediaType, "this flow accepts no request body"))
        }
        Some(schema) => Some(request_body(policy, auth, schema, payload, tools)?),
    };
    let (value, mut minimisation, mut payload_view, subjects) = match minimised {
        Some(m) => (Some(m.value), m.report, m.payload, m.subjects),
        None => (None, MinimisationReport::default(), PayloadView::default(), Vec::new()),
    };
    let query = query.map(|q| {
        let q = minimise_query(q, &auth.rules.query);
        minimisation.stripped.extend(q.stripped);
        payload_view.stripped.extend(q.names);
        q.query
    });
    Ok(Disclosure { value, minimisation, payload: payload_view, subjects, query })
}

fn request_body(
    policy: &Policy,
    auth: &Authorisation,
    schema: &str,
    payload: &Payload<'_>,
    tools: &Tools<'_>,
) -> Result<Minimised, Vec<Reason>> {
    if payload.bytes.is_empty() {
        // No body at all, whatever its media type says: the flow needs a JSON value.
        return Err(one(
            RefusalCode::MalformedJson,
            format!("this flow needs a JSON body (schema `{schema}`) and the body is empty"),
        ));
    }
    if !is_json_media_type(payload.content_type) {
        return Err(one(
            RefusalCode::UnsupportedMediaType,
            "send the body as `application/json` (or `application/*+json`)",
        ));
    }
    let decoded: Bytes;
    let bytes = match payload.decode {
        Some(decode) => {
            decoded = decode(&auth.rules.content_encodings)?;
            &decoded[..]
        }
        None => payload.bytes,
    };
    let value = parse(bytes, tools)?;
    let plan = policy.plan(schema).ok_or_else(|| missing_plan(schema))?;
    let normal = auth.rules.schemas.normal.as_deref().and_then(|n| policy.plan(n)).map(Arc::as_ref);
    let key = tools.pseudonyms.for_recipient(&auth.rules.basis_id, &auth.recipient);
    minimise_owned(plan, value, &options(auth, &key, normal)).map_err(|e| e.reasons())
}

/// Minimisation under `auth`, pseudonymising with `key`, transforms applied.
fn options<'a>(
    auth: &Authorisation,
    key: &'a PseudonymKey,
    normal_plan: Option<&'a SchemaPlan>,
) -> MinimiseOptions<'a> {
    MinimiseOptions {
        article_9: auth.rules.unlocks.special_category,
        article_10: auth.rules.unlocks.criminal_offence,
        pseudonym_key: Some(key),
        today: auth.today,
        apply_transforms: true,
        normal_plan,
    }
}

fn parse(bytes: &[u8], tools: &Tools<'_>) -> Result<Value, Vec<Reason>> {
    crate::json_strict::parse(bytes, tools.limits).map_err(|e| one(e.code(), e.to_string()))
}

/// A schema the policy names but did not compile: the gateway's fault, never the caller's
/// (the gateway logs the code where it ends the transfer).
fn missing_plan(schema: &str) -> Vec<Reason> {
    one(
        RefusalCode::InternalError,
        format!("the gateway has no compiled plan for schema `{schema}`"),
    )
}

/// Decide what of the recipient's response reaches the caller.
pub fn decide_response(
    policy: &Policy,
    auth: &Authorisation,
    payload: &Payload<'_>,
    tools: &Tools<'_>,
) -> ResponseDecision {
    let Some(schema) = &auth.rules.schemas.response else {
        return ResponseDecision::Withheld;
    };
    let Some(plan) = policy.plan(schema) else {
        return ResponseDecision::Withheld;
    };
    if payload.bytes.is_empty() {
        return ResponseDecision::Withheld;
    }
    if !is_json_media_type(payload.content_type) {
        return ResponseDecision::Refused(one(
            RefusalCode::UnsupportedMediaType,
            "the recipient's response is not JSON",
        ));
    }
    let value = match parse(payload.bytes, tools) {
        Ok(v) => v,
        Err(reasons) => return ResponseDecision::Refused(reasons),
    };
    // Responses flow recipient -> caller: pseudonyms are keyed for the caller.
    let key = tools.pseudonyms.for_recipient(&auth.rules.basis_id, &auth.caller);
    match minimise_owned(plan, value, &options(auth, &key, None)) {
        Ok(m) => ResponseDecision::Minimised(m),
        Err(e) => ResponseDecision::Refused(e.reasons()),
    }
}
