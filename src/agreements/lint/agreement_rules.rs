//! Lint rules about agreements themselves (not their schemas): ids, parties, flows,
//! purposes, dates, methods, paths, overlapping flows and transfers outside the UK.

use std::collections::HashMap;

use jiff::civil::Date;

use super::yaml_tree::{Step, YNode};
use super::{Finding, Report, Rule};
use crate::agreements::load::ParsedAgreement;
use crate::agreements::matching::{template_problem, templates_overlap, METHODS};
use crate::agreements::model::{AgencyRef, Agreement, AgreementStatus, Flow, EMERGENCY_CATEGORIES};
use crate::spelling::{did_you_mean, suggest};

/// Content encodings a flow may allow (the gateway decompresses these).
pub(crate) const ENCODINGS: &[&str] = &["gzip"];

use Step::{Index as I, Key as K};

/// Every rule about agreements, over all parsed agreement files.
pub(crate) fn check_agreements(
    parsed: &[ParsedAgreement],
    agencies: Option<&[AgencyRef]>,
    today: Date,
    report: &mut Report,
) {
    let mut seen: HashMap<&str, &str> = HashMap::new();
    for p in parsed {
        let id = p.agreement.id.as_str();
        if let Some(first) = seen.get(id) {
            report.push(
                Finding::new(
                    Rule::DuplicateId,
                    &p.file,
                    p.tree.pos_of("id"),
                    format!("agreement id `{id}` is also used by `{first}`"),
                    "give each agreement its own id; ids are stable and appear in every disclosure record",
                )
                .label("used twice"),
            );
        } else {
            seen.insert(id, &p.file);
        }
        check_one(p, agencies, today, report);
    }
    if agencies.is_none() {
        if let Some(p) = parsed.first() {
            report.push(
                    Finding::new(
                        Rule::PartiesNotChecked,
                        &p.file,
                        p.tree.key_pos("parties"),
                        "parties were not checked against registered agencies: no configuration was given",
                        "pass `--config isagate.toml` (or run where `./isagate.toml` exists) to check every party",
                    )
                    .label("not checked"),
                );
        }
    }
    check_overlaps_across(parsed, report);
}

fn check_one(
    p: &ParsedAgreement,
    agencies: Option<&[AgencyRef]>,
    today: Date,
    report: &mut Report,
) {
    let a = &p.agreement;
    let t = &p.tree;
    let f = p.file.as_str();

    // Parties are registered agencies.
    if let Some(agencies) = agencies {
        for (i, party) in a.parties.iter().enumerate() {
            if !agencies.iter().any(|g| &g.id == party) {
                let hint = did_you_mean(party, agencies.iter().map(|g| g.id.as_str()));
                report.push(
                    Finding::new(
                        Rule::UnknownParty,
                        f,
                        t.pos_at(&[K("parties"), I(i)]),
                        format!("party `{party}` is not a registered agency"),
                        format!("{hint}use an agency id from the `[[agencies]]` tables of the configuration, or register the agency there"),
                    )
                    .label("not registered"),
                );
            }
        }
    }

    // Ids unique within the agreement.
    duplicate_ids(a.purposes.iter().map(|x| x.id.as_str()), "purposes", "purpose", t, f, report);
    duplicate_ids(a.flows.iter().map(|x| x.id.as_str()), "flows", "flow", t, f, report);

    // DPIA and dates.
    if a.status == AgreementStatus::Active && a.dpia.as_deref().is_none_or(|d| d.trim().is_empty())
    {
        report.push(
            Finding::new(
                Rule::MissingDpia,
                f,
                t.pos_of("status"),
                format!("agreement `{}` is active but names no data protection impact assessment", a.id),
                "add `dpia: <DPIA reference>` once the assessment is approved, or set `status: draft`",
            )
            .label("active without `dpia`"),
        );
    }
    if a.expires <= a.effective_from {
        report.push(
            Finding::new(
                Rule::ExpiresBeforeEffective,
                f,
                t.pos_of("expires"),
                format!(
                    "`expires` ({}) is not after `effective_from` ({})",
                    a.expires, a.effective_from
                ),
                "set `expires` to a date after `effective_from`",
            )
            .label("not after `effective_from`"),
        );
    }
    super::date_rules::check_dates(p, today, report);
    super::request_form_rules::check_request_form(p, report);

    // Purposes no flow uses.
    for (i, purpose) in a.purposes.iter().enumerate() {
        if !a.flows.iter().any(|fl| fl.purposes.contains(&purpose.id)) {
            report.push(
                Finding::new(
                    Rule::UnusedPurpose,
                    f,
                    t.pos_at(&[K("purposes"), I(i), K("id")]),
                    format!("purpose `{}` is declared but no flow uses it", purpose.id),
                    "add it to a flow's `purposes`, or remove it",
                )
                .label("unused"),
            );
        }
    }

    for (i, flow) in a.flows.iter().enumerate() {
        check_flow(a, flow, i, t, f, agencies, report);
    }

    // Emergency clause categories.
    if let Some(cats) = a.emergency.as_ref().and_then(|e| e.categories.as_ref()) {
        for (i, c) in cats.iter().enumerate() {
            if !EMERGENCY_CATEGORIES.contains(&c.as_str()) {
                report.push(unknown_category(
                    f,
                    t.pos_at(&[K("emergency"), K("categories"), I(i)]),
                    c,
                ));
            }
        }
    }

    // Two flows of one agreement that can match the same request.
    for (j, b) in a.flows.iter().enumerate() {
        for x in &a.flows[..j] {
            if let Some(purpose) = same_request(x, b) {
                report.push(
                    Finding::new(
                        Rule::OverlappingFlows,
                        f,
                        t.pos_at(&[K("flows"), I(j), K("path")]),
                        format!(
                            "flows `{}` and `{}` can match the same request ({} `{}` / `{}` for purpose `{purpose}`)",
                            x.id, b.id, b.method, x.path, b.path
                        ),
                        "make their paths, methods or purposes distinct, or merge the two flows",
                    )
                    .label("overlaps an earlier flow"),
                );
            }
        }
    }
}

pub(crate) fn unknown_category(file: &str, pos: super::Pos, c: &str) -> Finding {
    let hint = did_you_mean(c, EMERGENCY_CATEGORIES.iter().copied());
    Finding::new(
        Rule::UnknownEmergencyCategory,
        file,
        pos,
        format!("`{c}` is not an emergency category"),
        format!("{hint}use one of: {}", EMERGENCY_CATEGORIES.join(", ")),
    )
    .label("unknown category")
}

fn duplicate_ids<'a>(
    ids: impl Iterator<Item = &'a str>,
    list: &str,
    what: &str,
    t: &YNode,
    f: &str,
    report: &mut Report,
) {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, id) in ids.enumerate() {
        if let Some(first) = seen.get(id) {
            report.push(
                Finding::new(
                    Rule::DuplicateId,
                    f,
                    t.pos_at(&[K(list), I(i), K("id")]),
                    format!(
                        "{what} id `{id}` is used twice in this agreement (first as {what} {})",
                        first + 1
                    ),
                    format!("give each {what} its own id"),
                )
                .label("used twice"),
            );
        } else {
            seen.insert(id, i);
        }
    }
}

fn check_flow(
    a: &Agreement,
    flow: &Flow,
    i: usize,
    t: &YNode,
    f: &str,
    agencies: Option<&[AgencyRef]>,
    report: &mut Report,
) {
    let at = |key: &str| t.pos_at(&[K("flows"), I(i), K(key)]);
    for (key, party) in [("from", &flow.from), ("to", &flow.to)] {
        if !a.parties.contains(party) {
            report.push(
                Finding::new(
                    Rule::FlowPartyNotListed,
                    f,
                    at(key),
                    format!("flow `{}` names `{party}` in `{key}`, which is not one of the agreement's parties", flow.id),
                    flow_party_help(a, party, agencies),
                )
                .label("not a party"),
            );
        }
    }
    if flow.from == flow.to {
        report.push(
            Finding::new(
                Rule::FlowToSelf,
                f,
                at("to"),
                format!("flow `{}` goes from `{}` to itself", flow.id, flow.to),
                "a flow carries data between two different agencies: correct `from` or `to`",
            )
            .label("same as `from`"),
        );
    }
    if flow.purposes.is_empty() {
        report.push(
            Finding::new(
                Rule::InvalidValue,
                f,
                at("purposes"),
                format!("flow `{}` lists no purposes, so no request can ever match it", flow.id),
                "list the purposes (declared under `purposes`) this flow serves",
            )
            .label("empty"),
        );
    }
    for (j, purpose) in flow.purposes.iter().enumerate() {
        if !a.purposes.iter().any(|p| &p.id == purpose) {
            let hint = did_you_mean(purpose, a.purposes.iter().map(|p| p.id.as_str()));
            report.push(
                Finding::new(
                    Rule::UnknownPurpose,
                    f,
                    t.pos_at(&[K("flows"), I(i), K("purposes"), I(j)]),
                    format!("flow `{}` names purpose `{purpose}`, which the agreement does not declare", flow.id),
                    format!("{hint}declare it under `purposes` (with a description) or use a declared one"),
                )
                .label("undeclared purpose"),
            );
        }
    }
    if !METHODS.contains(&flow.method.as_str()) {
        let hint = did_you_mean(&flow.method, METHODS.iter().copied());
        report.push(
            Finding::new(
                Rule::InvalidMethod,
                f,
                at("method"),
                format!("`{}` is not a method a flow may use", flow.method),
                format!("{hint}use one of: {} (upper case)", METHODS.join(", ")),
            )
            .label("invalid method"),
        );
    }
    if let Some(problem) = template_problem(&flow.path) {
        report.push(
            Finding::new(
                Rule::InvalidPath,
                f,
                at("path"),
                format!("path `{}` of flow `{}` is not a valid template: {problem}", flow.path, flow.id),
                "write an absolute path such as `/v1/referrals`, `/v1/cases/{case}` or `/v1/extracts/*`",
            )
            .label("invalid path"),
        );
    }
    for (j, enc) in flow.content_encodings.iter().enumerate() {
        if !ENCODINGS.contains(&enc.as_str()) {
            report.push(
                Finding::new(
                    Rule::InvalidEncoding,
                    f,
                    t.pos_at(&[K("flows"), I(i), K("content_encodings"), I(j)]),
                    format!("content encoding `{enc}` is not supported"),
                    format!("use one of: {}", ENCODINGS.join(", ")),
                )
                .label("unsupported"),
            );
        }
    }
    if let Some(to) = agencies.and_then(|g| g.iter().find(|g| g.id == flow.to)) {
        if !to.jurisdiction.eq_ignore_ascii_case("GB") && a.international_transfer.is_none() {
            report.push(
                Finding::new(
                    Rule::InternationalTransferWithoutSafeguard,
                    f,
                    at("to"),
                    format!(
                        "flow `{}` sends to `{}` in jurisdiction `{}`, outside the UK, and the agreement names no safeguard: the gateway will refuse it",
                        flow.id, to.id, to.jurisdiction
                    ),
                    "add `international_transfer: {safeguard: adequacy | idta | addendum, reference: ...}`",
                )
                .label("outside the UK"),
            );
        }
        if !to.receives {
            report.push(
                Finding::new(
                    Rule::RecipientWithoutUpstream,
                    f,
                    at("to"),
                    format!("`{}` has no `upstream` in the configuration, so it cannot receive this flow", to.id),
                    "add the agency's `upstream` URL to its `[[agencies]]` table",
                )
                .label("cannot receive"),
            );
        }
    }
}

/// Help for a flow party that `parties` does not list. A registered agency is never
/// corrected towards a party that is itself a typo (`parties: [polce]` with `to: police`
/// must not suggest `polce`): the help then says to correct `parties`.
fn flow_party_help(a: &Agreement, party: &str, agencies: Option<&[AgencyRef]>) -> String {
    let registered = |p: &str| agencies.is_none_or(|g| g.iter().any(|g| g.id == p));
    if agencies.is_some() && registered(party) {
        let typo = suggest(party, a.parties.iter().map(String::as_str).filter(|p| !registered(p)));
        return match typo {
            Some(t) => format!("`{party}` is a registered agency but `parties` lists `{t}`, which looks like a typo of it: correct `parties`"),
            None => format!("`{party}` is a registered agency: add it to `parties`, or use one of: {}", a.parties.join(", ")),
        };
    }
    let hint = did_you_mean(party, a.parties.iter().map(String::as_str).filter(|p| registered(p)));
    format!("{hint}use one of: {}", a.parties.join(", "))
}

/// Two flows that can match one request: same direction and method, overlapping paths
/// and a shared purpose. Returns the shared purpose.
fn same_request<'a>(x: &'a Flow, y: &Flow) -> Option<&'a str> {
    if x.from != y.from || x.to != y.to || !x.method.eq_ignore_ascii_case(&y.method) {
        return None;
    }
    if template_problem(&x.path).is_some() || template_problem(&y.path).is_some() {
        return None;
    }
    if !templates_overlap(&x.path, &y.path) {
        return None;
    }
    x.purposes.iter().find(|p| y.purposes.contains(p)).map(String::as_str)
}

/// Agreements that can be in force at the same time (both active, date ranges meet).
fn concurrent(a: &Agreement, b: &Agreement) -> bool {
    a.status == AgreementStatus::Active
        && b.status == AgreementStatus::Active
        && a.effective_from < b.expires
        && b.effective_from < a.expires
}

fn check_overlaps_across(parsed: &[ParsedAgreement], report: &mut Report) {
    for (j, later) in parsed.iter().enumerate() {
        for earlier in &parsed[..j] {
            if earlier.agreement.id == later.agreement.id
                || !concurrent(&earlier.agreement, &later.agreement)
            {
                continue;
            }
            for (i, y) in later.agreement.flows.iter().enumerate() {
                if let Some((x, purpose)) =
                    earlier.agreement.flows.iter().find_map(|x| same_request(x, y).map(|p| (x, p)))
                {
                    report.push(
                        Finding::new(
                            Rule::OverlappingAgreements,
                            &later.file,
                            later.tree.pos_at(&[K("flows"), I(i), K("path")]),
                            format!(
                                "flow `{}` can match the same requests as flow `{}` of `{}` (purpose `{purpose}`): callers must then send `Isagate-Agreement`",
                                y.id, x.id, earlier.agreement.id
                            ),
                            "if both agreements are meant to apply, tell the callers to name one in `Isagate-Agreement`; otherwise narrow one of them",
                        )
                        .label("overlaps another agreement"),
                    );
                }
            }
        }
    }
}
