//! `GET /console/agreements` (the loaded agreements: status, version, parties, owner,
//! dates with days left, findings) and `GET /console/agreements/{id}` (one agreement:
//! parties, dates, and per flow its route, purposes, schemas by direction and query
//! parameters), from `GET /v1/agreements`'s handler.
//!
//! Issue 13's register (lint findings with source lines, plain-English lawful bases,
//! activation history) will extend these two pages when its API exists.

use maud::{html, Markup};

use super::layout::{self, Section};
use super::{api, ConsoleError, Ctx};
use crate::admin::agreements::AgreementList;
use crate::admin::ports::AgreementSummary;

/// Days from today to a date (negative once passed), as words.
fn days(n: i64) -> String {
    match n {
        n if n < 0 => format!("{} days ago", -n),
        0 => "today".into(),
        n => format!("in {n} days"),
    }
}

async fn loaded(ctx: &Ctx<'_>) -> Result<AgreementList, ConsoleError> {
    api::answer(crate::admin::agreements::list(ctx.state).await).await
}

pub async fn list(ctx: &Ctx<'_>) -> Result<Markup, ConsoleError> {
    let list = loaded(ctx).await?;
    let body = html! {
        p { (list.agreements.len()) " agreements loaded." }
        table {
            caption { "Loaded agreements" }
            thead { tr {
                th scope="col" { "Agreement" } th scope="col" { "Status" } th.num scope="col" { "Version" }
                th scope="col" { "Parties" } th scope="col" { "Owner" } th scope="col" { "Expires" }
                th scope="col" { "Review by" } th scope="col" { "Findings" }
            } }
            tbody {
                @for a in &list.agreements {
                    tr {
                        th scope="row" { a href={ "/console/agreements/" (a.id) } { (a.id) } br; (a.title) }
                        td { (a.status) @if !a.in_force { br; span.warn { "not in force today" } } }
                        td.num { (a.version) }
                        td { (party_names(a).join(", ")) }
                        td { (a.owner) }
                        td { (a.expires) br; (days(a.expires_in_days)) }
                        td { @if let (Some(r), Some(n)) = (&a.review_by, a.review_in_days) { (r) br; (days(n)) } @else { "not set" } }
                        td { @if a.findings.is_empty() { "none" } @for f in &a.findings { (f.severity) ": " (f.message) br; } }
                    }
                }
            }
        }
    };
    Ok(layout::page("Agreements", Section::Agreements, ctx.actor, body))
}

/// Parties by display name (the configuration's), with their ids.
fn party_names(a: &AgreementSummary) -> Vec<String> {
    a.party_names
        .iter()
        .map(|p| if p.name == p.id { p.id.clone() } else { format!("{} ({})", p.name, p.id) })
        .collect()
}

pub async fn one(ctx: &Ctx<'_>) -> Result<Markup, ConsoleError> {
    let list = loaded(ctx).await?;
    let Some(a) = list.agreements.iter().find(|a| a.id == ctx.param()) else {
        return Err(ConsoleError::Refused {
            status: http::StatusCode::NOT_FOUND,
            detail: "no loaded agreement has this id; the Agreements page lists them".into(),
            reasons: vec![],
        });
    };
    let body = html! {
        p { (a.title) }
        dl.facts {
            (layout::row("Status", html! { (a.status) @if a.in_force { " (in force today)" } @else { " (not in force today)" } }))
            (layout::row("Version", html! { (a.version) }))
            (layout::row("Owner", html! { (a.owner) }))
            (layout::row("Parties", html! { (party_names(a).join(", ")) }))
            (layout::row("Effective from", html! { (a.effective_from) }))
            (layout::row("Expires", html! { (a.expires) " (" (days(a.expires_in_days)) ")" }))
            (layout::row("Review by", html! { (a.review_by.as_deref().unwrap_or("not set")) }))
            (layout::row("Emergency sharing", html! { @if a.emergency { "allowed (contract section 6)" } @else { "not allowed" } }))
            (layout::row("Overrides restrictions", html! { (a.restrictions_override.as_deref().unwrap_or("no")) }))
            (layout::row("DPIA", html! { (a.dpia.as_deref().unwrap_or("not given")) }))
            (layout::row("Last made live", html! {
                @match &a.last_activation {
                    Some(act) => { (act.time) " by " (act.actor.as_deref().unwrap_or("the gateway")) " (record " (act.record_id) ")" },
                    None => "no record names it (loaded at start-up)",
                }
            }))
            (layout::row("Last transfer", html! {
                @match &a.last_transfer {
                    Some(t) => { (t.time) ", " (t.flow.as_deref().unwrap_or("?")) ", " (t.outcome) },
                    None => "none recorded",
                }
            }))
            (layout::row("File", html! { code { (a.file) } " sha256 " code { (a.sha256) } }))
        }
        h2 { "Findings" }
        @if a.findings.is_empty() { p { "None." } }
        ul { @for f in &a.findings { li { (f.severity) " " code { (f.code) } ": " (f.message) } } }
        h2 { "Flows" }
        @for f in &a.flows {
            section aria-labelledby={ "flow-" (f.id) } {
                h3 id={ "flow-" (f.id) } { "Flow " code { (f.id) } }
                table {
                    caption { "What flow " (f.id) " allows" }
                    tbody {
                        tr { th scope="row" { "From, to" } td { (f.from) " → " (f.to) } }
                        tr { th scope="row" { "Route" } td { code { (f.method) " " (f.path) } } }
                        tr { th scope="row" { "Purposes" } td { (f.purposes.join(", ")) } }
                        tr { th scope="row" { "Request fields (caller to recipient)" } td {
                            @match &f.request_schema { Some(s) => { "as schema " code { (s) } " allows; every other field is stripped" }, None => "no body accepted" }
                        } }
                        tr { th scope="row" { "Response fields (recipient to caller)" } td {
                            @match &f.response_schema { Some(s) => { "as schema " code { (s) } " allows; every other field is stripped" }, None => "withheld: only the status passes" }
                        } }
                        tr { th scope="row" { "Query parameters" } td { @if f.query.is_empty() { "none" } @else { (f.query.join(", ")) } } }
                    }
                }
                p { a href={ "/console/explain?agreement=" (a.id) "&flow=" (f.id) } { "Try flow " (f.id) " in Explain" } }
            }
        }
    };
    Ok(layout::page(&format!("Agreement {}", a.id), Section::Agreements, ctx.actor, body))
}
