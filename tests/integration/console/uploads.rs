//! Forms that carry files (`multipart/form-data`), over real mTLS: a change proposed by
//! upload goes through the lifecycle API's checks and is recorded with the officer's
//! identity; files whose lint finds errors, names the API refuses, files over the bound
//! and a form without its token propose nothing. An uploaded payload is explained as the
//! pasted one is.

use serde_json::Value;

use super::pages::{client, token};
use super::proposals::{narrower, reloaded_harness};
use crate::admin::harness::{Harness, GOVERNANCE};
use crate::support;

const BOUNDARY: &str = "isagate-test-7e3f";
const FILE: &str = "isa-lcc-merpol-0007.yaml";

/// One form part: field name, file name (a file) or none (a text field), content.
type Part<'a> = (&'a str, Option<&'a str>, &'a [u8]);

fn multipart(parts: &[Part<'_>]) -> Vec<u8> {
    let mut b = Vec::new();
    for (name, file, data) in parts {
        b.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"").as_bytes(),
        );
        if let Some(f) = file {
            b.extend_from_slice(
                format!("; filename=\"{f}\"\r\nContent-Type: application/octet-stream").as_bytes(),
            );
        }
        b.extend_from_slice(b"\r\n\r\n");
        b.extend_from_slice(data);
        b.extend_from_slice(b"\r\n");
    }
    b.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    b
}

/// Load `page`, then post `parts` (with its form token unless `with_token` is false).
async fn post_files(
    h: &Harness,
    c: &reqwest::Client,
    page: &str,
    path: &str,
    parts: &[Part<'_>],
    with_token: bool,
) -> (u16, String) {
    let form = c.get(format!("{}{page}", h.url)).send().await.unwrap().text().await.unwrap();
    assert!(form.contains("enctype=\"multipart/form-data\""), "the page's form takes files");
    let t = token(&form);
    let mut all: Vec<Part<'_>> = Vec::new();
    if with_token {
        all.push(("csrf", None, t.as_bytes()));
    }
    all.extend_from_slice(parts);
    let r = c
        .post(format!("{}{path}", h.url))
        .header("origin", &h.url)
        .header("sec-fetch-site", "same-origin")
        .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(multipart(&all))
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

async fn proposals(h: &Harness) -> Vec<Value> {
    h.ledger
        .all()
        .await
        .into_iter()
        .filter_map(|r| r.draft.governance.filter(|g| g["action"] == "agreement-proposed"))
        .collect()
}

#[tokio::test]
async fn a_change_is_proposed_by_upload_and_refused_files_propose_nothing() {
    let h = reloaded_harness().await;
    let c = client(&h.pki, GOVERNANCE);
    let page = "/console/proposals";
    let v3 = std::fs::read_to_string(h.agreements_dir.join(FILE)).unwrap();

    // Lint errors: shown with file, line and what to do; nothing proposed.
    let broken = v3.replacen("version: 3", "version: three", 1);
    let line = v3.lines().position(|l| l == "version: 3").unwrap() + 1;
    let parts: [Part<'_>; 1] = [("agreements", Some(FILE), broken.as_bytes())];
    let (status, body) = post_files(&h, &c, page, page, &parts, true).await;
    assert_eq!(status, 200);
    assert!(body.contains("Not proposed") && body.contains("nothing was recorded"), "{body}");
    assert!(body.contains(&format!("{FILE}:{line}")), "the finding names file and line: {body}");
    assert!(body.contains("What to do"), "{body}");
    assert!(proposals(&h).await.is_empty());

    // A name the API refuses, a file over the bound, a form without its token.
    let parts: [Part<'_>; 1] = [("agreements", Some("../isa.yaml"), v3.as_bytes())];
    let (_, body) = post_files(&h, &c, page, page, &parts, true).await;
    assert!(body.contains("Refused") && body.contains("../isa.yaml"), "{body}");
    let parts: [Part<'_>; 1] = [("agreements", Some("notes.txt"), v3.as_bytes())];
    let (_, body) = post_files(&h, &c, page, page, &parts, true).await;
    assert!(body.contains("Refused") && body.contains("notes.txt"), "{body}");
    let big = format!("{v3}\n#{}\n", "x".repeat(600 * 1024));
    let parts: [Part<'_>; 1] = [("agreements", Some(FILE), big.as_bytes())];
    let (status, body) = post_files(&h, &c, page, page, &parts, true).await;
    assert_eq!(status, 400);
    assert!(body.contains("over 512 KiB"), "{body}");
    // Several files over the listener's whole-body limit: an HTML page that says what to do.
    let part = "#".repeat(400 * 1024);
    let parts: [Part<'_>; 3] = [
        ("agreements", Some("a.yaml"), part.as_bytes()),
        ("agreements", Some("b.yaml"), part.as_bytes()),
        ("agreements", Some("c.yaml"), part.as_bytes()),
    ];
    let (status, body) = post_files(&h, &c, page, page, &parts, true).await;
    assert_eq!(status, 413);
    assert!(body.contains("limits.max_body") && body.contains("<html"), "{body}");
    let v4 = narrower(&v3);
    let parts: [Part<'_>; 2] =
        [("agreements", Some(FILE), v4.as_bytes()), ("note", None, b"narrower purposes")];
    let (status, body) = post_files(&h, &c, page, page, &parts, false).await;
    assert_eq!(status, 403);
    assert!(body.contains("no valid token"), "{body}");
    assert!(proposals(&h).await.is_empty());

    // A good change: proposed, listed with its diff and impact, recorded as the officer.
    let (status, body) = post_files(&h, &c, page, page, &parts, true).await;
    assert_eq!(status, 200);
    assert!(body.contains("Proposed: proposal"), "{body}");
    assert!(body.contains("1 narrow") && body.contains("Its impact on the"), "{body}");
    let recorded = proposals(&h).await;
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0]["proposal"]["proposer"], GOVERNANCE);
    assert_eq!(recorded[0]["proposal"]["note"], "narrower purposes");
    h.stop().await;
}

#[tokio::test]
async fn an_uploaded_payload_is_explained_like_a_pasted_one() {
    let h = Harness::start().await;
    let c = client(&h.pki, GOVERNANCE);
    let payload = std::fs::read(support::repo().join("examples/payloads/referral.json")).unwrap();
    let page = "/console/explain";
    let fields: [Part<'_>; 5] = [
        ("agreement", None, b"ISA-LCC-MERPOL-0007"),
        ("flow", None, b"referral"),
        ("purpose", None, b"safeguarding"),
        ("payload", None, b"{}"),
        ("payload_file", Some("referral.json"), &payload),
    ];
    let (status, body) = post_files(&h, &c, page, page, &fields, true).await;
    assert_eq!(status, 200);
    assert!(body.contains("would pass"), "the file, not the empty text, was explained: {body}");
    assert!(body.contains("SSC-2026-01234"), "the file is the payload: {body}");
    let mut bad = fields;
    bad[4] = ("payload_file", Some("referral.json"), b"{\"case_id\": ");
    let (_, body) = post_files(&h, &c, page, page, &bad, true).await;
    assert!(body.contains("the file `referral.json` is not JSON (line 1"), "{body}");
    h.stop().await;
}
