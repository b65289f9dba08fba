//! The admin listener over real mTLS on 127.0.0.1: governance-only access, every
//! endpoint, and every answer validated against the OpenAPI document's schemas.

pub mod harness;

pub use harness::emergency_draft as harness_draft;
mod activations;
pub(crate) mod openapi_check;
pub mod pki;
mod proposal_impact;
mod proposals;
mod proposals_cli;
mod reload_findings;
mod store;

use std::collections::BTreeSet;
use std::sync::atomic::Ordering;

use harness::{call, emergency_draft, Harness, GOVERNANCE};
use http::Method;
use isagate::admin::router::ROUTES;
use isagate::audit::record::{Outcome, RecordDraft, RecordKind};
use isagate::emergency::Ledger;
use serde_json::json;

#[test]
fn every_route_is_documented_and_every_documented_route_is_served() {
    let doc = openapi_check::doc();
    assert_eq!(doc["openapi"], "3.1.0");
    let routed: BTreeSet<(String, String)> =
        ROUTES.iter().map(|(m, p, _)| (m.to_ascii_lowercase(), (*p).to_owned())).collect();
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            documented.insert((method.clone(), path.clone()));
            assert!(op["operationId"].is_string(), "{method} {path} has no operationId");
            // Every path parameter in the template is declared.
            for seg in path.split('/').filter(|s| s.starts_with('{')) {
                let name = seg.trim_matches(|c| c == '{' || c == '}');
                let declared = op["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|p| p["name"] == name && p["in"] == "path");
                assert!(declared, "{method} {path}: path parameter `{name}` not declared");
            }
        }
    }
    assert_eq!(routed, documented);
    // Every component schema compiles, and every $ref points at one.
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for name in schemas.keys() {
        openapi_check::validator(&json!({"$ref": format!("#/components/schemas/{name}")}));
    }
    let text = doc.to_string();
    for piece in text.split("#/components/schemas/").skip(1) {
        let name: String = piece.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
        assert!(schemas.contains_key(&name), "dangling $ref to `{name}`");
    }
}

#[tokio::test]
async fn agency_certificates_are_refused_with_a_record() {
    let h = Harness::start().await;
    let agency = h.client("urn:isagate:agency:lcc-ssc");
    for (m, template) in [
        (Method::GET, "/v1/emergency"),
        (Method::POST, "/v1/restrictions"),
        (Method::GET, "/v1/openapi.json"),
    ] {
        let body = (m == Method::POST)
            .then(|| json!({"type": "nhs-number", "id": "9434765919", "agreements": "*"}));
        let a = call(&agency, m, template, template, body).await;
        assert_eq!(a.status, 403);
        assert_eq!(a.content_type, "application/problem+json");
        assert_eq!(a.body["reasons"][0]["code"], "identity-not-allowed");
        let record_id = a.record_id.clone().expect("refusal record id");
        assert_eq!(a.body["disclosure_id"], record_id);
    }
    let refusals: Vec<_> =
        h.ledger.all().await.into_iter().filter(|r| r.draft.kind == RecordKind::Refusal).collect();
    assert_eq!(refusals.len(), 3);
    assert_eq!(refusals[0].draft.from.as_deref(), Some("lcc-ssc"));
    assert_eq!(refusals[0].draft.caller_cert_sha256.as_ref().map(String::len), Some(64));
    // Restrictions were not changed by the refused POST.
    assert!(h.state.restrictions.current().is_empty());
    // A certificate that names nobody is refused too.
    let nobody = h.client("urn:example:someone");
    let a = call(&nobody, Method::GET, "/v1/agreements", "/v1/agreements", None).await;
    assert_eq!(a.status, 403);
    // A certificate from another CA fails the handshake with an alert.
    let other = pki::Pki::new();
    let leaf = other.client(GOVERNANCE);
    let stranger = isagate::admin::client::AdminClient::new(
        &h.url,
        leaf.cert_pem.as_bytes(),
        leaf.key_pem.as_bytes(),
        h.pki.ca_pem.as_bytes(),
    )
    .unwrap();
    let refused = stranger.send(Method::GET, "/v1/agreements", None).await;
    let e = crate::support::error_chain(&refused.expect_err("a stranger's certificate got in"));
    // The other CA has the same name as the admin CA, so the chain is found and its
    // signature check fails: the alert for a bad signature is `decrypt_error`.
    assert!(e.contains("received fatal alert: DecryptError"), "{e}");
    // Governance gets in.
    let gov = h.client(GOVERNANCE);
    let a = call(&gov, Method::GET, "/v1/openapi.json", "/v1/openapi.json", None).await;
    assert_eq!(a.status, 200);
    assert_eq!(&a.body, openapi_check::doc());
    h.stop().await;
}

#[tokio::test]
async fn review_queue_and_reviews() {
    let h = Harness::start().await;
    let gov = h.client(GOVERNANCE);
    let disclosure = h.ledger.append(emergency_draft()).await.unwrap();
    let mut plain = emergency_draft();
    plain.emergency = None;
    let not_emergency = h.ledger.append(plain).await.unwrap();

    let q = call(&gov, Method::GET, "/v1/emergency", "/v1/emergency", None).await;
    assert_eq!(q.status, 200);
    assert_eq!(q.body["state"], "pending");
    assert_eq!(q.body["disclosures"].as_array().unwrap().len(), 1);
    assert_eq!(q.body["disclosures"][0]["disclosure_id"], disclosure.id.to_string());
    assert_eq!(q.body["disclosures"][0]["state"], "pending");

    let t = "/v1/emergency/{id}/review";
    let path = format!("/v1/emergency/{}/review", disclosure.id);
    let good = json!({"decision": "justified", "subject_told": "deferred", "revisit": "2026-04-01", "note": "risk confirmed by the duty manager"});
    openapi_check::check(&openapi_check::request_schema("POST", t), &good, "review request");

    // Refusals first: nothing is recorded for them.
    for (body, status) in [
        (json!({"decision": "justified", "subject_told": "deferred", "note": "n"}), 400),
        (json!({"decision": "maybe", "subject_told": "told", "note": "n"}), 400),
        (json!({"decision": "justified", "subject_told": "told", "note": ""}), 400),
        (json!({"decision": "justified", "subject_told": "told", "note": "n", "extra": 1}), 400),
        (
            json!({"decision": "justified", "subject_told": "told", "note": "n", "amendment": true}),
            409,
        ),
    ] {
        let a = call(&gov, Method::POST, t, &path, Some(body.clone())).await;
        assert_eq!(a.status, status, "{body}");
    }
    let raw = gov.send(Method::POST, &path, None).await.unwrap();
    assert_eq!(raw.status, 422);
    openapi_check::validate_answer("POST", t, &raw);
    let missing = call(
        &gov,
        Method::POST,
        t,
        &format!("/v1/emergency/{}/review", uuid::Uuid::now_v7()),
        Some(good.clone()),
    )
    .await;
    assert_eq!(missing.status, 404);
    let wrong = call(
        &gov,
        Method::POST,
        t,
        &format!("/v1/emergency/{}/review", not_emergency.id),
        Some(good.clone()),
    )
    .await;
    assert_eq!(wrong.status, 404);
    let junk =
        call(&gov, Method::POST, t, "/v1/emergency/not-a-uuid/review", Some(good.clone())).await;
    assert_eq!(junk.status, 404);

    let first = call(&gov, Method::POST, t, &path, Some(good.clone())).await;
    assert_eq!(first.status, 201);
    assert_eq!(first.body["reviewer"], GOVERNANCE);
    assert_eq!(first.record_id.as_deref(), first.body["review_id"].as_str());
    let second = call(&gov, Method::POST, t, &path, Some(good.clone())).await;
    assert_eq!(second.status, 409, "double review refused");
    assert_eq!(second.body["reasons"][0]["code"], "conflict");
    let mut amend = good.clone();
    amend["amendment"] = json!(true);
    amend["decision"] = json!("not-justified");
    amend["subject_told"] = json!("told");
    amend.as_object_mut().unwrap().remove("revisit");
    let amended = call(&gov, Method::POST, t, &path, Some(amend)).await;
    assert_eq!(amended.status, 201);
    assert_eq!(amended.body["amendment"], true);

    let reviews: Vec<_> = h
        .ledger
        .all()
        .await
        .into_iter()
        .filter(|r| r.draft.kind == RecordKind::EmergencyReview)
        .collect();
    assert_eq!(reviews.len(), 2);
    for r in &reviews {
        assert_eq!(r.draft.in_reply_to, Some(disclosure.id));
        assert_eq!(r.draft.actor.as_deref(), Some(GOVERNANCE));
        assert_eq!(r.draft.outcome, Outcome::Recorded);
    }
    assert!(reviews[1].draft.review.as_ref().unwrap().amendment);

    let pending =
        call(&gov, Method::GET, "/v1/emergency", "/v1/emergency?state=pending", None).await;
    assert_eq!(pending.body["disclosures"].as_array().unwrap().len(), 0);
    let reviewed =
        call(&gov, Method::GET, "/v1/emergency", "/v1/emergency?state=reviewed", None).await;
    let item = &reviewed.body["disclosures"][0];
    assert_eq!(item["review"]["decision"], "not-justified");
    assert_eq!(item["review"]["reviews"], 2);
    let all = call(&gov, Method::GET, "/v1/emergency", "/v1/emergency?state=all", None).await;
    assert_eq!(all.body["disclosures"].as_array().unwrap().len(), 1);
    let bad = call(&gov, Method::GET, "/v1/emergency", "/v1/emergency?state=later", None).await;
    assert_eq!(bad.status, 400);
    h.stop().await;
}

#[tokio::test]
async fn restrictions_are_hashed_recorded_and_removed() {
    let h = Harness::start().await;
    let gov = h.client(GOVERNANCE);
    let t = "/v1/restrictions";
    let input = json!({"type": "nhs-number", "id": "943 476 5919", "agreements": ["ISA-LCC-MERPOL-0007"], "note": "objection received"});
    openapi_check::check(&openapi_check::request_schema("POST", t), &input, "restriction request");
    let added = call(&gov, Method::POST, t, t, Some(input)).await;
    assert_eq!(added.status, 201);
    let hash = harness::subject_key().hash("nhs-number", "9434765919");
    assert_eq!(added.body["subject_hash"], hash);
    let answer = added.body.to_string();
    assert!(!answer.contains("9434765919") && !answer.contains("943 476 5919"), "{answer}");
    let listed = call(&gov, Method::GET, t, t, None).await;
    assert_eq!(listed.body["restrictions"].as_array().unwrap().len(), 1);
    assert_eq!(listed.body["restrictions"][0]["added_by"], GOVERNANCE);
    assert!(isagate::emergency::restricted(
        &h.state.restrictions.current(),
        std::slice::from_ref(&hash),
        "ISA-LCC-MERPOL-0007",
        false,
        false
    ));

    for bad in [
        json!({"type": "nhs-number", "id": "1", "agreements": []}),
        json!({"type": "nhs-number", "id": "1", "agreements": "ISA-1"}),
        json!({"type": "NHS", "id": "1", "agreements": "*"}),
        json!({"type": "nhs-number", "agreements": "*"}),
    ] {
        let a = call(&gov, Method::POST, t, t, Some(bad.clone())).await;
        assert_eq!(a.status, 400, "{bad}");
    }
    let id = added.body["id"].as_str().unwrap().to_owned();
    let removed = call(
        &gov,
        Method::DELETE,
        "/v1/restrictions/{id}",
        &format!("/v1/restrictions/{id}"),
        None,
    )
    .await;
    assert_eq!(removed.status, 200);
    let again = call(
        &gov,
        Method::DELETE,
        "/v1/restrictions/{id}",
        &format!("/v1/restrictions/{id}"),
        None,
    )
    .await;
    assert_eq!(again.status, 404);
    let listed = call(&gov, Method::GET, t, t, None).await;
    assert_eq!(listed.body["restrictions"].as_array().unwrap().len(), 0);
    assert!(!isagate::emergency::restricted(
        &h.state.restrictions.current(),
        std::slice::from_ref(&hash),
        "ISA-LCC-MERPOL-0007",
        false,
        false
    ));

    let gov_records: Vec<_> = h
        .ledger
        .all()
        .await
        .into_iter()
        .filter(|r| r.draft.kind == RecordKind::Governance)
        .collect();
    assert_eq!(gov_records.len(), 2);
    assert!(gov_records.iter().all(|r| r.draft.actor.as_deref() == Some(GOVERNANCE)));
    assert_eq!(gov_records[0].draft.governance.as_ref().unwrap()["action"], "restriction-added");
    assert_eq!(gov_records[1].draft.governance.as_ref().unwrap()["action"], "restriction-removed");
    let chain = serde_json::to_string(&h.ledger.all().await).unwrap();
    assert!(chain.contains(&hash), "the restriction is recorded by its hash");
    assert!(!chain.contains("9434765919") && !chain.contains("943 476 5919"));
    h.stop().await;
}

#[tokio::test]
async fn agreements_explain_and_a_refused_reload() {
    let h = Harness::start().await;
    let gov = h.client(GOVERNANCE);
    let list = call(&gov, Method::GET, "/v1/agreements", "/v1/agreements", None).await;
    assert_eq!(list.status, 200);
    let a = &list.body["agreements"][0];
    assert_eq!(a["id"], "ISA-LCC-MERPOL-0007");
    assert_eq!(a["in_force"], true);
    assert_eq!(a["findings"][0]["code"], "review-overdue");
    let one =
        call(&gov, Method::GET, "/v1/agreements/{id}", "/v1/agreements/ISA-LCC-MERPOL-0007", None)
            .await;
    assert_eq!(one.status, 200);
    assert_eq!(one.body, *a);
    let none =
        call(&gov, Method::GET, "/v1/agreements/{id}", "/v1/agreements/ISA-NOPE", None).await;
    assert_eq!(none.status, 404);

    let req =
        json!({"agreement": "ISA-LCC-MERPOL-0007", "flow": "referral", "payload": {"ok": true}});
    openapi_check::check(
        &openapi_check::request_schema("POST", "/v1/explain"),
        &req,
        "explain request",
    );
    let ex = call(&gov, Method::POST, "/v1/explain", "/v1/explain", Some(req)).await;
    assert_eq!(ex.status, 200);
    assert_eq!(ex.body["direction"], "request");
    let ex = call(
        &gov,
        Method::POST,
        "/v1/explain",
        "/v1/explain",
        Some(json!({"agreement": "ISA-NOPE", "flow": "referral", "payload": {}})),
    )
    .await;
    assert_eq!(ex.status, 404);
    let ex = call(&gov, Method::POST, "/v1/explain", "/v1/explain",
        Some(json!({"agreement": "ISA-LCC-MERPOL-0007", "flow": "referral", "payload": {}, "direction": "sideways"}))).await;
    assert_eq!(ex.status, 400);
    // The gateway's question: a flow without a request schema takes no body (415), and
    // the query string is minimised by the flow's allow-list.
    let status = |payload: serde_json::Value| {
        json!({"agreement": "ISA-LCC-MERPOL-0007", "flow": "referral-status", "payload": payload,
               "purpose": "safeguarding", "query": "include=history&name=Jo"})
    };
    openapi_check::check(
        &openapi_check::request_schema("POST", "/v1/explain"),
        &status(json!(null)),
        "explain request with a query",
    );
    let ex =
        call(&gov, Method::POST, "/v1/explain", "/v1/explain", Some(status(json!(null)))).await;
    assert_eq!((ex.status, &ex.body["refused"]), (200, &json!(false)), "{}", ex.body);
    assert_eq!(ex.body["query"], "include=history");
    // The record's form: one `?` entry counting the parameters, never their names.
    assert_eq!(
        (&ex.body["stripped"][0]["path"], &ex.body["stripped"][0]["count"]),
        (&json!("?"), &json!(1))
    );
    let ex = call(&gov, Method::POST, "/v1/explain", "/v1/explain", Some(status(json!({})))).await;
    assert_eq!(ex.body["reasons"][0]["code"], "unsupported-media-type", "{}", ex.body);
    let mut csv = status(json!({"a": 1}));
    csv["flow"] = json!("referral");
    csv["content_type"] = json!("text/csv");
    let ex = call(&gov, Method::POST, "/v1/explain", "/v1/explain", Some(csv)).await;
    assert_eq!(ex.body["reasons"][0]["code"], "unsupported-media-type", "{}", ex.body);
    // Without `Isagate-Agreement` the matcher chooses (one agreement here: the same answer).
    let mut unnamed = status(json!(null));
    unnamed["agreement_header"] = json!(false);
    openapi_check::check(
        &openapi_check::request_schema("POST", "/v1/explain"),
        &unnamed,
        "explain request without the agreement header",
    );
    let ex = call(&gov, Method::POST, "/v1/explain", "/v1/explain", Some(unnamed)).await;
    assert_eq!((ex.status, &ex.body["refused"]), (200, &json!(false)), "{}", ex.body);

    std::fs::write(h.agreements_dir.join("broken.yaml"), "id: [unclosed\n").unwrap();
    let before = h.ledger.all().await.len();
    let reload =
        call(&gov, Method::POST, "/v1/agreements/reload", "/v1/agreements/reload", None).await;
    assert_eq!(reload.status, 422);
    let mut all = h.ledger.all().await;
    assert_eq!(all.len(), before + 1);
    let rec = all.pop().unwrap();
    assert_eq!(rec.draft.governance.as_ref().unwrap()["action"], "agreements-reload-refused");
    assert_eq!(rec.draft.actor.as_deref(), Some(GOVERNANCE));
    assert_eq!(reload.record_id.as_deref(), Some(rec.id.to_string().as_str()));
    // The old set stays.
    let list2 = call(&gov, Method::GET, "/v1/agreements", "/v1/agreements", None).await;
    assert_eq!(list2.body, list.body);
    h.stop().await;
}

/// The version of ISA-LCC-MERPOL-0007 that `GET /v1/agreements` lists.
async fn listed_version(gov: &isagate::admin::client::AdminClient) -> u64 {
    let list = call(gov, Method::GET, "/v1/agreements", "/v1/agreements", None).await;
    assert_eq!(list.body["agreements"][0]["id"], "ISA-LCC-MERPOL-0007");
    list.body["agreements"][0]["version"].as_u64().unwrap()
}

#[tokio::test]
async fn a_clean_reload_is_recorded_before_it_applies() {
    let h = Harness::start().await;
    let gov = h.client(GOVERNANCE);
    assert_eq!(listed_version(&gov).await, 3);
    let file = h.agreements_dir.join("isa-lcc-merpol-0007.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replacen("version: 3", "version: 4", 1)).unwrap();
    h.ledger.broken.store(true, Ordering::SeqCst);
    let a = call(&gov, Method::POST, "/v1/agreements/reload", "/v1/agreements/reload", None).await;
    assert_eq!(a.status, 503);
    assert_eq!(a.body["reasons"][0]["code"], "audit-unavailable");
    h.ledger.broken.store(false, Ordering::SeqCst);
    assert_eq!(listed_version(&gov).await, 3, "not applied without its record");
    assert!(h.ledger.all().await.is_empty(), "nothing recorded while the store was away");
    let a = call(&gov, Method::POST, "/v1/agreements/reload", "/v1/agreements/reload", None).await;
    assert_eq!(a.status, 200);
    assert_eq!(listed_version(&gov).await, 4);
    let rec: RecordDraft = h.ledger.all().await.pop().unwrap().draft;
    assert_eq!(rec.governance.as_ref().unwrap()["action"], "agreements-reloaded");
    assert_eq!(rec.governance.unwrap()["agreements"][0]["version"], 4);
    h.stop().await;
}

#[tokio::test]
async fn audit_endpoints_and_unknown_routes() {
    let h = Harness::start().await;
    let gov = h.client(GOVERNANCE);
    let mut d = emergency_draft();
    d.subjects = vec![harness::subject_key().hash("nhs-number", "9434765919")];
    h.ledger.append(d).await.unwrap();
    let v = call(&gov, Method::GET, "/v1/audit/verify", "/v1/audit/verify", None).await;
    assert_eq!((v.status, v.body["length"].as_u64()), (200, Some(1)));
    let s = call(
        &gov,
        Method::POST,
        "/v1/audit/subject",
        "/v1/audit/subject",
        Some(json!({"type": "nhs-number", "id": "943 476 5919"})),
    )
    .await;
    assert_eq!(s.status, 200);
    assert_eq!(s.body["records"].as_array().unwrap().len(), 1);
    for bad in [json!({"type": "nhs-number"}), json!({"type": "nhs-number", "id": 9434765919u64})] {
        let s = call(&gov, Method::POST, "/v1/audit/subject", "/v1/audit/subject", Some(bad)).await;
        assert_eq!(s.status, 400);
        assert!(!s.body.to_string().contains("9434765919"), "the id is never echoed: {}", s.body);
    }
    // The id never travels in a URL: the old query form is gone.
    let get = gov
        .send(Method::GET, "/v1/audit/subject?type=nhs-number&id=9434765919", None)
        .await
        .unwrap();
    assert_eq!(get.status, 405);
    let r = call(
        &gov,
        Method::GET,
        "/v1/audit/report",
        "/v1/audit/report?since=2026-01-01&until=2026-12-31",
        None,
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["until"], "2026-12-31", "an inclusive end date, as given");
    assert_eq!(r.body["period_end"], "2027-01-01T00:00:00.000000Z");
    let r = call(
        &gov,
        Method::GET,
        "/v1/audit/report",
        "/v1/audit/report?since=yesterday&until=2026-12-31",
        None,
    )
    .await;
    assert_eq!(r.status, 400);
    h.ledger.broken.store(true, Ordering::SeqCst);
    let v = call(&gov, Method::GET, "/v1/emergency", "/v1/emergency", None).await;
    assert_eq!(v.status, 503);
    h.ledger.broken.store(false, Ordering::SeqCst);

    let nf = gov.send(Method::GET, "/v1/nothing", None).await.unwrap();
    assert_eq!((nf.status, nf.content_type.as_str()), (404, "application/problem+json"));
    let na = gov.send(Method::PUT, "/v1/restrictions", None).await.unwrap();
    assert_eq!(na.status, 405);
    // The admin API recorded only its full verifies (`chain-verified`).
    assert!(h.ledger.all().await.iter().all(|r| r.draft.kind != RecordKind::Governance
        || r.draft.governance.as_ref().is_some_and(|g| g["action"] == "chain-verified")));
    h.stop().await;
}

#[test]
fn the_schema_check_can_fail() {
    let schema = openapi_check::response_schema("GET", "/v1/restrictions", 200, "application/json");
    let v = openapi_check::validator(&schema);
    assert!(v.is_valid(&json!({"restrictions": []})));
    assert!(!v.is_valid(&json!({"restrictions": [], "extra": 1})), "undocumented fields fail");
    assert!(!v.is_valid(&json!({"restrictions": [{"id": "x"}]})));
    let problem =
        openapi_check::response_schema("GET", "/v1/restrictions", 403, "application/problem+json");
    assert!(!openapi_check::validator(&problem).is_valid(&json!({"type": "about:blank", "title": "t", "status": 403, "detail": "d", "disclosure_id": null, "reasons": []})));
}

/// Run the `isagate` binary with `args`; returns (exit code, stdout, stderr).
pub(super) async fn isagate(args: &[&str]) -> (i32, String, String) {
    let out = tokio::time::timeout(
        std::time::Duration::from_secs(60),
        tokio::process::Command::new(crate::support::isagate_bin()).args(args).output(),
    )
    .await
    .unwrap()
    .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_lists_reviews_and_restricts_through_the_admin_api() {
    let h = Harness::start().await;
    let leaf = h.pki.client(GOVERNANCE);
    let dir = h.path();
    std::fs::write(dir.join("gov.crt"), &leaf.cert_pem).unwrap();
    std::fs::write(dir.join("gov.key"), &leaf.key_pem).unwrap();
    std::fs::write(dir.join("ca.crt"), &h.pki.ca_pem).unwrap();
    let config = dir.join("isagate.toml");
    std::fs::write(
        &config,
        format!("[admin_client]\nurl = \"{}\"\ncert = \"gov.crt\"\nkey = \"gov.key\"\nca = \"ca.crt\"\n", h.url),
    )
    .unwrap();
    let cfg = config.to_str().unwrap();
    let disclosure = h.ledger.append(emergency_draft()).await.unwrap().id.to_string();

    let (code, out, err) =
        isagate(&["--config", cfg, "emergency", "list", "--format", "json"]).await;
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    openapi_check::check(
        &openapi_check::response_schema("GET", "/v1/emergency", 200, "application/json"),
        &v,
        "cli list",
    );
    assert_eq!(v["disclosures"][0]["disclosure_id"], disclosure);
    let (code, out, _) = isagate(&["--config", cfg, "emergency", "list"]).await;
    assert_eq!(code, 0);
    assert!(out.contains(&disclosure) && out.contains("child-at-risk"), "{out}");

    let review = [
        "--config",
        cfg,
        "emergency",
        "review",
        &disclosure,
        "--decision",
        "justified",
        "--subject-told",
        "told",
        "--note",
        "confirmed",
    ];
    let (code, out, err) = isagate(&review).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("recorded"), "{out}");
    let (code, _, err) = isagate(&review).await;
    assert_eq!(code, 1, "double review is a finding");
    assert!(err.contains("already"), "{err}");
    let (code, _, _) = isagate(&[
        "--config",
        cfg,
        "emergency",
        "review",
        &disclosure,
        "--decision",
        "perhaps",
        "--subject-told",
        "told",
        "--note",
        "x",
    ])
    .await;
    assert_eq!(code, 2, "usage error");

    let add = |scope: &'static str| {
        let args = ["--config", cfg, "restrictions", "add", "--type", "nhs-number"];
        let rest = ["--id", "9434765919", "--scope", scope, "--format", "json"];
        async move { isagate(&[&args[..], &rest[..]].concat()).await }
    };
    let (code, out, err) = add("ISA-LCC-MERPOL-0007").await;
    assert_eq!(code, 0, "{err}");
    let added: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(!out.contains("9434765919"));
    let id = added["id"].as_str().unwrap();
    let (code, out, _) = isagate(&["--config", cfg, "restrictions", "list"]).await;
    assert_eq!(code, 0);
    assert!(out.contains(id) && out.contains("ISA-LCC-MERPOL-0007"), "{out}");
    // A mistyped agreement would make the objection match nothing: refused, with a hint.
    let (code, out, err) = add("ISA-LCC-MERPOL-007").await;
    assert_eq!(code, 1, "{out}{err}");
    assert!(format!("{out}{err}").contains("did you mean `ISA-LCC-MERPOL-0007`?"), "{out}{err}");
    assert!(!format!("{out}{err}").contains("9434765919"));
    let (code, _, _) = isagate(&["--config", cfg, "restrictions", "remove", id]).await;
    assert_eq!(code, 0);
    let (code, _, _) = isagate(&["--config", cfg, "restrictions", "remove", id]).await;
    assert_eq!(code, 1, "already removed");
    let (code, _, err) = isagate(&["restrictions", "list"]).await;
    assert_eq!(code, 2);
    assert!(err.contains("config"), "{err}");
    h.stop().await;
}
