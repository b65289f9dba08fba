//! Every metric `docs/operations.md` lists is on `/metrics` from the first scrape of a
//! freshly started `isagate serve`, before any transfer (issue 12 item 13), and nothing
//! undocumented is.

use std::collections::BTreeSet;

use crate::gateway::harness::{prepare, Options};
use crate::gateway::process::Serve;

/// The metric names in the docs' table (first column, backticked).
fn documented() -> BTreeSet<String> {
    let docs = std::fs::read_to_string(crate::support::repo().join("docs/operations.md")).unwrap();
    docs.lines()
        .filter_map(|l| l.strip_prefix("| `isagate_"))
        .filter_map(|rest| rest.split('`').next())
        .map(|name| format!("isagate_{name}"))
        .collect()
}

/// The metric families a Prometheus scrape names (`# TYPE` lines).
fn exposed(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_metric_exists_from_start() {
    let (dir, _certs, _ca, mocks) = prepare(&Options::default()).await;
    let serve =
        Serve::start(dir.path(), "metrics", Options::default(), &mocks, &[("ISAGATE_LOG", "warn")])
            .await;
    let text = serve.metrics().await;
    let (docs, seen) = (documented(), exposed(&text));
    assert!(docs.len() >= 12, "the docs' table was not found: {docs:?}");
    let missing: Vec<_> = docs.difference(&seen).collect();
    let undocumented: Vec<_> = seen.difference(&docs).collect();
    assert!(missing.is_empty(), "documented but not on /metrics at start: {missing:?}\n{text}");
    assert!(undocumented.is_empty(), "on /metrics but not documented: {undocumented:?}");
    assert!(text.contains("isagate_agreements_loaded "), "the loaded set is counted at start");
    assert!(!text.contains("isagate_agreements_loaded 0"), "{text}");
    serve.stop().await;
}
