//! What an agreement lets through, field by field, for the console's agreement page and
//! its emergency reviews: for each flow and direction, every field the compiled schema
//! plan declares (the plan the gateway minimises with, walked by
//! [`declared_fields`], never a second reading of the schema file) with what the
//! recipient gets of it (disclosed, stripped or transformed), its category and transform;
//! and the agreement's lawful basis codes with their plain-English descriptions.
//! Must not: read files, records or payloads.

use std::collections::BTreeMap;

use crate::agreements::diff::fields::{declared_fields, Exposure};
use crate::agreements::lawful_basis;
use crate::codes::Direction;
use crate::minimise::plan::SchemaPlan;
use crate::minimise::transforms::{Category, Transform};
use crate::policy::Policy;

/// What the recipient gets of a declared field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Disclosed,
    Transformed,
    /// Stripped, with why in words.
    Stripped(String),
}

impl Effect {
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Disclosed => "disclosed",
            Self::Transformed => "transformed",
            Self::Stripped(_) => "stripped",
        }
    }
}

/// One declared field of a flow's schema in one direction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldRow {
    /// Its schema path (`*` for array positions and unnamed keys).
    pub path: String,
    pub effect: Effect,
    pub category: Option<Category>,
    pub transform: Option<Transform>,
}

/// A flow's fields in one direction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowFields {
    pub flow: String,
    pub direction: Direction,
    /// The schema file; `None`: no body passes in this direction.
    pub schema: Option<String>,
    pub rows: Vec<FieldRow>,
}

/// A lawful basis code and its plain-English description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BasisLine {
    /// `article_6`, `article_9`, `article_10`, `part_3` or `statutory_gateway`.
    pub kind: String,
    pub code: String,
    pub description: Option<String>,
}

/// The field tables and lawful basis of one loaded agreement.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgreementFields {
    pub lawful_basis: Vec<BasisLine>,
    pub flows: Vec<FlowFields>,
}

/// The tables of agreement `id` in `policy` (`None`: not loaded).
pub fn of(policy: &Policy, id: &str) -> Option<AgreementFields> {
    let loaded = policy.set.agreements.iter().find(|a| a.agreement.id == id)?;
    let a = &loaded.agreement;
    let lb = &a.lawful_basis;
    let kinds = [
        ("article_6", &lb.article_6),
        ("article_9", &lb.article_9),
        ("article_10", &lb.article_10),
        ("part_3", &lb.part_3),
        ("statutory_gateway", &lb.statutory_gateway),
    ];
    let lawful_basis = kinds
        .iter()
        .flat_map(|(kind, codes)| {
            codes.iter().map(|c| BasisLine {
                kind: (*kind).to_owned(),
                code: c.clone(),
                description: lawful_basis::describe(c),
            })
        })
        .collect();
    let mut flows = Vec::new();
    for f in &a.flows {
        let u = lawful_basis::unlocks(a.basis_for(f), f.regime);
        for (direction, schema) in
            [(Direction::Request, &f.request_schema), (Direction::Response, &f.response_schema)]
        {
            let rows = schema
                .as_deref()
                .and_then(|s| policy.plan(s))
                .map(|plan| rows(plan, u.special_category, u.criminal_offence))
                .unwrap_or_default();
            flows.push(FlowFields { flow: f.id.clone(), direction, schema: schema.clone(), rows });
        }
    }
    Some(AgreementFields { lawful_basis, flows })
}

fn rows(plan: &SchemaPlan, a9: bool, a10: bool) -> Vec<FieldRow> {
    declared_fields(plan)
        .into_iter()
        .map(|(path, field)| {
            let effect = match Exposure::of(field, a9, a10) {
                Exposure::Seen(None) => Effect::Disclosed,
                Exposure::Seen(Some(Transform::Drop)) => {
                    Effect::Stripped("its transform is drop".to_owned())
                }
                Exposure::Seen(Some(_)) => Effect::Transformed,
                Exposure::Locked(c) => Effect::Stripped(format!(
                    "no lawful basis condition covers {} data",
                    c.as_str()
                )),
            };
            FieldRow { path, effect, category: field.category, transform: field.transform }
        })
        .collect()
}

/// The category of each of `paths` (schema paths a disclosure record lists), from the
/// plans of `schemas` (the record's schema file -> SHA-256): a category's name, `none`, or
/// `not known` when no plan in force has the text the record names.
pub fn categories(
    policy: &Policy,
    schemas: &BTreeMap<String, String>,
    paths: &[String],
) -> Vec<(String, String)> {
    let plans: Vec<_> = schemas
        .iter()
        .filter(|(name, sha)| policy.schema_sha256(name) == Some(sha.as_str()))
        .filter_map(|(name, _)| policy.plan(name))
        .map(|plan| declared_fields(plan))
        .collect();
    paths
        .iter()
        .map(|p| {
            let declared = plans.iter().filter_map(|d| d.get(p)).collect::<Vec<_>>();
            let label = match declared.iter().find_map(|f| f.category) {
                Some(c) => c.as_str().to_owned(),
                None if declared.is_empty() => NOT_KNOWN.to_owned(),
                None => "none".to_owned(),
            };
            (p.clone(), label)
        })
        .collect()
}

/// The category shown when the schema text the record names is no longer in force.
pub const NOT_KNOWN: &str = "not known (the schema recorded is no longer in force)";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agreements::load::load_set;
    use crate::agreements::AgreementSet;

    fn samples() -> AgreementSet {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        load_set(&root.join("agreements"), &root.join("schemas")).unwrap()
    }

    fn find<'a>(t: &'a AgreementFields, path: &str) -> &'a FieldRow {
        t.flows.iter().flat_map(|f| &f.rows).find(|r| r.path == path).unwrap()
    }

    #[test]
    fn transformed_stripped_for_want_of_a_condition_and_dropped() {
        let mut set = samples();
        let uol = set.agreements.iter_mut().find(|a| a.agreement.id == "ISA-LCC-UOL-0002");
        uol.unwrap().agreement.lawful_basis.article_9.clear();
        let schema = set.schemas.get_mut("research-extract.v1.json").unwrap();
        let case = schema.json.pointer_mut("/$defs/case/properties").unwrap();
        case["case_id"]["x-isagate-transform"] = serde_json::json!("drop");
        let policy = Policy::build(set).unwrap();

        let uol = of(&policy, "ISA-LCC-UOL-0002").unwrap();
        let ethnicity = find(&uol, "/cases/*/ethnicity");
        assert_eq!(ethnicity.category.map(Category::as_str), Some("ethnicity"));
        assert!(
            matches!(&ethnicity.effect, Effect::Stripped(why) if why.contains("no lawful basis condition")),
            "{ethnicity:?}"
        );
        let dropped = find(&uol, "/cases/*/case_id");
        assert_eq!(
            (&dropped.effect, dropped.transform),
            (&Effect::Stripped("its transform is drop".to_owned()), Some(Transform::Drop))
        );

        let mopac = of(&policy, "ISA-SL-MOPAC-0004").unwrap();
        let transformed: Vec<_> = mopac
            .flows
            .iter()
            .flat_map(|f| &f.rows)
            .filter(|r| r.effect == Effect::Transformed)
            .collect();
        assert!(
            transformed.iter().any(|r| r.transform.map(Transform::as_str) == Some("age-band")),
            "{transformed:?}"
        );
        assert!(mopac
            .lawful_basis
            .iter()
            .all(|b| b.kind != "article_9" || b.description.is_some()));
        assert!(of(&policy, "ISA-NONE").is_none());
    }

    #[test]
    fn categories_only_from_the_recorded_schema_text() {
        let policy = Policy::build(samples()).unwrap();
        let sha = policy.schema_sha256("referral.v1.json").unwrap().to_owned();
        let paths = vec!["/health_notes".to_owned(), "/concern".to_owned(), "/nope".to_owned()];
        let recorded = BTreeMap::from([("referral.v1.json".to_owned(), sha)]);
        let got: Vec<String> =
            categories(&policy, &recorded, &paths).into_iter().map(|(_, c)| c).collect();
        assert_eq!(got, ["health", "none", NOT_KNOWN]);
        let stale = BTreeMap::from([("referral.v1.json".to_owned(), "0".repeat(64))]);
        assert!(categories(&policy, &stale, &paths).iter().all(|(_, c)| c == NOT_KNOWN));
    }
}
