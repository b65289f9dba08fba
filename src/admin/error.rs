//! The admin API's one error type and its one map to a status, a problem code and (for
//! faults of the gateway's own) a log line. Every handler returns `Result<_, AdminError>`;
//! [`AdminError::into_reply`] is the only place an admin failure becomes a response.
//!
//! Whose fault it is decides the answer: the caller's (4xx, no log line beyond the
//! refusal metric), the record store's (503 `audit-unavailable`, logged), or the admin
//! API's own (500 `internal-error`, logged). Details and log lines name fields, codes and
//! ids from config only, never a value from the request.

use crate::codes::RefusalCode;
use crate::emergency::restrictions::RestrictionError;
use crate::emergency::review::ReviewError;
use crate::emergency::LedgerError;

use super::ports::{LintFinding, PortFailure};
use super::reply::{self, Reply};

/// Why an admin request was not answered with what it asked for.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// Not a governance certificate; `record_id` is the refusal record.
    #[error("{detail}")]
    IdentityNotAllowed { detail: &'static str, record_id: String },
    /// No route has this path.
    #[error("no admin endpoint has this path")]
    NoRoute,
    /// The path exists, not with this method.
    #[error("this path does not take this method")]
    MethodNotAllowed,
    #[error("the request body is over the admin listener's limit")]
    BodyTooLarge,
    #[error("the request body did not arrive in time")]
    BodyTimeout,
    #[error("the request body is not valid JSON")]
    NotJson,
    /// The request (body fields, query parameters) does not fit; the sentence says how.
    #[error("{0}")]
    Invalid(String),
    /// The request names a thing that does not exist; the sentence says which.
    #[error("{0}")]
    NotFound(String),
    /// Four-eyes: this governance identity may not take this step (403).
    #[error("{0}")]
    FourEyes(&'static str),
    /// The request conflicts with the current state.
    #[error("{0}")]
    Conflict(String),
    /// The new agreements do not lint clean; the old set stays. `findings` are the lint
    /// errors (the problem body carries them); `record_id` is the governance record of
    /// the refused reload, when it could be committed.
    #[error("the new agreements were not loaded, the current set stays: {why}")]
    ReloadRefused { why: String, findings: Vec<LintFinding>, record_id: Option<String> },
    /// The agreements port refused the dry run with its own code (caller's fault).
    #[error("{}", .0.detail)]
    Explain(PortFailure),
    /// The record store cannot answer or commit; the sentence (for the log) says what was
    /// being done and what the store said.
    #[error("{0}")]
    StoreUnavailable(String),
    /// The admin API's own failure, e.g. an answer it could not serialise.
    #[error("{0}")]
    Internal(String),
}

impl AdminError {
    /// The store failed while doing `context` (a phrase for the log, no request data).
    pub fn store(context: &'static str) -> impl FnOnce(LedgerError) -> Self {
        move |e| Self::StoreUnavailable(format!("{context}: {e}"))
    }

    /// The one map: refusal code (and so status) of this error.
    pub fn code(&self) -> RefusalCode {
        match self {
            Self::IdentityNotAllowed { .. } | Self::FourEyes(_) => RefusalCode::IdentityNotAllowed,
            Self::NoRoute | Self::NotFound(_) => RefusalCode::NotFound,
            Self::MethodNotAllowed => RefusalCode::MethodNotAllowed,
            Self::BodyTooLarge => RefusalCode::BodyTooLarge,
            Self::BodyTimeout | Self::Invalid(_) => RefusalCode::BadRequest,
            Self::NotJson => RefusalCode::MalformedJson,
            Self::Conflict(_) => RefusalCode::Conflict,
            Self::ReloadRefused { .. } => RefusalCode::SchemaViolation,
            Self::Explain(f) => f.code,
            Self::StoreUnavailable(_) => RefusalCode::AuditUnavailable,
            Self::Internal(_) => RefusalCode::InternalError,
        }
    }

    /// The sentence the caller reads. Faults that are not the caller's say only what to
    /// do; the log line says what failed.
    fn detail(&self) -> String {
        match self {
            Self::StoreUnavailable(_) => "the record store is unavailable; retry later".into(),
            Self::Internal(_) => {
                "the admin API failed to answer; the operators' log says why".into()
            }
            caller => caller.to_string(),
        }
    }

    fn record_id(&self) -> Option<&str> {
        match self {
            Self::IdentityNotAllowed { record_id, .. } => Some(record_id),
            Self::ReloadRefused { record_id, .. } => record_id.as_deref(),
            _ => None,
        }
    }

    /// The problem response, with a log line for faults that are not the caller's.
    pub fn into_reply(self) -> Reply {
        match &self {
            Self::StoreUnavailable(_) => {
                tracing::error!(error = %self, "admin: record store unavailable")
            }
            Self::Internal(_) => tracing::error!(error = %self, "admin: internal error"),
            _ => {}
        }
        let code = self.code();
        crate::telemetry::metrics::admin_refusal(code);
        let findings = match &self {
            Self::ReloadRefused { findings, .. } => findings.as_slice(),
            _ => &[],
        };
        reply::problem_recorded(code, self.detail(), self.record_id(), findings)
    }
}

/// Render a handler's result: its reply, or the problem its error maps to.
pub fn render(result: Result<Reply, AdminError>) -> Reply {
    result.unwrap_or_else(AdminError::into_reply)
}

impl From<ReviewError> for AdminError {
    fn from(e: ReviewError) -> Self {
        match e {
            ReviewError::NotFound => Self::NotFound(e.to_string()),
            ReviewError::AlreadyReviewed | ReviewError::NothingToAmend => {
                Self::Conflict(e.to_string())
            }
            // The store's own error was logged where it became `ReviewError::Store`.
            ReviewError::Store => Self::StoreUnavailable(e.to_string()),
            _ => Self::Invalid(e.to_string()),
        }
    }
}

impl From<RestrictionError> for AdminError {
    fn from(e: RestrictionError) -> Self {
        match e {
            RestrictionError::NotFound => Self::NotFound(e.to_string()),
            RestrictionError::Store => Self::StoreUnavailable(e.to_string()),
            _ => Self::Invalid(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whose_fault_decides_the_status() {
        let cases = [
            (AdminError::NoRoute, 404),
            (AdminError::MethodNotAllowed, 405),
            (AdminError::BodyTooLarge, 413),
            (AdminError::NotJson, 422),
            (AdminError::Invalid("x".into()), 400),
            (AdminError::Conflict("x".into()), 409),
            (AdminError::from(ReviewError::AlreadyReviewed), 409),
            (AdminError::from(ReviewError::BadNote), 400),
            (AdminError::from(RestrictionError::NotFound), 404),
            (AdminError::from(RestrictionError::Store), 503),
            (AdminError::store("x")(LedgerError::Unavailable("down".into())), 503),
            (AdminError::Internal("serialise".into()), 500),
        ];
        for (e, status) in cases {
            assert_eq!(e.code().status(), status, "{e:?}");
            assert_eq!(e.into_reply().status().as_u16(), status);
        }
    }

    #[test]
    fn internal_faults_do_not_show_their_cause() {
        let e = AdminError::Internal("serde: key must be a string at `secret`".into());
        assert!(!e.detail().contains("secret"));
        let e = AdminError::store("x")(LedgerError::Unavailable("postgres://u:pw@h".into()));
        assert!(!e.detail().contains("pw"));
    }
}
