//! A reload refused with 422 carries the lint findings (file, line, column, code, message,
//! help) in its problem body, so that a governance officer without a shell sees why
//! (issue 12 item 10); the refused reload's record says so too, and the old set stays.

use http::Method;
use serde_json::Value;

use super::harness::{call, Harness, GOVERNANCE};

#[tokio::test]
async fn a_refused_reload_lists_its_findings() {
    let h = Harness::start().await;
    let gov = h.client(GOVERNANCE);
    let file = h.agreements_dir.join("isa-lcc-merpol-0007.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    let broken = text.replacen(
        "parties: [lcc-ssc, merseyside-police]",
        "parties: [lcc-ssc, merseyside-polise]",
        1,
    );
    assert_ne!(broken, text, "the sample agreement changed");
    std::fs::write(&file, broken).unwrap();

    let a = call(&gov, Method::POST, "/v1/agreements/reload", "/v1/agreements/reload", None).await;
    assert_eq!(a.status, 422, "{}", a.body);
    let findings = a.body["findings"].as_array().expect("findings in the problem body");
    let party = findings
        .iter()
        .find(|f| f["code"] == "unknown-party")
        .unwrap_or_else(|| panic!("no unknown-party finding: {findings:#?}"));
    assert!(party["file"].as_str().unwrap().ends_with("isa-lcc-merpol-0007.yaml"));
    assert_eq!(party["line"], 10);
    assert!(party["column"].as_u64().unwrap() > 1);
    assert_eq!(party["severity"], "error");
    assert!(party["message"].as_str().unwrap().contains("merseyside-polise"));
    assert!(!party["help"].as_str().unwrap().is_empty());
    // The sentence names the file and the first finding too, for a log or a terminal.
    let detail = a.body["detail"].as_str().unwrap();
    assert!(detail.contains("isa-lcc-merpol-0007.yaml") && detail.contains("unknown-party"));
    assert!(!detail.contains("to see why"), "{detail}");
    let rec = h.ledger.all().await.pop().unwrap();
    let reason = rec.draft.governance.as_ref().unwrap()["reason"].as_str().unwrap().to_owned();
    assert!(reason.contains("unknown-party"), "{reason}");

    // A refusal that is not about lint (the folder is gone) has no findings member.
    std::fs::remove_dir_all(&h.agreements_dir).unwrap();
    let a = call(&gov, Method::POST, "/v1/agreements/reload", "/v1/agreements/reload", None).await;
    assert_eq!(a.status, 422);
    assert_eq!(a.body.get("findings"), None::<&Value>);
    h.stop().await;
}
