//! Minimisation: what the recipient may see. A schema file is compiled once into a
//! [`plan`]; a payload is validated against it, everything it does not declare is
//! stripped, and [`transforms`] replace values (contract sections 2 step 5, 3, 10).
//!
//! This module must never put a payload value into an error or a report: reports hold
//! JSON Pointers, keywords and codes only.

pub mod formats;
pub mod plan;
pub mod query;
pub mod strip;
pub mod transforms;

pub use plan::{SchemaError, SchemaPlan, Violation};
pub use query::minimise_query;
pub use query::QueryMinimised;
pub use strip::{minimise, minimise_owned, MinimiseError, MinimiseOptions};

use serde::{Deserialize, Serialize};

use crate::codes::StripReason;

/// One stripped node (the topmost one only), as recorded and explained.
///
/// In the record (format 2, contract section 5) `path` is a schema path: a key the
/// schema names is written as it is, any other key and every array position `*`; an
/// undeclared member is counted at its nearest declared parent, and undeclared query
/// parameters are one entry `?`. In a dry run's [`PayloadView`] `path` is the concrete
/// JSON Pointer into the payload (or `?name`) and `count` is absent.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Stripped {
    /// How many nodes (or members, or parameters) this entry stands for. Absent in
    /// records written before format 2, and in a [`PayloadView`]. Declared first, so
    /// that the stored JSON text is already in canonical member order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    pub path: String,
    pub reason: StripReason,
}

/// One transformed value (a schema path in the record, as [`Stripped::path`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Transformed {
    pub path: String,
    /// A [`transforms::Transform`] name (never `drop`: a dropped field is stripped).
    pub transform: String,
}

/// The minimisation report in the form the record keeps: what reached the recipient, what
/// was stripped (and why) and what was transformed, as schema paths (only text from the
/// schema, `*` and `?`), each once and sorted. The decision, `explain` and subject access
/// all carry this one type. Documents that show it flatten it, so its three members sit
/// beside the document's own.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MinimisationReport {
    /// Schema paths of leaf values that reach the recipient, sorted, each once.
    pub disclosed: Vec<String>,
    pub stripped: Vec<Stripped>,
    pub transformed: Vec<Transformed>,
}

/// The same report at the payload's own places (concrete JSON Pointers holding the
/// payload's key names and array indices, `?name` for a query parameter). Only a dry run
/// shows it, beside the record form: it is never recorded, logged or answered to a caller.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayloadView {
    pub stripped: Vec<Stripped>,
    pub transformed: Vec<Transformed>,
}

impl PayloadView {
    pub fn is_empty(&self) -> bool {
        self.stripped.is_empty() && self.transformed.is_empty()
    }
}

/// The kinds of identifier `x-isagate-subject-id` may name (the one list: the plan
/// compiler, the linter and `docs/agreements.md` read it). Subject access searches by
/// kind, so a misspelt kind would file a subject's records where no search finds them.
pub const SUBJECT_ID_TYPES: &[&str] = &["nhs-number", "pnc-id", "local-id", "vehicle-registration"];

/// A subject identifier found in the payload (`x-isagate-subject-id`). Raw value: the
/// caller hashes it with the subject key straight away and never stores or logs it.
#[derive(Clone, PartialEq, Eq)]
pub struct SubjectId {
    /// One of [`SUBJECT_ID_TYPES`].
    pub kind: String,
    pub value: String,
}

impl std::fmt::Debug for SubjectId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SubjectId({}: <redacted>)", self.kind)
    }
}

/// What the recipient gets, and the report that goes into the record.
#[derive(Debug, Clone, PartialEq)]
pub struct Minimised {
    pub value: serde_json::Value,
    /// The record's form (schema paths).
    pub report: MinimisationReport,
    /// The payload's own places, for a dry run only.
    pub payload: PayloadView,
    pub subjects: Vec<SubjectId>,
}
