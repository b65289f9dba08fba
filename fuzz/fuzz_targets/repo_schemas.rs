//! The repository's schemas, compiled into the targets that need real ones (a module of
//! the `agreements` and `decision` targets, not a target itself).

/// `(file name, text)` of every file in `schemas/`.
pub const SCHEMAS: &[(&str, &str)] = &[
    ("ack.v1.json", include_str!("../../schemas/ack.v1.json")),
    ("child-protection.v1.json", include_str!("../../schemas/child-protection.v1.json")),
    ("dhr-chronology.v1.json", include_str!("../../schemas/dhr-chronology.v1.json")),
    ("discharge.v1.json", include_str!("../../schemas/discharge.v1.json")),
    ("emergency.generic.v1.json", include_str!("../../schemas/emergency.generic.v1.json")),
    ("mappa-intelligence.v1.json", include_str!("../../schemas/mappa-intelligence.v1.json")),
    ("mappa-referral.v1.json", include_str!("../../schemas/mappa-referral.v1.json")),
    ("nfi-submission.v1.json", include_str!("../../schemas/nfi-submission.v1.json")),
    ("outcomes.v1.json", include_str!("../../schemas/outcomes.v1.json")),
    ("referral-status.v1.json", include_str!("../../schemas/referral-status.v1.json")),
    ("referral.emergency.v1.json", include_str!("../../schemas/referral.emergency.v1.json")),
    ("referral.v1.json", include_str!("../../schemas/referral.v1.json")),
    ("research-extract.v1.json", include_str!("../../schemas/research-extract.v1.json")),
];
