//! The record's form of a minimisation (contract section 5): schema text only. An
//! undeclared key is counted at its nearest declared parent, a key the schema does not
//! name and every array position are `*`, violations name schema paths; and the
//! record's lists do not grow with the payload.

use isagate::codes::StripReason::{self, *};
use isagate::minimise::MinimiseError;
use serde_json::json;

use super::{recorded, run, stripped, try_run};

const NAME: &str = "Jordan Whitfield NHS 9434765919";

fn schema() -> serde_json::Value {
    json!({
        "properties": {
            "person": {"properties": {"name": {"type": "string"}}},
            "refs": {"patternProperties": {"_ref$": {"type": "string"}}},
            "extra": {"additionalProperties": {"type": "integer"}},
            "blob": {"type": "object"},
            "people": {"type": "array", "items": {"properties": {
                "age": {"type": "integer"},
                "health": {"x-isagate-category": "health"}
            }}}
        }
    })
}

#[test]
fn undeclared_keys_are_counted_at_their_parent_and_unnamed_keys_are_stars() {
    let payload = json!({
        "person": {"name": "A", NAME: 1, "b": 2, "c": {"d": 1}},
        NAME: "x",
        "refs": {format!("{NAME}_ref"): "R1", "mosaic_ref": "R2"},
        "extra": {NAME: 3},
        "blob": {NAME: 4, "nested": {NAME: 5}},
        "people": [{"age": 1, "health": "h", NAME: 1}, {"age": 2, "health": "h"}]
    });
    let m = run(&schema(), &payload);
    assert_eq!(
        m.report.disclosed,
        ["/blob/*", "/extra/*", "/people/*/age", "/person/name", "/refs/*"]
    );
    let want: Vec<(&str, StripReason, u64)> = vec![
        ("", Undeclared, 1),
        ("/blob", Undeclared, 1),
        ("/people/*", Undeclared, 1),
        ("/people/*/health", SpecialCategory, 2),
        ("/person", Undeclared, 3),
    ];
    assert_eq!(recorded(&m), want);
    let report = serde_json::to_string(&m.report).unwrap();
    assert!(!report.contains("Jordan") && !report.contains("mosaic"), "{report}");
    // The dry run's view keeps the payload's own places.
    assert!(stripped(&m).iter().any(|(p, _)| p.contains("Jordan")));
}

#[test]
fn violations_name_schema_paths_not_the_callers_keys() {
    let payload = json!({"refs": {format!("{NAME}_ref"): 5}, "people": [{"age": "x"}]});
    let Err(e @ MinimiseError::SchemaViolation(_)) = try_run(&schema(), &payload) else {
        panic!("the payload fails its schema")
    };
    let text = format!("{e:?} {:?}", e.reasons());
    assert!(!text.contains("Jordan"), "{text}");
    assert!(text.contains("/refs/*") && text.contains("/people/*/age"), "{text}");
}

#[test]
fn a_huge_payload_makes_a_small_record() {
    let mut person = serde_json::Map::new();
    person.insert("name".into(), json!("A"));
    for i in 0..60_000 {
        person.insert(format!("{NAME} {i:05}"), json!(1));
    }
    let payload = json!({"person": person, "people": (0..2_000).map(|i| json!({"age": i, "x": 1})).collect::<Vec<_>>()});
    assert!(payload.to_string().len() > 600_000);
    let m = run(&schema(), &payload);
    let report = serde_json::to_string(&m.report).unwrap();
    assert!(report.len() < 400, "{} bytes: {report}", report.len());
    assert_eq!(recorded(&m), [("/people/*", Undeclared, 2_000), ("/person", Undeclared, 60_000)]);
}
