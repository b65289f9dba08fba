//! A record as the stores keep it: one column per field, nested values as JSON text.
//! Both stores use the same column list, and every reader (verify, subject, report,
//! get) decodes rows through [`Columns::into_record`], so `verify` recomputes each hash
//! from exactly what the other commands show. This module does no I/O.

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::record::{AgreementRef, Record, RecordDraft};

/// The columns of the `records` table, in the order every `SELECT` names them.
pub const COLUMNS: &str = "seq, id, time, kind, in_reply_to, direction, from_agency, to_agency, \
    caller_cert_sha256, requester, method, path_template, agreement_id, agreement_version, \
    agreement_sha256, schema_sha256, flow, purpose, lawful_basis, reason, emergency, disclosed, \
    stripped, transformed, payload_sha256, received_sha256, subjects, outcome, upstream_status, \
    refusal, review, governance, actor, prev_hash, hash";

/// How many columns [`COLUMNS`] names.
pub const COLUMN_COUNT: usize = 35;

/// One stored row. JSON columns hold `serde_json` text of the field.
#[derive(Debug, Clone, PartialEq)]
pub struct Columns {
    pub seq: i64,
    pub id: String,
    pub time: String,
    pub kind: String,
    pub in_reply_to: Option<String>,
    pub direction: Option<String>,
    pub from_agency: Option<String>,
    pub to_agency: Option<String>,
    pub caller_cert_sha256: Option<String>,
    pub requester: Option<String>,
    pub method: Option<String>,
    pub path_template: Option<String>,
    pub agreement_id: Option<String>,
    pub agreement_version: Option<i64>,
    pub agreement_sha256: Option<String>,
    pub schema_sha256: String,
    pub flow: Option<String>,
    pub purpose: Option<String>,
    pub lawful_basis: Option<String>,
    pub reason: Option<String>,
    pub emergency: Option<String>,
    pub disclosed: String,
    pub stripped: String,
    pub transformed: String,
    pub payload_sha256: Option<String>,
    pub received_sha256: Option<String>,
    pub subjects: String,
    pub outcome: String,
    pub upstream_status: Option<i64>,
    pub refusal: String,
    pub review: Option<String>,
    pub governance: Option<String>,
    pub actor: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// A row that does not decode into a record (someone edited a column by hand).
#[derive(Debug, Clone, thiserror::Error)]
#[error("column `{column}` does not decode: {detail}")]
pub struct DecodeError {
    pub column: &'static str,
    pub detail: String,
}

fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".to_owned())
}

fn opt_json<T: Serialize>(v: &Option<T>) -> Option<String> {
    v.as_ref().map(json)
}

fn from_json<T: DeserializeOwned>(column: &'static str, text: &str) -> Result<T, DecodeError> {
    serde_json::from_str(text).map_err(|e| DecodeError { column, detail: e.to_string() })
}

fn from_opt_json<T: DeserializeOwned>(
    column: &'static str,
    text: &Option<String>,
) -> Result<Option<T>, DecodeError> {
    text.as_deref().map(|t| from_json(column, t)).transpose()
}

fn from_name<T: DeserializeOwned>(column: &'static str, text: &str) -> Result<T, DecodeError> {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .map_err(|e| DecodeError { column, detail: e.to_string() })
}

fn to_u32(column: &'static str, v: i64) -> Result<u32, DecodeError> {
    u32::try_from(v).map_err(|_| DecodeError { column, detail: "out of range".into() })
}

impl Columns {
    pub fn from_record(r: &Record) -> Self {
        let mut c = Self::from_draft(r.draft.clone());
        c.assign(r.seq, r.id.to_string(), r.time.clone(), r.prev_hash.clone(), r.hash.clone());
        c
    }

    /// The columns of a draft, with the five the store assigns left empty (see
    /// [`Columns::assign`]): the part of a record that the appending task encodes. Takes
    /// the draft by value so that its strings move into their columns.
    pub fn from_draft(d: RecordDraft) -> Self {
        // Every field named, so that a new one cannot be forgotten here.
        let RecordDraft {
            kind,
            in_reply_to,
            direction,
            from,
            to,
            caller_cert_sha256,
            requester,
            method,
            path_template,
            agreement,
            schema_sha256,
            flow,
            purpose,
            lawful_basis,
            reason,
            emergency,
            disclosed,
            stripped,
            transformed,
            payload_sha256,
            received_sha256,
            subjects,
            outcome,
            upstream_status,
            refusal,
            review,
            governance,
            actor,
        } = d;
        let (agreement_id, agreement_version, agreement_sha256) = match agreement {
            Some(a) => (Some(a.id), Some(i64::from(a.version)), Some(a.sha256)),
            None => (None, None, None),
        };
        Self {
            seq: 0,
            id: String::new(),
            time: String::new(),
            kind: kind.as_str().to_owned(),
            in_reply_to: in_reply_to.map(|u| u.to_string()),
            direction: direction.map(|x| x.as_str().to_owned()),
            from_agency: from,
            to_agency: to,
            caller_cert_sha256,
            requester,
            method,
            path_template,
            agreement_id,
            agreement_version,
            agreement_sha256,
            schema_sha256: json(&schema_sha256),
            flow,
            purpose,
            lawful_basis: opt_json(&lawful_basis),
            reason,
            emergency: opt_json(&emergency),
            disclosed: json(&disclosed),
            stripped: json(&stripped),
            transformed: json(&transformed),
            payload_sha256,
            received_sha256,
            subjects: json(&subjects),
            outcome: outcome.as_str().to_owned(),
            upstream_status: upstream_status.map(i64::from),
            refusal: json(&refusal),
            review: opt_json(&review),
            governance: opt_json(&governance),
            actor,
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    /// Fill in what the store assigned when it chained the record.
    pub fn assign(&mut self, seq: u64, id: String, time: String, prev_hash: String, hash: String) {
        self.seq = i64::try_from(seq).unwrap_or(i64::MAX);
        self.id = id;
        self.time = time;
        self.prev_hash = prev_hash;
        self.hash = hash;
    }

    pub fn into_record(self) -> Result<Record, DecodeError> {
        let agreement = match (self.agreement_id, self.agreement_version, self.agreement_sha256) {
            (None, None, None) => None,
            (Some(id), Some(v), Some(sha256)) => {
                Some(AgreementRef { id, version: to_u32("agreement_version", v)?, sha256 })
            }
            _ => {
                return Err(DecodeError {
                    column: "agreement_id",
                    detail: "agreement columns are partly empty".into(),
                })
            }
        };
        let draft = RecordDraft {
            kind: from_name("kind", &self.kind)?,
            in_reply_to: self.in_reply_to.as_deref().map(|s| s.parse()).transpose().map_err(
                |e: uuid::Error| DecodeError { column: "in_reply_to", detail: e.to_string() },
            )?,
            direction: self.direction.as_deref().map(|s| from_name("direction", s)).transpose()?,
            from: self.from_agency,
            to: self.to_agency,
            caller_cert_sha256: self.caller_cert_sha256,
            requester: self.requester,
            method: self.method,
            path_template: self.path_template,
            agreement,
            schema_sha256: from_json("schema_sha256", &self.schema_sha256)?,
            flow: self.flow,
            purpose: self.purpose,
            lawful_basis: from_opt_json("lawful_basis", &self.lawful_basis)?,
            reason: self.reason,
            emergency: from_opt_json("emergency", &self.emergency)?,
            disclosed: from_json("disclosed", &self.disclosed)?,
            stripped: from_json("stripped", &self.stripped)?,
            transformed: from_json("transformed", &self.transformed)?,
            payload_sha256: self.payload_sha256,
            received_sha256: self.received_sha256,
            subjects: from_json("subjects", &self.subjects)?,
            outcome: from_name("outcome", &self.outcome)?,
            upstream_status: self
                .upstream_status
                .map(|s| {
                    u16::try_from(s).map_err(|_| DecodeError {
                        column: "upstream_status",
                        detail: "out of range".into(),
                    })
                })
                .transpose()?,
            refusal: from_json("refusal", &self.refusal)?,
            review: from_opt_json("review", &self.review)?,
            governance: from_opt_json("governance", &self.governance)?,
            actor: self.actor,
        };
        Ok(Record {
            id: self
                .id
                .parse()
                .map_err(|e: uuid::Error| DecodeError { column: "id", detail: e.to_string() })?,
            seq: u64::try_from(self.seq)
                .map_err(|_| DecodeError { column: "seq", detail: "negative".into() })?,
            time: self.time,
            draft,
            prev_hash: self.prev_hash,
            hash: self.hash,
        })
    }
}

/// A stored row and the record it decodes to (or why it does not).
#[derive(Debug, Clone)]
pub struct Row {
    pub seq: i64,
    pub id: String,
    pub record: Result<Record, DecodeError>,
}

impl From<Columns> for Row {
    fn from(c: Columns) -> Self {
        Row { seq: c.seq, id: c.id.clone(), record: c.into_record() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::record::{EmergencyInfo, Outcome, RecordKind, ReviewInfo};

    #[test]
    fn a_record_survives_its_columns_and_keeps_its_hash() {
        let mut d = RecordDraft::new(RecordKind::Disclosure, Outcome::Forwarded);
        d.agreement = Some(AgreementRef { id: "ISA-1".into(), version: 7, sha256: "a".repeat(64) });
        d.schema_sha256.insert("s.json".into(), "b".repeat(64));
        d.lawful_basis = Some(crate::codes::LawfulBasis::default());
        d.emergency = Some(EmergencyInfo {
            category: "risk-to-life".into(),
            justification: "j".into(),
            review_state: "pending".into(),
            basis: "policy:x".into(),
        });
        d.review = Some(ReviewInfo {
            decision: "justified".into(),
            subject_told: "told".into(),
            revisit: None,
            note: "n".into(),
            reviewer: "r".into(),
            amendment: true,
        });
        d.governance = Some(serde_json::json!({"z": [1, {"y": null}], "a": "\u{1}"}));
        d.upstream_status = Some(201);
        d.subjects = vec!["c".repeat(64)];
        let mut record = Record {
            id: uuid::Uuid::now_v7(),
            seq: 42,
            time: "2026-11-23T10:00:00.123456Z".into(),
            draft: d,
            prev_hash: "d".repeat(64),
            hash: String::new(),
        };
        record.hash = record.compute_hash().unwrap();
        let back = Columns::from_record(&record).into_record().unwrap();
        assert_eq!(back, record);
        assert_eq!(back.compute_hash().unwrap(), record.hash);
    }

    #[test]
    fn a_bad_column_names_itself() {
        let record = Record {
            id: uuid::Uuid::now_v7(),
            seq: 1,
            time: String::new(),
            draft: RecordDraft::new(RecordKind::Refusal, Outcome::Refused),
            prev_hash: String::new(),
            hash: String::new(),
        };
        let mut c = Columns::from_record(&record);
        c.outcome = "maybe".into();
        assert_eq!(c.clone().into_record().unwrap_err().column, "outcome");
        c.outcome = "refused".into();
        c.agreement_version = Some(3);
        assert_eq!(c.into_record().unwrap_err().column, "agreement_id");
    }
}
