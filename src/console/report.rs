//! `GET /console/report?since=&until=` (the transparency report for a date range, with
//! charts by recipient agency, agreement, purpose, outcome, emergencies and review
//! states) and its downloads `report.csv` / `report.json`, through
//! `GET /v1/audit/report`'s handler. [`standalone`] is the same template as one
//! self-contained file for `isagate audit report --format html`. The report holds
//! counts only, never personal data.

use bytes::Bytes;
use http::StatusCode;
use maud::{html, Markup, PreEscaped};

use super::layout::{self, Section};
use super::{api, chart, ConsoleError, Ctx};
use crate::admin::reply::Reply;
use crate::audit::report::render::{self, sections};
use crate::audit::Report;

/// A download's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
}

/// The report's body: period, chain, totals and every section's chart.
pub fn body(r: &Report) -> Markup {
    html! {
        p { "Period: " (render::period(r)) ". Counts only: this report holds no personal data." }
        p { "Generated " (r.generated_at) "."
            @if r.chain.is_some() { " Record chain " (render::chain(r)) "." } }
        @for line in r.archive.lines() { p { (line) } }
        table {
            caption { "Totals" }
            tbody {
                tr { th scope="row" { "Transfers" } td.num { (r.transfers) } }
                tr { th scope="row" { "Records" } td.num { (r.total) } }
                tr { th scope="row" { "Emergency disclosures" } td.num { (r.emergencies.total) } }
                tr { th scope="row" { "Emergency reviews" } td.num { (r.emergencies.reviews) } }
            }
        }
        div.columns {
            @for sec in sections(r) { (chart::bars(sec.title, sec.key, sec.counts)) }
        }
    }
}

/// The report as one self-contained HTML file (the console's stylesheet inlined).
pub fn standalone(r: &Report) -> String {
    html! {
        // Lower case, as the file has always begun (scripts that read it may look for it).
        (PreEscaped("<!doctype html>\n"))
        html lang="en" {
            head {
                meta charset="utf-8";
                title { "isagate transparency report" }
                style { (PreEscaped(super::assets::STYLESHEET)) }
            }
            body { main { h1 { "Transparency report" } (body(r)) } }
        }
    }
    .into_string()
}

/// The period asked for, or this month so far.
fn period(ctx: &Ctx<'_>) -> (String, String) {
    let today = ctx.state.clock.today();
    let since =
        ctx.field("since").map_or_else(|| today.first_of_month().to_string(), str::to_owned);
    let until = ctx.field("until").map_or_else(|| today.to_string(), str::to_owned);
    (since, until)
}

/// The report for a period, through `GET /v1/audit/report`'s own query and answer;
/// `verify_chain` off for pages (they show the page-load verify), on for downloads.
pub async fn fetch(
    ctx: &Ctx<'_>,
    since: &str,
    until: &str,
    verify_chain: bool,
) -> Result<Report, ConsoleError> {
    let empty = Bytes::new();
    let query = vec![("since".into(), since.to_owned()), ("until".into(), until.to_owned())];
    let call = api::call(ctx, vec![], query, &empty);
    let query = crate::admin::audit::report_query(ctx.state, &call)
        .map(|q| crate::audit::ReportQuery { verify_chain, ..q });
    let answer = match query {
        Ok(q) => crate::admin::audit::report_for(ctx.state, q).await,
        Err(e) => Err(e),
    };
    api::answer(answer).await
}

pub async fn page(ctx: &Ctx<'_>) -> Result<Markup, ConsoleError> {
    let (since, until) = period(ctx);
    let report = fetch(ctx, &since, &until, false).await;
    let chain = super::overview::chain_facts(ctx).await;
    let q = format!(
        "since={}&until={}",
        percent_encoding::utf8_percent_encode(&since, percent_encoding::NON_ALPHANUMERIC),
        percent_encoding::utf8_percent_encode(&until, percent_encoding::NON_ALPHANUMERIC)
    );
    let body = html! {
        form.stack method="get" action="/console/report" {
            fieldset {
                legend { "Period (Europe/London dates, both included)" }
                label for="since" { "From" }
                input #since type="date" name="since" value=(since) required;
                label for="until" { "To" }
                input #until type="date" name="until" value=(until) required;
                button type="submit" { "Show the report" }
            }
        }
        @match &report {
            Err(e) => (layout::problem(e)),
            Ok(r) => {
                p.noprint {
                    "Download: " a href={ "/console/report.csv?" (q) } download { "CSV" }
                    " · " a href={ "/console/report.json?" (q) } download { "JSON" }
                }
                (body(r))
            }
        }
        section aria-labelledby="chain" {
            h2 #chain { "Record chain" }
            (chain)
        }
    };
    Ok(layout::page("Transparency report", Section::Report, ctx.actor, body))
}

pub async fn download(ctx: &Ctx<'_>, format: Format) -> Result<Reply, ConsoleError> {
    let (since, until) = period(ctx);
    let r = fetch(ctx, &since, &until, true).await?;
    let (bytes, media, ext) = match format {
        Format::Csv => (render::csv(&r).into_bytes(), "text/csv; charset=utf-8", "csv"),
        Format::Json => (
            serde_json::to_vec_pretty(&r).map_err(|e| ConsoleError::Internal(e.to_string()))?,
            "application/json",
            "json",
        ),
    };
    let mut reply = super::bytes_reply(StatusCode::OK, bytes, media);
    let name = format!("attachment; filename=\"isagate-report.{ext}\"");
    if let Ok(v) = http::HeaderValue::from_str(&name) {
        reply.headers_mut().insert(http::header::CONTENT_DISPOSITION, v);
    }
    Ok(reply)
}
