//! Every set that goes live is recorded (issue 13 part 3): one `agreement-activated`
//! governance record per new or changed agreement, with id, version, the SHA-256 of the
//! agreement and of each schema, the trigger and the governance identity; the texts kept
//! in the store by SHA-256; an unchanged set records nothing; start-up records too.

use http::Method;
use isagate::digest::sha256_hex;
use isagate::emergency::LedgerRecord;
use serde_json::Value;

use super::harness::{call, Harness, GOVERNANCE};
use crate::gateway::harness::Gateway;

fn activations(all: &[LedgerRecord]) -> Vec<Value> {
    all.iter()
        .filter_map(|r| r.draft.governance.clone())
        .filter(|g| g["action"] == "agreement-activated")
        .collect()
}

#[tokio::test]
async fn reloads_record_what_goes_live_and_keep_its_texts() {
    let h = Harness::start().await;
    let gov = h.client(GOVERNANCE);
    let reload =
        || call(&gov, Method::POST, "/v1/agreements/reload", "/v1/agreements/reload", None);
    assert_eq!(reload().await.status, 200);
    let all = h.ledger.all().await;
    let first = activations(&all);
    assert_eq!(first.len(), 1, "{first:#?}");
    let a = &first[0];
    let file = h.agreements_dir.join("isa-lcc-merpol-0007.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(a["agreement"], "ISA-LCC-MERPOL-0007");
    assert_eq!(a["version"], 3);
    assert_eq!(a["sha256"], sha256_hex(text.as_bytes()));
    assert_eq!(a["trigger"], "admin-reload");
    assert_eq!(a["governance_identity"], GOVERNANCE);
    assert_eq!(a["previous_version"], Value::Null);
    assert!(a["diff"].get("widens").is_some() && a["diff"].get("narrows").is_some());
    let schema = crate::support::repo().join("schemas/referral-status.v1.json");
    let schema_text = std::fs::read_to_string(&schema).unwrap();
    assert_eq!(a["schemas"]["referral-status.v1.json"], sha256_hex(schema_text.as_bytes()));
    // The texts are in the store, by SHA-256.
    let store = &h.ledger.store;
    assert_eq!(store.text_of(a["sha256"].as_str().unwrap()).await.unwrap(), Some(text.clone()));
    assert_eq!(
        store.text_of(&sha256_hex(schema_text.as_bytes())).await.unwrap(),
        Some(schema_text)
    );
    // The activation is recorded before the reload's own record.
    let last = all.last().unwrap().draft.governance.clone().unwrap();
    assert_eq!(
        (last["action"].as_str(), last["activated"].as_u64()),
        (Some("agreements-reloaded"), Some(1))
    );

    // Nothing changed: nothing activated.
    assert_eq!(reload().await.status, 200);
    assert_eq!(activations(&h.ledger.all().await).len(), 1);

    // A new version that drops a purpose from one flow: one activation naming the version
    // it replaces, with the counts of `agreements diff` against the set in force.
    let narrowed = text.replacen("version: 3", "version: 4", 1).replacen(
        "purposes: [safeguarding, crime-prevention]",
        "purposes: [safeguarding]",
        1,
    );
    std::fs::write(&file, narrowed).unwrap();
    assert_eq!(reload().await.status, 200);
    let now = activations(&h.ledger.all().await);
    assert_eq!(now.len(), 2);
    assert_eq!(
        (now[1]["version"].as_u64(), now[1]["previous_version"].as_u64()),
        (Some(4), Some(3))
    );
    assert_eq!(
        (now[1]["diff"]["widens"].as_u64(), now[1]["diff"]["narrows"].as_u64()),
        (Some(0), Some(1)),
        "{:#}",
        now[1]
    );
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_up_records_the_set_once() {
    let gw = Gateway::start().await;
    let rows = gw.store().rows_after(0, 1000).await.unwrap();
    let started: Vec<Value> = rows
        .iter()
        .filter_map(|r| r.record.as_ref().unwrap().draft.governance.clone())
        .filter(|g| g["action"] == "agreement-activated" && g["trigger"] == "start-up")
        .collect();
    let samples = std::fs::read_dir(crate::support::repo().join("agreements")).unwrap().count();
    assert_eq!(started.len(), samples, "every sample agreement and the emergency policy");
    assert!(started.iter().all(|g| g["governance_identity"].is_null()));
    assert!(started.iter().any(|g| g["agreement"] == "emergency-policy"));
    gw.stop().await;
}
