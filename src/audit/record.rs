//! The disclosure record. [`RecordDraft`] is what the gateway (or a governance action)
//! hands to the store; the store assigns `id`, `seq`, `time`, `prev_hash` and `hash`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::codes::{Direction, LawfulBasis, Reason};
use crate::minimise::{Stripped, Transformed};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RecordKind {
    Disclosure,
    Refusal,
    EmergencyReview,
    Governance,
    /// Left by `audit archive` in place of an archived prefix. Project addition.
    Anchor,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// A request record: the body is about to be sent upstream.
    Forwarded,
    /// A response record: the minimised response went back to the caller.
    Delivered,
    /// A response record: no response schema, only the status went back.
    Withheld,
    UpstreamError,
    UpstreamTimeout,
    /// A refusal record, or a response that failed its schema.
    Refused,
    /// A review or governance record.
    Recorded,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgreementRef {
    pub id: String,
    pub version: u32,
    /// SHA-256 of the agreement file.
    pub sha256: String,
}

/// `emergency` of a disclosure made under section 6.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmergencyInfo {
    pub category: String,
    pub justification: String,
    /// Always `pending` when the disclosure is recorded; reviews are later records.
    pub review_state: String,
    /// `agreement:<id>` or `policy:<rule id>`: what allowed it.
    pub basis: String,
}

/// The content of an `emergency-review` record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewInfo {
    /// `justified` | `not-justified`.
    pub decision: String,
    /// `told` | `not-safe-to-tell` | `deferred`.
    pub subject_told: String,
    /// When `deferred`: the date to revisit (YYYY-MM-DD).
    pub revisit: Option<String>,
    pub note: String,
    /// `urn:isagate:governance:...` of the reviewer.
    pub reviewer: String,
    pub amendment: bool,
}

/// The format of the records this build writes (contract section 5). Format 2: every
/// path in `disclosed`, `stripped` and `transformed` is a schema path (only text from
/// the schema, `*` and `?`), and each `stripped` entry has a `count`. Records without a
/// `format` member were written before: they stay as they are (the chain covers them),
/// and their paths may hold names the caller chose (`audit verify` counts them).
pub const RECORD_FORMAT: u32 = 2;

/// Everything about a record that its author decides. The store adds the rest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordDraft {
    /// [`RECORD_FORMAT`] in every new record; `None` in records written before format 2
    /// (the member is then absent from the record, as it was).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<u32>,
    pub kind: RecordKind,
    pub in_reply_to: Option<uuid::Uuid>,
    pub direction: Option<Direction>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub caller_cert_sha256: Option<String>,
    pub requester: Option<String>,
    pub method: Option<String>,
    pub path_template: Option<String>,
    pub agreement: Option<AgreementRef>,
    /// Schema file name -> SHA-256 of every schema file used.
    pub schema_sha256: BTreeMap<String, String>,
    pub flow: Option<String>,
    pub purpose: Option<String>,
    pub lawful_basis: Option<LawfulBasis>,
    pub reason: Option<String>,
    pub emergency: Option<EmergencyInfo>,
    pub disclosed: Vec<String>,
    pub stripped: Vec<Stripped>,
    pub transformed: Vec<Transformed>,
    pub payload_sha256: Option<String>,
    pub received_sha256: Option<String>,
    /// Keyed hashes of subject ids (never the ids).
    pub subjects: Vec<String>,
    pub outcome: Outcome,
    pub upstream_status: Option<u16>,
    /// Refusal reasons (codes and sentences, no personal data).
    pub refusal: Vec<Reason>,
    /// For `emergency-review` records.
    pub review: Option<ReviewInfo>,
    /// For `governance` records: the action and its non-personal details.
    pub governance: Option<serde_json::Value>,
    /// The identity that acted for governance and review records.
    pub actor: Option<String>,
}

impl RecordDraft {
    /// An empty draft of the given kind and outcome, to fill in field by field.
    pub fn new(kind: RecordKind, outcome: Outcome) -> Self {
        Self {
            format: Some(RECORD_FORMAT),
            kind,
            in_reply_to: None,
            direction: None,
            from: None,
            to: None,
            caller_cert_sha256: None,
            requester: None,
            method: None,
            path_template: None,
            agreement: None,
            schema_sha256: BTreeMap::new(),
            flow: None,
            purpose: None,
            lawful_basis: None,
            reason: None,
            emergency: None,
            disclosed: Vec::new(),
            stripped: Vec::new(),
            transformed: Vec::new(),
            payload_sha256: None,
            received_sha256: None,
            subjects: Vec::new(),
            outcome,
            upstream_status: None,
            refusal: Vec::new(),
            review: None,
            governance: None,
            actor: None,
        }
    }
}

/// `prev_hash` of the first record of a chain: 64 zeros (contract section 11).
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// A committed record: the draft plus what the store assigned. Its JSON form (field
/// names as here, the draft's fields flattened in) is what `audit export` writes and
/// what the hash covers (without `hash`): see `docs/record-format.md`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// UUIDv7, also the `Isagate-Disclosure-Id`.
    pub id: uuid::Uuid,
    /// Contiguous from 1 over the whole history.
    pub seq: u64,
    /// RFC 3339 UTC with microseconds, e.g. `2026-11-23T10:00:00.123456Z`.
    pub time: String,
    #[serde(flatten)]
    pub draft: RecordDraft,
    /// The previous record's `hash` (64 zeros for seq 1).
    pub prev_hash: String,
    /// Lowercase hex SHA-256 of the canonical form of this record without `hash`.
    pub hash: String,
}

impl Record {
    /// The hash this record should carry, recomputed from its fields.
    pub fn compute_hash(&self) -> Result<String, super::canonical::CanonicalError> {
        super::canonical::record_hash(self)
    }
}

impl RecordKind {
    pub const ALL: [Self; 5] =
        [Self::Disclosure, Self::Refusal, Self::EmergencyReview, Self::Governance, Self::Anchor];

    /// The wire name, as serde writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Disclosure => "disclosure",
            Self::Refusal => "refusal",
            Self::EmergencyReview => "emergency-review",
            Self::Governance => "governance",
            Self::Anchor => "anchor",
        }
    }
}

impl Outcome {
    pub const ALL: [Self; 7] = [
        Self::Forwarded,
        Self::Delivered,
        Self::Withheld,
        Self::UpstreamError,
        Self::UpstreamTimeout,
        Self::Refused,
        Self::Recorded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Forwarded => "forwarded",
            Self::Delivered => "delivered",
            Self::Withheld => "withheld",
            Self::UpstreamError => "upstream-error",
            Self::UpstreamTimeout => "upstream-timeout",
            Self::Refused => "refused",
            Self::Recorded => "recorded",
        }
    }
}

#[cfg(test)]
pub(crate) mod fixtures;
