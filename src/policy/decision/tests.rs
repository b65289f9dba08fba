//! Every code the decision owns, at least once; both directions.

use std::collections::BTreeMap;

use serde_json::json;

use super::*;
use crate::agreements::matching::RequestKey;
use crate::agreements::{Agreement, AgreementSet, LoadedAgreement, LoadedSchema};
use crate::codes::RefusalCode;

const AGREEMENT: &str = r#"
id: ISA-UNIT-0001
title: Unit test agreement
version: 2
status: active
owner: ig
parties: [council, police]
dpia: DPIA-1
effective_from: 2026-01-01
expires: 2027-01-01
lawful_basis:
  article_6: ["6(1)(e)"]
purposes:
  - id: safeguarding
    description: Protect a child
  - id: prevention
    description: Prevent crime
retention: 6 years
flows:
  - id: referral
    from: council
    to: police
    method: POST
    path: /v1/referrals
    purposes: [safeguarding]
    request_schema: referral.json
    response_schema: ack.json
    query: [page]
  - id: lookup
    from: council
    to: police
    method: GET
    path: /v1/people/{id}
    purposes: [safeguarding, prevention]
emergency:
  allowed: true
  request_schema: emergency.json
  categories: [risk-to-life]
"#;

fn schema(name: &str, json: serde_json::Value) -> (String, LoadedSchema) {
    let s = LoadedSchema { name: name.into(), path: name.into(), json, sha256: "ab".repeat(32) };
    (name.to_owned(), s)
}

fn loaded(yaml: &str) -> LoadedAgreement {
    let agreement: Agreement = serde_saphyr::from_str(yaml).unwrap();
    LoadedAgreement { agreement, path: "a.yaml".into(), sha256: "cd".repeat(32) }
}

fn policy_with(agreements: Vec<LoadedAgreement>) -> Policy {
    let schemas: BTreeMap<String, LoadedSchema> = [
        schema(
            "referral.json",
            json!({"type": "object", "required": ["id"], "properties": {
                "id": {"type": "string"},
                "area": {"type": "string", "x-isagate-transform": "postcode-district"},
                "nhs": {"type": "string", "x-isagate-subject-id": "nhs-number"},
                "health": {"type": "string", "x-isagate-category": "health"}
            }}),
        ),
        schema("emergency.json", json!({"properties": {"id": {}}})),
        schema("ack.json", json!({"properties": {"ack": {"type": "boolean"}}})),
    ]
    .into_iter()
    .collect();
    Policy::build(AgreementSet { agreements, schemas, emergency_policy: None }).unwrap()
}

fn policy() -> Policy {
    policy_with(vec![loaded(AGREEMENT)])
}

fn key() -> RequestKey<'static> {
    RequestKey::referral("council", "police")
}

fn facts() -> Facts<'static> {
    Facts { key: key(), query: None, today: jiff::civil::date(2026, 6, 1) }
}

/// The default facts with another request key.
fn with(key: RequestKey<'static>) -> Facts<'static> {
    Facts { key, ..facts() }
}

fn run(policy: &Policy, facts: &Facts<'_>, content_type: Option<&str>, body: &[u8]) -> Decision {
    let key = crate::keys::PseudonymisationKey::throwaway().unwrap();
    let limits = Limits { max_bytes: 200, max_depth: 8 };
    let tools = Tools { limits: &limits, pseudonyms: &key };
    decide(policy, facts, &Payload::plain(content_type, body), &tools)
}

fn code_of(d: &Decision) -> RefusalCode {
    d.verdict.as_ref().expect_err("refused").first().unwrap().code
}

const JSON: Option<&str> = Some("application/json");

#[test]
fn allowed_request_is_minimised_with_its_record_facts() {
    let f = Facts { query: Some("page=2&name=Jo"), ..facts() };
    let d = run(
        &policy(),
        &f,
        JSON,
        br#"{"id": "r1", "area": "L1 8JQ", "nhs": "9434765919", "health": "x", "extra": 1}"#,
    );
    let auth = d.authorisation.unwrap();
    assert_eq!(
        auth.agreement.as_ref().map(|a| (a.id.as_str(), a.version)),
        Some(("ISA-UNIT-0001", 2))
    );
    assert_eq!((auth.flow.as_str(), auth.purpose.as_str()), ("referral", "safeguarding"));
    assert_eq!(auth.path_template, "/v1/referrals");
    assert_eq!(auth.schema_sha256.len(), 2, "request and response schema");
    let out = d.verdict.unwrap();
    assert_eq!(out.value, Some(json!({"id": "r1", "area": "L1", "nhs": "9434765919"})));
    // The record's form: the undeclared key counted at its parent (the whole payload,
    // ""), the query parameter as `?`; the dry run's view names the payload's own places.
    let stripped: Vec<_> =
        out.minimisation.stripped.iter().map(|s| (s.path.as_str(), s.count)).collect();
    assert_eq!(stripped, [("", Some(1)), ("/health", Some(1)), ("?", Some(1))]);
    let named: Vec<_> = out.payload.stripped.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(named, ["/extra", "/health", "?name"]);
    assert_eq!(out.minimisation.transformed.len(), 1);
    assert_eq!(out.subjects.len(), 1);
    assert_eq!(out.query.as_deref(), Some("page=2"));
}

#[test]
fn matching_codes() {
    let p = policy();
    let cases = [
        (with(RequestKey { path: "/v1/other", ..key() }), RefusalCode::NoAgreement),
        (
            Facts { today: jiff::civil::date(2027, 2, 1), ..facts() },
            RefusalCode::AgreementNotInForce,
        ),
        (with(RequestKey { purpose: "marketing", ..key() }), RefusalCode::PurposeNotAllowed),
        (
            with(RequestKey { recipient_jurisdiction: "IE", ..key() }),
            RefusalCode::InternationalTransfer,
        ),
        (with(RequestKey { emergency: Some("bored"), ..key() }), RefusalCode::UnknownCategory),
        (
            with(RequestKey { emergency: Some("serious-crime"), ..key() }),
            RefusalCode::EmergencyNotAllowed,
        ),
    ];
    for (f, code) in cases {
        let d = run(&p, &f, JSON, br#"{"id": "r"}"#);
        assert_eq!(code_of(&d), code);
        assert!(d.authorisation.is_none());
    }
    let twice = policy_with(vec![
        loaded(AGREEMENT),
        loaded(&AGREEMENT.replace("ISA-UNIT-0001", "ISA-UNIT-0002")),
    ]);
    assert_eq!(code_of(&run(&twice, &facts(), JSON, b"{}")), RefusalCode::AgreementAmbiguous);
    let named = with(RequestKey { agreement: Some("ISA-UNIT-0002"), ..key() });
    assert!(run(&twice, &named, JSON, br#"{"id": "r"}"#).verdict.is_ok());
}

#[test]
fn body_codes() {
    let p = policy();
    let deep = format!("{}{}", "[".repeat(9), "]".repeat(9));
    let cases: Vec<(Option<&str>, &[u8], RefusalCode)> = vec![
        (Some("text/plain"), br#"{"id": "r"}"#, RefusalCode::UnsupportedMediaType),
        (None, br#"{"id": "r"}"#, RefusalCode::UnsupportedMediaType),
        (JSON, b"{\"id\": ", RefusalCode::MalformedJson),
        (JSON, b"", RefusalCode::MalformedJson),
        (None, b"", RefusalCode::MalformedJson),
        (JSON, b" \r\n\t ", RefusalCode::MalformedJson),
        (JSON, br#"{"id": "a", "id": "b"}"#, RefusalCode::DuplicateKey),
        (JSON, deep.as_bytes(), RefusalCode::TooDeep),
        (JSON, br#"{"id": "r", "n": 1e400}"#, RefusalCode::NumberNotExact),
        (JSON, &[b' '; 201], RefusalCode::BodyTooLarge),
        (JSON, br#"{"area": "L1"}"#, RefusalCode::SchemaViolation),
        (JSON, br#"{"id": "r", "area": "nowhere"}"#, RefusalCode::TransformFailed),
    ];
    for (ct, body, code) in cases {
        let d = run(&p, &facts(), ct, body);
        assert_eq!(code_of(&d), code, "{}", String::from_utf8_lossy(body));
        assert!(d.authorisation.is_some(), "refused after the flow was found");
    }
}

#[test]
fn a_flow_without_request_schema_accepts_no_body() {
    let p = policy();
    let f =
        with(RequestKey { method: "GET", path: "/v1/people/7", purpose: "prevention", ..key() });
    assert_eq!(code_of(&run(&p, &f, JSON, b"{}")), RefusalCode::UnsupportedMediaType);
    let out = run(&p, &f, None, b"").verdict.unwrap();
    assert_eq!(out.value, None);
    assert_eq!(out.query, None);
}

#[test]
fn emergency_uses_the_clause_schema_and_category() {
    let f = with(RequestKey { emergency: Some("risk-to-life"), purpose: "", ..key() });
    let d = run(&policy(), &f, JSON, br#"{"id": "r", "area": "L1 8JQ"}"#);
    let auth = d.authorisation.unwrap();
    assert_eq!(auth.purpose, "risk-to-life");
    let basis = auth.emergency.unwrap();
    assert_eq!(basis.basis, "agreement:ISA-UNIT-0001");
    assert_eq!(basis.info("why").review_state, "pending");
    assert_eq!(d.verdict.unwrap().value, Some(json!({"id": "r"})));
}

#[test]
fn responses() {
    let p = policy();
    let auth = authorise(&p, &facts()).unwrap();
    let master = crate::keys::PseudonymisationKey::throwaway().unwrap();
    let limits = Limits::default();
    let tools = Tools { limits: &limits, pseudonyms: &master };
    let answer = |auth: &Authorisation, ct, body: &[u8]| {
        decide_response(&p, auth, &Payload::plain(ct, body), &tools)
    };
    match answer(&auth, JSON, br#"{"ack": true, "officer": "x"}"#) {
        ResponseDecision::Minimised(m) => assert_eq!(m.value, json!({"ack": true})),
        other => panic!("{other:?}"),
    }
    assert_eq!(answer(&auth, JSON, b""), ResponseDecision::Withheld);
    let refused = |d| matches!(d, ResponseDecision::Refused(r) if r[0].code == RefusalCode::UnsupportedMediaType);
    assert!(refused(answer(&auth, Some("text/html"), b"<p>")));
    let lookup =
        with(RequestKey { method: "GET", path: "/v1/people/7", purpose: "prevention", ..key() });
    let auth = authorise(&p, &lookup).unwrap();
    assert_eq!(answer(&auth, JSON, br#"{"x": 1}"#), ResponseDecision::Withheld);
}

#[test]
fn json_media_types() {
    assert!(is_json_media_type(Some("application/json; charset=utf-8")));
    assert!(is_json_media_type(Some("Application/FHIR+json")));
    assert!(!is_json_media_type(Some("text/plain")));
    assert!(!is_json_media_type(Some("application/jsonp")));
    assert!(!is_json_media_type(None));
}

/// Refusals name schema facts (issue 12 item 11): the purposes the flow allows, the
/// property `required` misses and where the keyword stands; never a value.
#[test]
fn refusals_name_schema_facts_never_values() {
    let p = policy();
    let detail = |d: &Decision| d.verdict.as_ref().expect_err("refused")[0].detail.clone();
    let purpose =
        detail(&run(&p, &with(RequestKey { purpose: "marketing", ..key() }), JSON, b"{}"));
    assert!(purpose.contains("it allows `safeguarding`"), "{purpose}");
    assert!(!purpose.contains("marketing"), "the caller's purpose is not echoed: {purpose}");
    let required = detail(&run(&p, &facts(), JSON, br#"{"area": "L1 8JQ"}"#));
    assert!(required.contains("`id` is missing"), "{required}");
    assert!(required.contains("schema location `/required`"), "{required}");
    assert!(!required.contains("L1 8JQ"), "{required}");
}
