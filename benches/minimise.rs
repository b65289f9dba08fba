//! Parse + minimise + serialise, beside a plain `serde_json` parse + serialise of the
//! same bytes in the same run, for a ~1 KiB and a ~64 KiB referral. Also, for the
//! design record, the cost of `jsonschema`'s `evaluate()` (annotation collection) alone.
//!
//! `cargo bench --bench minimise`; figures in `docs/perf/minimise.md`.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "benchmark set-up fails loudly")]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use isagate::keys::{PseudonymisationKey, SecretKey};
use isagate::minimise::{minimise_owned, MinimiseOptions, SchemaPlan};
use serde_json::{json, Value};

fn schema() -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "required": ["referral_id", "subject"],
        "$defs": {
            "person": {
                "type": "object",
                "properties": {
                    "name": {"type": "string", "x-isagate-transform": "mask"},
                    "dob": {"type": "string", "format": "date", "x-isagate-transform": "age-band"},
                    "relationship": {"type": "string"},
                    "ethnicity": {"type": "string", "x-isagate-category": "ethnicity"}
                }
            },
            "address": {
                "type": "object",
                "properties": {
                    "line1": {"type": "string", "x-isagate-transform": "drop"},
                    "town": {"type": "string"},
                    "postcode": {"type": "string", "format": "uk-postcode", "x-isagate-transform": "postcode-district"}
                }
            }
        },
        "properties": {
            "referral_id": {"type": "string"},
            "received": {"type": "string", "format": "date-time"},
            "subject": {
                "allOf": [{"$ref": "#/$defs/person"}],
                "properties": {
                    "nhs_number": {"type": "string", "format": "nhs-number", "x-isagate-subject-id": "nhs-number", "x-isagate-transform": "pseudonymise"},
                    "address": {"$ref": "#/$defs/address"}
                }
            },
            "concern": {
                "type": "object",
                "properties": {
                    "kind": {"enum": ["neglect", "abuse", "self-harm"]},
                    "summary": {"type": "string"},
                    "health_notes": {"type": "string", "x-isagate-category": "health"}
                },
                "if": {"properties": {"kind": {"const": "self-harm"}}},
                "then": {"properties": {"risk_level": {"enum": ["low", "medium", "high"]}}}
            },
            "household": {"type": "array", "items": {"$ref": "#/$defs/person"}},
            "notes": {"type": "array", "items": {"type": "object", "properties": {
                "at": {"type": "string", "format": "date"},
                "by": {"type": "string"},
                "text": {"type": "string"}
            }}}
        }
    })
}

fn member(i: usize) -> Value {
    json!({
        "name": format!("Household Member {i}"),
        "dob": format!("19{:02}-0{}-1{}", 50 + i % 49, 1 + i % 9, i % 10),
        "relationship": "sibling",
        "ethnicity": "White British",
        "phone": "07700 900123"
    })
}

fn payload(members: usize, notes: usize) -> Vec<u8> {
    let v = json!({
        "referral_id": "REF-2026-000123",
        "received": "2026-11-23T09:15:00Z",
        "subject": {
            "name": "Jo Bloggs", "dob": "2011-04-05", "relationship": "self", "ethnicity": "Mixed",
            "nhs_number": "943 476 5919",
            "address": {"line1": "1 High Street", "town": "Liverpool", "postcode": "L1 8JQ"},
            "school": "St Mary's Primary"
        },
        "concern": {"kind": "self-harm", "summary": "Concern raised by school nurse", "health_notes": "n/a", "risk_level": "high"},
        "household": (0..members).map(member).collect::<Vec<_>>(),
        "notes": (0..notes).map(|i| json!({"at": "2026-11-20", "by": format!("SW{i:04}"), "text": "Home visit completed; follow-up agreed with family and school.", "internal": true})).collect::<Vec<_>>(),
        "caseworker_private": {"mobile": "07700 900456"}
    });
    serde_json::to_vec(&v).unwrap()
}

fn bench(c: &mut Criterion) {
    let plan = SchemaPlan::compile("referral.v1.json", &schema()).unwrap();
    let validator = isagate::minimise::formats::options().build(&schema()).unwrap();
    let key = PseudonymisationKey::new(SecretKey::from_base64(&"A".repeat(44)).unwrap())
        .for_recipient("ISA-1", "police");
    let opts = MinimiseOptions {
        article_9: false,
        article_10: false,
        pseudonym_key: Some(&key),
        today: jiff::civil::date(2026, 11, 23),
        apply_transforms: true,
        normal_plan: None,
    };
    let mut group = c.benchmark_group("minimise");
    for (label, bytes) in [("1KiB", payload(2, 2)), ("64KiB", payload(250, 270))] {
        eprintln!("{label}: {} bytes", bytes.len());
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_with_input(BenchmarkId::new("serde_roundtrip", label), &bytes, |b, bytes| {
            b.iter(|| {
                let v: Value = serde_json::from_slice(black_box(bytes)).unwrap();
                black_box(serde_json::to_vec(&v).unwrap())
            })
        });
        group.bench_with_input(
            BenchmarkId::new("parse_minimise_serialise", label),
            &bytes,
            |b, bytes| {
                b.iter(|| {
                    let v: Value = serde_json::from_slice(black_box(bytes)).unwrap();
                    let m = minimise_owned(&plan, v, &opts).unwrap();
                    black_box((serde_json::to_vec(&m.value).unwrap(), m.report.disclosed.len()))
                })
            },
        );
        group.bench_with_input(
            BenchmarkId::new("parse_evaluate_annotations", label),
            &bytes,
            |b, bytes| {
                b.iter(|| {
                    let v: Value = serde_json::from_slice(black_box(bytes)).unwrap();
                    let e = validator.evaluate(&v);
                    black_box(e.iter_annotations().count())
                })
            },
        );
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(3)).warm_up_time(std::time::Duration::from_secs(1));
    targets = bench
}
criterion_main!(benches);
