//! An agreement that is still `status: active` past its `expires` date (issue 13 part 4):
//! the gateway loads the set anyway, the expired agreement is not in force (its flow is
//! refused with `agreement-not-in-force`) while another agreement's flow works, a reload
//! succeeds, and the register (`GET /v1/agreements`) shows the `expired` finding, the
//! days since expiry, the reload that activated the set and the last transfer.

use http::Method;
use isagate::clock::SystemClock;
use isagate::config::Config;
use isagate::runtime::{launch, PolicySource};
use isagate::shutdown::Shutdown;
use jiff::ToSpan;
use serde_json::Value;

use super::harness::{config_text, prepare, referral, Gateway, Options};
use crate::support;

/// The sample agreements, with the discharge agreement expired yesterday.
fn agreements_with_one_expired(dir: &std::path::Path) -> String {
    let to = dir.join("agreements");
    std::fs::create_dir_all(&to).unwrap();
    for e in std::fs::read_dir(support::repo().join("agreements")).unwrap() {
        let path = e.unwrap().path();
        std::fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
    }
    let file = to.join("isa-nhs-lccasc-0003.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    let today = isagate::clock::today_in_london();
    let yesterday = today.checked_sub(1.day()).unwrap();
    let before = today.checked_sub(2.days()).unwrap();
    assert!(text.contains("expires: 2028-04-01") && text.contains("review_by: 2027-04-01"));
    let text = text
        .replace("expires: 2028-04-01", &format!("expires: {yesterday}"))
        .replace("review_by: 2027-04-01", &format!("review_by: {before}"));
    std::fs::write(&file, text).unwrap();
    yesterday.to_string()
}

async fn admin(gw: &Gateway, method: Method, path: &str) -> (u16, Value) {
    let addr = gw.launched.as_ref().unwrap().admin_addr.unwrap();
    let url = format!("https://127.0.0.1:{}{path}", addr.port());
    let body = (method == Method::POST).then(Vec::new);
    let r = gw.client_for("governance-dpo").send(method, &url, &[], body).await.unwrap();
    (r.status.as_u16(), r.json())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_agreement_is_loaded_not_in_force_and_never_blocks_a_reload() {
    let opts = Options::default();
    let (dir, certs, ca, mocks) = prepare(&opts).await;
    let yesterday = agreements_with_one_expired(dir.path());
    let config_path = dir.path().join("isagate.toml");
    std::fs::write(&config_path, config_text(&opts, &mocks)).unwrap();
    let config = Config::load(&config_path).unwrap();
    let source = PolicySource {
        agreements: dir.path().join("agreements"),
        schemas: support::repo().join("schemas"),
    };
    let launched = launch(&config, source, Shutdown::new(), std::sync::Arc::new(SystemClock))
        .await
        .expect("an expired agreement does not stop the gateway from starting");
    let base = format!("https://127.0.0.1:{}", launched.transfer_addr.port());
    let gw = Gateway { dir, certs, ca, base, launched: Some(launched), mocks, config };

    // The expired agreement's flow is refused with the documented code...
    let discharge =
        std::fs::read(support::repo().join("examples/payloads/discharge.json")).unwrap();
    let refused = gw
        .send(
            "nhs-trust",
            Method::POST,
            "/lcc-adult-social-care/v1/discharge-notices",
            &[
                ("Isagate-Purpose", "discharge-planning"),
                ("Isagate-Reason", "DN-2026-118: discharge planned"),
                ("Isagate-Requester", "nhs-trust/ward-7"),
            ],
            Some(discharge),
        )
        .await;
    assert_eq!(
        refused.json()["reasons"][0]["code"],
        "agreement-not-in-force",
        "{:?}",
        refused.json()
    );
    // ...and another agreement's flow works.
    let ok = gw.referral(&referral()).await;
    assert_eq!(ok.status.as_u16(), 201, "{:?}", ok.json());

    // A reload of the same set (the expired agreement included) is applied.
    let (status, body) = admin(&gw, Method::POST, "/v1/agreements/reload").await;
    assert_eq!(status, 200, "{body}");
    let record_id = body["record_id"].as_str().unwrap().to_owned();

    // The register says why, and what the records say.
    let (status, list) = admin(&gw, Method::GET, "/v1/agreements").await;
    assert_eq!(status, 200, "{list}");
    let find = |id: &str| {
        list["agreements"].as_array().unwrap().iter().find(|a| a["id"] == id).unwrap().clone()
    };
    let expired = find("ISA-NHS-LCCASC-0003");
    assert_eq!(expired["in_force"], false);
    assert_eq!(expired["expires"], yesterday);
    assert_eq!(expired["expires_in_days"], -1);
    assert_eq!(expired["review_in_days"], -2);
    let codes: Vec<&str> =
        expired["findings"].as_array().unwrap().iter().filter_map(|f| f["code"].as_str()).collect();
    assert_eq!(codes, ["review-overdue", "expired"], "{expired}");
    assert_eq!(expired["findings"][1]["severity"], "error");
    assert_eq!(
        expired["party_names"][0]["name"],
        gw.config.agencies.iter().find(|a| a.id == "nhs-trust").unwrap().name
    );
    // The reload changed nothing, so the text went live at start-up: its activation record
    // (not the reload's record) is the last activation.
    assert_eq!(expired["last_activation"]["action"], "agreement-activated", "{expired}");
    assert_ne!(expired["last_activation"]["record_id"], record_id.as_str());
    assert_eq!(expired["last_activation"]["actor"], "urn:isagate:gateway:start-up");
    // The refused discharge was not a disclosure.
    assert!(expired["last_transfer"].is_null(), "{expired}");

    let merpol = find("ISA-LCC-MERPOL-0007");
    assert_eq!(merpol["in_force"], true);
    assert_eq!(merpol["findings"], serde_json::json!([]));
    assert_eq!(merpol["last_transfer"]["flow"], "referral");
    assert_eq!(merpol["last_transfer"]["record_id"], ok.disclosure_id().unwrap().as_str());
    assert_eq!(merpol["dpia"], "DPIA-2026-014");
    let (_, one) = admin(&gw, Method::GET, "/v1/agreements/ISA-LCC-MERPOL-0007").await;
    assert_eq!(one, merpol);

    // `isagate agreements list` reads the same register through the admin API, and exits 1
    // because an agreement has an error finding.
    let port = gw.launched.as_ref().unwrap().admin_addr.unwrap().port();
    let cli_config = gw.path().join("cli.toml");
    std::fs::write(
        &cli_config,
        format!("[admin_client]\nurl = \"https://127.0.0.1:{port}\"\ncert = \"certs/governance-dpo.crt\"\nkey = \"certs/governance-dpo.key\"\nca = \"certs/ca.crt\"\n"),
    )
    .unwrap();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(support::isagate_bin())
            .args([
                "--config",
                cli_config.to_str().unwrap(),
                "agreements",
                "list",
                "--format",
                "json",
            ])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let cli: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(cli, list, "the CLI shows the admin API's register");
    gw.stop().await;
}
