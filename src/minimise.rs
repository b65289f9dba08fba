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
pub use strip::{minimise, MinimiseError, MinimiseOptions};

use serde::{Deserialize, Serialize};

use crate::codes::StripReason;

/// One stripped node (the topmost one only), as recorded and explained.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Stripped {
    /// JSON Pointer into the received payload (or `?name` for a query parameter).
    pub path: String,
    pub reason: StripReason,
}

/// One transformed value.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Transformed {
    pub path: String,
    /// A [`transforms::Transform`] name (never `drop`: a dropped field is stripped).
    pub transform: String,
}

/// The minimisation report in the form the record keeps: what reached the recipient, what
/// was stripped (and why) and what was transformed. Documents that show it flatten it, so
/// its three members sit beside the document's own.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MinimisationReport {
    /// JSON Pointers of leaf values that reach the recipient, concrete indices, sorted.
    pub disclosed: Vec<String>,
    pub stripped: Vec<Stripped>,
    pub transformed: Vec<Transformed>,
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
    /// JSON Pointers of leaf values that reach the recipient, concrete indices, sorted.
    pub disclosed: Vec<String>,
    pub stripped: Vec<Stripped>,
    pub transformed: Vec<Transformed>,
    pub subjects: Vec<SubjectId>,
}

impl Minimised {
    /// The value, its report and the subject identifiers, taken apart.
    pub fn into_parts(self) -> (serde_json::Value, MinimisationReport, Vec<SubjectId>) {
        let report = MinimisationReport {
            disclosed: self.disclosed,
            stripped: self.stripped,
            transformed: self.transformed,
        };
        (self.value, report, self.subjects)
    }
}
