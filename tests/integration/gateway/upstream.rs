//! What happens after the request record: upstream failures (502, 504) and response
//! minimisation, each with a response record naming its request.

use std::collections::HashMap;
use std::time::Duration;

use http::Method;
use isagate::mock_agency::{Reply, Route};
use serde_json::json;

use super::harness::{referral, Gateway, Options, OK_HEADERS};

fn police_route(reply: Reply) -> Options {
    Options {
        routes: HashMap::from([("merseyside-police", vec![Route::any("/v1/*", reply)])]),
        upstream_client: "response_timeout = \"1s\"".into(),
        ..Options::default()
    }
}

async fn response_record(gw: &Gateway) -> isagate::audit::Record {
    let records = gw.records().await;
    assert_eq!(records.len(), 2, "a request record and a response record");
    assert_eq!(records[1].draft.in_reply_to, Some(records[0].id));
    records[1].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_connection_is_502_and_recorded() {
    let gw = Gateway::start_with(police_route(Reply::Close)).await;
    let reply = gw.referral(&referral()).await;
    assert_eq!(reply.status, 502);
    assert_eq!(reply.json()["reasons"][0]["code"], "upstream-error");
    let request = gw.record_of(&reply).await;
    assert_eq!(format!("{:?}", request.draft.outcome), "Forwarded");
    let response = response_record(&gw).await;
    assert_eq!(format!("{:?}", response.draft.outcome), "UpstreamError");
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_upstream_is_504_and_recorded() {
    let slow = Reply::Delay { delay: Duration::from_secs(3), then: Box::new(Reply::Ack) };
    let gw = Gateway::start_with(police_route(slow)).await;
    let reply = gw.referral(&referral()).await;
    assert_eq!(reply.status, 504);
    assert_eq!(reply.json()["reasons"][0]["code"], "upstream-timeout");
    let response = response_record(&gw).await;
    assert_eq!(format!("{:?}", response.draft.outcome), "UpstreamTimeout");
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_response_that_fails_its_schema_is_withheld_and_recorded_as_refused() {
    let bad = Reply::Json { status: 200, body: json!({"status": "mislaid", "officer_note": "x"}) };
    let gw = Gateway::start_with(police_route(bad)).await;
    let reply = gw.referral(&referral()).await;
    assert_eq!(reply.status, 502);
    assert!(!String::from_utf8_lossy(&reply.body).contains("officer_note"));
    let response = response_record(&gw).await;
    assert_eq!(format!("{:?}", response.draft.outcome), "Refused");
    assert_eq!(response.draft.upstream_status, Some(200));
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_get_forwards_only_allow_listed_query_parameters_and_minimises_the_answer() {
    let status = Reply::Json {
        status: 200,
        body: json!({"reference": "MP-1", "status": "allocated", "officer": "PC 123", "notes": "internal"}),
    };
    let gw = Gateway::start_with(Options {
        routes: HashMap::from([("merseyside-police", vec![Route::any("/v1/referrals/*", status)])]),
        ..Options::default()
    })
    .await;
    let reply = gw
        .send(
            "lcc-ssc",
            Method::GET,
            "/merseyside-police/v1/referrals/MP-1?include=history&name=Alex",
            OK_HEADERS,
            None,
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.json());
    let got = gw.mock("merseyside-police").received();
    assert_eq!(got[0].path_and_query, "/v1/referrals/MP-1?include=history");
    assert!(got[0].body.is_empty());
    let answer = reply.json();
    assert!(answer.get("notes").is_none() && answer.get("officer").is_none(), "{answer}");
    let request = gw.record_of(&reply).await;
    assert_eq!(request.draft.path_template.as_deref(), Some("/v1/referrals/{reference}"));
    assert!(request.draft.stripped.iter().any(|s| s.path == "?"));
    let response = response_record(&gw).await;
    assert!(response.draft.stripped.iter().any(|s| s.path.is_empty()));
    gw.stop().await;
}
