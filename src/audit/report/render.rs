//! Renders the transparency report as text, CSV or one self-contained HTML page (the
//! governance console's template, `console::report`, which escapes every key: agreement
//! ids come from files). The report holds only counts keyed by agreement, flow, purpose,
//! outcome, code and state.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::audit::Report;

/// The report's sections in display order: one list for text, CSV and HTML.
pub struct Section<'r> {
    pub title: &'static str,
    /// The section's name in the CSV's first column.
    pub csv: &'static str,
    /// What the keys are (a chart's first column header).
    pub key: &'static str,
    pub counts: &'r BTreeMap<String, u64>,
}

pub fn sections(r: &Report) -> Vec<Section<'_>> {
    let s = |title, csv, key, counts| Section { title, csv, key, counts };
    let e = &r.emergencies;
    vec![
        s("Records by kind", "kind", "Kind", &r.by_kind),
        s("Transfers by recipient agency", "recipient", "Recipient", &r.by_recipient),
        s("Transfers by agreement", "agreement", "Agreement", &r.by_agreement),
        s("Transfers by flow", "flow", "Flow", &r.by_flow),
        s("Transfers by purpose", "purpose", "Purpose", &r.by_purpose),
        s("Transfers by outcome", "outcome", "Outcome", &r.by_outcome),
        s("Refusals by code", "refusal-code", "Refusal code", &r.refusals_by_code),
        s("Transfers by lawful basis", "lawful-basis", "Lawful basis", &r.by_lawful_basis),
        s("Emergencies by category", "emergency-category", "Category", &e.by_category),
        s(
            "Emergencies by review state",
            "emergency-review-state",
            "Review state",
            &e.by_review_state,
        ),
        s(
            "Subjects told (reviewed emergencies)",
            "emergency-subject-told",
            "Subject told",
            &e.subject_told,
        ),
    ]
}

/// The period as given: `2026-03-01 to 2026-03-31 (inclusive)`.
pub fn period(r: &Report) -> String {
    let inclusive = if r.until_inclusive { " (inclusive)" } else { " (exclusive)" };
    format!("{} to {}{inclusive}", r.since, r.until)
}

/// The chain's state in a sentence.
pub fn chain(r: &Report) -> String {
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
    for sec in sections(r) {
        if sec.counts.is_empty() {
            continue;
        }
        let _ = writeln!(s, "\n{}", sec.title);
        for (k, v) in sec.counts {
            let _ = writeln!(s, "  {k:<48} {v:>8}");
        }
    }
    if !r.lawful_basis.is_empty() {
        let _ = writeln!(s, "\nLawful-basis codes");
        for (code, description) in &r.lawful_basis {
            let _ = writeln!(s, "  {code}: {description}");
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
    for sec in sections(r) {
        for (k, v) in sec.counts {
            let _ = writeln!(s, "{},{},{v}", sec.csv, csv_field(k));
        }
    }
    for (code, description) in &r.lawful_basis {
        let _ =
            writeln!(s, "lawful-basis-description,{},{}", csv_field(code), csv_field(description));
    }
    s
}

/// One self-contained HTML page: the console's report template and stylesheet.
pub fn html(r: &Report) -> String {
    crate::console::report::standalone(r)
}
