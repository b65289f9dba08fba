//! `GET /v1/emergency?state=pending|reviewed|all` (the review queue) and
//! `POST /v1/emergency/{id}/review` (record a review, carrying the reviewer's identity).

use http::StatusCode;
use serde::{Deserialize, Serialize};

use super::error::AdminError;
use super::reply::{self, Reply};
use super::router::Call;
use super::AdminState;
use crate::emergency::queue::{self, QueueItem, StateFilter};
use crate::emergency::review::{self, ReviewInput};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Queue {
    pub state: String,
    pub overdue_after_hours: u64,
    pub disclosures: Vec<QueueItem>,
    /// Which archived segments were read, and which are missing (with their dates).
    pub archive: Option<crate::audit::ArchiveCoverage>,
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

pub async fn queue(state: &AdminState, call: &Call<'_>) -> Result<Reply, AdminError> {
    let filter = match call.query("state") {
        None => StateFilter::Pending,
        Some(s) => StateFilter::parse(s).ok_or_else(|| {
            AdminError::Invalid("`state` must be `pending`, `reviewed` or `all`".into())
        })?,
    };
    let entries = state.ledger.emergencies().await.map_err(AdminError::store("review queue"))?;
    let archive =
        state.ledger.archive_coverage().await.map_err(AdminError::store("review queue"))?;
    let disclosures = queue::build(entries, filter, state.clock.now(), state.overdue_after);
    let q = Queue {
        state: filter.as_str().into(),
        overdue_after_hours: state.overdue_after.as_secs() / 3600,
        disclosures,
        archive,
    };
    reply::json(StatusCode::OK, &q)
}

pub async fn review(state: &AdminState, call: &Call<'_>) -> Result<Reply, AdminError> {
    let Some(id) = call.params.first().and_then(|p| p.parse::<uuid::Uuid>().ok()) else {
        return Err(review::ReviewError::NotFound.into());
    };
    let input: ReviewInput = call.json()?;
    let today = state.clock.today();
    let c =
        review::record(state.ledger.as_ref(), &state.review_lock, id, &input, call.actor, today)
            .await?;
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
