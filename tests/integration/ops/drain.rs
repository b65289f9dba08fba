//! The shutdown signal and draining in-flight work.

use std::time::{Duration, Instant};

use isagate::shutdown::{Drained, InFlight, Shutdown, DRAIN_DEADLINE};

#[tokio::test]
async fn a_server_stops_on_a_programmatic_trigger() {
    let shutdown = Shutdown::new();
    // A stand-in server: serves until its shutdown future completes.
    let server = tokio::spawn({
        let stop = shutdown.wait();
        async move {
            stop.await;
            "stopped"
        }
    });
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert!(!server.is_finished());
    shutdown.clone().trigger();
    let out = tokio::time::timeout(Duration::from_secs(5), server).await.unwrap().unwrap();
    assert_eq!(out, "stopped");
}

#[tokio::test]
async fn drain_gives_up_at_its_deadline() {
    assert_eq!(DRAIN_DEADLINE, Duration::from_secs(30));
    let work = InFlight::new();
    let stuck = work.enter();
    let started = Instant::now();
    let out = work.drain(Duration::from_millis(200)).await;
    let took = started.elapsed();
    assert_eq!(out, Drained::TimedOut { remaining: 1 });
    assert!(took >= Duration::from_millis(200), "{took:?}");
    assert!(took < Duration::from_secs(3), "{took:?}");
    drop(stuck);
    assert_eq!(work.drain(Duration::from_millis(200)).await, Drained::Complete);
}

#[tokio::test]
async fn drain_waits_for_work_that_finishes_in_time() {
    let work = InFlight::new();
    let guards: Vec<_> = (0..3).map(|_| work.enter()).collect();
    tokio::spawn(async move {
        for g in guards {
            tokio::time::sleep(Duration::from_millis(30)).await;
            drop(g);
        }
    });
    let started = Instant::now();
    assert_eq!(work.drain(Duration::from_secs(5)).await, Drained::Complete);
    assert!(started.elapsed() >= Duration::from_millis(80));
    assert_eq!(work.count(), 0);
}
