//! `Expect: 100-continue` with a declared length over `limits.max_body` (issue 12 item 4):
//! the gateway answers 413 at once, never `100 Continue` followed by a refusal later.

use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use super::harness::{Gateway, OK_HEADERS};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expect_continue_over_the_limit_is_refused_413_before_any_body() {
    let gw = Gateway::start().await;
    let mut head =
        String::from("POST /merseyside-police/v1/referrals HTTP/1.1\r\nHost: localhost\r\n");
    for (name, value) in OK_HEADERS {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("Content-Type: application/json\r\nContent-Length: 104857600\r\n");
    head.push_str("Expect: 100-continue\r\n\r\n");

    let mut tls = super::harness::raw_tls(&gw, "lcc-ssc").await;
    tls.write_all(head.as_bytes()).await.unwrap();
    // The first answer, without sending a byte of the body; bounded well under the
    // gateway's read timeout, which is what the old behaviour waited for.
    let mut answer = Vec::new();
    let mut chunk = [0u8; 4096];
    let read = async {
        while !String::from_utf8_lossy(&answer).contains("body-too-large") {
            let n = tls.read(&mut chunk).await.unwrap();
            if n == 0 {
                break;
            }
            answer.extend_from_slice(&chunk[..n]);
        }
    };
    tokio::time::timeout(Duration::from_secs(5), read).await.unwrap();
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    assert!(!text.contains("100 Continue"), "{text}");
    assert!(text.contains("body-too-large"), "{text}");
    assert!(gw.mock("merseyside-police").received().is_empty());
    gw.stop().await;
}
