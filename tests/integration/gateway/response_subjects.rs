//! Issue 12 item 20: the recipient's answer is indexed by the subject ids its response
//! schema marks, and a restriction applies to it as to a request: the answer is withheld
//! (403 `subject-restricted`), none of it reaches the caller, and its record says why.

use std::collections::HashMap;

use http::Method;
use isagate::mock_agency::{Reply, Route};
use serde_json::json;

use super::harness::{referral, Gateway, Options, OK_HEADERS};

const CASE: &str = "SSC-2026-00417";
const STATUS_PATH: &str = "/merseyside-police/v1/referrals/MP-1";

fn admin(gw: &Gateway) -> (isagate::cli::demo::client::TransferClient, String) {
    let addr = gw.launched.as_ref().unwrap().admin_addr.unwrap();
    (gw.client_for("governance-dpo"), format!("https://127.0.0.1:{}", addr.port()))
}

async fn admin_post(gw: &Gateway, path: &str, body: serde_json::Value) -> serde_json::Value {
    let (client, base) = admin(gw);
    let r = client
        .send(Method::POST, &format!("{base}{path}"), &[], Some(serde_json::to_vec(&body).unwrap()))
        .await
        .unwrap();
    assert!(r.status.is_success(), "{path}: {}", r.json());
    r.json()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_about_a_restricted_subject_is_withheld_and_both_directions_are_found() {
    let status = Reply::Json {
        status: 200,
        body: json!({"reference": "MP-1", "case_id": CASE, "status": "allocated", "notes": "x"}),
    };
    let gw = Gateway::start_with(Options {
        routes: HashMap::from([(
            "merseyside-police",
            vec![Route::any("/v1/referrals/MP-1", status)],
        )]),
        ..Options::default()
    })
    .await;
    let sent = gw.referral(&referral()).await;
    assert_eq!(sent.status, 201, "{}", sent.json());
    let get = || gw.send("lcc-ssc", Method::GET, STATUS_PATH, OK_HEADERS, None);
    let answered = get().await;
    assert_eq!(answered.status, 200, "{}", answered.json());
    assert_eq!(answered.json()["case_id"], CASE);
    let records = gw.records().await;
    let delivered = records.last().unwrap();
    assert_eq!(format!("{:?}", delivered.draft.outcome), "Delivered");
    assert_eq!(delivered.draft.subjects.len(), 1, "the response record indexes the case id");

    // Subject access finds the subject in both directions.
    let found = admin_post(&gw, "/v1/audit/subject", json!({"type": "local-id", "id": CASE})).await;
    let directions: Vec<&str> = found["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["direction"].as_str())
        .collect();
    assert!(directions.contains(&"request") && directions.contains(&"response"), "{found}");

    // Once the subject objects, the recipient's answer about them is withheld.
    let restriction =
        json!({"type": "local-id", "id": CASE, "agreements": "*", "note": "objection received"});
    admin_post(&gw, "/v1/restrictions", restriction).await;
    let withheld = get().await;
    assert_eq!(withheld.status, 403);
    let problem = withheld.json();
    assert_eq!(problem["reasons"][0]["code"], "subject-restricted", "{problem}");
    assert_eq!(
        withheld.headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );
    let text = String::from_utf8_lossy(&withheld.body);
    assert!(
        !text.contains("MP-1") && !text.contains("allocated") && !text.contains(CASE),
        "{text}"
    );
    // The request named no subject, so it was forwarded; its answer's record says why it
    // was withheld and names the subject (by keyed hash).
    assert_eq!(gw.mock("merseyside-police").received().len(), 3);
    let request = gw.record_of(&withheld).await;
    let records = gw.records().await;
    let response = records.last().unwrap();
    assert_eq!(response.draft.in_reply_to, Some(request.id));
    assert_eq!(format!("{:?}", response.draft.outcome), "Refused");
    assert_eq!(response.draft.refusal[0].code.as_str(), "subject-restricted");
    assert_eq!(response.draft.subjects, delivered.draft.subjects);
    assert_eq!(response.draft.upstream_status, Some(200));

    // After an archive into the served config's `[paths] archive`, the admin API's subject
    // access still finds every record, and names the segment it read.
    let before = jiff::Timestamp::now().checked_add(jiff::SignedDuration::from_secs(1)).unwrap();
    let live = admin_post(&gw, "/v1/audit/subject", json!({"type": "local-id", "id": CASE})).await;
    assert_eq!(live["records"].as_array().unwrap().len(), 4, "{live}");
    let folder = gw.config.paths.archive.clone();
    std::fs::create_dir_all(&folder).unwrap();
    let key = gw.config.checkpoints.key.clone();
    let summary = isagate::audit::archive(gw.store(), before, &folder, &key, "test").await.unwrap();
    // The archive also holds the start-up activation records that `records()` skips.
    assert!(summary.count >= records.len() as u64, "{}", summary.count);
    let archived =
        admin_post(&gw, "/v1/audit/subject", json!({"type": "local-id", "id": CASE})).await;
    assert_eq!(archived["records"], live["records"], "{archived}");
    assert_eq!(archived["archive"]["complete"], true);
    let file = summary.out.file_name().unwrap().to_str().unwrap();
    assert_eq!(archived["archive"]["read"][0]["file"], file);
    gw.stop().await;
}
