//! Two `isagate serve` processes on one PostgreSQL store: one chain, emergency limits
//! counted from committed records across both, and one overdue alert per review round,
//! not one per replica.

use std::time::Duration;

use http::Method;
use serde_json::json;

use super::harness::{prepare, Options};
use super::process::Serve;
use crate::audit_store::common::{fresh_pg, pg_admin_url};
use crate::support;

fn overdue_alerts(metrics: &str) -> u64 {
    metrics
        .lines()
        .filter(|l| {
            l.starts_with("isagate_emergency_alerts_total") && l.contains("kind=\"review-overdue\"")
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .map(|v| v as u64)
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_gateway_processes_share_one_chain_emergency_limits_and_overdue_alerts() {
    let Some(admin_url) = pg_admin_url("two_gateway_processes") else { return };
    let store = fresh_pg(&admin_url).await;
    let (dir, certs, _ca, mocks) = prepare(&Options::default()).await;
    let mut replicas = Vec::new();
    for name in ["a", "b"] {
        let opts = Options {
            store_url: Some(store.clone()),
            alerts: "review_overdue = \"3s\"".into(),
            ..Options::default()
        };
        replicas
            .push(Serve::start(dir.path(), name, opts, &mocks, &[("ISAGATE_LOG", "warn")]).await);
    }
    let client = isagate::cli::demo::client::TransferClient::new(
        &certs.join("agency-merseyside-police.crt"),
        &certs.join("agency-merseyside-police.key"),
        &certs.join("ca.crt"),
    )
    .unwrap();
    let body = serde_json::to_vec(&json!({
        "subject": {"name": {"given": "Sam"}},
        "risk": "Threatening to end their life tonight; has the means at home."
    }))
    .unwrap();
    let headers = [
        ("Isagate-Emergency", "risk-to-life"),
        ("Isagate-Reason", "MP-2026-0042: caller says they will end their life tonight"),
        ("Isagate-Requester", "mp/pc-9"),
    ];
    let mut ids = Vec::new();
    for (i, expect) in [201u16, 201, 201, 429].iter().enumerate() {
        let r = &replicas[i % 2];
        let url = format!("https://127.0.0.1:{}/nhs-trust/v1/emergency/referrals", r.transfer);
        let reply = client.send(Method::POST, &url, &headers, Some(body.clone())).await.unwrap();
        assert_eq!(reply.status, *expect, "transfer {i} on replica {}: {}", i % 2, reply.json());
        if reply.status == 201 {
            ids.push(reply.disclosure_id().unwrap());
        }
    }
    // Let the reviews become overdue and both replicas sweep (every 3 s) a few times: a
    // sleep, because several sweep periods passing without a second alert is the behaviour.
    tokio::time::sleep(Duration::from_secs(8)).await;
    // Review them all (through replica b's admin API), so no further rounds start.
    let dpo = isagate::cli::demo::client::TransferClient::new(
        &certs.join("governance-dpo.crt"),
        &certs.join("governance-dpo.key"),
        &certs.join("ca.crt"),
    )
    .unwrap();
    for id in &ids {
        let url = format!("https://127.0.0.1:{}/v1/emergency/{id}/review", replicas[1].admin);
        let review =
            json!({"decision": "justified", "subject_told": "told", "note": "welfare check done"});
        let reply = dpo
            .send(Method::POST, &url, &[], Some(serde_json::to_vec(&review).unwrap()))
            .await
            .unwrap();
        assert!(reply.status.is_success(), "{}", reply.json());
    }
    // Each (disclosure, round) claim decides exactly one alert, whichever replica won it.
    let s =
        isagate::audit::Store::open(&store, isagate::audit::StoreOptions::default()).await.unwrap();
    let rounds = || async {
        let rows = s.rows_after(0, 100_000).await.unwrap();
        let mut rounds = std::collections::BTreeSet::new();
        for row in &rows {
            let rec = row.record.as_ref().unwrap();
            if let Some(g) = &rec.draft.governance {
                if g["action"] == "review-overdue-alerted" {
                    rounds.insert((g["disclosure"].to_string(), g["round"].to_string()));
                }
            }
        }
        rounds.len() as u64
    };
    let alerts = || async {
        let mut alerts = 0;
        for r in &replicas {
            alerts += overdue_alerts(&r.metrics().await);
        }
        alerts
    };
    // A sweep that claimed a round just before the reviews may still be sending its alert:
    // poll until the alerts have caught up with the claims, and compare that observation.
    let seen = std::cell::Cell::new((0, 0));
    support::wait_until("every claimed round has sent its alert", Duration::from_secs(10), || {
        let (alerts, rounds, seen) = (&alerts, &rounds, &seen);
        async move {
            seen.set((alerts().await, rounds().await));
            seen.get().0 >= seen.get().1
        }
    })
    .await;
    let (alerts, rounds) = seen.get();
    assert!(rounds > 0, "the reviews became overdue");
    assert_eq!(alerts, rounds, "one alert per overdue round across both replicas");
    let report = s.verify(None, &|_, _| {}).await.unwrap();
    assert!(report.ok, "one valid chain from both processes: {:?}", report.failure);
    drop(replicas);
}
