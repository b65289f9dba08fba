//! "Declared" per contract section 3, keyword by keyword.

use isagate::codes::StripReason::*;
use serde_json::json;

use super::{run, stripped, try_run};

#[test]
fn properties_declare_and_the_rest_is_stripped() {
    let schema = json!({"type": "object", "properties": {"name": {"type": "string"}, "age": {}}});
    let m = run(&schema, &json!({"name": "Jo", "age": 7, "secret": "x", "nested": {"a": 1}}));
    assert_eq!(m.value, json!({"name": "Jo", "age": 7}));
    assert_eq!(m.report.disclosed, ["/age", "/name"]);
    assert_eq!(stripped(&m), [("/nested", Undeclared), ("/secret", Undeclared)]);
}

#[test]
fn pattern_properties_declare_matching_keys() {
    let schema = json!({"patternProperties": {"^note_[0-9]+$": {"type": "string"}}});
    let m = run(&schema, &json!({"note_1": "a", "note_22": "b", "note_x": "c"}));
    assert_eq!(m.value, json!({"note_1": "a", "note_22": "b"}));
    assert_eq!(stripped(&m), [("/note_x", Undeclared)]);
}

#[test]
fn additional_properties_schema_admits_but_true_empty_and_absent_do_not() {
    let payload = json!({"a": 1, "extra": "x"});
    let admitted = run(
        &json!({"properties": {"a": {}}, "additionalProperties": {"type": "string"}}),
        &payload,
    );
    assert_eq!(admitted.value, payload);
    for extra in [json!(true), json!({})] {
        let m = run(&json!({"properties": {"a": {}}, "additionalProperties": extra}), &payload);
        assert_eq!(m.value, json!({"a": 1}), "additionalProperties {extra}");
        assert_eq!(stripped(&m), [("/extra", Undeclared)]);
    }
    let absent = run(&json!({"properties": {"a": {}}}), &payload);
    assert_eq!(absent.value, json!({"a": 1}));
    // An object schema with only `additionalProperties: true` admits nothing at all.
    let only_true = run(&json!({"additionalProperties": true}), &payload);
    assert_eq!(only_true.value, json!({}));
}

#[test]
fn additional_properties_false_refuses_rather_than_strips() {
    let err = try_run(
        &json!({"properties": {"a": {}}, "additionalProperties": false}),
        &json!({"a": 1, "b": 2}),
    )
    .unwrap_err();
    let isagate::minimise::MinimiseError::SchemaViolation(v) = err else { panic!("{err:?}") };
    assert_eq!(v[0].keyword, "additionalProperties");
    assert_eq!(v[0].pointer, "");
}

#[test]
fn unevaluated_properties_schema_admits_what_nothing_else_evaluated() {
    let schema = json!({
        "allOf": [{"properties": {"a": {"type": "integer"}}}],
        "unevaluatedProperties": {"type": "string"}
    });
    let m = run(&schema, &json!({"a": 1, "b": "kept"}));
    assert_eq!(m.value, json!({"a": 1, "b": "kept"}));
    let m = run(
        &json!({"allOf": [{"properties": {"a": {}}}], "unevaluatedProperties": true}),
        &json!({"a": 1, "b": "x"}),
    );
    assert_eq!(m.value, json!({"a": 1}));
    assert_eq!(stripped(&m), [("/b", Undeclared)]);
}

#[test]
fn refs_and_defs_are_followed() {
    let schema = json!({
        "$defs": {"person": {"properties": {"name": {"type": "string"}, "address": {"$ref": "#/$defs/address"}}},
                  "address": {"$anchor": "addr", "properties": {"town": {}}}},
        "properties": {"subject": {"$ref": "#/$defs/person"}, "home": {"$ref": "#addr"}}
    });
    let m = run(
        &schema,
        &json!({
            "subject": {"name": "Jo", "dob": "2001-01-01", "address": {"town": "Leeds", "street": "1 High St"}},
            "home": {"town": "York", "flat": 2}
        }),
    );
    assert_eq!(
        m.value,
        json!({"subject": {"name": "Jo", "address": {"town": "Leeds"}}, "home": {"town": "York"}})
    );
    assert_eq!(
        stripped(&m),
        [
            ("/home/flat", Undeclared),
            ("/subject/address/street", Undeclared),
            ("/subject/dob", Undeclared)
        ]
    );
}

#[test]
fn recursive_refs_terminate() {
    let schema = json!({"$defs": {"node": {"properties": {"v": {}, "next": {"$ref": "#/$defs/node"}}}}, "$ref": "#/$defs/node"});
    let m = run(&schema, &json!({"v": 1, "x": 0, "next": {"v": 2, "next": {"v": 3, "y": 1}}}));
    assert_eq!(m.value, json!({"v": 1, "next": {"v": 2, "next": {"v": 3}}}));
    assert_eq!(m.report.disclosed, ["/next/next/v", "/next/v", "/v"]);
}

#[test]
fn all_of_members_all_declare() {
    let schema = json!({"allOf": [{"properties": {"a": {}}}, {"properties": {"b": {}}}]});
    let m = run(&schema, &json!({"a": 1, "b": 2, "c": 3}));
    assert_eq!(m.value, json!({"a": 1, "b": 2}));
}

#[test]
fn any_of_only_passing_branches_declare() {
    let schema = json!({"anyOf": [
        {"properties": {"kind": {"const": "child"}, "school": {}}, "required": ["kind"]},
        {"properties": {"kind": {"const": "adult"}, "employer": {}}, "required": ["kind"]},
        {"properties": {"note": {}}}
    ]});
    let m = run(
        &schema,
        &json!({"kind": "child", "school": "St Mary's", "employer": "ACME", "note": "n"}),
    );
    assert_eq!(m.value, json!({"kind": "child", "school": "St Mary's", "note": "n"}));
    assert_eq!(stripped(&m), [("/employer", Undeclared)]);
}

#[test]
fn one_of_only_the_passing_branch_declares() {
    let schema = json!({"oneOf": [
        {"properties": {"kind": {"const": "child"}, "school": {}}, "required": ["kind"]},
        {"properties": {"kind": {"const": "adult"}, "employer": {}}, "required": ["kind"]}
    ]});
    let m = run(&schema, &json!({"kind": "adult", "school": "St Mary's", "employer": "ACME"}));
    assert_eq!(m.value, json!({"kind": "adult", "employer": "ACME"}));
    assert_eq!(stripped(&m), [("/school", Undeclared)]);
}

#[test]
fn if_then_else_only_the_taken_side_declares() {
    let schema = json!({
        "properties": {"kind": {"enum": ["child", "adult"]}},
        "if": {"properties": {"kind": {"const": "child"}}},
        "then": {"properties": {"school": {}}},
        "else": {"properties": {"employer": {}}}
    });
    let payload = json!({"kind": "child", "school": "S", "employer": "E"});
    let taken = run(&schema, &payload);
    assert_eq!(taken.value, json!({"kind": "child", "school": "S"}));
    assert_eq!(stripped(&taken), [("/employer", Undeclared)]);
    let other = run(&schema, &json!({"kind": "adult", "school": "S", "employer": "E"}));
    assert_eq!(other.value, json!({"kind": "adult", "employer": "E"}));
    assert_eq!(stripped(&other), [("/school", Undeclared)]);
}

#[test]
fn items_declare_every_element() {
    let schema = json!({"properties": {"people": {"items": {"properties": {"name": {}}}}}});
    let m = run(&schema, &json!({"people": [{"name": "A", "dob": "x"}, {"name": "B"}]}));
    assert_eq!(m.value, json!({"people": [{"name": "A"}, {"name": "B"}]}));
    assert_eq!(m.report.disclosed, ["/people/*/name"]);
    assert_eq!(stripped(&m), [("/people/0/dob", Undeclared)]);
}

#[test]
fn prefix_items_declare_their_positions_only() {
    let schema = json!({"properties": {"pair": {"prefixItems": [{"type": "string"}, {"properties": {"x": {}}}]}}});
    let m = run(&schema, &json!({"pair": ["a", {"x": 1, "y": 2}, "third", 4]}));
    assert_eq!(m.value, json!({"pair": ["a", {"x": 1}]}));
    assert_eq!(
        stripped(&m),
        [("/pair/1/y", Undeclared), ("/pair/2", Undeclared), ("/pair/3", Undeclared)]
    );
    let with_items =
        run(&json!({"prefixItems": [{}], "items": {"type": "integer"}}), &json!(["a", 1, 2]));
    assert_eq!(with_items.value, json!(["a", 1, 2]));
}

#[test]
fn schemas_silent_about_contents_disclose_scalars_only() {
    let schema = json!({"properties": {"blob": {"type": "object"}, "list": {"type": "array"}}});
    let m = run(
        &schema,
        &json!({
            "blob": {"s": "x", "n": 1, "b": true, "z": null, "deep": {"a": 1}, "arr": [1]},
            "list": [1, "two", {"three": 3}, [4]]
        }),
    );
    assert_eq!(
        m.value,
        json!({"blob": {"s": "x", "n": 1, "b": true, "z": null}, "list": [1, "two"]})
    );
    assert_eq!(
        stripped(&m),
        [
            ("/blob/arr", Undeclared),
            ("/blob/deep", Undeclared),
            ("/list/2", Undeclared),
            ("/list/3", Undeclared)
        ]
    );
    assert_eq!(m.report.disclosed, ["/blob/*", "/list/*"]);
}

#[test]
fn dependent_schemas_declare_when_their_key_is_present() {
    let schema = json!({"properties": {"card": {}}, "dependentSchemas": {"card": {"properties": {"expiry": {}}}}});
    assert_eq!(
        run(&schema, &json!({"card": 1, "expiry": 2})).value,
        json!({"card": 1, "expiry": 2})
    );
    assert_eq!(run(&schema, &json!({"expiry": 2})).value, json!({}));
}

#[test]
fn pointers_escape_tilde_and_slash() {
    let m = run(&json!({"properties": {"a/b": {}}}), &json!({"a/b": 1, "c~d": 2}));
    assert_eq!(m.report.disclosed, ["/a~1b"]);
    assert_eq!(stripped(&m), [("/c~0d", Undeclared)]);
}

#[test]
fn formats_are_validated() {
    let schema = json!({"properties": {
        "nhs": {"type": "string", "format": "nhs-number"},
        "pc": {"type": "string", "format": "uk-postcode"},
        "d": {"type": "string", "format": "date"},
        "e": {"type": "string", "format": "email"}
    }});
    assert!(try_run(
        &schema,
        &json!({"nhs": "943 476 5919", "pc": "L1 8JQ", "d": "2001-02-03", "e": "a@b.example"})
    )
    .is_ok());
    for (field, bad) in
        [("nhs", "9434765918"), ("pc", "L1 8J"), ("d", "2001-02-30"), ("e", "not-an-email")]
    {
        let err = try_run(&schema, &json!({ field: bad })).unwrap_err();
        let isagate::minimise::MinimiseError::SchemaViolation(v) = err else { panic!() };
        assert_eq!(
            (v[0].pointer.as_str(), v[0].keyword.as_str()),
            (format!("/{field}").as_str(), "format")
        );
    }
}

#[test]
fn violations_carry_no_values() {
    let sentinel = "SENTINEL-9f3a";
    let schema = json!({"properties": {
        "a": {"type": "integer"}, "b": {"enum": ["x"]}, "c": {"format": "nhs-number"},
        "d": {"maxLength": 2}, "e": {"pattern": "^z$"}, "f": {"const": 1}
    }, "additionalProperties": false, "required": ["zz"]});
    let payload = json!({"a": sentinel, "b": sentinel, "c": sentinel, "d": sentinel, "e": sentinel, "f": sentinel, sentinel: sentinel});
    let err = try_run(&schema, &payload).unwrap_err();
    let text = format!("{err:?} {err} {:?}", err.reasons());
    assert!(!text.contains(sentinel), "{text}");
    assert!(!text.contains("9f3a"));
    let isagate::minimise::MinimiseError::SchemaViolation(v) = &err else { panic!() };
    let keywords: Vec<_> = v.iter().map(|v| v.keyword.as_str()).collect();
    for k in [
        "type",
        "enum",
        "format",
        "maxLength",
        "pattern",
        "const",
        "additionalProperties",
        "required",
    ] {
        assert!(keywords.contains(&k), "{k} in {keywords:?}");
    }
    assert!(err.reasons().iter().all(|r| r.code == isagate::codes::RefusalCode::SchemaViolation));
}

#[test]
fn bad_schemas_are_refused_at_compile_time() {
    use isagate::minimise::{SchemaError, SchemaPlan};
    let e = |s: serde_json::Value| SchemaPlan::compile("s.json", &s).unwrap_err();
    assert!(matches!(
        e(json!({"properties": {"a": {"x-isagate-transform": "hash"}}})),
        SchemaError::UnknownTransform { .. }
    ));
    assert!(matches!(
        e(json!({"properties": {"a": {"x-isagate-category": "medical"}}})),
        SchemaError::UnknownCategory { .. }
    ));
    assert!(matches!(
        e(json!({"properties": {"a": {"x-isagate-categroy": "health"}}})),
        SchemaError::UnknownAnnotation { .. }
    ));
    assert!(matches!(
        e(json!({"properties": {"a": {"x-isagate-subject-id": "NHS Number"}}})),
        SchemaError::BadSubjectId { .. }
    ));
    assert!(matches!(
        e(json!({"properties": {"a": {"x-isagate-transform": 3}}})),
        SchemaError::NotAString { .. }
    ));
    assert!(matches!(e(json!({"type": "nonsense"})), SchemaError::Invalid { .. }));
    assert!(matches!(
        e(json!({"$ref": "https://example.com/other.json"})),
        SchemaError::Invalid { .. } | SchemaError::UnsupportedRef { .. }
    ));
    assert!(matches!(
        e(json!({"$dynamicRef": "#meta"})),
        SchemaError::UnsupportedRef { .. } | SchemaError::Invalid { .. }
    ));
    let unknown = e(json!({"properties": {"a": {"x-isagate-transform": "hash"}}}));
    assert!(unknown.to_string().contains("`/properties/a`"), "{unknown}");
    let all = isagate::minimise::plan::check_annotations(
        "s.json",
        &json!({"properties": {"a": {"x-isagate-transform": "hash"}, "b": {"x-isagate-category": "x"}}, "enum": [{"x-isagate-nonsense": 1}]}),
    );
    assert_eq!(all.len(), 2);
    // Properties named like data keywords are still schemas whose annotations count.
    for name in ["enum", "const", "default", "examples"] {
        let schema = json!({"properties": { name: {"x-isagate-transform": "hash"} }});
        assert!(matches!(e(schema), SchemaError::UnknownTransform { .. }), "{name}");
        let schema = json!({"properties": { name: {"x-isagate-transform": "mask"} }});
        assert_eq!(super::run(&schema, &json!({ name: "x" })).value, json!({ name: "***" }));
    }
}

#[test]
fn unevaluated_properties_sees_only_its_own_subtree_and_passing_branches() {
    // A sibling `allOf` member's `properties` do not count as evaluated for it.
    let schema = json!({"allOf": [
        {"properties": {"a": {}}},
        {"unevaluatedProperties": {"x-isagate-transform": "mask"}}
    ]});
    assert_eq!(run(&schema, &json!({"a": "x", "b": "y"})).value, json!({"a": "***", "b": "***"}));
    // A failing `anyOf` branch evaluates nothing.
    let schema = json!({
        "anyOf": [{"properties": {"a": {"type": "string"}}}, {"properties": {"b": {"type": "string"}}}],
        "unevaluatedProperties": {"x-isagate-transform": "mask"}
    });
    assert_eq!(run(&schema, &json!({"a": "x", "b": 1})).value, json!({"a": "x", "b": "***"}));
}

#[test]
fn unevaluated_items_admit_beyond_the_prefix() {
    let schema =
        json!({"prefixItems": [{"type": "string"}], "unevaluatedItems": {"type": "integer"}});
    assert_eq!(run(&schema, &json!(["a", 1, 2])).value, json!(["a", 1, 2]));
    let schema = json!({"prefixItems": [{}], "unevaluatedItems": true});
    let m = run(&schema, &json!(["a", 1]));
    assert_eq!(m.value, json!(["a"]));
    assert_eq!(stripped(&m), [("/1", Undeclared)]);
}
