//! `isagate agreements diff` (issue 13 part 2): golden outputs on the sample agreements
//! with one change of each kind, and the impact replayed on a real SQLite store.

mod golden;
mod impact;

use std::path::Path;
use std::process::Output;

use serde_json::{json, Value};

use super::support::{isagate_bin, repo};

/// Copy the sample agreements and schemas to `dir/agreements` and `dir/schemas`.
fn copy_samples(dir: &Path) {
    for sub in ["agreements", "schemas"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
        for entry in std::fs::read_dir(repo().join(sub)).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), dir.join(sub).join(entry.file_name())).unwrap();
        }
    }
}

fn edit_text(file: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(file).unwrap();
    assert!(text.contains(from), "`{from}` not in {}", file.display());
    std::fs::write(file, text.replacen(from, to, 1)).unwrap();
}

fn edit_json(file: &Path, pointer: &str, f: impl FnOnce(&mut Value)) {
    let mut v: Value = serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
    f(v.pointer_mut(pointer).unwrap_or_else(|| panic!("no `{pointer}` in {}", file.display())));
    std::fs::write(file, serde_json::to_string_pretty(&v).unwrap()).unwrap();
}

/// The sample set before (`old/`) and after (`new/`) a change that holds one widening of
/// each kind, and a few narrowings and reviews.
fn sample_change(dir: &Path) {
    let (old, new) = (dir.join("old"), dir.join("new"));
    copy_samples(&old);
    copy_samples(&new);
    // Before: the research agreement named no Article 9 condition.
    edit_text(
        &old.join("agreements/isa-lcc-uol-0002.yaml"),
        "  article_9: [\"9(2)(j)\", \"DPA2018-Sch1-P1-4\"]\n",
        "",
    );
    let merpol = new.join("agreements/isa-lcc-merpol-0007.yaml");
    for (from, to) in [
        ("parties: [lcc-ssc, merseyside-police]", "parties: [lcc-ssc, merseyside-police, nhs-trust]"),
        ("expires: 2028-01-01", "expires: 2029-01-01"),
        ("review_by: 2027-07-01", "review_by: 2027-03-01"),
        ("retention: 6 years after the case closes, then archive", "retention: 7 years after the case closes"),
        ("\"Children Act 2004 s11\"]", "\"Children Act 2004 s11\", \"Children Act 1989 s47\"]"),
        ("purposes:\n  - id: safeguarding\n", "purposes:\n  - id: domestic-abuse\n    description: Protect a victim of domestic abuse\n  - id: safeguarding\n"),
        ("    purposes: [safeguarding, crime-prevention]\n    request_schema", "    purposes: [safeguarding, crime-prevention, domestic-abuse]\n    request_schema"),
        ("path: /v1/referrals/{reference}", "path: /v1/referrals/*"),
        ("query: [include]", "query: [include, page]"),
        ("serious-harm-to-others]", "serious-harm-to-others, serious-crime]"),
    ] {
        edit_text(&merpol, from, to);
    }
    edit_text(
        &merpol,
        "emergency:\n",
        "  - id: referral-copy\n    from: lcc-ssc\n    to: nhs-trust\n    method: POST\n    path: /v1/police-referrals\n    purposes: [safeguarding]\n    request_schema: referral.v1.json\n\
         international_transfer: {safeguard: idta, reference: IDTA-2026-001}\nemergency:\n",
    );
    edit_json(&new.join("schemas/referral.v1.json"), "/properties/referrer/properties", |p| {
        p["email"] = json!({"type": "string"});
        p.as_object_mut().unwrap().remove("phone");
    });
    edit_json(&new.join("schemas/research-extract.v1.json"), "/$defs/case/properties", |p| {
        p["postcode"]["x-isagate-transform"] = json!("postcode-sector");
        p["keyworker_notes"].as_object_mut().unwrap().remove("x-isagate-transform");
    });
    edit_text(
        &new.join("agreements/isa-lcc-tusla-0001.yaml"),
        "status: active",
        "status: suspended",
    );
    edit_text(
        &new.join("agreements/emergency-policy.yaml"),
        "limits:",
        "  - id: fire-to-health\n    from: [merseyside-fire]\n    to: [nhs-trust]\n    categories: [risk-to-life]\n    \
         request_schema: emergency.generic.v1.json\n    lawful_basis:\n      article_6: [\"6(1)(d)\"]\nlimits:",
    );
}

/// Run `isagate` in `dir` (where there is no `isagate.toml`).
fn isagate(dir: &Path, args: &[&str]) -> Output {
    std::process::Command::new(isagate_bin()).current_dir(dir).args(args).output().unwrap()
}
