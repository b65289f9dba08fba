//! Personal data never leaks: a sentinel value in every body field, header, path segment
//! and query parameter, and as the name of undeclared keys, of keys a `patternProperties`
//! admits and of query parameters, is absent from logs, metrics, problem bodies, records
//! and the store's files, WAL included (other than the `Isagate-Reason` and
//! `Isagate-Requester` headers, which the contract stores). Records hold only schema text
//! (contract section 5).
//! The attempts must reach the stages they aim at (forwarded, schema violation, malformed
//! JSON, duplicate key, no agreement, ...), not all stop at the first refusal.

use http::Method;
use isagate::cli::demo::client::TransferClient;
use isagate::codes::StripReason;

use super::harness::{prepare, Options, OK_HEADERS};
use super::process::Serve;

const SENTINEL: &str = "SENTINELx9f3a";

/// One request: path, headers, body.
type Attempt<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str);

/// A real `isagate serve` process logging everything (`ISAGATE_LOG=trace`, set on the
/// child only) as JSON to a file, with its metrics read from its ops listener.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sentinel_never_reaches_logs_metrics_problems_or_records() {
    let (dir, certs, _ca, mocks) = prepare(&Options::default()).await;
    let gw = Serve::start(
        dir.path(),
        "sentinel",
        Options::default(),
        &mocks,
        &[(isagate::telemetry::logging::LOG_ENV, "trace")],
    )
    .await;
    let client = TransferClient::new(
        &certs.join("agency-lcc-ssc.crt"),
        &certs.join("agency-lcc-ssc.key"),
        &certs.join("ca.crt"),
    )
    .unwrap();
    let base = format!("https://127.0.0.1:{}", gw.transfer);
    let send = |path: &str, headers: &[(&str, &str)], body: &str| {
        let (url, body) = (format!("{base}{path}"), body.as_bytes().to_vec());
        let headers: Vec<(String, String)> =
            headers.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        let client = &client;
        async move {
            let headers: Vec<(&str, &str)> =
                headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            client.send(Method::POST, &url, &headers, Some(body)).await.unwrap()
        }
    };

    let s = SENTINEL;
    let bodies = [
        // valid except for extra sentinel fields (stripped), with sentinel key names that
        // the schema's `patternProperties` admits (disclosed)
        format!(
            r#"{{"case_id":"SSC-2026-00417","subject":{{"name":{{"given":"A"}},"date_of_birth":"2014-03-09","{s}":"{s}"}},"concern":"c","{s}":"{s}","other_references":{{"{s}_ref":"R1","{s}2_ref":"R2"}}}}"#
        ),
        // schema violations carrying the sentinel as values (jsonschema quotes values) and
        // as a pattern-admitted key whose value fails its schema
        format!(
            r#"{{"case_id":"{s}","subject":{{"date_of_birth":"{s}","nhs_number":"{s}"}},"concern":"c","risk_level":"{s}","other_references":{{"{s}_ref":5}}}}"#
        ),
        // malformed and duplicate keys
        format!(r#"{{"{s}":1,"{s}":2}}"#),
        format!(r#"{{"case_id":"{s}""#),
    ];
    let paths = [
        "/merseyside-police/v1/referrals".to_owned(),
        format!("/merseyside-police/v1/referrals?{s}={s}&{s}_2=1&include=x"),
        format!("/merseyside-police/v1/{s}"),
        format!("/{s}/v1/referrals"),
        format!("/merseyside-police/v1/referrals/{s}?include={s}"),
    ];
    let mut problems = String::new();
    // Every (status, problem code) the attempts got: the body and path cases must reach
    // the stages they aim at, not all stop at the first refusal.
    let mut outcomes = std::collections::BTreeSet::new();
    let headers = [
        OK_HEADERS[0],
        OK_HEADERS[1],
        OK_HEADERS[2],
        ("X-Sentinel", s),
        ("Accept", "application/json"),
    ];
    let mut attempts: Vec<Attempt<'_>> = Vec::new();
    for path in &paths {
        for body in &bodies {
            attempts.push((path, headers.to_vec(), body));
        }
    }
    // An undefined `Isagate-` header and a malformed `Isagate-Purpose` carrying it too.
    let referrals = paths[0].as_str();
    let mut unknown = headers.to_vec();
    unknown.push(("Isagate-Sentinel", s));
    attempts.push((referrals, unknown, &bodies[0]));
    attempts.push((
        referrals,
        vec![("Isagate-Purpose", s), OK_HEADERS[1], OK_HEADERS[2]],
        &bodies[0],
    ));
    for (path, headers, body) in &attempts {
        let reply = send(path, headers, body).await;
        let text = String::from_utf8_lossy(&reply.body).into_owned();
        let code = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v["reasons"][0]["code"].as_str().map(str::to_owned));
        outcomes.insert((reply.status.as_u16(), code.unwrap_or_default()));
        problems.push_str(&text);
        for (k, v) in &reply.headers {
            problems.push_str(k.as_str());
            problems.push_str(v.to_str().unwrap_or(""));
        }
    }
    for expected in [
        (201, ""),
        (422, "schema-violation"),
        (422, "duplicate-key"),
        (422, "malformed-json"),
        (400, "unknown-header"),
        (403, "no-agreement"),
        (403, "purpose-not-allowed"),
    ] {
        assert!(
            outcomes.contains(&(expected.0, expected.1.to_owned())),
            "no attempt ended in {expected:?}: {outcomes:?}"
        );
    }

    let metrics = gw.metrics().await;
    assert!(metrics.contains("isagate_"), "the metrics are the gateway's: {metrics}");
    // The store's files as they are while the gateway runs (the WAL still holds the
    // newest pages), and again after it stopped.
    let mut store_files = store_bytes(dir.path());
    assert!(
        store_files.iter().any(|(name, _)| name.ends_with("-wal")),
        "the running store has a WAL: {:?}",
        store_files.iter().map(|(n, _)| n).collect::<Vec<_>>()
    );
    gw.stop().await;
    store_files.extend(store_bytes(dir.path()));
    let logs = std::fs::read_to_string(dir.path().join("sentinel.log")).unwrap();
    let url = format!("sqlite://{}", dir.path().join("isagate.db").display());
    let store = isagate::audit::Store::open(&url, Default::default()).await.unwrap();
    let rows = store.rows_after(0, 100_000).await.unwrap();
    let records: Vec<_> = rows.into_iter().map(|r| r.record.unwrap()).collect();
    assert!(records.len() > 20, "every attempt was recorded: {}", records.len());
    // The attempts reached the record forms they aim at: an undeclared key counted at
    // its parent, a pattern-admitted key written `*`, query parameters one `?` entry.
    let forwarded: Vec<_> = records
        .iter()
        .filter(|r| r.draft.outcome == isagate::audit::record::Outcome::Forwarded)
        .collect();
    let has = |path: &str, reason: StripReason, count: u64| {
        forwarded.iter().any(|r| {
            r.draft
                .stripped
                .iter()
                .any(|st| (st.path.as_str(), st.reason, st.count) == (path, reason, Some(count)))
        })
    };
    assert!(has("/subject", StripReason::Undeclared, 1));
    // The two sentinel parameters and `include` (allowed on another flow only).
    assert!(has("?", StripReason::QueryNotAllowed, 3));
    let disclosed = |p: &str| forwarded.iter().any(|r| r.draft.disclosed.iter().any(|d| d == p));
    assert!(disclosed("/other_references/*"));
    assert!(records.iter().all(|r| r.draft.format == Some(2)));
    let records = serde_json::to_string(&records).unwrap();
    let upstream: String = mocks["merseyside-police"]
        .received()
        .iter()
        .map(|r| {
            format!("{} {:?} {}", r.path_and_query, r.headers, String::from_utf8_lossy(&r.body))
        })
        .collect();
    assert!(!upstream.is_empty(), "the valid referral reached the upstream");
    // Keys the schema's `patternProperties` admits are the recipient's to see (the
    // agreement says so); they must not reach anything else.
    let admitted = format!("\"{SENTINEL}_ref\":\"R1\",\"{SENTINEL}2_ref\":\"R2\"");
    assert!(upstream.contains(&admitted), "the pattern-admitted keys were forwarded");
    let upstream = upstream.replace(&admitted, "(admitted keys)");
    assert!(logs.lines().count() > 5, "the gateway's own log lines: {logs}");
    assert!(
        logs.lines()
            .any(|l| l.contains("\"level\":\"TRACE\"") || l.contains("\"level\":\"DEBUG\"")),
        "`ISAGATE_LOG=trace` reached the child: {logs}"
    );
    for (what, text) in [
        ("problem bodies", &problems),
        ("records", &records),
        ("logs", &logs),
        ("metrics", &metrics),
        ("what the upstream received", &upstream),
    ] {
        // Case-insensitive: header names, for one, travel in lower case.
        let lower = text.to_lowercase();
        let at = lower
            .find(&SENTINEL.to_lowercase())
            .map(|i| &lower[i.saturating_sub(300)..(i + 100).min(lower.len())]);
        assert!(at.is_none(), "the sentinel leaked into {what}: …{}…", at.unwrap_or_default());
    }
    let needle = SENTINEL.to_lowercase();
    for (name, bytes) in &store_files {
        let lower = bytes.to_ascii_lowercase();
        assert!(
            !lower.windows(needle.len()).any(|w| w == needle.as_bytes()),
            "the sentinel is in the store's file `{name}`"
        );
    }
    assert!(
        records.contains("SSC-2026-00417: concern reported today"),
        "the reason is recorded, as the contract says"
    );
}

/// The bytes of every file of the SQLite store in `dir` (`isagate.db`, `-wal`, `-shm`).
fn store_bytes(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("isagate.db"))
        .map(|e| (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap()))
        .collect()
}

/// Contract section 5: "an undeclared key is recorded as its nearest declared parent with
/// reason `undeclared` and the number of keys, never by its name".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_undeclared_key_is_recorded_by_its_parent_never_by_its_name() {
    let gw = super::harness::Gateway::start().await;
    let mut body = super::harness::referral();
    body["subject"][SENTINEL] = serde_json::json!("x");
    let reply = gw.referral(&body).await;
    assert_eq!(reply.status, 201, "{}", reply.json());
    let rec = gw.record_of(&reply).await;
    let stripped = serde_json::to_string(&rec.draft.stripped).unwrap();
    gw.stop().await;
    assert!(!stripped.contains(SENTINEL), "the record names the undeclared key: {stripped}");
    // The sample's `religion` and the sentinel key, counted at their declared parent.
    assert!(
        stripped.contains(r#"{"count":2,"path":"/subject","reason":"undeclared"}"#),
        "{stripped}"
    );
}
