//! The fast path against the slow one: it passes what the slow path passes, and gives
//! a changed byte, member, column or chain value to the slow path.

use super::*;
use crate::audit::record::fixtures::{empty, full};
use crate::audit::record::{Record, GENESIS_HASH};
use uuid::Uuid;

fn row(mut r: Record) -> Columns {
    r.id = Uuid::now_v7();
    r.seq = 7;
    r.time = "2026-12-07T10:00:00.000001Z".into();
    r.prev_hash = GENESIS_HASH.into();
    r.hash = r.compute_hash().unwrap();
    Columns::from_record(&r).unwrap()
}

/// A named change to a row.
type Edit = Box<dyn Fn(&mut Columns)>;

fn fast(c: &Columns) -> bool {
    passes(&c.borrowed(), GENESIS_HASH, "")
}

#[test]
fn the_members_are_the_records() {
    let v = serde_json::to_value(full()).unwrap();
    let mut names: Vec<String> =
        v.as_object().unwrap().keys().filter(|k| *k != "hash").cloned().collect();
    names.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
    assert_eq!(names, MEMBERS, "a record member was added: extend MEMBERS");
}

#[test]
fn plain_records_pass_and_every_change_falls_to_the_slow_path() {
    let mut plain = empty();
    plain.draft.flow = Some("referral".into());
    let base = row(plain);
    assert!(fast(&base));
    let mut older = empty();
    older.draft.format = None;
    assert!(fast(&row(older)));
    // Escaped text in a query column: the slow path decides.
    let mut escaped = full();
    escaped.draft.in_reply_to = None;
    assert!(!fast(&row(escaped)));

    let edits: Vec<(&str, Edit)> = vec![
        ("a byte", Box::new(|c| c.body = c.body.replacen("referral", "referrak", 1))),
        ("whitespace", Box::new(|c| c.body = c.body.replacen(',', ", ", 1))),
        ("flow column", Box::new(|c| c.flow = Some("other".into()))),
        ("outcome column", Box::new(|c| c.outcome = "refused".into())),
        ("emergency column", Box::new(|c| c.emergency = Some(1))),
        ("seq column", Box::new(|c| c.seq = 8)),
        ("time column", Box::new(|c| c.time = "2026-12-07T10:00:00.000002Z".into())),
        ("id column", Box::new(|c| c.id = Uuid::now_v7().to_string())),
        ("upper-case id", Box::new(|c| c.id = c.id.to_uppercase())),
        ("hash", Box::new(|c| c.hash = "0".repeat(64))),
    ];
    for (what, edit) in edits {
        let mut c = base.clone();
        edit(&mut c);
        assert!(!fast(&c), "{what}");
    }
    assert!(!passes(&base.borrowed(), &"1".repeat(64), ""), "another prev_hash");
    assert!(!passes(&base.borrowed(), GENESIS_HASH, "2027-01-01T00:00:00.000000Z"), "time back");
}

/// A disclosure as the gateway writes it (the store bench's) takes the fast path.
#[test]
fn a_typical_disclosure_passes() {
    use crate::audit::record::{AgreementRef, Outcome, RecordDraft, RecordKind};
    let mut d = RecordDraft::new(RecordKind::Disclosure, Outcome::Forwarded);
    d.direction = Some(Direction::Request);
    d.from = Some("lcc-ssc".into());
    d.to = Some("merseyside-police".into());
    d.caller_cert_sha256 = Some("ab".repeat(32));
    d.requester = Some("staff-7".into());
    d.method = Some("POST".into());
    d.path_template = Some("/v1/referrals".into());
    d.agreement = Some(AgreementRef { id: "ISA-7".into(), version: 3, sha256: "cd".repeat(32) });
    d.schema_sha256.insert("referral.v1.json".into(), "ef".repeat(32));
    d.flow = Some("referral".into());
    d.purpose = Some("safeguarding".into());
    d.reason = Some("case CR-7: referral after a home visit".into());
    d.disclosed = vec!["/child/name".into(), "/child/dob".into()];
    d.payload_sha256 = Some("01".repeat(32));
    d.subjects = vec![format!("{:064x}", 7)];
    let r = Record { draft: d, ..empty() };
    assert!(fast(&row(r)));
}

/// The fast path reads from the bytes what `Columns::from_draft` derives from the draft,
/// or gives up (escaped text): never a different value.
#[test]
fn query_columns_from_bytes_match_the_draft() {
    let mut read = 0;
    for r in crate::audit::columns::tests::variants() {
        let row = Columns::from_record(&r).unwrap();
        let m = members(row.body.as_bytes()).unwrap();
        if let Some(scanned) = columns(&m, row.hash.as_bytes()) {
            assert_eq!(scanned, Columns { body: &[][..], ..row.borrowed() });
            read += 1;
        }
    }
    assert!(read >= 2, "the fast path read only {read} of the variants");
}

/// Rows are read as bytes, not checked text: a body whose hash matches but whose
/// strings are not UTF-8 never passes (the slow path then reports the row unreadable),
/// while the same edit with valid UTF-8 does.
#[test]
fn bytes_that_are_not_utf8_never_pass() {
    let mut plain = empty();
    plain.draft.flow = Some("referral".into());
    let base = row(plain);
    let with = |purpose: &[u8]| {
        let at = base.body.find("\"purpose\":null").unwrap() + "\"purpose\":".len();
        let mut body = base.body.as_bytes()[..at].to_vec();
        body.extend_from_slice(purpose);
        body.extend_from_slice(&base.body.as_bytes()[at + "null".len()..]);
        let hash = crate::digest::sha256_hex(&body);
        passes(
            &Columns { body: &body[..], hash: hash.as_bytes(), ..base.borrowed() },
            GENESIS_HASH,
            "",
        )
    };
    assert!(with(b"null"));
    assert!(with("\"é, 😀 and a long tail of plain text\"".as_bytes()));
    for bad in [
        &b"\"\xff\""[..],
        b"\"ab\xc3\"",
        b"\"\xc0\xaf\"",
        b"\"\xed\xa0\x80\"",
        b"\"a long plain run before \xf0\x9f\x98 the end\"",
        b"\"a long plain run before the last byte \xe9\"",
    ] {
        assert!(!with(bad), "{}", String::from_utf8_lossy(bad));
    }
}
