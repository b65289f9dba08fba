//! `GET /console/subject` (the search form) and `POST /console/subject` (the answer):
//! every disclosure about one person, archived segments included, other people's hashes
//! redacted, agencies by name, through `POST /v1/audit/subject`'s handler. The id travels
//! in the POST body only; the page shows the identifier's type and keyed hash, never the
//! identifier. The print stylesheet drops navigation and forms, so the browser's Print
//! gives the answer to send.

use bytes::Bytes;
use maud::{html, Markup};

use super::layout::{self, Section};
use super::{api, ConsoleError, Ctx};
use crate::admin::audit::SubjectResult;
use crate::audit::ArchiveCoverage;
use crate::minimise::SUBJECT_ID_TYPES;

fn form_markup(ctx: &Ctx<'_>) -> Markup {
    html! {
        form.stack method="post" action="/console/subject" {
            (layout::token_field(ctx))
            label for="type" { "Identifier type" }
            select #type name="type" required {
                @for t in SUBJECT_ID_TYPES { option value=(t) selected[ctx.field("type") == Some(*t)] { (t) } }
            }
            label for="id" { "Identifier" span.hint { "Sent in the form's body only: it never appears in an address, a log or this page" } }
            input #id type="text" name="id" required autocomplete="off";
            button type="submit" { "Search" }
        }
    }
}

pub fn form(ctx: &Ctx<'_>) -> Markup {
    let body = html! {
        p { "Find every disclosure about one person (UK GDPR Article 15), archived records included." }
        (form_markup(ctx))
    };
    layout::page("Subject access", Section::Subject, ctx.actor, body)
}

/// The identifier the form names, as the API's bodies take it: `{type, id}` (sent in a
/// body only, never in an address).
pub fn identifier(ctx: &Ctx<'_>) -> serde_json::Map<String, serde_json::Value> {
    let mut m = serde_json::Map::new();
    for name in ["type", "id"] {
        m.insert(name.to_owned(), ctx.field(name).unwrap_or_default().into());
    }
    m
}

pub async fn search(ctx: &Ctx<'_>) -> Result<Markup, ConsoleError> {
    let body = Bytes::from(serde_json::Value::Object(identifier(ctx)).to_string());
    let call = api::call(ctx, vec![], vec![], &body);
    let result: Result<SubjectResult, _> =
        api::answer(crate::admin::audit::subject(ctx.state, &call).await).await;
    let body = match result {
        Err(e) => html! { (layout::problem(&e)) (form_markup(ctx)) },
        Ok(r) => html! {
            (answer(ctx, &r))
            h2.noprint { "Search again" }
            (form_markup(ctx))
        },
    };
    Ok(layout::page("Subject access", Section::Subject, ctx.actor, body))
}

fn text<'v>(v: &'v serde_json::Value, key: &str) -> &'v str {
    v.get(key).and_then(serde_json::Value::as_str).unwrap_or("")
}

fn agency(ctx: &Ctx<'_>, id: &str) -> String {
    ctx.state.agency_names.get(id).cloned().unwrap_or_else(|| id.to_owned())
}

fn list(v: &serde_json::Value, key: &str, field: Option<&str>) -> String {
    v.get(key)
        .and_then(serde_json::Value::as_array)
        .map(|items| {
            items
                .iter()
                .map(|i| match field {
                    Some(f) => text(i, f),
                    None => i.as_str().unwrap_or(""),
                })
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

fn answer(ctx: &Ctx<'_>, r: &SubjectResult) -> Markup {
    let archive: Option<ArchiveCoverage> = serde_json::from_value(r.archive.clone()).ok();
    html! {
        section aria-labelledby="answer" {
            h2 #answer { "Disclosures about this person" }
            p {
                "Identifier type " code { (r.kind) } ", keyed hash " code { (r.subject_hash) } ". "
                (r.records.len()) " records found. Other people named in a record are shown as “redacted”. "
                "Printed " (ctx.now.strftime("%Y-%m-%d %H:%M UTC")) " by " (ctx.actor) "."
            }
            @if let Some(a) = &archive { @for line in a.lines() { p { (line) } } }
            table {
                caption { "Every record about this person" }
                thead { tr {
                    th scope="col" { "Time" } th scope="col" { "Kind" } th scope="col" { "From" } th scope="col" { "To" }
                    th scope="col" { "Agreement, flow" } th scope="col" { "Purpose" } th scope="col" { "Outcome" }
                    th scope="col" { "Fields disclosed" } th scope="col" { "Fields withheld" }
                } }
                tbody {
                    @if r.records.is_empty() { tr { td colspan="9" { "No record names this person." } } }
                    @for rec in &r.records {
                        tr {
                            td { (text(rec, "time")) }
                            td { (text(rec, "kind")) }
                            td { (agency(ctx, text(rec, "from"))) }
                            td { (agency(ctx, text(rec, "to"))) }
                            td { (text(&rec["agreement"], "id")) " " (text(rec, "flow")) }
                            td { (text(rec, "purpose")) @if let Some(e) = rec.get("emergency").filter(|e| !e.is_null()) { br; "emergency: " (text(e, "category")) } }
                            td { (text(rec, "outcome")) }
                            td { (list(rec, "disclosed", None)) }
                            td { (list(rec, "stripped", Some("path"))) }
                        }
                    }
                }
            }
        }
    }
}
