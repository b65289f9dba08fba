//! `Isagate-Stripped` over mTLS (contract section 2) and the record's size bound
//! (contract section 5): the payload, 60,000 undeclared keys in about 650 KB,
//! is forwarded, answered with one header entry that counts them at their declared
//! parent, and recorded in a record of a few KiB that names none of them.

use http::Method;

use super::harness::{Gateway, OK_HEADERS};

/// The most bytes the request record of the huge payload may take (its JSON form).
const SMALL_RECORD: usize = 4096;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_caller_is_told_what_was_stripped_and_the_record_stays_small() {
    let gw = Gateway::start().await;
    let mut body = super::harness::referral();
    let subject = body["subject"].as_object_mut().unwrap();
    for i in 0..60_000 {
        subject.insert(format!("Jw{i:05}"), serde_json::json!(1));
    }
    let bytes = serde_json::to_vec(&body).unwrap();
    assert!((600_000..1_000_000).contains(&bytes.len()), "the issue's payload: {}", bytes.len());
    let reply = gw
        .send(
            "lcc-ssc",
            Method::POST,
            "/merseyside-police/v1/referrals?Jordan_Whitfield=1&x=2",
            OK_HEADERS,
            Some(bytes),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.json());
    let header = reply.headers.get("isagate-stripped").expect("Isagate-Stripped is sent");
    assert_eq!(
        header.to_str().unwrap(),
        // The sample's own undeclared keys: one at the top level (""), one in `subject`.
        ";undeclared;1, /subject;undeclared;60001, ?;query-not-allowed;2"
    );

    let record = gw.record_of(&reply).await;
    let json = serde_json::to_string(&record).unwrap();
    assert!(json.len() < SMALL_RECORD, "the record takes {} bytes: {json}", json.len());
    assert!(!json.contains("Jw0"), "the record names a caller's key: {json}");
    assert_eq!(record.draft.format, Some(2));

    // Nothing stripped: no header.
    let mut clean = super::harness::referral();
    clean.as_object_mut().unwrap().remove("internal_priority_score");
    clean["subject"].as_object_mut().unwrap().remove("religion");
    let reply = gw.referral(&clean).await;
    assert_eq!(reply.status, 201, "{}", reply.json());
    assert!(reply.headers.get("isagate-stripped").is_none());
    gw.stop().await;
}

/// An upstream failure is still an answer to a forwarded request: the caller is told what
/// was stripped from it; a refusal (nothing forwarded) carries no header.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upstream_failure_carries_the_header_and_a_refusal_does_not() {
    use isagate::mock_agency::{Reply, Route};
    let routes = std::collections::HashMap::from([(
        "merseyside-police",
        vec![Route::any("/v1/*", Reply::Close)],
    )]);
    let gw = Gateway::start_with(super::harness::Options { routes, ..Default::default() }).await;
    let reply = gw.referral(&super::harness::referral()).await;
    assert_eq!(reply.status, 502);
    let header = reply.headers.get("isagate-stripped").map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(header.as_deref(), Some(";undeclared;1, /subject;undeclared;1"));
    let mut bad = super::harness::referral();
    bad["case_id"] = serde_json::json!(7);
    let reply = gw.referral(&bad).await;
    assert_eq!(reply.status, 422);
    assert!(reply.headers.get("isagate-stripped").is_none());
    gw.stop().await;
}
