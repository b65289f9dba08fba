//! The strict JSON parser against its corpus (`tests/corpus/strict_json/`, verdict in each
//! file name), one targeted test per rule, a round-trip property, and the check that
//! `docs/problems.md` lists every refusal code and strip reason.

use std::path::PathBuf;

use isagate::codes::{RefusalCode, StripReason};
use isagate::json_strict::{parse, Limits, StrictError};
use proptest::prelude::*;
use serde_json::{json, Value};

use crate::support::repo;

fn strict(text: &str) -> Result<Value, StrictError> {
    parse(text.as_bytes(), &Limits::default())
}

/// What a corpus file name says the parser must do with its bytes.
#[derive(Debug)]
enum Expect {
    Accept,
    Refuse(String),
}

fn expectation(name: &str) -> Expect {
    let rest = name.strip_prefix("i_").unwrap_or(name);
    if rest.starts_with("y_") {
        return Expect::Accept;
    }
    let after = rest.strip_prefix("n_").unwrap_or_else(|| panic!("bad corpus name {name}"));
    let (code, _) = after.split_once('_').unwrap_or_else(|| panic!("no code in {name}"));
    Expect::Refuse(code.to_owned())
}

fn corpus() -> Vec<(String, Vec<u8>)> {
    let dir: PathBuf = repo().join("tests/corpus/strict_json");
    let mut cases: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect();
    cases.sort();
    cases
}

#[test]
fn corpus_cases_get_their_verdicts() {
    let cases = corpus();
    assert!(cases.len() >= 200, "only {} corpus cases", cases.len());
    let known: Vec<&str> = RefusalCode::ALL.iter().map(|c| c.as_str()).collect();
    let mut failures = Vec::new();
    for (name, bytes) in &cases {
        let got = parse(bytes, &Limits::default());
        match (expectation(name), &got) {
            (Expect::Accept, Ok(value)) => {
                // A body we accept has one reading: serde_json reads it the same way.
                let reference: Value = serde_json::from_slice(bytes).unwrap();
                if &reference != value {
                    failures.push(format!(
                        "{name}: accepted as {value} but serde_json reads {reference}"
                    ));
                }
            }
            (Expect::Refuse(code), Err(e)) => {
                assert!(known.contains(&code.as_str()), "{name}: unknown code {code}");
                if e.code().as_str() != code {
                    failures.push(format!("{name}: expected {code}, got {e:?}"));
                }
                if let Some(offset) = e.offset() {
                    if offset > bytes.len() {
                        failures.push(format!("{name}: offset {offset} beyond the body"));
                    }
                }
            }
            (expect, got) => failures.push(format!("{name}: expected {expect:?}, got {got:?}")),
        }
    }
    assert!(failures.is_empty(), "{} corpus failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn duplicate_keys_are_compared_after_decoding() {
    assert_eq!(strict(r#"{"a":1,"\u0061":2}"#), Err(StrictError::DuplicateKey { offset: 7 }));
    assert_eq!(strict(r#"{"é":1,"\u00e9":2}"#).unwrap_err().code(), RefusalCode::DuplicateKey);
    assert!(strict(r#"[{"a":1},{"a":1}]"#).is_ok());
    // serde_json alone would have kept the last one silently.
    assert_eq!(serde_json::from_str::<Value>(r#"{"a":1,"\u0061":2}"#).unwrap(), json!({"a":2}));
}

#[test]
fn invalid_utf8_is_refused_with_its_offset() {
    let body = b"{\"name\":\"caf\xe9\"}";
    assert_eq!(parse(body, &Limits::default()), Err(StrictError::InvalidUtf8 { offset: 12 }));
    assert_eq!(parse(b"[1,\xff]", &Limits::default()), Err(StrictError::InvalidUtf8 { offset: 3 }));
    // Valid UTF-8 in the wrong place is a syntax error.
    assert_eq!(
        parse("[1,\u{e9}]".as_bytes(), &Limits::default()),
        Err(StrictError::Syntax { offset: 3, what: "expected a value" })
    );
    assert_eq!(StrictError::InvalidUtf8 { offset: 0 }.code(), RefusalCode::MalformedJson);
}

#[test]
fn lone_surrogates_are_refused_and_pairs_accepted() {
    assert_eq!(strict(r#"["\ud800"]"#), Err(StrictError::LoneSurrogate { offset: 2 }));
    assert_eq!(strict(r#"["\udc00"]"#), Err(StrictError::LoneSurrogate { offset: 2 }));
    assert_eq!(strict(r#"{"k":"ab\ud800\u0041"}"#), Err(StrictError::LoneSurrogate { offset: 8 }));
    assert_eq!(strict(r#"["\ud83d\ude00"]"#).unwrap(), json!(["\u{1F600}"]));
    assert_eq!(strict(r#"["\ud800"]"#).unwrap_err().code(), RefusalCode::MalformedJson);
}

#[test]
fn a_byte_order_mark_is_refused() {
    assert_eq!(parse(b"\xef\xbb\xbf{}", &Limits::default()), Err(StrictError::ByteOrderMark));
    assert_eq!(StrictError::ByteOrderMark.code(), RefusalCode::MalformedJson);
    // U+FEFF inside a string is an ordinary character.
    assert_eq!(strict("[\"\u{feff}\"]").unwrap(), json!(["\u{feff}"]));
}

fn arrays(depth: usize) -> String {
    "[".repeat(depth) + &"]".repeat(depth)
}

#[test]
fn sixty_four_nested_containers_pass_and_sixty_five_do_not() {
    assert!(strict(&arrays(64)).is_ok());
    assert_eq!(strict(&arrays(65)), Err(StrictError::TooDeep { limit: 64 }));
    let objects = |d: usize| r#"{"a":"#.repeat(d - 1) + "{}" + &"}".repeat(d - 1);
    assert!(strict(&objects(64)).is_ok());
    assert_eq!(strict(&objects(65)).unwrap_err().code(), RefusalCode::TooDeep);
    let limits = Limits { max_depth: 3, ..Limits::default() };
    assert!(parse(b"[[[]]]", &limits).is_ok());
    assert_eq!(parse(b"[[[[]]]]", &limits), Err(StrictError::TooDeep { limit: 3 }));
}

#[test]
fn ten_thousand_deep_is_refused_without_overflowing_the_stack() {
    let deep = arrays(10_000);
    assert_eq!(strict(&deep), Err(StrictError::TooDeep { limit: 64 }));
    let unclosed = "[{\"a\":".repeat(5_000);
    assert_eq!(strict(&unclosed).unwrap_err().code(), RefusalCode::TooDeep);
}

#[test]
fn our_depth_limit_applies_not_jiters() {
    // jiter caps its own recursive readers at 200; the pull API has no cap, so ours rules
    // in both directions: 300 passes when configured, 65 fails by default.
    let limits = Limits { max_depth: 300, ..Limits::default() };
    assert!(parse(arrays(300).as_bytes(), &limits).is_ok());
    assert_eq!(parse(arrays(301).as_bytes(), &limits), Err(StrictError::TooDeep { limit: 300 }));
}

#[test]
fn size_is_checked_before_parsing() {
    let limits = Limits { max_bytes: 8, ..Limits::default() };
    assert!(parse(b"[1,2,33]", &limits).is_ok());
    assert_eq!(parse(b"[1,2,333]", &limits), Err(StrictError::TooLarge { limit: 8 }));
    // Garbage over the limit is "too large", not "malformed": nothing was parsed.
    assert_eq!(
        parse(b"\xff\xff\xff\xff\xff\xff\xff\xff\xff", &limits).unwrap_err().code(),
        RefusalCode::BodyTooLarge
    );
    let big = format!("[\"{}\"]", "x".repeat(Limits::DEFAULT_MAX_BYTES));
    assert_eq!(strict(&big), Err(StrictError::TooLarge { limit: 1_048_576 }));
    let fits = format!("\"{}\"", "x".repeat(Limits::DEFAULT_MAX_BYTES - 2));
    assert!(strict(&fits).is_ok());
}

#[test]
fn numbers_follow_the_exactness_rule() {
    assert_eq!(strict("9007199254740991").unwrap(), json!(9_007_199_254_740_991_u64));
    assert_eq!(strict("-9007199254740991").unwrap(), json!(-9_007_199_254_740_991_i64));
    assert_eq!(strict("9007199254740992"), Err(StrictError::NumberNotExact { offset: 0 }));
    assert_eq!(strict("[0, -9007199254740992]"), Err(StrictError::NumberNotExact { offset: 4 }));
    for good in ["1.0", "1e2", "1E+2", "-0", "0.1", "5e-324", "1e23", "12.50"] {
        assert!(strict(good).is_ok(), "{good}");
    }
    for bad in ["0.1000000000000000000001", "1e400", "1e-400", "18446744073709551616"] {
        assert_eq!(strict(bad).unwrap_err().code(), RefusalCode::NumberNotExact, "{bad}");
    }
    // Integer tokens become integers, every other token a double.
    assert!(strict("42").unwrap().is_u64());
    assert!(strict("-42").unwrap().is_i64());
    assert!(strict("1.0").unwrap().is_f64());
    assert!(strict("1e2").unwrap().is_f64());
    let negative_zero = strict("-0").unwrap().as_f64().unwrap();
    assert!(negative_zero == 0.0 && negative_zero.is_sign_negative());
}

#[test]
fn noncharacters_are_accepted() {
    assert_eq!(strict(r#"["\uffff","\udbff\udfff"]"#).unwrap(), json!(["\u{ffff}", "\u{10ffff}"]));
}

#[test]
fn any_value_may_be_the_top_level_and_nothing_may_follow() {
    assert_eq!(strict(" \"x\" ").unwrap(), json!("x"));
    assert_eq!(strict("null").unwrap(), Value::Null);
    assert_eq!(
        strict("1 2"),
        Err(StrictError::Syntax { offset: 2, what: "content after the value" })
    );
    assert_eq!(strict("").unwrap_err().code(), RefusalCode::MalformedJson);
}

#[test]
fn errors_never_echo_the_body() {
    let marker = "Zebedee-9434765919";
    let bodies = [
        format!(r#"{{"{marker}":1,"{marker}":2}}"#),
        format!(r#"["{marker}" "{marker}"]"#),
        format!(r#"["{marker}\ud800"]"#),
        format!(r#"{{"{marker}": {marker}}}"#),
        format!(r#"["{marker}", 123456789012345678901234567890]"#),
        format!("{}\"{marker}\"{}", "[".repeat(70), "]".repeat(70)),
        format!("[\"{marker}\u{1}\"]"),
    ];
    for body in &bodies {
        let err = strict(body).unwrap_err();
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("Zebedee") && !shown.contains("9434765919"), "{shown}");
    }
}

#[test]
fn a_64_kib_body_parses() {
    let item = json!({"nhs_number":"9434765919","name":"A Person","dob":"1980-01-02",
        "scores":[1,2.5,-3],"address":{"postcode":"L1 8JQ","lines":["1 Road","Town"]}});
    let mut items = Vec::new();
    while serde_json::to_vec(&items).unwrap().len() < 64 * 1024 {
        items.push(item.clone());
    }
    let body = serde_json::to_vec(&Value::Array(items.clone())).unwrap();
    assert_eq!(parse(&body, &Limits::default()).unwrap(), Value::Array(items));
}

fn safe_number() -> impl Strategy<Value = Value> {
    const MAX: i64 = (1 << 53) - 1;
    prop_oneof![
        (-MAX..=MAX).prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        (-1000i32..1000, 0u32..4)
            .prop_map(|(n, scale)| Value::from(f64::from(n) / 10f64.powi(scale as i32))),
    ]
}

fn any_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        safe_number(),
        any::<String>().prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::vec((any::<String>(), inner), 0..8)
                .prop_map(|members| Value::Object(members.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any value made of safe numbers survives serialise -> strict parse, compact or pretty.
    #[test]
    fn safe_values_round_trip(value in any_value()) {
        let compact = serde_json::to_vec(&value).unwrap();
        prop_assert_eq!(&parse(&compact, &Limits::default()).unwrap(), &value);
        let pretty = serde_json::to_vec_pretty(&value).unwrap();
        prop_assert_eq!(&parse(&pretty, &Limits::default()).unwrap(), &value);
    }

    /// Arbitrary bytes never panic; whatever is accepted, serde_json reads the same way.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        if let Ok(value) = parse(&bytes, &Limits::default()) {
            let reference: Value = serde_json::from_slice(&bytes).unwrap();
            prop_assert_eq!(value, reference);
        }
    }
}

#[test]
fn problems_doc_lists_every_code_and_strip_reason() {
    let doc = std::fs::read_to_string(repo().join("docs/problems.md")).unwrap();
    for code in RefusalCode::ALL {
        let cell = format!("| `{}` | {} |", code.as_str(), code.status());
        assert!(doc.contains(&cell), "docs/problems.md has no row starting {cell}");
    }
    for reason in StripReason::ALL {
        let cell = format!("| `{}` |", reason.as_str());
        assert!(doc.contains(&cell), "docs/problems.md has no row for strip reason {reason}");
    }
}
