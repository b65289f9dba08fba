//! HTTP/1.1 requests whose lines end in a bare LF (issue 12 item 16). The gateway accepts
//! them, as RFC 9112 section 2.2 lets a recipient, because it never forwards the caller's
//! bytes: the upstream gets a request the gateway wrote itself, with CRLF lines and its own
//! framing, so a parser disagreement cannot split or join requests behind it
//! (`docs/decisions/0003-bare-lf-line-endings.md`).

use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use super::harness::{referral, Gateway, OK_HEADERS};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bare_lf_requests_are_read_as_one_request_and_forwarded_as_the_gateways_own() {
    let gw = Gateway::start().await;
    let body = serde_json::to_vec(&referral()).unwrap();
    let mut head = String::from("POST /merseyside-police/v1/referrals HTTP/1.1\nHost: localhost\n");
    for (name, value) in OK_HEADERS {
        head.push_str(&format!("{name}: {value}\n"));
    }
    head.push_str(&format!(
        "Content-Type: application/json\nContent-Length: {}\nConnection: close\n\n",
        body.len()
    ));

    let mut tls = super::harness::raw_tls(&gw, "lcc-ssc").await;
    tls.write_all(head.as_bytes()).await.unwrap();
    tls.write_all(&body).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), tls.read_to_end(&mut answer)).await.unwrap().ok();
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 201"), "{text}");
    assert_eq!(text.matches("HTTP/1.1 ").count(), 1, "one request, one answer: {text}");

    let received = gw.mock("merseyside-police").received();
    assert_eq!(received.len(), 1, "exactly one request reached the upstream");
    let forwarded: serde_json::Value = serde_json::from_slice(&received[0].body).unwrap();
    assert_eq!(forwarded["case_id"], "SSC-2026-00417", "the gateway's own minimised body");
    assert_ne!(received[0].body.as_ref(), body.as_slice(), "never the caller's bytes");
    gw.stop().await;
}
