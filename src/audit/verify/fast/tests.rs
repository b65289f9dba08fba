//! The fast path against the slow one (`Columns::into_record`, then
//! `canonical::record_bytes`): the same bytes whenever the fast path answers, and no
//! answer for a row that does not decode.

use super::*;
use crate::audit::canonical::record_bytes;
use crate::audit::clock::parse_time;
use crate::audit::record::fixtures::{empty, full};
use crate::audit::record::*;
use crate::codes::{Reason, RefusalCode, StripReason};
use crate::minimise::Stripped;

/// The slow path's bytes, or `None` when the row does not decode.
fn slow(c: &Columns) -> Option<Vec<u8>> {
    let record = c.clone().into_record().ok()?;
    record_bytes(&record).ok()
}

fn fast(c: &Columns) -> Option<Vec<u8>> {
    let mut out = b"left over".to_vec();
    let id = record_bytes_fast(&c.borrowed(), &mut out)?;
    assert_eq!(Some(id), c.id.parse().ok());
    Some(out)
}

use super::record_bytes as record_bytes_fast;

/// The fast path answers, with the slow path's bytes.
fn same(c: &Columns) {
    let f = fast(c).unwrap_or_else(|| panic!("the fast path gave up on {c:?}"));
    let s = slow(c).unwrap_or_else(|| panic!("the slow path failed on {c:?}"));
    assert_eq!(String::from_utf8(f).unwrap(), String::from_utf8(s).unwrap());
}

/// Whatever the fast path answers is the slow path's answer.
fn never_differs(c: &Columns) {
    if let Some(f) = fast(c) {
        let s = slow(c)
            .unwrap_or_else(|| panic!("the fast path passed a row that does not decode: {c:?}"));
        assert_eq!(String::from_utf8(f).unwrap(), String::from_utf8(s).unwrap(), "{c:?}");
    }
}

#[test]
fn full_records_give_the_slow_paths_bytes() {
    let r = full();
    same(&Columns::from_record(&r));
    same(&Columns::from_record(&empty()));
    for kind in [RecordKind::Disclosure, RecordKind::Refusal, RecordKind::Governance] {
        let mut r = full();
        r.draft.kind = kind;
        r.draft.direction = Some(Direction::Request);
        r.draft.in_reply_to = None;
        r.draft.upstream_status = None;
        r.draft.agreement = None;
        r.draft.review.as_mut().unwrap().amendment = false;
        r.draft.review.as_mut().unwrap().revisit = None;
        r.draft.governance = Some(serde_json::Value::Null);
        same(&Columns::from_record(&r));
    }
    // Every enum name the slow path accepts, the fast path accepts too.
    for (k, o) in RecordKind::ALL.iter().zip(Outcome::ALL.iter().cycle()) {
        let mut r = full();
        r.draft.kind = *k;
        r.draft.outcome = *o;
        same(&Columns::from_record(&r));
    }
    for o in Outcome::ALL {
        let mut r = empty();
        r.draft.outcome = o;
        same(&Columns::from_record(&r));
    }
    // A record written before format 2: no `format`, no `count`.
    let mut older = full();
    older.draft.format = None;
    older.draft.stripped.iter_mut().for_each(|s| s.count = None);
    assert!(fast(&Columns::from_record(&older)).is_some());
    same(&Columns::from_record(&older));
    for s in StripReason::ALL {
        let mut r = empty();
        r.draft.stripped = vec![Stripped { count: Some(12), path: "/p".into(), reason: *s }];
        same(&Columns::from_record(&r));
    }
    for c in RefusalCode::ALL {
        let mut r = empty();
        r.draft.refusal = vec![Reason::new(*c, "d")];
        same(&Columns::from_record(&r));
    }
}

#[test]
fn escapes_inside_json_columns_go_to_the_slow_path() {
    // A JSON string with an escape cannot be copied: the fast path gives up, and the
    // slow path (which decides) still gives the right bytes.
    let mut r = full();
    r.draft.disclosed = vec!["/a\"b".into(), "/c\\d".into(), "/\u{1}".into()];
    let c = Columns::from_record(&r);
    assert!(fast(&c).is_none());
    never_differs(&c);
    // Names sorted differently by bytes (the map's order) and by UTF-16 (canonical) go
    // to the slow path; names outside the BMP that sort the same both ways stay.
    for (names, stays) in [(["\u{e000}.json", "😀.json"], false), (["😀.json", "😁.json"], true)]
    {
        let mut r = full();
        for name in names {
            r.draft.schema_sha256.insert(name.into(), "2".into());
        }
        let c = Columns::from_record(&r);
        if stays {
            same(&c);
        } else {
            assert!(fast(&c).is_none(), "{names:?}");
            never_differs(&c);
        }
    }
}

#[test]
fn governance_is_canonicalised_as_on_the_slow_path() {
    let mut c = Columns::from_record(&full());
    for g in [
        r#"{"b":{"d":1,"c":2},"a":[{"z":null,"y":"\u0001\"\\\/é"}]}"#,
        r#" { "b" : 1 , "a" : 2 } "#,
        r#"{"a":1,"a":2}"#,
        r#"{"😀":1,"":2}"#,
        r#""text\ud83d\ude00""#,
        r#"[0, 18446744073709551615, -9223372036854775808]"#,
        "null",
        "true",
    ] {
        c.governance = Some(g.into());
        same(&c);
    }
    // A fraction has no canonical form: the slow path reports it (as a hash failure).
    for g in ["1.5", "1e3", r#"{"a":[2.0]}"#, "{", ""] {
        c.governance = Some(g.into());
        assert!(fast(&c).is_none(), "{g}");
    }
}

/// Column texts the writer never stores: whatever the fast path says must match.
#[test]
fn hand_edited_json_columns_never_differ() {
    let base = Columns::from_record(&full());
    let mut cases: Vec<Columns> = Vec::new();
    let mut edit = |f: &dyn Fn(&mut Columns)| {
        let mut c = base.clone();
        f(&mut c);
        cases.push(c);
    };
    let lb = "{\"article_6\":[\"a\"],\"article_9\":[],\"article_10\":[\"b\"],\"statutory_gateway\":[\"c\"]}";
    let em =
        "{\"category\":\"c\",\"justification\":\"j\",\"review_state\":\"pending\",\"basis\":\"b\"}";
    let rv = "{\"decision\":\"d\",\"subject_told\":\"t\",\"revisit\":null,\"note\":\"n\",\"reviewer\":\"r\",\"amendment\":false}";
    // Each JSON column, with texts the writer never stores (and the writer's own form).
    type Set = fn(&mut Columns, &str);
    let string_lists: &[&str] = &[
        "[]",
        " []",
        "[] ",
        "[\"a\" ]",
        "[\"a\",]",
        "[,]",
        "[\"a\"\"b\"]",
        "[1]",
        "[null]",
        "{}",
        "\"a\"",
        "null",
        "[\"\\u0061\"]",
        "[\"a\u{1}\"]",
        "[[\"a\"]]",
        "",
    ];
    let texts: &[(Set, &[&str])] = &[
        (|c, t| c.disclosed = t.into(), string_lists),
        (|c, t| c.subjects = t.into(), string_lists),
        (
            |c, t| c.stripped = t.into(),
            &[
                "[{\"path\":\"/x\",\"reason\":\"undeclared\"}]",
                "[{\"reason\":\"undeclared\",\"path\":\"/x\"}]",
                "[{\"path\":\"/x\",\"reason\":\"maybe\"}]",
                "[{\"path\":\"/x\",\"reason\":\"undeclared\",\"extra\":1}]",
                "[{\"path\":\"/x\",\"path\":\"/y\",\"reason\":\"undeclared\"}]",
                "[{\"path\":\"/x\"}]",
                "[{\"path\":null,\"reason\":\"undeclared\"}]",
                "[{\"path\":\"/x\",\"reason\":\"Undeclared\"}]",
            ],
        ),
        (
            |c, t| c.transformed = t.into(),
            &[
                "[{\"path\":\"/x\",\"transform\":\"mask\"}]",
                "[{\"transform\":\"mask\",\"path\":\"/x\"}]",
                "[{\"path\":\"/x\",\"transform\":7}]",
                "[{\"path\":\"/x\",\"transform\":\"mask\"},]",
            ],
        ),
        (
            |c, t| c.refusal = t.into(),
            &[
                "[{\"code\":\"no-agreement\",\"detail\":\"d\"}]",
                "[{\"detail\":\"d\",\"code\":\"no-agreement\"}]",
                "[{\"code\":\"no-such-code\",\"detail\":\"d\"}]",
                "[{\"code\":\"no-agreement\"}]",
            ],
        ),
        (
            |c, t| c.schema_sha256 = t.into(),
            &[
                "{}",
                "{\"a\":\"1\",\"b\":\"2\"}",
                "{\"b\":\"1\",\"a\":\"2\"}",
                "{\"a\":\"1\",\"a\":\"2\"}",
                "{\"a\":1}",
                "{\"a\":null}",
                "{\"\u{e000}\":\"1\",\"😀\":\"2\"}",
                "{\"😀\":\"2\",\"\u{e000}\":\"1\"}",
                "[]",
            ],
        ),
        (
            |c, t| c.lawful_basis = Some(t.into()),
            &[
                lb,
                "{\"article_6\":[\"a\"]}",
                "{}",
                "null",
                "{\"article_9\":[],\"article_6\":[\"a\"],\"article_10\":[\"b\"],\"statutory_gateway\":[\"c\"]}",
                "{\"article_6\":[\"a\"],\"article_9\":[],\"article_10\":[\"b\"],\"statutory_gateway\":[\"c\"],\"x\":[]}",
                "{\"article_6\":null,\"article_9\":[],\"article_10\":[\"b\"],\"statutory_gateway\":[\"c\"]}",
            ],
        ),
        (
            |c, t| c.emergency = Some(t.into()),
            &[
                em,
                "{\"basis\":\"b\",\"category\":\"c\",\"justification\":\"j\",\"review_state\":\"pending\"}",
                "{\"category\":\"c\",\"justification\":\"j\",\"review_state\":\"pending\"}",
                "{\"category\":\"c\",\"justification\":\"j\",\"review_state\":\"pending\",\"basis\":\"b\",\"x\":1}",
                "null",
            ],
        ),
        (
            |c, t| c.review = Some(t.into()),
            &[
                rv,
                "{\"decision\":\"d\",\"subject_told\":\"t\",\"revisit\":\"2027-01-01\",\"note\":\"n\",\"reviewer\":\"r\",\"amendment\":true}",
                "{\"decision\":\"d\",\"subject_told\":\"t\",\"note\":\"n\",\"reviewer\":\"r\",\"amendment\":false}",
                "{\"decision\":\"d\",\"subject_told\":\"t\",\"revisit\":null,\"note\":\"n\",\"reviewer\":\"r\",\"amendment\":0}",
                "{\"decision\":\"d\",\"subject_told\":\"t\",\"revisit\":nul,\"note\":\"n\",\"reviewer\":\"r\",\"amendment\":false}",
            ],
        ),
    ];
    for (set, texts) in texts {
        for t in *texts {
            edit(&|c| set(c, t));
        }
    }
    // Plain columns and enums.
    edit(&|c| c.kind = "Disclosure".into());
    edit(&|c| c.kind = "".into());
    edit(&|c| c.outcome = "maybe".into());
    edit(&|c| c.direction = Some("sideways".into()));
    edit(&|c| c.id = c.id.to_uppercase());
    edit(&|c| c.id = format!("urn:uuid:{}", c.id));
    edit(&|c| c.id = c.id.replace('-', ""));
    edit(&|c| c.id = "not a uuid".into());
    edit(&|c| c.in_reply_to = Some("nope".into()));
    edit(&|c| c.in_reply_to = c.in_reply_to.as_ref().map(|s| s.to_uppercase()));
    edit(&|c| c.seq = -1);
    edit(&|c| c.agreement_version = Some(-1));
    edit(&|c| c.agreement_version = Some(i64::from(u32::MAX) + 1));
    edit(&|c| c.agreement_version = None);
    edit(&|c| c.agreement_sha256 = None);
    edit(&|c| {
        c.agreement_id = None;
        c.agreement_version = None;
        c.agreement_sha256 = None;
    });
    edit(&|c| c.upstream_status = Some(65_536));
    edit(&|c| c.upstream_status = Some(-1));
    edit(&|c| c.upstream_status = Some(0));
    for c in &cases {
        never_differs(c);
    }
    // The writer's own forms stay on the fast path.
    let mut c = base.clone();
    c.lawful_basis = Some(lb.into());
    c.emergency = Some(em.into());
    c.review = Some(rv.into());
    same(&c);
}

type Edit<'a> = (&'a str, &'a dyn Fn(&mut Columns));

#[test]
fn a_column_that_does_not_decode_gets_no_fast_answer() {
    let base = Columns::from_record(&full());
    let edits: [Edit<'_>; 8] = [
        ("outcome", &|c| c.outcome = "maybe".into()),
        ("kind", &|c| c.kind = "note".into()),
        ("disclosed", &|c| c.disclosed = "not json".into()),
        ("stripped", &|c| c.stripped = "[{\"path\":\"/x\",\"reason\":\"why\"}]".into()),
        ("schema_sha256", &|c| c.schema_sha256 = "{\"a\":1}".into()),
        ("review", &|c| c.review = Some("{}".into())),
        ("agreement_id", &|c| c.agreement_sha256 = None),
        ("in_reply_to", &|c| c.in_reply_to = Some("x".into())),
    ];
    for (column, edit) in edits {
        let mut c = base.clone();
        edit(&mut c);
        assert!(fast(&c).is_none(), "{column}");
        assert_eq!(c.into_record().unwrap_err().column, column);
    }
}

#[test]
fn hashes_compare_as_lowercase_hex() {
    let bytes = b"{\"a\":1}";
    let hex = crate::digest::sha256_hex(bytes);
    assert!(hash_matches(bytes, &hex));
    assert!(!hash_matches(bytes, &hex.to_uppercase()));
    assert!(!hash_matches(bytes, &hex[..63]));
    assert!(!hash_matches(bytes, ""));
    assert!(!hash_matches(b"{\"a\":2}", &hex));
}

#[test]
fn a_plain_time_is_one_that_parse_time_accepts() {
    let mut checked = 0;
    for y in [1000, 1900, 1970, 1999, 2000, 2023, 2024, 2026, 2100, 2400, 9998] {
        for m in 0..=13 {
            for d in [0, 1, 28, 29, 30, 31, 32] {
                for hms in ["00:00:00", "23:59:59", "24:00:00", "12:60:00", "12:00:60"] {
                    let s = format!("{y:04}-{m:02}-{d:02}T{hms}.123456Z");
                    if time_is_plain(&s) {
                        assert!(parse_time(&s).is_some(), "{s}");
                        checked += 1;
                    } else if (1..=12).contains(&m)
                        && d >= 1
                        && !hms.contains("60")
                        && !hms.starts_with("24")
                    {
                        // Shape and ranges are fine: only an impossible day is refused.
                        assert!(parse_time(&s).is_none(), "{s}");
                    }
                }
            }
        }
    }
    assert!(checked > 1000);
    for s in [
        "2026-11-23T10:00:00.123456z",
        "2026-11-23t10:00:00.123456Z",
        "2026-11-23T10:00:00.12345Z",
        "2026-11-23T10:00:00.1234567Z",
        "2026-11-23T10:00:00Z",
        "2026-11-23 10:00:00.123456Z",
        "2026-11-23T10:00:00.123456+00:00",
        "+2026-11-23T10:00:00.123456Z",
        "2026-11-23T10:00:00.12345aZ",
        "0999-11-23T10:00:00.123456Z",
        "9999-12-31T10:00:00.123456Z",
        "",
    ] {
        assert!(!time_is_plain(s), "{s}");
    }
}
