//! A proposal's impact on recorded traffic (issue 13): `POST /v1/agreements/proposals`
//! answers with the diff replayed on the last 30 days of records, counts only, and the
//! proposal keeps it, so the reviewer reads the same counts.

use http::Method;
use isagate::audit::record::RecordDraft;
use serde_json::json;

use crate::audit_store::common::disclosure;

use super::harness::{call, Harness, GOVERNANCE};

const FILE: &str = "isa-lcc-merpol-0007.yaml";

/// A forwarded referral request for `purpose`, as the gateway records it.
fn referral(purpose: &str) -> RecordDraft {
    let mut d = disclosure(1, &[]);
    d.purpose = Some(purpose.into());
    d
}

#[tokio::test]
async fn a_proposal_answers_with_its_impact_on_past_transfers() {
    let h = Harness::start().await;
    for purpose in ["crime-prevention", "crime-prevention", "crime-prevention", "safeguarding"] {
        h.ledger.store.append(referral(purpose)).await.unwrap();
    }
    let alice = h.client(GOVERNANCE);
    let v3 = std::fs::read_to_string(h.agreements_dir.join(FILE)).unwrap();
    let v4 = v3.replacen("version: 3", "version: 4", 1).replacen(
        "purposes: [safeguarding, crime-prevention]",
        "purposes: [safeguarding]",
        1,
    );
    let body = json!({"agreements": {FILE: v4}});
    let t = "/v1/agreements/proposals";
    let p = call(&alice, Method::POST, t, t, Some(body)).await;
    assert_eq!(p.status, 201, "{}", p.body);
    let impact = &p.body["impact"];
    assert_eq!(impact["days"], 30, "{impact}");
    // Four past referrals replayed; the three for crime prevention would now be refused.
    assert_eq!(impact["transfers"], 4, "{impact}");
    let refused: u64 = impact["would_refuse"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["transfers"].as_u64().unwrap())
        .sum();
    assert_eq!(refused, 3, "{impact}");
    let concerned = &impact["findings"][0];
    assert_eq!(
        (concerned["finding"].as_u64(), concerned["transfers"].as_u64()),
        (Some(0), Some(3)),
        "{impact}"
    );
    // The proposal keeps it: the reviewer reads the same counts.
    let id = p.body["id"].as_str().unwrap();
    let one = format!("{t}/{id}");
    let got = call(&alice, Method::GET, "/v1/agreements/proposals/{id}", &one, None).await;
    assert_eq!(&got.body["impact"], impact);
    h.stop().await;
}
