//! `limits.decompressed_max`: the cap on a gzip body once decompressed, apart from
//! `limits.max_body` (which caps the bytes on the wire).

use std::io::Write as _;

use http::Method;

use super::gateway_with;
use crate::gateway::harness::Options;

const PATH: &str = "/cabinet-office-nfi/v1/nfi/submissions/2026-27";

const HEADERS: &[(&str, &str)] = &[
    ("Isagate-Purpose", "fraud-prevention"),
    ("Isagate-Reason", "NFI-2026: statutory data matching submission"),
    ("Isagate-Requester", "lcc-revenues/internal-audit"),
    ("Content-Type", "application/json"),
    ("Content-Encoding", "gzip"),
];

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

/// A valid submission padded with whitespace to `size` bytes.
fn submission(size: usize) -> Vec<u8> {
    let head = br#"{"dataset": "housing-benefit", "records": []"#;
    let mut body = head.to_vec();
    body.resize(size - 1, b' ');
    body.push(b'}');
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decompressed_max_caps_gzip_bodies_apart_from_max_body() {
    let limits = "max_body = \"64KiB\"\ndecompressed_max = \"256KiB\"".to_owned();
    let gw = gateway_with(Options { limits, ..Options::default() }, |t| t).await;
    let client = gw.client_for("agency-lcc-revenues");
    let url = format!("{}{PATH}", gw.base);
    let mock = gw.mock("cabinet-office-nfi");

    // 200 KiB once decompressed: over max_body, within decompressed_max, so it goes.
    let wide = gzip(&submission(200 * 1024));
    assert!(wide.len() < 64 * 1024);
    let reply = client.send_raw(Method::POST, &url, HEADERS, wide).await.unwrap();
    assert_eq!(reply.status, 201, "{}", reply.json());
    assert_eq!(mock.received().len(), 1);

    // A gzip bomb: 8 KiB on the wire, 16 MiB once decompressed.
    let bomb = gzip(&submission(16 << 20));
    assert!(bomb.len() < 64 * 1024, "the bomb is within max_body: {}", bomb.len());
    let reply = client.send_raw(Method::POST, &url, HEADERS, bomb).await.unwrap();
    assert_eq!(reply.status, 413, "{}", reply.json());
    assert_eq!(reply.json()["reasons"][0]["code"], "body-too-large");
    let detail = reply.json()["reasons"][0]["detail"].as_str().unwrap().to_owned();
    assert!(detail.contains(&(256 * 1024).to_string()), "{detail}");
    let record = gw.record_of(&reply).await;
    assert_eq!(record.draft.refusal[0].code, isagate::codes::RefusalCode::BodyTooLarge);
    assert_eq!(mock.received().len(), 1, "the bomb was not forwarded");

    // Uncompressed bodies stay under max_body alone.
    let plain_headers = &HEADERS[..4];
    let reply =
        client.send_raw(Method::POST, &url, plain_headers, submission(100 * 1024)).await.unwrap();
    assert_eq!(reply.status, 413, "{}", reply.json());
    gw.stop().await;
}
