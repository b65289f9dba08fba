//! The four-eyes lifecycle (contract section 8): `POST /v1/agreements/proposals` (agreement
//! YAML and its schemas: linted over the live set, its texts kept, recorded as
//! `agreement-proposed`), `GET /v1/agreements/proposals[/{id}]`, and
//! `POST .../{id}/approve` (by a governance identity other than the proposer when
//! `governance.four_eyes` is on: recorded as `agreement-approved`, the files written
//! atomically into the agreements folder, then reloaded) or `.../reject` with a note.
//!
//! A proposal's state is read back from its chained records, so replicas sharing a store
//! agree on it. Its id is the id of its `agreement-proposed` record.

use std::collections::BTreeMap;

use http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::activations::{self, Trigger};
use super::agreements::{reload_set, ReloadResult};
use super::error::AdminError;
use super::ports::LintFinding;
use super::reply::{self, Reply};
use super::router::Call;
use super::AdminState;
use crate::agreements::diff::Window;
use crate::agreements::lifecycle::{version_findings, ProposalFiles};
use crate::agreements::model::Agreement;
use crate::audit::record::{Outcome, RecordDraft, RecordKind};
use crate::digest::sha256_hex;
use crate::emergency::LedgerRecord;

/// `POST /v1/agreements/proposals` body.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProposalInput {
    /// Agreement (or `emergency-policy.yaml`) file name -> its YAML text.
    pub agreements: BTreeMap<String, String>,
    /// Schema file name -> its JSON text.
    #[serde(default)]
    pub schemas: BTreeMap<String, String>,
    #[serde(default)]
    pub note: Option<String>,
}

/// `POST .../reject` body (and, optionally, `.../approve`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    #[serde(default)]
    pub note: Option<String>,
}

/// A proposal as the admin API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Proposal {
    pub id: String,
    /// `pending` | `approved` | `rejected`.
    pub state: String,
    pub time: String,
    pub proposer: String,
    pub note: Option<String>,
    /// File name -> SHA-256 of the proposed text.
    pub agreements: BTreeMap<String, String>,
    pub schemas: BTreeMap<String, String>,
    /// Lint errors of the set it would make (it cannot be approved while there are any).
    pub errors: usize,
    pub findings: Vec<LintFinding>,
    /// What the proposal changes against the set in force (`agreements diff`, docs/diff.md);
    /// null when the proposed set does not load.
    pub diff: Option<crate::agreements::diff::Diff>,
    /// The diff's impact on the recorded traffic of the [`IMPACT_DAYS`] days before it was
    /// proposed (counts only, docs/diff.md); null when the proposed set does not load, and
    /// in proposals recorded before impacts were kept.
    #[serde(default)]
    pub impact: Option<crate::agreements::diff::Impact>,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub decision_note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProposalList {
    pub proposals: Vec<Proposal>,
}

/// `POST .../approve` answer: the proposal, approved, and the reload that applied it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Approved {
    pub proposal: Proposal,
    pub reload: ReloadResult,
}

const MAX_NOTE: usize = 2000;

/// How many days of recorded traffic a proposal's impact replays.
pub const IMPACT_DAYS: u32 = 30;

fn note_ok(note: Option<&str>, required: bool) -> Result<(), AdminError> {
    match note.map(str::trim) {
        None | Some("") if required => {
            Err(AdminError::Invalid("`note` is required: say why the proposal is rejected".into()))
        }
        Some(n) if n.chars().count() > MAX_NOTE => {
            Err(AdminError::Invalid(format!("`note` is longer than {MAX_NOTE} characters")))
        }
        _ => Ok(()),
    }
}

/// Every proposal, oldest first, with its state, from the governance records.
async fn all(state: &AdminState) -> Result<Vec<Proposal>, AdminError> {
    let records = state
        .ledger
        .governance_by_action(&["agreement-proposed", "agreement-approved", "agreement-rejected"])
        .await
        .map_err(AdminError::store("the proposals could not be read"))?;
    Ok(fold(&records))
}

fn fold(records: &[LedgerRecord]) -> Vec<Proposal> {
    let mut out: Vec<Proposal> = Vec::new();
    for r in records {
        let Some(g) = &r.draft.governance else { continue };
        let action = g["action"].as_str().unwrap_or_default();
        if action == "agreement-proposed" {
            let Ok(mut p) = serde_json::from_value::<Proposal>(g["proposal"].clone()) else {
                continue;
            };
            p.id = r.id.to_string();
            p.time = r.time.clone();
            out.push(p);
        } else if action == "agreement-approved" || action == "agreement-rejected" {
            let id = g["proposal_id"].as_str().unwrap_or_default();
            if let Some(p) = out.iter_mut().find(|p| p.id == id) {
                p.state =
                    if action == "agreement-approved" { "approved" } else { "rejected" }.into();
                p.decided_by = r.draft.actor.clone();
                p.decided_at = Some(r.time.clone());
                p.decision_note = g["note"].as_str().map(str::to_owned);
            }
        }
    }
    out
}

async fn one(state: &AdminState, call: &Call<'_>) -> Result<Proposal, AdminError> {
    let id = call.params.first().map(String::as_str).unwrap_or_default();
    all(state)
        .await?
        .into_iter()
        .find(|p| p.id == id)
        .ok_or_else(|| AdminError::NotFound("no proposal has this id".into()))
}

pub async fn propose(state: &AdminState, call: &Call<'_>) -> Result<Reply, AdminError> {
    let input: ProposalInput = call.json()?;
    let proposal = record(state, check(state, call.actor, input).await?).await?;
    reply::json_recorded(StatusCode::CREATED, &proposal, &proposal.id)
}

/// A proposal checked and linted, not yet recorded: [`propose`]'s first step. The API
/// records it whatever its lint found (errors block approval); the console's upload
/// records only a proposal without errors, and shows the errors otherwise.
pub struct Checked {
    /// The proposal as it would be recorded (no id, time or impact yet).
    pub proposal: Proposal,
    files: ProposalFiles,
    proposed: Option<crate::policy::Policy>,
    agencies: Vec<crate::agreements::AgencyRef>,
}

/// Check the names and the note, lint the set the files would make over the live set
/// (with the version checks), and diff it against the set in force. Records nothing.
pub async fn check(
    state: &AdminState,
    actor: &str,
    input: ProposalInput,
) -> Result<Checked, AdminError> {
    note_ok(input.note.as_deref(), false)?;
    let files = ProposalFiles { agreements: input.agreements, schemas: input.schemas };
    files.check_names().map_err(|e| AdminError::Invalid(e.to_string()))?;
    let linted = state.agreements.lint_proposal(&files).map_err(AdminError::Internal)?;
    let (mut report, snapshot) = (linted.report, linted.snapshot);
    let live = activations::live_set(state.ledger.as_ref())
        .await
        .map_err(AdminError::store("the live set could not be read"))?;
    if let Some(live) = &live {
        report.findings.extend(version_findings(
            live,
            &snapshot,
            &state.agreements.agreements_dir(),
        ));
        report.sort();
    }
    let hashes = |m: &BTreeMap<String, String>| -> BTreeMap<String, String> {
        m.iter().map(|(k, v)| (k.clone(), sha256_hex(v.as_bytes()))).collect()
    };
    let proposal = Proposal {
        id: String::new(),
        state: "pending".into(),
        time: String::new(),
        proposer: actor.to_owned(),
        note: input.note,
        agreements: hashes(&files.agreements),
        schemas: hashes(&files.schemas),
        errors: report.errors(),
        findings: report.findings.iter().map(LintFinding::from).collect(),
        diff: linted.diff,
        impact: None,
        decided_by: None,
        decided_at: None,
        decision_note: None,
    };
    Ok(Checked { proposal, files, proposed: linted.proposed, agencies: linted.agencies })
}

/// Keep a checked proposal's texts, replay its diff on the recorded traffic, and record
/// it as `agreement-proposed`: [`propose`]'s second step.
pub async fn record(state: &AdminState, checked: Checked) -> Result<Proposal, AdminError> {
    let Checked { mut proposal, files, proposed, agencies } = checked;
    let texts: Vec<(String, String)> = files
        .agreements
        .values()
        .chain(files.schemas.values())
        .map(|t| (sha256_hex(t.as_bytes()), t.clone()))
        .collect();
    state
        .audit
        .keep_texts(texts)
        .await
        .map_err(AdminError::store("the proposal's texts could not be kept"))?;
    // Replayed before anything is recorded: a store that cannot answer records nothing.
    if let (Some(diff), Some(proposed)) = (proposal.diff.clone(), proposed) {
        // Up to and including now: a record written this microsecond counts.
        let now = state.clock.now();
        let until = now.checked_add(jiff::SignedDuration::from_micros(1)).unwrap_or(now);
        let window = Window { until, days: IMPACT_DAYS, agencies };
        let replay = state.audit.impact(proposed, diff, window).await;
        proposal.impact =
            Some(replay.map_err(AdminError::store("the recorded traffic could not be replayed"))?);
    }
    let mut draft = RecordDraft::new(RecordKind::Governance, Outcome::Recorded);
    draft.actor = Some(proposal.proposer.clone());
    draft.governance = Some(json!({"action": "agreement-proposed", "proposal": proposal}));
    let committed = state
        .ledger
        .append(draft)
        .await
        .map_err(AdminError::store("the proposal could not be recorded"))?;
    proposal.id = committed.id.to_string();
    proposal.time = committed.time.clone();
    Ok(proposal)
}

pub async fn list(state: &AdminState) -> Result<Reply, AdminError> {
    reply::json(StatusCode::OK, &ProposalList { proposals: all(state).await? })
}

pub async fn get(state: &AdminState, call: &Call<'_>) -> Result<Reply, AdminError> {
    reply::json(StatusCode::OK, &one(state, call).await?)
}

/// Record a decision on a pending proposal.
async fn decide(
    state: &AdminState,
    call: &Call<'_>,
    p: &Proposal,
    action: &str,
    note: Option<String>,
) -> Result<String, AdminError> {
    let mut draft = RecordDraft::new(RecordKind::Governance, Outcome::Recorded);
    draft.actor = Some(call.actor.to_owned());
    draft.governance = Some(json!({"action": action, "proposal_id": p.id,
        "agreements": p.agreements, "schemas": p.schemas, "note": note}));
    let committed = state
        .ledger
        .append(draft)
        .await
        .map_err(AdminError::store("the decision could not be recorded"))?;
    Ok(committed.id.to_string())
}

fn pending(p: &Proposal) -> Result<(), AdminError> {
    if p.state == "pending" {
        Ok(())
    } else {
        Err(AdminError::Conflict(format!("the proposal is already {}", p.state)))
    }
}

pub async fn approve(state: &AdminState, call: &Call<'_>) -> Result<Reply, AdminError> {
    let decision: Decision = if call.body.is_empty() { Decision::default() } else { call.json()? };
    note_ok(decision.note.as_deref(), false)?;
    let _one_at_a_time = state.lifecycle_lock.lock().await;
    let p = one(state, call).await?;
    pending(&p)?;
    if state.four_eyes.load(std::sync::atomic::Ordering::SeqCst) && p.proposer == call.actor {
        return Err(AdminError::FourEyes(
            "four-eyes: the proposer cannot approve their own proposal; another governance identity must",
        ));
    }
    let mut files = ProposalFiles::default();
    let gate = state.four_eyes.load(std::sync::atomic::Ordering::SeqCst);
    for (part, into) in [(&p.agreements, &mut files.agreements), (&p.schemas, &mut files.schemas)] {
        for (name, sha) in part {
            let text = state
                .audit
                .text_of(sha.clone())
                .await
                .map_err(AdminError::store("the proposal's texts could not be read"))?
                .ok_or_else(|| {
                    AdminError::Internal(format!("the text of `{name}` is not in the store"))
                })?;
            into.insert(name.clone(), text);
        }
    }
    if gate && !may_approve(state, &files, call.actor).await? {
        return Err(AdminError::FourEyes(
            "four-eyes: the agreement lists its `approvers`, and this governance identity is not one of them",
        ));
    }
    // Linted again: the live set may have changed since it was proposed.
    let report = state.agreements.lint_proposal(&files).map_err(AdminError::Internal)?.report;
    if report.has_errors() {
        let errors: Vec<_> = report
            .findings
            .into_iter()
            .filter(|f| f.severity == crate::agreements::lint::Severity::Error)
            .collect();
        return Err(AdminError::ReloadRefused {
            why: format!(
                "the proposal does not lint clean over the live set: {}",
                crate::agreements::load::first_findings(&errors, 3)
            ),
            findings: errors.iter().map(LintFinding::from).collect(),
            record_id: None,
        });
    }
    decide(state, call, &p, "agreement-approved", decision.note).await?;
    state.agreements.write_proposal(&files).map_err(AdminError::Internal)?;
    let reload = reload_set(state, call.actor, Trigger::ProposalApproved).await?;
    let proposal = one(state, call).await?;
    reply::json_recorded(StatusCode::OK, &Approved { proposal, reload }, &proposal_record(call))
}

/// Whether `actor` may approve these files: every proposed agreement that lists
/// `approvers` (in its live text, or the proposed one when it is new) names `actor`.
async fn may_approve(
    state: &AdminState,
    files: &ProposalFiles,
    actor: &str,
) -> Result<bool, AdminError> {
    let live = activations::live_set(state.ledger.as_ref())
        .await
        .map_err(AdminError::store("the live set could not be read"))?
        .unwrap_or_default();
    for text in files.agreements.values() {
        let Ok(proposed) = serde_saphyr::from_str::<Agreement>(text) else { continue };
        let live_text = match live.entries.get(&proposed.id) {
            Some(e) => state
                .audit
                .text_of(e.sha256.clone())
                .await
                .map_err(AdminError::store("the live texts could not be read"))?,
            None => None,
        };
        let governing = live_text
            .and_then(|t| serde_saphyr::from_str::<Agreement>(&t).ok())
            .unwrap_or(proposed);
        if !governing.approvers.is_empty() && !governing.approvers.iter().any(|a| a == actor) {
            return Ok(false);
        }
    }
    Ok(true)
}

fn proposal_record(call: &Call<'_>) -> String {
    call.params.first().cloned().unwrap_or_default()
}

pub async fn reject(state: &AdminState, call: &Call<'_>) -> Result<Reply, AdminError> {
    let decision: Decision = call.json()?;
    note_ok(decision.note.as_deref(), true)?;
    let _one_at_a_time = state.lifecycle_lock.lock().await;
    let p = one(state, call).await?;
    pending(&p)?;
    let record = decide(state, call, &p, "agreement-rejected", decision.note).await?;
    reply::json_recorded(StatusCode::OK, &one(state, call).await?, &record)
}
