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

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    fn agreement(status: &str, expires: &str, review_by: &str) -> Agreement {
        let yaml = format!(
            "id: ISA-1\ntitle: t\nversion: 1\nstatus: {status}\nowner: o\nparties: [a, b]\n\
             effective_from: 2026-01-01\nexpires: {expires}\nreview_by: {review_by}\n\
             lawful_basis: {{}}\npurposes: []\nretention: r\nflows: []\n"
        );
        serde_saphyr::from_str(&yaml).unwrap()
    }

    fn codes(a: &Agreement, today: Date) -> Vec<&'static str> {
        today_notes(a, today).iter().map(|n| n.rule.as_str()).collect()
    }

    #[test]
    fn the_day_decides_expired_expiring_and_overdue() {
        let a = agreement("active", "2026-12-01", "2026-10-01");
        assert_eq!(codes(&a, date(2026, 9, 30)), Vec::<&str>::new());
        assert_eq!(codes(&a, date(2026, 10, 1)), Vec::<&str>::new(), "due today is not overdue");
        assert_eq!(codes(&a, date(2026, 10, 31)), ["review-overdue"]);
        assert_eq!(codes(&a, date(2026, 11, 1)), ["review-overdue", "expiring-soon"]);
        assert_eq!(codes(&a, date(2026, 11, 30)), ["review-overdue", "expiring-soon"]);
        // `expires` is the first day it is not in force.
        assert_eq!(codes(&a, date(2026, 12, 1)), ["review-overdue", "expired"]);
        assert!(!a.in_force_on(date(2026, 12, 1)) && a.in_force_on(date(2026, 11, 30)));
        assert!(
            Rule::Expired.depends_on_today()
                && Rule::Expired.severity() == super::super::Severity::Error
        );
        // Only an active agreement has date findings.
        for status in ["draft", "suspended", "expired"] {
            assert_eq!(
                codes(&agreement(status, "2026-12-01", "2026-10-01"), date(2027, 1, 1)),
                Vec::<&str>::new()
            );
        }
    }
}
