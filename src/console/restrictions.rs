//! `GET /console/restrictions` (the active restrictions, as keyed hashes),
//! `POST /console/restrictions` (add one: checked by `POST /v1/restrictions`'s handler,
//! which refuses an unknown agreement or subject type with a "did you mean") and
//! `POST /console/restrictions/{id}/remove`. Each change is the API's governance record
//! naming the officer from the certificate. The subject id goes in the POST body only and
//! is never shown back.

use bytes::Bytes;
use maud::{html, Markup};

use super::layout::{self, Section};
use super::{api, ConsoleError, Ctx};
use crate::admin::restrictions::{RestrictionList, RestrictionRemoved};
use crate::emergency::restrictions::{Restriction, Scope};
use crate::minimise::SUBJECT_ID_TYPES;

fn scope(s: &Scope) -> String {
    match s {
        Scope::All => "all agreements".into(),
        Scope::Agreements(ids) => ids.join(", "),
    }
}

/// The list and the add form, with `notice` (a change's outcome) above them.
pub async fn list(ctx: &Ctx<'_>, notice: Option<Markup>) -> Result<Markup, ConsoleError> {
    let empty = Bytes::new();
    let call = api::call(ctx, vec![], vec![], &empty);
    let list: RestrictionList =
        api::answer(crate::admin::restrictions::list(ctx.state, &call).await).await?;
    let body = html! {
        @if let Some(n) = notice { (n) }
        p { "A restriction stops every transfer about one person under the agreements it names, unless an agreement overrides restrictions by a legal duty." }
        table {
            caption { (list.restrictions.len()) " active restrictions (subjects shown as keyed hashes)" }
            thead { tr {
                th scope="col" { "Subject" } th scope="col" { "Agreements" } th scope="col" { "Note" }
                th scope="col" { "Added" } th scope="col" { span.noprint { "Action" } }
            } }
            tbody {
                @if list.restrictions.is_empty() { tr { td colspan="5" { "None." } } }
                @for r in &list.restrictions { (row(ctx, r)) }
            }
        }
        h2 { "Add a restriction" }
        form.stack method="post" action="/console/restrictions" {
            (layout::token_field(ctx))
            label for="type" { "Subject identifier type" }
            select #type name="type" required {
                @for t in SUBJECT_ID_TYPES { option value=(t) { (t) } }
            }
            label for="id" { "Subject identifier" span.hint { "Kept only as a keyed hash; never shown again" } }
            input #id type="text" name="id" required autocomplete="off";
            label for="agreements" { "Agreements" span.hint { "Agreement ids separated by commas, or * for all" } }
            input #agreements type="text" name="agreements" required value="*";
            label for="note" { "Note" span.hint { "Why; no personal data" } }
            input #note type="text" name="note";
            button type="submit" { "Add the restriction" }
        }
    };
    Ok(layout::page("Restrictions", Section::Restrictions, ctx.actor, body))
}

fn row(ctx: &Ctx<'_>, r: &Restriction) -> Markup {
    let short: String = r.subject_hash.chars().take(16).collect();
    html! {
        tr {
            td { (r.kind) " " code title=(r.subject_hash) { (short) "…" } }
            td { (scope(&r.agreements)) }
            td { (r.note) }
            td { (r.added_at) br; (r.added_by) }
            td {
                form method="post" action={ "/console/restrictions/" (r.id) "/remove" } {
                    (layout::token_field(ctx))
                    button.secondary type="submit" aria-label={ "Remove restriction " (r.id) } { "Remove" }
                }
            }
        }
    }
}

pub async fn add(ctx: &Ctx<'_>) -> Result<Markup, ConsoleError> {
    let agreements = match ctx.field("agreements").unwrap_or_default() {
        "*" => serde_json::json!("*"),
        list => serde_json::json!(list
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()),
    };
    let mut input = super::subject::identifier(ctx);
    input.insert("agreements".into(), agreements);
    input.insert("note".into(), ctx.field("note").unwrap_or_default().into());
    let body = Bytes::from(serde_json::Value::Object(input).to_string());
    let call = api::call(ctx, vec![], vec![], &body);
    let result: Result<Restriction, _> =
        api::answer(crate::admin::restrictions::add(ctx.state, &call).await).await;
    let notice = match result {
        Ok(r) => layout::done(&format!("Restriction added as record {}.", r.id)),
        Err(e) => layout::problem(&e),
    };
    list(ctx, Some(notice)).await
}

pub async fn remove(ctx: &Ctx<'_>) -> Result<Markup, ConsoleError> {
    let empty = Bytes::new();
    let call = api::call(ctx, vec![ctx.param().to_owned()], vec![], &empty);
    let result: Result<RestrictionRemoved, _> =
        api::answer(crate::admin::restrictions::remove(ctx.state, &call).await).await;
    let notice = match result {
        Ok(r) => {
            layout::done(&format!("Restriction removed; the removal is record {}.", r.record_id))
        }
        Err(e) => layout::problem(&e),
    };
    list(ctx, Some(notice)).await
}
