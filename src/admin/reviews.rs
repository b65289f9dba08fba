//! `GET /v1/emergency?state=pending|reviewed|all` (the review queue) and
//! `POST /v1/emergency/{id}/review` (record a review, carrying the reviewer's identity).

use http::StatusCode;
use serde::{Deserialize, Serialize};

use super::reply::{self, Reply};
use super::router::Call;
use super::AdminState;
use crate::codes::RefusalCode;
use crate::emergency::queue::{self, QueueItem, StateFilter};
use crate::emergency::review::{self, ReviewInput};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Queue {
    pub state: String,
    pub overdue_after_hours: u64,
    pub disclosures: Vec<QueueItem>,
}

/// `POST /v1/emergency/{id}/review` answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReviewRecorded {
    pub review_id: String,
    pub disclosure_id: String,
    pub seq: u64,
    pub time: String,
    pub decision: String,
    pub subject_told: String,
    pub revisit: Option<String>,
    pub reviewer: String,
    pub amendment: bool,
}

pub async fn queue(state: &AdminState, call: &Call<'_>) -> Reply {
    let filter = match call.query("state") {
        None => StateFilter::Pending,
        Some(s) => match StateFilter::parse(s) {
            Some(f) => f,
            None => {
                return reply::problem(
                    RefusalCode::BadRequest,
                    "`state` must be `pending`, `reviewed` or `all`",
                )
            }
        },
    };
    match state.ledger.emergencies().await {
        Ok(entries) => {
            let disclosures = queue::build(entries, filter, state.clock.now(), state.overdue_after);
            let q = Queue {
                state: filter.as_str().into(),
                overdue_after_hours: state.overdue_after.as_secs() / 3600,
                disclosures,
            };
            reply::json(StatusCode::OK, &q)
        }
        Err(_) => reply::store_unavailable(),
    }
}

pub async fn review(state: &AdminState, call: &Call<'_>) -> Reply {
    let Some(id) = call.params.first().and_then(|p| p.parse::<uuid::Uuid>().ok()) else {
        return reply::problem(RefusalCode::NotFound, "no emergency disclosure has this id");
    };
    let input: ReviewInput = match call.json() {
        Ok(i) => i,
        Err(resp) => return resp,
    };
    let today = state.clock.today();
    match review::record(state.ledger.as_ref(), &state.review_lock, id, &input, call.actor, today)
        .await
    {
        Ok(c) => {
            let body = ReviewRecorded {
                review_id: c.id.to_string(),
                disclosure_id: id.to_string(),
                seq: c.seq,
                time: c.time,
                decision: input.decision,
                subject_told: input.subject_told,
                revisit: input.revisit,
                reviewer: call.actor.to_owned(),
                amendment: input.amendment,
            };
            reply::json_recorded(StatusCode::CREATED, &body, &body.review_id)
        }
        Err(e) => reply::problem(e.code(), e.to_string()),
    }
}
