//! Personal data never leaks: a sentinel value in every body field, header, path segment
//! and query parameter is absent from logs, metrics, problem bodies and records (other
//! than the `Isagate-Reason` and `Isagate-Requester` headers, which the contract stores).

use std::sync::{Arc, Mutex};

use http::Method;

use super::harness::{Gateway, OK_HEADERS};

const SENTINEL: &str = "SENTINELx9f3a";

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// A current-thread runtime, so every task of the gateway logs on this thread, into the capture.
#[tokio::test]
async fn a_sentinel_never_reaches_logs_metrics_problems_or_records() {
    std::env::set_var(isagate::telemetry::logging::LOG_ENV, "trace");
    let capture = Capture::default();
    let (subscriber, _guard) = isagate::telemetry::build_subscriber(
        isagate::telemetry::LogFormat::Json,
        None,
        capture.clone(),
    )
    .unwrap();
    let _default = tracing::subscriber::set_default(subscriber);
    let metrics = isagate::telemetry::install_metrics().unwrap();
    let gw = Gateway::start().await;

    let s = SENTINEL;
    let bodies = [
        // valid except for extra sentinel fields: stripped
        format!(
            r#"{{"case_id":"SSC-2026-00417","subject":{{"name":{{"given":"A"}},"date_of_birth":"2014-03-09","{s}":"{s}"}},"concern":"c","{s}":"{s}"}}"#
        ),
        // schema violations carrying the sentinel as values (jsonschema quotes values)
        format!(
            r#"{{"case_id":"{s}","subject":{{"date_of_birth":"{s}","nhs_number":"{s}"}},"concern":"c","risk_level":"{s}"}}"#
        ),
        // malformed and duplicate keys
        format!(r#"{{"{s}":1,"{s}":2}}"#),
        format!(r#"{{"case_id":"{s}""#),
    ];
    let paths = [
        "/merseyside-police/v1/referrals".to_owned(),
        format!("/merseyside-police/v1/referrals?{s}={s}"),
        format!("/merseyside-police/v1/{s}"),
        format!("/{s}/v1/referrals"),
        format!("/merseyside-police/v1/referrals/{s}?include={s}"),
    ];
    let mut problems = String::new();
    for path in &paths {
        for body in &bodies {
            let headers = [
                OK_HEADERS[0],
                OK_HEADERS[1],
                OK_HEADERS[2],
                ("X-Sentinel", s),
                ("Isagate-Sentinel", s),
                ("Accept", "application/json"),
            ];
            let reply = gw
                .send("lcc-ssc", Method::POST, path, &headers, Some(body.clone().into_bytes()))
                .await;
            problems.push_str(&String::from_utf8_lossy(&reply.body));
            for (k, v) in &reply.headers {
                problems.push_str(k.as_str());
                problems.push_str(v.to_str().unwrap_or(""));
            }
        }
    }
    // A malformed `Isagate-Purpose` carrying the sentinel too.
    let reply = gw
        .send(
            "lcc-ssc",
            Method::POST,
            "/merseyside-police/v1/referrals",
            &[("Isagate-Purpose", s), OK_HEADERS[1], OK_HEADERS[2]],
            Some(bodies[0].clone().into_bytes()),
        )
        .await;
    problems.push_str(&String::from_utf8_lossy(&reply.body));

    let records = serde_json::to_string(&gw.records().await).unwrap();
    let upstream: String = gw
        .mock("merseyside-police")
        .received()
        .iter()
        .map(|r| {
            format!("{} {:?} {}", r.path_and_query, r.headers, String::from_utf8_lossy(&r.body))
        })
        .collect();
    gw.stop().await;
    let logs = String::from_utf8_lossy(&capture.0.lock().unwrap()).into_owned();
    assert!(logs.lines().count() > 5, "the capture sees the gateway's own log lines: {logs}");
    assert!(
        logs.contains("upstream") || logs.contains("refus") || logs.contains("isagate"),
        "the capture works: {logs}"
    );
    for (what, text) in [
        ("problem bodies", &problems),
        ("records", &records),
        ("logs", &logs),
        ("metrics", &metrics.render()),
        ("what the upstream received", &upstream),
    ] {
        assert!(!text.contains(SENTINEL), "the sentinel leaked into {what}");
    }
    assert!(
        records.contains("SSC-2026-00417: concern reported today"),
        "the reason is recorded, as the contract says"
    );
}
