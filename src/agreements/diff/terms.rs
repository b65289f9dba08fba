//! Agreement-level findings: status, parties, purposes, lawful basis, dates, retention,
//! international transfer, restrictions override, the emergency clause and
//! `emergency-policy.yaml`. Any key not read here is compared as text ("changed, review").

use std::collections::BTreeSet;

use serde_json::Value;

use super::{text, Effect, Finding, Kind, Scope};
use crate::agreements::{Agreement, AgreementStatus, EmergencyPolicy};

/// The keys the agreement-level comparison reads itself; any other is compared as text.
const AGREEMENT_KEYS: &[&str] = &[
    "id",
    "version",
    "status",
    "parties",
    "purposes",
    "lawful_basis",
    "retention",
    "effective_from",
    "expires",
    "review_by",
    "international_transfer",
    "restrictions_override",
    "emergency",
    "flows",
];

pub(super) fn agreement_keys(scope: &mut Scope<'_>, a: &Agreement, b: &Agreement) {
    if a.status != b.status {
        let effect =
            match (a.status == AgreementStatus::Active, b.status == AgreementStatus::Active) {
                (false, true) => Effect::Widens,
                (true, false) => Effect::Narrows,
                _ => Effect::Neutral,
            };
        let (o, n) = (a.status.as_str(), b.status.as_str());
        scope.replaced(Kind::Status, (o, n), effect, format!("status `{o}` became `{n}`"));
    }
    scope.members(Kind::Party, "party", &a.parties, &b.parties, Effect::Widens);
    let ids = |x: &Agreement| x.purposes.iter().map(|p| p.id.clone()).collect::<Vec<_>>();
    scope.members(Kind::Purpose, "purpose", &ids(a), &ids(b), Effect::Widens);
    for p in &b.purposes {
        if a.purposes.iter().any(|q| q.id == p.id && q.description != p.description) {
            let message = format!("purpose `{}` reworded", p.id);
            scope.about(Kind::Purpose, Some(&p.id), Effect::Neutral, message);
        }
    }
    lawful_basis(scope, a, b);
    if a.retention != b.retention {
        let retention = (a.retention.as_str(), b.retention.as_str());
        scope.replaced(Kind::Retention, retention, Effect::Review, "retention changed".into());
    }
    dates(
        scope,
        Kind::EffectiveFrom,
        "effective_from",
        Some(a.effective_from),
        Some(b.effective_from),
        false,
    );
    dates(scope, Kind::Expires, "expires", Some(a.expires), Some(b.expires), true);
    if a.review_by != b.review_by {
        let show = |d: Option<jiff::civil::Date>| d.map(|d| d.to_string());
        scope.push(
            Kind::ReviewBy,
            None,
            show(a.review_by),
            show(b.review_by),
            Effect::Neutral,
            "review date changed".into(),
        );
    }
    let json = |v: &Agreement| serde_json::to_value(v).unwrap_or(Value::Null);
    let (ja, jb) = (json(a), json(b));
    for (key, kind) in [
        ("international_transfer", Kind::InternationalTransfer),
        ("restrictions_override", Kind::RestrictionsOverride),
    ] {
        let (x, y) = (ja.get(key).filter(|v| !v.is_null()), jb.get(key).filter(|v| !v.is_null()));
        let effect = match (x, y) {
            (None, Some(_)) => Effect::Widens,
            (Some(_), None) => Effect::Narrows,
            (x, y) if x == y => continue,
            _ => Effect::Review,
        };
        scope.push(
            kind,
            Some(key),
            x.map(text),
            y.map(text),
            effect,
            format!(
                "`{key}` {}",
                match effect {
                    Effect::Widens => "added",
                    Effect::Narrows => "removed",
                    _ => "changed",
                }
            ),
        );
    }
    emergency_clause(scope, a, b);
    scope.other_keys(&ja, &jb, AGREEMENT_KEYS);
}

/// A date that widens when it moves later (`later_widens`) or earlier.
fn dates(
    scope: &mut Scope<'_>,
    kind: Kind,
    key: &str,
    a: Option<jiff::civil::Date>,
    b: Option<jiff::civil::Date>,
    later_widens: bool,
) {
    if let (Some(x), Some(y)) = (a, b) {
        if x != y {
            let effect = Effect::of((y > x) == later_widens);
            scope.push(
                kind,
                Some(key),
                Some(x.to_string()),
                Some(y.to_string()),
                effect,
                format!("`{key}` moved from {x} to {y}"),
            );
        }
    }
}

/// Lawful basis as a set of `key: code` strings (whatever keys the agreement has).
/// Naming a first Article 9 / 10 condition widens (fields unlock: see the field findings),
/// removing the last narrows, any other change is for review.
fn lawful_basis(scope: &mut Scope<'_>, a: &Agreement, b: &Agreement) {
    let flat = |x: &Agreement| -> BTreeSet<(String, String)> {
        let v = serde_json::to_value(&x.lawful_basis).unwrap_or(Value::Null);
        let mut out = BTreeSet::new();
        if let Some(map) = v.as_object() {
            for (key, codes) in map {
                for code in codes.as_array().into_iter().flatten() {
                    out.insert((key.clone(), text(code)));
                }
            }
        }
        out
    };
    let (o, n) = (flat(a), flat(b));
    let has = |s: &BTreeSet<(String, String)>, key: &str| s.iter().any(|(k, _)| k == key);
    for ((key, code), added) in
        n.difference(&o).map(|x| (x, true)).chain(o.difference(&n).map(|x| (x, false)))
    {
        let unlocking =
            matches!(key.as_str(), "article_9" | "article_10") && (has(&o, key) != has(&n, key));
        let effect = if unlocking { Effect::of(added) } else { Effect::Review };
        let item = format!("{key}: {code}");
        let (old, new) =
            if added { (None, Some(code.clone())) } else { (Some(code.clone()), None) };
        let verb = if added { "added" } else { "removed" };
        scope.push(
            Kind::LawfulBasis,
            Some(&item),
            old,
            new,
            effect,
            format!("lawful basis `{code}` ({key}) {verb}"),
        );
    }
}

fn emergency_clause(scope: &mut Scope<'_>, a: &Agreement, b: &Agreement) {
    let allowed = |x: &Agreement| x.emergency.as_ref().is_some_and(|c| c.allowed);
    if allowed(a) != allowed(b) {
        let verb = if allowed(b) { "now allowed" } else { "no longer allowed" };
        scope.about(
            Kind::Emergency,
            None,
            Effect::of(allowed(b)),
            format!("emergency sharing {verb}"),
        );
    }
    let cats = |x: &Agreement| -> Vec<String> {
        match &x.emergency {
            Some(c) if c.allowed => c.categories.clone().unwrap_or_else(|| {
                crate::agreements::EMERGENCY_CATEGORIES.iter().map(|s| (*s).to_owned()).collect()
            }),
            _ => Vec::new(),
        }
    };
    if allowed(a) && allowed(b) {
        scope.members(
            Kind::EmergencyCategory,
            "emergency category",
            &cats(a),
            &cats(b),
            Effect::Widens,
        );
    }
}

/// `emergency-policy.yaml`: rules by id; a changed rule is for review.
pub(super) fn emergency_policy(
    a: Option<&EmergencyPolicy>,
    b: Option<&EmergencyPolicy>,
    out: &mut Vec<Finding>,
) {
    let mut scope = Scope { agreement: "emergency-policy", flow: None, out };
    let rules = |p: Option<&EmergencyPolicy>| p.map(|p| p.rules.clone()).unwrap_or_default();
    let (ra, rb) = (rules(a), rules(b));
    let ids =
        |r: &[crate::agreements::EmergencyRule]| r.iter().map(|x| x.id.clone()).collect::<Vec<_>>();
    scope.members(Kind::EmergencyRule, "emergency rule", &ids(&ra), &ids(&rb), Effect::Widens);
    for x in &ra {
        if rb.iter().any(|y| y.id == x.id && y != x) {
            let message = format!("emergency rule `{}` changed", x.id);
            scope.about(Kind::EmergencyRule, Some(&x.id), Effect::Review, message);
        }
    }
    let limits = |p: Option<&EmergencyPolicy>| {
        p.map(|p| serde_json::to_value(&p.limits).unwrap_or(Value::Null))
    };
    if a.is_some() && b.is_some() && limits(a) != limits(b) {
        scope.push(
            Kind::EmergencyRule,
            Some("limits"),
            limits(a).map(|v| text(&v)),
            limits(b).map(|v| text(&v)),
            Effect::Review,
            "emergency limits changed".into(),
        );
    }
}
