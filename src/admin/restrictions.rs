//! `GET /v1/restrictions`, `POST /v1/restrictions`, `DELETE /v1/restrictions/{id}`:
//! subject restrictions (contract section 10), listed as keyed hashes; each change is a
//! governance record naming who made it.

use http::StatusCode;
use serde::{Deserialize, Serialize};

use super::error::AdminError;
use super::reply::{self, Reply};
use super::router::Call;
use super::AdminState;
use crate::emergency::restrictions::{self, Restriction, RestrictionInput};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RestrictionList {
    pub restrictions: Vec<Restriction>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RestrictionRemoved {
    pub id: String,
    pub removed: bool,
    /// The governance record of the removal.
    pub record_id: String,
}

pub async fn list(state: &AdminState, _call: &Call<'_>) -> Result<Reply, AdminError> {
    state
        .restrictions
        .refresh(state.ledger.as_ref())
        .await
        .map_err(AdminError::store("restrictions refresh"))?;
    reply::json(
        StatusCode::OK,
        &RestrictionList { restrictions: state.restrictions.current().list() },
    )
}

pub async fn add(state: &AdminState, call: &Call<'_>) -> Result<Reply, AdminError> {
    let input: RestrictionInput = call.json()?;
    let agreements: Vec<String> = state.agreements.list().into_iter().map(|a| a.id).collect();
    let r = restrictions::add(
        state.ledger.as_ref(),
        &state.restrictions,
        &state.subject_key,
        &input,
        call.actor,
        &agreements,
    )
    .await?;
    reply::json_recorded(StatusCode::CREATED, &r, &r.id)
}

pub async fn remove(state: &AdminState, call: &Call<'_>) -> Result<Reply, AdminError> {
    let id = call.params.first().cloned().unwrap_or_default();
    let record =
        restrictions::remove(state.ledger.as_ref(), &state.restrictions, &id, call.actor).await?;
    let record_id = record.to_string();
    let removed = RestrictionRemoved { id, removed: true, record_id: record_id.clone() };
    reply::json_recorded(StatusCode::OK, &removed, &record_id)
}
