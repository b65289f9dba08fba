//! `GET /v1/agreements`, `GET /v1/agreements/{id}`, `POST /v1/agreements/reload` and
//! `POST /v1/explain`.
//!
//! A reload is staged (loaded and linted), recorded as a governance record naming the new
//! set and who asked, and only then applied; a set that does not lint clean is refused,
//! recorded too, and the old set stays. [`reload`] is also what `SIGHUP` calls.

use http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::ports::{AgreementSummary, ExplainRequest};
use super::reply::{self, Reply};
use super::router::Call;
use super::AdminState;
use crate::audit::record::{Outcome, RecordDraft, RecordKind};
use crate::codes::RefusalCode;

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

pub fn list(state: &AdminState) -> Reply {
    reply::json(StatusCode::OK, &AgreementList { agreements: state.agreements.list() })
}

pub fn get(state: &AdminState, call: &Call<'_>) -> Reply {
    let id = call.params.first().map(String::as_str).unwrap_or_default();
    match state.agreements.list().into_iter().find(|a| a.id == id) {
        Some(a) => reply::json(StatusCode::OK, &a),
        None => reply::problem(RefusalCode::NotFound, "no loaded agreement has this id"),
    }
}

/// Reload agreements and schemas on behalf of `actor` (a governance URI, or the gateway's
/// own identity for `SIGHUP`).
pub async fn reload(state: &AdminState, actor: &str) -> Reply {
    let mut draft = RecordDraft::new(RecordKind::Governance, Outcome::Recorded);
    draft.actor = Some(actor.to_owned());
    let staged = match state.agreements.stage_reload() {
        Ok(s) => s,
        Err(why) => {
            draft.governance = Some(json!({"action": "agreements-reload-refused", "reason": why}));
            let id = state.ledger.append(draft).await.ok().map(|c| c.id.to_string());
            tracing::warn!(actor, reason = %why, "agreements reload refused; the loaded set stays");
            return reply::problem_recorded(
                RefusalCode::SchemaViolation,
                format!("the new agreements were not loaded, the current set stays: {why}"),
                id.as_deref(),
            );
        }
    };
    let agreements: Vec<ReloadedAgreement> = staged
        .agreements
        .iter()
        .map(|(id, version, sha256)| ReloadedAgreement {
            id: id.clone(),
            version: *version,
            sha256: sha256.clone(),
        })
        .collect();
    draft.governance = Some(
        json!({"action": "agreements-reloaded", "agreements": agreements, "schemas": staged.schemas}),
    );
    let committed = match state.ledger.append(draft).await {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "reload not applied: its record could not be committed");
            return reply::store_unavailable();
        }
    };
    (staged.apply)();
    tracing::info!(actor, agreements = agreements.len(), record = %committed.id, "agreements reloaded");
    let id = committed.id.to_string();
    let result =
        ReloadResult { replaced: true, agreements, schemas: staged.schemas, record_id: id.clone() };
    reply::json_recorded(StatusCode::OK, &result, &id)
}

pub fn explain(state: &AdminState, call: &Call<'_>) -> Reply {
    let req: ExplainRequest = match call.json() {
        Ok(r) => r,
        Err(resp) => return resp,
    };
    if let Some(d) = &req.direction {
        if d != "request" && d != "response" {
            return reply::problem(
                RefusalCode::BadRequest,
                "`direction` must be `request` or `response`",
            );
        }
    }
    match state.agreements.explain(&req) {
        Ok(report) => reply::json(StatusCode::OK, &report),
        Err(f) => reply::problem(f.code, f.detail),
    }
}
