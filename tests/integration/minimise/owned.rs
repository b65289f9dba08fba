//! `minimise_owned` (what the decision calls: the walk moves the payload into the output
//! instead of copying it) gives exactly what `minimise` gives: output, both report forms,
//! subjects and errors, with members stripped inside arrays and objects, a transform on
//! a container, categories and emergency relabelling.

use isagate::codes::StripReason::*;
use isagate::minimise::{minimise, minimise_owned, MinimiseError, MinimiseOptions};
use serde_json::{json, Value};

use super::{opts, plan, recorded, stripped};

fn schema() -> Value {
    json!({
        "$defs": {"person": {"type": "object", "properties": {
            "name": {"x-isagate-transform": "mask"},
            "ethnicity": {"x-isagate-category": "ethnicity"},
            "id": {"x-isagate-subject-id": "local-id"}
        }}},
        "properties": {
            "people": {"type": "array", "items": {"$ref": "#/$defs/person"}},
            "tags": {"type": "array"},
            "address": {"properties": {"town": {}}, "x-isagate-transform": "pseudonymise"},
            "kind": {"enum": ["a", "b"]}
        },
        "if": {"properties": {"kind": {"const": "a"}}},
        "then": {"properties": {"extra": {}}}
    })
}

fn payload() -> Value {
    json!({
        "people": [
            {"name": "A", "ethnicity": "x", "id": "p1", "phone": "1"},
            {"name": "B", "id": 7}
        ],
        "tags": ["t", {"nested": 1}, 3, ["no"]],
        "address": {"town": "T", "line1": "1 Road"},
        "kind": "b",
        "extra": true,
        "other~/key": null
    })
}

#[test]
fn owned_and_borrowed_walks_agree() {
    let p = plan(&schema());
    let key = isagate::keys::PseudonymisationKey::new(
        isagate::keys::SecretKey::from_base64(&"C".repeat(44)).unwrap(),
    )
    .for_recipient("ISA-1", "r");
    let normal = plan(&json!({"properties": {"extra": {}, "other~/key": {}}}));
    let with_key = MinimiseOptions { pseudonym_key: Some(&key), ..opts() };
    let emergency = MinimiseOptions { normal_plan: Some(&normal), ..with_key };
    for o in [with_key, emergency] {
        let borrowed = minimise(&p, &payload(), &o).unwrap();
        let owned = minimise_owned(&p, payload(), &o).unwrap();
        assert_eq!(owned, borrowed);
    }
    let m = minimise_owned(&p, payload(), &with_key).unwrap();
    let pseudonym = key.pseudonymise(&json!({"town": "T"}));
    assert_eq!(
        m.value,
        json!({
            "people": [{"name": "***", "id": "p1"}, {"name": "***", "id": 7}],
            "tags": ["t", 3],
            "address": pseudonym,
            "kind": "b"
        })
    );
    assert_eq!(
        stripped(&m),
        [
            ("/address/line1", Undeclared),
            ("/extra", Undeclared),
            ("/other~0~1key", Undeclared),
            ("/people/0/ethnicity", SpecialCategory),
            ("/people/0/phone", Undeclared),
            ("/tags/1", Undeclared),
            ("/tags/3", Undeclared),
        ]
    );
    assert_eq!(
        recorded(&m),
        [
            ("", Undeclared, 2),
            ("/address", Undeclared, 1),
            ("/people/*", Undeclared, 1),
            ("/people/*/ethnicity", SpecialCategory, 1),
            ("/tags", Undeclared, 2),
        ]
    );
    assert_eq!(
        m.report.disclosed,
        ["/address", "/kind", "/people/*/id", "/people/*/name", "/tags/*"]
    );
    let transformed: Vec<_> =
        m.report.transformed.iter().map(|t| (t.path.as_str(), t.transform.as_str())).collect();
    assert_eq!(transformed, [("/address", "pseudonymise"), ("/people/*/name", "mask")]);
    assert_eq!(m.payload.transformed.len(), 3);
    let subjects: Vec<_> = m.subjects.iter().map(|s| s.value.as_str()).collect();
    assert_eq!(subjects, ["p1", "7"]);

    // Emergency: what the normal schema declares is relabelled, the rest stays.
    let emergency = MinimiseOptions { normal_plan: Some(&normal), ..with_key };
    let m = minimise_owned(&p, payload(), &emergency).unwrap();
    assert_eq!(recorded(&m)[0..2], [("", NotInEmergencySchema, 2), ("/address", Undeclared, 1)]);
    // Errors are the same too: a failed transform (no key) and a violation.
    let no_key = opts();
    assert_eq!(
        minimise_owned(&p, payload(), &no_key).unwrap_err(),
        minimise(&p, &payload(), &no_key).unwrap_err()
    );
    let bad = json!({"kind": "c"});
    let err = minimise_owned(&p, bad.clone(), &no_key).unwrap_err();
    assert!(matches!(&err, MinimiseError::SchemaViolation(v) if v.len() == 1));
    assert_eq!(err, minimise(&p, &bad, &no_key).unwrap_err());
}
