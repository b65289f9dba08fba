//! The diff (and its impact) for people: `human` for a terminal, `markdown` for a change
//! request. The `json` form is [`DiffReport`] itself (documented in `docs/diff.md`).
//! Counts only: nothing here comes from a record but numbers.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::impact::{CannotTell, Impact, WouldRefuse};
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
        render_impact(&mut out, impact, &HUMAN);
    }
    out
}

/// How one output form words the impact section: the section's layout is
/// [`render_impact`]'s alone.
struct ImpactForm {
    heading: fn(&Impact) -> String,
    refuses_none: &'static str,
    refuses_head: &'static str,
    refuses_row: fn(&WouldRefuse) -> String,
    cannot_tell_head: &'static str,
    cannot_tell_row: fn(&CannotTell) -> String,
}

/// For a terminal.
const HUMAN: ImpactForm = ImpactForm {
    heading: |impact| format!("\nimpact on recorded traffic, {}", window(impact)),
    refuses_none: "  the new set would refuse none of them",
    refuses_head: "  the new set would refuse:",
    refuses_row: |r| format!("    {:<24} {}", r.code, refused(r.transfers, r.at_most)),
    cannot_tell_head: "  cannot tell from records:",
    cannot_tell_row: |c| {
        let flow = c.flow.as_deref().map(|f| format!(" flow `{f}`")).unwrap_or_default();
        format!(
            "    {:<24} {} under {}{flow}: {}",
            c.code,
            plural(c.transfers, "transfer"),
            c.agreement,
            c.why
        )
    },
};

/// For a change request.
const MARKDOWN: ImpactForm = ImpactForm {
    heading: |impact| format!("\n## Impact on recorded traffic\n\nThe {}.\n", window(impact)),
    refuses_none: "The new set would refuse none of them.",
    refuses_head: "| the new set would refuse | transfers |\n|---|---|",
    refuses_row: |r| format!("| `{}` | {} |", r.code, refused(r.transfers, r.at_most)),
    cannot_tell_head:
        "\n| cannot tell from records | agreement | flow | transfers | why |\n|---|---|---|---|---|",
    cannot_tell_row: |c| {
        let flow = c.flow.as_deref().map(|f| format!("`{f}`")).unwrap_or_default();
        format!(
            "| `{}` | `{}` | {flow} | {} | {} |",
            c.code,
            c.agreement,
            c.transfers,
            cell(&c.why)
        )
    },
};

/// The impact section in `form`.
fn render_impact(out: &mut String, impact: &Impact, form: &ImpactForm) {
    let _ = writeln!(out, "{}", (form.heading)(impact));
    if impact.would_refuse.is_empty() {
        let _ = writeln!(out, "{}", form.refuses_none);
    } else {
        let _ = writeln!(out, "{}", form.refuses_head);
        for r in &impact.would_refuse {
            let _ = writeln!(out, "{}", (form.refuses_row)(r));
        }
    }
    if !impact.cannot_tell.is_empty() {
        let _ = writeln!(out, "{}", form.cannot_tell_head);
        for c in &impact.cannot_tell {
            let _ = writeln!(out, "{}", (form.cannot_tell_row)(c));
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
    let r = &impact.replayed;
    format!(
        "last {} ({} to {}): {} and {} replayed",
        plural(u64::from(r.days), "day"),
        r.since,
        r.until,
        plural(r.transfers, "transfer"),
        plural(r.responses, "response")
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
        render_impact(&mut out, impact, &MARKDOWN);
    }
    out
}

/// Text safe inside a markdown table cell.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}
