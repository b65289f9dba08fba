//! Subject access (UK GDPR Article 15): every record about one data subject, shaped for
//! the subject, with every other subject's hash redacted. `isagate audit subject` and the
//! admin API's subject endpoint both answer through [`subject_access`], so they cannot
//! disagree.
//!
//! Archived segments are searched too (`segments`): the answer says which it read and
//! which are missing (with the dates they cover), so an incomplete answer says so.
//!
//! This module only reads and shapes; it takes the subject's keyed hash, never the
//! identifier itself, so no identifier reaches it or its errors.

use std::collections::HashMap;

use serde::Serialize;

use super::record::{AgreementRef, Outcome, Record, RecordKind};
use super::report::ReviewState;
use super::segments::ArchiveCoverage;
use super::{Store, StoreError};
use crate::agreements::explain::BasisCode;
use crate::codes::{Direction, Parties};
use crate::minimise::MinimisationReport;

/// What replaces another subject's hash.
pub const REDACTED: &str = "redacted";

/// The emergency part of an entry, with its review state.
#[derive(Debug, Serialize)]
pub struct EmergencyView {
    pub category: String,
    pub justification: String,
    /// `state`, `decision` and `subject_told`.
    #[serde(flatten)]
    pub review_state: ReviewState,
}

/// One record as a subject access response shows it.
#[derive(Debug, Serialize)]
pub struct SubjectEntry {
    pub id: uuid::Uuid,
    pub seq: u64,
    pub time: String,
    pub kind: RecordKind,
    pub direction: Option<Direction>,
    pub in_reply_to: Option<uuid::Uuid>,
    /// `from` and `to`.
    #[serde(flatten)]
    pub parties: Parties,
    pub agreement: Option<AgreementRef>,
    pub flow: Option<String>,
    pub purpose: Option<String>,
    /// The lawful-basis codes the record names, each with its plain-English description.
    pub lawful_basis: Vec<BasisCode>,
    pub reason: Option<String>,
    pub requester: Option<String>,
    /// `disclosed`, `stripped` and `transformed`, as the record keeps them.
    #[serde(flatten)]
    pub minimisation: MinimisationReport,
    pub outcome: Outcome,
    pub emergency: Option<EmergencyView>,
    /// This subject's hash, and `redacted` for everyone else named in the record.
    pub subjects: Vec<String>,
}

/// A subject access answer: every record found, and which archived segments were read.
#[derive(Debug, Serialize)]
pub struct SubjectAnswer {
    pub records: Vec<SubjectEntry>,
    /// `complete: false` when an archived segment is missing: records may be absent.
    pub archive: ArchiveCoverage,
}

/// The serialised name of a unit enum value (`disclosure`, `released`, ...).
pub fn name<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// Every record about the subject whose keyed hash is `me`, archived ones included, in
/// chain order, shaped for that subject (other subjects redacted, emergency records with
/// their review state), and which archived segments were read.
pub async fn subject_access(store: &Store, me: &str) -> Result<SubjectAnswer, StoreError> {
    let mine = me.to_owned();
    let (mut records, archive) =
        store.archived_records(move |r| r.draft.subjects.contains(&mine)).await?;
    records.extend(store.subject_records(me).await?);
    let states: HashMap<uuid::Uuid, ReviewState> = store
        .emergency_records(None)
        .await?
        .into_iter()
        .map(|e| (e.record.id, e.review_state))
        .collect();
    let records = records.into_iter().map(|r| entry(r, me, &states)).collect();
    Ok(SubjectAnswer { records, archive })
}

/// Shape a record for the subject whose hash is `me`.
fn entry(r: Record, me: &str, states: &HashMap<uuid::Uuid, ReviewState>) -> SubjectEntry {
    let d = r.draft;
    let emergency = d.emergency.map(|e| EmergencyView {
        category: e.category,
        justification: e.justification,
        review_state: states.get(&r.id).cloned().unwrap_or_else(ReviewState::pending),
    });
    SubjectEntry {
        id: r.id,
        seq: r.seq,
        time: r.time,
        kind: d.kind,
        direction: d.direction,
        in_reply_to: d.in_reply_to,
        parties: Parties { from: d.from, to: d.to },
        agreement: d.agreement,
        flow: d.flow,
        purpose: d.purpose,
        lawful_basis: d.lawful_basis.as_ref().map(BasisCode::all).unwrap_or_default(),
        reason: d.reason,
        requester: d.requester,
        minimisation: MinimisationReport {
            disclosed: d.disclosed,
            stripped: d.stripped,
            transformed: d.transformed,
        },
        outcome: d.outcome,
        emergency,
        subjects: d
            .subjects
            .into_iter()
            .map(|s| if s == me { s } else { REDACTED.to_owned() })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The entry carries the record's own typed values; they reach the answer as the
    /// record writes them (the id as text, the kind, direction and outcome by name).
    #[test]
    fn typed_values_serialise_as_the_record_writes_them() {
        let r = crate::audit::record::fixtures::full();
        let me = r.draft.subjects.first().cloned().unwrap_or_default();
        let record = serde_json::to_value(&r).unwrap();
        let shown = serde_json::to_value(entry(r, &me, &HashMap::new())).unwrap();
        for key in ["id", "seq", "time", "kind", "direction", "in_reply_to", "outcome"] {
            assert_eq!(shown[key], record[key], "{key}");
        }
        assert_eq!(shown["kind"], "emergency-review");
    }
}
