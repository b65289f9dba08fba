//! One chain across processes: two `isagate` processes append to one PostgreSQL store
//! at once (and run its migrations at once on a fresh database).

use std::collections::BTreeSet;
use std::process::{Command, Stdio};

use super::common::*;
use crate::support::isagate_bin;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_make_one_chain() {
    let Some(admin) = pg_admin_url("two_processes_make_one_chain") else { return };
    let url = fresh_pg(&admin).await;
    let spawn = |label: &str| {
        Command::new(isagate_bin())
            .args([
                "audit",
                "append-loop",
                "--store",
                &url,
                "--count",
                "300",
                "--tasks",
                "8",
                "--label",
                label,
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn("proc-a"), spawn("proc-b"));
    let (a, b) = tokio::task::spawn_blocking(move || {
        (a.wait_with_output().unwrap(), b.wait_with_output().unwrap())
    })
    .await
    .unwrap();
    for out in [&a, &b] {
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let seqs = |o: &std::process::Output| -> BTreeSet<u64> {
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .map(|l| l.split(' ').next().unwrap().parse().unwrap())
            .collect()
    };
    let (sa, sb) = (seqs(&a), seqs(&b));
    assert_eq!((sa.len(), sb.len()), (300, 300));
    assert!(sa.is_disjoint(&sb));
    let all: BTreeSet<u64> = sa.union(&sb).copied().collect();
    assert_eq!(all, (1..=600).collect());
    let store = open(&url).await;
    let r = verify(&store).await;
    assert!(r.ok && r.length == 600, "{r:?}");
    // Both writers really interleaved in the one chain.
    let rows = store.rows_after(0, 600).await.unwrap();
    let switches = rows
        .windows(2)
        .filter(|w| {
            w[0].record.as_ref().unwrap().draft.from != w[1].record.as_ref().unwrap().draft.from
        })
        .count();
    assert!(switches >= 1, "the two processes did not interleave");
}
