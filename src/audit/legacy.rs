//! The record as stores of schema version 5 and earlier kept it: one column per field,
//! nested values as JSON text. Used only by the migration to schema version 6 (each old
//! row decoded here, then re-encoded to its canonical bytes) and by a read-only open of
//! an older SQLite store; nothing else reads this form. This module does no I/O.

use serde::de::DeserializeOwned;

use super::columns::{Columns, DecodeError};
use super::record::{AgreementRef, Record, RecordDraft};

/// The old list of the `records` table's columns, in table order, each with how it is
/// stored (`text`, `opt_text` that may be NULL, `int` or `opt_int`) and its Rust type
/// (`T` is the text type). `legacy_columns!(m!(args))` expands to
/// `m!((args) name: kind(type), ...)`; the row type, its readers and the stores'
/// insert parameters are all generated from this list, so a column is named once.
macro_rules! legacy_columns {
    ($($m:ident)::+!($($args:tt)*)) => {
        $($m)::+! { ($($args)*)
            seq: int(i64), id: text(T), time: text(T), kind: text(T),
            in_reply_to: opt_text(Option<T>), direction: opt_text(Option<T>),
            from_agency: opt_text(Option<T>), to_agency: opt_text(Option<T>),
            caller_cert_sha256: opt_text(Option<T>), requester: opt_text(Option<T>),
            method: opt_text(Option<T>), path_template: opt_text(Option<T>),
            agreement_id: opt_text(Option<T>), agreement_version: opt_int(Option<i64>),
            agreement_sha256: opt_text(Option<T>), schema_sha256: text(T),
            flow: opt_text(Option<T>), purpose: opt_text(Option<T>),
            lawful_basis: opt_text(Option<T>), reason: opt_text(Option<T>),
            emergency: opt_text(Option<T>), disclosed: text(T), stripped: text(T),
            transformed: text(T), payload_sha256: opt_text(Option<T>),
            received_sha256: opt_text(Option<T>), subjects: text(T), outcome: text(T),
            upstream_status: opt_int(Option<i64>), refusal: text(T),
            review: opt_text(Option<T>), governance: opt_text(Option<T>),
            actor: opt_text(Option<T>), format: opt_int(Option<i64>),
            prev_hash: text(T), hash: text(T)
        }
    };
}

/// Every column by name, as JSON (a row kept as it was when it does not decode).
macro_rules! impl_to_json {
    (() $($name:ident: $kind:ident($ty:ty)),*) => {
        impl LegacyColumns {
            fn to_json(&self) -> serde_json::Value {
                let mut m = serde_json::Map::new();
                $(m.insert(stringify!($name).into(), serde_json::json!(self.$name));)*
                serde_json::Value::Object(m)
            }
        }
    };
}

legacy_columns!(crate::audit::columns::declare_row!(
    /// One row of a table from before schema version 6, read only to convert it.
    /// JSON columns hold `serde_json` text of the field. `T` is the text type.
    #[derive(Debug, Clone, Copy, PartialEq)]
    LegacyColumns, LEGACY_COLUMNS
));
legacy_columns!(impl_to_json!());

#[cfg(test)]
fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".to_owned())
}

#[cfg(test)]
fn opt_json<T: serde::Serialize>(v: &Option<T>) -> Option<String> {
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

#[cfg(test)]
impl LegacyColumns {
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
            format,
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
            format: format.map(i64::from),
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
}

impl LegacyColumns {
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
            format: self.format.map(|f| to_u32("format", f)).transpose()?,
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

/// An old row in the form of schema version 6: its record re-encoded to canonical bytes,
/// with the hash the old row carried, so that a row changed before the migration still
/// fails `verify` after it. A row that does not decode (or has no canonical form) keeps
/// its columns, as JSON under `legacy-row`, in bytes that do not decode either: `verify`
/// names it (`decode`) and every reader refuses it, as before.
pub(crate) fn convert(old: LegacyColumns) -> Columns {
    let kept = old.clone();
    match old.into_record().map(|r| Columns::from_record(&r)) {
        Ok(Ok(c)) => c,
        _ => {
            let body = serde_json::json!({ "legacy-row": kept.to_json() }).to_string();
            Columns {
                seq: kept.seq,
                id: kept.id,
                time: kept.time,
                kind: kept.kind,
                outcome: kept.outcome,
                direction: kept.direction,
                in_reply_to: kept.in_reply_to,
                from_agency: kept.from_agency,
                requester: kept.requester,
                agreement_id: kept.agreement_id,
                flow: kept.flow,
                emergency: kept.emergency.map(|_| 1),
                refusal_code: None,
                action: None,
                format: kept.format,
                body,
                hash: kept.hash,
            }
        }
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
        let back = LegacyColumns::from_record(&record).into_record().unwrap();
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
        let mut c = LegacyColumns::from_record(&record);
        c.outcome = "maybe".into();
        assert_eq!(c.clone().into_record().unwrap_err().column, "outcome");
        c.outcome = "refused".into();
        c.agreement_version = Some(3);
        assert_eq!(c.into_record().unwrap_err().column, "agreement_id");
    }
}
