//! The read side for governance: the transparency report (counts only, never personal
//! data) and the emergency disclosures with their review state. Both decode rows the
//! same way `verify` does, and both read the archived segments too (`segments`), so an
//! archive never makes them shrink. This module only reads.
//!
//! The report counts transfers (a request record and its response record are one
//! transfer), names recipients by their display name, and carries the chain's state
//! and the time it was made.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use uuid::Uuid;

pub mod render;

use super::clock::format_time;
use super::record::{Record, RecordKind, ReviewInfo};
use super::segments::ArchiveCoverage;
use super::store::{decode, Store, StoreError};
use crate::agreements::explain::BasisCode;
use crate::codes::Direction;

/// Counts over `[since, until)`. Keys are agreement ids, flow ids, purposes, agency
/// names, outcome and refusal codes, emergency categories and review states: never a
/// person.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Report {
    /// The period's start and end as given (`YYYY-MM-DD` or RFC 3339); a date `until`
    /// is inclusive: the whole day counts, and it is shown as that day.
    pub since: String,
    pub until: String,
    /// `until` was a date, so the whole of that day is in the period.
    pub until_inclusive: bool,
    /// The period as instants: records with `period_start <= time < period_end`.
    pub period_start: String,
    pub period_end: String,
    /// When the report was made (RFC 3339 UTC).
    pub generated_at: String,
    /// The hash chain's state when the report was made (`audit verify`).
    pub chain: Option<ChainState>,
    /// Records of every kind (a transfer has a request and a response record).
    pub total: u64,
    /// Transfers: a request (forwarded or refused), its response record counted with it.
    pub transfers: u64,
    pub by_kind: BTreeMap<String, u64>,
    /// Transfers by `<agreement id>@<version>`.
    pub by_agreement: BTreeMap<String, u64>,
    /// Transfers by `<agreement id>/<flow id>`.
    pub by_flow: BTreeMap<String, u64>,
    /// Transfers by purpose.
    pub by_purpose: BTreeMap<String, u64>,
    /// Transfers by recipient agency, by its display name in the config.
    pub by_recipient: BTreeMap<String, u64>,
    /// Transfers by final outcome (the response record's, when the request was forwarded
    /// and answered in the period).
    pub by_outcome: BTreeMap<String, u64>,
    pub refusals_by_code: BTreeMap<String, u64>,
    /// Transfers by each lawful-basis code their record names.
    #[serde(default)]
    pub by_lawful_basis: BTreeMap<String, u64>,
    /// Each code in `by_lawful_basis` with its plain-English description.
    #[serde(default)]
    pub lawful_basis: BTreeMap<String, String>,
    pub emergencies: EmergencySummary,
    /// The archived segments read for this report, and any that are missing.
    pub archive: ArchiveCoverage,
}

/// The chain's state, as `audit verify` found it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ChainState {
    pub ok: bool,
    /// Live records checked.
    pub records: u64,
    pub head_seq: u64,
    pub head_hash: String,
    /// The first bad record's seq, when the chain is broken.
    pub first_bad_seq: Option<u64>,
}

/// What a transparency report is asked for.
#[derive(Debug, Clone)]
pub struct ReportQuery {
    pub since: jiff::Timestamp,
    pub until: jiff::Timestamp,
    /// `since` and `until` as the person gave them.
    pub since_given: String,
    pub until_given: String,
    /// Agency id -> display name (`[[agencies]] name`).
    pub agency_names: BTreeMap<String, String>,
    /// Walk the whole chain and report its state (`chain`). Off for the console's report
    /// page, which shows its page-load verify instead (`admin::chain`).
    pub verify_chain: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
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

/// Where an emergency disclosure's review stands: what its latest review decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReviewState {
    /// `pending` or `reviewed`.
    pub state: String,
    /// The latest review's decision (`justified` | `not-justified`), when reviewed.
    pub decision: Option<String>,
    pub subject_told: Option<String>,
}

impl ReviewState {
    /// The state after `latest` (`None`: not reviewed yet).
    fn after(latest: Option<&ReviewInfo>) -> Self {
        Self {
            state: if latest.is_some() { "reviewed" } else { "pending" }.to_owned(),
            decision: latest.map(|r| r.decision.clone()),
            subject_told: latest.map(|r| r.subject_told.clone()),
        }
    }

    /// Not reviewed yet.
    pub fn pending() -> Self {
        Self::after(None)
    }
}

/// An emergency disclosure and what its reviews decided.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EmergencyEntry {
    pub record: Record,
    /// `state`, `decision` and `subject_told`, beside the record.
    #[serde(flatten)]
    pub review_state: ReviewState,
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
        && r.draft.direction != Some(Direction::Response)
}

/// The record that opens a transfer: a request disclosure or a refusal.
fn opens_transfer(r: &Record) -> bool {
    matches!(r.draft.kind, RecordKind::Disclosure | RecordKind::Refusal)
        && r.draft.direction != Some(Direction::Response)
}

/// The transparency report the CLI and the admin API give: counts (archived segments
/// included), the chain's state, agency names, the time it was made, the period as given.
pub async fn transparency_report(store: &Store, q: &ReportQuery) -> Result<Report, StoreError> {
    let mut rep = store.report(q.since, q.until).await?;
    if q.verify_chain {
        let chain = store.verify(None, &|_, _| {}).await?;
        rep.chain = Some(ChainState {
            ok: chain.ok,
            records: chain.length,
            head_seq: chain.head_seq,
            head_hash: chain.head_hash,
            first_bad_seq: chain.failure.map(|f| f.seq),
        });
    }
    rep.since.clone_from(&q.since_given);
    rep.until.clone_from(&q.until_given);
    rep.until_inclusive = q.until_given.parse::<jiff::Timestamp>().is_err();
    rep.by_recipient = std::mem::take(&mut rep.by_recipient)
        .into_iter()
        .map(|(id, n)| (q.agency_names.get(&id).cloned().unwrap_or(id), n))
        .fold(BTreeMap::new(), |mut m, (k, n)| {
            *m.entry(k).or_default() += n;
            m
        });
    rep.generated_at = format_time(jiff::Timestamp::now());
    Ok(rep)
}

impl Store {
    /// Every review record, live and in `archived`, grouped by the disclosure it reviews.
    async fn reviews_by_target(
        &self,
        archived: &[Record],
    ) -> Result<HashMap<Uuid, Vec<Record>>, StoreError> {
        let rows =
            self.backend.select("WHERE kind = 'emergency-review' ORDER BY seq", vec![]).await?;
        let live = rows.into_iter().map(decode).collect::<Result<Vec<_>, _>>()?;
        let mut out: HashMap<Uuid, Vec<Record>> = HashMap::new();
        let archived = archived.iter().filter(|r| r.draft.kind == RecordKind::EmergencyReview);
        for r in archived.cloned().chain(live) {
            if let Some(target) = r.draft.in_reply_to {
                out.entry(target).or_default().push(r);
            }
        }
        Ok(out)
    }

    /// Emergency disclosures (archived segments included) with their review state;
    /// `state` filters by `pending`, `reviewed`, `justified` or `not-justified`.
    pub async fn emergency_records(
        &self,
        state: Option<&str>,
    ) -> Result<Vec<EmergencyEntry>, StoreError> {
        let (archived, _) = self
            .archived_records(|r| {
                r.draft.emergency.is_some() || r.draft.kind == RecordKind::EmergencyReview
            })
            .await?;
        let rows = self.backend.select("WHERE emergency IS NOT NULL ORDER BY seq", vec![]).await?;
        let mut reviews = self.reviews_by_target(&archived).await?;
        let live = rows.into_iter().map(decode).collect::<Result<Vec<_>, _>>()?;
        let mut out = Vec::new();
        for record in archived.into_iter().chain(live) {
            if !is_emergency_disclosure(&record) {
                continue;
            }
            let reviews = reviews.remove(&record.id).unwrap_or_default();
            let latest = reviews.last().and_then(|r| r.draft.review.as_ref());
            let entry =
                EmergencyEntry { review_state: ReviewState::after(latest), record, reviews };
            let now = &entry.review_state;
            let keep = match state {
                None => true,
                Some(s) => now.state == s || now.decision.as_deref() == Some(s),
            };
            if keep {
                out.push(entry);
            }
        }
        Ok(out)
    }

    /// The counts for records with `since <= time < until`, archived segments included
    /// (see [`transparency_report`] for the whole report).
    pub async fn report(
        &self,
        since: jiff::Timestamp,
        until: jiff::Timestamp,
    ) -> Result<Report, StoreError> {
        let (from, to) = (format_time(since), format_time(until));
        let (lo, hi) = (from.clone(), to.clone());
        let (archived, archive) = self
            .archived_records(move |r| {
                (r.time >= lo && r.time < hi) || r.draft.kind == RecordKind::EmergencyReview
            })
            .await?;
        let reviews = self.reviews_by_target(&archived).await?;
        let archived = archived.into_iter().filter(|r| r.time >= from && r.time < to);
        let records: Vec<Record> =
            archived.chain(self.records_between(since, until).await?).collect();
        let mut rep = Report {
            since: from.clone(),
            until: to.clone(),
            period_start: from,
            period_end: to,
            archive,
            ..Report::default()
        };
        // A transfer's final outcome: its response record's, else its own.
        let mut outcomes: BTreeMap<Uuid, String> = BTreeMap::new();
        for r in &records {
            if opens_transfer(r) {
                outcomes.insert(r.id, outcome_name(r));
            }
        }
        for r in &records {
            let d = &r.draft;
            if d.direction == Some(Direction::Response) {
                if let Some(o) = d.in_reply_to.and_then(|id| outcomes.get_mut(&id)) {
                    *o = outcome_name(r);
                }
            }
        }
        for o in outcomes.into_values() {
            bump(&mut rep.by_outcome, o);
        }
        for r in &records {
            let d = &r.draft;
            rep.total += 1;
            bump(&mut rep.by_kind, kind_name(d.kind));
            for reason in &d.refusal {
                bump(&mut rep.refusals_by_code, reason.code.as_str());
            }
            if d.kind == RecordKind::EmergencyReview {
                rep.emergencies.reviews += 1;
            }
            if !opens_transfer(r) {
                continue;
            }
            rep.transfers += 1;
            if let Some(a) = &d.agreement {
                bump(&mut rep.by_agreement, format!("{}@{}", a.id, a.version));
                if let Some(f) = &d.flow {
                    bump(&mut rep.by_flow, format!("{}/{}", a.id, f));
                }
            }
            if let Some(p) = &d.purpose {
                bump(&mut rep.by_purpose, p.clone());
            }
            if let Some(to) = &d.to {
                bump(&mut rep.by_recipient, to.clone());
            }
            for b in d.lawful_basis.as_ref().map(BasisCode::all).unwrap_or_default() {
                bump(&mut rep.by_lawful_basis, b.code.clone());
                rep.lawful_basis.insert(b.code, b.description);
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
