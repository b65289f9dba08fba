//! The admin listener's view of the running gateway's agreements: list what is loaded,
//! stage a reload (the new set replaces the old one only when it loads clean), and the
//! dry run with a throw-away pseudonymisation key.

use std::path::Path;
use std::sync::Arc;

use crate::admin::ports::{
    summarise, AgreementSummary, AgreementsPort, ExplainReport, ExplainRequest, LintFinding,
    LintedProposal, PortFailure, StageRefusal, StagedReload,
};
use crate::agreements::explain::{explain, Verdict, EMERGENCY_POLICY};
use crate::agreements::lifecycle::{ProposalFiles, Snapshot};
use crate::agreements::AgencyRef;
use crate::codes::Direction;
use crate::codes::RefusalCode;
use crate::gateway::state::GatewayState;
use crate::runtime::launch::{load_policy, PolicySource};

/// [`AgreementsPort`] over the gateway's policy cell.
pub struct PolicyAgreements {
    pub state: Arc<GatewayState>,
    pub source: PolicySource,
    pub agencies: Vec<AgencyRef>,
}

impl AgreementsPort for PolicyAgreements {
    fn fields(&self, id: &str) -> Option<crate::admin::field_table::AgreementFields> {
        crate::admin::field_table::of(&self.state.policy.current(), id)
    }

    fn categories(
        &self,
        schemas: &std::collections::BTreeMap<String, String>,
        paths: &[String],
    ) -> Vec<(String, String)> {
        crate::admin::field_table::categories(&self.state.policy.current(), schemas, paths)
    }

    fn list(&self) -> Vec<AgreementSummary> {
        let today = self.state.clock.today();
        self.state
            .policy
            .current()
            .set
            .agreements
            .iter()
            .map(|a| summarise(a, today, &self.agencies))
            .collect()
    }

    fn stage_reload(&self) -> Result<StagedReload, StageRefusal> {
        let policy = load_policy(&self.source, &self.agencies).map_err(|e| StageRefusal {
            why: e.to_string(),
            findings: e.lint_errors().iter().map(LintFinding::from).collect(),
        })?;
        let agreements = policy
            .set
            .agreements
            .iter()
            .map(|a| (a.agreement.id.clone(), a.agreement.version, a.sha256.clone()))
            .collect();
        let schemas = policy.set.schemas.len();
        let snapshot = Snapshot::read(&self.source.agreements, &self.source.schemas)
            .map_err(|e| StageRefusal { why: e.to_string(), findings: Vec::new() })?;
        let diff = crate::agreements::diff::diff(&self.state.policy.current(), &policy);
        let state = Arc::clone(&self.state);
        Ok(StagedReload {
            agreements,
            schemas,
            snapshot,
            diff,
            apply: Box::new(move || {
                let n = policy.set.agreements.len();
                state.policy.replace(policy);
                crate::telemetry::metrics::agreement_reload(true, n);
            }),
        })
    }

    fn lint_proposal(&self, files: &ProposalFiles) -> Result<LintedProposal, String> {
        let today = self.state.clock.today();
        let diff_against_live = |agreements: &Path, schemas: &Path| {
            let source = PolicySource { agreements: agreements.into(), schemas: schemas.into() };
            let proposed = load_policy(&source, &self.agencies).ok()?;
            Some((crate::agreements::diff::diff(&self.state.policy.current(), &proposed), proposed))
        };
        let (report, snapshot, loaded) = files
            .lint(
                &self.source.agreements,
                &self.source.schemas,
                &self.agencies,
                today,
                diff_against_live,
            )
            .map_err(|e| e.to_string())?;
        let (diff, proposed) = loaded.unzip();
        Ok(LintedProposal { report, snapshot, diff, proposed, agencies: self.agencies.clone() })
    }

    fn write_proposal(&self, files: &ProposalFiles) -> Result<(), String> {
        files.write(&self.source.agreements, &self.source.schemas).map_err(|e| e.to_string())
    }

    fn agreements_dir(&self) -> String {
        self.source.agreements.display().to_string()
    }

    fn explain(&self, req: &ExplainRequest) -> Result<ExplainReport, PortFailure> {
        let policy = self.state.policy.current();
        let policy_rule =
            req.agreement == EMERGENCY_POLICY && policy.set.emergency_policy.is_some();
        if policy.set.agreement(&req.agreement).is_none() && !policy_rule {
            return Err(PortFailure {
                code: RefusalCode::NotFound,
                detail: "no loaded agreement has this id".into(),
            });
        }
        let direction = match req.direction.as_deref() {
            None | Some("request") => Direction::Request,
            Some("response") => Direction::Response,
            Some(_) => {
                return Err(PortFailure {
                    code: RefusalCode::BadRequest,
                    detail: "`direction` must be `request` or `response`".into(),
                })
            }
        };
        // `null` stands for no body (a flow without a request schema accepts none).
        let payload = match &req.payload {
            serde_json::Value::Null => Vec::new(),
            value => serde_json::to_vec(value).map_err(|_| PortFailure {
                code: RefusalCode::MalformedJson,
                detail: "the payload could not be read".into(),
            })?,
        };
        let report = explain(
            &policy,
            &crate::agreements::explain::ExplainRequest {
                agreement: &req.agreement,
                flow: &req.flow,
                payload: &payload,
                purpose: req.purpose.as_deref(),
                emergency: req.emergency.as_deref(),
                direction,
                today: self.state.clock.today(),
                query: req.query.as_deref(),
                content_type: Some(req.content_type.as_deref().unwrap_or("application/json")),
                agreement_header: req.agreement_header.unwrap_or(true),
                agencies: &self.agencies,
            },
            &self.state.settings.json_limits(),
        );
        Ok(ExplainReport {
            agreement: req.agreement.clone(),
            flow: req.flow.clone(),
            direction: match direction {
                Direction::Request => "request".into(),
                Direction::Response => "response".into(),
            },
            refused: report.verdict == Verdict::Refused,
            reasons: report.reasons,
            output: report.outcome.after,
            query: report.outcome.query,
            minimisation: report.outcome.minimisation,
            lawful_basis: report.lawful_basis,
        })
    }
}
