//! The optional keys an agreement may carry from the ICO's data sharing request form
//! (data sharing code of practice, annex): who decided to share and in what role, when the
//! DPO was consulted and what they advised, the DPIA's outcome, the statutory power the
//! sharing relies on, and whether the parties are joint or separate controllers.
//!
//! Pure data, read with the agreement; the lint rules for them live in
//! `lint::request_form_rules`. None of them changes what the gateway lets through.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// `decision_maker: {name, role}`: the person accountable for the decision to share.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionMaker {
    pub name: String,
    pub role: String,
}

/// `dpo_consulted: {date, view}`: when the data protection officer was consulted, and
/// their advice in a sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DpoConsulted {
    pub date: Date,
    pub view: String,
}

/// `dpia_outcome`: what the data protection impact assessment concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DpiaOutcome {
    /// No high risk to individuals was found.
    NoHighRisk,
    /// High risks were found and reduced by the measures the DPIA lists.
    RisksMitigated,
    /// A high risk remains: UK GDPR Article 36 requires consulting the ICO first.
    ResidualHighRisk,
}

/// `controllers`: joint controllers (UK GDPR Article 26: an arrangement sets out who
/// does what) or separate controllers, each responsible for its own processing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Controllers {
    Joint,
    Separate,
}

/// All five keys together, as the register lists them (each null when absent).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestForm {
    pub decision_maker: Option<DecisionMaker>,
    pub dpo_consulted: Option<DpoConsulted>,
    pub dpia_outcome: Option<DpiaOutcome>,
    pub statutory_power: Option<String>,
    pub controllers: Option<Controllers>,
}

impl RequestForm {
    /// The request-form keys of `a`.
    pub fn of(a: &crate::agreements::model::Agreement) -> Self {
        RequestForm {
            decision_maker: a.decision_maker.clone(),
            dpo_consulted: a.dpo_consulted.clone(),
            dpia_outcome: a.dpia_outcome,
            statutory_power: a.statutory_power.clone(),
            controllers: a.controllers,
        }
    }
}

/// The spellings the linter accepts for [`DpiaOutcome`].
pub const DPIA_OUTCOMES: &[&str] = &["no-high-risk", "risks-mitigated", "residual-high-risk"];
/// The spellings the linter accepts for [`Controllers`].
pub const CONTROLLERS: &[&str] = &["joint", "separate"];

impl DpiaOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoHighRisk => "no-high-risk",
            Self::RisksMitigated => "risks-mitigated",
            Self::ResidualHighRisk => "residual-high-risk",
        }
    }
}

impl Controllers {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Joint => "joint",
            Self::Separate => "separate",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lists_match_the_spellings() {
        let outcomes =
            [DpiaOutcome::NoHighRisk, DpiaOutcome::RisksMitigated, DpiaOutcome::ResidualHighRisk];
        assert_eq!(outcomes.map(DpiaOutcome::as_str).as_slice(), DPIA_OUTCOMES);
        assert_eq!(
            [Controllers::Joint, Controllers::Separate].map(Controllers::as_str).as_slice(),
            CONTROLLERS
        );
        for o in outcomes {
            let back: DpiaOutcome = serde_json::from_value(serde_json::json!(o.as_str())).unwrap();
            assert_eq!(back, o);
        }
    }
}
