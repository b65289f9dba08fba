//! Fuzz target for the decision's body half: a payload against a schema, as
//! `minimise_request` runs it (strict parse, validate, strip, transform).
//!
//! Input: one byte choosing the schema (one of the repository's) and the options, then the
//! body. Properties: nothing panics; nothing the schema does not declare reaches the
//! recipient (every object key in the result is a name under some `properties` of the
//! schema, or matches one of its `patternProperties`); every disclosed schema path leads
//! somewhere in the result (`*` for an array position or a key the schema does not name);
//! stripping without transforms is idempotent (the result minimises to itself, with
//! nothing stripped).
#![no_main]

use std::collections::BTreeSet;
use std::sync::OnceLock;

use isagate::json_strict::{parse, Limits};
use isagate::keys::{PseudonymKey, PseudonymisationKey};
use isagate::minimise::{minimise, MinimiseOptions, SchemaPlan};
use libfuzzer_sys::fuzz_target;

mod repo_schemas;
use repo_schemas::SCHEMAS;
use serde_json::Value;

/// A compiled schema, every property name it declares anywhere, and every
/// `patternProperties` pattern (keys they admit reach the recipient, recorded as `*`).
struct Compiled {
    plan: SchemaPlan,
    names: BTreeSet<String>,
    patterns: Vec<regex::Regex>,
}

fn compiled() -> &'static [Compiled] {
    static PLANS: OnceLock<Vec<Compiled>> = OnceLock::new();
    PLANS.get_or_init(|| {
        SCHEMAS
            .iter()
            .map(|(name, text)| {
                let json: Value = match serde_json::from_str(text) {
                    Ok(v) => v,
                    Err(e) => panic!("{name} is not JSON: {e}"),
                };
                let plan = match SchemaPlan::compile(name, &json) {
                    Ok(p) => p,
                    Err(e) => panic!("{name} does not compile: {e}"),
                };
                let (mut names, mut patterns) = (BTreeSet::new(), Vec::new());
                declared(&json, &mut names, &mut patterns);
                Compiled { plan, names, patterns }
            })
            .collect()
    })
}

/// Every name under a `properties` keyword, and every `patternProperties` pattern, at any
/// depth. The repository's schemas admit no other keys (no `additionalProperties` schema).
fn declared(schema: &Value, out: &mut BTreeSet<String>, patterns: &mut Vec<regex::Regex>) {
    match schema {
        Value::Object(map) => {
            for (k, v) in map {
                if let ("properties" | "patternProperties", Value::Object(props)) = (k.as_str(), v) {
                    if k == "properties" {
                        out.extend(props.keys().cloned());
                    } else {
                        patterns.extend(props.keys().filter_map(|p| regex::Regex::new(p).ok()));
                    }
                }
                declared(v, out, patterns);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| declared(v, out, patterns)),
        _ => {}
    }
}

fn keys_are_declared(value: &Value, c: &Compiled) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let admitted = c.names.contains(k) || c.patterns.iter().any(|p| p.is_match(k));
                assert!(admitted, "an undeclared key reached the recipient");
                keys_are_declared(v, c);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| keys_are_declared(v, c)),
        _ => {}
    }
}

/// A JSON Pointer segment, `~1` and `~0` undone.
fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

/// Does the pointer (already split) lead somewhere in `value`? A `*` segment stands for
/// any array position, or any key the schema does not name, as records write them.
fn resolves(value: &Value, segments: &[String]) -> bool {
    let Some((first, rest)) = segments.split_first() else { return true };
    match value {
        Value::Object(map) => {
            map.get(first).is_some_and(|v| resolves(v, rest))
                || (first == "*" && map.values().any(|v| resolves(v, rest)))
        }
        Value::Array(items) if first == "*" => items.iter().any(|v| resolves(v, rest)),
        Value::Array(items) => first
            .parse::<usize>()
            .ok()
            .and_then(|i| items.get(i))
            .is_some_and(|v| resolves(v, rest)),
        _ => false,
    }
}

fn pseudonym_key() -> &'static PseudonymKey {
    static KEY: OnceLock<PseudonymKey> = OnceLock::new();
    KEY.get_or_init(|| match PseudonymisationKey::throwaway() {
        Ok(k) => k.for_recipient("ISA-FUZZ-0001", "fuzz-recipient"),
        Err(e) => panic!("no random key: {e}"),
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&choice, body)) = data.split_first() else { return };
    let plans = compiled();
    let Some(c) = plans.get(usize::from(choice & 0x0f) % plans.len()) else { return };
    let Ok(payload) = parse(body, &Limits::default()) else { return };
    let opts = MinimiseOptions {
        article_9: choice & 0x10 != 0,
        article_10: choice & 0x20 != 0,
        pseudonym_key: (choice & 0x40 != 0).then(pseudonym_key),
        today: jiff::civil::date(2026, 12, 7),
        apply_transforms: choice & 0x80 != 0,
        normal_plan: None,
    };
    let Ok(out) = minimise(&c.plan, &payload, &opts) else { return };
    keys_are_declared(&out.value, c);
    for pointer in &out.report.disclosed {
        let segments: Vec<String> = pointer.split('/').skip(1).map(unescape).collect();
        assert!(resolves(&out.value, &segments), "a disclosed pointer is not in the result");
    }
    if !opts.apply_transforms {
        match minimise(&c.plan, &out.value, &opts) {
            Ok(again) => {
                assert_eq!(again.value, out.value, "minimising the result changes it");
                assert!(again.report.stripped.is_empty(), "minimising the result strips more");
            }
            Err(e) => panic!("the minimised payload fails its schema: {e}"),
        }
    }
});
