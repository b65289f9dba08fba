//! The dry run behind `isagate agreements explain` and `POST /v1/explain`: given an
//! agreement, a flow, a direction, a purpose or emergency category and a payload, what
//! would the recipient see, what would be stripped (and why) and transformed, or why
//! would the transfer be refused. It asks the gateway's own decision
//! ([`crate::policy::decision`]) the gateway's question: the flow's sender calling its
//! recipient with the flow's method, on a concrete path of the flow's template, naming
//! the agreement in `Isagate-Agreement` (or, when asked, without that header). With
//! AGREEMENT [`EMERGENCY_POLICY`] and FLOW a rule id it asks about an emergency under
//! `emergency-policy.yaml` instead. A throw-away pseudonymisation key keeps the dry
//! run from being an oracle for live pseudonyms (contract section 11).
//!
//! Must not: use the live keys, write a record, or touch the network. Human output is
//! in [`render`].

mod render;

pub use render::render_human;

use jiff::civil::Date;
use serde::Serialize;
use serde_json::Value;

use super::matching::RequestKey;
use super::model::AgencyRef;
use crate::codes::{Direction, Parties};
use crate::codes::{Reason, RefusalCode};
use crate::keys::PseudonymisationKey;
use crate::minimise::{MinimisationReport, PayloadView, SubjectId};
use crate::policy::decision::{
    self, Authorisation, Disclosure, Facts, Payload, ResponseDecision, Tools,
};
use crate::policy::Policy;

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
    /// The request's query string (without `?`), when the dry run sends one.
    pub query: Option<&'a str>,
    /// The payload's media type (`application/json` on the command line by default).
    pub content_type: Option<&'a str>,
    /// The caller names the agreement in `Isagate-Agreement` (the default). `false`: no
    /// header, so the matcher chooses among every agreement and may find two
    /// (`agreement-ambiguous`), as the gateway does.
    pub agreement_header: bool,
    /// The registered agencies, for the recipient's jurisdiction (an agency not listed
    /// is taken to be in the UK).
    pub agencies: &'a [AgencyRef],
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

/// One lawful-basis code beside its plain-English description
/// ([`crate::agreements::lawful_basis::describe`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct BasisCode {
    /// The list it is written in: `article_6`, `article_9`, `article_10` or `part_3`.
    pub list: String,
    pub code: String,
    pub description: String,
}

impl BasisCode {
    /// Every code of `lb`, list by list (explain, subject access).
    pub fn all(lb: &crate::codes::LawfulBasis) -> Vec<Self> {
        [
            ("article_6", &lb.article_6),
            ("article_9", &lb.article_9),
            ("article_10", &lb.article_10),
            ("part_3", &lb.part_3),
        ]
        .into_iter()
        .flat_map(|(list, codes)| {
            codes.iter().map(move |code| BasisCode {
                list: list.to_owned(),
                code: code.clone(),
                description: super::lawful_basis::describe(code)
                    .unwrap_or_else(|| "not a lawful-basis code".to_owned()),
            })
        })
        .collect()
    }
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
    /// Who sends and who receives in this direction (`from`, `to`).
    #[serde(flatten)]
    pub parties: Parties,
    pub purpose: Option<String>,
    pub emergency: Option<String>,
    /// The schema file used.
    pub schema: Option<String>,
    /// The lawful-basis codes the transfer relies on, each with what it means (empty when
    /// nothing permits it).
    pub lawful_basis: Vec<BasisCode>,
    /// A response with no response schema: only the status would pass.
    pub withheld: bool,
    /// `before`, `after`, `query`, `disclosed`, `stripped`, `transformed`, `payload` and
    /// `subjects`.
    #[serde(flatten)]
    pub outcome: PayloadOutcome,
}

/// What the dry run made of the payload.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PayloadOutcome {
    /// The payload as received (when it parsed).
    pub before: Option<Value>,
    /// What the recipient would get (when allowed).
    pub after: Option<Value>,
    /// The query string the recipient would get (`None` when none was sent).
    pub query: Option<String>,
    /// `disclosed`, `stripped` and `transformed`, as the record would keep them.
    #[serde(flatten)]
    pub minimisation: MinimisationReport,
    /// The same at the payload's own places (its key names and array indices): a dry
    /// run may show the officer's own payload; the record never holds it.
    pub payload: PayloadView,
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
            parties: Parties::default(),
            purpose: None,
            emergency: req.emergency.map(str::to_owned),
            schema: None,
            lawful_basis: Vec::new(),
            withheld: false,
            outcome: PayloadOutcome::default(),
        }
    }

    fn refuse(mut self, code: RefusalCode, detail: impl Into<String>) -> Self {
        self.verdict = Verdict::Refused;
        self.reasons.push(Reason::new(code, detail));
        self
    }

    fn refused(mut self, reasons: Vec<Reason>) -> Self {
        self.verdict = Verdict::Refused;
        self.reasons = reasons;
        self
    }

    /// What permits the transfer, as the record would name it.
    fn authorised(&mut self, auth: &Authorisation, schema: Option<&String>) {
        self.flow.clone_from(&auth.flow);
        self.purpose = Some(auth.purpose.clone());
        self.schema = schema.cloned();
        self.lawful_basis = BasisCode::all(&auth.lawful_basis);
    }

    fn allow(mut self, after: Option<Value>, subjects: &[SubjectId]) -> Self {
        self.verdict = Verdict::Allowed;
        self.outcome.after = after;
        self.outcome.subjects = count_subjects(subjects);
        self
    }

    pub fn allowed(&self) -> bool {
        self.verdict == Verdict::Allowed
    }
}

/// The AGREEMENT that asks about an emergency under `emergency-policy.yaml`; FLOW is then
/// the rule id.
pub const EMERGENCY_POLICY: &str = "emergency-policy";

/// Dry-run one transfer. Never fails: a problem is a refused verdict with reasons.
pub fn explain(policy: &Policy, req: &ExplainRequest<'_>, limits: &Limits) -> ExplainReport {
    let mut report = ExplainReport::new(req);
    let Some(loaded) = policy.set.agreement(req.agreement) else {
        if req.agreement == EMERGENCY_POLICY {
            return Asker { policy, req, limits }.policy_rule(report);
        }
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
    report.parties = Parties::in_direction(req.direction, &flow.from, &flow.to);
    let purpose = match (req.emergency, req.purpose, flow.purposes.as_slice()) {
        (Some(_), p, _) => p.unwrap_or(""),
        (None, Some(p), _) => p,
        (None, None, [only]) => only.as_str(),
        (None, None, _) => {
            let detail = format!(
                "flow `{}` allows several purposes ({}): name one with `--purpose`",
                flow.id,
                flow.purposes.join(", ")
            );
            return report.refuse(RefusalCode::PurposeNotAllowed, detail);
        }
    };
    let path = concrete_path(&flow.path);
    let key = RequestKey {
        caller: &flow.from,
        recipient: &flow.to,
        recipient_jurisdiction: jurisdiction(req.agencies, &flow.to),
        method: &flow.method,
        path: &path,
        purpose,
        // Without the header the matcher chooses among every agreement, as the gateway does.
        agreement: req.agreement_header.then_some(agreement.id.as_str()),
        emergency: req.emergency,
    };
    Asker { policy, req, limits }.ask(report, key)
}

/// What every question is asked with.
struct Asker<'q> {
    policy: &'q Policy,
    req: &'q ExplainRequest<'q>,
    limits: &'q Limits,
}

impl Asker<'_> {
    /// An emergency under a rule of `emergency-policy.yaml` (FLOW is the rule id): the rule's
    /// first method and path, from a caller and to a recipient it lists, preferring a pair
    /// that no agreement in force covers (`*` stands for such a caller).
    fn policy_rule(&self, report: ExplainReport) -> ExplainReport {
        let (policy, req) = (self.policy, self.req);
        let rules = policy.set.emergency_policy.as_ref().map_or(&[][..], |p| p.rules.as_slice());
        let Some(rule) = rules.iter().find(|r| r.id == req.flow) else {
            return report.refuse(
                RefusalCode::NoAgreement,
                format!("the emergency policy has no rule `{}`", req.flow),
            );
        };
        if req.emergency.is_none() {
            return report.refuse(
                RefusalCode::NoAgreement,
                "the emergency policy permits emergencies only: name a category with `--emergency`",
            );
        }
        let pairs = rule.from.iter().flat_map(|f| rule.to.iter().map(move |t| (f, t)));
        let covered = |caller: &str, recipient: &str| {
            policy.set.agreements.iter().any(|a| {
                a.agreement.in_force_on(req.today)
                    && a.agreement.flows.iter().any(|f| f.from == caller && f.to == recipient)
            })
        };
        let first = pairs.clone().next();
        let Some((caller, recipient)) = pairs.clone().find(|(f, t)| !covered(f, t)).or(first)
        else {
            return report.refuse(
                RefusalCode::NoAgreement,
                format!("emergency policy rule `{}` names no caller or recipient", rule.id),
            );
        };
        let mut report = report;
        report.parties = Parties::in_direction(req.direction, caller, recipient);
        let method = rule.methods.as_ref().and_then(|m| m.first()).map_or("POST", String::as_str);
        let path = rule
            .paths
            .as_ref()
            .and_then(|p| p.first())
            .map_or_else(|| "/any".to_owned(), |p| concrete_path(p));
        let key = RequestKey {
            caller,
            recipient,
            recipient_jurisdiction: jurisdiction(req.agencies, recipient),
            method,
            path: &path,
            purpose: req.purpose.unwrap_or(""),
            agreement: None,
            emergency: req.emergency,
        };
        self.ask(report, key)
    }

    /// Ask the decision the gateway's question for `key`, and report its answer.
    fn ask(&self, mut report: ExplainReport, key: RequestKey<'_>) -> ExplainReport {
        let (policy, req, limits) = (self.policy, self.req, self.limits);
        let query = req.query.filter(|_| req.direction == Direction::Request);
        let facts = Facts { key, query, today: req.today };
        let key = match PseudonymisationKey::throwaway() {
            Ok(k) => k,
            Err(_) => {
                return report.refuse(
                    RefusalCode::InternalError,
                    "a throw-away pseudonymisation key could not be made",
                )
            }
        };
        let tools = Tools { limits, pseudonyms: &key };
        let payload = Payload::plain(req.content_type, req.payload);
        let auth = match decision::authorise(policy, &facts) {
            Ok(auth) => auth,
            Err(reasons) => return report.refused(reasons),
        };
        // Shown beside the result when it parses; the verdict is the decision's alone.
        report.outcome.before = crate::json_strict::parse(req.payload, limits).ok();
        match req.direction {
            Direction::Request => {
                report.authorised(&auth, auth.rules.schemas.request.as_ref());
                match decision::minimise_request(policy, &auth, facts.query, &payload, &tools) {
                    Ok(d) => disclose(report, d),
                    Err(reasons) => report.refused(reasons),
                }
            }
            Direction::Response => {
                report.authorised(&auth, auth.rules.schemas.response.as_ref());
                match decision::decide_response(policy, &auth, &payload, &tools) {
                    ResponseDecision::Withheld => {
                        report.withheld = true;
                        report.allow(None, &[])
                    }
                    ResponseDecision::Minimised(m) => {
                        report.outcome.minimisation = m.report;
                        report.outcome.payload = m.payload;
                        report.allow(Some(m.value), &m.subjects)
                    }
                    ResponseDecision::Refused(reasons) => report.refused(reasons),
                }
            }
        }
    }
}

fn disclose(mut report: ExplainReport, d: Disclosure) -> ExplainReport {
    report.outcome.minimisation = d.minimisation;
    report.outcome.payload = d.payload;
    report.outcome.query = d.query;
    report.allow(d.value, &d.subjects)
}

/// How many identifiers of each kind, by kind (never the identifiers).
fn count_subjects(subjects: &[SubjectId]) -> Vec<SubjectCount> {
    let mut counts: Vec<SubjectCount> = Vec::new();
    for s in subjects {
        match counts.iter_mut().find(|c| c.kind == s.kind) {
            Some(c) => c.count += 1,
            None => counts.push(SubjectCount { kind: s.kind.clone(), count: 1 }),
        }
    }
    counts.sort_by(|a, b| a.kind.cmp(&b.kind));
    counts
}

/// The recipient's registered jurisdiction; `GB` for an agency not listed.
fn jurisdiction<'a>(agencies: &'a [AgencyRef], id: &str) -> &'a str {
    agencies
        .iter()
        .find(|a| a.id == id)
        .map_or(crate::agreements::matching::HOME_JURISDICTION, |a| a.jurisdiction.as_str())
}

/// A concrete path the template matches: each `{name}` becomes `name`, a final `*`
/// becomes one segment `any`.
pub fn concrete_path(template: &str) -> String {
    let segments: Vec<&str> = template
        .split('/')
        .map(|seg| match seg {
            "*" => "any",
            s if s.len() > 2 && s.starts_with('{') && s.ends_with('}') => &s[1..s.len() - 1],
            s => s,
        })
        .collect();
    segments.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The named parts (`Parties`, `PayloadOutcome`) are flattened in: the document keeps
    /// its members, in the order `--format json` has always written them.
    #[test]
    fn the_report_keeps_its_member_order() {
        let req = ExplainRequest {
            agreement: "ISA-1",
            flow: "f",
            payload: b"{}",
            purpose: None,
            emergency: None,
            direction: Direction::Request,
            today: jiff::civil::date(2026, 12, 7),
            query: None,
            content_type: None,
            agreement_header: true,
            agencies: &[],
        };
        let text = serde_json::to_string(&ExplainReport::new(&req)).unwrap();
        let members = [
            "verdict",
            "reasons",
            "agreement",
            "flow",
            "direction",
            "from",
            "to",
            "purpose",
            "emergency",
            "schema",
            "lawful_basis",
            "withheld",
            "before",
            "after",
            "query",
            "disclosed",
            "stripped",
            "transformed",
            "payload",
            "subjects",
        ];
        let at: Vec<usize> =
            members.iter().map(|m| text.find(&format!("\"{m}\":")).unwrap()).collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{text}");
    }
}
