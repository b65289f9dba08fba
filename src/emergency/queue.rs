//! The review queue: emergency disclosures with their review state, as the admin API
//! (`GET /v1/emergency?state=`) and `isagate emergency list` show them.
//!
//! A disclosure is `pending` until its first review; `overdue` when pending longer than
//! the configured time. The review shown is the latest one in chain order (an amendment
//! replaces what it amends; both stay in the chain).

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::ledger::{record_time, EmergencyEntry};
use crate::codes::Parties;

/// Which disclosures to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum StateFilter {
    #[default]
    Pending,
    Reviewed,
    All,
}

impl StateFilter {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(Self::Pending),
            "reviewed" => Some(Self::Reviewed),
            "all" => Some(Self::All),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Reviewed => "reviewed",
            Self::All => "all",
        }
    }
}

/// The latest review of a disclosure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewSummary {
    pub review_id: String,
    pub time: String,
    pub decision: String,
    pub subject_told: String,
    pub revisit: Option<String>,
    pub note: String,
    pub reviewer: String,
    /// Reviews recorded for this disclosure, the first included.
    pub reviews: u64,
}

/// One entry of the queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueItem {
    pub disclosure_id: String,
    pub time: String,
    /// `from` and `to`.
    #[serde(flatten)]
    pub parties: Parties,
    pub requester: Option<String>,
    /// `category`, `justification` and `basis`.
    #[serde(flatten)]
    pub emergency: Emergency,
    pub agreement: Option<String>,
    /// `state`, `overdue` and `review`.
    #[serde(flatten)]
    pub status: ReviewStatus,
}

/// The emergency a disclosure was made under, as its record names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Emergency {
    pub category: String,
    /// The caller's justification (governance staff review it).
    pub justification: String,
    /// `agreement:<id>` or `policy:<rule id>`: what allowed it.
    pub basis: String,
}

/// Where a disclosure stands in review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewStatus {
    /// `pending` or `reviewed`.
    pub state: String,
    /// Pending for longer than the configured review time.
    pub overdue: bool,
    /// The latest review (none while pending).
    pub review: Option<ReviewSummary>,
}

/// Build the queue from the store's emergency entries.
pub fn build(
    entries: Vec<EmergencyEntry>,
    filter: StateFilter,
    now: jiff::Timestamp,
    overdue_after: Duration,
) -> Vec<QueueItem> {
    entries
        .into_iter()
        .filter_map(|e| {
            let em = e.disclosure.draft.emergency.clone()?;
            let latest = e.reviews.iter().max_by_key(|r| r.seq);
            let review = latest.and_then(|r| {
                let info = r.draft.review.as_ref()?;
                Some(ReviewSummary {
                    review_id: r.id.to_string(),
                    time: r.time.clone(),
                    decision: info.decision.clone(),
                    subject_told: info.subject_told.clone(),
                    revisit: info.revisit.clone(),
                    note: info.note.clone(),
                    reviewer: info.reviewer.clone(),
                    reviews: e.reviews.len() as u64,
                })
            });
            let pending = review.is_none();
            match (filter, pending) {
                (StateFilter::Pending, false) | (StateFilter::Reviewed, true) => return None,
                _ => {}
            }
            let overdue = pending && is_overdue(&e, now, overdue_after);
            let d = &e.disclosure.draft;
            Some(QueueItem {
                disclosure_id: e.disclosure.id.to_string(),
                time: e.disclosure.time.clone(),
                parties: Parties { from: d.from.clone(), to: d.to.clone() },
                requester: d.requester.clone(),
                emergency: Emergency {
                    category: em.category,
                    justification: em.justification,
                    basis: em.basis,
                },
                agreement: d.agreement.as_ref().map(|a| a.id.clone()),
                status: ReviewStatus {
                    state: if pending { "pending" } else { "reviewed" }.into(),
                    overdue,
                    review,
                },
            })
        })
        .collect()
}

/// Pending for at least `after`.
pub fn is_overdue(e: &EmergencyEntry, now: jiff::Timestamp, after: Duration) -> bool {
    pending_for(e, now).is_some_and(|age| age >= after)
}

/// How long a pending disclosure has waited (None when reviewed or its time is unreadable).
pub fn pending_for(e: &EmergencyEntry, now: jiff::Timestamp) -> Option<Duration> {
    if !e.reviews.is_empty() {
        return None;
    }
    let t = record_time(&e.disclosure)?;
    let secs = now.as_second().saturating_sub(t.as_second());
    Some(Duration::from_secs(u64::try_from(secs).unwrap_or(0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The emergency and the review status are flattened in: the members keep their
    /// order, the CLI reads the document back, and an unknown member is still refused.
    #[test]
    fn an_item_keeps_its_members_and_reads_back() {
        let item = QueueItem {
            disclosure_id: "d".into(),
            time: "t".into(),
            parties: Parties { from: Some("a".into()), to: Some("b".into()) },
            requester: None,
            emergency: Emergency {
                category: "risk-to-life".into(),
                justification: "j".into(),
                basis: "policy:x".into(),
            },
            agreement: None,
            status: ReviewStatus { state: "pending".into(), overdue: true, review: None },
        };
        let text = serde_json::to_string(&item).unwrap();
        assert_eq!(
            text,
            r#"{"disclosure_id":"d","time":"t","from":"a","to":"b","requester":null,"category":"risk-to-life","justification":"j","basis":"policy:x","agreement":null,"state":"pending","overdue":true,"review":null}"#
        );
        assert_eq!(serde_json::from_str::<QueueItem>(&text).unwrap(), item);
        let extra = text.replace(r#""d","#, r#""d","surprise":1,"#);
        assert!(serde_json::from_str::<QueueItem>(&extra).is_err());
    }
}
