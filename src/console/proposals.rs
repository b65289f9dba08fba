//! `GET /console/proposals` (the four-eyes queue: each proposal's files, its lint
//! findings with file and line, what it changes against the set in force and that
//! change's effect on recorded traffic), `POST /console/proposals` (propose by upload:
//! the changed agreement YAML and its schema files, `multipart/form-data`) and
//! `POST /console/proposals/{id}/decide` (approve or reject, with a note), through the
//! lifecycle API's handlers (`admin::proposals`): the same name checks, lint, four-eyes
//! rule (the proposer cannot approve when `governance.four_eyes` is on) and records.
//!
//! An upload whose lint finds errors is not proposed: the page shows the errors (file,
//! line, what to do) and records nothing. The API records such a proposal (its errors
//! block approval); the console asks for the files to be corrected first.

use std::collections::BTreeMap;

use bytes::Bytes;
use maud::{html, Markup};

use super::layout::{self, Section};
use super::{api, upload, ConsoleError, Ctx};
use crate::admin::ports::LintFinding;
use crate::admin::proposals::{Approved, Proposal, ProposalInput, ProposalList};
use crate::agreements::diff::{Diff, Impact};

fn effect(e: &impl serde::Serialize) -> String {
    serde_json::to_value(e).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// The queue, with `notice` (a decision's outcome) above it.
pub async fn list(ctx: &Ctx<'_>, notice: Option<Markup>) -> Result<Markup, ConsoleError> {
    let list: ProposalList = api::answer(crate::admin::proposals::list(ctx.state).await).await?;
    let body = html! {
        @if let Some(n) = notice { (n) }
        p { "Changed agreements wait here until a governance officer approves them." }
        (upload_form(ctx))
        h2 { "The queue" }
        @if list.proposals.is_empty() { p { "No proposals." } }
        @for p in &list.proposals { (one(ctx, p)) }
    };
    Ok(layout::page("Proposals", Section::Proposals, ctx.actor, body))
}

fn one(ctx: &Ctx<'_>, p: &Proposal) -> Markup {
    let id = &p.id;
    html! {
        section aria-labelledby={ "p-" (id) } {
            h3 id={ "p-" (id) } { "Proposal " code { (id) } " (" (p.state) ")" }
            dl.facts {
                (layout::row("Proposed", html! { (p.time) " by " (p.proposer) }))
                (layout::row("Note", html! { (p.note.as_deref().unwrap_or("none")) }))
                (layout::row("Files", html! { @for (f, _) in p.agreements.iter().chain(&p.schemas) { code { (f) } " " } }))
                (layout::row("Lint errors", html! { (p.errors) }))
                @if let Some(by) = &p.decided_by {
                    (layout::row("Decided", html! { (by) " at " (p.decided_at.as_deref().unwrap_or("")) ": " (p.decision_note.as_deref().unwrap_or("")) }))
                }
            }
            (findings_table(&p.findings))
            @if let Some(d) = &p.diff { (diff_table(d)) }
            @if let (Some(d), Some(i)) = (&p.diff, &p.impact) { (impact_table(d, i)) }
            @if p.state == "pending" {
                form.stack method="post" action={ "/console/proposals/" (id) "/decide" } {
                    (layout::token_field(ctx))
                    label for={ "note-" (id) } { "Note" span.hint { "Why you approve or reject it" } }
                    input id={ "note-" (id) } type="text" name="note";
                    button type="submit" name="decision" value="approve" { "Approve" }
                    " "
                    button.secondary type="submit" name="decision" value="reject" { "Reject" }
                }
            }
        }
    }
}

/// Approve or reject, as the form's pressed button says.
pub async fn decide(ctx: &Ctx<'_>) -> Result<Markup, ConsoleError> {
    let note = serde_json::json!({ "note": ctx.field("note") });
    let body = Bytes::from(note.to_string());
    let call = api::call(ctx, vec![ctx.param().to_owned()], vec![], &body);
    let notice = match ctx.field("decision") {
        Some("approve") => {
            let r: Result<Approved, _> =
                api::answer(crate::admin::proposals::approve(ctx.state, &call).await).await;
            r.map(|a| format!("Approved: the new set is live (record {}).", a.reload.record_id))
        }
        Some("reject") => {
            let r: Result<Proposal, _> =
                api::answer(crate::admin::proposals::reject(ctx.state, &call).await).await;
            r.map(|p| format!("Rejected proposal {}.", p.id))
        }
        _ => Err(ConsoleError::Form("choose Approve or Reject".into())),
    };
    let notice = match notice {
        Ok(text) => layout::done(&text),
        Err(e) => layout::problem(&e),
    };
    list(ctx, Some(notice)).await
}

/// The lint findings, each with its file, line and what to do.
fn findings_table(findings: &[LintFinding]) -> Markup {
    html! {
        @if !findings.is_empty() {
            table {
                caption { "Lint findings" }
                thead { tr { th scope="col" { "Where" } th scope="col" { "Severity" } th scope="col" { "Finding" } th scope="col" { "What to do" } } }
                tbody { @for f in findings { tr {
                    td { code { (f.file) ":" (f.line) } } td { (f.severity) } td { code { (f.code) } " " (f.message) } td { (f.help) }
                } } }
            }
        }
    }
}

/// What a proposal changes against the set in force.
fn diff_table(d: &Diff) -> Markup {
    html! {
        table {
            caption { "What it changes: " (d.summary.widens) " widen, " (d.summary.narrows) " narrow, " (d.summary.review) " to review, " (d.summary.neutral) " neutral" }
            thead { tr { th scope="col" { "Agreement" } th scope="col" { "Flow" } th scope="col" { "Effect" } th scope="col" { "Change" } } }
            tbody { @for f in &d.findings { tr {
                td { (f.agreement) } td { (f.flow.as_deref().unwrap_or("")) } td { (effect(&f.effect)) } td { (f.message) }
            } } }
        }
    }
}

/// The change replayed on the recorded traffic (counts only).
fn impact_table(d: &Diff, i: &Impact) -> Markup {
    let caption = format!(
        "Its impact on the {} transfers recorded in the {} days before it was proposed",
        i.replayed.transfers, i.replayed.days
    );
    let none = i.findings.is_empty() && i.would_refuse.is_empty() && i.cannot_tell.is_empty();
    html! {
        @if none {
            p { strong { (caption) } ": none of them is concerned." }
        } @else {
            table {
                caption { (caption) }
                thead { tr { th scope="col" { "Change or refusal" } th scope="col" { "Transfers" } th scope="col" { "At most" } } }
                tbody {
                    @for f in &i.findings { tr {
                        td { (d.findings.get(f.finding).map(|x| x.message.as_str()).unwrap_or("")) } td { (f.transfers) } td { (f.at_most) }
                    } }
                    @for w in &i.would_refuse { tr {
                        td { "would be refused: " code { (w.code) } } td { (w.transfers) } td { (w.at_most) }
                    } }
                    @for c in &i.cannot_tell { tr {
                        td { (c.agreement) ": " (c.why) } td { (c.transfers) } td { "cannot tell" }
                    } }
                }
            }
        }
    }
}

/// The form that proposes a change by upload.
fn upload_form(ctx: &Ctx<'_>) -> Markup {
    let kib = upload::MAX_FILE_BYTES / 1024;
    html! {
        section aria-labelledby="propose" {
            h2 #propose { "Propose a change" }
            form.stack method="post" action="/console/proposals" enctype="multipart/form-data" {
                (layout::token_field(ctx))
                label for="agreement-files" { "Changed agreements" span.hint { "One or more agreement files (" code { "*.yaml" } ", up to " (kib) " KiB each), named as in the agreements folder" } }
                input #agreement-files type="file" name="agreements" accept=".yaml" multiple required;
                label for="schema-files" { "Their schemas" span.hint { "Any changed or new schema files (" code { "*.json" } "), named as in the schemas folder" } }
                input #schema-files type="file" name="schemas" accept=".json" multiple;
                label for="propose-note" { "Note" span.hint { "What the change is for" } }
                input #propose-note type="text" name="note";
                button type="submit" { "Propose" }
            }
        }
    }
}

/// The uploaded files of `field`, by name: each UTF-8, each name once.
fn files_of(ctx: &Ctx<'_>, field: &str) -> Result<BTreeMap<String, String>, ConsoleError> {
    let mut out = BTreeMap::new();
    for f in ctx.files(field) {
        let text = f.text().map_err(|e| ConsoleError::Form(e.to_string()))?;
        if out.insert(f.name.clone(), text).is_some() {
            return Err(ConsoleError::Form(format!(
                "two files are named `{}`; send each file once",
                f.name
            )));
        }
    }
    Ok(out)
}

/// Propose the uploaded files: checked and linted by the lifecycle API's own steps;
/// recorded only when the lint finds no errors.
pub async fn propose(ctx: &Ctx<'_>) -> Result<Markup, ConsoleError> {
    let outcome = async {
        let input = ProposalInput {
            agreements: files_of(ctx, "agreements")?,
            schemas: files_of(ctx, "schemas")?,
            note: ctx.field("note").map(str::to_owned),
        };
        let checked = crate::admin::proposals::check(ctx.state, ctx.actor, input).await;
        let checked = match checked {
            Ok(c) => c,
            Err(e) => return Err(api::refusal(Err(e)).await),
        };
        if checked.proposal.errors > 0 {
            return Ok(refused_upload(&checked.proposal));
        }
        match crate::admin::proposals::record(ctx.state, checked).await {
            Ok(p) => Ok(layout::done(&format!(
                "Proposed: proposal {} waits for a governance officer's approval.",
                p.id
            ))),
            Err(e) => Err(api::refusal(Err(e)).await),
        }
    };
    let notice = outcome.await.unwrap_or_else(|e| layout::problem(&e));
    list(ctx, Some(notice)).await
}

/// Files whose lint found errors: what to correct, and that nothing was proposed.
fn refused_upload(p: &Proposal) -> Markup {
    html! {
        div.notice.bad role="alert" {
            p { strong { "Not proposed: " } "the files have " (p.errors) " lint errors. Correct them as the table says and upload them again; nothing was recorded." }
        }
        (findings_table(&p.findings))
        @if let Some(d) = &p.diff { (diff_table(d)) }
    }
}
