//! The scanner against the canonical writer: it accepts what the writer writes, refuses
//! every other form, and its eight-at-a-time string reading agrees with byte by byte.

use super::*;
use proptest::prelude::*;
use serde_json::json;

fn canon(v: &serde_json::Value) -> Vec<u8> {
    let mut out = Vec::new();
    super::super::write_canonical(v, &mut out).unwrap();
    out
}

/// Sorted by UTF-16 code units: U+1F600 is D83D DE00, before U+E000.
const NAMES: [&str; 5] = ["a", "b", "n", "\u{1f600}", "\u{e000}"];

#[test]
fn accepts_what_the_canonical_writer_writes() {
    let v = json!({"b": [1, -2, 0, {"x": null}], "a": "q\"\\\n\u{1}\u{7f}é\u{8}",
        "\u{e000}": true, "\u{1f600}": false, "n": 18446744073709551615u64});
    let bytes = canon(&v);
    assert!(is_canonical(&bytes));
    let m = members(&bytes, &NAMES, &[false; 5]).unwrap();
    assert_eq!(m.get(2), Some(&b"18446744073709551615"[..]));
    assert_eq!(first_element(m.get(1).unwrap()), Some(Some(&b"1"[..])));
    assert_eq!(m.get(3), Some(&b"false"[..]));
    assert_eq!(text(b"\"abc\""), Some(&b"abc"[..]));
    assert_eq!(opt_text(b"null"), Some(None));
    assert_eq!(member(br#"{"a":[1,{"b":2}],"id":"x"}"#, "id"), Some(&br#""x""#[..]));
    assert_eq!(member(br#"{"a":1}"#, "id"), None);
    // Long strings, with and without characters outside ASCII, at every offset.
    for n in 0..40 {
        for tail in ["", "é", "\u{1f600}", "\"", "\\", "\n"] {
            let s = format!("{}{tail}{}", "x".repeat(n), "y".repeat(n % 9));
            assert!(is_canonical(&canon(&json!({ "a": s }))), "{n} {tail:?}");
        }
    }
}

#[test]
fn members_are_exactly_the_names_given() {
    let optional = [false, true, false, false, true];
    let full = canon(&json!({"a": 1, "b": 2, "n": 3, "\u{1f600}": 4, "\u{e000}": 5}));
    assert!(members(&full, &NAMES, &optional).is_some());
    let without = canon(&json!({"a": 1, "n": 3, "\u{1f600}": 4}));
    let m = members(&without, &NAMES, &optional).unwrap();
    assert_eq!((m.get(1), m.get(2), m.get(4)), (None, Some(&b"3"[..]), None));
    for bad in [
        json!({"a": 1, "b": 2, "\u{e000}": 4}), // a required one missing
        json!({"a": 1, "n": 3, "o": 0, "\u{1f600}": 4}), // an unknown one
        json!({"a": 1, "n": 3, "\u{1f600}": 4, "\u{e001}": 1}), // one after the last
        json!({"n": 3, "\u{1f600}": 4}),        // the first missing
        json!({}),
        json!([1]),
    ] {
        assert!(members(&canon(&bad), &NAMES, &optional).is_none(), "{bad}");
    }
    // Twice, or out of order (not what the writer writes).
    for bad in [
        "{\"a\":1,\"a\":1,\"n\":3,\"\u{1f600}\":4}".as_bytes(),
        "{\"a\":1,\"n\":3,\"b\":2,\"\u{1f600}\":4}".as_bytes(),
    ] {
        assert!(members(bad, &NAMES, &optional).is_none());
    }
}

#[test]
fn refuses_every_other_form() {
    for bad in [
        &br#"{"a":1 }"#[..],
        br#"{"b":1,"a":2}"#,
        br#"{"a":1,"a":2}"#,
        br#"{"a":01}"#,
        br#"{"a":-0}"#,
        br#"{"a":-}"#,
        br#"{"a":1.5}"#,
        br#"{"a":1e3}"#,
        br#"{"a":"\/"}"#,
        br#"{"a":"\u0041"}"#,
        br#"{"a":"\u000A"}"#,
        br#"{"a":"\u000a"}"#,
        br#"{"a":"\u001F"}"#,
        b"{\"a\":\"\x01\"}",
        b"{\"a\":\"0123456789abcdef\x1f0123456789\"}",
        b"{\"a\":\"0123456789abcdef\xff0123456789\"}",
        b"{\"a\":\"0123456789\xc3\"}",
        b"{\"\xc3\xa9\xff\":1}",
        br#"{"a":99999999999999999999}"#,
        br#"{"a":-9999999999999999999}"#,
        br#"{"a":1}x"#,
        br#"{"a":[1,]}"#,
        br#"{"\u00e9":1}"#,
        // U+E000 sorts after U+1F600 in UTF-16.
        "{\"\u{e000}\":1,\"\u{1f600}\":2}".as_bytes(),
    ] {
        assert!(!is_canonical(bad), "{}", String::from_utf8_lossy(bad));
    }
    assert!(is_canonical(br#"{"a":-9223372036854775808,"b":18446744073709551615}"#));
    let deep = format!("{{\"a\":{}{}}}", "[".repeat(40), "]".repeat(40));
    assert!(!is_canonical(deep.as_bytes()));
}

/// The bytes a string holds as they are, one at a time.
fn plain_reference(s: &[u8]) -> (usize, bool) {
    let n = s.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20).unwrap_or(s.len());
    (n, !s[..n].is_ascii())
}

proptest! {
    #[test]
    fn plain_runs_agree_with_one_byte_at_a_time(
        s in proptest::collection::vec(prop_oneof![
            Just(b'"'), Just(b'\\'), 0u8..0x20, 0x20u8..0x80, 0x80u8..=0xff, Just(b'a')
        ], 0..40)
    ) {
        let (n, high) = plain_run(&s);
        let (whole, whole_high) = plain_reference(&s);
        // It stops at the first special byte or at the last whole eight before it.
        prop_assert_eq!(n, whole.min(s.len() / 8 * 8));
        prop_assert_eq!(high, !s[..n].is_ascii());
        if n == whole {
            prop_assert_eq!(high, whole_high);
        }
    }
}
