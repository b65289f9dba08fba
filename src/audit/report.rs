//! The read side for governance: the transparency report (counts only, never personal
//! data) and the emergency disclosures with their review state. Both decode rows the
//! same way `verify` does. This module only reads.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use uuid::Uuid;

use super::clock::format_time;
use super::record::{Record, RecordKind};
use super::store::{decode, Store, StoreError};

/// Counts over `[since, until)`. Keys are agreement ids, flow ids, purposes, outcome
/// and refusal codes, emergency categories and review states: never a person.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    pub since: String,
    pub until: String,
    pub total: u64,
    pub by_kind: BTreeMap<String, u64>,
    /// `<agreement id>@<version>`.
    pub by_agreement: BTreeMap<String, u64>,
    /// `<agreement id>/<flow id>`.
    pub by_flow: BTreeMap<String, u64>,
    pub by_purpose: BTreeMap<String, u64>,
    pub by_outcome: BTreeMap<String, u64>,
    pub refusals_by_code: BTreeMap<String, u64>,
    pub emergencies: EmergencySummary,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EmergencySummary {
    /// Emergency disclosures (request records) in the period.
    pub total: u64,
    pub by_category: BTreeMap<String, u64>,
    /// `pending`, `justified`, `not-justified` (the latest review, as of now).
    pub by_review_state: BTreeMap<String, u64>,
    /// `told`, `not-safe-to-tell`, `deferred` for those reviewed.
    pub subject_told: BTreeMap<String, u64>,
    /// Reviews recorded in the period.
    pub reviews: u64,
}

/// An emergency disclosure and what its reviews decided.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EmergencyEntry {
    pub record: Record,
    /// `pending` or `reviewed`.
    pub state: String,
    /// The latest review's decision (`justified` | `not-justified`), when reviewed.
    pub decision: Option<String>,
    pub subject_told: Option<String>,
    /// Every review of it, oldest first (amendments follow the first review).
    pub reviews: Vec<Record>,
}

fn bump(map: &mut BTreeMap<String, u64>, key: impl Into<String>) {
    *map.entry(key.into()).or_default() += 1;
}

/// An emergency request record (not its response, not a refusal).
fn is_emergency_disclosure(r: &Record) -> bool {
    r.draft.kind == RecordKind::Disclosure
        && r.draft.emergency.is_some()
        && r.draft.direction != Some(crate::codes::Direction::Response)
}

impl Store {
    /// Every review record, grouped by the disclosure it reviews.
    async fn reviews_by_target(&self) -> Result<HashMap<Uuid, Vec<Record>>, StoreError> {
        let rows =
            self.backend.select("WHERE kind = 'emergency-review' ORDER BY seq", vec![]).await?;
        let mut out: HashMap<Uuid, Vec<Record>> = HashMap::new();
        for row in rows {
            let r = decode(row)?;
            if let Some(target) = r.draft.in_reply_to {
                out.entry(target).or_default().push(r);
            }
        }
        Ok(out)
    }

    /// Emergency disclosures with their review state; `state` filters by `pending`,
    /// `reviewed`, `justified` or `not-justified`.
    pub async fn emergency_records(
        &self,
        state: Option<&str>,
    ) -> Result<Vec<EmergencyEntry>, StoreError> {
        let rows = self.backend.select("WHERE emergency IS NOT NULL ORDER BY seq", vec![]).await?;
        let mut reviews = self.reviews_by_target().await?;
        let mut out = Vec::new();
        for row in rows {
            let record = decode(row)?;
            if !is_emergency_disclosure(&record) {
                continue;
            }
            let reviews = reviews.remove(&record.id).unwrap_or_default();
            let latest = reviews.last().and_then(|r| r.draft.review.as_ref());
            let entry = EmergencyEntry {
                state: if latest.is_some() { "reviewed" } else { "pending" }.to_owned(),
                decision: latest.map(|r| r.decision.clone()),
                subject_told: latest.map(|r| r.subject_told.clone()),
                record,
                reviews,
            };
            let keep = match state {
                None => true,
                Some(s) => entry.state == s || entry.decision.as_deref() == Some(s),
            };
            if keep {
                out.push(entry);
            }
        }
        Ok(out)
    }

    /// The transparency report for records with `since <= time < until`.
    pub async fn report(
        &self,
        since: jiff::Timestamp,
        until: jiff::Timestamp,
    ) -> Result<Report, StoreError> {
        let records = self.records_between(since, until).await?;
        let reviews = self.reviews_by_target().await?;
        let mut rep =
            Report { since: format_time(since), until: format_time(until), ..Report::default() };
        for r in &records {
            let d = &r.draft;
            rep.total += 1;
            bump(&mut rep.by_kind, kind_name(d.kind));
            if let Some(a) = &d.agreement {
                bump(&mut rep.by_agreement, format!("{}@{}", a.id, a.version));
                if let Some(f) = &d.flow {
                    bump(&mut rep.by_flow, format!("{}/{}", a.id, f));
                }
            }
            if let Some(p) = &d.purpose {
                bump(&mut rep.by_purpose, p.clone());
            }
            bump(&mut rep.by_outcome, outcome_name(r));
            for reason in &d.refusal {
                bump(&mut rep.refusals_by_code, reason.code.as_str());
            }
            if d.kind == RecordKind::EmergencyReview {
                rep.emergencies.reviews += 1;
            }
            if is_emergency_disclosure(r) {
                let e = &mut rep.emergencies;
                e.total += 1;
                if let Some(info) = &d.emergency {
                    bump(&mut e.by_category, info.category.clone());
                }
                match reviews
                    .get(&r.id)
                    .and_then(|v| v.last())
                    .and_then(|x| x.draft.review.as_ref())
                {
                    Some(review) => {
                        bump(&mut e.by_review_state, review.decision.clone());
                        bump(&mut e.subject_told, review.subject_told.clone());
                    }
                    None => bump(&mut e.by_review_state, "pending"),
                }
            }
        }
        Ok(rep)
    }
}

pub(crate) fn kind_name(k: RecordKind) -> &'static str {
    match k {
        RecordKind::Disclosure => "disclosure",
        RecordKind::Refusal => "refusal",
        RecordKind::EmergencyReview => "emergency-review",
        RecordKind::Governance => "governance",
        RecordKind::Anchor => "anchor",
    }
}

pub(crate) fn outcome_name(r: &Record) -> String {
    match serde_json::to_value(r.draft.outcome) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}
