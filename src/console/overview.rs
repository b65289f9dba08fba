//! `GET /`: the overview. The chain's status (a verify run as the page loads, the last
//! checkpoint), whether the record store answers, pending and overdue emergency reviews,
//! agreements due for review or expiring within 30 days, and today's transfers and
//! refusals by code, each through the admin API's own handler.

use bytes::Bytes;
use maud::{html, Markup};

use super::layout::{self, Section};
use super::{api, chart, ConsoleError, Ctx};
use crate::admin::agreements::AgreementList;
use crate::admin::ports::ChainStatus;
use crate::admin::reviews::Queue;
use crate::audit::Report;

pub async fn page(ctx: &Ctx<'_>) -> Result<Markup, ConsoleError> {
    let empty = Bytes::new();
    let st = ctx.state;
    let chain: Result<ChainStatus, _> = api::answer(crate::admin::audit::verify(st).await).await;
    let queue_call = api::call(ctx, vec![], vec![("state".into(), "pending".into())], &empty);
    let queue: Result<Queue, _> =
        api::answer(crate::admin::reviews::queue(st, &queue_call).await).await;
    let list: AgreementList = api::answer(crate::admin::agreements::list(st).await).await?;
    let today = st.clock.today().to_string();
    let report_call = api::call(
        ctx,
        vec![],
        vec![("since".into(), today.clone()), ("until".into(), today.clone())],
        &empty,
    );
    let report: Result<Report, _> =
        api::answer(crate::admin::audit::report(st, &report_call).await).await;
    let due: Vec<_> = list.agreements.iter().filter(|a| !a.findings.is_empty()).collect();
    let body = html! {
        div.columns {
            section aria-labelledby="chain" {
                h2 #chain { "Record chain" }
                @match &chain {
                    Ok(c) => {
                        dl.facts {
                            (layout::row("Verified now", html! {
                                @if c.ok { "yes: every record's hash and link checks out" }
                                @else { span.warn { "NO: the chain is broken" } }
                            }))
                            (layout::row("Length", html! { (c.length) " records" }))
                            (layout::row("Head", html! { @if let Some(h) = &c.head_hash { code { (h) } } @else { "empty chain" } }))
                            (layout::row("Last signed checkpoint", html! {
                                @if let Some(cp) = &c.last_checkpoint { "record " (cp.seq) " at " (cp.time) } @else { "none yet" }
                            }))
                            @if let Some(bad) = &c.first_bad {
                                (layout::row("First bad record", html! { (bad.seq) ": " (bad.problem) }))
                            }
                            (layout::row("Record store", html! { "answering" }))
                        }
                    }
                    Err(e) => { (layout::problem(e)) p { "Record store: not answering." } }
                }
            }
            section aria-labelledby="reviews" {
                h2 #reviews { "Emergency reviews" }
                @match &queue {
                    Ok(q) => {
                        p {
                            (q.disclosures.len()) " pending, "
                            span class=[(q.disclosures.iter().any(|d| d.overdue)).then_some("overdue")] {
                                (q.disclosures.iter().filter(|d| d.overdue).count()) " overdue"
                            }
                            " (overdue after " (q.overdue_after_hours) " hours). "
                            a href="/console/emergency" { "Review them" }
                        }
                    }
                    Err(e) => (layout::problem(e)),
                }
            }
        }
        section aria-labelledby="due" {
            h2 #due { "Agreements due for review or expiring within 30 days" }
            @if due.is_empty() {
                p { "None: every loaded agreement is within its review and expiry dates." }
            } @else {
                table {
                    thead { tr { th scope="col" { "Agreement" } th scope="col" { "Review by" } th scope="col" { "Expires" } th scope="col" { "Finding" } } }
                    tbody {
                        @for a in &due {
                            tr {
                                th scope="row" { a href={ "/console/agreements/" (a.id) } { (a.id) } }
                                td { (a.review_by.as_deref().unwrap_or("not set")) }
                                td { (a.expires) }
                                td { @for f in &a.findings { (f.message) br; } }
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="today" {
            h2 #today { "Today (" (today) ")" }
            @match &report {
                Ok(r) => {
                    p { (r.transfers) " transfers, " (r.refusals_by_code.values().sum::<u64>()) " refusals." }
                    div.columns {
                        (chart::bars("Today's transfers by outcome", "Outcome", &r.by_outcome))
                        (chart::bars("Today's refusals by code", "Refusal code", &r.refusals_by_code))
                    }
                }
                Err(e) => (layout::problem(e)),
            }
        }
    };
    Ok(layout::page("Overview", Section::Overview, ctx.actor, body))
}
