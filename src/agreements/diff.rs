//! `isagate agreements diff`: what a change to a set of agreements does, per agreement,
//! flow and direction, each finding marked widens / narrows / neutral / "changed,
//! review" (issue 13 part 2, contract section 7; documented in `docs/diff.md`).
//!
//! [`diff`] compares two compiled [`Policy`]s: fields from the schema plans the gateway
//! uses ([`fields`]), transforms by the documented partial order ([`order`]). [`impact`]
//! replays recorded traffic against the new set through the one decision
//! ([`crate::policy::decision`]), counts only. [`render`] writes the result for people.
//!
//! Must not: read files, stores or clocks (the impact takes a store handed to it), or
//! put anything but agreement and schema text into a finding.

pub mod fields;
mod flows;
pub mod impact;
pub mod order;
pub mod render;
#[cfg(test)]
mod tests;

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::agreements::{Agreement, AgreementStatus, EmergencyPolicy};
use crate::codes::Direction;
use crate::policy::Policy;

pub use impact::{impact, Impact, ImpactError, Window};

/// What a finding does to what may be disclosed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Effect {
    /// More may be disclosed, or to more parties, or for longer.
    Widens,
    /// Less may be disclosed.
    Narrows,
    /// Nothing disclosed changes (a title, a review date).
    Neutral,
    /// A change that cannot be ranked (two transforms the order does not compare, free
    /// text such as retention): a person must look.
    Review,
}

impl Effect {
    pub fn label(self) -> &'static str {
        match self {
            Self::Widens => "widens",
            Self::Narrows => "narrows",
            Self::Neutral => "neutral",
            Self::Review => "changed, review",
        }
    }

    fn of(widens: bool) -> Self {
        if widens {
            Self::Widens
        } else {
            Self::Narrows
        }
    }
}

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Agreement,
    Status,
    Party,
    Purpose,
    LawfulBasis,
    Retention,
    EffectiveFrom,
    Expires,
    ReviewBy,
    InternationalTransfer,
    RestrictionsOverride,
    Emergency,
    EmergencyCategory,
    EmergencyRule,
    /// Any other key of an agreement or flow (title, owner, keys added later).
    Detail,
    Flow,
    Route,
    Method,
    Path,
    Query,
    Field,
    Category,
    Transform,
}

/// One thing the change does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The agreement id (`emergency-policy` for `emergency-policy.yaml`).
    pub agreement: String,
    /// The flow id, for a flow-level finding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow: Option<String>,
    /// Which way the fields travel, for a field-level finding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<Direction>,
    /// About the agreement's emergency clause (its schemas replace the flow's).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub emergency_clause: bool,
    pub kind: Kind,
    /// What changed: a field's schema path, a party or purpose id, a key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new: Option<String>,
    pub effect: Effect,
    /// One sentence for people.
    pub message: String,
}

/// How many findings of each effect.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub widens: usize,
    pub narrows: usize,
    pub neutral: usize,
    pub review: usize,
}

/// Everything a change does, agreement by agreement, in a stable order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diff {
    pub summary: Summary,
    pub findings: Vec<Finding>,
}

impl Diff {
    /// Something widens.
    pub fn widens(&self) -> bool {
        self.summary.widens > 0
    }
}

/// Where findings about one agreement (and flow) are collected.
pub(crate) struct Scope<'a> {
    pub agreement: &'a str,
    pub flow: Option<&'a str>,
    pub out: &'a mut Vec<Finding>,
}

impl Scope<'_> {
    pub fn push(
        &mut self,
        kind: Kind,
        item: Option<&str>,
        old: Option<String>,
        new: Option<String>,
        effect: Effect,
        message: String,
    ) {
        self.out.push(Finding {
            agreement: self.agreement.to_owned(),
            flow: self.flow.map(str::to_owned),
            direction: None,
            emergency_clause: false,
            kind,
            item: item.map(str::to_owned),
            old,
            new,
            effect,
            message,
        });
    }

    /// Members added to and removed from a list: `added` is the effect of an addition.
    pub fn members(
        &mut self,
        kind: Kind,
        what: &str,
        old: &[String],
        new: &[String],
        added: Effect,
    ) {
        let (o, n): (BTreeSet<&String>, BTreeSet<&String>) =
            (old.iter().collect(), new.iter().collect());
        let removed = match added {
            Effect::Widens => Effect::Narrows,
            Effect::Narrows => Effect::Widens,
            other => other,
        };
        for m in n.difference(&o) {
            self.push(
                kind,
                Some(m),
                None,
                Some((*m).clone()),
                added,
                format!("{what} `{m}` added"),
            );
        }
        for m in o.difference(&n) {
            self.push(
                kind,
                Some(m),
                Some((*m).clone()),
                None,
                removed,
                format!("{what} `{m}` removed"),
            );
        }
    }

    /// Keys of `old`/`new` (JSON objects) not in `known`, compared as text: "changed, review".
    pub fn other_keys(&mut self, old: &Value, new: &Value, known: &[&str]) {
        let keys: BTreeSet<&String> = [old, new]
            .iter()
            .filter_map(|v| v.as_object())
            .flat_map(|m| m.keys())
            .filter(|k| !known.contains(&k.as_str()))
            .collect();
        for key in keys {
            let (a, b) =
                (old.get(key).filter(|v| !v.is_null()), new.get(key).filter(|v| !v.is_null()));
            if a != b {
                let effect = if key == "title" || key == "owner" || key == "dpia" {
                    Effect::Neutral
                } else {
                    Effect::Review
                };
                self.push(
                    Kind::Detail,
                    Some(key),
                    a.map(text),
                    b.map(text),
                    effect,
                    format!("`{key}` changed"),
                );
            }
        }
    }
}

/// A JSON value as one line of text (strings without their quotes).
pub(crate) fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Compare two compiled sets.
pub fn diff(old: &Policy, new: &Policy) -> Diff {
    let mut findings = Vec::new();
    let ids: BTreeSet<&str> = old
        .set
        .agreements
        .iter()
        .chain(&new.set.agreements)
        .map(|a| a.agreement.id.as_str())
        .collect();
    for id in ids {
        let (a, b) = (old.set.agreement(id), new.set.agreement(id));
        let mut scope = Scope { agreement: id, flow: None, out: &mut findings };
        match (a, b) {
            (Some(_), None) => scope.push(
                Kind::Agreement,
                Some(id),
                Some(id.to_owned()),
                None,
                Effect::Narrows,
                format!("agreement `{id}` removed"),
            ),
            (None, Some(_)) => scope.push(
                Kind::Agreement,
                Some(id),
                None,
                Some(id.to_owned()),
                Effect::Widens,
                format!("agreement `{id}` added"),
            ),
            _ => {}
        }
        let (a, b) = (a.map(|l| &l.agreement), b.map(|l| &l.agreement));
        if let (Some(a), Some(b)) = (a, b) {
            agreement_keys(&mut scope, a, b);
        }
        flows::compare(old, new, a, b, &mut findings);
    }
    emergency_policy(
        old.set.emergency_policy.as_ref(),
        new.set.emergency_policy.as_ref(),
        &mut findings,
    );
    let mut summary = Summary::default();
    for f in &findings {
        match f.effect {
            Effect::Widens => summary.widens += 1,
            Effect::Narrows => summary.narrows += 1,
            Effect::Neutral => summary.neutral += 1,
            Effect::Review => summary.review += 1,
        }
    }
    Diff { summary, findings }
}

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

fn agreement_keys(scope: &mut Scope<'_>, a: &Agreement, b: &Agreement) {
    if a.status != b.status {
        let effect =
            match (a.status == AgreementStatus::Active, b.status == AgreementStatus::Active) {
                (false, true) => Effect::Widens,
                (true, false) => Effect::Narrows,
                _ => Effect::Neutral,
            };
        let (o, n) = (a.status.as_str(), b.status.as_str());
        scope.push(
            Kind::Status,
            None,
            Some(o.into()),
            Some(n.into()),
            effect,
            format!("status `{o}` became `{n}`"),
        );
    }
    scope.members(Kind::Party, "party", &a.parties, &b.parties, Effect::Widens);
    let ids = |x: &Agreement| x.purposes.iter().map(|p| p.id.clone()).collect::<Vec<_>>();
    scope.members(Kind::Purpose, "purpose", &ids(a), &ids(b), Effect::Widens);
    for p in &b.purposes {
        if a.purposes.iter().any(|q| q.id == p.id && q.description != p.description) {
            scope.push(
                Kind::Purpose,
                Some(&p.id),
                None,
                None,
                Effect::Neutral,
                format!("purpose `{}` reworded", p.id),
            );
        }
    }
    lawful_basis(scope, a, b);
    if a.retention != b.retention {
        scope.push(
            Kind::Retention,
            None,
            Some(a.retention.clone()),
            Some(b.retention.clone()),
            Effect::Review,
            "retention changed".into(),
        );
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
        scope.push(
            Kind::Emergency,
            None,
            None,
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
fn emergency_policy(
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
            scope.push(
                Kind::EmergencyRule,
                Some(&x.id),
                None,
                None,
                Effect::Review,
                format!("emergency rule `{}` changed", x.id),
            );
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
