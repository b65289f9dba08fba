//! The emergency alert: a warn-level `tracing` event, the Prometheus counter
//! `isagate_emergency_alerts_total{kind}`, and, when configured, the signed webhook.
//!
//! An alert names the disclosure id, the agencies, the category, the agreement (or policy
//! rule) and when the disclosure was recorded. It never carries payload or subject data,
//! nor the justification text (free text can hold personal data).

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::webhook::Webhook;

/// Counter of alerts raised, by kind.
pub const ALERTS_METRIC: &str = crate::telemetry::metrics::names::EMERGENCY_ALERTS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AlertKind {
    /// An emergency disclosure was just recorded.
    EmergencyDisclosure,
    /// Its review is overdue.
    ReviewOverdue,
}

impl AlertKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EmergencyDisclosure => "emergency-disclosure",
            Self::ReviewOverdue => "review-overdue",
        }
    }
}

/// The webhook body (and the fields of the log event).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Alert {
    pub kind: AlertKind,
    /// The emergency disclosure's record id.
    pub disclosure_id: String,
    /// The calling agency.
    pub from: String,
    /// The recipient agency.
    pub to: String,
    pub category: String,
    /// The agreement id, or null when the emergency policy allowed it.
    pub agreement: Option<String>,
    /// `agreement:<id>` or `policy:<rule id>`.
    pub basis: String,
    /// When the disclosure was recorded (RFC 3339).
    pub recorded_at: String,
    /// For `review-overdue`: hours since the disclosure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_hours: Option<u64>,
}

/// Raises alerts. Clone it freely.
#[derive(Debug, Clone, Default)]
pub struct Alerts {
    webhook: Option<Arc<Webhook>>,
}

impl Alerts {
    /// Alerts without a webhook: log and metric only.
    pub fn new(webhook: Option<Arc<Webhook>>) -> Self {
        Self { webhook }
    }

    pub fn webhook(&self) -> Option<&Arc<Webhook>> {
        self.webhook.as_ref()
    }

    /// Raise an alert. Returns at once; webhook delivery runs in the background (the handle
    /// is returned for tests).
    pub fn raise(&self, alert: Alert) -> Option<tokio::task::JoinHandle<bool>> {
        match alert.kind {
            AlertKind::EmergencyDisclosure => tracing::warn!(
                disclosure_id = %alert.disclosure_id,
                from = %alert.from,
                to = %alert.to,
                category = %alert.category,
                agreement = alert.agreement.as_deref().unwrap_or("none"),
                basis = %alert.basis,
                "emergency disclosure made; review pending"
            ),
            AlertKind::ReviewOverdue => tracing::warn!(
                disclosure_id = %alert.disclosure_id,
                from = %alert.from,
                to = %alert.to,
                category = %alert.category,
                pending_hours = alert.pending_hours.unwrap_or(0),
                "emergency disclosure review overdue"
            ),
        }
        crate::telemetry::metrics::emergency_alert(
            &alert.category,
            match alert.kind {
                AlertKind::EmergencyDisclosure => crate::telemetry::metrics::AlertKind::Raised,
                AlertKind::ReviewOverdue => crate::telemetry::metrics::AlertKind::ReviewOverdue,
            },
        );
        self.webhook.as_ref().and_then(|w| w.notify(alert))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_has_the_named_fields_only() {
        let a = Alert {
            kind: AlertKind::ReviewOverdue,
            disclosure_id: "0190".into(),
            from: "lcc-ssc".into(),
            to: "merseyside-police".into(),
            category: "child-at-risk".into(),
            agreement: None,
            basis: "policy:blue-light".into(),
            recorded_at: "2026-01-01T00:00:00Z".into(),
            pending_hours: Some(73),
        };
        let v = serde_json::to_value(&a).unwrap();
        let keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
        assert_eq!(
            keys,
            [
                "kind",
                "disclosure_id",
                "from",
                "to",
                "category",
                "agreement",
                "basis",
                "recorded_at",
                "pending_hours"
            ]
        );
        assert_eq!(v["kind"], "review-overdue");
    }
}
