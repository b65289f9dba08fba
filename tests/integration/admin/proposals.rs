//! Four-eyes approval end to end through the admin API over real mTLS, with two
//! governance identities (issue 13 part 3): a proposal is linted and recorded; its
//! proposer cannot approve it; another identity's approval writes the file and the
//! gateway uses the new set; a rejection needs a note; and with four-eyes on, a reload
//! that finds an unapproved change on disk is refused and the approved set stays.

use std::sync::atomic::Ordering;

use http::Method;
use serde_json::{json, Value};

use super::harness::{call, Harness, GOVERNANCE};
use super::openapi_check;

const SECOND: &str = "urn:isagate:governance:dpo";
const FILE: &str = "isa-lcc-merpol-0007.yaml";

async fn version(gov: &isagate::admin::client::AdminClient) -> Value {
    let a =
        call(gov, Method::GET, "/v1/agreements/{id}", "/v1/agreements/ISA-LCC-MERPOL-0007", None)
            .await;
    a.body["version"].clone()
}

fn proposal_body(text: &str) -> Value {
    let body = json!({"agreements": {FILE: text}, "note": "new review date agreed at the board"});
    openapi_check::check(
        &openapi_check::request_schema("POST", "/v1/agreements/proposals"),
        &body,
        "proposal",
    );
    body
}

fn actions(all: &[isagate::emergency::LedgerRecord]) -> Vec<String> {
    all.iter()
        .filter_map(|r| r.draft.governance.as_ref())
        .map(|g| g["action"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn a_second_identity_approves_and_unapproved_changes_are_refused() {
    let h = Harness::start().await;
    let (alice, bob) = (h.client(GOVERNANCE), h.client(SECOND));
    let reload = |c| call(c, Method::POST, "/v1/agreements/reload", "/v1/agreements/reload", None);
    // The baseline, then four-eyes on.
    assert_eq!(reload(&alice).await.status, 200);
    h.state.four_eyes.store(true, Ordering::SeqCst);
    let path = h.agreements_dir.join(FILE);
    let v3 = std::fs::read_to_string(&path).unwrap();
    let v4 = v3.replacen("version: 3", "version: 4", 1).replacen(
        "purposes: [safeguarding, crime-prevention]",
        "purposes: [safeguarding]",
        1,
    );

    // Alice proposes; the answer is linted and recorded.
    let p = call(
        &alice,
        Method::POST,
        "/v1/agreements/proposals",
        "/v1/agreements/proposals",
        Some(proposal_body(&v4)),
    )
    .await;
    assert_eq!(p.status, 201, "{}", p.body);
    assert_eq!((p.body["state"].as_str(), p.body["errors"].as_u64()), (Some("pending"), Some(0)));
    assert_eq!(p.body["proposer"], GOVERNANCE);
    // What it changes against the set in force: one purpose removed from one flow.
    let summary = &p.body["diff"]["summary"];
    assert_eq!((summary["widens"].as_u64(), summary["narrows"].as_u64()), (Some(0), Some(1)));
    assert_eq!(p.body["diff"]["findings"][0]["agreement"], "ISA-LCC-MERPOL-0007");
    let id = p.body["id"].as_str().unwrap().to_owned();
    assert_eq!(p.record_id.as_deref(), Some(id.as_str()));
    let listed =
        call(&bob, Method::GET, "/v1/agreements/proposals", "/v1/agreements/proposals", None).await;
    assert_eq!(listed.body["proposals"][0]["id"], id.as_str());
    let one_path = format!("/v1/agreements/proposals/{id}");
    let got = call(&bob, Method::GET, "/v1/agreements/proposals/{id}", &one_path, None).await;
    assert_eq!(got.body, p.body);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), v3, "nothing written before approval");

    // The proposer cannot approve it.
    let approve = format!("{one_path}/approve");
    let t = "/v1/agreements/proposals/{id}/approve";
    let own = call(&alice, Method::POST, t, &approve, None).await;
    assert_eq!(own.status, 403, "{}", own.body);
    assert!(own.body["detail"].as_str().unwrap().contains("four-eyes"));
    assert_eq!(version(&alice).await, 3);

    // Another identity can: the file is written and the new set is live.
    let ok =
        call(&bob, Method::POST, t, &approve, Some(json!({"note": "checked with legal"}))).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.body["proposal"]["state"], "approved");
    assert_eq!(ok.body["proposal"]["decided_by"], SECOND);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), v4);
    assert_eq!(version(&alice).await, 4);
    let all = h.ledger.all().await;
    let acts = actions(&all);
    let tail: Vec<&str> = acts.iter().rev().take(4).rev().map(String::as_str).collect();
    assert_eq!(
        tail,
        ["agreement-proposed", "agreement-approved", "agreement-activated", "agreements-reloaded"]
    );
    let activated = all.iter().rev().nth(1).unwrap();
    let g = activated.draft.governance.as_ref().unwrap();
    assert_eq!(
        (g["trigger"].as_str(), g["governance_identity"].as_str()),
        (Some("proposal-approved"), Some(SECOND))
    );
    let again = call(&bob, Method::POST, t, &approve, None).await;
    assert_eq!(again.status, 409);

    // A rejection needs a note, and is recorded.
    let v5 = v3.replacen("version: 3", "version: 5", 1);
    let p = call(
        &alice,
        Method::POST,
        "/v1/agreements/proposals",
        "/v1/agreements/proposals",
        Some(proposal_body(&v5)),
    )
    .await;
    let reject = format!("/v1/agreements/proposals/{}/reject", p.body["id"].as_str().unwrap());
    let rt = "/v1/agreements/proposals/{id}/reject";
    assert_eq!(call(&bob, Method::POST, rt, &reject, Some(json!({}))).await.status, 400);
    let r = call(&bob, Method::POST, rt, &reject, Some(json!({"note": "no DPIA update"}))).await;
    assert_eq!((r.status, r.body["state"].as_str()), (200, Some("rejected")), "{}", r.body);
    assert_eq!(r.body["decision_note"], "no DPIA update");
    assert_eq!(version(&alice).await, 4);

    // A change on disk that nobody approved: the reload is refused, the set stays.
    std::fs::write(&path, v3.replacen("version: 3", "version: 6", 1)).unwrap();
    let refused = reload(&bob).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    let f = &refused.body["findings"][0];
    assert_eq!(f["code"], "unapproved-change");
    assert!(f["file"].as_str().unwrap().ends_with(FILE));
    assert!(f["message"].as_str().unwrap().contains("no approved proposal"));
    assert_eq!(version(&alice).await, 4);
    // Restoring the approved text makes the reload pass again.
    std::fs::write(&path, &v4).unwrap();
    assert_eq!(reload(&bob).await.status, 200);

    // A proposal that does not lint is kept with its findings and cannot be approved.
    let broken =
        v4.replacen("version: 4", "version: 7", 1).replacen("merseyside-police]", "nobody]", 1);
    let p = call(
        &alice,
        Method::POST,
        "/v1/agreements/proposals",
        "/v1/agreements/proposals",
        Some(proposal_body(&broken)),
    )
    .await;
    assert!(p.body["errors"].as_u64().unwrap() > 0, "{}", p.body);
    let bad = format!("/v1/agreements/proposals/{}/approve", p.body["id"].as_str().unwrap());
    let a = call(&bob, Method::POST, t, &bad, None).await;
    assert_eq!(a.status, 422);
    assert_eq!(a.body["findings"][0]["code"], "unknown-party");

    // An agreement that lists `approvers`: only they may approve a change to it.
    let propose = |text: String| {
        let alice = &alice;
        async move {
            let p = call(
                alice,
                Method::POST,
                "/v1/agreements/proposals",
                "/v1/agreements/proposals",
                Some(proposal_body(&text)),
            )
            .await;
            assert_eq!((p.status, p.body["errors"].as_u64()), (201, Some(0)), "{}", p.body);
            format!("/v1/agreements/proposals/{}/approve", p.body["id"].as_str().unwrap())
        }
    };
    let v8 = format!("{}approvers: [\"{SECOND}\"]\n", v4.replacen("version: 4", "version: 8", 1));
    let ok = call(&bob, Method::POST, t, &propose(v8.clone()).await, None).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let v9 = v8.replacen("version: 8", "version: 9", 1);
    let next = propose(v9).await;
    let third = h.client("urn:isagate:governance:caldicott");
    let no = call(&third, Method::POST, t, &next, None).await;
    assert_eq!(no.status, 403, "{}", no.body);
    assert!(no.body["detail"].as_str().unwrap().contains("approvers"));
    assert_eq!(call(&bob, Method::POST, t, &next, None).await.status, 200);
    assert_eq!(version(&alice).await, 9);
    h.stop().await;
}
