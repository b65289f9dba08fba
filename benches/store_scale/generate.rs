//! Filling a store with the plan's events through `Store::append`, `--writers` at a time,
//! as the gateway does: a transfer's response is appended once its request is committed,
//! in reply to it. Record times come from a clock that spreads the records evenly over
//! `--days` ending now. Bounded by the plan's size and by `--max-minutes`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use isagate::audit::{Clock, Store, StoreOptions};
use jiff::{SignedDuration, Timestamp};

use super::plan::{self, Event};
use super::{Args, Manifest};

/// Record times: `first` plus one step per record appended so far (never backwards).
#[derive(Debug)]
struct SpreadClock {
    first: Timestamp,
    step_nanos: i128,
    done: Arc<AtomicU64>,
}

impl Clock for SpreadClock {
    fn now(&self) -> Timestamp {
        let n = i128::from(self.done.load(Ordering::Relaxed));
        let at = self.first.as_nanosecond().saturating_add(n.saturating_mul(self.step_nanos));
        Timestamp::from_nanosecond(at).unwrap_or(self.first)
    }
}

pub struct Generated {
    pub store: Store,
    pub manifest: Manifest,
    /// Appends per second over the whole run, and over its last tenth.
    pub rate: f64,
    pub rate_last: f64,
    pub per_commit: f64,
}

pub async fn generate(url: &str, records: u64, args: &Args) -> anyhow::Result<Generated> {
    let seed = args.seed;
    let planned = Instant::now();
    let (events, subjects) = plan::events(seed, records);
    let events = Arc::new(events);
    eprintln!(
        "planned {} events for {subjects} subjects in {:.1} s",
        events.len(),
        planned.elapsed().as_secs_f64()
    );
    let keys = Arc::new(plan::Subjects::new(seed).map_err(anyhow::Error::msg)?);
    let done = Arc::new(AtomicU64::new(0));
    let span = SignedDuration::from_hours(24 * i64::try_from(args.days).unwrap_or(30));
    let now = Timestamp::now();
    let first = now - span;
    let step_nanos = span.as_nanos() / i128::from(records.max(1));
    let clock = Arc::new(SpreadClock { first, step_nanos, done: done.clone() });
    let store = Store::open_with_clock(url, StoreOptions::default(), clock.clone()).await?;
    let before = store.stats();
    let next = Arc::new(AtomicU64::new(0));
    let mark = records - records / 10;
    let at_mark: Arc<Mutex<Option<(Instant, u64)>>> = Arc::new(Mutex::new(None));
    let started = Instant::now();
    let deadline = started + Duration::from_secs(args.max_minutes * 60);
    let tasks: Vec<_> = (0..args.writers.max(1))
        .map(|_| {
            let (store, events, keys) = (store.clone(), events.clone(), keys.clone());
            let (next, done, at_mark) = (next.clone(), done.clone(), at_mark.clone());
            tokio::spawn(async move {
                let count = |done: &AtomicU64| {
                    let d = done.fetch_add(1, Ordering::Relaxed) + 1;
                    if d == mark {
                        if let Ok(mut m) = at_mark.lock() {
                            *m = Some((Instant::now(), d));
                        }
                    }
                };
                while Instant::now() < deadline {
                    let e = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&event) = events.get(usize::try_from(e).unwrap_or(usize::MAX)) else {
                        break;
                    };
                    let request = plan::request_of(seed, e, event, &keys);
                    let response = matches!(event, Event::Transfer { .. })
                        .then(|| plan::response_of(seed, e, &request));
                    let committed = store.append(request).await?;
                    count(&done);
                    if let Some(mut response) = response {
                        response.in_reply_to = Some(committed.id);
                        store.append(response).await?;
                        count(&done);
                    }
                }
                Ok::<_, isagate::audit::StoreError>(())
            })
        })
        .collect();
    let progress = tokio::spawn({
        let done = done.clone();
        async move {
            let mut last = (Instant::now(), 0u64);
            loop {
                tokio::time::sleep(Duration::from_secs(10)).await;
                let d = done.load(Ordering::Relaxed);
                let rate = (d - last.1) as f64 / last.0.elapsed().as_secs_f64();
                eprintln!("{d} of {records} records, {rate:.0}/s over the last 10 s");
                last = (Instant::now(), d);
            }
        }
    });
    for t in tasks {
        t.await??;
    }
    progress.abort();
    let elapsed = started.elapsed();
    let appended = done.load(Ordering::Relaxed);
    let after = store.stats();
    let rate = appended as f64 / elapsed.as_secs_f64();
    let rate_last = match *at_mark.lock().map_err(|_| anyhow::anyhow!("poisoned"))? {
        Some((t, d)) => (appended - d) as f64 / t.elapsed().as_secs_f64(),
        None => 0.0,
    };
    let per_commit =
        (after.records - before.records) as f64 / (after.commits - before.commits).max(1) as f64;
    let manifest = Manifest {
        url: url.to_owned(),
        seed,
        planned: records,
        records: appended,
        subjects,
        complete: next.load(Ordering::Relaxed) >= events.len() as u64,
        first,
        last: clock.now(),
    };
    Ok(Generated { store, manifest, rate, rate_last, per_commit })
}
