//! The first half of a request's decision: which agreement and flow (or emergency basis)
//! permits it, through the one matcher ([`crate::agreements::matching`]).

use std::collections::BTreeMap;

use super::{Authorisation, EmergencyBasis, Facts, Rules};
use crate::agreements::lawful_basis::{self, Regime};
use crate::agreements::matching::{self, Matched};
use crate::agreements::{EmergencyRule, Flow, LoadedAgreement};
use crate::audit::record::AgreementRef;
use crate::codes::Reason;
use crate::policy::Policy;

/// Find what permits the request, or every reason nothing does.
pub fn authorise(policy: &Policy, facts: &Facts<'_>) -> Result<Authorisation, Vec<Reason>> {
    let matched = matching::match_request(&policy.set, &facts.key, facts.today)?;
    let mut auth = match matched {
        Matched::Flow { agreement, flow } => Authorisation {
            flow: flow.id.clone(),
            path_template: flow.path.clone(),
            rules: Rules {
                request_schema: flow.request_schema.clone(),
                response_schema: flow.response_schema.clone(),
                normal_schema: None,
                query: flow.query.clone(),
                content_encodings: flow.content_encodings.clone(),
                ..agreement_rules(agreement, flow)
            },
            ..under_agreement(facts, agreement, flow)
        },
        Matched::EmergencyClause { agreement, flow, clause } => Authorisation {
            flow: flow.id.clone(),
            path_template: flow.path.clone(),
            rules: Rules {
                request_schema: Some(clause.request_schema.clone()),
                response_schema: clause.response_schema.clone(),
                normal_schema: flow.request_schema.clone(),
                query: Vec::new(),
                content_encodings: flow.content_encodings.clone(),
                ..agreement_rules(agreement, flow)
            },
            ..under_agreement(facts, agreement, flow)
        },
        Matched::EmergencyPolicy { rule } => under_policy_rule(facts, rule),
    };
    if let Some(category) = facts.key.emergency {
        auth.purpose = category.to_owned();
        auth.emergency = Some(EmergencyBasis {
            category: category.to_owned(),
            basis: match &auth.agreement {
                Some(a) => format!("agreement:{}", a.id),
                None => auth.rules.basis_id.replace("emergency-policy:", "policy:"),
            },
        });
    }
    let rules = &auth.rules;
    for name in [&rules.request_schema, &rules.response_schema].into_iter().flatten() {
        if let Some(sha) = policy.schema_sha256(name) {
            auth.schema_sha256.insert(name.clone(), sha.to_owned());
        }
    }
    Ok(auth)
}

/// The facts every agreement-based authorisation shares; the flow fills in the rest.
fn under_agreement(facts: &Facts<'_>, a: &LoadedAgreement, flow: &Flow) -> Authorisation {
    Authorisation {
        caller: facts.key.caller.to_owned(),
        recipient: facts.key.recipient.to_owned(),
        agreement: Some(AgreementRef {
            id: a.agreement.id.clone(),
            version: a.agreement.version,
            sha256: a.sha256.clone(),
        }),
        flow: String::new(),
        path_template: String::new(),
        purpose: facts.key.purpose.to_owned(),
        lawful_basis: a.agreement.basis_for(flow).clone(),
        emergency: None,
        schema_sha256: BTreeMap::new(),
        rules: agreement_rules(a, flow),
        today: facts.today,
    }
}

/// The rules of `flow` of `a`: special category and criminal offence fields are unlocked
/// by the flow's checked lawful-basis codes under its regime, nothing else.
fn agreement_rules(a: &LoadedAgreement, flow: &Flow) -> Rules {
    let unlocks = lawful_basis::unlocks(a.agreement.basis_for(flow), flow.regime);
    Rules {
        request_schema: None,
        response_schema: None,
        normal_schema: None,
        query: Vec::new(),
        content_encodings: Vec::new(),
        basis_id: a.agreement.id.clone(),
        article_9: unlocks.special_category,
        article_10: unlocks.criminal_offence,
    }
}

/// Emergency sharing under a rule of `emergency-policy.yaml`: no agreement, no query.
fn under_policy_rule(facts: &Facts<'_>, rule: &EmergencyRule) -> Authorisation {
    let unlocks = lawful_basis::unlocks(&rule.lawful_basis, Regime::UkGdpr);
    Authorisation {
        caller: facts.key.caller.to_owned(),
        recipient: facts.key.recipient.to_owned(),
        agreement: None,
        flow: format!("emergency-policy:{}", rule.id),
        path_template: policy_path_template(rule, facts.key.path),
        purpose: facts.key.purpose.to_owned(),
        lawful_basis: rule.lawful_basis.clone(),
        emergency: None,
        schema_sha256: BTreeMap::new(),
        rules: Rules {
            request_schema: Some(rule.request_schema.clone()),
            response_schema: rule.response_schema.clone(),
            normal_schema: None,
            query: Vec::new(),
            content_encodings: Vec::new(),
            basis_id: format!("emergency-policy:{}", rule.id),
            article_9: unlocks.special_category,
            article_10: unlocks.criminal_offence,
        },
        today: facts.today,
    }
}

/// The path template recorded for a policy-rule emergency: the matching rule path, or `/*`.
fn policy_path_template(rule: &EmergencyRule, path: &str) -> String {
    rule.paths
        .as_ref()
        .and_then(|ps| ps.iter().find(|p| matching::path_matches(p, path)).cloned())
        .unwrap_or_else(|| "/*".to_owned())
}
