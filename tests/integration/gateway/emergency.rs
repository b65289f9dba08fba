//! Emergency sharing end to end over mTLS: under an agreement's clause and under the
//! policy file, every refusal, the emergency schema capping what is sent, the limit per
//! requester, the review through the admin API, and subject restrictions.

use http::Method;
use isagate::cli::demo::client::Reply;
use serde_json::json;

use super::harness::{referral, Gateway};

const REASON: &str = "SSC-2026-00417: child missing tonight, last seen with a person of concern";

fn emergency_headers<'a>(
    category: &'a str,
    reason: &'a str,
    requester: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("Isagate-Emergency", category),
        ("Isagate-Reason", reason),
        ("Isagate-Requester", requester),
    ]
}

async fn emergency(
    gw: &Gateway,
    caller: &str,
    path: &str,
    headers: Vec<(&str, &str)>,
    body: serde_json::Value,
) -> Reply {
    gw.send(caller, Method::POST, path, &headers, Some(serde_json::to_vec(&body).unwrap())).await
}

/// Every admin answer in these tests must match the OpenAPI document.
fn documented(method: &str, template: &str, reply: &Reply) {
    let answer = isagate::admin::client::Answer {
        status: reply.status.as_u16(),
        content_type: reply
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned(),
        body: reply.json(),
        record_id: reply.disclosure_id(),
    };
    crate::admin::openapi_check::validate_answer(method, template, &answer);
}

fn admin(gw: &Gateway) -> (isagate::cli::demo::client::TransferClient, String) {
    let addr = gw.launched.as_ref().unwrap().admin_addr.unwrap();
    (gw.client_for("governance-dpo"), format!("https://127.0.0.1:{}", addr.port()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_emergency_under_the_clause_is_capped_by_its_schema_recorded_and_reviewed() {
    let gw = Gateway::start().await;
    let mut body = json!({
        "case_id": "SSC-2026-00417",
        "subject": {"name": {"given": "Alex", "family": "Example"}, "date_of_birth": "2014-03-09"},
        "risk": "Seen with an adult subject to a child abduction warning notice.",
        "location_now": "Near Lime Street station",
    });
    // Fields the normal referral schema declares, but the emergency schema does not.
    body["concern"] = json!("full background");
    body["risk_level"] = json!("high");
    let reply = emergency(
        &gw,
        "lcc-ssc",
        "/merseyside-police/v1/referrals?case=1",
        emergency_headers("child-at-risk", REASON, "lcc-ssc/duty"),
        body,
    )
    .await;
    assert_eq!(reply.status, 201, "{}", reply.json());
    let got = gw.mock("merseyside-police").received();
    let sent = got[0].json().unwrap();
    assert!(sent.get("concern").is_none() && sent.get("risk_level").is_none(), "{sent}");
    assert_eq!(got[0].path_and_query, "/v1/referrals", "the query string is always stripped");
    assert_eq!(got[0].header("isagate-emergency"), Some("child-at-risk"));
    let rec = gw.record_of(&reply).await;
    let em = rec.draft.emergency.clone().unwrap();
    assert_eq!((em.category.as_str(), em.review_state.as_str()), ("child-at-risk", "pending"));
    assert_eq!(em.basis, "agreement:ISA-LCC-MERPOL-0007");
    assert!(rec
        .draft
        .stripped
        .iter()
        .any(|s| s.path.is_empty() && s.reason.as_str() == "not-in-emergency-schema"));
    assert_eq!(rec.draft.purpose.as_deref(), Some("child-at-risk"));

    // The review queue and a review, through the admin API with a governance certificate.
    let (client, base) = admin(&gw);
    let id = reply.disclosure_id().unwrap();
    let queue = client
        .send(Method::GET, &format!("{base}/v1/emergency?state=pending"), &[], None)
        .await
        .unwrap();
    assert_eq!(queue.status, 200, "{}", queue.json());
    documented("GET", "/v1/emergency", &queue);
    assert!(queue.json().to_string().contains(&id), "{}", queue.json());
    let review = json!({"decision": "justified", "subject_told": "not-safe-to-tell", "note": "Police located the child within the hour."});
    let url = format!("{base}/v1/emergency/{id}/review");
    let first = client
        .send(Method::POST, &url, &[], Some(serde_json::to_vec(&review).unwrap()))
        .await
        .unwrap();
    assert!(first.status.is_success(), "{}", first.json());
    documented("POST", "/v1/emergency/{id}/review", &first);
    let second = client
        .send(Method::POST, &url, &[], Some(serde_json::to_vec(&review).unwrap()))
        .await
        .unwrap();
    assert_eq!(second.status, 409, "a second review needs `amendment: true`");
    documented("POST", "/v1/emergency/{id}/review", &second);
    // An agency certificate is refused on the admin listener.
    let agency = gw.client_for("agency-lcc-ssc");
    let refused =
        agency.send(Method::GET, &format!("{base}/v1/emergency"), &[], None).await.unwrap();
    assert_eq!(refused.status, 403);
    documented("GET", "/v1/emergency", &refused);
    let records = gw.records().await;
    assert!(records.iter().any(|r| r.draft.in_reply_to == Some(rec.id)
        && format!("{:?}", r.draft.kind) == "EmergencyReview"));
    assert!(gw.store().verify(None, &|_, _| {}).await.unwrap().ok);
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_emergency_under_the_policy_file_and_every_refusal() {
    let gw = Gateway::start().await;
    let body = json!({
        "subject": {"name": {"given": "Sam", "family": "Sample"}, "nhs_number": "9434765919"},
        "risk": "Threatening to end their life tonight; has the means at home.",
        "immediate_need": "welfare check",
        "diagnosis": "not in the emergency schema"
    });
    // No agreement covers the police -> NHS pair; the policy rule allows it.
    let ok = emergency(
        &gw,
        "merseyside-police",
        "/nhs-trust/v1/emergency/referrals",
        emergency_headers("risk-to-life", REASON, "mp/pc-1"),
        body.clone(),
    )
    .await;
    assert_eq!(ok.status, 201, "{}", ok.json());
    let rec = gw.record_of(&ok).await;
    assert_eq!(rec.draft.emergency.as_ref().unwrap().basis, "policy:blue-light-to-health");
    assert!(gw.mock("nhs-trust").received()[0].json().unwrap().get("diagnosis").is_none());

    let cases = [
        (
            "short reason",
            emergency_headers("risk-to-life", "too short", "mp/pc-1"),
            "/nhs-trust/v1/emergency/referrals",
            400,
            "reason-too-short",
        ),
        (
            "unknown category",
            emergency_headers("boredom", REASON, "mp/pc-1"),
            "/nhs-trust/v1/emergency/referrals",
            400,
            "unknown-category",
        ),
        (
            "category not in the rule",
            emergency_headers("serious-crime", REASON, "mp/pc-1"),
            "/nhs-trust/v1/emergency/referrals",
            403,
            "emergency-not-allowed",
        ),
        (
            "no clause and no policy",
            emergency_headers("risk-to-life", REASON, "mp/pc-1"),
            "/dhr-chair/v1/emergency/referrals",
            403,
            "emergency-not-allowed",
        ),
    ];
    for (what, headers, path, status, code) in cases {
        let r = emergency(&gw, "merseyside-police", path, headers, body.clone()).await;
        assert_eq!(r.status, status, "{what}: {}", r.json());
        assert_eq!(r.json()["reasons"][0]["code"], code, "{what}");
        assert_eq!(format!("{:?}", gw.record_of(&r).await.draft.kind), "Refusal", "{what}");
    }
    // Limit per requester: 3 per 24 h (one used above).
    for _ in 0..2 {
        let r = emergency(
            &gw,
            "merseyside-police",
            "/nhs-trust/v1/emergency/referrals",
            emergency_headers("risk-to-life", REASON, "mp/pc-1"),
            body.clone(),
        )
        .await;
        assert_eq!(r.status, 201);
    }
    let over = emergency(
        &gw,
        "merseyside-police",
        "/nhs-trust/v1/emergency/referrals",
        emergency_headers("risk-to-life", REASON, "mp/pc-1"),
        body.clone(),
    )
    .await;
    assert_eq!(over.status, 429);
    assert_eq!(over.json()["reasons"][0]["code"], "emergency-limit");
    let other = emergency(
        &gw,
        "merseyside-police",
        "/nhs-trust/v1/emergency/referrals",
        emergency_headers("risk-to-life", REASON, "mp/pc-2"),
        body,
    )
    .await;
    assert_eq!(other.status, 201, "another requester still has an allowance");
    assert_eq!(gw.mock("nhs-trust").received().len(), 4);
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restricted_subject_is_refused_unless_emergency() {
    let gw = Gateway::start().await;
    let (client, base) = admin(&gw);
    let add = json!({"type": "nhs-number", "id": "943 476 5919", "agreements": "*", "note": "objection received 2026-11-20"});
    let r = client
        .send(
            Method::POST,
            &format!("{base}/v1/restrictions"),
            &[],
            Some(serde_json::to_vec(&add).unwrap()),
        )
        .await
        .unwrap();
    assert!(r.status.is_success(), "{}", r.json());
    documented("POST", "/v1/restrictions", &r);
    assert!(!r.body.windows(10).any(|w| w == b"9434765919"), "restrictions are listed as hashes");
    let refused = gw.referral(&referral()).await;
    assert_eq!(refused.status, 403, "{}", refused.json());
    assert_eq!(refused.json()["reasons"][0]["code"], "subject-restricted");
    assert!(gw.mock("merseyside-police").received().is_empty());
    // An emergency still goes through.
    let body = json!({"subject": {"name": {"given": "Alex"}}, "risk": "Immediate risk to a child tonight", "case_id": "SSC-2026-00417"});
    let ok = emergency(
        &gw,
        "lcc-ssc",
        "/merseyside-police/v1/referrals",
        emergency_headers("child-at-risk", REASON, "lcc/duty"),
        body,
    )
    .await;
    assert_eq!(ok.status, 201, "{}", ok.json());
    gw.stop().await;
}
