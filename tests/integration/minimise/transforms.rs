//! Transforms, categories, subjects, emergency relabelling and query strings.

use isagate::codes::{RefusalCode, StripReason::*};
use isagate::keys::{PseudonymisationKey, SecretKey};
use isagate::minimise::{minimise, minimise_query, MinimiseError, MinimiseOptions};
use serde_json::{json, Value};

use super::{opts, plan, run, stripped, try_run};

fn transform_schema(t: &str) -> Value {
    json!({"properties": {"v": {"x-isagate-transform": t}}})
}

fn one(t: &str, v: Value) -> Result<Value, MinimiseError> {
    try_run(&transform_schema(t), &json!({ "v": v })).map(|m| m.value["v"].clone())
}

#[test]
fn year_age_band_postcodes_mask() {
    assert_eq!(one("year", json!("1984-03-09")).unwrap(), json!(1984));
    assert_eq!(one("year", json!("1984-03-09T10:00:00Z")).unwrap(), json!(1984));
    assert_eq!(one("age-band", json!("1984-03-09")).unwrap(), json!("35-44"));
    assert_eq!(one("age-band", json!("2009-11-23")).unwrap(), json!("16-17"));
    assert_eq!(one("age-band", json!("2010-11-24")).unwrap(), json!("0-15"));
    assert_eq!(one("postcode-district", json!("L1 8JQ")).unwrap(), json!("L1"));
    assert_eq!(one("postcode-sector", json!("L1 8JQ")).unwrap(), json!("L1 8"));
    assert_eq!(one("postcode-sector", json!("sw1a1aa")).unwrap(), json!("SW1A 1"));
    assert_eq!(one("mask", json!("Jo Bloggs")).unwrap(), json!("***"));
    assert_eq!(one("mask", json!(12)).unwrap(), json!("***"));
    let m = run(&transform_schema("year"), &json!({"v": "1984-03-09"}));
    assert_eq!(m.report.transformed.len(), 1);
    assert_eq!(
        (m.report.transformed[0].path.as_str(), m.report.transformed[0].transform.as_str()),
        ("/v", "year")
    );
    assert_eq!(m.report.disclosed, ["/v"]);
}

#[test]
fn null_stays_null_for_every_value_transform() {
    for t in ["pseudonymise", "year", "age-band", "postcode-district", "postcode-sector", "mask"] {
        let m = run(&transform_schema(t), &json!({"v": null}));
        assert_eq!(m.value, json!({"v": null}), "{t}");
        assert!(m.report.transformed.is_empty(), "{t}");
    }
    // `drop` removes the field whatever its value.
    let m = run(&transform_schema("drop"), &json!({"v": null}));
    assert_eq!(m.value, json!({}));
}

#[test]
fn drop_validates_in_and_is_absent_out() {
    let schema =
        json!({"properties": {"v": {"type": "string", "x-isagate-transform": "drop"}, "w": {}}});
    let m = run(&schema, &json!({"v": "x", "w": 1}));
    assert_eq!(m.value, json!({"w": 1}));
    assert_eq!(stripped(&m), [("/v", Dropped)]);
    assert!(!m.report.disclosed.contains(&"/v".to_owned()));
    assert!(matches!(try_run(&schema, &json!({"v": 3})), Err(MinimiseError::SchemaViolation(_))));
}

#[test]
fn failures_name_the_pointer_and_transform_only() {
    for (t, v) in [
        ("postcode-district", json!("SENTINEL-9f3a")),
        ("postcode-sector", json!("L1")),
        ("year", json!("SENTINEL-9f3a")),
        ("age-band", json!("2099-01-01")),
        ("year", json!(17)),
        ("pseudonymise", json!("SENTINEL-9f3a")),
    ] {
        let err = one(t, v).unwrap_err();
        assert_eq!(
            err,
            MinimiseError::TransformFailed { pointer: "/v".into(), transform: t.into() }
        );
        let reasons = err.reasons();
        assert_eq!(reasons[0].code, RefusalCode::TransformFailed);
        assert!(!format!("{err} {reasons:?}").contains("SENTINEL"));
    }
}

#[test]
fn pseudonymise_is_stable_and_differs_between_recipients() {
    let key = PseudonymisationKey::new(SecretKey::from_base64(&"C".repeat(44)).unwrap());
    let (a, b) = (key.for_recipient("ISA-1", "police"), key.for_recipient("ISA-1", "uni"));
    let p = plan(&transform_schema("pseudonymise"));
    let with = |k| {
        let o = MinimiseOptions { pseudonym_key: Some(k), ..opts() };
        minimise(&p, &json!({"v": "9434765919"}), &o).unwrap().value["v"].clone()
    };
    assert_eq!(with(&a), with(&a));
    assert_ne!(with(&a), with(&b));
    assert_eq!(with(&a).as_str().unwrap().len(), 64);
    assert_ne!(with(&a), json!("9434765919"));
}

#[test]
fn transforms_off_strips_only() {
    let schema = json!({"properties": {"v": {"x-isagate-transform": "mask"}, "d": {"x-isagate-transform": "drop"}}});
    let o = MinimiseOptions { apply_transforms: false, ..opts() };
    let m = minimise(&plan(&schema), &json!({"v": "x", "d": 1, "z": 2}), &o).unwrap();
    assert_eq!(m.value, json!({"v": "x"}));
    assert!(m.report.transformed.is_empty());
}

#[test]
fn a_transformed_container_is_one_leaf() {
    let schema = json!({"properties": {"who": {"x-isagate-transform": "pseudonymise", "properties": {"n": {}}}}});
    let key = PseudonymisationKey::new(SecretKey::from_base64(&"D".repeat(44)).unwrap())
        .for_recipient("a", "b");
    let o = MinimiseOptions { pseudonym_key: Some(&key), ..opts() };
    let m = minimise(&plan(&schema), &json!({"who": {"n": 1, "x": 2}}), &o).unwrap();
    assert!(m.value["who"].is_string());
    assert_eq!(m.report.disclosed, ["/who"]);
    assert_eq!(stripped(&m), [("/who/x", Undeclared)]);
    // The pseudonym is of the stripped object: the undeclared member did not feed it.
    let alone = minimise(&plan(&schema), &json!({"who": {"n": 1}}), &o).unwrap();
    assert_eq!(alone.value, m.value);
}

#[test]
fn the_strongest_of_several_transforms_wins() {
    let schema = json!({"properties": {"v": {"x-isagate-transform": "year", "allOf": [{"x-isagate-transform": "mask"}]}}});
    assert_eq!(run(&schema, &json!({"v": "2001-01-01"})).value, json!({"v": "***"}));
}

fn categories_schema() -> Value {
    json!({"properties": {
        "name": {},
        "diagnosis": {"x-isagate-category": "health"},
        "faith": {"x-isagate-category": "religion"},
        "convictions": {"x-isagate-category": "criminal-offence", "items": {"properties": {"offence": {}}}},
        "via_ref": {"$ref": "#/$defs/ethnic"}
    }, "$defs": {"ethnic": {"x-isagate-category": "ethnicity"}}})
}

#[test]
fn special_category_and_criminal_offence_need_article_9_and_10() {
    let p = plan(&categories_schema());
    let payload = json!({"name": "Jo", "diagnosis": "x", "faith": "y", "convictions": [{"offence": "z"}], "via_ref": "w"});
    let none = minimise(&p, &payload, &opts()).unwrap();
    assert_eq!(none.value, json!({"name": "Jo"}));
    assert_eq!(
        stripped(&none),
        [
            ("/convictions", CriminalOffence),
            ("/diagnosis", SpecialCategory),
            ("/faith", SpecialCategory),
            ("/via_ref", SpecialCategory)
        ]
    );
    let art9 = minimise(&p, &payload, &MinimiseOptions { article_9: true, ..opts() }).unwrap();
    assert_eq!(art9.value, json!({"name": "Jo", "diagnosis": "x", "faith": "y", "via_ref": "w"}));
    assert_eq!(stripped(&art9), [("/convictions", CriminalOffence)]);
    let art10 = minimise(&p, &payload, &MinimiseOptions { article_10: true, ..opts() }).unwrap();
    assert_eq!(art10.value, json!({"name": "Jo", "convictions": [{"offence": "z"}]}));
    let both =
        minimise(&p, &payload, &MinimiseOptions { article_9: true, article_10: true, ..opts() })
            .unwrap();
    assert_eq!(both.value, payload);
    assert!(both.report.stripped.is_empty());
}

#[test]
fn subjects_are_found_even_when_transformed_dropped_or_stripped() {
    let schema = json!({"properties": {
        "nhs": {"x-isagate-subject-id": "nhs-number", "x-isagate-transform": "mask"},
        "pnc": {"x-isagate-subject-id": "pnc-id", "x-isagate-transform": "drop"},
        "local": {"x-isagate-subject-id": "local-id", "type": "integer"},
        "people": {"items": {"properties": {"id": {"x-isagate-subject-id": "local-id"}}}},
        "hidden": {"x-isagate-subject-id": "nhs-number", "x-isagate-category": "health"}
    }});
    let m = run(
        &schema,
        &json!({
            "nhs": "9434765919", "pnc": "01/123456A", "local": 42,
            "people": [{"id": "L-1"}, {"id": "L-2"}], "hidden": "4010232137"
        }),
    );
    let mut found: Vec<(String, String)> =
        m.subjects.iter().map(|s| (s.kind.clone(), s.value.clone())).collect();
    found.sort();
    assert_eq!(
        found,
        [
            ("local-id".into(), "42".into()),
            ("local-id".into(), "L-1".into()),
            ("local-id".into(), "L-2".into()),
            ("nhs-number".into(), "4010232137".into()),
            ("nhs-number".into(), "9434765919".into()),
            ("pnc-id".into(), "01/123456A".into()),
        ]
    );
    assert!(
        !format!("{:?}", m.subjects).contains("9434765919"),
        "subject ids are redacted in Debug"
    );
}

#[test]
fn emergency_schema_relabels_what_the_normal_schema_declares() {
    let normal =
        plan(&json!({"properties": {"name": {}, "dob": {}, "history": {"properties": {"a": {}}}}}));
    let emergency = plan(&json!({"properties": {"name": {}, "history": {"properties": {}}}}));
    let o = MinimiseOptions { normal_plan: Some(&normal), ..opts() };
    let m = minimise(
        &emergency,
        &json!({"name": "Jo", "dob": "d", "gossip": "g", "history": {"a": 1}}),
        &o,
    )
    .unwrap();
    assert_eq!(m.value, json!({"name": "Jo", "history": {}}));
    assert_eq!(
        stripped(&m),
        [
            ("/dob", NotInEmergencySchema),
            ("/gossip", Undeclared),
            ("/history/a", NotInEmergencySchema)
        ]
    );
}

#[test]
fn query_strings_keep_allow_listed_names_only() {
    let q = minimise_query("case=17&name=SENTINEL-9f3a&dob=2001", &["case".to_owned()]);
    assert_eq!(q.query, "case=17");
    let names: Vec<_> = q.names.iter().map(|s| (s.path.as_str(), s.reason)).collect();
    assert_eq!(names, [("?dob", QueryNotAllowed), ("?name", QueryNotAllowed)]);
    assert!(!format!("{names:?}").contains("SENTINEL"));
    // The record's form names no parameter: one entry `?` with their number.
    let recorded = q.stripped.unwrap();
    assert_eq!(
        (recorded.path.as_str(), recorded.reason, recorded.count),
        ("?", QueryNotAllowed, Some(2))
    );
    let q = minimise_query("a=1", &[]);
    assert_eq!((q.query.as_str(), q.stripped.map(|s| s.count)), ("", Some(Some(1))));
}
