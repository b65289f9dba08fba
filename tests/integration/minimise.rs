//! Minimisation: every schema keyword that declares fields, every transform, special
//! category and criminal offence data, emergency relabelling, query strings, violations
//! that carry no values, and property tests.

mod keywords;
mod owned;
mod props;
mod record_form;
mod transforms;

use isagate::codes::StripReason;
use isagate::minimise::{minimise, MinimiseError, MinimiseOptions, Minimised, SchemaPlan};
use serde_json::Value;

pub fn today() -> jiff::civil::Date {
    jiff::civil::date(2026, 11, 23)
}

pub fn opts() -> MinimiseOptions<'static> {
    MinimiseOptions {
        article_9: false,
        article_10: false,
        pseudonym_key: None,
        today: today(),
        apply_transforms: true,
        normal_plan: None,
    }
}

pub fn plan(schema: &Value) -> SchemaPlan {
    SchemaPlan::compile("test.json", schema).unwrap()
}

pub fn run(schema: &Value, payload: &Value) -> Minimised {
    minimise(&plan(schema), payload, &opts()).unwrap()
}

pub fn try_run(schema: &Value, payload: &Value) -> Result<Minimised, MinimiseError> {
    minimise(&plan(schema), payload, &opts())
}

/// The stripped nodes at the payload's own places, as (pointer, reason) pairs.
pub fn stripped(m: &Minimised) -> Vec<(&str, StripReason)> {
    m.payload.stripped.iter().map(|s| (s.path.as_str(), s.reason)).collect()
}

/// The record's stripped entries, as (schema path, reason, count).
pub fn recorded(m: &Minimised) -> Vec<(&str, StripReason, u64)> {
    m.report.stripped.iter().map(|s| (s.path.as_str(), s.reason, s.count.unwrap_or(0))).collect()
}
