//! `GET /v1/agreements`, `GET /v1/agreements/{id}`, `POST /v1/agreements/reload` and
//! `POST /v1/explain`.
//!
//! A reload is staged (loaded and linted), recorded as a governance record naming the new
//! set and who asked, and only then applied; a set that does not lint clean is refused,
//! recorded too, and the old set stays. [`reload`] is also what `SIGHUP` calls.

use http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::activations::{self, Trigger};
use super::error::AdminError;
use super::ports::{AgreementSummary, ExplainRequest, LintFinding, StageRefusal};
use super::reply::{self, Reply};
use super::router::Call;
use super::AdminState;
use crate::audit::record::{Outcome, RecordDraft, RecordKind};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AgreementList {
    pub agreements: Vec<AgreementSummary>,
}

/// `POST /v1/agreements/reload` answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReloadResult {
    pub replaced: bool,
    pub agreements: Vec<ReloadedAgreement>,
    pub schemas: usize,
    /// The governance record of this reload.
    pub record_id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReloadedAgreement {
    pub id: String,
    pub version: u32,
    pub sha256: String,
}

/// The register: every loaded agreement with its activity from the records.
pub async fn list(state: &AdminState) -> Result<Reply, AdminError> {
    let mut agreements = state.agreements.list();
    for a in &mut agreements {
        with_activity(state, a).await?;
    }
    reply::json(StatusCode::OK, &AgreementList { agreements })
}

pub async fn get(state: &AdminState, call: &Call<'_>) -> Result<Reply, AdminError> {
    let id = call.params.first().map(String::as_str).unwrap_or_default();
    let Some(mut a) = state.agreements.list().into_iter().find(|a| a.id == id) else {
        return Err(AdminError::NotFound("no loaded agreement has this id".into()));
    };
    with_activity(state, &mut a).await?;
    reply::json(StatusCode::OK, &a)
}

/// Fill in the last activation and last transfer (one store query each).
async fn with_activity(state: &AdminState, a: &mut AgreementSummary) -> Result<(), AdminError> {
    a.activity = state
        .audit
        .activity(a.id.clone(), a.sha256.clone())
        .await
        .map_err(AdminError::store("the records could not be read"))?;
    Ok(())
}

/// Reload agreements and schemas on behalf of `actor` (a governance URI, or the gateway's
/// own identity for `SIGHUP`), answering as the admin API does.
pub async fn reload(
    state: &AdminState,
    actor: &str,
    trigger: Trigger,
) -> Result<Reply, AdminError> {
    let _one_at_a_time = state.lifecycle_lock.lock().await;
    let result = reload_set(state, actor, trigger).await?;
    reply::json_recorded(StatusCode::OK, &result, &result.record_id.clone())
}

/// The reload itself (callers hold `lifecycle_lock`). Each changed agreement is recorded
/// as activated (its texts kept) before the reload's own record; nothing applies unless
/// all are committed. With four-eyes on, a change no approved proposal holds is refused.
pub(crate) async fn reload_set(
    state: &AdminState,
    actor: &str,
    trigger: Trigger,
) -> Result<ReloadResult, AdminError> {
    let mut draft = RecordDraft::new(RecordKind::Governance, Outcome::Recorded);
    draft.actor = Some(actor.to_owned());
    let staged = match state.agreements.stage_reload() {
        Ok(s) => s,
        Err(refusal) => return Err(refuse(state, actor, draft, refusal).await),
    };
    if state.four_eyes.load(std::sync::atomic::Ordering::SeqCst) {
        let dir = state.agreements.agreements_dir();
        let unapproved = activations::unapproved(state.ledger.as_ref(), &staged.snapshot, &dir)
            .await
            .map_err(AdminError::store("reload not applied: the approvals could not be read"))?;
        if !unapproved.is_empty() {
            let why =
                format!("four-eyes: {}", crate::agreements::load::first_findings(&unapproved, 3));
            let findings = unapproved.iter().map(LintFinding::from).collect();
            return Err(refuse(state, actor, draft, StageRefusal { why, findings }).await);
        }
    }
    let agreements: Vec<ReloadedAgreement> = staged
        .agreements
        .iter()
        .map(|(id, version, sha256)| ReloadedAgreement {
            id: id.clone(),
            version: *version,
            sha256: sha256.clone(),
        })
        .collect();
    let activated = activations::record(
        state.ledger.as_ref(),
        state.audit.as_ref(),
        &staged.snapshot,
        Some(&staged.diff),
        trigger,
        actor,
    )
    .await
    .map_err(AdminError::store(
        "reload not applied: its activation records could not be committed",
    ))?;
    draft.governance = Some(json!({"action": "agreements-reloaded", "agreements": agreements,
        "schemas": staged.schemas, "trigger": trigger.as_str(), "activated": activated.len()}));
    let committed = state
        .ledger
        .append(draft)
        .await
        .map_err(AdminError::store("reload not applied: its record could not be committed"))?;
    (staged.apply)();
    tracing::info!(actor, agreements = agreements.len(), record = %committed.id, "agreements reloaded");
    Ok(ReloadResult {
        replaced: true,
        agreements,
        schemas: staged.schemas,
        record_id: committed.id.to_string(),
    })
}

/// Record a refused reload (best effort: the refusal stands either way) and say why.
async fn refuse(
    state: &AdminState,
    actor: &str,
    mut draft: RecordDraft,
    StageRefusal { why, findings }: StageRefusal,
) -> AdminError {
    draft.governance = Some(json!({"action": "agreements-reload-refused", "reason": why}));
    let record_id = match state.ledger.append(draft).await {
        Ok(c) => Some(c.id.to_string()),
        Err(e) => {
            tracing::error!(error = %e, "the refused reload's record could not be committed");
            None
        }
    };
    crate::telemetry::metrics::agreement_reload(false, 0);
    tracing::warn!(actor, reason = %why, "agreements reload refused; the loaded set stays");
    AdminError::ReloadRefused { why, findings, record_id }
}

pub fn explain(state: &AdminState, call: &Call<'_>) -> Result<Reply, AdminError> {
    let req: ExplainRequest = call.json()?;
    if let Some(d) = &req.direction {
        if d != "request" && d != "response" {
            return Err(AdminError::Invalid("`direction` must be `request` or `response`".into()));
        }
    }
    let report = state.agreements.explain(&req).map_err(AdminError::Explain)?;
    reply::json(StatusCode::OK, &report)
}
