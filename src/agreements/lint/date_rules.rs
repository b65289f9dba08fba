//! Lint rules about an agreement's dates: `review_by` before `effective_from` (an error
//! whatever the day), and the findings that depend on today (Europe/London): `expired`
//! (an error for `agreements check`, never a reason to refuse a set at load: see
//! [`super::Rule::depends_on_today`]), `review-overdue` and `expiring-soon`.
//!
//! [`today_notes`] is the one place those date findings are decided: the linter places
//! them in the file, and the register (`agreements list`, `GET /v1/agreements`) lists
//! them for the loaded set on the day it is asked.

use jiff::civil::Date;
use jiff::ToSpan;

use super::{Finding, Report, Rule};
use crate::agreements::load::ParsedAgreement;
use crate::agreements::model::{Agreement, AgreementStatus};

/// How far ahead `expiring-soon` looks.
pub const EXPIRY_WARNING_DAYS: i32 = 30;

/// A finding about an agreement's dates, before it is placed in its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateNote {
    pub rule: Rule,
    /// The agreement key it is about (`expires`, `review_by`).
    pub key: &'static str,
    pub message: String,
    pub help: &'static str,
    pub label: &'static str,
}

/// The findings that depend on `today`, for an active agreement (others have none).
pub fn today_notes(a: &Agreement, today: Date) -> Vec<DateNote> {
    let mut notes = Vec::new();
    if a.status != AgreementStatus::Active {
        return notes;
    }
    if let Some(review) = a.review_by.filter(|r| *r < today) {
        notes.push(DateNote {
            rule: Rule::ReviewOverdue,
            key: "review_by",
            message: format!("the review was due on {review}"),
            help: "review the agreement with its owner, then set the next `review_by` (and bump `version` for any change)",
            label: "review overdue",
        });
    }
    let soon = today.checked_add(EXPIRY_WARNING_DAYS.days()).unwrap_or(today);
    if a.expires <= today {
        notes.push(DateNote {
            rule: Rule::Expired,
            key: "expires",
            message: format!(
                "the agreement expired on {} but its status is still `active`: it is not in force",
                a.expires
            ),
            help: "renew it (a new `expires` and a bumped `version`) or set `status: expired`; a running gateway keeps loading the set but refuses this agreement's flows with `agreement-not-in-force`",
            label: "expired",
        });
    } else if a.expires <= soon {
        notes.push(DateNote {
            rule: Rule::ExpiringSoon,
            key: "expires",
            message: format!(
                "the agreement expires on {}, within {EXPIRY_WARNING_DAYS} days",
                a.expires
            ),
            help: "renew it before then, or plan for transfers under it to stop",
            label: "expires soon",
        });
    }
    notes
}

/// Every date rule on one parsed agreement.
pub(crate) fn check_dates(p: &ParsedAgreement, today: Date, report: &mut Report) {
    let a = &p.agreement;
    let f = p.file.as_str();
    if let Some(review) = a.review_by.filter(|r| *r < a.effective_from) {
        report.push(
            Finding::new(
                Rule::ReviewBeforeEffective,
                f,
                p.tree.pos_of("review_by"),
                format!(
                    "`review_by` ({review}) is before `effective_from` ({})",
                    a.effective_from
                ),
                "set `review_by` to a date after the agreement takes effect (the ICO expects a review during its life)",
            )
            .label("before `effective_from`"),
        );
    }
    for n in today_notes(a, today) {
        report
            .push(Finding::new(n.rule, f, p.tree.pos_of(n.key), n.message, n.help).label(n.label));
    }
}
