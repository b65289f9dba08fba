//! `GET /`: the overview. The chain's status (a verify of the records since the last
//! signed checkpoint, run as the page loads; when a full verify last ran and what it
//! found), whether the record store answers, pending and overdue emergency reviews,
//! agreements due for review or expiring within 30 days, and today's transfers and
//! refusals by code, each through the admin API's own functions. `POST /console/verify`
//! ("Run a full verify now") walks the whole chain and records it as `chain-verified`.

use bytes::Bytes;
use maud::{html, Markup};

use super::layout::{self, Section};
use super::{api, chart, ConsoleError, Ctx};
use crate::admin::agreements::AgreementList;
use crate::admin::chain::{self, FullVerify, RecentStatus, StartedAt, Via};
use crate::admin::reviews::Queue;

/// "Run a full verify now": the whole chain, recorded; then the overview.
pub async fn full_verify(ctx: &Ctx<'_>) -> Result<Markup, ConsoleError> {
    let notice = match chain::full_verify(ctx.state, ctx.actor, Via::Console).await {
        Ok(s) if s.summary.ok => layout::done(&format!(
            "Full verify done: all {} records check out (recorded as chain-verified).",
            s.summary.length
        )),
        Ok(s) => layout::problem(&ConsoleError::Form(format!(
            "the full verify found the chain broken at record {}; tell the operators (`isagate audit verify` names the check)",
            s.first_bad.map(|b| b.seq).unwrap_or_default()
        ))),
        Err(e) => layout::problem(&api::refusal(Err(e)).await),
    };
    page(ctx, Some(notice)).await
}

/// The chain's state as the overview and the report show it: the page-load verify, the
/// last full verify, and the button that runs one.
pub async fn chain_facts(ctx: &Ctx<'_>) -> Markup {
    match chain::recent(ctx.state).await {
        Ok((recent, last)) => {
            let c = &recent.chain;
            html! {
            dl.facts {
                (layout::row("Checked as this page loaded", recent_text(&recent)))
                (layout::row("Length", html! { (c.summary.length) " records" }))
                (layout::row("Head", html! {
                    @match (&c.summary.head_seq, &c.summary.head_hash) {
                        (Some(s), Some(h)) => { "record " (s) " " code { (h) } }
                        (Some(s), None) => { "record " (s) }
                        _ => "empty chain",
                    }
                }))
                (layout::row("Last signed checkpoint", html! {
                    @if let Some(cp) = &c.last_checkpoint { "record " (cp.seq) " at " (cp.time) } @else { "none yet" }
                    @if let Some(p) = &recent.checkpoint_problem { br; span.warn { "The checkpoints could not be checked: " (p) } }
                }))
                (layout::row("Last full verify", last_text(last.as_ref())))
                (layout::row("Record store", html! { "answering" }))
            }
            form method="post" action="/console/verify" {
                (layout::token_field(ctx))
                button.secondary type="submit" { "Run a full verify now" }
            }
            }
        }
        Err(e) => {
            let e = api::refusal(Err(e)).await;
            html! { (layout::problem(&e)) p { "Record store: not answering." } }
        }
    }
}

fn recent_text(r: &RecentStatus) -> Markup {
    let since = match r.started_at {
        StartedAt::Checkpoint => format!("the last signed checkpoint (record {})", r.from_seq),
        StartedAt::FullVerify => {
            format!("the head the last full verify found (record {})", r.from_seq)
        }
        StartedAt::FirstRecord => "the first record".to_owned(),
    };
    html! {
        @if r.chain.summary.ok && r.stopped_early {
            "partly: the first " (r.checked) " records since " (since) " check out; the page stops there, so run a full verify for the rest"
        } @else if r.chain.summary.ok {
            "yes: every record since " (since) " checks out (" (r.checked) " checked)"
        } @else {
            span.warn { "NO: the chain is broken" }
            @if let Some(bad) = &r.chain.first_bad { " at record " (bad.seq) ": " (bad.problem) }
        }
    }
}

fn last_text(last: Option<&FullVerify>) -> Markup {
    html! {
        @match last {
            Some(v) => {
                (v.time) " by " (v.actor.as_deref().unwrap_or("?")) " (" (v.via) "): "
                @if v.summary.ok { "ok, " (v.summary.length) " records" } @else {
                    span.warn { "BROKEN at record " (v.first_bad_seq.unwrap_or_default()) }
                }
            }
            None => "never: run one now",
        }
    }
}

pub async fn page(ctx: &Ctx<'_>, notice: Option<Markup>) -> Result<Markup, ConsoleError> {
    let empty = Bytes::new();
    let st = ctx.state;
    let chain = chain_facts(ctx).await;
    let queue_call = api::call(ctx, vec![], vec![("state".into(), "pending".into())], &empty);
    let queue: Result<Queue, _> =
        api::answer(crate::admin::reviews::queue(st, &queue_call).await).await;
    let list: AgreementList = api::answer(crate::admin::agreements::list(st).await).await?;
    let today = st.clock.today().to_string();
    let report = super::report::fetch(ctx, &today, &today, false).await;
    let due: Vec<_> = list.agreements.iter().filter(|a| !a.findings.is_empty()).collect();
    let body = html! {
        @if let Some(n) = notice { (n) }
        div.columns {
            section aria-labelledby="chain" {
                h2 #chain { "Record chain" }
                (chain)
            }
            section aria-labelledby="reviews" {
                h2 #reviews { "Emergency reviews" }
                @match &queue {
                    Ok(q) => {
                        p {
                            (q.disclosures.len()) " pending, "
                            span class=[(q.disclosures.iter().any(|d| d.status.overdue)).then_some("overdue")] {
                                (q.disclosures.iter().filter(|d| d.status.overdue).count()) " overdue"
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
                                td { (a.dates.review_by.as_deref().unwrap_or("not set")) }
                                td { (a.dates.expires) }
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
