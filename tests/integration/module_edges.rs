//! The layout rules of issue "One policy core": library modules never reach into the
//! command line (`crate::cli` is used only by `src/cli` and `src/main.rs`), and no source
//! file grows past 800 lines.

use std::path::{Path, PathBuf};

use crate::support::repo;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn sources() -> Vec<(String, String)> {
    let mut files = Vec::new();
    rust_files(&repo().join("src"), &mut files);
    assert!(files.len() > 100, "the source tree was read: {} files", files.len());
    files
        .into_iter()
        .map(|p| {
            let name = p.strip_prefix(repo()).unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

#[test]
fn no_library_module_uses_the_command_line() {
    let offenders: Vec<String> = sources()
        .into_iter()
        .filter(|(name, _)| !name.starts_with("src/cli") && name != "src/main.rs")
        .filter(|(_, text)| text.contains("crate::cli"))
        .map(|(name, _)| name)
        .collect();
    assert!(offenders.is_empty(), "library modules that use `crate::cli`: {offenders:?}");
}

#[test]
fn no_source_file_is_longer_than_800_lines() {
    let long: Vec<(String, usize)> = sources()
        .into_iter()
        .map(|(name, text)| (name, text.lines().count()))
        .filter(|(_, lines)| *lines > 800)
        .collect();
    assert!(long.is_empty(), "source files over 800 lines: {long:?}");
}
