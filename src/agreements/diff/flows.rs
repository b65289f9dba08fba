//! Flow-level findings (route, method, path, purposes, query) and field-level findings
//! (what reaches the recipient, per direction), for one agreement.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::fields::{declared_fields, Exposure};
use super::order::{compare as rank, name};
use super::{Effect, Finding, Kind, Scope};
use crate::agreements::lawful_basis::{self, Unlocks};
use crate::agreements::matching::path_matches;
use crate::agreements::{Agreement, Flow};
use crate::codes::Direction;
use crate::policy::Policy;

/// The keys of a flow compared here; any other is compared as text.
const FLOW_KEYS: &[&str] = &[
    "id",
    "from",
    "to",
    "method",
    "path",
    "purposes",
    "query",
    "request_schema",
    "response_schema",
    "content_encodings",
];

/// Every flow of `a` (old) and `b` (new), and the emergency clause.
pub(super) fn compare(
    old: &Policy,
    new: &Policy,
    a: Option<&Agreement>,
    b: Option<&Agreement>,
    out: &mut Vec<Finding>,
) {
    let Some(id) = a.or(b).map(|x| x.id.as_str()) else { return };
    let ids: BTreeSet<&str> =
        a.into_iter().chain(b).flat_map(|x| x.flows.iter().map(|f| f.id.as_str())).collect();
    let side = |p: &'_ Policy,
                x: Option<&Agreement>,
                schema: fn(&Flow) -> Option<&String>,
                flow: Option<&Flow>| {
        let unlocks = x.zip(flow).map(|(x, f)| lawful_basis::unlocks(x.basis_for(f), f.regime));
        exposures(p, flow.and_then(schema).map(String::as_str), unlocks)
    };
    for fid in ids {
        let fa = a.and_then(|x| x.flow(fid));
        let fb = b.and_then(|x| x.flow(fid));
        let mut scope = Scope { agreement: id, flow: Some(fid), out: &mut *out };
        match (fa, fb) {
            (Some(f), None) => {
                scope.push(
                    Kind::Flow,
                    Some(fid),
                    Some(route(f)),
                    None,
                    Effect::Narrows,
                    format!("flow `{fid}` removed ({})", route(f)),
                );
                continue;
            }
            (None, Some(f)) => scope.push(
                Kind::Flow,
                Some(fid),
                None,
                Some(route(f)),
                Effect::Widens,
                format!("flow `{fid}` added ({})", route(f)),
            ),
            (Some(x), Some(y)) => flow_keys(&mut scope, x, y),
            (None, None) => continue,
        }
        for (direction, schema) in [
            (
                Direction::Request,
                (|f: &Flow| f.request_schema.as_ref()) as fn(&Flow) -> Option<&String>,
            ),
            (Direction::Response, |f: &Flow| f.response_schema.as_ref()),
        ] {
            let before = side(old, a, schema, fa);
            let after = side(new, b, schema, fb);
            field_findings(&mut scope, direction, false, &before, &after);
        }
    }
    // The emergency clause: its schemas replace the flow's for an emergency.
    let clause = |p: &Policy, x: Option<&Agreement>, response: bool| {
        let c = x.and_then(|x| x.emergency.as_ref()).filter(|c| c.allowed);
        let schema = c.and_then(|c| {
            if response {
                c.response_schema.as_deref()
            } else {
                Some(c.request_schema.as_str())
            }
        });
        exposures(p, schema, x.map(clause_unlocks))
    };
    let mut scope = Scope { agreement: id, flow: None, out };
    for (direction, response) in [(Direction::Request, false), (Direction::Response, true)] {
        field_findings(
            &mut scope,
            direction,
            true,
            &clause(old, a, response),
            &clause(new, b, response),
        );
    }
}

fn route(f: &Flow) -> String {
    format!("{} to {}: {} {}", f.from, f.to, f.method, f.path)
}

fn flow_keys(scope: &mut Scope<'_>, a: &Flow, b: &Flow) {
    if (a.from.as_str(), a.to.as_str()) != (b.from.as_str(), b.to.as_str()) {
        let (x, y) = (format!("{} to {}", a.from, a.to), format!("{} to {}", b.from, b.to));
        let message = format!("flow now runs {y} (was {x})");
        scope.replaced(Kind::Route, (&x, &y), Effect::Review, message);
    }
    if !a.method.eq_ignore_ascii_case(&b.method) {
        let message = format!("method `{}` became `{}`", a.method, b.method);
        scope.replaced(Kind::Method, (&a.method, &b.method), Effect::Review, message);
    }
    if a.path != b.path {
        // A template that matches the other (read as a path) covers it, unless the other
        // ends in `/*` (one or more segments) and it does not.
        let covers =
            |x: &str, y: &str| path_matches(x, y) && (!y.ends_with("/*") || x.ends_with("/*"));
        let effect = match (covers(&b.path, &a.path), covers(&a.path, &b.path)) {
            (true, true) => Effect::Neutral,
            (true, false) => Effect::Widens,
            (false, true) => Effect::Narrows,
            (false, false) => Effect::Review,
        };
        let message = format!("path `{}` became `{}`", a.path, b.path);
        scope.replaced(Kind::Path, (&a.path, &b.path), effect, message);
    }
    scope.members(Kind::Purpose, "flow purpose", &a.purposes, &b.purposes, Effect::Widens);
    scope.members(Kind::Query, "query parameter", &a.query, &b.query, Effect::Widens);
    let json = |f: &Flow| serde_json::to_value(f).unwrap_or(Value::Null);
    scope.other_keys(&json(a), &json(b), FLOW_KEYS);
}

/// What an emergency clause of `x` unlocks: the agreement's own lawful basis, under the
/// regime its flows name (the first flow's; UK GDPR when it has none).
fn clause_unlocks(x: &Agreement) -> Unlocks {
    let regime = x.flows.first().map(|f| f.regime).unwrap_or_default();
    lawful_basis::unlocks(&x.lawful_basis, regime)
}

/// What the recipient sees of each declared field of `schema` given what the lawful basis
/// in force unlocks (`None`: no agreement on this side).
fn exposures(
    policy: &Policy,
    schema: Option<&str>,
    unlocks: Option<Unlocks>,
) -> BTreeMap<String, Exposure> {
    let (Some(plan), Some(u)) = (schema.and_then(|s| policy.plan(s)), unlocks) else {
        return BTreeMap::new();
    };
    let (a9, a10) = (u.special_category, u.criminal_offence);
    declared_fields(plan).into_iter().map(|(path, f)| (path, Exposure::of(f, a9, a10))).collect()
}

fn field_findings(
    scope: &mut Scope<'_>,
    direction: Direction,
    clause: bool,
    before: &BTreeMap<String, Exposure>,
    after: &BTreeMap<String, Exposure>,
) {
    let paths: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    let side = if clause { " (emergency clause)" } else { "" };
    let show = |e: Exposure| match e {
        Exposure::Seen(t) => name(t).to_owned(),
        Exposure::Locked(c) => format!("stripped ({})", c.as_str()),
    };
    for path in paths {
        let (o, n) = (before.get(path).copied(), after.get(path).copied());
        let finding = match (o, n) {
            (None, Some(e)) if e.reaches() => Some((
                Kind::Field,
                Effect::Widens,
                format!("`{path}` newly disclosed ({}){side}", show(e)),
            )),
            (Some(e), None) if e.reaches() => {
                Some((Kind::Field, Effect::Narrows, format!("`{path}` no longer disclosed{side}")))
            }
            (Some(Exposure::Locked(c)), Some(e)) if e.reaches() => Some((
                Kind::Category,
                Effect::Widens,
                format!("{} field `{path}` newly unlocked ({}){side}", c.as_str(), show(e)),
            )),
            (Some(e), Some(Exposure::Locked(c))) if e.reaches() => Some((
                Kind::Category,
                Effect::Narrows,
                format!("{} field `{path}` now stripped for want of a condition{side}", c.as_str()),
            )),
            (Some(Exposure::Seen(x)), Some(Exposure::Seen(y))) if x != y => {
                let (effect, verb) = match rank(x, y) {
                    Some(Ordering::Greater)
                        if x == Some(crate::minimise::transforms::Transform::Drop) =>
                    {
                        (Effect::Widens, "no longer dropped")
                    }
                    Some(Ordering::Greater) => (Effect::Widens, "transform weakened"),
                    Some(Ordering::Less) => (Effect::Narrows, "transform strengthened"),
                    _ => (Effect::Review, "transform changed, review"),
                };
                Some((
                    Kind::Transform,
                    effect,
                    format!("`{path}` {verb}: `{}` to `{}`{side}", name(x), name(y)),
                ))
            }
            _ => None,
        };
        if let Some((kind, effect, message)) = finding {
            let (old, new) = (o.map(show), n.map(show));
            scope.push(kind, Some(path), old, new, effect, message);
            if let Some(last) = scope.out.last_mut() {
                last.direction = Some(direction);
                last.emergency_clause = clause;
            }
        }
    }
}
