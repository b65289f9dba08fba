//! `docs/pipeline.md` cannot drift from the code: every function its tables name exists
//! in the file they name, and every `fn` the chart mentions is in a table.

use std::collections::BTreeSet;

use crate::support;

/// (function, file) for every table row that names both.
fn rows(doc: &str) -> Vec<(String, String)> {
    let row = regex::Regex::new(r"^\|.*`fn (\w+)`.*`(src/[\w/]+\.rs)`").unwrap();
    doc.lines()
        .filter_map(|l| row.captures(l))
        .map(|c| (c[1].to_owned(), c[2].to_owned()))
        .collect()
}

#[test]
fn every_function_the_pipeline_chart_names_exists_where_it_says() {
    let doc = std::fs::read_to_string(support::repo().join("docs/pipeline.md")).unwrap();
    let rows = rows(&doc);
    assert!(rows.len() >= 20, "the tables name the stages: {rows:?}");
    for (name, file) in &rows {
        let text = std::fs::read_to_string(support::repo().join(file)).unwrap_or_else(|e| {
            panic!("docs/pipeline.md names `{file}`, which cannot be read: {e}")
        });
        let defined = regex::Regex::new(&format!(r"\bfn {name}\b")).unwrap();
        assert!(
            defined.is_match(&text),
            "docs/pipeline.md says `fn {name}` is in `{file}`; it is not"
        );
    }
    let listed: BTreeSet<&str> = rows.iter().map(|(n, _)| n.as_str()).collect();
    let mentioned = regex::Regex::new(r"\bfn (\w+)").unwrap();
    for c in mentioned.captures_iter(&doc) {
        assert!(
            listed.contains(&c[1]),
            "`fn {}` is mentioned but not in a table with its file",
            &c[1]
        );
    }
    for stage in [
        "identify",
        "route",
        "framing",
        "authorise",
        "rate_limit",
        "minimise",
        "restriction_check",
        "record",
        "forward",
        "respond",
        "exit",
    ] {
        assert!(listed.contains(stage), "the chart names the function of stage `{stage}`");
    }
}

#[test]
fn a_function_that_does_not_exist_is_caught() {
    let doc = "| [1] identify | `fn no_such_stage` | `src/gateway/transfer.rs` |";
    let rows = rows(doc);
    assert_eq!(rows, [("no_such_stage".to_owned(), "src/gateway/transfer.rs".to_owned())]);
    let text = std::fs::read_to_string(support::repo().join(&rows[0].1)).unwrap();
    assert!(!regex::Regex::new(r"\bfn no_such_stage\b").unwrap().is_match(&text));
}
