//! Every config key named in `docs/configuration.md`, `docs/*.md`, `README.md` and
//! `isagate.example.toml` exists in the config schema, and every key of the schema is
//! documented in `docs/configuration.md`. The schema is read from the loader itself: an
//! unknown key's error lists the keys its table expects.

use std::collections::BTreeSet;

use regex::Regex;

use super::schema_check;
use crate::support::repo;

const PROBE: &str = "zz_probe_key";

/// The keys a table of the schema takes, from the loader's "unknown field" error for
/// `header` followed by a probe key; `None` when `header` is not a table.
fn fields(header: &str) -> Option<Vec<String>> {
    let Err(message) = schema_check(&format!("{header}\n{PROBE} = 1\n")) else {
        panic!("the loader accepted the probe key under `{header}`")
    };
    let (_, expected) = message.split_once("expected")?;
    let expected = expected.split("did you mean").next().unwrap_or(expected);
    let names: Vec<String> = expected.split('`').skip(1).step_by(2).map(str::to_owned).collect();
    (message.contains("unknown field") && !names.is_empty()).then_some(names)
}

/// `(tables, keys)`: the top-level tables and every `table.key` of the schema.
fn schema() -> (BTreeSet<String>, BTreeSet<String>) {
    let tables: BTreeSet<String> =
        fields("").expect("the top level lists its tables").into_iter().collect();
    let mut keys = BTreeSet::new();
    for table in &tables {
        let header =
            if table == "agencies" { "[[agencies]]".to_owned() } else { format!("[{table}]") };
        for key in fields(&header).unwrap_or_else(|| panic!("`{table}` is not a table")) {
            keys.insert(format!("{table}.{key}"));
        }
    }
    (tables, keys)
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(repo().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Every Markdown file that may name config keys: `README.md` and `docs/*.md`.
fn markdown() -> Vec<(String, String)> {
    let mut files = vec![("README.md".to_owned(), read("README.md"))];
    let mut names: Vec<String> = std::fs::read_dir(repo().join("docs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".md"))
        .collect();
    names.sort();
    for name in names {
        let rel = format!("docs/{name}");
        let text = read(&rel);
        files.push((rel, text));
    }
    files
}

/// The config keys a Markdown text names: `` `table.key` `` (for a table of the schema,
/// or, with `key_tables`, any table when it opens a row under a table's heading), `` `[table] key` `` and
/// `` `[table] key = ...` ``, and the tables `` `[table]`` / `` `[[table]]` `` it names.
fn named(
    text: &str,
    tables: &BTreeSet<String>,
    key_tables: bool,
) -> (BTreeSet<String>, BTreeSet<String>) {
    let dotted = Regex::new(r"`([a-z_]+)\.([a-z_]+)`").unwrap();
    let row = Regex::new(r"(?m)^\| `([a-z_]+)\.([a-z_]+)` \|").unwrap();
    let bracketed = Regex::new(r"`\[\[?([a-z_]+)\]\]? ([a-z_]+)( = [^`]*)?`").unwrap();
    let table = Regex::new(r"`\[\[?([a-z_]+)\]\]?`").unwrap();
    let mut keys = BTreeSet::new();
    for c in dotted.captures_iter(text) {
        if tables.contains(&c[1]) {
            keys.insert(format!("{}.{}", &c[1], &c[2]));
        }
    }
    if key_tables {
        // Only under a table's own heading (`## `[tls]``): other tables list files.
        for section in text.split("\n## ").filter(|s| s.starts_with("`[")) {
            for c in row.captures_iter(section) {
                keys.insert(format!("{}.{}", &c[1], &c[2]));
            }
        }
    }
    for c in bracketed.captures_iter(text) {
        keys.insert(format!("{}.{}", &c[1], &c[2]));
    }
    let named_tables = table.captures_iter(text).map(|c| c[1].to_owned()).collect();
    (keys, named_tables)
}

/// The `toml` code blocks of a Markdown text.
fn toml_blocks(text: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        match (&mut current, line.trim_start()) {
            (None, l) if l.starts_with("```toml") => current = Some(String::new()),
            (Some(_), l) if l.starts_with("```") => blocks.extend(current.take()),
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            _ => {}
        }
    }
    blocks
}

#[test]
fn every_key_the_docs_name_exists() {
    let (tables, keys) = schema();
    assert!(keys.len() > 40 && tables.contains("alerts"), "{keys:?}");
    let mut wrong = Vec::new();
    for (file, text) in markdown() {
        if file == "docs/agreements.md" {
            // Agreement and emergency policy files (YAML): its `limits.per_agency` is a
            // key of `emergency-policy.yaml`, not of the config.
            continue;
        }
        // The configuration page's table rows name keys only: every `x.y` there is one.
        let config_page = file == "docs/configuration.md";
        let (named_keys, named_tables) = named(&text, &tables, config_page);
        for key in named_keys.difference(&keys) {
            wrong.push(format!("{file}: `{key}` is not a config key"));
        }
        if config_page {
            for t in named_tables.difference(&tables) {
                wrong.push(format!("{file}: `[{t}]` is not a config table"));
            }
        }
        for (i, block) in toml_blocks(&text).iter().enumerate() {
            if let Err(e) = schema_check(block) {
                wrong.push(format!("{file}: toml block {}: {e}", i + 1));
            }
        }
    }
    assert!(wrong.is_empty(), "the docs name config that does not exist:\n{}", wrong.join("\n"));
}

/// The example file, with its commented-out keys (`# key = value`) put back, fits the
/// schema: nothing it writes or suggests is unknown.
#[test]
fn every_key_the_example_writes_or_suggests_exists() {
    let example = read("isagate.example.toml");
    let uncommented: String = example
        .lines()
        .map(|l| {
            let rest = l.strip_prefix("# ").unwrap_or(l);
            let key_line = Regex::new(r"^[a-z_]+ = ").unwrap();
            if key_line.is_match(rest) {
                rest
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert!(uncommented.lines().count() > 100);
    schema_check(&uncommented).unwrap_or_else(|e| panic!("isagate.example.toml: {e}"));
}

/// The reverse: every key and table of the schema is documented on the configuration page,
/// under its own heading.
#[test]
fn every_schema_key_is_documented() {
    let (tables, keys) = schema();
    let docs = read("docs/configuration.md");
    let mut missing = Vec::new();
    for key in &keys {
        if !docs.contains(&format!("`{key}`")) {
            missing.push(format!("`{key}`"));
        }
    }
    for t in &tables {
        if !docs.contains(&format!("## `[{t}]`")) && !docs.contains(&format!("## `[[{t}]]`")) {
            missing.push(format!("the heading `[{t}]`"));
        }
    }
    assert!(missing.is_empty(), "not in docs/configuration.md:\n{}", missing.join("\n"));
}

/// The probe itself tells a key from a non-key: a made-up key is refused where a real one
/// is accepted, so the tests above can fail.
#[test]
fn the_schema_probe_tells_keys_apart() {
    assert!(schema_check("[alerts]\nreview_overdue = \"1h\"\n").is_ok());
    assert!(schema_check("[webhook]\nurl = \"https://x\"\n").is_err());
    assert!(schema_check("[alerts]\noverdue_after = \"1h\"\n").is_err());
    let (_, keys) = schema();
    assert!(keys.contains("alerts.review_overdue") && !keys.contains("alerts.overdue_after"));
    let text = "see `[webhook] url` and `alerts.overdue_after`";
    let (tables, _) = schema();
    let (named_keys, _) = named(text, &tables, false);
    assert!(named_keys.contains("webhook.url") && named_keys.contains("alerts.overdue_after"));
}
