//! A set that does not lint clean, as the operator meets it (issue 12 item 10): `serve`
//! says so once, names the file and the first findings, and the command to run with
//! `--config`; a `SIGHUP` that finds a broken set logs the files and the first findings,
//! and the set in force stays.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use super::harness::{config_text, prepare, Options};
use super::process::{free_port, http_get};
use crate::support;

/// `isagate serve` on `config`, with the agreements in `agreements`.
fn serve(config: &Path, agreements: &Path, log: &Path) -> std::process::Child {
    Command::new(support::isagate_bin())
        .arg("--config")
        .arg(config)
        .arg("--agreements")
        .arg(agreements)
        .arg("--schemas")
        .arg(support::repo().join("schemas"))
        .arg("serve")
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .unwrap()
}

fn copy_samples(to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(support::repo().join("agreements")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

/// Send `SIGHUP` and wait (bounded) for the log line of the refused reload.
async fn refused_sighup(child: &std::process::Child, log: &Path) -> String {
    let pid = child.id().to_string();
    assert!(Command::new("kill").args(["-HUP", &pid]).status().unwrap().success());
    let read = || std::fs::read_to_string(log).unwrap_or_default();
    support::wait_until("the refused SIGHUP is logged", Duration::from_secs(30), || {
        std::future::ready(read().contains("not reloaded on SIGHUP"))
    })
    .await;
    read().lines().find(|l| l.contains("not reloaded on SIGHUP")).unwrap().to_owned()
}

const BAD_PARTY: (&str, &str) =
    ("parties: [lcc-ssc, merseyside-police]", "parties: [lcc-ssc, merseyside-polise]");

#[tokio::test]
async fn a_broken_set_is_named_at_start_up_and_on_sighup() {
    let (dir, _certs, _ca, mocks) = prepare(&Options::default()).await;
    let ports = (free_port(), free_port(), free_port());
    let config = dir.path().join("isagate.toml");
    let text = config_text(&Options { ports: Some(ports), ..Options::default() }, &mocks);
    std::fs::write(&config, text).unwrap();
    let agreements = dir.path().join("agreements");
    copy_samples(&agreements);
    let file = agreements.join("isa-lcc-merpol-0007.yaml");
    let good = std::fs::read_to_string(&file).unwrap();
    assert!(good.contains(BAD_PARTY.0), "the sample agreement changed");
    std::fs::write(&file, good.replacen(BAD_PARTY.0, BAD_PARTY.1, 1)).unwrap();

    // Start-up with the broken set: exit 2, one sentence, the file, the finding, `--config`.
    let log = dir.path().join("start.log");
    let mut child = serve(&config, &agreements, &log);
    let mut status = None;
    support::wait_until("serve refuses the broken set", Duration::from_secs(30), || {
        status = child.try_wait().unwrap();
        std::future::ready(status.is_some())
    })
    .await;
    assert_eq!(status.and_then(|s| s.code()), Some(2));
    let said = std::fs::read_to_string(&log).unwrap();
    assert_eq!(said.matches("do not lint clean").count(), 1, "{said}");
    assert!(said.contains("isa-lcc-merpol-0007.yaml") && said.contains("unknown-party"), "{said}");
    assert!(said.contains(&format!("--config {}", config.display())), "{said}");
    assert!(!said.contains("to see why"), "{said}");

    // A clean start, then a broken set on SIGHUP: logged with the file and the finding.
    std::fs::write(&file, &good).unwrap();
    let log = dir.path().join("serve.log");
    let mut child = serve(&config, &agreements, &log);
    support::wait_until("serve is ready", Duration::from_secs(30), || async {
        http_get(ports.2, "/readyz").await.is_some_and(|t| t.contains(" 200 "))
    })
    .await;
    std::fs::write(&file, good.replacen(BAD_PARTY.0, BAD_PARTY.1, 1)).unwrap();
    let line = refused_sighup(&child, &log).await;
    assert!(line.contains("files") && line.contains("isa-lcc-merpol-0007.yaml"), "{line}");
    assert!(line.contains("unknown-party"), "{line}");
    // The set in force stays: still ready.
    assert!(http_get(ports.2, "/readyz").await.is_some_and(|t| t.contains(" 200 ")));
    let _ = child.kill();
    let _ = child.wait();
}

#[tokio::test]
async fn four_eyes_refuses_an_unapproved_change_on_sighup() {
    let (dir, _certs, _ca, mocks) = prepare(&Options::default()).await;
    let ports = (free_port(), free_port(), free_port());
    let config = dir.path().join("isagate.toml");
    let text = config_text(&Options { ports: Some(ports), ..Options::default() }, &mocks);
    std::fs::write(&config, format!("{text}\n[governance]\nfour_eyes = true\n")).unwrap();
    let agreements = dir.path().join("agreements");
    copy_samples(&agreements);
    // The first start with four-eyes records the disk as the baseline.
    let log = dir.path().join("serve.log");
    let mut child = serve(&config, &agreements, &log);
    support::wait_until("serve is ready", Duration::from_secs(30), || async {
        http_get(ports.2, "/readyz").await.is_some_and(|t| t.contains(" 200 "))
    })
    .await;
    // A clean, versioned change nobody approved: SIGHUP refuses it and says which file.
    let file = agreements.join("isa-lcc-merpol-0007.yaml");
    let good = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, good.replacen("version: 3", "version: 4", 1)).unwrap();
    let line = refused_sighup(&child, &log).await;
    assert!(
        line.contains("unapproved-change") && line.contains("isa-lcc-merpol-0007.yaml"),
        "{line}"
    );
    assert!(line.contains("no approved proposal"), "{line}");
    let _ = child.kill();
    let _ = child.wait();
}
