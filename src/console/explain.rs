//! `GET /console/explain` (the form) and `POST /console/explain` (the dry run): choose
//! an agreement, a flow, a purpose, an emergency category and a direction, paste a
//! payload or upload it as a file (the form is `multipart/form-data`; the file, when one
//! is chosen, is the payload, up to [`upload::MAX_FILE_BYTES`]), and see what the recipient would get (before / after) and why, computed by
//! `POST /v1/explain`'s handler, so by the same decision the gateway uses, with a
//! throw-away pseudonymisation key.

use bytes::Bytes;
use maud::{html, Markup};

use super::layout::{self, Section};
use super::{api, upload, ConsoleError, Ctx};
use crate::admin::agreements::AgreementList;
use crate::admin::ports::{ExplainReport, ExplainRequest};
use crate::agreements::model::EMERGENCY_CATEGORIES;

/// The form, filled with what `ctx` was sent.
async fn form_markup(ctx: &Ctx<'_>) -> Result<Markup, ConsoleError> {
    let list: AgreementList = api::answer(crate::admin::agreements::list(ctx.state).await).await?;
    let chosen = |name: &str, value: &str| ctx.field(name) == Some(value);
    let mut flows: Vec<&str> =
        list.agreements.iter().flat_map(|a| a.flows.iter().map(|f| f.id.as_str())).collect();
    flows.sort_unstable();
    flows.dedup();
    let mut purposes: Vec<&str> = list
        .agreements
        .iter()
        .flat_map(|a| a.flows.iter().flat_map(|f| f.purposes.iter().map(String::as_str)))
        .collect();
    purposes.sort_unstable();
    purposes.dedup();
    Ok(html! {
        form.stack method="post" action="/console/explain" enctype="multipart/form-data" {
            (layout::token_field(ctx))
            label for="agreement" { "Agreement" }
            select #agreement name="agreement" required {
                @for a in &list.agreements {
                    option value=(a.id) selected[chosen("agreement", &a.id)] { (a.id) ": " (a.title) }
                }
            }
            label for="flow" { "Flow" }
            select #flow name="flow" required {
                @for f in &flows { option value=(f) selected[chosen("flow", f)] { (f) } }
            }
            label for="purpose" { "Purpose" span.hint { "One of the flow's purposes, e.g. " (purposes.first().copied().unwrap_or("safeguarding")) } }
            input #purpose type="text" name="purpose" list="purposes" value=(ctx.field("purpose").unwrap_or_default());
            datalist #purposes { @for p in &purposes { option value=(p) {} } }
            label for="emergency" { "Emergency category" span.hint { "Leave at none for an ordinary transfer" } }
            select #emergency name="emergency" {
                option value="" { "none" }
                @for c in EMERGENCY_CATEGORIES { option value=(c) selected[chosen("emergency", c)] { (c) } }
            }
            label for="direction" { "Direction" }
            select #direction name="direction" {
                option value="request" selected[chosen("direction", "request")] { "request (caller to recipient)" }
                option value="response" selected[chosen("direction", "response")] { "response (recipient to caller)" }
            }
            label for="payload" { "Payload (JSON)" span.hint { "Paste the body a caller would send, or upload it below. Nothing is sent anywhere or recorded." } }
            textarea #payload name="payload" rows="12" { (ctx.field("payload").unwrap_or("{}")) }
            label for="payload-file" { "Or upload the payload" span.hint { "A JSON file of up to " (upload::MAX_FILE_BYTES / 1024) " KiB; when you choose one, it is explained instead of the text above." } }
            input #payload-file type="file" name="payload_file" accept=".json,application/json";
            button type="submit" { "Explain" }
        }
    })
}

pub async fn form(ctx: &Ctx<'_>) -> Result<Markup, ConsoleError> {
    let body = html! {
        p { "See what a transfer would disclose before anyone sends it." }
        (form_markup(ctx).await?)
    };
    Ok(layout::page("Explain", Section::Explain, ctx.actor, body))
}

/// The payload: the uploaded file when there is one, else the text field.
fn payload(ctx: &Ctx<'_>) -> Result<serde_json::Value, ConsoleError> {
    let (text, source) = match ctx.files("payload_file").next() {
        Some(file) => {
            let text = file.text().map_err(|e| ConsoleError::Form(e.to_string()))?;
            (text, format!("the file `{}`", file.name))
        }
        None => (ctx.field("payload").unwrap_or("{}").to_owned(), "the payload".to_owned()),
    };
    serde_json::from_str(&text).map_err(|e| {
        ConsoleError::Form(format!(
            "{source} is not JSON (line {}, column {}); correct it and explain again",
            e.line(),
            e.column()
        ))
    })
}

pub async fn run(ctx: &Ctx<'_>) -> Result<Markup, ConsoleError> {
    let outcome = match payload(ctx) {
        Err(e) => Err(e),
        Ok(payload) => {
            let req = ExplainRequest {
                agreement: ctx.field("agreement").unwrap_or_default().to_owned(),
                flow: ctx.field("flow").unwrap_or_default().to_owned(),
                payload,
                purpose: ctx.field("purpose").map(str::to_owned),
                emergency: ctx.field("emergency").map(str::to_owned),
                direction: ctx.field("direction").map(str::to_owned),
                query: None,
                content_type: None,
                agreement_header: None,
            };
            let body = Bytes::from(serde_json::to_vec(&req).unwrap_or_default());
            let call = api::call(ctx, vec![], vec![], &body);
            api::answer::<ExplainReport>(crate::admin::agreements::explain(ctx.state, &call))
                .await
                .map(|r| (req.payload, r))
        }
    };
    let body = html! {
        @match &outcome {
            Err(e) => (layout::problem(e)),
            Ok((before, r)) => (answer(before, r)),
        }
        h2 { "Explain again" }
        (form_markup(ctx).await?)
    };
    Ok(layout::page("Explain", Section::Explain, ctx.actor, body))
}

fn pretty(v: &serde_json::Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

fn answer(before: &serde_json::Value, r: &ExplainReport) -> Markup {
    html! {
        section aria-labelledby="verdict" {
            h2 #verdict { "Agreement " (r.agreement) ", flow " (r.flow) ", " (r.direction) }
            @if r.refused {
                div.notice.bad role="status" { p { strong { "This transfer would be refused." } } }
            } @else {
                div.notice role="status" { p { "This transfer would pass, minimised as shown." } }
            }
            @if !r.reasons.is_empty() {
                h3 { "Why" }
                ul { @for reason in &r.reasons { li { code { (reason.code) } ": " (reason.detail) } } }
            }
        }
        div.columns {
            section aria-labelledby="before" { h2 #before { "Before (what the caller sends)" } pre tabindex="0" { (pretty(before)) } }
            section aria-labelledby="after" {
                h2 #after { "After (what the recipient gets)" }
                @match &r.output { Some(o) => pre tabindex="0" { (pretty(o)) }, None => p { "Nothing: refused." } }
            }
        }
        table {
            caption { "Fields, as the record would keep them" }
            thead { tr { th scope="col" { "Field" } th scope="col" { "What happens" } } }
            tbody {
                @for p in &r.minimisation.disclosed { tr { td { code { (p) } } td { "disclosed" } } }
                @for t in &r.minimisation.transformed { tr { td { code { (t.path) } } td { "transformed: " (t.transform) } } }
                @for s in &r.minimisation.stripped { tr { td { code { (s.path) } } td { "stripped: " (s.reason) } } }
            }
        }
    }
}
