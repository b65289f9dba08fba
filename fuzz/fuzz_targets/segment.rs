//! Fuzz target for reading an archive segment as `audit verify` and subject access must:
//! record lines (the record's JSON form), then one signed trailer line
//! (`audit::archive::SegmentTrailer`).
//!
//! Input: a segment file. Properties: nothing panics; for every record line that parses,
//! the record's hash computed from the whole record equals the hash the store's writer
//! computes from its draft (`DraftBytes`), the record survives the store's columns
//! unchanged, and its JSON form reads back as the same record; a segment whose trailer
//! verifies (seed key) and whose lines hash to `records_sha256` is a contiguous, linked
//! chain of correct hashes from `from_seq` to `to_seq`.
#![no_main]

use base64::Engine as _;
use isagate::audit::archive::SegmentTrailer;
use isagate::audit::canonical::{record_hash, write_canonical, DraftBytes};
use isagate::audit::columns::Columns;
use isagate::audit::record::Record;
use isagate::digest::sha256_hex;
use libfuzzer_sys::fuzz_target;

/// The public half of the key that signed the seed corpus (its private half is not kept).
const SEED_KEY: &str = "MCowBQYDK2VwAyEAkv/SHh2zpc1UoEIVyq/jJ9N3EXZukgenzKJ1RF6BoXk=";

fn check_record(line: &str) {
    let Ok(record) = serde_json::from_str::<Record>(line) else { return };
    let Ok(hash) = record_hash(&record) else { return };
    match DraftBytes::new(&record.draft) {
        Ok(draft) => {
            let time = &record.time;
            let writer = draft.hash(&record.id.to_string(), &record.prev_hash, record.seq, time);
            assert_eq!(writer, hash, "the writer's hash and the verifier's hash differ");
        }
        Err(e) => panic!("the record hashes but its draft does not: {e}"),
    }
    if i64::try_from(record.seq).is_ok() {
        match Columns::from_record(&record).into_record() {
            Ok(back) => assert_eq!(back, record, "the record changes in the store's columns"),
            Err(e) => panic!("a record does not read back from its columns: {e}"),
        }
    }
    let text = match serde_json::to_string(&record) {
        Ok(t) => t,
        Err(e) => panic!("a record cannot be written: {e}"),
    };
    match serde_json::from_str::<Record>(&text) {
        Ok(back) => assert_eq!(back, record, "a record's JSON form reads back differently"),
        Err(e) => panic!("a record's JSON form does not read back: {e}"),
    }
}

/// The trailer's signature over the canonical JSON of its `segment`, with the seed key.
fn signed_by_seed(trailer: &SegmentTrailer) -> bool {
    let Ok(value) = serde_json::to_value(&trailer.segment) else { return false };
    let mut signed = Vec::new();
    if write_canonical(&value, &mut signed).is_err() {
        return false;
    }
    let b64 = &base64::engine::general_purpose::STANDARD;
    let (Ok(sig), Ok(der)) = (b64.decode(&trailer.sig), b64.decode(SEED_KEY)) else { return false };
    let raw = der.get(12..).unwrap_or_default();
    let key = aws_lc_rs::signature::UnparsedPublicKey::new(&aws_lc_rs::signature::ED25519, raw);
    key.verify(&signed, &sig).is_ok()
}

/// A segment whose trailer verifies and whose record lines hash to the trailer's
/// `records_sha256` is what `audit archive` wrote: every line is a record, `seq` runs
/// from `from_seq` to `to_seq`, each links to the one before, and each hash is right.
fn check_segment(text: &str, trailer_line: &str, records: &[&str]) {
    let Ok(trailer) = serde_json::from_str::<SegmentTrailer>(trailer_line) else { return };
    if !signed_by_seed(&trailer) {
        return;
    }
    let body_len = text.rfind(trailer_line).unwrap_or(0);
    if sha256_hex(&text.as_bytes()[..body_len]) != trailer.segment.records_sha256 {
        return;
    }
    let info = &trailer.segment;
    assert_eq!(records.len() as u64, info.count, "count differs from the lines");
    let mut prev = info.prev_hash.clone();
    for (i, line) in records.iter().enumerate() {
        let record: Record = match serde_json::from_str(line) {
            Ok(r) => r,
            Err(e) => panic!("a signed segment holds a line that is not a record: {e}"),
        };
        assert_eq!(record.seq, info.from_seq + i as u64, "seq is not contiguous");
        assert_eq!(record.prev_hash, prev, "the chain is broken inside a signed segment");
        assert_eq!(
            record_hash(&record).ok(),
            Some(record.hash.clone()),
            "a record's hash is wrong"
        );
        prev = record.hash;
    }
    assert_eq!(prev, info.head, "the last record is not the segment's head");
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let Some((trailer, records)) = lines.split_last() else { return };
    for line in records {
        check_record(line);
    }
    check_record(trailer);
    check_segment(text, trailer, records);
});
