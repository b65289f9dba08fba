//! Comparing one case's two answers: what `agreements explain --format json` said and
//! what the gateway did (its reply, the request the upstream received, the committed
//! record). Every difference becomes one line of a readable report.

use serde_json::{json, Value};

use super::cases::{self, Case, Expect};

/// What the gateway did with one case.
pub struct Live {
    pub status: u16,
    /// `reasons[0].code` of the problem document, when the reply is one.
    pub problem_code: Option<String>,
    /// The committed record the reply's disclosure id names, as JSON.
    pub record: Option<Value>,
    /// What the upstream received: path and query, body.
    pub upstream: Option<(String, Vec<u8>)>,
}

/// A differences list for one case.
pub struct Diff {
    pub lines: Vec<String>,
}

impl Diff {
    fn add(
        &mut self,
        what: &str,
        explain: impl std::fmt::Display,
        gateway: impl std::fmt::Display,
    ) {
        self.lines.push(format!("  {what}:\n    explain: {explain}\n    gateway: {gateway}"));
    }
}

fn show(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 600 {
        format!("{}… ({} chars)", &s[..600], s.len())
    } else {
        s
    }
}

fn show_opt(v: Option<&Value>) -> String {
    v.map_or_else(|| "(absent)".to_owned(), show)
}

/// The pointers where either side says it pseudonymised a value.
fn pseudonymised(lists: &[&Value]) -> Vec<String> {
    let mut out = Vec::new();
    for list in lists {
        for t in list.as_array().into_iter().flatten() {
            if t["transform"] == "pseudonymise" {
                if let Some(p) = t["path"].as_str() {
                    out.push(p.to_owned());
                }
            }
        }
    }
    out
}

/// Pseudonyms differ by key (explain's is thrown away): keep their shape only.
fn mask_pseudonyms(mut v: Value, pointers: &[String]) -> Value {
    for p in pointers {
        if let Some(slot) = v.pointer_mut(p) {
            let shape = match slot.as_str() {
                Some(s) if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) => {
                    "<pseudonym: 64 hex>".to_owned()
                }
                _ => format!("<not a pseudonym: {slot}>"),
            };
            *slot = Value::String(shape);
        }
    }
    v
}

/// A list of records' report entries, order-free.
fn sorted(v: &Value) -> Value {
    let mut items: Vec<Value> = v.as_array().cloned().unwrap_or_default();
    items.sort_by_key(Value::to_string);
    Value::Array(items)
}

fn empty_is_null(q: Option<&str>) -> Value {
    match q {
        Some(q) if !q.is_empty() => Value::String(q.to_owned()),
        _ => Value::Null,
    }
}

/// Compare one case. `explained` is explain's JSON document or why there is none.
pub fn compare(case: &Case, explained: &Result<Value, String>, live: &Live) -> Diff {
    let mut d = Diff { lines: Vec::new() };
    let gw_allowed = live.upstream.is_some();
    let gw_verdict = if gw_allowed { "allowed" } else { "refused" };
    let gw_code = if gw_allowed { None } else { live.problem_code.clone() };
    match case.expect {
        Expect::Allowed if !gw_allowed => d.lines.push(format!(
            "  the gateway refused ({} {}), the case expects it allowed",
            live.status,
            gw_code.as_deref().unwrap_or("-")
        )),
        Expect::Refused(code) if gw_code.as_deref() != Some(code) => d.lines.push(format!(
            "  the gateway answered {} {} ({gw_verdict}), the case expects `{code}`",
            live.status,
            gw_code.as_deref().unwrap_or("-")
        )),
        _ => {}
    }
    let e = match explained {
        Ok(e) => e,
        Err(why) => {
            d.lines.push(format!("  explain gave no answer: {why}"));
            return d;
        }
    };
    let e_verdict = e["verdict"].as_str().unwrap_or("?");
    let e_code = e["reasons"][0]["code"].as_str().map(str::to_owned);
    if e_verdict != gw_verdict {
        d.add("verdict", e_verdict, gw_verdict);
    }
    if (!gw_allowed || e_verdict == "refused") && e_code != gw_code {
        let e_side = match (&e_code, e["reasons"][0]["detail"].as_str()) {
            (Some(code), Some(detail)) => format!("{code} ({detail})"),
            (Some(code), None) => code.clone(),
            (None, _) => "-".to_owned(),
        };
        d.add(
            "problem code",
            e_side,
            format!("{} (status {})", gw_code.as_deref().unwrap_or("-"), live.status),
        );
    }
    let Some(record) = &live.record else {
        d.lines.push("  the gateway's reply named no committed record".to_owned());
        return d;
    };
    if let (Some(rc), Some(pc)) = (record["refusal"][0]["code"].as_str(), &gw_code) {
        if rc != pc {
            d.lines.push(format!("  the record says `{rc}`, the problem document `{pc}`"));
        }
    }
    if e_verdict != gw_verdict {
        // One side disclosed nothing: its lists are empty, and listing them adds nothing.
        return d;
    }
    // The lists the record keeps.
    for list in ["disclosed", "stripped", "transformed"] {
        let (want, got) = (sorted(&e[list]), sorted(&record[list]));
        if want != got {
            d.add(list, show(&want), show(&got));
        }
    }
    if gw_allowed {
        // What the recipient got.
        let (path_and_query, body) =
            live.upstream.as_ref().map(|(p, b)| (p.as_str(), b.as_slice())).unwrap_or_default();
        let pointers = pseudonymised(&[&e["payload"]["transformed"], &record["transformed"]]);
        let got = if body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(body).unwrap_or_else(|_| Value::String("<not JSON>".into()))
        };
        let want = mask_pseudonyms(e["after"].clone(), &pointers);
        let got = mask_pseudonyms(got, &pointers);
        if want != got {
            d.add(
                "body (explain's `after` vs what the upstream received)",
                show(&want),
                show(&got),
            );
        }
        let upstream_query = empty_is_null(path_and_query.split_once('?').map(|(_, q)| q));
        match e.get("query") {
            Some(q) => {
                let q = empty_is_null(q.as_str());
                if q != upstream_query {
                    d.add("query string forwarded", &q, &upstream_query);
                }
            }
            None if case.query().is_some() => {
                d.add("query string forwarded", "(no `query` member)", &upstream_query);
            }
            None => {}
        }
        // What the record names as the basis.
        for pointer in ["/agreement/id", "/flow", "/purpose"] {
            let (e_val, r_val) = (e.pointer(pointer), record.pointer(pointer));
            if e_val != r_val {
                d.add(&format!("record {pointer}"), show_opt(e_val), show_opt(r_val));
            }
        }
    }
    d
}

// ---- the comparison itself -------------------------------------------------------------

fn allowed_case() -> Case {
    cases::all().into_iter().find(|c| c.name == "referral allowed").unwrap()
}

fn explained(after: Value) -> Value {
    json!({
        "verdict": "allowed", "reasons": [], "agreement": {"id": "A"}, "flow": "f",
        "purpose": "p", "after": after, "query": null,
        "disclosed": ["/id", "/n"], "stripped": [],
        "transformed": [{"path": "/id", "transform": "pseudonymise"}]
    })
}

fn live(body: &Value, record_extra: &[(&str, Value)]) -> Live {
    let mut record = json!({
        "agreement": {"id": "A"}, "flow": "f", "purpose": "p",
        "disclosed": ["/n", "/id"], "stripped": [],
        "transformed": [{"path": "/id", "transform": "pseudonymise"}]
    });
    for (k, v) in record_extra {
        record[*k] = v.clone();
    }
    Live {
        status: 201,
        problem_code: None,
        record: Some(record),
        upstream: Some(("/v1/x".into(), serde_json::to_vec(body).unwrap())),
    }
}

/// The comparison must not be vacuous: equal answers pass (pseudonyms by shape,
/// lists in any order) and each kind of difference is reported.
#[test]
fn equal_answers_pass_and_each_difference_is_reported() {
    let case = allowed_case();
    let (p1, p2) = ("a".repeat(64), "b".repeat(64));
    let same = compare(
        &case,
        &Ok(explained(json!({"id": p1, "n": 1}))),
        &live(&json!({"id": p2, "n": 1}), &[]),
    );
    assert!(same.lines.is_empty(), "{:?}", same.lines);
    let checks: Vec<(Live, &str)> = vec![
        (live(&json!({"id": p2, "n": 2}), &[]), "body"),
        (live(&json!({"id": "raw-id", "n": 1}), &[]), "body"),
        (live(&json!({"id": p2, "n": 1}), &[("disclosed", json!(["/n"]))]), "disclosed"),
        (
            live(
                &json!({"id": p2, "n": 1}),
                &[("stripped", json!([{"path": "/x", "reason": "undeclared"}]))],
            ),
            "stripped",
        ),
        (live(&json!({"id": p2, "n": 1}), &[("flow", json!("g"))]), "record /flow"),
        (
            Live {
                upstream: None,
                problem_code: Some("schema-violation".into()),
                status: 422,
                ..live(&json!({}), &[])
            },
            "verdict",
        ),
    ];
    for (live, what) in checks {
        let d = compare(&case, &Ok(explained(json!({"id": p1, "n": 1}))), &live);
        assert!(d.lines.iter().any(|l| l.contains(what)), "`{what}` not reported: {:?}", d.lines);
    }
}
