//! `store.pool_size`: a gateway on PostgreSQL holds that many reading connections (opened
//! as reads need them, never more) besides its writer's one, counted in
//! `pg_stat_activity` by the store's `application_name`.

use std::time::{Duration, Instant};

use super::gateway_with;
use crate::audit_store::common::{fresh_pg, pg_admin_url, pg_client};
use crate::gateway::harness::Options;

/// Backends with this `application_name`, once the count has settled on `want` (or the
/// last count after 10 s).
async fn backends(admin: &tokio_postgres::Client, name: &str, want: i64) -> i64 {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let row = admin
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1",
                &[&name],
            )
            .await
            .unwrap();
        let n: i64 = row.get(0);
        if n == want || Instant::now() > deadline {
            return n;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pool_size_sets_the_reading_connections_per_replica() {
    let Some(admin_url) = pg_admin_url("pool_size_sets_the_reading_connections_per_replica") else {
        return;
    };
    let name = format!("isagate_pool_{}", uuid::Uuid::now_v7().simple());
    let db = fresh_pg(&admin_url).await;
    let sep = if db.contains('?') { '&' } else { '?' };
    let url = format!("{db}{sep}application_name={name}");
    let store_line = format!("url = \"{url}\"\n");
    let gw = gateway_with(Options { store_url: Some(url.clone()), ..Options::default() }, |t| {
        assert!(t.contains(&store_line));
        t.replacen(&store_line, &format!("{store_line}pool_size = 3\n"), 1)
    })
    .await;
    assert_eq!(gw.config.store.pool_size, 3);
    let admin = pg_client(&admin_url).await;

    // Reads one after another take the slots in turn: all three open, and no more.
    for _ in 0..12 {
        gw.store().rows_after(0, 10).await.unwrap();
    }
    assert_eq!(backends(&admin, &name, 4).await, 4, "3 readers and the writer");

    // Many reads at once share the three.
    let reads = (0..40).map(|_| gw.store().rows_after(0, 10));
    for r in futures::future::join_all(reads).await {
        r.unwrap();
    }
    assert_eq!(backends(&admin, &name, 4).await, 4, "never more than pool_size readers");
    gw.stop().await;
}
