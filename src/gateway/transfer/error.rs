//! The one error a transfer can end in, and the one map from it to what the caller is
//! told (status and problem code) and what the record says (audit outcome).
//!
//! Whose fault it is decides the outcome: the caller's (a refusal: 4xx), the recipient's
//! (502/504, or its answer refused), or the gateway's own (500 `internal-error`, or 503
//! `audit-unavailable` when a record cannot be committed). Never the recipient's when it
//! is the gateway's.

use http::StatusCode;

use crate::audit::record::Outcome;
use crate::codes::problem::Refusal;
use crate::codes::{Reason, RefusalCode};
use crate::gateway::upstream::UpstreamFailure;

/// Whose fault an exit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The request is not one the agreements permit, or is malformed.
    Caller,
    /// The recipient failed, timed out, or answered outside its agreement.
    Upstream,
    /// The gateway itself (its store, its own serialisation or plans).
    Internal,
}

/// How a transfer ended when it did not end in an answer from the recipient.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{fault:?} fault: {}", self.code())]
pub struct TransferError {
    pub fault: Fault,
    /// What the caller is told; the first reason decides the status.
    pub reasons: Vec<Reason>,
    /// What the record keeps when it differs from `reasons` (the recipient's answer
    /// that its agreement refuses: the caller is told `upstream-error`).
    pub recorded: Option<Vec<Reason>>,
    /// Seconds, for 429.
    pub retry_after: Option<u64>,
    /// For the log line of an internal fault (never personal data).
    pub cause: Option<&'static str>,
}

impl TransferError {
    fn new(fault: Fault, reasons: Vec<Reason>) -> Self {
        Self { fault, reasons, recorded: None, retry_after: None, cause: None }
    }

    /// The gateway failed at `cause`; nothing (more) is sent to the recipient.
    pub fn internal(cause: &'static str) -> Self {
        let detail = "the gateway could not complete this transfer; nothing was sent to the recipient; retry later";
        Self {
            cause: Some(cause),
            ..Self::new(Fault::Internal, one(RefusalCode::InternalError, detail))
        }
    }

    /// A record could not be committed.
    pub fn audit_unavailable() -> Self {
        let detail = "the disclosure record cannot be committed, so nothing was sent; retry later";
        Self::new(Fault::Internal, one(RefusalCode::AuditUnavailable, detail))
    }

    /// The recipient could not be reached, failed, or did not answer in time.
    pub fn upstream(failure: UpstreamFailure) -> Self {
        let reason = match failure {
            UpstreamFailure::Timeout => {
                Reason::new(RefusalCode::UpstreamTimeout, "the recipient did not answer in time")
            }
            UpstreamFailure::Failed => Reason::new(
                RefusalCode::UpstreamError,
                "the recipient could not be reached or failed",
            ),
        };
        Self::new(Fault::Upstream, vec![reason])
    }

    /// The recipient answered, but its answer does not match the agreement.
    pub fn response_refused(reasons: Vec<Reason>) -> Self {
        let told = "the recipient's response did not match the agreement's response schema, so it was withheld";
        Self {
            recorded: Some(reasons),
            ..Self::new(Fault::Upstream, one(RefusalCode::UpstreamError, told))
        }
    }

    /// The code that decides the status and the problem `type`.
    pub fn code(&self) -> RefusalCode {
        self.reasons.first().map_or(RefusalCode::InternalError, |r| r.code)
    }

    /// The HTTP status the caller gets.
    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.code().status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// The outcome the exit's record carries.
    pub fn outcome(&self) -> Outcome {
        match (self.fault, self.code()) {
            (Fault::Upstream, _) if self.recorded.is_some() => Outcome::Refused,
            (Fault::Upstream, RefusalCode::UpstreamTimeout) => Outcome::UpstreamTimeout,
            (Fault::Upstream, _) => Outcome::UpstreamError,
            (Fault::Caller | Fault::Internal, _) => Outcome::Refused,
        }
    }

    /// The reasons the record keeps.
    pub fn recorded_reasons(&self) -> &[Reason] {
        self.recorded.as_deref().unwrap_or(&self.reasons)
    }

    /// The problem document's content.
    pub fn refusal(&self) -> Refusal {
        Refusal { reasons: self.reasons.clone(), retry_after: self.retry_after }
    }
}

fn one(code: RefusalCode, detail: &str) -> Vec<Reason> {
    vec![Reason::new(code, detail)]
}

/// Whose fault a code is, when a stage returns plain reasons.
fn fault_of(code: RefusalCode) -> Fault {
    match code {
        RefusalCode::InternalError | RefusalCode::AuditUnavailable => Fault::Internal,
        RefusalCode::UpstreamError | RefusalCode::UpstreamTimeout => Fault::Upstream,
        _ => Fault::Caller,
    }
}

impl From<Vec<Reason>> for TransferError {
    fn from(reasons: Vec<Reason>) -> Self {
        let fault = reasons.first().map_or(Fault::Internal, |r| fault_of(r.code));
        Self::new(fault, reasons)
    }
}

impl From<Reason> for TransferError {
    fn from(reason: Reason) -> Self {
        Self::from(vec![reason])
    }
}

impl From<Refusal> for TransferError {
    fn from(r: Refusal) -> Self {
        Self { retry_after: r.retry_after, ..Self::from(r.reasons) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_map_from_fault_to_status_code_and_outcome() {
        let cases = [
            (
                TransferError::from(Reason::new(RefusalCode::NoAgreement, "x")),
                403,
                Outcome::Refused,
            ),
            (TransferError::internal("test"), 500, Outcome::Refused),
            (TransferError::audit_unavailable(), 503, Outcome::Refused),
            (TransferError::upstream(UpstreamFailure::Failed), 502, Outcome::UpstreamError),
            (TransferError::upstream(UpstreamFailure::Timeout), 504, Outcome::UpstreamTimeout),
            (TransferError::response_refused(vec![]), 502, Outcome::Refused),
        ];
        for (err, status, outcome) in cases {
            assert_eq!((err.status().as_u16(), err.outcome()), (status, outcome), "{err}");
        }
        assert_eq!(TransferError::internal("x").code(), RefusalCode::InternalError);
        assert_eq!(TransferError::internal("x").fault, Fault::Internal);
        let schema = vec![Reason::new(RefusalCode::SchemaViolation, "y")];
        let e = TransferError::response_refused(schema.clone());
        assert_eq!((e.code(), e.recorded_reasons()), (RefusalCode::UpstreamError, &schema[..]));
        let mut limited = Refusal::one(RefusalCode::RateLimited, "slow");
        limited.retry_after = Some(2);
        assert_eq!(TransferError::from(limited).refusal().retry_after, Some(2));
    }
}
