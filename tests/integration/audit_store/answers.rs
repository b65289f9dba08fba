//! Answers an auditor can trust (issue 12 items 7 and 15), run as a user would:
//! after `audit archive`, `audit subject`, `audit report` and `emergency list` still read
//! the archived records and name the segment they read; a missing segment makes the
//! answer say it is incomplete and which dates it lacks. The transparency report counts
//! transfers, names recipients by their display name, carries the chain status and its
//! generation time, and shows an inclusive end date as given.

use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;

use isagate::audit::record::Outcome;
use isagate::audit::{generate_checkpoint_key, ManualClock, Store, StoreOptions};
use isagate::codes::{Direction, RefusalCode};
use isagate::keys::{SecretKey, SubjectKey};

use super::common::*;
use crate::support::{isagate_bin, scratch};

fn isagate(args: &[&str]) -> Output {
    Command::new(isagate_bin()).args(args).output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|_| panic!("{}\n{}", stdout(o), String::from_utf8_lossy(&o.stderr)))
}

async fn store_with_clock(url: &str, at: &str) -> (Store, ManualClock) {
    let clock = ManualClock::new(at.parse().unwrap());
    let opts =
        StoreOptions { group_commit_window: std::time::Duration::ZERO, ..StoreOptions::default() };
    (Store::open_with_clock(url, opts, Arc::new(clock.clone())).await.unwrap(), clock)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_read_archived_segments_and_say_when_one_is_missing() {
    let dir = scratch();
    let url = sqlite_url(dir.path());
    let key_file = dir.path().join("subject.key");
    SecretKey::random().unwrap().write(&key_file).unwrap();
    let me = SubjectKey::new(&SecretKey::read(&key_file).unwrap()).hash("nhs-number", "9434765919");
    let (store, clock) = store_with_clock(&url, "2019-05-01T12:00:00Z").await;
    store.append(disclosure(1, &[&me])).await.unwrap();
    store.append(disclosure(2, &[&me, &"ab".repeat(32)])).await.unwrap();
    let mut e = emergency("child-at-risk", "staff-3");
    e.subjects = vec![me.clone()];
    let e = store.append(e).await.unwrap();
    store.append(review(e.id, "justified", "told")).await.unwrap();
    clock.set("2026-05-01T12:00:00Z".parse().unwrap());
    fill(&store, 2).await;
    drop(store);

    let (ck, public) = (dir.path().join("ck.pem"), dir.path().join("ck.pub"));
    generate_checkpoint_key(&ck, &public).unwrap();
    let folder = dir.path().join("archive");
    std::fs::create_dir(&folder).unwrap();
    let key = ["--subject-key", s(&key_file), "--type", "nhs-number", "--id", "9434765919"];
    let subject = |format: &str| {
        let base =
            ["audit", "subject", "--store", &url, "--archive", s(&folder), "--format", format];
        isagate(&[&base[..], &key[..]].concat())
    };
    let report = || {
        isagate(&[
            "audit",
            "report",
            "--store",
            &url,
            "--archive",
            s(&folder),
            "--since",
            "2019-01-01",
            "--until",
            "2019-12-31",
            "--format",
            "json",
        ])
    };
    let before = json(&report());
    assert_eq!(before["emergencies"]["total"], 1);

    let out = isagate(&[
        "audit",
        "archive",
        "--store",
        &url,
        "--before",
        "2020-01-01",
        "--out",
        s(&folder),
        "--key",
        s(&ck),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let segment = std::fs::read_dir(&folder).unwrap().next().unwrap().unwrap().path();
    let file = segment.file_name().unwrap().to_str().unwrap().to_owned();

    // Subject access still finds all three, and says which segment it read.
    let found = subject("json");
    assert_eq!(found.status.code(), Some(0), "{}", String::from_utf8_lossy(&found.stderr));
    let found = json(&found);
    assert_eq!(found["records"].as_array().unwrap().len(), 3, "{found}");
    assert_eq!(found["records"][2]["emergency"]["decision"], "justified");
    assert_eq!(found["archive"]["complete"], true);
    assert_eq!(found["archive"]["read"][0]["file"], file.as_str());
    assert!(stdout(&subject("human")).contains(&format!("read archived segment `{file}`")));
    // The report keeps its emergency counts and its reviews.
    let after = json(&report());
    assert_eq!(after["emergencies"], before["emergencies"], "{after}");
    assert_eq!((after["total"].as_u64(), after["transfers"].as_u64()), (Some(4), Some(3)));
    assert_eq!(after["archive"]["read"][0]["file"], file.as_str());
    // The queue still lists the reviewed emergency, and `all` reads as English.
    let list =
        isagate(&["emergency", "list", "--store", &url, "--archive", s(&folder), "--state", "all"]);
    let text = stdout(&list);
    assert!(text.contains(&e.id.to_string()) && text.contains("review: justified"), "{text}");
    assert!(!text.contains("no all"));

    // A missing segment: every answer says so, with the dates it covers.
    std::fs::remove_file(&segment).unwrap();
    let partial = subject("json");
    assert_eq!(partial.status.code(), Some(1), "an incomplete answer is a finding");
    let partial = json(&partial);
    assert_eq!(partial["archive"]["complete"], false);
    let missing = &partial["archive"]["missing"][0];
    assert_eq!((missing["from_seq"].as_u64(), missing["to_seq"].as_u64()), (Some(1), Some(4)));
    assert!(missing["first_time"].as_str().unwrap().starts_with("2019-05-01T12:00:00"));
    assert!(missing["last_time"].as_str().unwrap().starts_with("2019-05-01T12:00:00"));
    assert_eq!(missing["file"], file.as_str());
    let human = stdout(&subject("human"));
    assert!(human.starts_with("0 records about this nhs-number subject (INCOMPLETE"), "{human}");
    assert!(
        human.contains("INCOMPLETE: the archived segment of seq 1 to 4 (records from 2019-05-01")
    );
    let rep = report();
    assert_eq!(rep.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&rep.stderr).contains("INCOMPLETE"));
    let list =
        isagate(&["emergency", "list", "--store", &url, "--archive", s(&folder), "--state", "all"]);
    assert!(stdout(&list).contains("INCOMPLETE"), "{}", stdout(&list));
}

/// A request record and, when forwarded, its response record.
async fn transfer(store: &Store, to: &str, answered: Option<Outcome>) {
    let mut req = disclosure(1, &[]);
    req.to = Some(to.into());
    let req = store.append(req).await.unwrap();
    if let Some(outcome) = answered {
        let mut resp = disclosure(1, &[]);
        resp.direction = Some(Direction::Response);
        resp.in_reply_to = Some(req.id);
        resp.outcome = outcome;
        resp.from = Some(to.into());
        resp.to = Some("lcc-ssc".into());
        store.append(resp).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_counts_transfers_by_recipient_name_with_chain_status_and_time() {
    let dir = scratch();
    let url = sqlite_url(dir.path());
    // 23:30 on 31 March in London (BST): inside a period that ends on 2026-03-31.
    let (store, clock) = store_with_clock(&url, "2026-03-10T10:00:00Z").await;
    transfer(&store, "merseyside-police", Some(Outcome::Delivered)).await;
    transfer(&store, "merseyside-police", Some(Outcome::UpstreamError)).await;
    clock.set("2026-03-31T22:30:00Z".parse().unwrap());
    transfer(&store, "nhs-trust", Some(Outcome::Withheld)).await;
    store.append(refusal(RefusalCode::NoAgreement)).await.unwrap();
    clock.set("2026-03-31T23:30:00Z".parse().unwrap());
    transfer(&store, "nhs-trust", None).await; // 1 April in London: outside
    drop(store);
    let config = dir.path().join("isagate.toml");
    std::fs::write(
        &config,
        format!(
            "[store]\nurl = \"{url}\"\n\n[[agencies]]\nid = \"merseyside-police\"\nname = \"Merseyside Police\"\njurisdiction = \"GB\"\n\n\
             [[agencies]]\nid = \"nhs-trust\"\nname = \"Liverpool University Hospitals\"\njurisdiction = \"GB\"\n"
        ),
    )
    .unwrap();
    let run = |format: &str| {
        isagate(&[
            "--config",
            s(&config),
            "audit",
            "report",
            "--since",
            "2026-03-01",
            "--until",
            "2026-03-31",
            "--format",
            format,
        ])
    };
    let started = jiff::Timestamp::now();
    let out = run("json");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let r = json(&out);
    // Transfers, not records: 3 answered requests and a refusal in 7 records.
    assert_eq!((r["transfers"].as_u64(), r["total"].as_u64()), (Some(4), Some(7)), "{r}");
    assert_eq!(
        r["by_outcome"],
        serde_json::json!({"delivered": 1, "upstream-error": 1, "withheld": 1, "refused": 1})
    );
    assert_eq!(
        r["by_recipient"],
        serde_json::json!({"Merseyside Police": 3, "Liverpool University Hospitals": 1})
    );
    // The chain's status and when the report was made.
    assert_eq!(r["chain"]["ok"], true);
    assert_eq!(r["chain"]["records"], 8);
    let made: jiff::Timestamp = r["generated_at"].as_str().unwrap().parse().unwrap();
    assert!(made >= started.checked_sub(jiff::SignedDuration::from_secs(1)).unwrap());
    // The inclusive end date, as given.
    assert_eq!(
        (r["since"].as_str(), r["until"].as_str()),
        (Some("2026-03-01"), Some("2026-03-31"))
    );
    assert_eq!(r["until_inclusive"], true);
    let human = stdout(&run("human"));
    assert!(human.contains("2026-03-01 to 2026-03-31 (inclusive)"), "{human}");
    assert!(!human.contains("2026-04-01") && !human.contains("2026-03-31T23:00"), "{human}");
    assert!(human.contains("4 transfers (7 records)") && human.contains("Merseyside Police"));
    assert!(human.contains("chain verified: 8 live records"), "{human}");
    let csv = stdout(&run("csv"));
    assert!(csv.contains("recipient,Liverpool University Hospitals,1\n"), "{csv}");
    assert!(stdout(&run("html")).contains("Generated "));
    // A broken chain shows in the report.
    raw_sql(
        &url,
        r#"UPDATE records SET body = replace(body, '"purpose":"safeguarding"', '"purpose":"marketing"') WHERE seq = 2"#,
    )
    .await;
    let r = json(&run("json"));
    assert_eq!(
        (r["chain"]["ok"].as_bool(), r["chain"]["first_bad_seq"].as_u64()),
        (Some(false), Some(2))
    );
    assert!(stdout(&run("human")).contains("chain BROKEN at seq 2"));
}
