//! `agreements check --against DIR`: a changed agreement (its file, or any schema it
//! names) whose `version` did not increase is an error at its `version:` line; raising
//! the version clears it (issue 13 part 3).

use std::path::Path;
use std::process::{Command, Output};

use crate::support::{isagate_bin, repo, scratch};

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

fn check_against(new: &Path, old: &Path) -> Output {
    Command::new(isagate_bin())
        .arg("--config")
        .arg(repo().join("examples/agencies.toml"))
        .arg("--schemas")
        .arg(new.join("schemas"))
        .args(["agreements", "check", "--format", "json"])
        .arg(new.join("agreements"))
        .arg("--against")
        .arg(old.join("agreements"))
        .output()
        .unwrap()
}

fn codes(o: &Output) -> Vec<(String, String, u64)> {
    let j: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stderr)));
    j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "version-not-increased")
        .map(|f| {
            let file = f["file"].as_str().unwrap().rsplit('/').next().unwrap().to_owned();
            (file, f["message"].as_str().unwrap().to_owned(), f["line"].as_u64().unwrap())
        })
        .collect()
}

#[test]
fn a_changed_agreement_or_schema_needs_a_new_version() {
    let dir = scratch();
    let (old, new) = (dir.path().join("old"), dir.path().join("new"));
    for root in [&old, &new] {
        copy_dir(&repo().join("agreements"), &root.join("agreements"));
        copy_dir(&repo().join("schemas"), &root.join("schemas"));
    }
    // Unchanged: clean.
    let o = check_against(&new, &old);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stdout));

    // A schema changes under the agreement that names it, version unchanged.
    let schema = new.join("schemas/referral-status.v1.json");
    let text = std::fs::read_to_string(&schema).unwrap();
    std::fs::write(&schema, format!("{text}\n")).unwrap();
    let o = check_against(&new, &old);
    assert_eq!(o.status.code(), Some(1));
    let found = codes(&o);
    assert_eq!(found.len(), 1, "{found:?}");
    let (file, message, line) = &found[0];
    assert_eq!(file, "isa-lcc-merpol-0007.yaml");
    assert!(message.contains("schema `referral-status.v1.json`"), "{message}");
    let agreement = new.join("agreements/isa-lcc-merpol-0007.yaml");
    let a = std::fs::read_to_string(&agreement).unwrap();
    let version_line = a.lines().position(|l| l.starts_with("version:")).unwrap() + 1;
    assert_eq!(*line as usize, version_line);

    // The version goes up: clean again.
    std::fs::write(&agreement, a.replacen("version: 3", "version: 4", 1)).unwrap();
    let o = check_against(&new, &old);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stdout));
    // Down is an error too, even with the file changed.
    std::fs::write(&agreement, a.replacen("version: 3", "version: 2", 1)).unwrap();
    let o = check_against(&new, &old);
    assert!(codes(&o)[0].1.contains("went down from 3 to 2"), "{:?}", codes(&o));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn against_live_reads_the_activation_records() {
    let dir = scratch();
    let new = dir.path().join("new");
    copy_dir(&repo().join("agreements"), &new.join("agreements"));
    copy_dir(&repo().join("schemas"), &new.join("schemas"));
    // The live set: the samples, as start-up records them.
    let url = format!("sqlite://{}", dir.path().join("audit.db").display());
    let store = isagate::audit::Store::open(&url, Default::default()).await.unwrap();
    let snap = isagate::agreements::lifecycle::Snapshot::read(
        &new.join("agreements"),
        &new.join("schemas"),
    )
    .unwrap();
    isagate::admin::activations::record(
        &store,
        &store,
        &snap,
        None,
        isagate::admin::activations::Trigger::StartUp,
        "urn:isagate:gateway:start-up",
    )
    .await
    .unwrap();
    let agencies = std::fs::read_to_string(repo().join("examples/agencies.toml")).unwrap();
    let config = dir.path().join("isagate.toml");
    std::fs::write(&config, format!("{agencies}\n[store]\nurl = \"{url}\"\n")).unwrap();
    let run = || {
        Command::new(isagate_bin())
            .arg("--config")
            .arg(&config)
            .arg("--schemas")
            .arg(new.join("schemas"))
            .args(["agreements", "check", "--format", "json"])
            .arg(new.join("agreements"))
            .args(["--against", "live"])
            .output()
            .unwrap()
    };
    let o = run();
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let schema = new.join("schemas/referral-status.v1.json");
    let text = std::fs::read_to_string(&schema).unwrap();
    std::fs::write(&schema, format!("{text}\n")).unwrap();
    let o = run();
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(codes(&o)[0].0, "isa-lcc-merpol-0007.yaml");
}
