//! `agreements explain`: the dry run as a library (every refusal, stripping and
//! transforms, emergency), golden files for the human view, and the command line.

use std::collections::BTreeMap;

use isagate::agreements::explain::{
    explain, render_human, ExplainReport, ExplainRequest, Limits, Verdict,
};
use isagate::agreements::{Agreement, AgreementSet, LoadedAgreement, LoadedSchema};
use isagate::codes::Direction;
use isagate::codes::{RefusalCode, StripReason};
use isagate::policy::Policy;
use serde_json::{json, Value};

use crate::support;

const AGREEMENT: &str = r#"
id: ISA-TEST-0001
title: Safeguarding referrals from the council to the police
version: 3
status: active
owner: lcc-information-governance
parties: [lcc-ssc, merseyside-police]
dpia: DPIA-2026-014
effective_from: 2026-01-01
expires: 2027-01-01
lawful_basis:
  article_6: ["6(1)(e)"]
  article_10: ["DPA2018-Sch1-P2-10"]
  appropriate_policy_document: Council appropriate policy document
purposes:
  - id: safeguarding
    description: Protect a child or adult at risk of harm
  - id: prevention
    description: Prevent crime
retention: 6 years after the case closes
flows:
  - id: referral
    from: lcc-ssc
    to: merseyside-police
    method: POST
    path: /v1/referrals
    purposes: [safeguarding]
    request_schema: referral.v1.json
    response_schema: ack.v1.json
  - id: lookup
    from: lcc-ssc
    to: merseyside-police
    method: GET
    path: /v1/people/{id}
    purposes: [safeguarding, prevention]
emergency:
  allowed: true
  request_schema: referral.emergency.v1.json
  categories: [risk-to-life, child-at-risk]
"#;

fn referral_schema() -> Value {
    json!({
        "type": "object",
        "required": ["referral_id"],
        "properties": {
            "referral_id": {"type": "string"},
            "name": {"type": "string", "x-isagate-transform": "mask"},
            "nhs_number": {"type": "string", "format": "nhs-number", "x-isagate-subject-id": "nhs-number", "x-isagate-transform": "pseudonymise"},
            "dob": {"type": "string", "format": "date", "x-isagate-transform": "age-band"},
            "postcode": {"type": "string", "format": "uk-postcode", "x-isagate-transform": "postcode-district"},
            "diagnosis": {"type": "string", "x-isagate-category": "health"},
            "offences": {"type": "array", "x-isagate-category": "criminal-offence", "items": {"type": "string"}},
            "household": {"type": "array", "items": {"type": "object", "properties": {"relationship": {"type": "string"}}}}
        }
    })
}

pub fn set() -> AgreementSet {
    set_with(AGREEMENT)
}

pub fn set_with(yaml: &str) -> AgreementSet {
    let agreement: Agreement = serde_saphyr::from_str(yaml).unwrap();
    let mut schemas = BTreeMap::new();
    for (name, json) in [
        ("referral.v1.json", referral_schema()),
        ("referral.emergency.v1.json", json!({"properties": {"referral_id": {}, "name": {}}})),
        (
            "ack.v1.json",
            json!({"properties": {"ack": {"type": "boolean"}, "case": {"type": "string"}}}),
        ),
    ] {
        schemas.insert(
            name.to_owned(),
            LoadedSchema { name: name.to_owned(), path: name.into(), json, sha256: "0".repeat(64) },
        );
    }
    AgreementSet {
        agreements: vec![LoadedAgreement {
            agreement,
            path: "test.yaml".into(),
            sha256: "0".repeat(64),
        }],
        schemas,
        emergency_policy: None,
    }
}

pub fn payload() -> Vec<u8> {
    serde_json::to_vec_pretty(&json!({
        "referral_id": "REF-1",
        "name": "Jo Bloggs",
        "nhs_number": "943 476 5919",
        "dob": "2011-04-05",
        "postcode": "L1 8JQ",
        "diagnosis": "asthma",
        "offences": ["theft"],
        "household": [{"relationship": "mother", "name": "Ann"}, {"relationship": "brother"}],
        "school": "St Mary's"
    }))
    .unwrap()
}

pub fn request<'a>(payload: &'a [u8]) -> ExplainRequest<'a> {
    ExplainRequest {
        agreement: "ISA-TEST-0001",
        flow: "referral",
        payload,
        purpose: None,
        emergency: None,
        direction: Direction::Request,
        today: jiff::civil::date(2026, 11, 23),
        query: None,
        content_type: Some("application/json"),
        agreement_header: true,
        agencies: &[],
    }
}

pub fn policy(set: AgreementSet) -> Policy {
    Policy::build(set).unwrap()
}

fn run(req: &ExplainRequest<'_>) -> ExplainReport {
    explain(&policy(set()), req, &Limits::default())
}

fn codes(r: &ExplainReport) -> Vec<RefusalCode> {
    r.reasons.iter().map(|r| r.code).collect()
}

#[test]
fn allowed_referral_strips_and_transforms() {
    let bytes = payload();
    let r = run(&request(&bytes));
    assert_eq!(r.verdict, Verdict::Allowed, "{:?}", r.reasons);
    assert_eq!(r.purpose.as_deref(), Some("safeguarding"));
    assert_eq!(r.schema.as_deref(), Some("referral.v1.json"));
    let after = r.outcome.after.as_ref().unwrap();
    assert_eq!(after["name"], json!("***"));
    assert_eq!(after["dob"], json!("0-15"));
    assert_eq!(after["postcode"], json!("L1"));
    assert_eq!(after["offences"], json!(["theft"]), "article 10 condition present");
    assert_eq!(
        after["household"],
        json!([{"relationship": "mother"}, {"relationship": "brother"}])
    );
    assert!(after.get("diagnosis").is_none() && after.get("school").is_none());
    // The payload's own places, shown beside the record's form...
    let stripped: Vec<_> =
        r.outcome.payload.stripped.iter().map(|s| (s.path.as_str(), s.reason)).collect();
    assert_eq!(
        stripped,
        [
            ("/diagnosis", StripReason::SpecialCategory),
            ("/household/0/name", StripReason::Undeclared),
            ("/school", StripReason::Undeclared)
        ]
    );
    // ... which names no undeclared key and no array position.
    let recorded: Vec<_> = r
        .outcome
        .minimisation
        .stripped
        .iter()
        .map(|s| (s.path.as_str(), s.reason, s.count))
        .collect();
    assert_eq!(
        recorded,
        [
            ("", StripReason::Undeclared, Some(1)),
            ("/diagnosis", StripReason::SpecialCategory, Some(1)),
            ("/household/*", StripReason::Undeclared, Some(1))
        ]
    );
    assert!(
        r.outcome.minimisation.disclosed.iter().all(|p| !p.contains("/0")),
        "{:?}",
        r.outcome.minimisation.disclosed
    );
    assert_eq!(r.outcome.subjects.len(), 1);
    assert_eq!(
        (r.outcome.subjects[0].kind.as_str(), r.outcome.subjects[0].count),
        ("nhs-number", 1)
    );
    // The throw-away key: a pseudonym, but not a repeatable one.
    let p1 = after["nhs_number"].as_str().unwrap().to_owned();
    let again = run(&request(&bytes));
    assert_eq!(p1.len(), 64);
    assert_ne!(p1, again.outcome.after.unwrap()["nhs_number"].as_str().unwrap());
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["verdict"], json!("allowed"));
    assert_eq!(json["direction"], json!("request"));
    assert!(!json.to_string().contains("9434765919"), "subject ids are counted, not listed");
}

#[test]
fn refusals() {
    let bytes = payload();
    let base = request(&bytes);
    let cases: Vec<(ExplainRequest<'_>, RefusalCode)> = vec![
        (ExplainRequest { agreement: "ISA-NOPE", ..base }, RefusalCode::NoAgreement),
        (ExplainRequest { flow: "nope", ..base }, RefusalCode::NoAgreement),
        (
            ExplainRequest { today: jiff::civil::date(2027, 1, 1), ..base },
            RefusalCode::AgreementNotInForce,
        ),
        (
            ExplainRequest { today: jiff::civil::date(2025, 12, 31), ..base },
            RefusalCode::AgreementNotInForce,
        ),
        (ExplainRequest { purpose: Some("marketing"), ..base }, RefusalCode::PurposeNotAllowed),
        (ExplainRequest { flow: "lookup", payload: b"", ..base }, RefusalCode::PurposeNotAllowed),
        (ExplainRequest { emergency: Some("bored"), ..base }, RefusalCode::UnknownCategory),
        (
            ExplainRequest { emergency: Some("serious-crime"), ..base },
            RefusalCode::EmergencyNotAllowed,
        ),
        (ExplainRequest { payload: b"{\"referral_id\": ", ..base }, RefusalCode::MalformedJson),
        (ExplainRequest { payload: b"{\"name\": \"x\"}", ..base }, RefusalCode::SchemaViolation),
        (
            ExplainRequest {
                payload: b"{\"referral_id\": \"r\", \"postcode\": \"SENTINEL-9f3a\"}",
                ..base
            },
            RefusalCode::SchemaViolation,
        ),
        (
            ExplainRequest { flow: "lookup", purpose: Some("prevention"), payload: b"{}", ..base },
            RefusalCode::UnsupportedMediaType,
        ),
    ];
    for (req, code) in cases {
        let r = run(&req);
        assert_eq!(r.verdict, Verdict::Refused, "{code}");
        assert_eq!(codes(&r), [code], "{:?}", r.reasons);
        assert!(!format!("{:?}", r.reasons).contains("SENTINEL"));
        assert!(r.outcome.after.is_none());
    }
    let deep = format!("{}{}", "[".repeat(65), "]".repeat(65));
    let r = run(&ExplainRequest { payload: deep.as_bytes(), ..base });
    assert_eq!(codes(&r), [RefusalCode::TooDeep]);
    let big = vec![b' '; 100];
    let r = explain(
        &policy(set()),
        &ExplainRequest { payload: &big, ..base },
        &Limits { max_bytes: 10, max_depth: 64 },
    );
    assert_eq!(codes(&r), [RefusalCode::BodyTooLarge]);
    let suspended = set_with(&AGREEMENT.replace("status: active", "status: suspended"));
    let r = explain(&policy(suspended), &base, &Limits::default());
    assert_eq!(codes(&r), [RefusalCode::AgreementNotInForce]);
}

#[test]
fn purposes_default_only_when_unambiguous() {
    let r = run(&ExplainRequest {
        flow: "lookup",
        purpose: Some("prevention"),
        payload: b"",
        ..request(b"")
    });
    assert_eq!(r.verdict, Verdict::Allowed, "{:?}", r.reasons);
    assert_eq!(r.purpose.as_deref(), Some("prevention"));
    assert!(r.outcome.after.is_none(), "a flow with no request schema accepts no body");
}

#[test]
fn emergency_uses_the_emergency_schema_and_relabels() {
    let bytes = payload();
    let r = run(&ExplainRequest { emergency: Some("risk-to-life"), ..request(&bytes) });
    assert_eq!(r.verdict, Verdict::Allowed, "{:?}", r.reasons);
    assert_eq!(r.schema.as_deref(), Some("referral.emergency.v1.json"));
    assert_eq!(r.purpose.as_deref(), Some("risk-to-life"));
    assert_eq!(r.outcome.after, Some(json!({"referral_id": "REF-1", "name": "Jo Bloggs"})));
    let reason_of =
        |p: &str| r.outcome.payload.stripped.iter().find(|s| s.path == p).map(|s| s.reason);
    assert_eq!(reason_of("/dob"), Some(StripReason::NotInEmergencySchema));
    assert_eq!(reason_of("/school"), Some(StripReason::Undeclared));
    // The record's form counts both at the top level, each under its own reason.
    let at_top: Vec<_> = r
        .outcome
        .minimisation
        .stripped
        .iter()
        .filter(|s| s.path.is_empty())
        .map(|s| s.reason)
        .collect();
    assert!(at_top.contains(&StripReason::NotInEmergencySchema), "{at_top:?}");
    assert!(at_top.contains(&StripReason::Undeclared), "{at_top:?}");
}

#[test]
fn responses_use_the_response_schema_or_are_withheld() {
    let r = run(&ExplainRequest {
        direction: Direction::Response,
        payload: b"{\"ack\": true, \"officer\": \"PC 1\"}",
        ..request(b"")
    });
    assert_eq!(r.verdict, Verdict::Allowed);
    assert_eq!(
        (r.parties.from.as_deref(), r.parties.to.as_deref()),
        (Some("merseyside-police"), Some("lcc-ssc"))
    );
    assert_eq!(r.outcome.after, Some(json!({"ack": true})));
    let r = run(&ExplainRequest {
        flow: "lookup",
        purpose: Some("safeguarding"),
        direction: Direction::Response,
        payload: b"{\"x\": 1}",
        ..request(b"")
    });
    assert_eq!(r.verdict, Verdict::Allowed);
    assert!(r.withheld && r.outcome.after.is_none());
}

#[test]
fn query_and_content_type_are_asked_as_the_gateway_asks_them() {
    let bytes = payload();
    let r = run(&ExplainRequest { query: Some("page=2&name=Jo"), ..request(&bytes) });
    assert_eq!(r.verdict, Verdict::Allowed, "{:?}", r.reasons);
    assert_eq!(r.outcome.query.as_deref(), Some(""), "the flow allows no query parameter");
    assert!(r
        .outcome
        .payload
        .stripped
        .iter()
        .any(|s| s.path == "?name" && s.reason == StripReason::QueryNotAllowed));
    assert!(r
        .outcome
        .minimisation
        .stripped
        .iter()
        .any(|s| s.path == "?" && s.reason == StripReason::QueryNotAllowed && s.count == Some(2)));
    assert!(!serde_json::to_string(&r).unwrap().contains("Jo\""), "values never listed");
    assert_eq!(run(&request(&bytes)).outcome.query, None);
    let r = run(&ExplainRequest { content_type: Some("text/plain"), ..request(&bytes) });
    assert_eq!(codes(&r), [RefusalCode::UnsupportedMediaType]);
    let r = run(&ExplainRequest { content_type: Some("application/fhir+json"), ..request(&bytes) });
    assert_eq!(r.verdict, Verdict::Allowed);
}

#[test]
fn an_international_recipient_needs_a_safeguard() {
    let bytes = payload();
    let agencies = [isagate::agreements::AgencyRef {
        id: "merseyside-police".into(),
        name: "Police".into(),
        jurisdiction: "IE".into(),
        receives: true,
        public_authority: true,
    }];
    let r = run(&ExplainRequest { agencies: &agencies, ..request(&bytes) });
    assert_eq!(codes(&r), [RefusalCode::InternationalTransfer]);
}

// ---- golden files for the human view -------------------------------------------------

/// Pseudonyms come from a throw-away key: replace long hex runs before comparing.
fn normalise(text: &str) -> String {
    let re = regex::Regex::new(r"[0-9a-f]{12,}…?").unwrap();
    re.replace_all(text, |c: &regex::Captures<'_>| {
        format!("{:<1$}", "<pseudonym>", c[0].chars().count())
    })
    .into_owned()
}

fn golden(name: &str, report: &ExplainReport) {
    let text = normalise(&render_human(report, 110, false));
    let path = support::repo().join("tests/golden/explain").join(format!("{name}.txt"));
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &text).unwrap();
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("missing {} (UPDATE_GOLDEN=1)", path.display()));
    assert_eq!(text, want, "{name}: run with UPDATE_GOLDEN=1 to accept");
}

#[test]
fn golden_human_views() {
    let bytes = payload();
    golden("allowed", &run(&request(&bytes)));
    golden(
        "emergency",
        &run(&ExplainRequest { emergency: Some("child-at-risk"), ..request(&bytes) }),
    );
    golden(
        "refused-schema",
        &run(&ExplainRequest { payload: b"{\"name\": 7, \"dob\": \"yesterday\"}", ..request(b"") }),
    );
    golden(
        "refused-purpose",
        &run(&ExplainRequest { purpose: Some("marketing"), ..request(&bytes) }),
    );
    golden(
        "withheld",
        &run(&ExplainRequest {
            flow: "lookup",
            purpose: Some("prevention"),
            direction: Direction::Response,
            payload: b"{\"x\": 1}",
            ..request(b"")
        }),
    );
    let coloured = render_human(&run(&request(&bytes)), 110, true);
    assert!(coloured.contains("\x1b[32mALLOWED\x1b[0m"));
    assert!(!render_human(&run(&request(&bytes)), 110, false).contains('\x1b'));
}

// ---- the command line ----------------------------------------------------------------

#[test]
fn cli_missing_payload_file_is_a_usage_error() {
    let dir = support::scratch();
    let out = std::process::Command::new(support::isagate_bin())
        .current_dir(dir.path())
        .args(["agreements", "explain", "ISA-TEST-0001", "referral", "missing.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.json"));
}

fn write_set(dir: &std::path::Path) {
    std::fs::create_dir_all(dir.join("agreements")).unwrap();
    std::fs::create_dir_all(dir.join("schemas")).unwrap();
    std::fs::write(dir.join("agreements/test.yaml"), AGREEMENT.trim_start()).unwrap();
    for (name, schema) in set().schemas {
        std::fs::write(
            dir.join("schemas").join(name),
            serde_json::to_vec_pretty(&schema.json).unwrap(),
        )
        .unwrap();
    }
    std::fs::write(dir.join("good.json"), payload()).unwrap();
    std::fs::write(dir.join("bad.json"), b"{\"name\": 1}").unwrap();
}

#[test]
fn cli_exit_codes_and_json() {
    let dir = support::scratch();
    write_set(dir.path());
    let explain = |file: &str, extra: &[&str]| {
        std::process::Command::new(support::isagate_bin())
            .current_dir(dir.path())
            .args(["agreements", "explain", "ISA-TEST-0001", "referral", file])
            .args(extra)
            .output()
            .unwrap()
    };
    let ok = explain("good.json", &["--format", "json"]);
    assert_eq!(ok.status.code(), Some(0), "{}", String::from_utf8_lossy(&ok.stderr));
    let v: Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert_eq!(v["verdict"], json!("allowed"));
    let human = explain("good.json", &[]);
    assert!(!String::from_utf8_lossy(&human.stdout).contains('\x1b'), "no colour when piped");
    assert_eq!(explain("bad.json", &[]).status.code(), Some(1));
    assert_eq!(explain("good.json", &["--purpose", "marketing"]).status.code(), Some(1));
    let q = explain("good.json", &["--format", "json", "--query", "page=1"]);
    let v: Value = serde_json::from_slice(&q.stdout).unwrap();
    assert_eq!(
        (
            v["query"].clone(),
            v["payload"]["stripped"].to_string().contains("?page"),
            v["stripped"].to_string().contains("?page")
        ),
        (json!(""), true, false)
    );
    assert_eq!(explain("good.json", &["--content-type", "text/csv"]).status.code(), Some(1));
    assert_eq!(explain("good.json", &["--no-agreement-header"]).status.code(), Some(0));
}

/// The test agreement again under another id: two agreements permit the same request.
fn two_agreements() -> Policy {
    let mut set = set();
    let mut twin = set.agreements[0].clone();
    twin.agreement.id = "ISA-TEST-0002".into();
    set.agreements.push(twin);
    policy(set)
}

#[test]
fn without_the_agreement_header_two_agreements_are_ambiguous() {
    let bytes = payload();
    let policy = two_agreements();
    let named = explain(&policy, &request(&bytes), &Limits::default());
    assert_eq!(named.verdict, Verdict::Allowed, "{:?}", named.reasons);
    let unnamed = ExplainRequest { agreement_header: false, ..request(&bytes) };
    let r = explain(&policy, &unnamed, &Limits::default());
    assert_eq!(codes(&r), [RefusalCode::AgreementAmbiguous]);
    // One agreement: the matcher finds it without the header too.
    assert_eq!(run(&unnamed).verdict, Verdict::Allowed);
}

const EMERGENCY_POLICY: &str = r#"
version: 1
rules:
  - id: anyone-to-police
    from: [lcc-ssc, nhs-trust]
    to: [merseyside-police]
    categories: [risk-to-life]
    paths: ["/v1/emergency/{kind}"]
    request_schema: referral.emergency.v1.json
    lawful_basis:
      article_6: ["6(1)(d)"]
"#;

#[test]
fn an_emergency_under_the_emergency_policy() {
    let mut set = set();
    set.emergency_policy = Some(serde_saphyr::from_str(EMERGENCY_POLICY).unwrap());
    let policy = policy(set);
    let bytes = payload();
    let base = ExplainRequest {
        agreement: "emergency-policy",
        flow: "anyone-to-police",
        emergency: Some("risk-to-life"),
        ..request(&bytes)
    };
    let r = explain(&policy, &base, &Limits::default());
    assert_eq!(r.verdict, Verdict::Allowed, "{:?}", r.reasons);
    assert_eq!(r.flow, "emergency-policy:anyone-to-police");
    assert_eq!(r.purpose.as_deref(), Some("risk-to-life"));
    assert!(r.agreement.is_none());
    // lcc-ssc to the police is covered by ISA-TEST-0001 (whose clause would decide).
    assert_eq!(r.parties.from.as_deref(), Some("nhs-trust"));
    assert_eq!(r.outcome.after.unwrap(), json!({"referral_id": "REF-1", "name": "Jo Bloggs"}));
    let cases = [
        (
            ExplainRequest { emergency: Some("child-at-risk"), ..base },
            RefusalCode::EmergencyNotAllowed,
        ),
        (ExplainRequest { flow: "nope", ..base }, RefusalCode::NoAgreement),
        (ExplainRequest { emergency: None, ..base }, RefusalCode::NoAgreement),
    ];
    for (req, code) in cases {
        assert_eq!(codes(&explain(&policy, &req, &Limits::default())), [code], "{req:?}");
    }
    // Without an emergency policy there is nothing to ask.
    assert_eq!(codes(&run(&base)), [RefusalCode::NoAgreement]);
}
