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
mod terms;
#[cfg(test)]
mod tests;

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_with::skip_serializing_none;

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

/// One thing the change does. A member that does not apply is left out of its JSON.
#[skip_serializing_none]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// The agreement id (`emergency-policy` for `emergency-policy.yaml`).
    pub agreement: String,
    /// The flow id, for a flow-level finding.
    pub flow: Option<String>,
    /// Which way the fields travel, for a field-level finding.
    pub direction: Option<Direction>,
    /// About the agreement's emergency clause (its schemas replace the flow's).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub emergency_clause: bool,
    pub kind: Kind,
    /// What changed: a field's schema path, a party or purpose id, a key.
    pub item: Option<String>,
    pub old: Option<String>,
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

    /// A finding about `item` (the agreement or flow itself when `None`) with no old or
    /// new value to show.
    pub fn about(&mut self, kind: Kind, item: Option<&str>, effect: Effect, message: String) {
        self.push(kind, item, None, None, effect, message);
    }

    /// A value of the agreement or flow itself that went from `old` to `new`.
    pub fn replaced(
        &mut self,
        kind: Kind,
        (old, new): (&str, &str),
        effect: Effect,
        message: String,
    ) {
        self.push(kind, None, Some(old.to_owned()), Some(new.to_owned()), effect, message);
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
            terms::agreement_keys(&mut scope, a, b);
        }
        flows::compare(old, new, a, b, &mut findings);
    }
    terms::emergency_policy(
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
