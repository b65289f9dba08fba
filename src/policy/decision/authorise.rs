//! The first half of a request's decision: which agreement and flow (or emergency basis)
//! permits it, through the one matcher ([`crate::agreements::matching`]).

use std::collections::BTreeMap;

use super::{Authorisation, EmergencyBasis, Facts, Rules, Schemas};
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
                schemas: Schemas {
                    request: flow.request_schema.clone(),
                    response: flow.response_schema.clone(),
                    normal: None,
                },
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
                schemas: Schemas {
                    request: Some(clause.request_schema.clone()),
                    response: clause.response_schema.clone(),
                    normal: flow.request_schema.clone(),
                },
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
    for name in [&rules.schemas.request, &rules.schemas.response].into_iter().flatten() {
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
    Rules {
        schemas: Schemas::default(),
        query: Vec::new(),
        content_encodings: Vec::new(),
        basis_id: a.agreement.id.clone(),
        unlocks: lawful_basis::unlocks(a.agreement.basis_for(flow), flow.regime),
    }
}

/// Emergency sharing under a rule of `emergency-policy.yaml`: no agreement, no query.
fn under_policy_rule(facts: &Facts<'_>, rule: &EmergencyRule) -> Authorisation {
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
            schemas: Schemas {
                request: Some(rule.request_schema.clone()),
                response: rule.response_schema.clone(),
                normal: None,
            },
            query: Vec::new(),
            content_encodings: Vec::new(),
            basis_id: format!("emergency-policy:{}", rule.id),
            unlocks: lawful_basis::unlocks(&rule.lawful_basis, Regime::UkGdpr),
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
