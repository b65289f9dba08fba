//! Lint rules for the optional keys from the ICO's data sharing request form
//! ([`crate::agreements::request_form`]), checked only when present: no blank names,
//! roles, advice or statutory power; a DPIA outcome needs the DPIA it comes from; a
//! residual high risk needs the ICO consulted first (UK GDPR Article 36); the DPO is
//! consulted before the agreement takes effect.

use super::yaml_tree::Step::Key as K;
use super::{Finding, Report, Rule};
use crate::agreements::load::ParsedAgreement;
use crate::agreements::request_form::DpiaOutcome;

/// Every request-form rule on one parsed agreement.
pub(crate) fn check_request_form(p: &ParsedAgreement, report: &mut Report) {
    let a = &p.agreement;
    let t = &p.tree;
    let f = p.file.as_str();
    let mut blank = |path: &[&'static str], value: &str, what: &str| {
        if value.trim().is_empty() {
            let steps: Vec<_> = path.iter().map(|k| K(k)).collect();
            report.push(
                Finding::new(
                    Rule::InvalidValue,
                    f,
                    t.pos_at(&steps),
                    format!("`{}` is empty", path.join(".")),
                    format!("write {what}, or remove the key"),
                )
                .label("empty"),
            );
        }
    };
    if let Some(d) = &a.decision_maker {
        blank(&["decision_maker", "name"], &d.name, "the name of the person who decided to share");
        blank(&["decision_maker", "role"], &d.role, "their role (e.g. `Caldicott Guardian`)");
    }
    if let Some(d) = &a.dpo_consulted {
        blank(&["dpo_consulted", "view"], &d.view, "the DPO's advice in a sentence");
    }
    if let Some(s) = &a.statutory_power {
        blank(&["statutory_power"], s, "the statutory power the sharing relies on");
    }
    if let Some(outcome) = a.dpia_outcome {
        if a.dpia.as_deref().is_none_or(|d| d.trim().is_empty()) {
            report.push(
                Finding::new(
                    Rule::DpiaOutcomeWithoutDpia,
                    f,
                    t.pos_of("dpia_outcome"),
                    format!("`dpia_outcome: {}` names no `dpia` it comes from", outcome.as_str()),
                    "add `dpia: <DPIA reference>`, or remove `dpia_outcome`",
                )
                .label("no `dpia`"),
            );
        }
        if outcome == DpiaOutcome::ResidualHighRisk {
            report.push(
                Finding::new(
                    Rule::ResidualHighRisk,
                    f,
                    t.pos_of("dpia_outcome"),
                    "the DPIA found a high risk that remains: UK GDPR Article 36 requires consulting the ICO before the sharing starts",
                    "consult the ICO and record its advice with the DPIA; if the risk has since been reduced, write `dpia_outcome: risks-mitigated`",
                )
                .label("residual high risk"),
            );
        }
    }
    if let Some(d) = a.dpo_consulted.as_ref().filter(|d| d.date > a.effective_from) {
        report.push(
            Finding::new(
                Rule::DpoConsultedLate,
                f,
                t.pos_at(&[K("dpo_consulted"), K("date")]),
                format!(
                    "the DPO was consulted on {}, after the agreement took effect on {}",
                    d.date, a.effective_from
                ),
                "consult the DPO before sharing starts; if this date is a later review, say so in `view`",
            )
            .label("after `effective_from`"),
        );
    }
}
