//! Reviewing an emergency disclosure (contract section 6): a governance user records
//! `justified` or `not-justified`, whether the data subject is told (`told`,
//! `not-safe-to-tell`, `deferred` with a date to revisit), and a note. The review is an
//! `emergency-review` record whose `in_reply_to` is the disclosure and whose `actor` is the
//! reviewer's certificate identity.
//!
//! One review per disclosure: a second is refused unless marked as an amendment, which is
//! recorded too. Within one process the check and the append run under one lock; across
//! replicas sharing a store, two first reviews racing within milliseconds could both
//! commit, and the queue then shows the later one as an amendment (`docs/emergency.md`).
//!
//! This module must not log the note (free text).

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;
use uuid::Uuid;

use super::ledger::{is_emergency_disclosure, store_failure_is, Committed, Ledger};
use crate::audit::record::{Outcome, RecordDraft, RecordKind, ReviewInfo};

/// The longest note, in characters.
pub const MAX_NOTE_CHARS: usize = 2000;

/// A review as the admin API and the CLI send it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewInput {
    /// `justified` | `not-justified`.
    pub decision: String,
    /// `told` | `not-safe-to-tell` | `deferred`.
    pub subject_told: String,
    /// `YYYY-MM-DD`, required with `deferred` and refused otherwise.
    #[serde(default)]
    pub revisit: Option<String>,
    pub note: String,
    /// Replaces an earlier review (both stay in the chain).
    #[serde(default)]
    pub amendment: bool,
}

pub const DECISIONS: &[&str] = &["justified", "not-justified"];
pub const SUBJECT_TOLD: &[&str] = &["told", "not-safe-to-tell", "deferred"];

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ReviewError {
    #[error("`decision` must be `justified` or `not-justified`")]
    BadDecision,
    #[error("`subject_told` must be `told`, `not-safe-to-tell` or `deferred`")]
    BadSubjectTold,
    #[error("`deferred` needs `revisit`, the date to revisit (YYYY-MM-DD)")]
    RevisitMissing,
    #[error("`revisit` is only for `deferred`")]
    RevisitUnexpected,
    #[error("`revisit` must be a date (YYYY-MM-DD) from today on")]
    BadRevisit,
    #[error("`note` must hold 1 to 2000 characters")]
    BadNote,
    #[error("no emergency disclosure has this id")]
    NotFound,
    #[error(
        "this disclosure has been reviewed already; send `amendment: true` to amend the review"
    )]
    AlreadyReviewed,
    #[error("this disclosure has no review to amend; send it without `amendment`")]
    NothingToAmend,
    #[error("the review cannot be recorded: the record store is unavailable")]
    Store,
}

store_failure_is!(ReviewError, "review");

/// Check a review's fields; `today` is the date in Europe/London.
pub fn validate(
    input: &ReviewInput,
    reviewer: &str,
    today: Date,
) -> Result<ReviewInfo, ReviewError> {
    if !DECISIONS.contains(&input.decision.as_str()) {
        return Err(ReviewError::BadDecision);
    }
    if !SUBJECT_TOLD.contains(&input.subject_told.as_str()) {
        return Err(ReviewError::BadSubjectTold);
    }
    let revisit = match (input.subject_told.as_str(), &input.revisit) {
        ("deferred", None) => return Err(ReviewError::RevisitMissing),
        ("deferred", Some(d)) => {
            let date: Date = d.parse().map_err(|_| ReviewError::BadRevisit)?;
            if d.len() != 10 || date < today {
                return Err(ReviewError::BadRevisit);
            }
            Some(date.to_string())
        }
        (_, Some(_)) => return Err(ReviewError::RevisitUnexpected),
        (_, None) => None,
    };
    let chars = input.note.trim().chars().count();
    if chars == 0 || input.note.chars().count() > MAX_NOTE_CHARS {
        return Err(ReviewError::BadNote);
    }
    Ok(ReviewInfo {
        decision: input.decision.clone(),
        subject_told: input.subject_told.clone(),
        revisit,
        note: input.note.clone(),
        reviewer: reviewer.to_owned(),
        amendment: input.amendment,
    })
}

/// The `emergency-review` record for a validated review.
pub fn review_draft(disclosure: Uuid, review: ReviewInfo) -> RecordDraft {
    let mut d = RecordDraft::new(RecordKind::EmergencyReview, Outcome::Recorded);
    d.in_reply_to = Some(disclosure);
    d.actor = Some(review.reviewer.clone());
    d.review = Some(review);
    d
}

/// Validate, check the target and earlier reviews, and commit the review record. `lock`
/// serialises reviews within this process so two first reviews cannot both pass.
pub async fn record(
    ledger: &dyn Ledger,
    lock: &Mutex<()>,
    disclosure: Uuid,
    input: &ReviewInput,
    reviewer: &str,
    today: Date,
) -> Result<Committed, ReviewError> {
    let info = validate(input, reviewer, today)?;
    let _guard = lock.lock().await;
    let target = ledger.get(disclosure).await?.ok_or(ReviewError::NotFound)?;
    if !is_emergency_disclosure(&target.draft) {
        return Err(ReviewError::NotFound);
    }
    let entry = ledger.emergencies().await?.into_iter().find(|e| e.disclosure.id == disclosure);
    let reviewed = entry.is_some_and(|e| !e.reviews.is_empty());
    match (reviewed, input.amendment) {
        (true, false) => return Err(ReviewError::AlreadyReviewed),
        (false, true) => return Err(ReviewError::NothingToAmend),
        _ => {}
    }
    let committed = ledger.append(review_draft(disclosure, info)).await?;
    tracing::info!(
        disclosure_id = %disclosure,
        review_id = %committed.id,
        reviewer,
        decision = %input.decision,
        amendment = input.amendment,
        "emergency disclosure reviewed"
    );
    Ok(committed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ReviewInput {
        ReviewInput {
            decision: "justified".into(),
            subject_told: "told".into(),
            revisit: None,
            note: "checked with the duty manager".into(),
            amendment: false,
        }
    }

    fn today() -> Date {
        jiff::civil::date(2026, 3, 1)
    }

    #[test]
    fn valid_reviews_pass() {
        let r = validate(&input(), "urn:isagate:governance:ig-team", today()).unwrap();
        assert_eq!(r.reviewer, "urn:isagate:governance:ig-team");
        let mut i = input();
        i.subject_told = "deferred".into();
        i.revisit = Some("2026-03-01".into());
        assert_eq!(validate(&i, "r", today()).unwrap().revisit.as_deref(), Some("2026-03-01"));
    }

    type Case = (fn(&mut ReviewInput), ReviewError);

    #[test]
    fn invalid_reviews_are_refused_with_their_reason() {
        let cases: Vec<Case> = vec![
            (|i| i.decision = "fine".into(), ReviewError::BadDecision),
            (|i| i.subject_told = "later".into(), ReviewError::BadSubjectTold),
            (|i| i.subject_told = "deferred".into(), ReviewError::RevisitMissing),
            (|i| i.revisit = Some("2026-04-01".into()), ReviewError::RevisitUnexpected),
            (
                |i| {
                    i.subject_told = "deferred".into();
                    i.revisit = Some("2026-02-28".into());
                },
                ReviewError::BadRevisit,
            ),
            (
                |i| {
                    i.subject_told = "deferred".into();
                    i.revisit = Some("1 April".into());
                },
                ReviewError::BadRevisit,
            ),
            (|i| i.note = "   ".into(), ReviewError::BadNote),
            (|i| i.note = "x".repeat(2001), ReviewError::BadNote),
        ];
        for (change, expected) in cases {
            let mut i = input();
            change(&mut i);
            assert_eq!(validate(&i, "r", today()).unwrap_err(), expected);
        }
        let mut i = input();
        i.note = "é".repeat(2000);
        assert!(validate(&i, "r", today()).is_ok(), "2000 characters, not bytes");
    }
}
