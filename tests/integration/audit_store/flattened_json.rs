//! Documents whose members are grouped into flattened parts (`SegmentSpan`,
//! `ReviewState`, `Replayed`) keep their JSON byte for byte: the same member names in the
//! same order, and they read back into the same values.

use isagate::agreements::diff::impact::Replayed;
use isagate::agreements::diff::Impact;
use isagate::audit::report::ReviewState;
use isagate::audit::subject_access::EmergencyView;
use isagate::audit::{ArchiveCoverage, SegmentMissing, SegmentRead, SegmentSpan};

#[test]
fn archive_coverage_keeps_its_members_in_order() {
    let span = SegmentSpan {
        from_seq: 1,
        to_seq: 9,
        first_time: Some("2026-01-01T00:00:00Z".into()),
        last_time: None,
    };
    let cov = ArchiveCoverage {
        complete: false,
        folder: Some("/archive".into()),
        read: vec![SegmentRead { file: "seg.jsonl".into(), span: span.clone() }],
        missing: vec![SegmentMissing {
            span,
            archived_before: None,
            file: Some("gone.jsonl".into()),
            problem: "not found".into(),
        }],
    };
    let text = serde_json::to_string(&cov).unwrap();
    assert_eq!(
        text,
        concat!(
            r#"{"complete":false,"folder":"/archive","read":[{"file":"seg.jsonl","from_seq":1,"#,
            r#""to_seq":9,"first_time":"2026-01-01T00:00:00Z","last_time":null}],"missing":"#,
            r#"[{"from_seq":1,"to_seq":9,"first_time":"2026-01-01T00:00:00Z","last_time":null,"#,
            r#""archived_before":null,"file":"gone.jsonl","problem":"not found"}]}"#
        )
    );
    assert_eq!(serde_json::from_str::<ArchiveCoverage>(&text).unwrap(), cov);
}

#[test]
fn an_emergency_view_keeps_its_review_state_beside_its_category() {
    let view = EmergencyView {
        category: "risk-to-life".into(),
        justification: "j".into(),
        review_state: ReviewState {
            state: "reviewed".into(),
            decision: Some("justified".into()),
            subject_told: None,
        },
    };
    assert_eq!(
        serde_json::to_string(&view).unwrap(),
        r#"{"category":"risk-to-life","justification":"j","state":"reviewed","decision":"justified","subject_told":null}"#
    );
    assert_eq!(serde_json::to_value(ReviewState::pending()).unwrap()["state"], "pending");
}

#[test]
fn an_impact_keeps_its_window_and_counts_first() {
    let impact = Impact {
        replayed: Replayed {
            since: "2026-01-01T00:00:00Z".into(),
            until: "2026-01-31T00:00:00Z".into(),
            days: 30,
            transfers: 6,
            responses: 2,
        },
        ..Impact::default()
    };
    let text = serde_json::to_string(&impact).unwrap();
    assert_eq!(
        text,
        concat!(
            r#"{"since":"2026-01-01T00:00:00Z","until":"2026-01-31T00:00:00Z","days":30,"#,
            r#""transfers":6,"responses":2,"findings":[],"would_refuse":[],"cannot_tell":[]}"#
        )
    );
    // Proposals keep their impact as JSON and read it back.
    assert_eq!(serde_json::from_str::<Impact>(&text).unwrap(), impact);
}
