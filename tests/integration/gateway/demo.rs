//! `isagate demo` as a newcomer runs it: the tour prints before/after, then keeps
//! serving; one printed `curl` line works, the mock upstream shows what it received,
//! and the record is in the store.

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support;

#[test]
fn the_demo_serves_and_its_printed_curl_line_works() {
    let dir = support::scratch();
    let work = dir.path().join("demo-work");
    let mut child = Command::new(support::isagate_bin())
        .current_dir(support::repo())
        .args(["demo", "--dir"])
        .arg(&work)
        .args(["--port", "0", "--admin-port", "0", "--ops-port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = Vec::new();
    let mut curl_line = None;
    while Instant::now() < deadline {
        let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) else { continue };
        if line.starts_with("curl ") && line.contains("--data @") && curl_line.is_none() {
            curl_line = Some(line.clone());
        }
        let done = line.starts_with("serving until");
        seen.push(line);
        if done {
            break;
        }
    }
    let transcript = seen.join("\n");
    assert!(transcript.contains("-- before"), "{transcript}");
    assert!(transcript.contains("purpose-not-allowed"), "the tour shows a refusal");
    assert!(transcript.contains("pseudonymise"), "the tour shows a research extract");
    assert!(transcript.contains("chain verified"), "{transcript}");
    assert!(transcript.contains("the governance console: https://127.0.0.1:"), "{transcript}");
    let curl = curl_line.expect("the demo prints a curl line");

    let out =
        Command::new("bash").arg("-c").arg(&curl).current_dir(support::repo()).output().unwrap();
    let reply = String::from_utf8_lossy(&out.stdout).to_lowercase();
    assert!(reply.contains(" 201"), "{reply}");
    let id = reply
        .lines()
        .find_map(|l| l.strip_prefix("isagate-disclosure-id: "))
        .unwrap()
        .trim()
        .to_owned();
    // The mock upstream prints what it received.
    let mut printed = String::new();
    let until = Instant::now() + Duration::from_secs(10);
    while Instant::now() < until && !printed.contains("\"case_id\"") {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) {
            printed.push_str(&line);
            printed.push('\n');
        }
    }
    assert!(printed.contains("[merseyside-police] received POST /v1/referrals"), "{printed}");
    assert!(!printed.contains("social_worker_private_notes"), "stripped fields never arrive");
    let _ = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
    let status = child.wait().unwrap();
    assert!(status.success(), "SIGTERM ends the demo cleanly: {status:?}");

    // The record is there, and the chain verifies.
    let out = Command::new(support::isagate_bin())
        .args(["audit", "verify", "--format", "json", "--store"])
        .arg(format!("sqlite://{}", work.join("isagate.db").display()))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["length"].as_u64().unwrap() >= 9, "{v}");
    let db = rusqlite::Connection::open(work.join("isagate.db")).unwrap();
    let n: i64 =
        db.query_row("SELECT count(*) FROM records WHERE id = ?1", [&id], |r| r.get(0)).unwrap();
    assert_eq!(n, 1, "the disclosure id names a record");
}
