//! Renders the transparency report as text, CSV or one self-contained HTML page with
//! inline SVG bar charts (no scripts, no external resources). The report holds only
//! counts keyed by agreement, flow, purpose, outcome, code and state; every key is
//! still escaped, since agreement ids come from files.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::audit::Report;

/// The report's sections in display order: (title, CSV name, counts).
fn sections(r: &Report) -> Vec<(&'static str, &'static str, &BTreeMap<String, u64>)> {
    vec![
        ("Records by kind", "kind", &r.by_kind),
        ("Transfers by recipient agency", "recipient", &r.by_recipient),
        ("Transfers by agreement", "agreement", &r.by_agreement),
        ("Transfers by flow", "flow", &r.by_flow),
        ("Transfers by purpose", "purpose", &r.by_purpose),
        ("Transfers by outcome", "outcome", &r.by_outcome),
        ("Refusals by code", "refusal-code", &r.refusals_by_code),
        ("Emergencies by category", "emergency-category", &r.emergencies.by_category),
        ("Emergencies by review state", "emergency-review-state", &r.emergencies.by_review_state),
        (
            "Subjects told (reviewed emergencies)",
            "emergency-subject-told",
            &r.emergencies.subject_told,
        ),
    ]
}

/// The period as given: `2026-03-01 to 2026-03-31 (inclusive)`.
fn period(r: &Report) -> String {
    let inclusive = if r.until_inclusive { " (inclusive)" } else { " (exclusive)" };
    format!("{} to {}{inclusive}", r.since, r.until)
}

/// The chain's state in a sentence.
fn chain(r: &Report) -> String {
    match &r.chain {
        Some(c) if c.ok => {
            format!("verified: {} live records, head seq {} {}", c.records, c.head_seq, c.head_hash)
        }
        Some(c) => format!(
            "BROKEN at seq {}: run `isagate audit verify`",
            c.first_bad_seq.map_or_else(|| "?".to_owned(), |s| s.to_string())
        ),
        None => "not checked".to_owned(),
    }
}

pub fn human(r: &Report) -> String {
    let mut s = format!(
        "transparency report {}\ngenerated {}\nchain {}\n{} transfers ({} records)\n",
        period(r),
        r.generated_at,
        chain(r),
        r.transfers,
        r.total
    );
    for line in r.archive.lines() {
        let _ = writeln!(s, "{line}");
    }
    let _ = writeln!(
        s,
        "{} emergency disclosures, {} reviews",
        r.emergencies.total, r.emergencies.reviews
    );
    for (title, _, counts) in sections(r) {
        if counts.is_empty() {
            continue;
        }
        let _ = writeln!(s, "\n{title}");
        for (k, v) in counts {
            let _ = writeln!(s, "  {k:<48} {v:>8}");
        }
    }
    s
}

fn csv_field(v: &str) -> String {
    if v.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v.to_owned()
    }
}

pub fn csv(r: &Report) -> String {
    let mut s = String::from("section,key,count\n");
    let _ = writeln!(s, "period,{},{}", csv_field(&r.since), csv_field(&r.until));
    let _ = writeln!(s, "generated,{},", csv_field(&r.generated_at));
    let _ = writeln!(s, "chain,{},", csv_field(&chain(r)));
    let _ = writeln!(s, "archive,{},", if r.archive.complete { "complete" } else { "INCOMPLETE" });
    let _ = writeln!(s, "total,transfers,{}", r.transfers);
    let _ = writeln!(s, "total,records,{}", r.total);
    let _ = writeln!(s, "total,emergencies,{}", r.emergencies.total);
    let _ = writeln!(s, "total,emergency-reviews,{}", r.emergencies.reviews);
    for (_, name, counts) in sections(r) {
        for (k, v) in counts {
            let _ = writeln!(s, "{name},{},{v}", csv_field(k));
        }
    }
    s
}

fn esc(v: &str) -> String {
    v.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn chart(title: &str, counts: &BTreeMap<String, u64>) -> String {
    let max = counts.values().copied().max().unwrap_or(1).max(1);
    let row = 22;
    let height = row * counts.len() + 4;
    let mut svg = format!(
        "<section><h2>{}</h2><svg role=\"img\" aria-label=\"{}\" width=\"760\" height=\"{height}\" \
         xmlns=\"http://www.w3.org/2000/svg\">",
        esc(title),
        esc(title)
    );
    for (i, (k, v)) in counts.iter().enumerate() {
        let y = i * row + 2;
        let w = (*v as f64 / max as f64 * 400.0).round().max(1.0);
        let _ = write!(
            svg,
            "<text x=\"0\" y=\"{}\" class=\"k\">{}</text><rect x=\"300\" y=\"{y}\" width=\"{w}\" height=\"16\" \
             class=\"b\"/><text x=\"{}\" y=\"{}\">{v}</text>",
            y + 13,
            esc(k),
            300.0 + w + 6.0,
            y + 13
        );
    }
    svg.push_str("</svg></section>\n");
    svg
}

pub fn html(r: &Report) -> String {
    let mut s = String::from(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>isagate transparency report</title>\n\
         <style>body{font-family:system-ui,sans-serif;margin:2em;max-width:52em;color:#222}\
         h1{font-size:1.5em}h2{font-size:1.1em;margin-top:1.5em}.b{fill:#3366aa}.k{font-size:12px}\
         text{font-size:12px;fill:#222}table{border-collapse:collapse}td{padding:.2em .8em}</style></head><body>\n",
    );
    let _ = writeln!(
        s,
        "<h1>Transparency report</h1><p>Period: {}. Counts only: this report holds no personal data.</p>\
         <p>Generated {}. Record chain {}.</p>",
        esc(&period(r)),
        esc(&r.generated_at),
        esc(&chain(r))
    );
    for line in r.archive.lines() {
        let _ = writeln!(s, "<p>{}</p>", esc(&line));
    }
    let _ = writeln!(
        s,
        "<table><tr><td>Transfers</td><td>{}</td></tr><tr><td>Records</td><td>{}</td></tr>\
         <tr><td>Emergency disclosures</td><td>{}</td></tr>\
         <tr><td>Emergency reviews</td><td>{}</td></tr></table>",
        r.transfers, r.total, r.emergencies.total, r.emergencies.reviews
    );
    for (title, _, counts) in sections(r) {
        if !counts.is_empty() {
            s.push_str(&chart(title, counts));
        }
    }
    s.push_str("</body></html>\n");
    s
}
