//! Fuzz target for agreement and schema loading, what `isagate agreements check` runs:
//! YAML and JSON read with positions, every lint rule, the human and JSON renderings.
//!
//! Input: an agreement file, then optionally a line `#~schema` and a schema file (saved as
//! `fuzz.v1.json` beside the repository's schemas), then optionally a line `#~policy` and
//! an emergency policy. Properties: nothing panics; every finding that names a line names
//! one inside its file; a set that lints clean compiles into the gateway's policy.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use isagate::agreements::lint::RenderOptions;
use isagate::agreements::load::{load_with_findings, POLICY_FILE};
use isagate::policy::Policy;
use libfuzzer_sys::fuzz_target;

mod repo_schemas;
use repo_schemas::SCHEMAS;

/// A folder of this process's own: `agreements/` and `schemas/`.
fn dirs() -> &'static (PathBuf, PathBuf) {
    static DIRS: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    DIRS.get_or_init(|| {
        let root =
            std::env::temp_dir().join(format!("isagate-fuzz-agreements-{}", std::process::id()));
        let (a, s) = (root.join("agreements"), root.join("schemas"));
        for d in [&a, &s] {
            if let Err(e) = std::fs::create_dir_all(d) {
                panic!("cannot make {}: {e}", d.display());
            }
        }
        for (name, text) in SCHEMAS {
            if let Err(e) = std::fs::write(s.join(name), text) {
                panic!("cannot write a schema: {e}");
            }
        }
        (a, s)
    })
}

fn write(path: &std::path::Path, text: Option<&str>) {
    let result = match text {
        Some(t) => std::fs::write(path, t),
        None => match std::fs::remove_file(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            other => other,
        },
    };
    if let Err(e) = result {
        panic!("cannot write {}: {e}", path.display());
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (rest, policy) = match text.split_once("\n#~policy\n") {
        Some((r, p)) => (r, Some(p)),
        None => (text, None),
    };
    let (agreement, schema) = match rest.split_once("\n#~schema\n") {
        Some((a, s)) => (a, Some(s)),
        None => (rest, None),
    };
    let (adir, sdir) = dirs();
    write(&adir.join("fuzz.yaml"), Some(agreement));
    write(&adir.join(POLICY_FILE), policy);
    write(&sdir.join("fuzz.v1.json"), schema);

    let today = jiff::civil::date(2026, 12, 7);
    let (set, report) = match load_with_findings(adir, sdir, None, today) {
        Ok(r) => r,
        Err(e) => panic!("the folder itself failed: {e}"),
    };
    for f in &report.findings {
        if f.line == 0 {
            continue;
        }
        let Some(source) = report.sources.get(&f.file) else { continue };
        let lines = source.split('\n').count();
        assert!(
            (f.line as usize) <= lines,
            "{}: line {} of a {lines}-line file ({})",
            f.code,
            f.line,
            f.file
        );
        assert!(f.column >= 1, "{}: column 0 on line {}", f.code, f.line);
    }
    let _ = report.to_json();
    let _ = report.render_human(&RenderOptions { colour: false, width: 80 });
    if let Some(set) = set {
        assert!(!report.has_errors(), "a set was assembled despite errors");
        if let Err(e) = Policy::build(set) {
            panic!("a set that lints clean does not compile: {e}");
        }
    }
});
