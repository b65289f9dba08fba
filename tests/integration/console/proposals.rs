//! Four-eyes in the console: a proposal made through the API is listed with its diff;
//! its proposer's Approve is refused with the API's sentence; a second officer's Approve
//! makes the new set live, recorded with that officer's identity.

use std::sync::atomic::Ordering;

use serde_json::json;

use super::pages::{client, post_from};
use crate::admin::harness::{Harness, GOVERNANCE};

const SECOND: &str = "urn:isagate:governance:dpo";

/// A harness whose agreements have been reloaded through the API (so a live set exists).
pub async fn reloaded_harness() -> Harness {
    let h = Harness::start().await;
    let api = h.client(GOVERNANCE);
    let reload = api.send(http::Method::POST, "/v1/agreements/reload", None).await.unwrap();
    assert_eq!(reload.status, 200);
    h
}

/// The sample agreement's version 4: one purpose fewer (a narrowing change).
pub fn narrower(v3: &str) -> String {
    v3.replacen("version: 3", "version: 4", 1).replacen(
        "purposes: [safeguarding, crime-prevention]",
        "purposes: [safeguarding]",
        1,
    )
}

#[tokio::test]
async fn the_proposer_cannot_approve_and_a_second_officer_can() {
    let h = reloaded_harness().await;
    let api = h.client(GOVERNANCE);
    h.state.four_eyes.store(true, Ordering::SeqCst);
    let file = "isa-lcc-merpol-0007.yaml";
    let v3 = std::fs::read_to_string(h.agreements_dir.join(file)).unwrap();
    let v4 = narrower(&v3);
    let body = json!({"agreements": {file: v4}, "note": "narrower purposes"});
    let p = api.send(http::Method::POST, "/v1/agreements/proposals", Some(&body)).await.unwrap();
    assert_eq!(p.status, 201, "{}", p.body);
    let id = p.body["id"].as_str().unwrap().to_owned();

    let (alice, bob) = (client(&h.pki, GOVERNANCE), client(&h.pki, SECOND));
    let page = alice.get(format!("{}/console/proposals", h.url)).send().await.unwrap();
    let page = page.text().await.unwrap();
    assert!(page.contains(&id) && page.contains("1 narrow"), "{page}");
    let decide = format!("/console/proposals/{id}/decide");
    let fields = [("decision", "approve"), ("note", "looks right")];
    let (status, page) = post_from(&h, &alice, "/console/proposals", &decide, &fields).await;
    assert_eq!(status, 200);
    assert!(page.contains("Refused"), "the proposer approved: {page}");
    let (_, page) = post_from(&h, &bob, "/console/proposals", &decide, &fields).await;
    assert!(page.contains("Approved: the new set is live"), "{page}");
    let approved =
        h.ledger.all().await.into_iter().rev().find(|r| {
            r.draft.governance.as_ref().is_some_and(|g| g["action"] == "agreement-approved")
        });
    assert_eq!(approved.unwrap().draft.actor.as_deref(), Some(SECOND));
    h.stop().await;
}
