//! Records for tests: one that fills every field, one that fills none. Shared by the
//! canonical writer's tests and the verify fast path's, so both prove their bytes on
//! the same record.

use super::*;
use crate::codes::{Reason, RefusalCode, StripReason};
use crate::minimise::{Stripped, Transformed};

/// A record that fills every field, with strings that need escaping and characters
/// outside the BMP; its values fit the stored columns (`seq` within `i64`), and its
/// schema names sort the same in UTF-8 and UTF-16.
pub(crate) fn full() -> Record {
    let mut d = RecordDraft::new(RecordKind::EmergencyReview, Outcome::UpstreamTimeout);
    d.in_reply_to = Some(uuid::Uuid::now_v7());
    d.direction = Some(Direction::Response);
    d.from = Some("a\"b\\c\n\u{1}é😀\u{7f}\u{2028}".into());
    d.to = Some("t\t\r\u{8}\u{c}\u{1f}".into());
    d.caller_cert_sha256 = Some("c".into());
    d.requester = Some("r".into());
    d.method = Some("POST".into());
    d.path_template = Some("/v1/{id}".into());
    d.agreement =
        Some(AgreementRef { id: "ISA\"1".into(), version: 4_000_000_000, sha256: "s".into() });
    d.schema_sha256.insert("b.json".into(), "1".into());
    d.schema_sha256.insert("a.json".into(), "2".into());
    d.schema_sha256.insert("é.json".into(), "3".into());
    d.flow = Some("f".into());
    d.purpose = Some("p".into());
    d.lawful_basis = Some(crate::codes::LawfulBasis {
        article_6: vec!["6(1)(e)".into()],
        article_9: vec!["9(2)(g)".into(), "9(2)(b)".into()],
        article_10: vec!["x".into()],
        statutory_gateway: vec![],
        ..Default::default()
    });
    d.reason = Some("why \"now\"\\ 😀".into());
    d.emergency = Some(EmergencyInfo {
        category: "c".into(),
        justification: "j 😀".into(),
        review_state: "pending".into(),
        basis: "b".into(),
    });
    d.disclosed = vec!["/a".into(), "/b/0".into(), "/😀/é".into()];
    d.stripped = vec![
        Stripped { count: Some(2), path: "/x".into(), reason: StripReason::NotInEmergencySchema },
        Stripped { count: None, path: "/y".into(), reason: StripReason::Undeclared },
    ];
    d.transformed = vec![Transformed { path: "/y".into(), transform: "age-band".into() }];
    d.payload_sha256 = Some("p".into());
    d.received_sha256 = Some("q".into());
    d.subjects = vec!["s1".into(), "s2".into()];
    d.upstream_status = Some(504);
    d.refusal = vec![
        Reason::new(RefusalCode::UpstreamTimeout, "slow"),
        Reason::new(RefusalCode::NoAgreement, "none 😀"),
    ];
    d.review = Some(ReviewInfo {
        decision: "justified".into(),
        subject_told: "deferred".into(),
        revisit: Some("2027-01-01".into()),
        note: "n".into(),
        reviewer: "urn:x".into(),
        amendment: true,
    });
    d.governance = Some(serde_json::json!({
        "z": [1, -1, null, {"b": true, "a": "x\u{1}\"", "\u{e000}": 1, "😀": 2}],
        "a": {"y": {"d": 0, "c": [9007199254740993u64, -9007199254740993i64]}},
        "é": "\\/"
    }));
    d.actor = Some("urn:isagate:governance:dpo".into());
    Record {
        id: uuid::Uuid::now_v7(),
        seq: i64::MAX as u64,
        time: "2026-11-23T10:00:00.000001Z".into(),
        draft: d,
        prev_hash: "0".repeat(64),
        hash: "ignored".into(),
    }
}

/// A record with no optional field.
pub(crate) fn empty() -> Record {
    Record {
        id: uuid::Uuid::now_v7(),
        seq: 1,
        time: String::new(),
        draft: RecordDraft::new(RecordKind::Anchor, Outcome::Recorded),
        prev_hash: String::new(),
        hash: String::new(),
    }
}
