//! Commands that read the record store never create one (issue 12, item 6): a mistyped
//! `--store` is exit 2 with what to do, not `chain ok: 0 records`; and `verify` warns when
//! the config names a checkpoint file but no signed checkpoint was checked.

use std::process::{Command, Output};

use super::common::*;
use crate::support::{isagate_bin, scratch};

fn isagate(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(isagate_bin()).current_dir(dir).args(args).output().unwrap()
}

#[test]
fn a_missing_store_is_an_error_and_is_not_created() {
    let dir = scratch();
    let typo = dir.path().join("typo.db");
    let url = format!("sqlite://{}", typo.display());
    for args in [
        vec!["audit", "verify", "--store", &url],
        vec!["audit", "report", "--store", &url, "--since", "2026-01-01", "--until", "2026-12-31"],
        vec!["audit", "export", "--store", &url],
    ] {
        let out = isagate(dir.path(), &args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("no record store at") && err.contains("--store"), "{args:?}: {err}");
        assert!(!String::from_utf8_lossy(&out.stdout).contains("chain ok"), "{args:?}");
        assert!(!typo.exists(), "{args:?} created the store");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_warns_when_no_checkpoint_was_checked_although_configured() {
    let dir = scratch();
    let url = filled_sqlite(dir.path(), 3).await;
    let config = dir.path().join("isagate.toml");
    std::fs::write(
        &config,
        format!(
            "[store]\nurl = \"{url}\"\n[checkpoints]\nkey = \"{k}\"\nfile = \"{f}\"\n",
            k = dir.path().join("cp.key").display(),
            f = dir.path().join("checkpoints.jsonl").display()
        ),
    )
    .unwrap();
    let out = isagate(dir.path(), &["--config", config.to_str().unwrap(), "audit", "verify"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("chain ok: 3 records"));
    assert!(
        err.contains("no signed checkpoint was checked") && err.contains("checkpoints.jsonl"),
        "{err}"
    );
}
