//! The diff (and its impact) for people: `human` for a terminal, `markdown` for a change
//! request. The `json` form is [`DiffReport`] itself (documented in `docs/diff.md`).
//! Counts only: nothing here comes from a record but numbers.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::impact::Impact;
use super::{Diff, Finding};

/// The whole answer of `agreements diff`: the diff and, when a store was read, its impact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffReport {
    #[serde(flatten)]
    pub diff: Diff,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impact: Option<Impact>,
}

/// Where a finding sits: the flow (or emergency clause) and direction.
fn place(f: &Finding) -> String {
    let mut out = match (&f.flow, f.emergency_clause) {
        (_, true) => "emergency clause".to_owned(),
        (Some(flow), false) => format!("flow `{flow}`"),
        (None, false) => String::new(),
    };
    if let Some(d) = f.direction {
        if !out.is_empty() {
            out.push_str(", ");
        }
        out.push_str(d.as_str());
    }
    out
}

/// "12", "at most 3", "12, and at most 3 more", or nothing.
fn count(report: &DiffReport, index: usize) -> Option<String> {
    let i = report.impact.as_ref()?.findings.iter().find(|x| x.finding == index)?;
    Some(match (i.transfers, i.at_most) {
        (n, 0) => n.to_string(),
        (0, m) => format!("at most {m}"),
        (n, m) => format!("{n}, and at most {m} more"),
    })
}

fn headline(diff: &Diff) -> String {
    let s = &diff.summary;
    if diff.findings.is_empty() {
        return "no change to what may be disclosed".to_owned();
    }
    format!(
        "{} widen, {} narrow, {} neutral, {} changed, review",
        s.widens, s.narrows, s.neutral, s.review
    )
}

/// For a terminal.
pub fn render_human(report: &DiffReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "agreements diff: {}", headline(&report.diff));
    let mut last: Option<(&str, String)> = None;
    for (i, f) in report.diff.findings.iter().enumerate() {
        let here = (f.agreement.as_str(), place(f));
        if last.as_ref().map(|l| l.0) != Some(here.0) {
            let _ = writeln!(out, "\n{}", f.agreement);
        }
        if last.as_ref() != Some(&here) && !here.1.is_empty() {
            let _ = writeln!(out, "  {}", here.1);
        }
        let indent = if here.1.is_empty() { "  " } else { "    " };
        let _ = writeln!(out, "{indent}{:<16} {}", f.effect.label(), f.message);
        if let Some(n) = count(report, i) {
            let _ = writeln!(out, "{indent}{:<16} past transfers: {n}", "");
        }
        last = Some(here);
    }
    if let Some(impact) = &report.impact {
        render_impact_human(&mut out, impact);
    }
    out
}

fn render_impact_human(out: &mut String, impact: &Impact) {
    let _ = writeln!(out, "\nimpact on recorded traffic, {}", window(impact));
    if impact.would_refuse.is_empty() {
        let _ = writeln!(out, "  the new set would refuse none of them");
    } else {
        let _ = writeln!(out, "  the new set would refuse:");
        for r in &impact.would_refuse {
            let _ = writeln!(out, "    {:<24} {}", r.code, refused(r.transfers, r.at_most));
        }
    }
    if !impact.cannot_tell.is_empty() {
        let _ = writeln!(out, "  cannot tell from records:");
        for c in &impact.cannot_tell {
            let flow = c.flow.as_deref().map(|f| format!(" flow `{f}`")).unwrap_or_default();
            let _ = writeln!(
                out,
                "    {:<24} {} under {}{flow}: {}",
                c.code,
                plural(c.transfers, "transfer"),
                c.agreement,
                c.why
            );
        }
    }
}

fn refused(transfers: u64, at_most: u64) -> String {
    let n = plural(transfers, "transfer");
    if at_most == 0 {
        n
    } else {
        format!("{n} ({at_most} of them matched by route template only: at most)")
    }
}

/// `last 30 days (since to until): 6 transfers and 0 responses replayed`.
fn window(impact: &Impact) -> String {
    format!(
        "last {} ({} to {}): {} and {} replayed",
        plural(u64::from(impact.days), "day"),
        impact.since,
        impact.until,
        plural(impact.transfers, "transfer"),
        plural(impact.responses, "response")
    )
}

/// `1 transfer`, `2 transfers`.
fn plural(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("{n} {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// For a change request.
pub fn render_markdown(report: &DiffReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Agreements diff\n\n{}", headline(&report.diff));
    let with_impact = report.impact.is_some();
    let mut last: Option<&str> = None;
    for (i, f) in report.diff.findings.iter().enumerate() {
        if last != Some(f.agreement.as_str()) {
            let _ = writeln!(out, "\n## `{}`\n", f.agreement);
            if with_impact {
                let _ = writeln!(
                    out,
                    "| effect | where | change | past transfers |\n|---|---|---|---|"
                );
            } else {
                let _ = writeln!(out, "| effect | where | change |\n|---|---|---|");
            }
            last = Some(&f.agreement);
        }
        let effect = match f.effect {
            super::Effect::Widens => "**widens**".to_owned(),
            other => other.label().to_owned(),
        };
        let at = place(f);
        let at = if at.is_empty() { "agreement".to_owned() } else { at };
        let _ = write!(out, "| {effect} | {} | {} |", cell(&at), cell(&f.message));
        if with_impact {
            let _ = write!(out, " {} |", count(report, i).unwrap_or_default());
        }
        out.push('\n');
    }
    if let Some(impact) = &report.impact {
        let _ = writeln!(out, "\n## Impact on recorded traffic\n\nThe {}.\n", window(impact));
        if impact.would_refuse.is_empty() {
            let _ = writeln!(out, "The new set would refuse none of them.");
        } else {
            let _ = writeln!(out, "| the new set would refuse | transfers |\n|---|---|");
            for r in &impact.would_refuse {
                let _ = writeln!(out, "| `{}` | {} |", r.code, refused(r.transfers, r.at_most));
            }
        }
        if !impact.cannot_tell.is_empty() {
            let _ = writeln!(out, "\n| cannot tell from records | agreement | flow | transfers | why |\n|---|---|---|---|---|");
            for c in &impact.cannot_tell {
                let flow = c.flow.as_deref().map(|f| format!("`{f}`")).unwrap_or_default();
                let _ = writeln!(
                    out,
                    "| `{}` | `{}` | {flow} | {} | {} |",
                    c.code,
                    c.agreement,
                    c.transfers,
                    cell(&c.why)
                );
            }
        }
    }
    out
}

/// Text safe inside a markdown table cell.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}
