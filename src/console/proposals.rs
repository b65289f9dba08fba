//! `GET /console/proposals` (the four-eyes queue: each proposal's files, its lint
//! findings with file and line, what it changes against the set in force and that
//! change's effect) and `POST /console/proposals/{id}/approve` / `.../reject` (with a
//! note), through the lifecycle API's handlers (`admin::proposals`): the same four-eyes
//! rule (the proposer cannot approve when `governance.four_eyes` is on), the same records.
//!
//! Proposing (uploading changed files) stays on the command line for now
//! (`isagate agreements propose`): it needs a file upload, which this page does not take.

use bytes::Bytes;
use maud::{html, Markup};

use super::layout::{self, Section};
use super::{api, ConsoleError, Ctx};
use crate::admin::proposals::{Approved, Proposal, ProposalList};

fn effect(e: &impl serde::Serialize) -> String {
    serde_json::to_value(e).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// The queue, with `notice` (a decision's outcome) above it.
pub async fn list(ctx: &Ctx<'_>, notice: Option<Markup>) -> Result<Markup, ConsoleError> {
    let list: ProposalList = api::answer(crate::admin::proposals::list(ctx.state).await).await?;
    let body = html! {
        @if let Some(n) = notice { (n) }
        p { "Changed agreements wait here until a governance officer approves them. Propose a change with " code { "isagate agreements propose" } "." }
        @if list.proposals.is_empty() { p { "No proposals." } }
        @for p in &list.proposals { (one(ctx, p)) }
    };
    Ok(layout::page("Proposals", Section::Proposals, ctx.actor, body))
}

fn one(ctx: &Ctx<'_>, p: &Proposal) -> Markup {
    let id = &p.id;
    html! {
        section aria-labelledby={ "p-" (id) } {
            h2 id={ "p-" (id) } { "Proposal " code { (id) } " (" (p.state) ")" }
            dl.facts {
                (layout::row("Proposed", html! { (p.time) " by " (p.proposer) }))
                (layout::row("Note", html! { (p.note.as_deref().unwrap_or("none")) }))
                (layout::row("Files", html! { @for (f, _) in p.agreements.iter().chain(&p.schemas) { code { (f) } " " } }))
                (layout::row("Lint errors", html! { (p.errors) }))
                @if let Some(by) = &p.decided_by {
                    (layout::row("Decided", html! { (by) " at " (p.decided_at.as_deref().unwrap_or("")) ": " (p.decision_note.as_deref().unwrap_or("")) }))
                }
            }
            @if !p.findings.is_empty() {
                table {
                    caption { "Lint findings" }
                    thead { tr { th scope="col" { "Where" } th scope="col" { "Severity" } th scope="col" { "Finding" } th scope="col" { "What to do" } } }
                    tbody { @for f in &p.findings { tr {
                        td { code { (f.file) ":" (f.line) } } td { (f.severity) } td { code { (f.code) } " " (f.message) } td { (f.help) }
                    } } }
                }
            }
            @if let Some(d) = &p.diff {
                table {
                    caption { "What it changes: " (d.summary.widens) " widen, " (d.summary.narrows) " narrow, " (d.summary.review) " to review, " (d.summary.neutral) " neutral" }
                    thead { tr { th scope="col" { "Agreement" } th scope="col" { "Flow" } th scope="col" { "Effect" } th scope="col" { "Change" } } }
                    tbody { @for f in &d.findings { tr {
                        td { (f.agreement) } td { (f.flow.as_deref().unwrap_or("")) } td { (effect(&f.effect)) } td { (f.message) }
                    } } }
                }
            }
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
