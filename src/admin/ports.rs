//! What the admin listener needs from the agreements and from the record store's read
//! side, as two small traits with their wire types. The wire types are exactly what the
//! OpenAPI document describes.

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};

use crate::agreements::lint::today_notes;
use crate::agreements::model::{AgencyRef, Flow};
use crate::agreements::request_form::RequestForm;
use crate::agreements::LoadedAgreement;
pub use crate::audit::activity::AgreementActivity;
use crate::codes::{Reason, RefusalCode};
use crate::emergency::LedgerError;
use crate::minimise::MinimisationReport;

/// One lint finding on a loaded agreement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// `error` | `warning`.
    pub severity: String,
    pub code: String,
    pub message: String,
}

/// A loaded agreement as `GET /v1/agreements` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgreementSummary {
    pub id: String,
    pub title: String,
    pub version: u32,
    pub status: String,
    /// Active and within its dates today (Europe/London).
    pub in_force: bool,
    pub sha256: String,
    pub file: String,
    pub owner: String,
    pub parties: Vec<String>,
    /// `effective_from`, `expires` and `review_by`.
    #[serde(flatten)]
    pub dates: AgreementDates,
    /// Each flow as the agreement file declares it.
    pub flows: Vec<Flow>,
    pub emergency: bool,
    pub restrictions_override: Option<String>,
    pub findings: Vec<Finding>,
    /// Each party with its display name from the configuration (its id when unknown).
    pub party_names: Vec<PartyName>,
    pub dpia: Option<String>,
    /// `effective_in_days`, `expires_in_days` and `review_in_days`.
    #[serde(flatten)]
    pub days: DaysToDates,
    /// `last_activation` (when the current text went live and who made it so; null when no
    /// governance record names it, e.g. loaded at start-up before any reload) and
    /// `last_transfer` (the last request record under this agreement; null when none).
    #[serde(flatten)]
    pub activity: AgreementActivity,
    /// The optional keys from the ICO's data sharing request form.
    pub request_form: RequestForm,
}

/// An agreement's dates (`YYYY-MM-DD`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgreementDates {
    pub effective_from: String,
    pub expires: String,
    pub review_by: Option<String>,
}

/// Days from today (Europe/London) to each of an agreement's dates: negative once the
/// date has passed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DaysToDates {
    pub effective_in_days: i64,
    pub expires_in_days: i64,
    pub review_in_days: Option<i64>,
}

/// A party of an agreement and its display name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartyName {
    pub id: String,
    pub name: String,
}

/// One lint finding of a set that was refused, as the admin API reports it (file, line,
/// column, code, message and what to do), so that a governance officer needs no shell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LintFinding {
    pub file: String,
    /// 1-based; 0 when the finding is about the file as a whole.
    pub line: u32,
    pub column: u32,
    /// `error` | `warning`.
    pub severity: String,
    pub code: String,
    pub message: String,
    pub help: String,
}

impl From<&crate::agreements::lint::Finding> for LintFinding {
    fn from(f: &crate::agreements::lint::Finding) -> Self {
        Self {
            file: f.file.clone(),
            line: f.line,
            column: f.column,
            severity: f.severity.as_str().into(),
            code: f.code.into(),
            message: f.message.clone(),
            help: f.help.clone(),
        }
    }
}

/// Why a staged reload was refused: a sentence, and the lint errors when there are some.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageRefusal {
    pub why: String,
    pub findings: Vec<LintFinding>,
}

/// A reload that loaded clean, not yet applied: the caller records it, then applies it.
pub struct StagedReload {
    /// (id, version, sha256) of every agreement in the new set.
    pub agreements: Vec<(String, u32, String)>,
    pub schemas: usize,
    /// The new set by content (for its activation records).
    pub snapshot: crate::agreements::lifecycle::Snapshot,
    /// What the new set changes against the one in force (`agreements diff`).
    pub diff: crate::agreements::diff::Diff,
    pub apply: Box<dyn FnOnce() + Send>,
}

/// A proposal linted over the live folders: the findings, the snapshot of the set it
/// would make, and what it changes against the set in force (`None` when the proposed
/// set does not load).
pub struct LintedProposal {
    pub report: crate::agreements::lint::Report,
    pub snapshot: crate::agreements::lifecycle::Snapshot,
    pub diff: Option<crate::agreements::diff::Diff>,
    /// The proposed set, loaded, to replay recorded traffic against (`None` when the
    /// proposed set does not load).
    pub proposed: Option<crate::policy::Policy>,
    /// The registered agencies (for jurisdictions in the replay).
    pub agencies: Vec<crate::agreements::AgencyRef>,
}

/// `POST /v1/explain` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExplainRequest {
    pub agreement: String,
    pub flow: String,
    pub payload: serde_json::Value,
    // An `Option` member may be absent (serde reads it as `None`).
    pub purpose: Option<String>,
    pub emergency: Option<String>,
    /// `request` (default) | `response`.
    pub direction: Option<String>,
    /// The request's query string (without `?`).
    pub query: Option<String>,
    /// The payload's media type (default `application/json`).
    pub content_type: Option<String>,
    /// `false`: ask as a caller that sends no `Isagate-Agreement` header (default `true`).
    #[serde(default)]
    pub agreement_header: Option<bool>,
}

/// The dry run's answer (always computed with a throw-away pseudonymisation key).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExplainReport {
    pub agreement: String,
    pub flow: String,
    pub direction: String,
    /// The transfer would be refused; `reasons` says why.
    pub refused: bool,
    pub reasons: Vec<Reason>,
    /// What the recipient would get (null when refused).
    pub output: Option<serde_json::Value>,
    /// The query string the recipient would get (null when none was sent).
    pub query: Option<String>,
    /// `disclosed`, `stripped` and `transformed`, as the record would keep them.
    #[serde(flatten)]
    pub minimisation: MinimisationReport,
    /// The lawful-basis codes relied on, each with its description.
    #[serde(default)]
    pub lawful_basis: Vec<crate::agreements::explain::BasisCode>,
}

/// Why the dry run could not run at all (not a refusal of the transfer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortFailure {
    pub code: RefusalCode,
    pub detail: String,
}

/// The agreements, as the admin listener needs them.
pub trait AgreementsPort: Send + Sync {
    fn list(&self) -> Vec<AgreementSummary>;
    /// Re-read agreements and schemas; `Err` (a sentence and the lint errors) when the set
    /// does not lint clean.
    fn stage_reload(&self) -> Result<StagedReload, StageRefusal>;
    fn explain(&self, req: &ExplainRequest) -> Result<ExplainReport, PortFailure>;
    /// Lint the set a proposal would make over the live folders, and its snapshot.
    fn lint_proposal(
        &self,
        files: &crate::agreements::lifecycle::ProposalFiles,
    ) -> Result<LintedProposal, String>;
    /// Write an approved proposal's files into the live folders.
    fn write_proposal(
        &self,
        files: &crate::agreements::lifecycle::ProposalFiles,
    ) -> Result<(), String>;
    /// The live agreements folder, as findings name it.
    fn agreements_dir(&self) -> String;
    /// Agreement `id`'s field tables and lawful basis from the compiled plans in force
    /// (`None`: not loaded, or no policy at hand).
    fn fields(&self, _id: &str) -> Option<super::field_table::AgreementFields> {
        None
    }
    /// The categories of a disclosure's schema paths under the plans in force (see
    /// [`super::field_table::categories`]); every one not known when no policy is at hand.
    fn categories(
        &self,
        _schemas: &std::collections::BTreeMap<String, String>,
        paths: &[String],
    ) -> Vec<(String, String)> {
        paths.iter().map(|p| (p.clone(), super::field_table::NOT_KNOWN.to_owned())).collect()
    }
}

/// What a walk of the record chain found: whether it held, how many live records it
/// has, and its head (`None` when there is none, or, for the head hash, when not read).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainSummary {
    pub ok: bool,
    pub length: u64,
    pub head_seq: Option<u64>,
    pub head_hash: Option<String>,
}

/// `GET /v1/audit/verify`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainStatus {
    /// `ok`, `length`, `head_seq` and `head_hash`.
    #[serde(flatten)]
    pub summary: ChainSummary,
    pub first_bad: Option<BadRecord>,
    pub last_checkpoint: Option<Checkpoint>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BadRecord {
    pub seq: u64,
    pub id: String,
    pub problem: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub seq: u64,
    pub head_hash: String,
    pub time: String,
}

/// The record store's read side.
pub trait AuditPort: Send + Sync {
    /// The whole chain (and the signed checkpoints, when the config names them).
    fn verify(&self) -> BoxFuture<'_, Result<ChainStatus, LedgerError>>;
    /// Only the records since the last signed checkpoint, else since `known` (the head
    /// the last good full verify found): the console's page-load verify (`admin::chain`).
    fn verify_recent(
        &self,
        known: Option<super::chain::KnownHead>,
    ) -> BoxFuture<'_, Result<super::chain::RecentStatus, LedgerError>>;
    /// Records naming this subject hash, other people's identifiers redacted (store's job),
    /// and the archived segments read: `{records: [..], archive: {..}}`.
    fn subject(
        &self,
        subject_hash: String,
    ) -> BoxFuture<'_, Result<serde_json::Value, LedgerError>>;
    /// Keep the texts of agreements and schemas going live, by SHA-256 (kept once).
    fn keep_texts(&self, texts: Vec<(String, String)>) -> BoxFuture<'_, Result<(), LedgerError>>;
    /// A kept text by its SHA-256.
    fn text_of(&self, sha256: String) -> BoxFuture<'_, Result<Option<String>, LedgerError>>;
    /// A change's impact on the recorded traffic of `window`, replayed against the
    /// proposed set (`agreements::diff::impact`): counts only.
    fn impact(
        &self,
        proposed: crate::policy::Policy,
        diff: crate::agreements::diff::Diff,
        window: crate::agreements::diff::Window,
    ) -> BoxFuture<'_, Result<crate::agreements::diff::Impact, LedgerError>>;
    /// The transparency report (never personal data), as the store renders it in JSON.
    fn report(
        &self,
        query: crate::audit::ReportQuery,
    ) -> BoxFuture<'_, Result<serde_json::Value, LedgerError>>;
    /// An agreement's last activation and last transfer, from the records.
    fn activity(
        &self,
        agreement_id: String,
        sha256: String,
    ) -> BoxFuture<'_, Result<AgreementActivity, LedgerError>>;
}

/// Summarise a loaded agreement for listing; `today` decides `in_force`, the days left
/// and the date findings (the linter's own, [`today_notes`]); `agencies` give the
/// parties' names. The store's part (activation, last transfer) is filled in later.
pub fn summarise(
    a: &LoadedAgreement,
    today: jiff::civil::Date,
    agencies: &[AgencyRef],
) -> AgreementSummary {
    let ag = &a.agreement;
    let findings = today_notes(ag, today)
        .into_iter()
        .map(|n| Finding {
            severity: n.rule.severity().as_str().into(),
            code: n.rule.as_str().into(),
            message: n.message,
        })
        .collect();
    let days = |d: jiff::civil::Date| i64::from((d - today).get_days());
    let party_names = ag
        .parties
        .iter()
        .map(|p| PartyName {
            id: p.clone(),
            name: agencies
                .iter()
                .find(|g| &g.id == p)
                .map_or_else(|| p.clone(), |g| g.name.clone()),
        })
        .collect();
    AgreementSummary {
        id: ag.id.clone(),
        title: ag.title.clone(),
        version: ag.version,
        status: ag.status.as_str().into(),
        in_force: ag.in_force_on(today),
        sha256: a.sha256.clone(),
        file: a.path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default(),
        owner: ag.owner.clone(),
        parties: ag.parties.clone(),
        dates: AgreementDates {
            effective_from: ag.effective_from.to_string(),
            expires: ag.expires.to_string(),
            review_by: ag.review_by.map(|d| d.to_string()),
        },
        flows: ag.flows.clone(),
        emergency: ag.emergency.as_ref().is_some_and(|e| e.allowed),
        restrictions_override: ag.restrictions_override.as_ref().map(|r| r.legal_duty.clone()),
        findings,
        party_names,
        dpia: ag.dpia.clone(),
        days: DaysToDates {
            effective_in_days: days(ag.effective_from),
            expires_in_days: days(ag.expires),
            review_in_days: ag.review_by.map(days),
        },
        activity: AgreementActivity::default(),
        request_form: RequestForm::of(ag),
    }
}
