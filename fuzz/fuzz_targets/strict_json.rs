//! Fuzz target for the strict JSON parser: it must never panic, and whatever it accepts,
//! serde_json (correctly rounded) must read as the same value. Also checks the error
//! contract: offsets lie within the body. The fuzz crate turns on serde_json's
//! `float_roundtrip`, so both parsers (one serde_json in the build) round correctly.
#![no_main]

use isagate::json_strict::{parse, Limits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    match parse(data, &limits) {
        Ok(value) => {
            let reference: serde_json::Value = match serde_json::from_slice(data) {
                Ok(v) => v,
                Err(e) => panic!("strict accepted what serde_json refuses: {e}"),
            };
            assert_eq!(value, reference, "strict and serde_json read different values");
            // What we accept, we can write and read again unchanged.
            let written = serde_json::to_vec(&value).unwrap_or_default();
            assert_eq!(parse(&written, &limits).ok(), Some(value), "re-serialised body differs");
        }
        Err(e) => {
            if let Some(offset) = e.offset() {
                assert!(offset <= data.len(), "offset {offset} beyond body of {}", data.len());
            }
            let _ = e.code();
            let _ = e.to_string();
        }
    }
});
