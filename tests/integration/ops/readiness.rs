//! `/readyz` follows the audit store (issue 12 items 5 and 2): after a commit fails it
//! answers 503 with the reason, even while a small probe write would pass, until the
//! store recovers and a probe succeeds; and it answers 503 below `store.min_free_disk`,
//! with the free space on `/metrics`. Real gateway, SQLite on disk, ops over HTTP.

use std::time::Duration;

use super::endpoints::http;
use crate::gateway::harness::{referral, Gateway, Options};
use crate::settings::gateway_with;
use crate::support::wait_until;

/// A gateway whose `[store]` table gets `lines` after its `url`.
async fn gateway(lines: &str) -> Gateway {
    gateway_with(Options::default(), |text| {
        text.replace(
            "url = \"sqlite://isagate.db\"",
            &format!("url = \"sqlite://isagate.db\"\n{lines}"),
        )
    })
    .await
}

async fn readyz(gw: &Gateway) -> (u16, String) {
    http(gw.launched.as_ref().unwrap().ops_addr, "GET", "/readyz").await
}

/// Make every record insert fail while other writes (the readiness row) still succeed:
/// the shape of a nearly full disk, where a small write fits and a record does not.
fn records_fail(gw: &Gateway, fail: bool) {
    let db = rusqlite::Connection::open(gw.path().join("isagate.db")).unwrap();
    db.busy_timeout(Duration::from_secs(5)).unwrap();
    let sql = if fail {
        "CREATE TRIGGER test_records_fail BEFORE INSERT ON records \
         BEGIN SELECT RAISE(ABORT, 'test: records cannot be written'); END;"
    } else {
        "DROP TRIGGER test_records_fail;"
    };
    db.execute_batch(sql).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_follows_a_failed_commit_until_the_store_recovers() {
    let gw = gateway("ready_retry = \"2s\"").await;
    assert_eq!(readyz(&gw).await.0, 200);
    records_fail(&gw, true);
    let reply = gw.referral(&referral()).await;
    assert_eq!(reply.status, 503, "the commit failed: fail closed");
    let (status, text) = readyz(&gw).await;
    assert_eq!(status, 503, "ready although the last commit failed: {text}");
    assert!(text.contains("the last audit commit failed"), "{text}");
    assert!(!text.contains("Alex") && !text.contains("9434765919"), "{text}");

    // The store recovers: a write probe after `store.ready_retry` makes it ready again.
    records_fail(&gw, false);
    wait_until("/readyz is ready again", Duration::from_secs(10), || async {
        readyz(&gw).await.0 == 200
    })
    .await;
    assert_eq!(gw.referral(&referral()).await.status, 201);
    gw.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_is_not_ready_below_the_free_disk_floor() {
    let gw = gateway("min_free_disk = \"100000000GiB\"").await;
    let (status, text) = readyz(&gw).await;
    assert_eq!(status, 503, "{text}");
    assert!(text.contains("store.min_free_disk"), "{text}");
    let metrics = http(gw.launched.as_ref().unwrap().ops_addr, "GET", "/metrics").await.1;
    let free = metrics
        .lines()
        .find_map(|l| l.strip_prefix("isagate_store_free_disk_bytes "))
        .unwrap_or_else(|| panic!("no free disk gauge:\n{metrics}"));
    assert!(free.parse::<f64>().unwrap() > 0.0, "{free}");
    gw.stop().await;

    let gw = gateway("min_free_disk = 0").await;
    assert_eq!(readyz(&gw).await.0, 200, "0 disables the floor");
    gw.stop().await;
}
