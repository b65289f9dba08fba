//! Four-eyes at start-up (issue 13 part 3): when the agreements on disk differ from the
//! last approved set without approval, the gateway starts on the approved set, rebuilt
//! from the texts the store keeps; without four-eyes it loads the disk as before.

use isagate::admin::activations::{record, Trigger};
use isagate::agreements::lifecycle::Snapshot;
use isagate::audit::{Store, StoreOptions};

use super::harness::{config_text, prepare, Gateway, Options};
use crate::support;

/// Record, in the store at `db`, a live set holding ISA-LCC-MERPOL-0007 at version 2.
async fn approved_v2(root: &std::path::Path, db: &std::path::Path) {
    let (a, s) = (root.join("approved/agreements"), root.join("approved/schemas"));
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(&s).unwrap();
    let text = std::fs::read_to_string(support::repo().join("agreements/isa-lcc-merpol-0007.yaml"))
        .unwrap();
    assert!(text.contains("version: 3"), "the sample agreement changed");
    std::fs::write(
        a.join("isa-lcc-merpol-0007.yaml"),
        text.replacen("version: 3", "version: 2", 1),
    )
    .unwrap();
    for e in std::fs::read_dir(support::repo().join("schemas")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), s.join(e.file_name())).unwrap();
    }
    let store =
        Store::open(&format!("sqlite://{}", db.display()), StoreOptions::default()).await.unwrap();
    let snap = Snapshot::read(&a, &s).unwrap();
    record(&store, &store, &snap, None, Trigger::StartUp, "urn:isagate:gateway:start-up")
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_eyes_starts_on_the_last_approved_set() {
    let prepared = prepare(&Options::default()).await;
    let text = config_text(&Options::default(), &prepared.3);
    approved_v2(prepared.0.path(), &prepared.0.path().join("isagate.db")).await;
    let gw =
        Gateway::launch_in(prepared, &format!("{text}\n[governance]\nfour_eyes = true\n")).await;
    let policy = gw.launched.as_ref().unwrap().state.policy.current();
    let ids: Vec<(String, u32)> = policy
        .set
        .agreements
        .iter()
        .map(|a| (a.agreement.id.clone(), a.agreement.version))
        .collect();
    assert_eq!(ids, [("ISA-LCC-MERPOL-0007".to_owned(), 2)], "the approved set, not the disk");
    gw.stop().await;

    // Without four-eyes the disk is loaded (and its changes recorded as activations).
    let prepared = prepare(&Options::default()).await;
    let text = config_text(&Options::default(), &prepared.3);
    approved_v2(prepared.0.path(), &prepared.0.path().join("isagate.db")).await;
    let gw = Gateway::launch_in(prepared, &text).await;
    let policy = gw.launched.as_ref().unwrap().state.policy.current();
    assert!(policy.set.agreements.len() > 1);
    gw.stop().await;
}
