//! The diff on the sample set changed in memory: kinds the golden test does not show
//! (method, narrowed path, incomparable transforms, a category locked again, the
//! emergency clause's schema).

use serde_json::json;

use super::{diff, Effect, Finding, Kind};
use crate::agreements::load::load_set;
use crate::agreements::AgreementSet;
use crate::policy::Policy;

fn samples() -> AgreementSet {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    load_set(&root.join("agreements"), &root.join("schemas")).unwrap()
}

fn changed(edit: impl FnOnce(&mut AgreementSet)) -> Vec<Finding> {
    let old = samples();
    let mut new = old.clone();
    edit(&mut new);
    diff(&Policy::build(old).unwrap(), &Policy::build(new).unwrap()).findings
}

fn agreement<'a>(set: &'a mut AgreementSet, id: &str) -> &'a mut crate::agreements::Agreement {
    &mut set.agreements.iter_mut().find(|a| a.agreement.id == id).unwrap().agreement
}

#[test]
fn nothing_changed_nothing_found() {
    assert!(changed(|_| {}).is_empty());
}

#[test]
fn method_and_narrowed_path() {
    let found = changed(|set| {
        let a = agreement(set, "ISA-LCC-MERPOL-0007");
        a.flows[0].method = "PUT".into();
        a.flows[1].path = "/v1/referrals/open".into();
    });
    let kinds: Vec<(Kind, Effect)> = found.iter().map(|f| (f.kind, f.effect)).collect();
    assert_eq!(kinds, [(Kind::Method, Effect::Review), (Kind::Path, Effect::Narrows)]);
    assert_eq!(found[0].flow.as_deref(), Some("referral"));
}

#[test]
fn incomparable_transforms_and_a_category_locked_again() {
    let found = changed(|set| {
        let schema = set.schemas.get_mut("research-extract.v1.json").unwrap();
        let case = schema.json.pointer_mut("/$defs/case/properties").unwrap();
        case["case_id"]["x-isagate-transform"] = json!("year");
        case["date_of_birth"]["x-isagate-transform"] = json!("mask");
        agreement(set, "ISA-LCC-UOL-0002").lawful_basis.article_9.clear();
    });
    let by_item = |item: &str| found.iter().find(|f| f.item.as_deref() == Some(item)).unwrap();
    assert_eq!(by_item("/cases/*/case_id").effect, Effect::Review);
    assert_eq!(by_item("/cases/*/date_of_birth").effect, Effect::Narrows);
    let locked = by_item("/cases/*/ethnicity");
    assert_eq!((locked.kind, locked.effect), (Kind::Category, Effect::Narrows));
    assert!(found.iter().any(|f| f.kind == Kind::LawfulBasis && f.effect == Effect::Narrows));
}

#[test]
fn the_emergency_clause_schema() {
    let found = changed(|set| {
        let schema = set.schemas.get_mut("referral.emergency.v1.json").unwrap();
        let props = schema.json.pointer_mut("/properties").unwrap();
        props["callback_number"] = json!({"type": "string"});
    });
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].emergency_clause && found[0].flow.is_none());
    assert_eq!((found[0].kind, found[0].effect), (Kind::Field, Effect::Widens));
    assert_eq!(found[0].item.as_deref(), Some("/callback_number"));
}
