//! The dry run behind `isagate agreements explain` and `POST /v1/explain`: given an
//! agreement, a flow, a direction, a purpose or emergency category and a payload, what
//! would the recipient see, what would be stripped (and why) and transformed, or why
//! would the transfer be refused. The same checks as the gateway, in the same order,
//! with the same strict parser and limits, and a throw-away pseudonymisation key so the
//! dry run is never an oracle for live pseudonyms (contract section 11).
//!
//! Must not: use the live keys, write a record, or touch the network. Human output is
//! in [`render`].

mod render;

pub use render::render_human;

use jiff::civil::Date;
use serde::Serialize;
use serde_json::Value;

use super::model::{Agreement, AgreementSet, Flow, EMERGENCY_CATEGORIES};
use crate::codes::Direction;
use crate::codes::{Reason, RefusalCode};
use crate::keys::PseudonymisationKey;
use crate::minimise::{minimise, MinimiseOptions, SchemaPlan, Stripped, Transformed};

/// Parsing limits for the dry run: the gateway's own, so `explain` refuses what it refuses.
pub use crate::json_strict::Limits;

/// What to dry-run.
#[derive(Debug, Clone, Copy)]
pub struct ExplainRequest<'a> {
    pub agreement: &'a str,
    pub flow: &'a str,
    pub payload: &'a [u8],
    /// Default: the flow's only purpose; required when it has several.
    pub purpose: Option<&'a str>,
    /// An emergency category (contract section 6): the category stands in for the purpose.
    pub emergency: Option<&'a str>,
    pub direction: Direction,
    /// The transfer date (Europe/London): agreements in force, `age-band`.
    pub today: Date,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Allowed,
    Refused,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgreementSummary {
    pub id: String,
    pub version: u32,
    pub title: String,
}

/// How many subject identifiers of one kind were found (never the identifiers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubjectCount {
    pub kind: String,
    pub count: usize,
}

/// The dry run's answer. Serialised as the stable `--format json` document (see
/// `docs/minimisation.md`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExplainReport {
    pub verdict: Verdict,
    /// Why it would be refused (empty when allowed).
    pub reasons: Vec<Reason>,
    pub agreement: Option<AgreementSummary>,
    pub flow: String,
    pub direction: Direction,
    /// Who sends and who receives in this direction.
    pub from: Option<String>,
    pub to: Option<String>,
    pub purpose: Option<String>,
    pub emergency: Option<String>,
    /// The schema file used.
    pub schema: Option<String>,
    /// A response with no response schema: only the status would pass.
    pub withheld: bool,
    /// The payload as received (when it parsed).
    pub before: Option<Value>,
    /// What the recipient would get (when allowed).
    pub after: Option<Value>,
    pub disclosed: Vec<String>,
    pub stripped: Vec<Stripped>,
    pub transformed: Vec<Transformed>,
    pub subjects: Vec<SubjectCount>,
}

impl ExplainReport {
    fn new(req: &ExplainRequest<'_>) -> Self {
        Self {
            verdict: Verdict::Refused,
            reasons: Vec::new(),
            agreement: None,
            flow: req.flow.to_owned(),
            direction: req.direction,
            from: None,
            to: None,
            purpose: None,
            emergency: req.emergency.map(str::to_owned),
            schema: None,
            withheld: false,
            before: None,
            after: None,
            disclosed: Vec::new(),
            stripped: Vec::new(),
            transformed: Vec::new(),
            subjects: Vec::new(),
        }
    }

    fn refuse(mut self, code: RefusalCode, detail: impl Into<String>) -> Self {
        self.verdict = Verdict::Refused;
        self.reasons.push(Reason::new(code, detail));
        self
    }

    pub fn allowed(&self) -> bool {
        self.verdict == Verdict::Allowed
    }
}

/// Dry-run one transfer. Never fails: a problem is a refused verdict with reasons.
pub fn explain(set: &AgreementSet, req: &ExplainRequest<'_>, limits: &Limits) -> ExplainReport {
    let mut report = ExplainReport::new(req);
    let Some(loaded) = set.agreement(req.agreement) else {
        return report.refuse(
            RefusalCode::NoAgreement,
            format!("no agreement `{}` is loaded", req.agreement),
        );
    };
    let agreement = &loaded.agreement;
    report.agreement = Some(AgreementSummary {
        id: agreement.id.clone(),
        version: agreement.version,
        title: agreement.title.clone(),
    });
    let Some(flow) = agreement.flow(req.flow) else {
        return report.refuse(
            RefusalCode::NoAgreement,
            format!("agreement `{}` has no flow `{}`", agreement.id, req.flow),
        );
    };
    let (from, to) = match req.direction {
        Direction::Request => (&flow.from, &flow.to),
        Direction::Response => (&flow.to, &flow.from),
    };
    report.from = Some(from.clone());
    report.to = Some(to.clone());
    if !agreement.in_force_on(req.today) {
        let detail = format!(
            "agreement `{}` is `{}`, effective from {} until {}: not in force on {}",
            agreement.id,
            agreement.status.as_str(),
            agreement.effective_from,
            agreement.expires,
            req.today
        );
        return report.refuse(RefusalCode::AgreementNotInForce, detail);
    }
    if let Err((code, detail)) = check_purpose(agreement, flow, req, &mut report) {
        return report.refuse(code, detail);
    }
    let schema_name = schema_for(agreement, flow, req);
    if req.payload.len() > limits.max_bytes {
        let detail = format!(
            "the payload is {} bytes, over the limit of {}",
            req.payload.len(),
            limits.max_bytes
        );
        return report.refuse(RefusalCode::BodyTooLarge, detail);
    }
    // Parse even when nothing will pass, so the caller sees the same parse refusals.
    let payload = if req.payload.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        match parse_strict(req.payload, limits) {
            Ok(v) => Some(v),
            Err((code, detail)) => return report.refuse(code, detail),
        }
    };
    report.before.clone_from(&payload);
    let Some(schema_name) = schema_name else {
        return match (req.direction, payload) {
            (Direction::Response, _) => {
                report.withheld = true;
                report.verdict = Verdict::Allowed;
                report
            }
            (Direction::Request, None) => {
                report.verdict = Verdict::Allowed;
                report
            }
            (Direction::Request, Some(_)) => report.refuse(
                RefusalCode::SchemaViolation,
                format!("flow `{}` has no request schema, so it accepts no body", flow.id),
            ),
        };
    };
    report.schema = Some(schema_name.clone());
    let plan = match compile(set, &schema_name) {
        Ok(plan) => plan,
        Err(detail) => return report.refuse(RefusalCode::SchemaViolation, detail),
    };
    let normal_plan = match (req.emergency, req.direction, &flow.request_schema) {
        (Some(_), Direction::Request, Some(normal)) => match compile(set, normal) {
            Ok(p) => Some(p),
            Err(detail) => return report.refuse(RefusalCode::SchemaViolation, detail),
        },
        _ => None,
    };
    let payload = payload.unwrap_or(Value::Null);
    let key = PseudonymisationKey::throwaway().ok().map(|k| k.for_recipient(&agreement.id, to));
    let opts = MinimiseOptions {
        article_9: agreement.lawful_basis.has_article_9(),
        article_10: agreement.lawful_basis.has_article_10(),
        pseudonym_key: key.as_ref(),
        today: req.today,
        apply_transforms: true,
        normal_plan: normal_plan.as_ref(),
    };
    match minimise(&plan, &payload, &opts) {
        Ok(m) => {
            report.verdict = Verdict::Allowed;
            report.after = Some(m.value);
            report.disclosed = m.disclosed;
            report.stripped = m.stripped;
            report.transformed = m.transformed;
            let mut counts: Vec<SubjectCount> = Vec::new();
            for s in &m.subjects {
                match counts.iter_mut().find(|c| c.kind == s.kind) {
                    Some(c) => c.count += 1,
                    None => counts.push(SubjectCount { kind: s.kind.clone(), count: 1 }),
                }
            }
            counts.sort_by(|a, b| a.kind.cmp(&b.kind));
            report.subjects = counts;
            report
        }
        Err(e) => {
            report.reasons = e.reasons();
            report
        }
    }
}

/// The purpose (or emergency category) this transfer would be made for.
fn check_purpose(
    agreement: &Agreement,
    flow: &Flow,
    req: &ExplainRequest<'_>,
    report: &mut ExplainReport,
) -> Result<(), (RefusalCode, String)> {
    if let Some(category) = req.emergency {
        if !EMERGENCY_CATEGORIES.contains(&category) {
            return Err((
                RefusalCode::UnknownCategory,
                format!(
                    "`{category}` is not an emergency category: use one of {}",
                    EMERGENCY_CATEGORIES.join(", ")
                ),
            ));
        }
        let clause = agreement.emergency.as_ref().filter(|c| c.allowed);
        let allowed = clause.is_some_and(|c| {
            c.categories.as_ref().is_none_or(|cs| cs.iter().any(|c| c == category))
        });
        if !allowed {
            return Err((
                RefusalCode::EmergencyNotAllowed,
                format!("agreement `{}` has no emergency clause for `{category}`", agreement.id),
            ));
        }
        report.purpose = Some(category.to_owned());
        return Ok(());
    }
    let purpose = match (req.purpose, flow.purposes.as_slice()) {
        (Some(p), _) => p,
        (None, [only]) => only.as_str(),
        (None, _) => {
            return Err((
                RefusalCode::PurposeNotAllowed,
                format!(
                    "flow `{}` allows several purposes ({}): name one with `--purpose`",
                    flow.id,
                    flow.purposes.join(", ")
                ),
            ))
        }
    };
    if !flow.purposes.iter().any(|p| p == purpose) {
        return Err((
            RefusalCode::PurposeNotAllowed,
            format!(
                "flow `{}` does not allow purpose `{purpose}`: it allows {}",
                flow.id,
                flow.purposes.join(", ")
            ),
        ));
    }
    report.purpose = Some(purpose.to_owned());
    Ok(())
}

/// The schema file that applies, or `None` when the flow names none for this direction.
fn schema_for(agreement: &Agreement, flow: &Flow, req: &ExplainRequest<'_>) -> Option<String> {
    let clause = agreement.emergency.as_ref().filter(|_| req.emergency.is_some());
    match (req.direction, clause) {
        (Direction::Request, Some(c)) => Some(c.request_schema.clone()),
        (Direction::Request, None) => flow.request_schema.clone(),
        (Direction::Response, Some(c)) => {
            c.response_schema.clone().or_else(|| flow.response_schema.clone())
        }
        (Direction::Response, None) => flow.response_schema.clone(),
    }
}

fn compile(set: &AgreementSet, name: &str) -> Result<SchemaPlan, String> {
    let schema = set
        .schemas
        .get(name)
        .ok_or_else(|| format!("schema `{name}` is not loaded: run `isagate agreements check`"))?;
    SchemaPlan::compile(name, &schema.json).map_err(|e| e.to_string())
}

/// The gateway's strict parser (contract section 4), with its refusal code.
fn parse_strict(bytes: &[u8], limits: &Limits) -> Result<Value, (RefusalCode, String)> {
    crate::json_strict::parse(bytes, limits).map_err(|e| (e.code(), e.to_string()))
}
