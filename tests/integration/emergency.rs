//! Emergency alerts over real HTTPS: the signed webhook, retries, a dead webhook that
//! never blocks, and overdue re-alerts raised once however many replicas sweep.

pub(crate) mod receiver;

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use isagate::audit::{ManualClock, Store, StoreOptions};
use isagate::emergency::ledger::EmergencyEntry;
use isagate::emergency::overdue::{self, OverdueSettings};
use isagate::emergency::webhook::{verify_signature, Webhook, WebhookSettings};
use isagate::emergency::{Alert, AlertKind, Alerts, Committed, Ledger, LedgerError, LedgerRecord};
use isagate::keys::SecretKey;
use receiver::Receiver;

fn key() -> SecretKey {
    SecretKey::from_base64(&"G".repeat(44)).unwrap()
}

fn alert() -> Alert {
    Alert {
        kind: AlertKind::EmergencyDisclosure,
        disclosure_id: uuid::Uuid::now_v7().to_string(),
        from: "lcc-ssc".into(),
        to: "merseyside-police".into(),
        category: "child-at-risk".into(),
        agreement: Some("ISA-LCC-MERPOL-0007".into()),
        basis: "agreement:ISA-LCC-MERPOL-0007".into(),
        recorded_at: "2026-03-01T12:00:00.000000Z".into(),
        pending_hours: None,
    }
}

fn webhook(url: &str, ca_pem: &str, dir: &std::path::Path, attempts: u32) -> Arc<Webhook> {
    let ca = dir.join("webhook-ca.pem");
    std::fs::write(&ca, ca_pem).unwrap();
    let mut s = WebhookSettings::new(url, key(), ca);
    s.max_attempts = attempts;
    s.first_backoff = Duration::from_millis(20);
    s.timeout = Duration::from_secs(3);
    Arc::new(Webhook::new(s).unwrap())
}

fn check_signed(r: &receiver::Received) {
    let sig = r.signature.as_deref().expect("signature header");
    let now = jiff::Timestamp::now().as_second();
    assert!(verify_signature(&key(), sig, &r.body, now, 60), "signature `{sig}` does not verify");
    let wrong = SecretKey::from_base64(&"H".repeat(44)).unwrap();
    assert!(!verify_signature(&wrong, sig, &r.body, now, 60));
    assert_eq!(r.content_type.as_deref(), Some("application/json"));
}

#[tokio::test]
async fn the_webhook_receives_a_signed_alert_without_personal_data() {
    let scratch = crate::support::scratch();
    let mut rx = Receiver::start(vec![]).await;
    let alerts = Alerts::new(Some(webhook(&rx.url, &rx.ca_pem, scratch.path(), 3)));
    let a = alert();
    let handle = alerts.raise(a.clone()).unwrap();
    let got = rx.next().await;
    check_signed(&got);
    let body: Alert = serde_json::from_slice(&got.body).unwrap();
    assert_eq!(body, a);
    let text = String::from_utf8(got.body.to_vec()).unwrap();
    for field in ["justification", "reason", "subjects", "payload", "requester"] {
        assert!(!text.contains(field), "alert carries `{field}`");
    }
    assert!(handle.await.unwrap());
}

#[tokio::test]
async fn a_failing_webhook_is_retried_with_backoff() {
    let scratch = crate::support::scratch();
    let mut rx = Receiver::start(vec![500, 503]).await;
    let hook = webhook(&rx.url, &rx.ca_pem, scratch.path(), 4);
    let handle = Alerts::new(Some(hook)).raise(alert()).unwrap();
    let bodies: Vec<_> = [rx.next().await, rx.next().await, rx.next().await]
        .into_iter()
        .inspect(check_signed)
        .map(|r| r.body)
        .collect();
    assert!(bodies.windows(2).all(|w| w[0] == w[1]), "the same alert each time");
    assert!(tokio::time::timeout(Duration::from_secs(10), handle).await.unwrap().unwrap());
}

#[test]
fn a_dead_webhook_does_not_block_and_is_counted() {
    let scratch = crate::support::scratch();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
    let metrics = recorder.handle();
    let pki = crate::admin::pki::Pki::new();
    let delivered = metrics::with_local_recorder(&recorder, || {
        rt.block_on(async {
            // A port that was bound and closed: nothing listens.
            let port = {
                let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
                l.local_addr().unwrap().port()
            };
            let hook =
                webhook(&format!("https://127.0.0.1:{port}/"), &pki.ca_pem, scratch.path(), 3);
            let alerts = Alerts::new(Some(hook.clone()));
            let started = Instant::now();
            let handle = alerts.raise(alert()).unwrap();
            assert!(started.elapsed() < Duration::from_millis(50), "raise() returned at once");
            assert!(!handle.await.unwrap());
            // The counted path (same thread, so the local recorder sees it).
            hook.deliver_with_retries(&alert()).await
        })
    });
    assert!(!delivered);
    let text = metrics.render();
    let line = text
        .lines()
        .find(|l| l.starts_with("isagate_webhook_failures_total{reason=\"attempt\"}"))
        .expect(&text);
    // Three attempts by the spawned task, three by the direct call.
    assert!(line.ends_with(" 6"), "{line}");
    assert!(text.contains("isagate_webhook_failures_total{reason=\"given-up\"} 2"), "{text}");
}

/// The store, yielding before every call, so two sweeps interleave like two replicas.
/// The first read of the claims returns only once the other replica has read them too, so
/// both see no claim and both claim: the race the sweep must settle.
struct Interleaved(Store, std::sync::Mutex<Option<Arc<tokio::sync::Barrier>>>);

impl Interleaved {
    /// Two replicas over `store` whose first reads of the claims meet.
    fn pair(store: &Store) -> (Arc<dyn Ledger>, Arc<dyn Ledger>) {
        let meet = Arc::new(tokio::sync::Barrier::new(2));
        let one = |m: &Arc<tokio::sync::Barrier>| -> Arc<dyn Ledger> {
            Arc::new(Interleaved(store.clone(), std::sync::Mutex::new(Some(Arc::clone(m)))))
        };
        (one(&meet), one(&meet))
    }
}

impl Ledger for Interleaved {
    fn append(
        &self,
        d: isagate::audit::record::RecordDraft,
    ) -> BoxFuture<'_, Result<Committed, LedgerError>> {
        Box::pin(async move {
            tokio::task::yield_now().await;
            Ledger::append(&self.0, d).await
        })
    }
    fn get(&self, id: uuid::Uuid) -> BoxFuture<'_, Result<Option<LedgerRecord>, LedgerError>> {
        Box::pin(async move {
            tokio::task::yield_now().await;
            Ledger::get(&self.0, id).await
        })
    }
    fn emergencies(&self) -> BoxFuture<'_, Result<Vec<EmergencyEntry>, LedgerError>> {
        Box::pin(async move {
            tokio::task::yield_now().await;
            Ledger::emergencies(&self.0).await
        })
    }
    fn governance_since(
        &self,
        after: u64,
    ) -> BoxFuture<'_, Result<Vec<LedgerRecord>, LedgerError>> {
        Box::pin(async move {
            tokio::task::yield_now().await;
            let read = Ledger::governance_since(&self.0, after).await;
            let meet = self.1.lock().unwrap().take();
            if let Some(meet) = meet {
                meet.wait().await;
            }
            read
        })
    }
}

#[tokio::test]
async fn an_overdue_review_alerts_once_across_two_replicas() {
    let scratch = crate::support::scratch();
    let mut rx = Receiver::start(vec![]).await;
    let now: jiff::Timestamp = "2026-03-10T12:00:00Z".parse().unwrap();
    let hours = |h: i64| now.checked_sub(jiff::SignedDuration::from_hours(h)).unwrap();
    let clock = ManualClock::new(now);
    let url = format!("sqlite://{}", scratch.path().join("audit.db").display());
    let store = Store::open_with_clock(&url, StoreOptions::default(), Arc::new(clock.clone()))
        .await
        .unwrap();
    // Each record is committed with the store's clock set to the time it should carry.
    let append_at = |draft, at| {
        clock.set(at);
        let store = store.clone();
        async move { Ledger::append(&store, draft).await.unwrap() }
    };
    let reviewed = append_at(crate::admin::harness_draft(), hours(100)).await;
    let mut review = isagate::emergency::review::review_draft(
        reviewed.id,
        isagate::audit::record::ReviewInfo {
            decision: "justified".into(),
            subject_told: "told".into(),
            revisit: None,
            note: "ok".into(),
            reviewer: "urn:isagate:governance:ig".into(),
            amendment: false,
        },
    );
    review.actor = Some("urn:isagate:governance:ig".into());
    append_at(review, hours(90)).await;
    let old = append_at(crate::admin::harness_draft(), hours(73)).await;
    let recent = append_at(crate::admin::harness_draft(), hours(5)).await;
    clock.set(now);

    let (a, b) = Interleaved::pair(&store);
    let alerts = Alerts::new(Some(webhook(&rx.url, &rx.ca_pem, scratch.path(), 2)));
    let settings = |name: &str| OverdueSettings {
        actor: format!("urn:isagate:gateway:{name}"),
        ..Default::default()
    };
    let (sa, sb) = (settings("a"), settings("b"));
    let (ra, rb) = tokio::join!(
        overdue::sweep(a.as_ref(), &alerts, &sa, now),
        overdue::sweep(b.as_ref(), &alerts, &sb, now)
    );
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert_eq!(ra.len() + rb.len(), 1, "one alert, not two: {ra:?} {rb:?}");
    assert_eq!(ra.iter().chain(&rb).next(), Some(&old.id));
    let claims: Vec<_> = Ledger::governance_since(&store, 0)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|r| r.draft.governance)
        .filter(|g| g["action"] == isagate::emergency::overdue::CLAIM_ACTION)
        .collect();
    assert_eq!(claims.len(), 2, "both replicas claimed; only the first claim alerts: {claims:?}");
    let got = rx.next().await;
    check_signed(&got);
    let body: Alert = serde_json::from_slice(&got.body).unwrap();
    assert_eq!(
        (body.kind, body.disclosure_id, body.pending_hours),
        (AlertKind::ReviewOverdue, old.id.to_string(), Some(73))
    );

    // Later sweeps in the same period stay quiet; the next period alerts once more.
    let again = overdue::sweep(a.as_ref(), &alerts, &sa, now).await.unwrap();
    assert!(again.is_empty());
    let later = now.checked_add(jiff::SignedDuration::from_hours(72)).unwrap();
    clock.set(later);
    let (ra, rb) = tokio::join!(
        overdue::sweep(a.as_ref(), &alerts, &sa, later),
        overdue::sweep(b.as_ref(), &alerts, &sb, later)
    );
    let mut ids: Vec<_> = ra.unwrap().into_iter().chain(rb.unwrap()).collect();
    ids.sort();
    let mut expected = vec![old.id, recent.id];
    expected.sort();
    assert_eq!(ids, expected, "round 2 of the old one and round 1 of the recent one, once each");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_reviews_offline_on_a_store() {
    let scratch = crate::support::scratch();
    let url = format!("sqlite://{}", scratch.path().join("audit.db").display());
    let id = {
        let store = isagate::audit::Store::open(&url, Default::default()).await.unwrap();
        let id =
            Ledger::append(&store, crate::admin::harness_draft()).await.unwrap().id.to_string();
        drop(store);
        id
    };
    let run = |args: Vec<String>| async move {
        let out = tokio::process::Command::new(crate::support::isagate_bin())
            .args(&args)
            .output()
            .await
            .unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let (code, out, err) =
        run(s(&["emergency", "list", "--store", &url, "--format", "json"])).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&id));
    let review = s(&[
        "emergency",
        "review",
        &id,
        "--decision",
        "justified",
        "--subject-told",
        "told",
        "--note",
        "ok",
        "--store",
        &url,
        "--actor",
        "urn:isagate:governance:offline-ig",
    ]);
    let (code, _, err) = run(review.clone()).await;
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run(review).await;
    assert_eq!(code, 1, "double review refused offline too: {err}");
    let (code, _, _) = run(s(&[
        "emergency",
        "review",
        &id,
        "--decision",
        "justified",
        "--subject-told",
        "told",
        "--note",
        "ok",
        "--store",
        &url,
    ]))
    .await;
    assert_eq!(code, 2, "offline needs --actor");
    let store = isagate::audit::Store::open(&url, Default::default()).await.unwrap();
    let entries = store.emergency_records(Some("reviewed")).await.unwrap();
    assert_eq!(
        entries[0].reviews[0].draft.actor.as_deref(),
        Some("urn:isagate:governance:offline-ig")
    );
    assert!(store.verify(None, &|_, _| {}).await.unwrap().ok);
}

/// Offline restriction changes (issue 12 item 8) work on a store with the config's subject
/// key and agreements: the hash is the one the gateway would compute, and a mistyped
/// agreement or subject type is refused with "did you mean", recording nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_restrictions_use_the_configs_key_and_agreements() {
    use isagate::keys::{SecretKey, SubjectKey};
    let dir = crate::support::scratch();
    let url = format!("sqlite://{}", dir.path().join("records.db").display());
    drop(isagate::audit::Store::open(&url, Default::default()).await.unwrap());
    let key_file = dir.path().join("subject.key");
    std::fs::write(&key_file, "S".repeat(44)).unwrap();
    let repo = crate::support::repo();
    let config = dir.path().join("isagate.toml");
    std::fs::write(
        &config,
        format!(
            "[store]\nurl = \"{url}\"\n[keys]\nsubject = \"{}\"\n[paths]\nagreements = \"{}\"\nschemas = \"{}\"\n",
            key_file.display(),
            repo.join("agreements").display(),
            repo.join("schemas").display()
        ),
    )
    .unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec!["--config", config.to_str().unwrap(), "restrictions", "add"];
        args.extend_from_slice(&["--type", "nhs-number", "--id", "943 476 5919"]);
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--store", &url, "--actor", "urn:isagate:governance:offline-ig"]);
        let out =
            std::process::Command::new(crate::support::isagate_bin()).args(&args).output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.code(), text)
    };
    let (code, text) = run(&["--scope", "ISA-LCC-MERPOL-007"]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("did you mean `ISA-LCC-MERPOL-0007`?"), "{text}");
    let (code, text) = run(&["--scope", "ISA-LCC-MERPOL-0007", "--format", "json"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(!text.contains("9434765919") && !text.contains("943 476 5919"), "{text}");

    let store = isagate::audit::Store::open(&url, Default::default()).await.unwrap();
    let expected =
        SubjectKey::new(&SecretKey::read(&key_file).unwrap()).hash("nhs-number", "9434765919");
    let found = store.subject_records(&expected).await.unwrap();
    assert_eq!(found.len(), 1, "one restriction record, under the gateway's own hash");
}
