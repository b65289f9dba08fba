//! `isagate agreements propose|proposals|approve|reject` through the real binary and the
//! admin API, as two governance identities; and offline governance writes (`--store` with
//! `--actor`) refused while `governance.four_eyes` is on.

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

use super::harness::{Harness, GOVERNANCE};
use super::isagate;

/// A config for `who`: `[admin_client]` with its own certificate, four-eyes on.
fn config_for(h: &Harness, who: &str, name: &str) -> PathBuf {
    let leaf = h.pki.client(who);
    let dir = h.path();
    std::fs::write(dir.join(format!("{name}.crt")), &leaf.cert_pem).unwrap();
    std::fs::write(dir.join(format!("{name}.key")), &leaf.key_pem).unwrap();
    std::fs::write(dir.join("ca.crt"), &h.pki.ca_pem).unwrap();
    let config = dir.join(format!("{name}.toml"));
    let text = format!(
        "[admin_client]\nurl = \"{}\"\ncert = \"{name}.crt\"\nkey = \"{name}.key\"\nca = \"ca.crt\"\n\n[governance]\nfour_eyes = true\n",
        h.url
    );
    std::fs::write(&config, text).unwrap();
    config
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_proposes_and_a_second_identity_approves() {
    let h = Harness::start().await;
    let (alice, bob) =
        (config_for(&h, GOVERNANCE, "alice"), config_for(&h, "urn:isagate:governance:dpo", "bob"));
    let gov = h.client(GOVERNANCE);
    let reload = gov.send(http::Method::POST, "/v1/agreements/reload", None).await.unwrap();
    assert_eq!(reload.status, 200, "the baseline");
    h.state.four_eyes.store(true, Ordering::SeqCst);

    let live = h.agreements_dir.join("isa-lcc-merpol-0007.yaml");
    let text = std::fs::read_to_string(&live).unwrap();
    std::fs::create_dir_all(h.path().join("draft")).unwrap();
    let draft = h.path().join("draft/isa-lcc-merpol-0007.yaml");
    let v4 = text.replacen("version: 3", "version: 4", 1);
    std::fs::write(&draft, &v4).unwrap();

    let (code, out, err) = isagate(&[
        "--config",
        s(&alice),
        "agreements",
        "propose",
        s(&draft),
        "--note",
        "review date",
        "--format",
        "json",
    ])
    .await;
    assert_eq!(code, 0, "{out}{err}");
    let p: serde_json::Value = serde_json::from_str(&out).unwrap();
    let id = p["id"].as_str().unwrap().to_owned();
    let (code, out, _) = isagate(&["--config", s(&bob), "agreements", "proposals"]).await;
    assert_eq!(code, 0);
    assert!(out.contains(&id) && out.contains("pending"), "{out}");

    // The proposer's own approval is refused (403: exit 2), another's goes live.
    let (code, _, err) = isagate(&["--config", s(&alice), "agreements", "approve", &id]).await;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("four-eyes"), "{err}");
    assert_eq!(std::fs::read_to_string(&live).unwrap(), text);
    let (code, out, err) =
        isagate(&["--config", s(&bob), "agreements", "approve", &id, "--note", "ok"]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("approved"), "{out}");
    assert_eq!(std::fs::read_to_string(&live).unwrap(), v4);

    // Reject needs a note (a finding without), and is recorded with it.
    std::fs::write(&draft, text.replacen("version: 3", "version: 5", 1)).unwrap();
    let (_, out, _) =
        isagate(&["--config", s(&alice), "agreements", "propose", s(&draft), "--format", "json"])
            .await;
    let id =
        serde_json::from_str::<serde_json::Value>(&out).unwrap()["id"].as_str().unwrap().to_owned();
    let (code, _, _) = isagate(&["--config", s(&bob), "agreements", "reject", &id]).await;
    assert_eq!(code, 1);
    let (code, out, _) =
        isagate(&["--config", s(&bob), "agreements", "reject", &id, "--note", "no"]).await;
    assert_eq!(code, 0);
    assert!(out.contains("rejected"), "{out}");

    // Offline governance writes are refused while four-eyes is on.
    let url = format!("sqlite://{}", h.path().join("audit.db").display());
    let (code, _, err) = isagate(&[
        "--config",
        s(&bob),
        "restrictions",
        "add",
        "--type",
        "nhs-number",
        "--id",
        "9434765919",
        "--store",
        &url,
        "--actor",
        "urn:isagate:governance:dpo",
    ])
    .await;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("four_eyes") && err.contains("admin API"), "{err}");
    h.stop().await;
}
