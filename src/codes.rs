//! The vocabulary partner agencies and auditors see: refusal codes (problem `type`
//! `urn:isagate:problem:<code>`) and strip reasons. Contract section 11 fixes them; every
//! code is listed with its status and meaning in `docs/problems.md`.
//!
//! It also holds the words agreements and records share ([`Direction`], [`LawfulBasis`]),
//! so that neither the agreement model nor the record depends on the other.
//!
//! This module only names things; it decides nothing.
//!
//! - [`problem`]: the RFC 9457 problem document both listeners answer refusals with.

use serde::{Deserialize, Serialize};

pub mod problem;

/// Why a transfer (or one part of it) was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RefusalCode {
    NoAgreement,
    AgreementNotInForce,
    AgreementAmbiguous,
    PurposeNotAllowed,
    IdentityNotAllowed,
    MissingHeader,
    MalformedHeader,
    UnknownHeader,
    BadPath,
    BodyTooLarge,
    UnsupportedMediaType,
    UnsupportedEncoding,
    MalformedJson,
    DuplicateKey,
    TooDeep,
    NumberNotExact,
    SchemaViolation,
    TransformFailed,
    RateLimited,
    EmergencyNotAllowed,
    EmergencyLimit,
    ReasonTooShort,
    UnknownCategory,
    SubjectRestricted,
    InternationalTransfer,
    UpstreamError,
    UpstreamTimeout,
    AuditUnavailable,
    /// A method the gateway does not forward (e.g. `CONNECT`). Project addition.
    MethodNotAllowed,
    /// Request head too large or a request that could be smuggled. Project addition.
    BadRequest,
    /// An admin-listener request that names a thing that does not exist. Project addition.
    NotFound,
    /// An admin-listener request that conflicts with the current state (e.g. a second review). Project addition.
    Conflict,
    /// The gateway's (or the admin API's) own failure: not the caller, not the recipient; nothing was sent.
    InternalError,
}

impl RefusalCode {
    /// Every code, in documentation order.
    pub const ALL: &'static [RefusalCode] = &[
        Self::NoAgreement,
        Self::AgreementNotInForce,
        Self::AgreementAmbiguous,
        Self::PurposeNotAllowed,
        Self::IdentityNotAllowed,
        Self::MissingHeader,
        Self::MalformedHeader,
        Self::UnknownHeader,
        Self::BadPath,
        Self::BodyTooLarge,
        Self::UnsupportedMediaType,
        Self::UnsupportedEncoding,
        Self::MalformedJson,
        Self::DuplicateKey,
        Self::TooDeep,
        Self::NumberNotExact,
        Self::SchemaViolation,
        Self::TransformFailed,
        Self::RateLimited,
        Self::EmergencyNotAllowed,
        Self::EmergencyLimit,
        Self::ReasonTooShort,
        Self::UnknownCategory,
        Self::SubjectRestricted,
        Self::InternationalTransfer,
        Self::UpstreamError,
        Self::UpstreamTimeout,
        Self::AuditUnavailable,
        Self::MethodNotAllowed,
        Self::BadRequest,
        Self::NotFound,
        Self::Conflict,
        Self::InternalError,
    ];

    /// The code as it appears on the wire, e.g. `no-agreement`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoAgreement => "no-agreement",
            Self::AgreementNotInForce => "agreement-not-in-force",
            Self::AgreementAmbiguous => "agreement-ambiguous",
            Self::PurposeNotAllowed => "purpose-not-allowed",
            Self::IdentityNotAllowed => "identity-not-allowed",
            Self::MissingHeader => "missing-header",
            Self::MalformedHeader => "malformed-header",
            Self::UnknownHeader => "unknown-header",
            Self::BadPath => "bad-path",
            Self::BodyTooLarge => "body-too-large",
            Self::UnsupportedMediaType => "unsupported-media-type",
            Self::UnsupportedEncoding => "unsupported-encoding",
            Self::MalformedJson => "malformed-json",
            Self::DuplicateKey => "duplicate-key",
            Self::TooDeep => "too-deep",
            Self::NumberNotExact => "number-not-exact",
            Self::SchemaViolation => "schema-violation",
            Self::TransformFailed => "transform-failed",
            Self::RateLimited => "rate-limited",
            Self::EmergencyNotAllowed => "emergency-not-allowed",
            Self::EmergencyLimit => "emergency-limit",
            Self::ReasonTooShort => "reason-too-short",
            Self::UnknownCategory => "unknown-category",
            Self::SubjectRestricted => "subject-restricted",
            Self::InternationalTransfer => "international-transfer",
            Self::UpstreamError => "upstream-error",
            Self::UpstreamTimeout => "upstream-timeout",
            Self::AuditUnavailable => "audit-unavailable",
            Self::MethodNotAllowed => "method-not-allowed",
            Self::BadRequest => "bad-request",
            Self::NotFound => "not-found",
            Self::Conflict => "conflict",
            Self::InternalError => "internal-error",
        }
    }

    /// The HTTP status a refusal with this code (alone) gets.
    pub fn status(self) -> u16 {
        match self {
            Self::NoAgreement
            | Self::AgreementNotInForce
            | Self::PurposeNotAllowed
            | Self::IdentityNotAllowed
            | Self::EmergencyNotAllowed
            | Self::SubjectRestricted
            | Self::InternationalTransfer => 403,
            Self::AgreementAmbiguous
            | Self::MissingHeader
            | Self::MalformedHeader
            | Self::UnknownHeader
            | Self::BadPath
            | Self::ReasonTooShort
            | Self::UnknownCategory
            | Self::BadRequest => 400,
            Self::BodyTooLarge => 413,
            Self::UnsupportedMediaType | Self::UnsupportedEncoding => 415,
            Self::MalformedJson
            | Self::DuplicateKey
            | Self::TooDeep
            | Self::NumberNotExact
            | Self::SchemaViolation
            | Self::TransformFailed => 422,
            Self::RateLimited | Self::EmergencyLimit => 429,
            Self::UpstreamError => 502,
            Self::UpstreamTimeout => 504,
            Self::AuditUnavailable => 503,
            Self::MethodNotAllowed => 405,
            Self::NotFound => 404,
            Self::Conflict => 409,
            Self::InternalError => 500,
        }
    }

    /// A short title for the problem document.
    pub fn title(self) -> &'static str {
        match self.status() {
            400 => "Bad request",
            403 => "Transfer not permitted",
            404 => "Not found",
            405 => "Method not allowed",
            409 => "Conflict",
            413 => "Body too large",
            415 => "Unsupported media type",
            422 => "Unprocessable body",
            429 => "Rate limit reached",
            500 => "Internal error",
            502 => "Upstream failed",
            503 => "Audit store unavailable",
            504 => "Upstream timed out",
            _ => "Refused",
        }
    }
}

impl std::fmt::Display for RefusalCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One machine-readable reason with one sentence, as in a problem's `reasons`.
/// The sentence never contains personal data: only pointers, keywords, ids from config.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    pub code: RefusalCode,
    pub detail: String,
}

impl Reason {
    pub fn new(code: RefusalCode, detail: impl Into<String>) -> Self {
        Self { code, detail: detail.into() }
    }
}

/// Why a field did not reach the recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StripReason {
    Undeclared,
    SpecialCategory,
    CriminalOffence,
    Dropped,
    NotInEmergencySchema,
    QueryNotAllowed,
}

impl StripReason {
    pub const ALL: &'static [StripReason] = &[
        Self::Undeclared,
        Self::SpecialCategory,
        Self::CriminalOffence,
        Self::Dropped,
        Self::NotInEmergencySchema,
        Self::QueryNotAllowed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Undeclared => "undeclared",
            Self::SpecialCategory => "special-category",
            Self::CriminalOffence => "criminal-offence",
            Self::Dropped => "dropped",
            Self::NotInEmergencySchema => "not-in-emergency-schema",
            Self::QueryNotAllowed => "query-not-allowed",
        }
    }
}

impl std::fmt::Display for StripReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which half of a transfer a flow, a schema or a record is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// Caller to recipient.
    Request,
    /// Recipient back to caller.
    Response,
}

impl Direction {
    pub const ALL: [Self; 2] = [Self::Request, Self::Response];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Request => "request",
            Self::Response => "response",
        }
    }
}

/// Who sends and who receives, as a record names them (agency ids; each absent where
/// the record does not name it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parties {
    pub from: Option<String>,
    pub to: Option<String>,
}

impl Parties {
    /// Who sends and who receives in `direction`, for a request from `caller` to
    /// `recipient`.
    pub fn in_direction(direction: Direction, caller: &str, recipient: &str) -> Self {
        let (from, to) = match direction {
            Direction::Request => (caller, recipient),
            Direction::Response => (recipient, caller),
        };
        Self { from: Some(from.to_owned()), to: Some(to.to_owned()) }
    }
}

/// The lawful bases an agreement (or one of its flows) relies on, as codes of the closed
/// vocabulary (`crate::agreements::lawful_basis`); the record keeps it as it is. Which
/// codes unlock special category or criminal offence fields is decided there, from the
/// codes and the flow's regime, never from whether a list is empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LawfulBasis {
    #[serde(default)]
    pub article_6: Vec<String>,
    #[serde(default)]
    pub article_9: Vec<String>,
    #[serde(default)]
    pub article_10: Vec<String>,
    /// DPA 2018 Part 3 (law enforcement): section 35 and Schedule 8 codes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub part_3: Vec<String>,
    #[serde(default)]
    pub statutory_gateway: Vec<String>,
    /// The appropriate policy document the conditions rely on (DPA 2018 Schedule 1
    /// paragraph 5; section 42 for Part 3): its title or reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appropriate_policy_document: Option<String>,
}
