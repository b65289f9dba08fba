//! The read side measured at scale: one table of queries, each a closure over the store
//! and one random input ([`Pick`]), timed over many inputs for p50 and p99. A query the
//! store gains a method for becomes one line here.

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use isagate::audit::{Store, StoreError};
use isagate::codes::RefusalCode;
use jiff::{SignedDuration, Timestamp};

use super::plan::{self, Rng, Subjects};

/// One random input, drawn for every sample whichever query uses it.
pub struct Pick {
    pub subject: String,
    /// How many records the subject has when the store holds its whole plan.
    pub expected: Option<u64>,
    pub agreement: isagate::audit::record::AgreementRef,
    pub flow: String,
    pub code: RefusalCode,
    pub since: Timestamp,
    pub until: Timestamp,
    /// A day before the newest record: the emergency limits count from there.
    pub day_ago: Timestamp,
    pub agency: String,
    pub requester: Option<String>,
    pub action: &'static str,
}

/// What the generated store spans, to draw inputs from.
pub struct Space<'a> {
    pub seed: u64,
    pub subjects: u32,
    /// Every planned record is in the store (so each subject's count is known).
    pub complete: bool,
    pub first: Timestamp,
    pub last: Timestamp,
    pub window: SignedDuration,
    pub keys: &'a Subjects,
}

impl Space<'_> {
    pub fn pick(&self, r: &mut Rng) -> Pick {
        let i = r.below(u64::from(self.subjects.max(1))) as u32;
        let a = r.below(plan::AGREEMENTS);
        let span = (self.last.duration_since(self.first) - self.window).as_secs().max(0);
        let since = self.first + SignedDuration::from_secs(r.below(span as u64 + 1) as i64);
        let (caller, _) = plan::parties(a);
        Pick {
            subject: self.keys.hash(i),
            expected: self.complete.then(|| plan::subject_records(self.seed, i)),
            agreement: plan::agreement(a),
            flow: plan::flow(a, r.below(plan::FLOWS_PER_AGREEMENT)),
            code: plan::REFUSAL_CODES[r.below(plan::REFUSAL_CODES.len() as u64) as usize].0,
            since,
            until: since + self.window,
            day_ago: self.last - SignedDuration::from_hours(24),
            agency: caller,
            requester: (r.below(2) == 0).then(|| plan::requester(r.below(500))),
            action: plan::GOVERNANCE_ACTIONS
                [r.below(plan::GOVERNANCE_ACTIONS.len() as u64) as usize],
        }
    }
}

/// Rows found, and whether that is the exact answer (true when none is known).
pub type Found = (u64, bool);
pub type Answer = Pin<Box<dyn Future<Output = Result<Found, StoreError>> + Send>>;

pub struct Query {
    pub name: &'static str,
    pub run: fn(Store, Pick) -> Answer,
}

fn q(name: &'static str, run: fn(Store, Pick) -> Answer) -> Query {
    Query { name, run }
}

fn n(len: usize) -> u64 {
    len as u64
}

/// Every query of issue 15, in the order the report prints them.
pub fn table() -> Vec<Query> {
    vec![
        q("audit subject (subject_records)", |s, p| {
            Box::pin(async move {
                let n = n(s.subject_records(&p.subject).await?.len());
                Ok((n, p.expected.is_none_or(|e| e == n)))
            })
        }),
        q("last transfer per agreement (agreement_activity)", |s, p| {
            Box::pin(async move {
                let a = s.agreement_activity(&p.agreement.id, &p.agreement.sha256).await?;
                Ok((u64::from(a.last_transfer.is_some()), a.last_transfer.is_some()))
            })
        }),
        q("refusals by code in a window (refusal_counts)", |s, p| {
            Box::pin(async move {
                let counts = s.refusal_counts(p.since, p.until).await?;
                Ok((counts.get(p.code.as_str()).copied().unwrap_or(0), true))
            })
        }),
        q("one flow's records in a window (records_of_flow)", |s, p| {
            Box::pin(async move {
                Ok((n(s.records_of_flow(&p.flow, p.since, p.until).await?.len()), true))
            })
        }),
        q("emergency limit count, last 24 h (count_emergencies_since)", |s, p| {
            Box::pin(async move {
                Ok((
                    s.count_emergencies_since(&p.agency, p.requester.as_deref(), p.day_ago).await?,
                    true,
                ))
            })
        }),
        q("governance records by action (governance_by_action)", |s, p| {
            Box::pin(async move { Ok((n(s.governance_by_action(&[p.action]).await?.len()), true)) })
        }),
    ]
}

/// Latencies of one query over random inputs.
pub struct Timing {
    pub samples: usize,
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
    pub mean_rows: f64,
    pub inexact: usize,
}

/// Run `query` over up to `samples` random inputs, stopping after `budget`.
pub async fn time(
    store: &Store,
    query: &Query,
    space: &Space<'_>,
    seed: u64,
    samples: usize,
    budget: Duration,
) -> Result<Timing, StoreError> {
    let mut r = Rng::new(seed);
    let mut took = Vec::with_capacity(samples);
    let (mut rows, mut inexact) = (0u64, 0usize);
    let started = Instant::now();
    while took.len() < samples && started.elapsed() < budget {
        let pick = space.pick(&mut r);
        let t = Instant::now();
        let (found, exact) = (query.run)(store.clone(), pick).await?;
        took.push(t.elapsed());
        rows += found;
        inexact += usize::from(!exact);
    }
    took.sort();
    let at =
        |q: f64| took.get(((took.len() as f64 * q).ceil() as usize).saturating_sub(1)).copied();
    Ok(Timing {
        samples: took.len(),
        p50: at(0.5).unwrap_or_default(),
        p99: at(0.99).unwrap_or_default(),
        max: took.last().copied().unwrap_or_default(),
        mean_rows: rows as f64 / took.len().max(1) as f64,
        inexact,
    })
}
