//! `GET /v1/restrictions`, `POST /v1/restrictions`, `DELETE /v1/restrictions/{id}`:
//! subject restrictions (contract section 10), listed as keyed hashes; each change is a
//! governance record naming who made it.

use http::StatusCode;
use serde::{Deserialize, Serialize};

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

pub async fn list(state: &AdminState, _call: &Call<'_>) -> Reply {
    if state.restrictions.refresh(state.ledger.as_ref()).await.is_err() {
        return reply::store_unavailable();
    }
    reply::json(
        StatusCode::OK,
        &RestrictionList { restrictions: state.restrictions.current().list() },
    )
}

pub async fn add(state: &AdminState, call: &Call<'_>) -> Reply {
    let input: RestrictionInput = match call.json() {
        Ok(i) => i,
        Err(resp) => return resp,
    };
    match restrictions::add(
        state.ledger.as_ref(),
        &state.restrictions,
        &state.subject_key,
        &input,
        call.actor,
    )
    .await
    {
        Ok(r) => {
            let id = r.id.clone();
            reply::json_recorded(StatusCode::CREATED, &r, &id)
        }
        Err(e) => reply::problem(e.code(), e.to_string()),
    }
}

pub async fn remove(state: &AdminState, call: &Call<'_>) -> Reply {
    let id = call.params.first().cloned().unwrap_or_default();
    match restrictions::remove(state.ledger.as_ref(), &state.restrictions, &id, call.actor).await {
        Ok(record) => {
            let record_id = record.to_string();
            reply::json_recorded(
                StatusCode::OK,
                &RestrictionRemoved { id, removed: true, record_id: record_id.clone() },
                &record_id,
            )
        }
        Err(e) => reply::problem(e.code(), e.to_string()),
    }
}
