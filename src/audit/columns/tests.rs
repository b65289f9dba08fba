//! A record through its row and back, and the records the fast path's reading of the
//! query columns is tried on (`verify/fast/tests.rs`).

use super::*;
use crate::audit::record::fixtures::{empty, full};
use crate::audit::record::{Outcome, RecordKind};
use crate::codes::{Reason, RefusalCode};

fn chained(mut r: Record) -> Record {
    r.seq = 42;
    r.hash = r.compute_hash().unwrap();
    r
}

/// The records the tests below (and `verify`'s fast path's) try: every field filled,
/// none, and the variants the query columns look into.
pub(crate) fn variants() -> Vec<Record> {
    let mut out = vec![chained(full()), chained(empty())];
    let mut g = empty();
    g.draft.kind = RecordKind::Governance;
    g.draft.outcome = Outcome::Recorded;
    g.draft.governance = Some(serde_json::json!({"action": "restriction-added", "n": 3}));
    g.draft.refusal = vec![
        Reason { code: RefusalCode::SchemaViolation, detail: "d".into() },
        Reason { code: RefusalCode::ALL[1], detail: "e".into() },
    ];
    g.draft.emergency = None;
    g.draft.agreement = None;
    g.draft.format = None;
    out.push(chained(g));
    let mut plain = empty();
    plain.draft.flow = Some("referral".into());
    plain.draft.from = Some("lcc-ssc".into());
    plain.draft.agreement = Some(crate::audit::record::AgreementRef {
        id: "ISA-1".into(),
        version: 1,
        sha256: "a".repeat(64),
    });
    plain.draft.governance = Some(serde_json::json!({"action": 5}));
    out.push(chained(plain));
    out
}

#[test]
fn a_record_survives_its_row_and_keeps_its_hash() {
    for r in variants() {
        let row = Columns::from_record(&r).unwrap();
        assert_eq!(row.body.as_bytes(), crate::audit::canonical::record_bytes(&r).unwrap());
        let back = row.into_record().unwrap();
        assert_eq!(back, r);
        assert_eq!(back.compute_hash().unwrap(), r.hash);
    }
}

#[test]
fn bytes_that_do_not_decode_name_the_body() {
    let mut row = Columns::from_record(&chained(empty())).unwrap();
    row.body = "not json".into();
    assert_eq!(row.into_record().unwrap_err().column, "body");
}
