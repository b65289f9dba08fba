//! Crash safety: a child process appends from 16 tasks and prints each acknowledged
//! `seq hash`; it is SIGKILLed at a random moment, 20 times over one SQLite file. After
//! each kill every acknowledged record is present with its hash and the chain verifies.

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::common::*;
use crate::support::{isagate_bin, scratch};

/// A small random number from the clock and a counter (no RNG dependency needed).
fn jitter(i: u64, max: u64) -> u64 {
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    (u64::from(nanos) ^ i.wrapping_mul(0x9e37_79b9_7f4a_7c15)) % max
}

/// Run the child until it has acknowledged something, then a random while more; kill it.
fn run_and_kill(url: &str, i: u64) -> Vec<(u64, String)> {
    let mut child = Command::new(isagate_bin())
        .args(["audit", "append-loop", "--store", url, "--tasks", "16"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let (seq, hash) = line.split_once(' ').unwrap();
            let _ = tx.send((seq.parse::<u64>().unwrap(), hash.to_owned()));
        }
    });
    let mut acked = Vec::new();
    // Wait for the first acknowledgement (bounded), then kill at a random moment.
    if let Ok(first) = rx.recv_timeout(Duration::from_secs(10)) {
        acked.push(first);
    }
    // A sleep, not a poll: killing at a random moment mid-write is the behaviour under test.
    std::thread::sleep(Duration::from_millis(20 + jitter(i, 300)));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    reader.join().unwrap();
    acked.extend(rx.try_iter());
    acked
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_records_survive_sigkill() {
    let dir = scratch();
    let url = sqlite_url(dir.path());
    let started = Instant::now();
    let mut total_acked = 0;
    for i in 0..20 {
        let url2 = url.clone();
        let acked = tokio::task::spawn_blocking(move || run_and_kill(&url2, i)).await.unwrap();
        assert!(!acked.is_empty(), "round {i}: the child acknowledged nothing");
        total_acked += acked.len();
        let store = open(&url).await;
        let report = verify(&store).await;
        assert!(report.ok, "round {i}: {:?}", report.failure);
        for (seq, hash) in &acked {
            let rows = store.rows_after(seq - 1, 1).await.unwrap();
            let record = rows.first().and_then(|r| r.record.as_ref().ok());
            assert_eq!(
                record.map(|r| (r.seq, r.hash.as_str())),
                Some((*seq, hash.as_str())),
                "round {i}"
            );
        }
        assert!(started.elapsed() < Duration::from_secs(90), "crash rounds take too long");
    }
    eprintln!("20 kills, {total_acked} acknowledged records checked, {:?}", started.elapsed());
}
