//! Matching one request to the flow (or emergency clause, or emergency policy rule) that
//! permits it (contract sections 2, 3, 6, 11). Pure and allocation-light: the gateway
//! calls [`match_request`] on every request; nothing here reads files, clocks or config.
//!
//! Refusal sentences never hold personal data and never reveal whether an unknown
//! recipient exists: an unknown recipient and a known one with no agreement both get the
//! same `no-agreement` reason.

use jiff::civil::Date;

use super::model::{
    AgreementSet, EmergencyClause, EmergencyRule, Flow, LoadedAgreement, EMERGENCY_CATEGORIES,
};
use crate::codes::{Reason, RefusalCode};

/// HTTP methods a flow may name (upper case, as sent on the wire).
pub const METHODS: &[&str] = &["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];

/// The jurisdiction inside the UK (ISO 3166-1 alpha-2).
pub const HOME_JURISDICTION: &str = "GB";

/// Everything about a request that decides which flow permits it.
#[derive(Debug, Clone, Copy)]
pub struct RequestKey<'a> {
    /// The calling agency (from its certificate).
    pub caller: &'a str,
    /// The recipient agency id from the URL (possibly unknown).
    pub recipient: &'a str,
    /// The recipient's registered jurisdiction (`GB` inside the UK; anything for unknown).
    pub recipient_jurisdiction: &'a str,
    pub method: &'a str,
    /// The normalised upstream path, e.g. `/v1/referrals`.
    pub path: &'a str,
    /// `Isagate-Purpose`.
    pub purpose: &'a str,
    /// `Isagate-Agreement`, when sent.
    pub agreement: Option<&'a str>,
    /// `Isagate-Emergency` category, when sent.
    pub emergency: Option<&'a str>,
}

#[cfg(test)]
impl<'a> RequestKey<'a> {
    /// A test request: `caller` posts a referral to `recipient` (in GB) for
    /// safeguarding, naming no agreement and no emergency.
    pub(crate) fn referral(caller: &'a str, recipient: &'a str) -> Self {
        Self {
            caller,
            recipient,
            recipient_jurisdiction: "GB",
            method: "POST",
            path: "/v1/referrals",
            purpose: "safeguarding",
            agreement: None,
            emergency: None,
        }
    }
}

/// What permits a request.
#[derive(Debug, Clone, Copy)]
pub enum Matched<'s> {
    /// An ordinary flow of an in-force agreement.
    Flow { agreement: &'s LoadedAgreement, flow: &'s Flow },
    /// Emergency sharing under an agreement's clause: the clause's schema replaces the
    /// flow's request schema, the category stands in for the purpose.
    EmergencyClause { agreement: &'s LoadedAgreement, flow: &'s Flow, clause: &'s EmergencyClause },
    /// Emergency sharing under `emergency-policy.yaml`, where no agreement covers the pair.
    EmergencyPolicy { rule: &'s EmergencyRule },
}

/// The one sentence for every `no-agreement`, so an unknown recipient reads like any uncovered pair.
pub const NO_AGREEMENT: &str =
    "no agreement in force permits this caller to make this request to this recipient";

fn refuse(code: RefusalCode, detail: impl Into<String>) -> Vec<Reason> {
    vec![Reason::new(code, detail)]
}

/// Find what permits `key` on `today` (Europe/London), or why nothing does.
pub fn match_request<'s>(
    set: &'s AgreementSet,
    key: &RequestKey,
    today: Date,
) -> Result<Matched<'s>, Vec<Reason>> {
    match key.emergency {
        Some(category) => match_emergency(set, key, category, today),
        None => match_flow(set, key, today),
    }
}

fn route_matches(flow: &Flow, key: &RequestKey) -> bool {
    flow.from == key.caller
        && flow.to == key.recipient
        && flow.method == key.method
        && path_matches(&flow.path, key.path)
}

fn named(a: &LoadedAgreement, key: &RequestKey) -> bool {
    key.agreement.is_none_or(|id| a.agreement.id == id)
}

fn international_ok(a: &LoadedAgreement, key: &RequestKey) -> bool {
    key.recipient_jurisdiction.eq_ignore_ascii_case(HOME_JURISDICTION)
        || a.agreement.international_transfer.is_some()
}

fn match_flow<'s>(
    set: &'s AgreementSet,
    key: &RequestKey,
    today: Date,
) -> Result<Matched<'s>, Vec<Reason>> {
    let mut any_route = false;
    let mut any_in_force = false;
    let mut found: Option<(&'s LoadedAgreement, &'s Flow)> = None;
    let mut ambiguous = false;
    // The purposes the route allows (schema text, told to a caller that asserts another).
    let mut allowed: Vec<&str> = Vec::new();
    for a in set.agreements.iter().filter(|a| named(a, key)) {
        let routes: Vec<&Flow> =
            a.agreement.flows.iter().filter(|f| route_matches(f, key)).collect();
        if routes.is_empty() {
            continue;
        }
        any_route = true;
        if !a.agreement.in_force_on(today) {
            continue;
        }
        any_in_force = true;
        allowed.extend(routes.iter().flat_map(|f| f.purposes.iter().map(String::as_str)));
        if let Some(flow) = routes.into_iter().find(|f| f.purposes.iter().any(|p| p == key.purpose))
        {
            match found {
                None => found = Some((a, flow)),
                Some((prev, _)) if prev.agreement.id != a.agreement.id => ambiguous = true,
                Some(_) => {}
            }
        }
    }
    if !any_route {
        return Err(refuse(RefusalCode::NoAgreement, NO_AGREEMENT));
    }
    if !any_in_force {
        return Err(refuse(
            RefusalCode::AgreementNotInForce,
            "the agreement that covers this request is not in force (draft, suspended, expired or not yet effective)",
        ));
    }
    if ambiguous {
        return Err(refuse(
            RefusalCode::AgreementAmbiguous,
            "more than one agreement in force permits this request: name one in the `Isagate-Agreement` header",
        ));
    }
    let Some((agreement, flow)) = found else {
        allowed.sort_unstable();
        allowed.dedup();
        let list = allowed.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", ");
        return Err(refuse(
            RefusalCode::PurposeNotAllowed,
            format!(
                "the purpose in `Isagate-Purpose` is not one the matching flow allows: it allows {list}"
            ),
        ));
    };
    if !international_ok(agreement, key) {
        return Err(refuse(
            RefusalCode::InternationalTransfer,
            "the recipient is outside the UK and the agreement names no international transfer safeguard",
        ));
    }
    Ok(Matched::Flow { agreement, flow })
}

fn match_emergency<'s>(
    set: &'s AgreementSet,
    key: &RequestKey,
    category: &str,
    today: Date,
) -> Result<Matched<'s>, Vec<Reason>> {
    if !EMERGENCY_CATEGORIES.contains(&category) {
        return Err(refuse(
            RefusalCode::UnknownCategory,
            "`Isagate-Emergency` must be one of: risk-to-life, child-at-risk, adult-at-risk, serious-harm-to-others, serious-crime",
        ));
    }
    let not_allowed = || {
        refuse(
            RefusalCode::EmergencyNotAllowed,
            "emergency sharing of this kind is not permitted between this caller and this recipient",
        )
    };
    // Agreements in force that cover the pair (a flow from the caller to the recipient).
    let mut covered = false;
    let mut found: Option<(&'s LoadedAgreement, &'s Flow, &'s EmergencyClause)> = None;
    let mut ambiguous = false;
    for a in set.agreements.iter().filter(|a| a.agreement.in_force_on(today)) {
        let covers =
            a.agreement.flows.iter().any(|f| f.from == key.caller && f.to == key.recipient);
        if !covers {
            continue;
        }
        covered = true;
        if !named(a, key) {
            continue;
        }
        let Some(clause) = a.agreement.emergency.as_ref() else { continue };
        let category_ok =
            clause.categories.as_ref().is_none_or(|c| c.iter().any(|x| x == category));
        if !clause.allowed || !category_ok {
            continue;
        }
        if let Some(flow) = a.agreement.flows.iter().find(|f| route_matches(f, key)) {
            match found {
                None => found = Some((a, flow, clause)),
                Some((prev, _, _)) if prev.agreement.id != a.agreement.id => ambiguous = true,
                Some(_) => {}
            }
        }
    }
    if covered {
        if ambiguous {
            return Err(refuse(
                RefusalCode::AgreementAmbiguous,
                "more than one agreement in force permits this emergency request: name one in the `Isagate-Agreement` header",
            ));
        }
        let Some((agreement, flow, clause)) = found else { return Err(not_allowed()) };
        if !international_ok(agreement, key) {
            return Err(refuse(
                RefusalCode::InternationalTransfer,
                "the recipient is outside the UK and the agreement names no international transfer safeguard",
            ));
        }
        return Ok(Matched::EmergencyClause { agreement, flow, clause });
    }
    let Some(policy) = set.emergency_policy.as_ref() else { return Err(not_allowed()) };
    let rule = policy.rules.iter().find(|r| rule_matches(r, key, category));
    match rule {
        // The policy carries no transfer safeguard: it never reaches outside the UK.
        Some(_) if !key.recipient_jurisdiction.eq_ignore_ascii_case(HOME_JURISDICTION) => Err(refuse(
            RefusalCode::InternationalTransfer,
            "the recipient is outside the UK and emergency policy rules name no international transfer safeguard",
        )),
        Some(rule) => Ok(Matched::EmergencyPolicy { rule }),
        None => Err(not_allowed()),
    }
}

fn listed(list: &[String], id: &str) -> bool {
    list.iter().any(|x| x == "*" || x == id)
}

fn rule_matches(rule: &EmergencyRule, key: &RequestKey, category: &str) -> bool {
    listed(&rule.from, key.caller)
        && listed(&rule.to, key.recipient)
        && rule.categories.iter().any(|c| c == category)
        && match &rule.methods {
            Some(m) => m.iter().any(|m| m == key.method),
            None => key.method == "POST",
        }
        && match &rule.paths {
            Some(p) => p.iter().any(|t| path_matches(t, key.path)),
            None => true,
        }
}

/// `/v1/cases/*` -> (`/v1/cases`, true).
fn split_star(template: &str) -> (&str, bool) {
    match template.strip_suffix("/*") {
        Some(rest) => (rest, true),
        None => (template, false),
    }
}

/// The segments of an absolute path (`/` has none).
fn segments(path: &str) -> impl Iterator<Item = &str> {
    let rest = path.strip_prefix('/').unwrap_or(path);
    rest.split('/').filter(move |_| !rest.is_empty())
}

fn is_param(seg: &str) -> bool {
    seg.len() > 2 && seg.starts_with('{') && seg.ends_with('}')
}

/// Does the concrete, normalised `path` match `template`? `{param}` matches one non-empty
/// segment; a trailing `/*` matches one or more further non-empty segments.
pub fn path_matches(template: &str, path: &str) -> bool {
    if !path.starts_with('/') || !template.starts_with('/') {
        return false;
    }
    let (body, star) = split_star(template);
    let mut t = segments(body);
    let mut p = segments(path);
    loop {
        match (t.next(), p.next()) {
            (None, None) => return !star,
            (None, Some(first)) => return star && !first.is_empty() && p.all(|s| !s.is_empty()),
            (Some(_), None) => return false,
            (Some(ts), Some(ps)) => {
                if ps.is_empty() || (!is_param(ts) && ts != ps) {
                    return false;
                }
            }
        }
    }
}

/// Can some concrete path match both templates?
pub fn templates_overlap(a: &str, b: &str) -> bool {
    let (a_body, a_star) = split_star(a);
    let (b_body, b_star) = split_star(b);
    let mut ai = segments(a_body);
    let mut bi = segments(b_body);
    let (mut a_len, mut b_len) = (0usize, 0usize);
    loop {
        match (ai.next(), bi.next()) {
            (Some(x), Some(y)) => {
                a_len += 1;
                b_len += 1;
                if !(is_param(x) || is_param(y) || x == y) {
                    return false;
                }
            }
            (Some(_), None) => {
                a_len += 1 + ai.count();
                break;
            }
            (None, Some(_)) => {
                b_len += 1 + bi.count();
                break;
            }
            (None, None) => break,
        }
    }
    match (a_star, b_star) {
        (false, false) => a_len == b_len,
        (true, false) => b_len > a_len,
        (false, true) => a_len > b_len,
        (true, true) => true,
    }
}

/// What is wrong with a path template, if anything: it must be absolute, without query,
/// fragment, empty, `.` or `..` segments or percent escapes; `{name}` segments hold a
/// name; `*` may only be the last segment.
pub fn template_problem(template: &str) -> Option<String> {
    if !template.starts_with('/') {
        return Some("it must be absolute (start with `/`)".into());
    }
    if template.contains(['?', '#']) {
        return Some(
            "it must not hold a query (`?`) or fragment (`#`): list query parameters under `query`"
                .into(),
        );
    }
    if template == "/" {
        return None;
    }
    if template.ends_with('/') {
        return Some("it must not end with `/`".into());
    }
    let segs: Vec<&str> = template[1..].split('/').collect();
    for (i, seg) in segs.iter().enumerate() {
        if seg.is_empty() {
            return Some("it has an empty segment (`//`)".into());
        }
        if *seg == "." || *seg == ".." {
            return Some(format!("it has a `{seg}` segment"));
        }
        if *seg == "*" {
            if i + 1 != segs.len() {
                return Some("`*` may only be the last segment".into());
            }
            continue;
        }
        if seg.starts_with('{') || seg.ends_with('}') {
            let name = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')).unwrap_or("");
            let ok = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            if !ok {
                return Some(format!("segment `{seg}` is not a `{{name}}` parameter"));
            }
            continue;
        }
        if seg.contains('%') {
            return Some(format!("segment `{seg}` holds a percent escape: paths are matched decoded, write the character"));
        }
        if let Some(c) =
            seg.chars().find(|c| !(c.is_ascii_alphanumeric() || "-._~!$&'()+,;=:@".contains(*c)))
        {
            return Some(format!("segment `{seg}` holds `{c}`, which a path segment may not"));
        }
    }
    None
}

#[cfg(test)]
#[path = "matching/tests.rs"]
mod tests;
