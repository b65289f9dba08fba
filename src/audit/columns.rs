//! A record as the stores keep it: one column per field, nested values as JSON text.
//! Both stores use the same column list, and every reader (verify, subject, report,
//! get) decodes rows through [`Columns::into_record`], so `verify` recomputes each hash
//! from exactly what the other commands show. This module does no I/O.

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::record::{AgreementRef, Record, RecordDraft};

/// The `records` table, its subject index table and its indexes, as both stores create
/// them (all `IF NOT EXISTS`): `int` is the store's 64-bit integer type, `prev_hash` ends
/// that column's definition (` UNIQUE` where the store keeps the index; see the SQLite
/// store's schema versions) and `subjects` ends the `record_subjects` table.
pub(crate) fn records_schema(int: &str, prev_hash: &str, subjects: &str) -> String {
    format!(
        "
CREATE TABLE IF NOT EXISTS records (
  seq {int} PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  time TEXT NOT NULL,
  kind TEXT NOT NULL,
  in_reply_to TEXT, direction TEXT, from_agency TEXT, to_agency TEXT, caller_cert_sha256 TEXT,
  requester TEXT, method TEXT, path_template TEXT,
  agreement_id TEXT, agreement_version {int}, agreement_sha256 TEXT,
  schema_sha256 TEXT NOT NULL, flow TEXT, purpose TEXT, lawful_basis TEXT, reason TEXT,
  emergency TEXT, disclosed TEXT NOT NULL, stripped TEXT NOT NULL, transformed TEXT NOT NULL,
  payload_sha256 TEXT, received_sha256 TEXT, subjects TEXT NOT NULL, outcome TEXT NOT NULL,
  upstream_status {int}, refusal TEXT NOT NULL, review TEXT, governance TEXT, actor TEXT,
  format {int},
  prev_hash TEXT NOT NULL{prev_hash},
  hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS record_subjects (
  subject_hash TEXT NOT NULL,
  seq {int} NOT NULL,
  PRIMARY KEY (subject_hash, seq)
){subjects};
CREATE INDEX IF NOT EXISTS records_time ON records (time);
CREATE INDEX IF NOT EXISTS records_in_reply_to ON records (in_reply_to) WHERE in_reply_to IS NOT NULL;
CREATE INDEX IF NOT EXISTS records_emergency ON records (from_agency, time) WHERE emergency IS NOT NULL;
CREATE INDEX IF NOT EXISTS records_review ON records (kind) WHERE kind = 'emergency-review';
CREATE INDEX IF NOT EXISTS records_governance ON records (seq) WHERE kind = 'governance';
"
    )
}

/// The one list of the `records` table's columns, in table order, each with how it is
/// stored (`text`, `opt_text` that may be NULL, `int` or `opt_int`) and its Rust type
/// (`T` is the text type). `record_columns!(m!(args))` expands to
/// `m!((args) name: kind(type), ...)`; the row type, its readers and the stores'
/// insert parameters are all generated from this list, so a column is named once.
macro_rules! record_columns {
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

macro_rules! declare_columns {
    (() $first:ident: $first_kind:ident($first_ty:ty) $(, $name:ident: $kind:ident($ty:ty))*) => {
        /// The columns of the `records` table, in the order every `SELECT` names them.
        pub const COLUMNS: &str = concat!(stringify!($first) $(, ", ", stringify!($name))*);

        /// How many columns [`COLUMNS`] names.
        pub const COLUMN_COUNT: usize = [stringify!($first) $(, stringify!($name))*].len();

        /// One stored row. JSON columns hold `serde_json` text of the field. `T` is the
        /// text type: `String` when the row is owned, `&str` when it is borrowed from the
        /// database's buffers (`verify`'s fast path).
        #[derive(Debug, Clone, Copy, PartialEq)]
        pub struct Columns<T = String> {
            pub $first: $first_ty,
            $(pub $name: $ty,)*
        }

        impl<T> Columns<T> {
            /// Read a row column by column, in table order.
            pub(crate) fn read<S: ColumnSource<Text = T>>(src: &S) -> Result<Self, S::Error> {
                let mut at = 0usize;
                let mut next = || {
                    at += 1;
                    at - 1
                };
                Ok(Self { $first: src.$first_kind(next())?, $($name: src.$kind(next())?,)* })
            }
        }

        impl Columns {
            /// The same row, borrowed.
            pub(crate) fn borrowed(&self) -> Columns<&str> {
                Columns {
                    $first: self.$first.column_ref(),
                    $($name: self.$name.column_ref(),)*
                }
            }
        }
    };
}

record_columns!(declare_columns!());

/// Every column of `$c` (a [`Columns`]) as `&$t`, in table order: a store's insert
/// parameters, e.g. `column_params!(c, dyn rusqlite::ToSql)`.
macro_rules! column_params {
    ($c:expr, $t:ty) => {
        crate::audit::columns::record_columns!(crate::audit::columns::column_refs!($c, $t))
    };
}

macro_rules! column_refs {
    (($c:expr, $t:ty) $($name:ident: $kind:ident($ty:ty)),*) => {
        [$(&$c.$name as &$t),*]
    };
}

pub(crate) use {column_params, column_refs, record_columns};

/// A row of one store, read by column position. Each method reads one column of that
/// kind; a store returns its own error, the fast path `()` for "not in the form I read".
pub(crate) trait ColumnSource {
    type Text;
    type Error;
    fn text(&self, i: usize) -> Result<Self::Text, Self::Error>;
    fn opt_text(&self, i: usize) -> Result<Option<Self::Text>, Self::Error>;
    fn int(&self, i: usize) -> Result<i64, Self::Error>;
    fn opt_int(&self, i: usize) -> Result<Option<i64>, Self::Error>;
}

/// An owned column value as its borrowed form (`String` as `&str`).
trait ColumnRef<'a> {
    type Ref;
    fn column_ref(&'a self) -> Self::Ref;
}

impl<'a> ColumnRef<'a> for String {
    type Ref = &'a str;
    fn column_ref(&'a self) -> &'a str {
        self
    }
}

impl<'a> ColumnRef<'a> for Option<String> {
    type Ref = Option<&'a str>;
    fn column_ref(&'a self) -> Option<&'a str> {
        self.as_deref()
    }
}

impl<'a> ColumnRef<'a> for i64 {
    type Ref = i64;
    fn column_ref(&'a self) -> i64 {
        *self
    }
}

impl<'a> ColumnRef<'a> for Option<i64> {
    type Ref = Option<i64>;
    fn column_ref(&'a self) -> Option<i64> {
        *self
    }
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
