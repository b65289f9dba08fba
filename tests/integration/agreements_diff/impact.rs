//! The impact of a change replayed on a real SQLite store: records written through the
//! store API (as the gateway writes them), then `agreements diff --store` read back.
//! Records in both forms of `stripped` for undeclared keys: the declared parent with a
//! count (at most) and, as older records hold it, the key's own path (exact).

use std::sync::Arc;

use isagate::audit::record::{AgreementRef, Outcome, RecordDraft, RecordKind};
use isagate::audit::{Store, StoreOptions};
use isagate::clock::ManualClock;
use isagate::codes::{Direction, Reason, RefusalCode};
use serde_json::{json, Value};

use super::super::support::scratch;
use super::{edit_text, isagate, sample_change};

/// A forwarded request record under `agreement`'s `flow`.
fn transfer(
    agreement: &str,
    flow: &str,
    route: (&str, &str, &str, &str),
    purpose: &str,
) -> RecordDraft {
    let mut d = RecordDraft::new(RecordKind::Disclosure, Outcome::Forwarded);
    d.direction = Some(Direction::Request);
    (d.from, d.to) = (Some(route.0.into()), Some(route.1.into()));
    (d.method, d.path_template) = (Some(route.2.into()), Some(route.3.into()));
    d.agreement = Some(AgreementRef { id: agreement.into(), version: 1, sha256: "0".repeat(64) });
    d.flow = Some(flow.into());
    d.purpose = Some(purpose.into());
    d.requester = Some("staff-0042".into());
    d.reason = Some("case SSC-2026-00001: a reason that must never reach a report".into());
    d
}

fn stripped(entries: Value) -> Vec<isagate::minimise::Stripped> {
    serde_json::from_value(entries).unwrap()
}

const REFERRAL: (&str, &str, &str, &str) =
    ("lcc-ssc", "merseyside-police", "POST", "/v1/referrals");
const EXTRACT: (&str, &str, &str, &str) =
    ("lcc-ssc", "uni-evaluators", "POST", "/v1/extracts/{wave}");
const NOTIFY: (&str, &str, &str, &str) =
    ("lcc-childrens-services", "ie-tusla", "POST", "/v1/child-protection/notifications");

async fn fill(url: &str) {
    let now = jiff::Timestamp::now();
    let clock = ManualClock::new(now - jiff::SignedDuration::from_hours(24 * 40));
    let store = Store::open_with_clock(url, StoreOptions::default(), Arc::new(clock.clone()))
        .await
        .unwrap();
    // Forty days ago: outside the default window.
    store
        .append(transfer("ISA-LCC-MERPOL-0007", "referral", REFERRAL, "crime-prevention"))
        .await
        .unwrap();
    clock.set(now - jiff::SignedDuration::from_hours(2));
    for i in 0..3 {
        let mut d = transfer("ISA-LCC-MERPOL-0007", "referral", REFERRAL, "crime-prevention");
        d.disclosed = vec!["/case_id".into(), "/referrer/phone".into()];
        d.stripped = if i == 0 {
            stripped(json!([{"path": "/referrer/email", "reason": "undeclared", "count": 1}]))
        } else {
            stripped(json!([{"path": "/referrer", "reason": "undeclared", "count": 2}]))
        };
        store.append(d).await.unwrap();
    }
    for _ in 0..2 {
        let mut d = transfer("ISA-LCC-UOL-0002", "research-extract", EXTRACT, "service-evaluation");
        d.transformed = serde_json::from_value(
            json!([{"path": "/cases/*/postcode", "transform": "postcode-district"}]),
        )
        .unwrap();
        d.stripped = stripped(json!([
            {"path": "/cases/*/keyworker_notes", "reason": "dropped", "count": 1},
            {"path": "/cases/0/ethnicity", "reason": "special-category", "count": 1}
        ]));
        store.append(d).await.unwrap();
    }
    store
        .append(transfer("ISA-LCC-TUSLA-0001", "transfer-notification", NOTIFY, "child-protection"))
        .await
        .unwrap();
    let mut refused = transfer("ISA-LCC-MERPOL-0007", "referral", REFERRAL, "safeguarding");
    refused.kind = RecordKind::Refusal;
    refused.outcome = Outcome::Refused;
    refused.refusal = vec![Reason::new(
        RefusalCode::SchemaViolation,
        "`/case_id` fails the schema keyword `pattern`",
    )];
    store.append(refused).await.unwrap();
}

#[test]
fn the_change_replayed_on_recorded_traffic() {
    let dir = scratch();
    sample_change(dir.path());
    // The new set also stops crime prevention referrals.
    edit_text(
        &dir.path().join("new/agreements/isa-lcc-merpol-0007.yaml"),
        "purposes: [safeguarding, crime-prevention, domestic-abuse]\n    request_schema",
        "purposes: [safeguarding, domestic-abuse]\n    request_schema",
    );
    let url = format!("sqlite://{}", dir.path().join("records.db").display());
    tokio::runtime::Runtime::new().unwrap().block_on(fill(&url));

    let out = isagate(
        dir.path(),
        &["agreements", "diff", "old", "new", "--store", &url, "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        !text.contains("staff-0042") && !text.contains("SSC-2026"),
        "an identifier in the impact"
    );
    let doc: Value = serde_json::from_str(&text).unwrap();
    let impact = &doc["impact"];
    assert_eq!((impact["transfers"].as_u64(), impact["days"].as_u64()), (Some(6), Some(30)));
    let findings = doc["findings"].as_array().unwrap();
    let counted = |message: &str| -> (u64, u64) {
        let index = findings
            .iter()
            .position(|f| f["message"] == message)
            .unwrap_or_else(|| panic!("no `{message}`"));
        impact["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["finding"] == index)
            .map_or((0, 0), |i| (i["transfers"].as_u64().unwrap(), i["at_most"].as_u64().unwrap()))
    };
    assert_eq!(counted("`/referrer/email` newly disclosed (clear)"), (1, 2));
    assert_eq!(counted("`/referrer/phone` no longer disclosed"), (3, 0));
    assert_eq!(counted("flow purpose `crime-prevention` removed"), (3, 0));
    assert_eq!(
        counted("`/cases/*/postcode` transform weakened: `postcode-district` to `postcode-sector`"),
        (2, 0)
    );
    assert_eq!(counted("`/cases/*/keyworker_notes` no longer dropped: `drop` to `clear`"), (2, 0));
    assert_eq!(counted("ethnicity field `/cases/*/ethnicity` newly unlocked (clear)"), (2, 0));
    assert_eq!(counted("status `active` became `suspended`"), (1, 0));
    assert_eq!(counted("retention changed"), (0, 0));

    let refuse: Vec<(String, u64)> = impact["would_refuse"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["code"].as_str().unwrap().to_owned(), r["transfers"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        refuse,
        [("agreement-not-in-force".to_owned(), 1), ("purpose-not-allowed".to_owned(), 3)]
    );
    let unknown: Vec<(&str, &str, u64)> = impact["cannot_tell"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["code"].as_str().unwrap(),
                c["agreement"].as_str().unwrap(),
                c["transfers"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        unknown,
        [
            ("schema-violation", "ISA-LCC-MERPOL-0007", 1),
            ("schema-violation", "ISA-LCC-UOL-0002", 2)
        ]
    );

    // The human form says the same in words, and `--days 60` reaches the older record.
    let human =
        isagate(dir.path(), &["agreements", "diff", "old", "new", "--store", &url, "--days", "60"]);
    let human = String::from_utf8(human.stdout).unwrap();
    assert!(human.contains("impact on recorded traffic, last 60 days"), "{human}");
    assert!(human.contains("7 transfers and 0 responses replayed"), "{human}");
    assert!(human.contains("past transfers: 3"), "{human}");
    assert!(human.contains("past transfers: 1, and at most 2 more"), "{human}");
    assert!(human.contains("purpose-not-allowed"), "{human}");
}
