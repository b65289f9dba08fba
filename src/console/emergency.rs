//! `GET /console/emergency` (the review queue, overdue ones marked; `?state=` as the
//! API's) and `POST /console/emergency/{id}/review` (record a review through
//! `POST /v1/emergency/{id}/review`'s handler: a chained record naming the reviewer
//! from the certificate). Each item shows what was disclosed: the record's schema paths
//! with their categories from the plans in force, never a value.

use bytes::Bytes;
use maud::{html, Markup};

use super::layout::{self, Section};
use super::{api, ConsoleError, Ctx};
use crate::admin::reviews::{Queue, ReviewRecorded};
use crate::emergency::queue::QueueItem;
use crate::emergency::review::{ReviewInput, DECISIONS, SUBJECT_TOLD};

/// The queue page, with `notice` (a review's outcome) above it.
pub async fn queue(ctx: &Ctx<'_>, notice: Option<Markup>) -> Result<Markup, ConsoleError> {
    let state = ctx.field("state").unwrap_or("pending").to_owned();
    let empty = Bytes::new();
    let call = api::call(ctx, vec![], vec![("state".into(), state.clone())], &empty);
    let q: Queue = api::answer(crate::admin::reviews::queue(ctx.state, &call).await).await?;
    let mut disclosed = Vec::with_capacity(q.disclosures.len());
    for d in &q.disclosures {
        disclosed.push(fields_of(ctx, &d.disclosure_id).await?);
    }
    let body = html! {
        @if let Some(n) = notice { (n) }
        form method="get" action="/console/emergency" {
            label for="state" { "Show " }
            select #state name="state" {
                @for s in ["pending", "reviewed", "all"] { option value=(s) selected[s == state] { (s) } }
            }
            " " button.secondary type="submit" { "Show" }
        }
        p { (q.disclosures.len()) " " (q.state) " emergency disclosures. A pending one is overdue after " (q.overdue_after_hours) " hours." }
        @if q.disclosures.is_empty() { p { "Nothing to review." } }
        @for (d, fields) in q.disclosures.iter().zip(&disclosed) { (item(ctx, d, fields.as_deref())) }
    };
    Ok(layout::page("Emergency reviews", Section::Emergency, ctx.actor, body))
}

/// The schema paths disclosure `id` disclosed, with their categories (`None`: the record
/// is not in the store, e.g. archived).
async fn fields_of(ctx: &Ctx<'_>, id: &str) -> Result<Option<Vec<(String, String)>>, ConsoleError> {
    let Ok(uuid) = id.parse::<uuid::Uuid>() else { return Ok(None) };
    let record = ctx.state.ledger.get(uuid).await.map_err(|e| {
        ConsoleError::Internal(format!("a disclosure record could not be read: {e}"))
    })?;
    Ok(record.map(|r| ctx.state.agreements.categories(&r.draft.schema_sha256, &r.draft.disclosed)))
}

/// What a disclosure disclosed: schema paths and categories, never values.
fn disclosed_table(id: &str, fields: Option<&[(String, String)]>) -> Markup {
    html! {
        @match fields {
            None => p { "What was disclosed is not at hand: the record is not in the store." },
            Some([]) => p { "No field was disclosed (the body was empty or entirely stripped)." },
            Some(rows) => table.fields {
                caption { "Fields disclosed by " code { (id) } " (schema paths and categories; values are never shown)" }
                thead { tr { th scope="col" { "Field (schema path)" } th scope="col" { "Category" } } }
                tbody { @for (path, category) in rows { tr { th scope="row" { code { (path) } } td { (category) } } } }
            },
        }
    }
}

fn item(ctx: &Ctx<'_>, d: &QueueItem, fields: Option<&[(String, String)]>) -> Markup {
    let id = &d.disclosure_id;
    html! {
        section.item aria-labelledby={ "d-" (id) } {
            h2 id={ "d-" (id) } {
                "Disclosure " code { (id) }
                @if d.status.overdue { " " span.overdue { "(overdue)" } }
            }
            dl.facts {
                (layout::row("Time", html! { (d.time) }))
                (layout::row("From, to", html! { (d.parties.from.as_deref().unwrap_or("?")) " → " (d.parties.to.as_deref().unwrap_or("?")) }))
                (layout::row("Category", html! { (d.emergency.category) }))
                (layout::row("Basis", html! { (d.emergency.basis) }))
                (layout::row("Justification given", html! { (d.emergency.justification) }))
                (layout::row("State", html! { (d.status.state) @if d.status.overdue { ", " span.overdue { "overdue" } } }))
            }
            (disclosed_table(id, fields))
            @if let Some(r) = &d.status.review { p { "Latest review: " (r.decision) ", subject " (r.subject_told) ", by " (r.reviewer) " at " (r.time) "." } }
            details open[d.status.state == "pending"] {
                summary { @if d.status.state == "pending" { "Review this disclosure" } @else { "Amend the review" } }
                form.stack method="post" action={ "/console/emergency/" (id) "/review" } {
                    (layout::token_field(ctx))
                    @if d.status.state != "pending" { input type="hidden" name="amendment" value="true"; }
                    label for={ "decision-" (id) } { "Decision" }
                    select id={ "decision-" (id) } name="decision" required {
                        @for v in DECISIONS { option value=(v) { (v) } }
                    }
                    label for={ "told-" (id) } { "Subject told" span.hint { "deferred needs a revisit date" } }
                    select id={ "told-" (id) } name="subject_told" required {
                        @for v in SUBJECT_TOLD { option value=(v) { (v) } }
                    }
                    label for={ "revisit-" (id) } { "Revisit on (only when deferred)" }
                    input id={ "revisit-" (id) } type="date" name="revisit";
                    label for={ "note-" (id) } { "Note" span.hint { "Why; no personal data" } }
                    textarea id={ "note-" (id) } name="note" rows="3" required {}
                    button type="submit" { "Record the review" }
                }
            }
        }
    }
}

pub async fn review(ctx: &Ctx<'_>) -> Result<Markup, ConsoleError> {
    let input = ReviewInput {
        decision: ctx.field("decision").unwrap_or_default().to_owned(),
        subject_told: ctx.field("subject_told").unwrap_or_default().to_owned(),
        revisit: ctx.field("revisit").map(str::to_owned),
        note: ctx.field("note").unwrap_or_default().to_owned(),
        amendment: ctx.field("amendment") == Some("true"),
    };
    let body = Bytes::from(serde_json::to_vec(&input).unwrap_or_default());
    let call = api::call(ctx, vec![ctx.param().to_owned()], vec![], &body);
    let result: Result<ReviewRecorded, _> =
        api::answer(crate::admin::reviews::review(ctx.state, &call).await).await;
    let notice = match result {
        Ok(r) => layout::done(&format!(
            "Review recorded as record {} ({}, subject {}).",
            r.review_id, r.decision, r.subject_told
        )),
        Err(e) => layout::problem(&e),
    };
    queue(ctx, Some(notice)).await
}
