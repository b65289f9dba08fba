//! `docs/agreements.md` (and, for transforms, `docs/minimisation.md`) lists exactly the transforms, data categories, formats, subject-id
//! types and emergency categories the gateway accepts, in the code's order: the tables
//! are read back and compared with the code's one list of each, so neither can drift.

use isagate::agreements::model::EMERGENCY_CATEGORIES;
use isagate::minimise::transforms::{Category, Transform};
use isagate::minimise::{formats, SUBJECT_ID_TYPES};

use crate::support::repo;

/// The first cell (a `code` name) of every table row under the heading `heading` (of
/// any level).
fn table(doc: &str, heading: &str) -> Vec<String> {
    let mut rows = Vec::new();
    let mut inside = false;
    for line in doc.lines() {
        if line.starts_with('#') {
            inside = line.trim_start_matches('#').trim() == heading;
            continue;
        }
        if !inside {
            continue;
        }
        let Some(rest) = line.strip_prefix("| `") else { continue };
        let (name, _) = rest.split_once('`').unwrap();
        rows.push(name.to_owned());
    }
    assert!(!rows.is_empty(), "no table under the heading `{heading}`");
    rows
}

fn owned(names: impl Iterator<Item = &'static str>) -> Vec<String> {
    names.map(str::to_owned).collect()
}

#[test]
fn the_docs_list_exactly_what_the_gateway_accepts() {
    let doc = std::fs::read_to_string(repo().join("docs/agreements.md")).unwrap();
    assert_eq!(table(&doc, "Transforms"), owned(Transform::names()));
    assert_eq!(table(&doc, "Data categories"), owned(Category::names()));
    assert_eq!(table(&doc, "Formats"), owned(formats::names()));
    assert_eq!(table(&doc, "Subject-id types"), owned(SUBJECT_ID_TYPES.iter().copied()));
    assert_eq!(table(&doc, "Emergency categories"), owned(EMERGENCY_CATEGORIES.iter().copied()));
    // The minimiser's own guide describes each transform in more detail: the same list.
    let guide = std::fs::read_to_string(repo().join("docs/minimisation.md")).unwrap();
    assert_eq!(table(&guide, "Transforms"), owned(Transform::names()));
}

#[test]
fn every_listed_name_is_accepted_and_a_near_miss_is_not() {
    use isagate::minimise::SchemaPlan;
    let compiles = |keyword: &str, value: &str| {
        let schema = serde_json::json!({"properties": {"a": {keyword: value}}});
        SchemaPlan::compile("s.json", &schema).is_ok()
    };
    for (keyword, names) in [
        ("x-isagate-transform", owned(Transform::names())),
        ("x-isagate-category", owned(Category::names())),
        ("x-isagate-subject-id", owned(SUBJECT_ID_TYPES.iter().copied())),
        ("format", owned(formats::names())),
    ] {
        for name in &names {
            assert!(compiles(keyword, name), "{keyword}: {name}");
            assert!(!compiles(keyword, &format!("{name}x")), "{keyword}: {name}x");
            assert!(!compiles(keyword, &name.to_uppercase()), "{keyword}: upper case {name}");
        }
    }
}
