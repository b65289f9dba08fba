//! The impact of a [`Diff`] on recorded traffic: the records of the last N days replayed
//! against the new set from what records keep (no payload is stored). Whether the new set
//! would refuse a past transfer is asked of the one decision
//! ([`crate::policy::decision::authorise`]) with the record's route, purpose and date;
//! field findings are matched against the record's `disclosed`, `stripped` and
//! `transformed` schema paths. Counts only: never an identifier, a requester or a reason.
//!
//! Precision: `transfers` are exact; `at_most` counts transfers the record can neither
//! confirm nor rule out (an undeclared key recorded only as a count at its declared
//! parent, a route recorded as a template); refusals that depend on the body are "cannot
//! tell from records". Must not: write to the store.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use super::{Diff, Finding, Kind};
use crate::agreements::matching::RequestKey;
use crate::agreements::AgencyRef;
use crate::audit::record::{Record, RecordKind};
use crate::audit::{Store, StoreError};
use crate::codes::{Direction, RefusalCode, StripReason};
use crate::policy::decision::{authorise, Facts};
use crate::policy::Policy;

use super::fields::covers;

/// Which records to replay, and the registered agencies (for jurisdictions).
#[derive(Debug, Clone)]
pub struct Window {
    /// The end of the window (now, for the command line).
    pub until: Timestamp,
    /// How many days back from `until`.
    pub days: u32,
    /// Agencies from the config; a recipient not found is taken to be in `GB`.
    pub agencies: Vec<AgencyRef>,
}

#[derive(Debug, thiserror::Error)]
pub enum ImpactError {
    #[error("cannot read the records to replay: {0}")]
    Store(#[from] StoreError),
    #[error("`--days {0}` is out of range: use 1 to 3660")]
    Days(u32),
}

/// How many past transfers one finding concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingImpact {
    /// Index into the diff's findings.
    pub finding: usize,
    /// Transfers the record shows it concerns.
    pub transfers: u64,
    /// Further transfers it may concern ("at most"): the record cannot tell.
    pub at_most: u64,
}

/// Past transfers the new set would refuse, by code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WouldRefuse {
    pub code: String,
    pub transfers: u64,
    /// Of those, how many were matched by route template only (the concrete path is not
    /// recorded): "at most".
    pub at_most: u64,
}

/// Past transfers whose fate under the new set depends on their bodies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CannotTell {
    pub code: String,
    pub agreement: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow: Option<String>,
    pub transfers: u64,
    pub why: String,
}

/// What was replayed: the window and how many records of each direction.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Replayed {
    pub since: String,
    pub until: String,
    pub days: u32,
    /// Request records replayed (forwarded transfers).
    pub transfers: u64,
    /// Response records matched against response findings.
    pub responses: u64,
}

/// The replay's result: counts only.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Impact {
    /// `since`, `until`, `days`, `transfers`, `responses`.
    #[serde(flatten)]
    pub replayed: Replayed,
    pub findings: Vec<FindingImpact>,
    pub would_refuse: Vec<WouldRefuse>,
    pub cannot_tell: Vec<CannotTell>,
}

const SCHEMA_CHANGED: &str =
    "the schema changed: whether each past body passes it depends on the body, which is not stored";
const BODY_REFUSAL: &str = "refused for its body, which is not stored";

/// Replay the records of the window against `new`.
pub async fn impact(
    store: &Store,
    new: &Policy,
    diff: &Diff,
    window: &Window,
) -> Result<Impact, ImpactError> {
    if window.days == 0 || window.days > 3660 {
        return Err(ImpactError::Days(window.days));
    }
    let since = window.until - SignedDuration::from_hours(24 * i64::from(window.days));
    let records = store.records_between(since, window.until).await?;
    let mut out = Impact {
        replayed: Replayed {
            since: crate::audit::clock::format_time(since),
            until: crate::audit::clock::format_time(window.until),
            days: window.days,
            ..Replayed::default()
        },
        ..Impact::default()
    };
    let mut per_finding = vec![(0u64, 0u64); diff.findings.len()];
    let mut refuse: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let mut unknown: BTreeMap<(String, String, Option<String>, &'static str), u64> =
        BTreeMap::new();
    for record in &records {
        let d = &record.draft;
        let agreement =
            d.agreement.as_ref().map_or("emergency-policy", |a| a.id.as_str()).to_owned();
        match d.kind {
            RecordKind::Refusal => {
                for code in [RefusalCode::SchemaViolation, RefusalCode::TransformFailed] {
                    if d.refusal.iter().any(|r| r.code == code) {
                        let key = (
                            code.as_str().to_owned(),
                            agreement.clone(),
                            d.flow.clone(),
                            BODY_REFUSAL,
                        );
                        *unknown.entry(key).or_default() += 1;
                    }
                }
                continue;
            }
            RecordKind::Disclosure => {}
            _ => continue,
        }
        let direction = d.direction.unwrap_or(Direction::Request);
        if direction == Direction::Request {
            out.replayed.transfers += 1;
            replay(new, record, &window.agencies, &mut refuse, &mut unknown);
        } else {
            out.replayed.responses += 1;
        }
        for (i, f) in diff.findings.iter().enumerate() {
            match concerns(f, record, direction) {
                Some(true) => per_finding[i].0 += 1,
                Some(false) => per_finding[i].1 += 1,
                None => {}
            }
        }
    }
    out.findings = per_finding
        .into_iter()
        .enumerate()
        .filter(|(_, (e, m))| e + m > 0)
        .map(|(finding, (transfers, at_most))| FindingImpact { finding, transfers, at_most })
        .collect();
    out.would_refuse = refuse
        .into_iter()
        .map(|(code, (transfers, at_most))| WouldRefuse { code, transfers, at_most })
        .collect();
    out.cannot_tell = unknown
        .into_iter()
        .map(|((code, agreement, flow, why), transfers)| CannotTell {
            code,
            agreement,
            flow,
            transfers,
            why: why.to_owned(),
        })
        .collect();
    Ok(out)
}

/// Ask the decision whether the new set permits this past request.
fn replay(
    new: &Policy,
    record: &Record,
    agencies: &[AgencyRef],
    refuse: &mut BTreeMap<String, (u64, u64)>,
    unknown: &mut BTreeMap<(String, String, Option<String>, &'static str), u64>,
) {
    let d = &record.draft;
    let (Some(caller), Some(recipient), Some(method), Some(path), Some(purpose)) = (
        d.from.as_deref(),
        d.to.as_deref(),
        d.method.as_deref(),
        d.path_template.as_deref(),
        d.purpose.as_deref(),
    ) else {
        return;
    };
    let Some(time) = crate::audit::clock::parse_time(&record.time) else { return };
    let jurisdiction =
        agencies.iter().find(|a| a.id == recipient).map_or("GB", |a| a.jurisdiction.as_str());
    let key = RequestKey {
        caller,
        recipient,
        recipient_jurisdiction: jurisdiction,
        method,
        path,
        purpose,
        agreement: d.agreement.as_ref().map(|a| a.id.as_str()),
        emergency: d.emergency.as_ref().map(|e| e.category.as_str()),
    };
    let facts = Facts { key, query: None, today: crate::clock::date_in_london(time) };
    match authorise(new, &facts) {
        Err(reasons) => {
            let mut codes: Vec<&str> = reasons.iter().map(|r| r.code.as_str()).collect();
            codes.sort_unstable();
            codes.dedup();
            let templated = path.contains('{') || path.contains('*');
            for code in codes {
                let e = refuse.entry(code.to_owned()).or_default();
                e.0 += 1;
                if templated && code == RefusalCode::NoAgreement.as_str() {
                    e.1 += 1;
                }
            }
        }
        Ok(auth) => {
            let changed = auth.rules.schemas.request.iter().any(|name| {
                new.schema_sha256(name) != d.schema_sha256.get(name).map(String::as_str)
            });
            if changed {
                let agreement =
                    d.agreement.as_ref().map_or("emergency-policy", |a| a.id.as_str()).to_owned();
                let code = RefusalCode::SchemaViolation.as_str().to_owned();
                *unknown.entry((code, agreement, d.flow.clone(), SCHEMA_CHANGED)).or_default() += 1;
            }
        }
    }
}

/// Does `f` concern this record? `Some(true)`: the record shows it does; `Some(false)`:
/// it may ("at most"); `None`: it does not, or the finding changes nothing past.
fn concerns(f: &Finding, record: &Record, direction: Direction) -> Option<bool> {
    let d = &record.draft;
    let agreement = d.agreement.as_ref().map(|a| a.id.as_str());
    if agreement != Some(f.agreement.as_str()) {
        return None;
    }
    if f.direction.is_none() && direction == Direction::Response {
        return None;
    }
    if let Some(dir) = f.direction {
        if dir != direction || f.emergency_clause != d.emergency.is_some() {
            return None;
        }
        if !f.emergency_clause && f.flow.is_some() && f.flow != d.flow {
            return None;
        }
        return fields(f, record);
    }
    if f.flow.is_some() && f.flow != d.flow {
        return None;
    }
    let item = f.item.as_deref().unwrap_or("");
    let date = crate::audit::clock::parse_time(&record.time).map(crate::clock::date_in_london);
    let on = |s: Option<&String>| -> Option<jiff::civil::Date> { s.and_then(|s| s.parse().ok()) };
    let hit = match f.kind {
        Kind::Retention | Kind::ReviewBy | Kind::Detail | Kind::EmergencyRule => false,
        Kind::Purpose => d.purpose.as_deref() == Some(item),
        Kind::Party => d.from.as_deref() == Some(item) || d.to.as_deref() == Some(item),
        Kind::Emergency => d.emergency.is_some(),
        Kind::EmergencyCategory => d.emergency.as_ref().is_some_and(|e| e.category == item),
        // Only a later start or an earlier end reaches back over past transfers.
        Kind::EffectiveFrom => matches!((date, on(f.new.as_ref())), (Some(t), Some(n)) if t < n),
        Kind::Expires => matches!((date, on(f.new.as_ref())), (Some(t), Some(n)) if t >= n),
        Kind::Query => {
            // Records keep forwarded parameters as `?name`, stripped ones as `?` (a count)
            // or, in older records, `?name`.
            let named = format!("?{item}");
            if d.disclosed.contains(&named) || d.stripped.iter().any(|s| s.path == named) {
                return Some(true);
            }
            return (f.new.is_some() && d.stripped.iter().any(|s| s.path == "?")).then_some(false);
        }
        _ => true,
    };
    hit.then_some(true)
}

/// A field finding against a record's schema paths.
fn fields(f: &Finding, record: &Record) -> Option<bool> {
    let d = &record.draft;
    let path = f.item.as_deref()?;
    let disclosed = || d.disclosed.iter().any(|p| covers(path, p));
    let stripped = |reasons: &[StripReason]| -> Option<bool> {
        let mut at_most = false;
        for s in d.stripped.iter().filter(|s| reasons.contains(&s.reason)) {
            if covers(path, &s.path) {
                return Some(true);
            }
            at_most |= covers(&s.path, path);
        }
        at_most.then_some(false)
    };
    let widens = f.effect == super::Effect::Widens;
    match f.kind {
        Kind::Field if widens => {
            stripped(&[StripReason::Undeclared, StripReason::NotInEmergencySchema])
        }
        Kind::Category if widens => {
            stripped(&[StripReason::SpecialCategory, StripReason::CriminalOffence])
        }
        Kind::Transform if f.old.as_deref() == Some("drop") => stripped(&[StripReason::Dropped]),
        Kind::Field | Kind::Category | Kind::Transform => {
            (disclosed() || d.transformed.iter().any(|t| covers(path, &t.path))).then_some(true)
        }
        _ => None,
    }
}
