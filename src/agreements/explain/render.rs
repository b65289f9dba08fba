//! The human view of a dry run: a header, the verdict and its reasons, then the payload
//! before and after side by side with, on each line, why a field was stripped or how it
//! was transformed, then a summary. Deterministic for a given report and width (golden
//! files); ANSI colour only when asked.

use std::collections::HashMap;
use std::fmt::Write as _;

use serde_json::Value;

use super::{ExplainReport, Verdict};
use crate::codes::Direction;
use crate::minimise::plan::push_segment;

const NOTE_WIDTH: usize = 34;
const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const YELLOW: &str = "\x1b[33m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

struct Paint(bool);

impl Paint {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.0 {
            format!("{code}{text}{RESET}")
        } else {
            text.to_owned()
        }
    }
}

enum Note {
    Stripped(String),
    Transformed(String),
}

struct Row {
    before: String,
    after: Option<String>,
    note: Option<Note>,
}

/// Render a report for a terminal `width` columns wide (at least 60 are used).
pub fn render_human(report: &ExplainReport, width: usize, colour: bool) -> String {
    let p = Paint(colour);
    let mut out = String::new();
    let direction = match report.direction {
        Direction::Request => "request",
        Direction::Response => "response",
    };
    let agreement = report
        .agreement
        .as_ref()
        .map_or_else(|| "(unknown agreement)".to_owned(), |a| format!("{} v{}", a.id, a.version));
    let _ = writeln!(
        out,
        "{}",
        p.paint(BOLD, &format!("Dry run: {agreement}, flow `{}` ({direction})", report.flow))
    );
    if let (Some(from), Some(to)) = (&report.parties.from, &report.parties.to) {
        let _ = writeln!(out, "From:     {from} -> {to}");
    }
    if let Some(category) = &report.emergency {
        let _ = writeln!(out, "Emergency: {category} (the category stands in for the purpose)");
    } else if let Some(purpose) = &report.purpose {
        let _ = writeln!(out, "Purpose:  {purpose}");
    }
    if let Some(schema) = &report.schema {
        let _ = writeln!(out, "Schema:   {schema}");
    }
    for (i, b) in report.lawful_basis.iter().enumerate() {
        let label = if i == 0 { "Basis:" } else { "" };
        // Never cut: the description is what a reviewer reads the code by.
        let _ = writeln!(out, "{label:<10}{}  {}", b.code, b.description);
    }
    let verdict = match report.verdict {
        Verdict::Allowed => p.paint(GREEN, "ALLOWED"),
        Verdict::Refused => p.paint(RED, "REFUSED"),
    };
    let _ = writeln!(out, "Verdict:  {verdict}");
    for r in &report.reasons {
        let _ = writeln!(out, "  - {}: {}", p.paint(RED, r.code.as_str()), r.detail);
    }
    if report.withheld {
        let _ =
            writeln!(out, "\nNo response schema: the body is withheld and only the status passes.");
    }
    if let Some(before) = &report.outcome.before {
        out.push('\n');
        table(&mut out, report, before, width.max(60), &p);
    }
    if report.allowed() && !report.withheld {
        let (m, subjects) = (&report.outcome.minimisation, &report.outcome.subjects);
        let _ = writeln!(
            out,
            "\nThe record would name {} disclosed path(s), {} stripped entry(ies) and {} transformed path(s), as schema paths (`--format json`).",
            m.disclosed.len(),
            m.stripped.len(),
            m.transformed.len()
        );
        if !m.stripped.is_empty() {
            // The record's form: schema text only, never the payload's own names.
            let entries: Vec<String> = m
                .stripped
                .iter()
                .map(|s| {
                    let path = if s.path.is_empty() { "(top level)" } else { s.path.as_str() };
                    format!("{path} {} ({})", s.reason, s.count.unwrap_or(1))
                })
                .collect();
            let _ = writeln!(out, "Recorded as stripped: {}", entries.join(", "));
        }
        if !subjects.is_empty() {
            let kinds: Vec<String> =
                subjects.iter().map(|s| format!("{} ({})", s.kind, s.count)).collect();
            let _ = writeln!(out, "Subjects: {}", kinds.join(", "));
        }
    }
    out
}

fn table(out: &mut String, report: &ExplainReport, before: &Value, width: usize, p: &Paint) {
    let outcome = &report.outcome;
    let col = (width - NOTE_WIDTH - 6) / 2;
    let stripped: HashMap<&str, String> = outcome
        .payload
        .stripped
        .iter()
        .map(|s| (s.path.as_str(), format!("stripped: {}", s.reason)))
        .collect();
    let transformed: HashMap<&str, &str> = outcome
        .payload
        .transformed
        .iter()
        .map(|t| (t.path.as_str(), t.transform.as_str()))
        .collect();
    let mut rows = Vec::new();
    let walker = Walker { stripped: &stripped, transformed: &transformed };
    walker.rows(before, outcome.after.as_ref(), "", &mut String::new(), 0, &mut rows);
    let after_title = match (report.allowed(), report.withheld) {
        (true, false) => "AFTER (what the recipient sees)",
        (true, true) => "AFTER (withheld)",
        (false, _) => "AFTER (refused: nothing is sent)",
    };
    let _ = writeln!(out, "{} | {} | WHY", pad("BEFORE (as received)", col), pad(after_title, col));
    let _ = writeln!(out, "{}-+-{}-+-{}", "-".repeat(col), "-".repeat(col), "-".repeat(NOTE_WIDTH));
    for row in rows {
        let note = match &row.note {
            Some(Note::Stripped(s)) => p.paint(RED, &fit(s, NOTE_WIDTH)),
            Some(Note::Transformed(t)) => p.paint(YELLOW, &fit(t, NOTE_WIDTH)),
            None => String::new(),
        };
        let after = row.after.as_deref().unwrap_or("");
        let line = format!("{} | {} | {note}", pad(&row.before, col), pad(after, col));
        let _ = writeln!(out, "{}", line.trim_end());
    }
}

struct Walker<'a> {
    stripped: &'a HashMap<&'a str, String>,
    transformed: &'a HashMap<&'a str, &'a str>,
}

impl Walker<'_> {
    /// Rows for `before` (and its counterpart `after`, absent when stripped), at `path`.
    fn rows(
        &self,
        before: &Value,
        after: Option<&Value>,
        label: &str,
        path: &mut String,
        indent: usize,
        rows: &mut Vec<Row>,
    ) {
        let pad = "  ".repeat(indent);
        let note = if let Some(s) = self.stripped.get(path.as_str()) {
            Some(Note::Stripped(s.clone()))
        } else {
            self.transformed.get(path.as_str()).map(|t| Note::Transformed((*t).to_owned()))
        };
        let after = if matches!(note, Some(Note::Stripped(_))) { None } else { after };
        let (open, close) = match before {
            Value::Object(m) if !m.is_empty() => ("{", "}"),
            Value::Array(a) if !a.is_empty() => ("[", "]"),
            scalar => {
                rows.push(Row {
                    before: format!("{pad}{label}{}", scalar),
                    after: after.map(|a| format!("{pad}{label}{a}")),
                    note,
                });
                return;
            }
        };
        let after_container = after.filter(|a| a.is_object() || a.is_array());
        rows.push(Row {
            before: format!("{pad}{label}{open}"),
            after: after.map(|a| {
                if after_container.is_some() {
                    format!("{pad}{label}{open}")
                } else {
                    format!("{pad}{label}{a}")
                }
            }),
            note,
        });
        match before {
            Value::Object(m) => {
                for (k, v) in m {
                    let len = path.len();
                    push_segment(path, k);
                    let child_after = after_container.and_then(|a| a.get(k));
                    let label = format!("{}: ", Value::String(k.clone()));
                    self.rows(v, child_after, &label, path, indent + 1, rows);
                    path.truncate(len);
                }
            }
            Value::Array(items) => {
                let mut j = 0;
                for (i, v) in items.iter().enumerate() {
                    let len = path.len();
                    path.push('/');
                    path.push_str(&i.to_string());
                    let child_after = if self.stripped.contains_key(path.as_str()) {
                        None
                    } else {
                        j += 1;
                        after_container.and_then(|a| a.get(j - 1))
                    };
                    self.rows(v, child_after, "", path, indent + 1, rows);
                    path.truncate(len);
                }
            }
            _ => {}
        }
        rows.push(Row {
            before: format!("{pad}{close}"),
            after: after_container.map(|_| format!("{pad}{close}")),
            note: None,
        });
    }
}

/// `text` cut to `width` characters, with `…` when cut.
fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let mut s: String = text.chars().take(width.saturating_sub(1)).collect();
    s.push('…');
    s
}

fn pad(text: &str, width: usize) -> String {
    let s = fit(text, width);
    let n = s.chars().count();
    s + &" ".repeat(width - n)
}
