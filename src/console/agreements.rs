//! `GET /console/agreements` (the loaded agreements: status, version, parties, owner,
//! dates with days left, findings) and `GET /console/agreements/{id}` (one agreement:
//! parties, dates, lawful basis in plain English, findings, per flow its route, purposes
//! and a field table for each direction from the compiled plans in force, and its
//! activation history from the governance records), from `GET /v1/agreements`'s handler.

use maud::{html, Markup};

use super::layout::{self, Section};
use super::{api, ConsoleError, Ctx};
use crate::admin::agreements::AgreementList;
use crate::admin::field_table::{Effect, FlowFields};
use crate::admin::ports::AgreementSummary;
use crate::codes::Direction;
use crate::minimise::transforms::{Category, Transform};

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
                        td { (a.dates.expires) br; (days(a.days.expires_in_days)) }
                        td { @if let (Some(r), Some(n)) = (&a.dates.review_by, a.days.review_in_days) { (r) br; (days(n)) } @else { "not set" } }
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
    let fields = ctx.state.agreements.fields(&a.id).unwrap_or_default();
    let history = history(ctx, &a.id).await?;
    let body = html! {
        p { (a.title) }
        dl.facts {
            (layout::row("Status", html! { (a.status) @if a.in_force { " (in force today)" } @else { " (not in force today)" } }))
            (layout::row("Version", html! { (a.version) }))
            (layout::row("Owner", html! { (a.owner) }))
            (layout::row("Parties", html! { (party_names(a).join(", ")) }))
            (layout::row("Effective from", html! { (a.dates.effective_from) }))
            (layout::row("Expires", html! { (a.dates.expires) " (" (days(a.days.expires_in_days)) ")" }))
            (layout::row("Review by", html! { (a.dates.review_by.as_deref().unwrap_or("not set")) }))
            (layout::row("Emergency sharing", html! { @if a.emergency { "allowed (contract section 6)" } @else { "not allowed" } }))
            (layout::row("Overrides restrictions", html! { (a.restrictions_override.as_deref().unwrap_or("no")) }))
            (layout::row("DPIA", html! { (a.dpia.as_deref().unwrap_or("not given")) }))
            (layout::row("Last made live", html! {
                @match &a.activity.last_activation {
                    Some(act) => { (act.time) " by " (act.actor.as_deref().unwrap_or("the gateway")) " (record " (act.record_id) ")" },
                    None => "no record names it (loaded at start-up)",
                }
            }))
            (layout::row("Last transfer", html! {
                @match &a.activity.last_transfer {
                    Some(t) => { (t.time) ", " (t.flow.as_deref().unwrap_or("flow not recorded")) ", " (t.outcome.as_str()) },
                    None => "none recorded",
                }
            }))
            (layout::row("File", html! { code { (a.file) } " sha256 " code { (a.sha256) } }))
        }
        h2 { "Lawful basis" }
        @if fields.lawful_basis.is_empty() { p { "No lawful basis code is given." } }
        dl.facts {
            @for b in &fields.lawful_basis {
                (layout::row(&b.code, html! { (b.description.as_deref().unwrap_or("no plain-English description: the code is not in the vocabulary")) " (" (b.kind.replace('_', " ")) ")" }))
            }
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
                @for t in fields.flows.iter().filter(|t| t.flow == f.id) { (field_table(t)) }
                p { a href={ "/console/explain?agreement=" (a.id) "&flow=" (f.id) } { "Try flow " (f.id) " in Explain" } }
            }
        }
        (history_table(&history))
    };
    Ok(layout::page(&format!("Agreement {}", a.id), Section::Agreements, ctx.actor, body))
}

/// One flow's field table in one direction.
fn field_table(t: &FlowFields) -> Markup {
    let (what, none) = match t.direction {
        Direction::Request => ("request (caller to recipient)", "No body is accepted."),
        Direction::Response => {
            ("response (recipient to caller)", "No body is returned: only the status passes.")
        }
    };
    html! {
        @match &t.schema {
            None => p { "Flow " (t.flow) ", " (what) ": " (none) },
            Some(schema) => table.fields {
                caption { "Fields of flow " (t.flow) ", " (what) ", from schema " code { (schema) } "; any other field is stripped" }
                thead { tr {
                    th scope="col" { "Field (schema path)" } th scope="col" { "Recipient gets" }
                    th scope="col" { "Category" } th scope="col" { "Transform" }
                } }
                tbody {
                    @if t.rows.is_empty() { tr { td colspan="4" { "The schema declares no field." } } }
                    @for r in &t.rows {
                        tr {
                            th scope="row" { code { (r.path) } }
                            td { (r.effect.as_str()) @if let Effect::Stripped(why) = &r.effect { ": " (why) } }
                            td { (r.category.map_or("none", Category::as_str)) }
                            td { (r.transform.map_or("none", Transform::as_str)) }
                        }
                    }
                }
            },
        }
    }
}

/// One `agreement-activated` or `agreement-withdrawn` governance record.
struct Change {
    time: String,
    action: String,
    version: String,
    by: String,
    trigger: String,
    widens: String,
    narrows: String,
    record_id: String,
}

/// Every activation record of agreement `id`, newest first.
async fn history(ctx: &Ctx<'_>, id: &str) -> Result<Vec<Change>, ConsoleError> {
    let records = ctx.state.ledger.governance_since(0).await.map_err(|e| {
        ConsoleError::Internal(format!("the governance records could not be read: {e}"))
    })?;
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::Null => "not known".to_owned(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let mut out: Vec<Change> = records
        .iter()
        .filter_map(|r| r.draft.governance.as_ref().map(|g| (r, g)))
        .filter(|(_, g)| {
            matches!(g["action"].as_str(), Some("agreement-activated" | "agreement-withdrawn"))
                && g["agreement"].as_str() == Some(id)
        })
        .map(|(r, g)| Change {
            time: r.time.clone(),
            action: text(&g["action"]).trim_start_matches("agreement-").to_owned(),
            version: text(&g["version"]),
            by: r.draft.actor.clone().unwrap_or_else(|| "the gateway".into()),
            trigger: text(&g["trigger"]),
            widens: text(&g["diff"]["widens"]),
            narrows: text(&g["diff"]["narrows"]),
            record_id: r.id.to_string(),
        })
        .collect();
    out.reverse();
    Ok(out)
}

fn history_table(changes: &[Change]) -> Markup {
    html! {
        h2 { "Activation history" }
        @if changes.is_empty() { p { "No record names this agreement going live or being withdrawn." } }
        @else {
            table {
                caption { "When this agreement went live or was withdrawn, newest first" }
                thead { tr {
                    th scope="col" { "When" } th scope="col" { "Change" } th.num scope="col" { "Version" }
                    th scope="col" { "By" } th scope="col" { "Trigger" } th.num scope="col" { "Widens" }
                    th.num scope="col" { "Narrows" } th scope="col" { "Record" }
                } }
                tbody {
                    @for c in changes {
                        tr {
                            th scope="row" { (c.time) } td { (c.action) } td.num { (c.version) }
                            td { (c.by) } td { (c.trigger) } td.num { (c.widens) } td.num { (c.narrows) }
                            td { code { (c.record_id) } }
                        }
                    }
                }
            }
        }
    }
}
