//! The rule `unbounded-subject-array`: an array whose items hold a subject id
//! (`x-isagate-subject-id`, directly or deeper) must declare `maxItems`. A record indexes
//! one keyed hash per subject id found, so without the bound a payload could make a
//! record as large as it likes; with it, a record's size follows the schema (contract
//! section 5, `docs/record-format.md`).
//!
//! The walk follows what applies to an instance: `properties`, `patternProperties`,
//! `additionalProperties`, `items`, `prefixItems`, the in-place applicators and `$ref`s
//! inside the file, each `$ref` target once per enclosing array. Must not: change or
//! compile the schema (the plan compiler does that).

use std::collections::HashSet;

use serde_json::Value;

use super::{Finding, JsonPositions, Report, Rule};

/// Keywords whose value is one subschema applying to a member or to the instance.
const ONE: &[&str] = &[
    "additionalProperties",
    "unevaluatedProperties",
    "items",
    "unevaluatedItems",
    "not",
    "if",
    "then",
    "else",
    "contains",
];
/// Keywords whose value is a list of subschemas.
const LIST: &[&str] = &["allOf", "anyOf", "oneOf", "prefixItems"];
/// Keywords whose value maps names to subschemas.
const MAP: &[&str] = &["properties", "patternProperties", "dependentSchemas", "$defs"];

/// Where the walk is: the schema pointer of the innermost enclosing array without
/// `maxItems`, if any.
struct Walk<'a> {
    root: &'a Value,
    /// (schema pointer, unbounded array pointer) pairs already walked.
    seen: HashSet<(String, Option<String>)>,
    /// Unbounded arrays that hold a subject id, with the subject id's pointer.
    found: Vec<(String, String)>,
}

/// Push one finding per array without `maxItems` whose items hold a subject id.
pub(crate) fn check(json: &Value, positions: &JsonPositions, f: &str, report: &mut Report) {
    let mut walk = Walk { root: json, seen: HashSet::new(), found: Vec::new() };
    walk.node(json, String::new(), None, 0);
    walk.found.sort();
    walk.found.dedup_by(|a, b| a.0 == b.0);
    for (array, subject) in walk.found {
        let at = if array.is_empty() { "the top level".to_owned() } else { format!("`{array}`") };
        report.push(
            Finding::new(
                Rule::UnboundedSubjectArray,
                f,
                positions.key_pos(&format!("{array}/items")),
                format!(
                    "the array at {at} holds subject ids (`{subject}`) but declares no `maxItems`: \
                     a payload could make its record as large as it likes"
                ),
                "add `\"maxItems\": N` beside `\"type\": \"array\"`, with N the most subjects one transfer may name (docs/record-format.md)",
            )
            .label("needs maxItems"),
        );
    }
}

/// The most nested subschemas walked (a `$ref` chain included).
const MAX_DEPTH: usize = 64;

impl Walk<'_> {
    fn node(&mut self, v: &Value, ptr: String, unbounded: Option<String>, depth: usize) {
        let Value::Object(map) = v else { return };
        if depth > MAX_DEPTH || !self.seen.insert((ptr.clone(), unbounded.clone())) {
            return;
        }
        if map.contains_key("x-isagate-subject-id") {
            if let Some(array) = &unbounded {
                self.found.push((array.clone(), ptr.clone()));
            }
        }
        let is_array = map.contains_key("items") || map.contains_key("prefixItems");
        let inner = if is_array && !map.contains_key("maxItems") {
            Some(ptr.clone())
        } else {
            unbounded.clone()
        };
        for (key, sub) in map {
            let mut at = ptr.clone();
            crate::minimise::plan::push_segment(&mut at, key);
            // Members of an array are under its bound; everything else is as the instance.
            let under = if matches!(
                key.as_str(),
                "items" | "unevaluatedItems" | "prefixItems" | "contains"
            ) {
                inner.clone()
            } else {
                unbounded.clone()
            };
            if key == "$ref" {
                if let Some(target) = sub.as_str().and_then(|r| r.strip_prefix('#')) {
                    if let Some(t) = self.root.pointer(target) {
                        self.node(t, target.to_owned(), unbounded.clone(), depth + 1);
                    }
                }
            } else if key == "$defs" {
                // Reached through `$ref` only: a definition alone applies to nothing.
            } else if ONE.contains(&key.as_str()) {
                self.node(sub, at, under, depth + 1);
            } else if LIST.contains(&key.as_str()) {
                for (i, s) in sub.as_array().into_iter().flatten().enumerate() {
                    self.node(s, format!("{at}/{i}"), under.clone(), depth + 1);
                }
            } else if MAP.contains(&key.as_str()) {
                for (name, s) in sub.as_object().into_iter().flatten() {
                    let mut p = at.clone();
                    crate::minimise::plan::push_segment(&mut p, name);
                    self.node(s, p, under.clone(), depth + 1);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn findings(schema: Value) -> Vec<String> {
        let mut report = Report::default();
        check(&schema, &JsonPositions::build(&schema.to_string()), "s.json", &mut report);
        report.findings.iter().map(|f| f.message.clone()).collect()
    }

    #[test]
    fn an_array_of_subjects_needs_max_items() {
        let id = json!({"type": "string", "x-isagate-subject-id": "nhs-number"});
        let open = json!({"properties": {"people": {"type": "array", "items": {"properties": {"nhs": id}}}}});
        let found = findings(open);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("`/properties/people`") && found[0].contains("maxItems"));
        let bounded = json!({"properties": {"people": {"type": "array", "maxItems": 20, "items": {"properties": {"nhs": id}}}}});
        assert!(findings(bounded).is_empty());
        // Through a `$ref`, and nested under a bounded array: the inner one still counts.
        let via_ref = json!({
            "$defs": {"p": {"properties": {"nhs": id}}},
            "properties": {"a": {"type": "array", "maxItems": 3, "items": {"type": "array", "items": {"$ref": "#/$defs/p"}}}}
        });
        let found = findings(via_ref);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("`/properties/a/items`"), "{found:?}");
        // A subject id outside any array, and an array without one: nothing to bound.
        assert!(findings(
            json!({"properties": {"nhs": id, "tags": {"type": "array", "items": {}}}})
        )
        .is_empty());
    }
}
