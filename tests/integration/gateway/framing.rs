//! A request framed with `Transfer-Encoding` is refused (contract section 11: a body a
//! second parser could read another way is refused, not guessed at), and like every
//! refusal it is recorded and answered with its record's id (`Isagate-Disclosure-Id`).

use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use super::harness::{referral, Gateway, OK_HEADERS};
use isagate::audit::record::RecordKind;
use isagate::codes::RefusalCode;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transfer_encoding_is_refused_recorded_and_named_by_its_record_id() {
    let gw = Gateway::start().await;
    let body = serde_json::to_vec(&referral()).unwrap();
    let mut head =
        String::from("POST /merseyside-police/v1/referrals HTTP/1.1\r\nHost: localhost\r\n");
    for (name, value) in OK_HEADERS {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    let chunked = format!("{:x}\r\n", body.len());

    let mut tls = super::harness::raw_tls(&gw, "lcc-ssc").await;
    tls.write_all(head.as_bytes()).await.unwrap();
    tls.write_all(chunked.as_bytes()).await.unwrap();
    tls.write_all(&body).await.unwrap();
    tls.write_all(b"\r\n0\r\n\r\n").await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), tls.read_to_end(&mut answer)).await.unwrap().ok();
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 400"), "{text}");
    assert!(text.contains("urn:isagate:problem:bad-request"), "{text}");
    let id = text
        .lines()
        .find_map(|l| l.strip_prefix("isagate-disclosure-id: "))
        .unwrap_or_else(|| panic!("every refusal names its record: {text}"));

    let record = gw.store().get(id.trim().parse().unwrap()).await.unwrap().expect("the record");
    assert_eq!(record.draft.kind, RecordKind::Refusal);
    assert_eq!(record.draft.refusal.first().map(|r| r.code), Some(RefusalCode::BadRequest));
    assert!(gw.mock("merseyside-police").received().is_empty(), "nothing reached the upstream");
    gw.stop().await;
}
