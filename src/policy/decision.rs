//! The one decision: is this transfer permitted, and what may the recipient see?
//!
//! Two entry points, one per direction, each in two halves so that the gateway can put
//! its rate limit between them:
//!
//! - [`authorise`]: from the [`Facts`] of a request (who, to whom, which route, which
//!   purpose or emergency category), the agreement and flow (or emergency basis) that
//!   permits it, as an [`Authorisation`] that holds what the record keeps;
//! - [`minimise_request`]: the request body and query under that authorisation: media
//!   type, strict parsing, schema, stripping and transforms, giving a [`Disclosure`];
//! - [`decide`]: both halves in one call (`agreements explain`);
//! - [`decide_response`]: the recipient's response under the same authorisation.
//!
//! Codes decided here: `no-agreement`, `agreement-not-in-force`, `agreement-ambiguous`,
//! `purpose-not-allowed`, `unsupported-media-type`, `malformed-json`, `duplicate-key`,
//! `too-deep`, `number-not-exact`, `body-too-large`, `schema-violation`,
//! `transform-failed`, `emergency-not-allowed`, `unknown-category`,
//! `international-transfer` (and `internal-error` when a compiled schema is missing).
//!
//! Must not: read the network, a store, a clock or a file; hold HTTP types; put a payload
//! value into a reason. Rate limits, restrictions, records and the upstream belong to
//! the gateway.

mod authorise;
mod body;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use bytes::Bytes;
use jiff::civil::Date;
use serde_json::Value;

use crate::agreements::lawful_basis::Unlocks;
use crate::agreements::matching::RequestKey;
use crate::agreements::LawfulBasis;
use crate::audit::record::{AgreementRef, EmergencyInfo};
use crate::codes::Reason;
use crate::json_strict::Limits;
use crate::keys::PseudonymisationKey;
use crate::minimise::{MinimisationReport, Minimised, PayloadView, SubjectId};

pub use authorise::authorise;
pub use body::{decide_response, is_json_media_type, minimise_request};

use super::Policy;

/// Everything about a request that decides whether it is permitted (no body): what the
/// matcher matches on, the query string and the transfer date.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    /// Caller, recipient and its jurisdiction, method, normalised upstream path, purpose,
    /// `Isagate-Agreement` and `Isagate-Emergency`.
    pub key: RequestKey<'a>,
    /// The query string as received (without `?`), when there is one.
    pub query: Option<&'a str>,
    /// The transfer date (Europe/London): agreements in force, `age-band`.
    pub today: Date,
}

/// Undo the body's `Content-Encoding`, given the codings the flow allows. The gateway
/// passes its body decoder; a payload read from a file has no coding and passes none.
pub type Decode<'a> = &'a (dyn Fn(&[String]) -> Result<Bytes, Vec<Reason>> + Sync);

/// A body as received, with the facts about its framing.
#[derive(Clone, Copy)]
pub struct Payload<'a> {
    /// `Content-Type`, when sent.
    pub content_type: Option<&'a str>,
    /// The bytes as received (still encoded when `decode` is given).
    pub bytes: &'a [u8],
    /// The `Content-Encoding` decoder, when the body may carry one.
    pub decode: Option<Decode<'a>>,
}

impl<'a> Payload<'a> {
    /// A plain body of `content_type` with no content coding.
    pub fn plain(content_type: Option<&'a str>, bytes: &'a [u8]) -> Self {
        Self { content_type, bytes, decode: None }
    }
}

/// What the body is parsed and pseudonymised with.
#[derive(Clone, Copy)]
pub struct Tools<'a> {
    pub limits: &'a Limits,
    /// The master pseudonymisation key: the live one, or a throw-away one for a dry run.
    pub pseudonyms: &'a PseudonymisationKey,
}

/// The emergency basis of a transfer (contract section 6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmergencyBasis {
    pub category: String,
    /// `agreement:<id>` or `policy:<rule id>`: what allowed it.
    pub basis: String,
}

impl EmergencyBasis {
    /// The record's `emergency`, with the caller's justification, awaiting review.
    pub fn info(&self, justification: &str) -> EmergencyInfo {
        EmergencyInfo {
            category: self.category.clone(),
            justification: justification.to_owned(),
            review_state: "pending".into(),
            basis: self.basis.clone(),
        }
    }
}

/// The schema files bodies are minimised with (`None`: no body passes that way).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Schemas {
    pub request: Option<String>,
    pub response: Option<String>,
    /// Emergency sharing under a clause: the flow's ordinary request schema.
    pub normal: Option<String>,
}

/// How bodies are minimised under an authorisation.
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    pub schemas: Schemas,
    /// Allow-listed query parameter names.
    pub query: Vec<String>,
    /// Allowed `Content-Encoding`s.
    pub content_encodings: Vec<String>,
    /// The agreement id, or `emergency-policy:<rule id>`: rate limits and pseudonym keys.
    pub basis_id: String,
    /// Whether special category and criminal offence fields may pass.
    pub unlocks: Unlocks,
}

/// What permits a request: schema and agreement facts only (what the record keeps).
#[derive(Debug, Clone, PartialEq)]
pub struct Authorisation {
    pub caller: String,
    pub recipient: String,
    /// `None` for an emergency under the emergency policy.
    pub agreement: Option<AgreementRef>,
    /// The flow id, or `emergency-policy:<rule id>`.
    pub flow: String,
    pub path_template: String,
    /// The purpose, or the emergency category that stands in for it.
    pub purpose: String,
    pub lawful_basis: LawfulBasis,
    pub emergency: Option<EmergencyBasis>,
    /// SHA-256 of every schema the transfer may use, by name.
    pub schema_sha256: BTreeMap<String, String>,
    pub rules: Rules,
    pub today: Date,
}

/// The request as the recipient gets it, with its report in the form the record keeps.
#[derive(Debug, Clone, PartialEq)]
pub struct Disclosure {
    /// The minimised body (`None`: no body is sent).
    pub value: Option<Value>,
    /// Its report in the record's form; `stripped` holds body nodes first, then the
    /// query parameters' entry (`?`).
    pub minimisation: MinimisationReport,
    /// The same at the payload's own places (a dry run shows it; never recorded).
    pub payload: PayloadView,
    /// Raw subject identifiers: hash them at once, never store or log them.
    pub subjects: Vec<SubjectId>,
    /// The minimised query string (`None` when none was sent).
    pub query: Option<String>,
}

/// A request decided in one call: what permits it (when found) and the verdict.
#[derive(Debug, Clone)]
pub struct Decision {
    pub authorisation: Option<Authorisation>,
    pub verdict: Result<Disclosure, Vec<Reason>>,
}

/// The recipient's response under an authorisation.
#[derive(Debug, Clone, PartialEq)]
pub enum ResponseDecision {
    /// No response schema (or an empty body): only the status passes.
    Withheld,
    Minimised(Minimised),
    /// The response does not match the agreement; it is withheld from the caller.
    Refused(Vec<Reason>),
}

/// Authorise and minimise a request in one call.
pub fn decide(
    policy: &Policy,
    facts: &Facts<'_>,
    payload: &Payload<'_>,
    tools: &Tools<'_>,
) -> Decision {
    match authorise(policy, facts) {
        Err(reasons) => Decision { authorisation: None, verdict: Err(reasons) },
        Ok(auth) => {
            let verdict = minimise_request(policy, &auth, facts.query, payload, tools);
            Decision { authorisation: Some(auth), verdict }
        }
    }
}
