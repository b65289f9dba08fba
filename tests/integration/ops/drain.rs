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
    // A sleep, not a poll: that nothing stops it before the trigger is the behaviour.
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
            // Slow work finishing one piece at a time is the behaviour under test.
            tokio::time::sleep(Duration::from_millis(30)).await;
            drop(g);
        }
    });
    let started = Instant::now();
    assert_eq!(work.drain(Duration::from_secs(5)).await, Drained::Complete);
    assert!(started.elapsed() >= Duration::from_millis(80));
    assert_eq!(work.count(), 0);
}

/// Set in the child process that receives real signals.
const SIGNAL_CHILD: &str = "ISAGATE_TEST_SIGNAL_CHILD";

/// Sends `signal` to this process (after a handler for it is installed).
fn signal_self(signal: &str) {
    let status = std::process::Command::new("kill")
        .args([format!("-{signal}"), std::process::id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Real signals change process-wide state (once tokio handles `SIGTERM`, the default
/// action never comes back), so they are sent in a child copy of this test binary that
/// runs only [`signal_child`].
#[test]
fn sigterm_fires_the_shutdown_signal_and_sighup_is_a_stream() {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "ops::drain::signal_child", "--nocapture", "--test-threads=1"])
        .env(SIGNAL_CHILD, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("signal child: hup then term handled"), "{stdout}");
    assert!(stdout.contains("1 passed"), "the child ran the signal test: {stdout}");
}

/// The child side of the test above; does nothing unless [`SIGNAL_CHILD`] is set.
#[tokio::test]
async fn signal_child() {
    use futures::StreamExt as _;
    if std::env::var_os(SIGNAL_CHILD).is_none() {
        return;
    }
    // Handlers first: from then on these signals no longer end the process.
    let shutdown = Shutdown::on_signals().unwrap();
    let mut hups = isagate::shutdown::sighup().unwrap();

    signal_self("HUP");
    let got = tokio::time::timeout(Duration::from_secs(5), hups.next()).await.unwrap();
    assert_eq!(got, Some(()));
    assert!(!shutdown.is_triggered(), "SIGHUP is a reload, not a stop");

    signal_self("TERM");
    tokio::time::timeout(Duration::from_secs(5), shutdown.wait()).await.unwrap();
    assert!(shutdown.is_triggered());
    println!("signal child: hup then term handled");
}
