//! Times the strict parser on 1 KiB and 64 KiB bodies of record-like JSON, beside
//! `serde_json::from_slice::<Value>` on the same bytes. Prints microseconds of this
//! thread's CPU time per parse (from `/proc/thread-self/schedstat`, so that other load on
//! a shared machine does not count), the best of five runs.

#[path = "../../src/codes.rs"]
#[allow(dead_code)]
mod codes;
#[path = "../../src/json_strict.rs"]
#[allow(dead_code)]
mod json_strict;

use serde_json::{json, Value};

fn body(size: usize) -> Vec<u8> {
    let item = json!({"nhs_number":"9434765919","name":"A Person","dob":"1980-01-02",
        "risk_score":0.75,"flags":[1,2,3],"notes":"referred by school nurse, seen twice",
        "address":{"postcode":"L1 8JQ","lines":["1 Road","Town"]},"open":true,"closed":null});
    let mut items = Vec::new();
    while serde_json::to_vec(&items).map_or(0, |b| b.len()) < size {
        items.push(item.clone());
    }
    serde_json::to_vec(&json!({"referrals": items})).unwrap_or_default()
}

/// Nanoseconds this thread has spent on a CPU.
fn cpu_nanos() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|n| n.parse().ok()))
        .unwrap_or(0.0)
}

fn time(label: &str, rounds: u32, f: impl Fn() -> bool) {
    let mut ok = true;
    let mut best = f64::INFINITY;
    for _ in 0..5 {
        let start = cpu_nanos();
        for _ in 0..rounds {
            ok &= f();
        }
        best = best.min((cpu_nanos() - start) / 1e3 / f64::from(rounds));
    }
    println!("{label:<28} {best:>9.2} us/parse{}", if ok { "" } else { "  (FAILED)" });
}

fn main() {
    let limits = json_strict::Limits::default();
    for (name, size, rounds) in [("1 KiB", 1024, 20_000), ("64 KiB", 64 * 1024, 1_000)] {
        let bytes = body(size);
        println!("{name} body ({} bytes)", bytes.len());
        time("  json_strict::parse", rounds, || json_strict::parse(&bytes, &limits).is_ok());
        time("  jiter skip", rounds, || jiter::Jiter::new(&bytes).next_skip().is_ok());
        time("  jiter JsonValue", rounds, || jiter::JsonValue::parse(&bytes, false).is_ok());
        time("  serde_json::from_slice", rounds, || {
            serde_json::from_slice::<Value>(&bytes).is_ok()
        });
    }
}
