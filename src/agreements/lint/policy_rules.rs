//! Lint rules about `emergency-policy.yaml` (contract section 6): unique rule ids, known
//! agencies and categories, valid methods, paths and limits. Its schemas are checked with
//! every other schema use.

use std::collections::HashMap;

use super::agreement_rules::unknown_category;
use super::yaml_tree::Step;
use super::{Finding, Report, Rule};
use crate::agreements::load::ParsedPolicy;
use crate::agreements::matching::{template_problem, METHODS};
use crate::agreements::model::{AgencyRef, EMERGENCY_CATEGORIES};
use crate::spelling::did_you_mean;

use Step::{Index as I, Key as K};

pub(crate) fn check_policy(p: &ParsedPolicy, agencies: Option<&[AgencyRef]>, report: &mut Report) {
    let f = p.file.as_str();
    let t = &p.tree;
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, rule) in p.policy.rules.iter().enumerate() {
        let at = |path: &[Step<'_>]| {
            let mut full = vec![K("rules"), I(i)];
            full.extend_from_slice(path);
            t.pos_at(&full)
        };
        if let Some(first) = seen.get(rule.id.as_str()) {
            report.push(
                Finding::new(
                    Rule::DuplicateId,
                    f,
                    at(&[K("id")]),
                    format!("rule id `{}` is used twice (first as rule {})", rule.id, first + 1),
                    "give each rule its own id",
                )
                .label("used twice"),
            );
        } else {
            seen.insert(&rule.id, i);
        }
        if let Some(agencies) = agencies {
            for (key, list) in [("from", &rule.from), ("to", &rule.to)] {
                for (j, id) in list.iter().enumerate() {
                    if id != "*" && !agencies.iter().any(|g| &g.id == id) {
                        let hint = did_you_mean(id, agencies.iter().map(|g| g.id.as_str()));
                        report.push(
                            Finding::new(
                                Rule::UnknownParty,
                                f,
                                at(&[K(key), I(j)]),
                                format!("`{id}` in `{key}` of rule `{}` is not a registered agency", rule.id),
                                format!("{hint}use an agency id from the configuration, or `*` for any agency"),
                            )
                            .label("not registered"),
                        );
                    }
                }
            }
        }
        if rule.categories.is_empty() {
            report.push(
                Finding::new(
                    Rule::InvalidValue,
                    f,
                    at(&[K("categories")]),
                    format!("rule `{}` lists no categories, so it never applies", rule.id),
                    format!("list the categories it allows: {}", EMERGENCY_CATEGORIES.join(", ")),
                )
                .label("empty"),
            );
        }
        for (j, c) in rule.categories.iter().enumerate() {
            if !EMERGENCY_CATEGORIES.contains(&c.as_str()) {
                report.push(unknown_category(f, at(&[K("categories"), I(j)]), c));
            }
        }
        for (j, m) in rule.methods.iter().flatten().enumerate() {
            if !METHODS.contains(&m.as_str()) {
                let hint = did_you_mean(m, METHODS.iter().copied());
                report.push(
                    Finding::new(
                        Rule::InvalidMethod,
                        f,
                        at(&[K("methods"), I(j)]),
                        format!("`{m}` is not a method a rule may allow"),
                        format!("{hint}use one of: {} (upper case)", METHODS.join(", ")),
                    )
                    .label("invalid method"),
                );
            }
        }
        for (j, path) in rule.paths.iter().flatten().enumerate() {
            if let Some(problem) = template_problem(path) {
                report.push(
                    Finding::new(
                        Rule::InvalidPath,
                        f,
                        at(&[K("paths"), I(j)]),
                        format!("path `{path}` of rule `{}` is not a valid template: {problem}", rule.id),
                        "write an absolute path such as `/v1/referrals`, `/v1/cases/{case}` or `/v1/extracts/*`",
                    )
                    .label("invalid path"),
                );
            }
        }
    }
    let limits = &p.policy.limits;
    for (key, limit) in
        [("per_requester", &limits.per_requester), ("per_agency", &limits.per_agency)]
    {
        if limit.window().is_none() {
            report.push(
                Finding::new(
                    Rule::InvalidLimit,
                    f,
                    t.pos_at(&[K("limits"), K(key), K("per")]),
                    format!("`per` of `{key}` is `{}`, which is not a period", limit.per),
                    "write a whole number followed by s, m, h or d, e.g. `24h`",
                )
                .label("not a period"),
            );
        }
    }
}
