//! Golden outputs of `agreements diff` on the sample change (one widening of each kind),
//! in the three formats. `ISAGATE_UPDATE_GOLDEN=1` rewrites the files after a deliberate
//! change (review the diff of the golden files before committing them).

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use super::super::support::{repo, scratch};
use super::{isagate, sample_change};

fn golden(name: &str, actual: &str) {
    let file = repo().join("tests/integration/agreements_diff/golden").join(name);
    if std::env::var_os("ISAGATE_UPDATE_GOLDEN").is_some() {
        std::fs::write(&file, actual).unwrap();
    }
    let expected = std::fs::read_to_string(&file).unwrap_or_default();
    assert_eq!(
        actual, expected,
        "{name} differs from its golden file (ISAGATE_UPDATE_GOLDEN=1 rewrites it)"
    );
}

fn run(dir: &Path, format: &str) -> String {
    let out = isagate(dir, &["agreements", "diff", "old", "new", "--format", format]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_sample_change_in_three_formats() {
    let dir = scratch();
    sample_change(dir.path());
    golden("sample.human.txt", &run(dir.path(), "human"));
    golden("sample.md", &run(dir.path(), "markdown"));
    let json = run(dir.path(), "json");
    golden("sample.json", &json);

    // One widening of each kind, each found where it was made.
    let doc: Value = serde_json::from_str(&json).unwrap();
    let widening: BTreeSet<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["effect"] == "widens")
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    for kind in [
        "party",
        "purpose",
        "lawful-basis",
        "expires",
        "international-transfer",
        "emergency-category",
        "emergency-rule",
        "flow",
        "path",
        "query",
        "field",
        "category",
        "transform",
    ] {
        assert!(widening.contains(kind), "no `{kind}` widening in {widening:?}");
    }
    let find = |message: &str| {
        doc["findings"].as_array().unwrap().iter().find(|f| f["message"] == message).cloned()
    };
    let dropped = find("`/cases/*/keyworker_notes` no longer dropped: `drop` to `clear`").unwrap();
    assert_eq!(dropped["effect"], "widens");
    assert_eq!(dropped["flow"], "research-extract");
    let unlocked = find("ethnicity field `/cases/*/ethnicity` newly unlocked (clear)").unwrap();
    assert_eq!(
        (&unlocked["agreement"], &unlocked["direction"]),
        (&Value::from("ISA-LCC-UOL-0002"), &Value::from("request"))
    );
    assert_eq!(find("`/referrer/phone` no longer disclosed").unwrap()["effect"], "narrows");
    assert_eq!(find("retention changed").unwrap()["effect"], "review");
    assert_eq!(find("review date changed").unwrap()["effect"], "neutral");
    assert_eq!(find("status `active` became `suspended`").unwrap()["effect"], "narrows");
}

#[test]
fn fail_on_widen_gates_a_pipeline() {
    let dir = scratch();
    sample_change(dir.path());
    let widened = isagate(dir.path(), &["agreements", "diff", "old", "new", "--fail-on", "widen"]);
    assert_eq!(widened.status.code(), Some(1));
    // The reverse change only narrows what it widened, but reverses reviews too.
    let same = isagate(dir.path(), &["agreements", "diff", "old", "old", "--fail-on", "widen"]);
    assert_eq!(same.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&same.stdout),
        "agreements diff: no change to what may be disclosed\n"
    );
    // Two single files: their schemas come from `--schemas`.
    let files = isagate(
        dir.path(),
        &[
            "--schemas",
            "new/schemas",
            "agreements",
            "diff",
            "old/agreements/isa-lcc-uol-0002.yaml",
            "new/agreements/isa-lcc-uol-0002.yaml",
            "--format",
            "json",
        ],
    );
    assert_eq!(files.status.code(), Some(0), "{}", String::from_utf8_lossy(&files.stderr));
    let doc: Value = serde_json::from_slice(&files.stdout).unwrap();
    assert!(doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["agreement"] == "ISA-LCC-UOL-0002"));
    // A side that does not load is exit 2, naming the file.
    std::fs::write(dir.path().join("broken.yaml"), "id: [").unwrap();
    let broken = isagate(dir.path(), &["agreements", "diff", "old", "broken.yaml"]);
    assert_eq!(broken.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&broken.stderr).contains("broken.yaml"));
}
