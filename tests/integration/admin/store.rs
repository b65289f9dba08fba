//! The admin API on the real record store (SQLite on disk): reviews, restrictions and
//! the audit endpoints end to end, every answer validated against the OpenAPI document,
//! and the chain still verifies afterwards (refusals included).

use http::Method;
use isagate::audit::record::RecordKind;
use isagate::emergency::Ledger;
use serde_json::json;

use super::harness::{call, emergency_draft, subject_key, Harness, GOVERNANCE};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn governance_actions_are_chained_in_the_real_store() {
    let h = Harness::start().await;
    let ledger = &h.ledger.store;
    let mut d = emergency_draft();
    d.subjects = vec![subject_key().hash("nhs-number", "9434765919")];
    let disclosure = Ledger::append(ledger, d).await.unwrap();
    let gov = h.client(GOVERNANCE);

    let q = call(&gov, Method::GET, "/v1/emergency", "/v1/emergency", None).await;
    assert_eq!(q.body["disclosures"][0]["disclosure_id"], disclosure.id.to_string());
    let t = "/v1/emergency/{id}/review";
    let path = format!("/v1/emergency/{}/review", disclosure.id);
    let review =
        json!({"decision": "justified", "subject_told": "not-safe-to-tell", "note": "checked"});
    assert_eq!(call(&gov, Method::POST, t, &path, Some(review.clone())).await.status, 201);
    assert_eq!(call(&gov, Method::POST, t, &path, Some(review)).await.status, 409);
    let reviewed =
        call(&gov, Method::GET, "/v1/emergency", "/v1/emergency?state=reviewed", None).await;
    assert_eq!(reviewed.body["disclosures"][0]["review"]["reviewer"], GOVERNANCE);

    let added = call(
        &gov,
        Method::POST,
        "/v1/restrictions",
        "/v1/restrictions",
        Some(json!({"type": "nhs-number", "id": "9434765919", "agreements": "*"})),
    )
    .await;
    assert_eq!(added.status, 201);
    // A second replica (a fresh cell) rebuilds the set from the store's records.
    let other = isagate::emergency::RestrictionsCell::default();
    other.refresh(ledger).await.unwrap();
    assert_eq!(other.current().len(), 1);

    let s = call(
        &gov,
        Method::POST,
        "/v1/audit/subject",
        "/v1/audit/subject",
        Some(serde_json::json!({"type": "nhs-number", "id": "9434765919"})),
    )
    .await;
    assert_eq!(s.status, 200);
    assert_eq!(
        s.body["records"].as_array().unwrap().len(),
        2,
        "the disclosure and the restriction"
    );
    let r = call(
        &gov,
        Method::GET,
        "/v1/audit/report",
        "/v1/audit/report?since=2000-01-01&until=2099-12-31",
        None,
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["emergencies"]["total"], 1);
    let v = call(&gov, Method::GET, "/v1/audit/verify", "/v1/audit/verify", None).await;
    assert_eq!(v.body["ok"], true);
    assert_eq!(v.body["length"], 3);

    let agency = h.client("urn:isagate:agency:lcc-ssc");
    assert_eq!(
        call(&agency, Method::GET, "/v1/emergency", "/v1/emergency", None).await.status,
        403
    );
    let v = call(&gov, Method::GET, "/v1/audit/verify", "/v1/audit/verify", None).await;
    assert_eq!(
        (v.body["ok"].as_bool(), v.body["length"].as_u64()),
        (Some(true), Some(5)),
        "the first verify's chain-verified record and the refusal chained too"
    );
    let kinds: Vec<_> = Ledger::governance_since(ledger, 0)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.draft.kind, r.draft.governance.unwrap()["action"].clone()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (RecordKind::Governance, "restriction-added".into()),
            (RecordKind::Governance, "chain-verified".into()),
            (RecordKind::Governance, "chain-verified".into()),
        ]
    );
    h.stop().await;
}
