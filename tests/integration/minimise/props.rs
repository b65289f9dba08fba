//! Property tests: for random payloads against a few schemas, (1) every disclosed
//! pointer and every leaf of the output is one the schema declares (checked against a
//! hand-written reference predicate per schema), (2) the record's paths (disclosed and
//! stripped) hold only text of the schema, `*` and `?`, never a key of the payload the
//! schema does not name, (3) minimising the output again with transforms off changes
//! nothing.

use isagate::minimise::{minimise, MinimiseOptions, SchemaPlan};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

use super::opts;

const KEYS: &[&str] = &["a", "b", "c", "kind", "pa", "pb", "list", "note_1", "x", "deep"];

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        (-1000i64..1000).prop_map(Value::from),
        prop_oneof![Just("a"), Just("b"), Just("zz"), Just("")].prop_map(Value::from),
    ]
}

/// A random object (every schema here is about objects at the top).
fn payload() -> impl Strategy<Value = Value> {
    prop::collection::vec((prop::sample::select(KEYS), value()), 0..7).prop_map(|kv| {
        Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect::<Map<_, _>>())
    })
}

fn value() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..7).prop_map(|kv| {
                Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect::<Map<_, _>>())
            }),
        ]
    })
}

/// A pointer split into segments, every numeric segment written as `#`.
fn segments(p: &str) -> Vec<String> {
    p.split('/')
        .skip(1)
        .map(|s| if s.parse::<usize>().is_ok() { "#".to_owned() } else { s.to_owned() })
        .collect()
}

struct Case {
    schema: Value,
    /// Does the schema declare this (index-generic) pointer, given the input payload?
    declares: fn(&[String], &Value) -> bool,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            // properties, nested properties, items, patternProperties, scalars-only.
            schema: json!({"properties": {
                "a": {},
                "b": {"type": "object", "properties": {"c": {}, "x": {"type": "object"}}},
                "list": {"type": "array", "items": {"type": "object", "properties": {"x": {}}}},
                "deep": {"type": "array"}
            }, "patternProperties": {"^note_[0-9]$": {}}}),
            declares: |s, _| {
                let s: Vec<&str> = s.iter().map(String::as_str).collect();
                matches!(
                    s.as_slice(),
                    [] | ["a"]
                        | ["a", _]
                        | ["note_1"]
                        | ["note_1", _]
                        | ["b"]
                        | ["b", "c"]
                        | ["b", "c", _]
                        | ["b", "x"]
                        | ["b", "x", _]
                        | ["list"]
                        | ["list", "#"]
                        | ["list", "#", "x"]
                        | ["list", "#", "x", _]
                        | ["deep"]
                        | ["deep", "#"]
                )
            },
        },
        Case {
            // if/then/else on the instance.
            schema: json!({
                "properties": {"kind": {}},
                "if": {"properties": {"kind": {"const": "a"}}, "required": ["kind"]},
                "then": {"properties": {"pa": {}}},
                "else": {"properties": {"pb": {}}}
            }),
            declares: |s, input| {
                let taken = input.get("kind") == Some(&json!("a"));
                let first = s.first().map(String::as_str);
                s.len() <= 2
                    && match first {
                        None => true,
                        Some("kind") => true,
                        Some("pa") => taken,
                        Some("pb") => !taken,
                        _ => false,
                    }
            },
        },
        Case {
            // anyOf with branches chosen by type, $ref, additionalProperties schema.
            schema: json!({
                "$defs": {"thing": {"type": "object", "properties": {"x": {}}}},
                "anyOf": [
                    {"properties": {"a": {"type": "object", "$ref": "#/$defs/thing"}}},
                    {"properties": {"b": {"type": "array", "items": {"$ref": "#/$defs/thing"}}}}
                ],
                "additionalProperties": {"type": ["string", "number", "boolean", "null"]}
            }),
            declares: |s, input| {
                let a_obj = input.get("a").is_none_or(Value::is_object);
                let b_arr = input.get("b").is_none_or(Value::is_array);
                let s: Vec<&str> = s.iter().map(String::as_str).collect();
                match s.as_slice() {
                    [] => true,
                    ["a"] => true,
                    ["b"] => true,
                    ["a", "x"] | ["a", "x", _] => a_obj,
                    ["b", "#"] | ["b", "#", "x"] | ["b", "#", "x", _] => b_arr,
                    [k] => !matches!(*k, "a" | "b"),
                    _ => false,
                }
            },
        },
    ]
}

fn leaves(v: &Value, path: &mut String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, c) in m {
                let len = path.len();
                path.push('/');
                path.push_str(k);
                leaves(c, path, out);
                path.truncate(len);
            }
        }
        Value::Array(a) if !a.is_empty() => {
            for (i, c) in a.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("/{i}"));
                leaves(c, path, out);
                path.truncate(len);
            }
        }
        _ => out.push(path.clone()),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, max_shrink_iters: 2000, ..ProptestConfig::default() })]

    #[test]
    fn output_is_declared_exists_and_is_a_fixed_point(input in payload()) {
        let off = MinimiseOptions { apply_transforms: false, ..opts() };
        for case in cases() {
            let plan = SchemaPlan::compile("p.json", &case.schema).unwrap();
            let Ok(m) = minimise(&plan, &input, &off) else { continue };
            let schema_text = case.schema.to_string();
            let recorded = m.report.disclosed.iter().chain(m.report.stripped.iter().map(|s| &s.path));
            for p in recorded {
                for seg in segments(p) {
                    prop_assert!(
                        seg == "*" || schema_text.contains(&format!("\"{seg}\"")),
                        "recorded path {p} holds `{seg}`, which the schema does not name"
                    );
                }
            }
            for p in &m.payload.stripped {
                prop_assert!(input.pointer(&p.path).is_some(), "stripped {} not in input", p.path);
            }
            let mut out = Vec::new();
            leaves(&m.value, &mut String::new(), &mut out);
            for p in &out {
                prop_assert!((case.declares)(&segments(p), &input), "output {p} undeclared in {}", m.value);
            }
            let again = minimise(&plan, &m.value, &off).unwrap();
            prop_assert_eq!(&again.value, &m.value);
            prop_assert!(again.report.stripped.is_empty(), "{:?}", again.report.stripped);
        }
    }
}
