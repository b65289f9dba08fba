//! Group commit, shared by both backends: the jobs a writer collected within one window
//! become one batch; after the backend's transaction, every waiter hears the outcome.
//! Nothing here touches a database; a waiter hears `Ok` only from [`Batch::succeeded`],
//! which a backend calls after its commit returned.

use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use super::checkpoint::Checkpointer;
use super::prepared::Prepared;
use super::store::{Committed, Head, Job, Stats, StoreError};

/// The most jobs one transaction takes.
pub(crate) const MAX_BATCH: usize = 4096;

/// How often a writer collecting a batch looks again at how many callers wait.
pub(crate) const POLL: std::time::Duration = std::time::Duration::from_micros(250);

type Ack = oneshot::Sender<Result<Committed, StoreError>>;

/// How much longer a writer that holds `held` jobs, collecting since `started`, waits
/// for more; `None`: close the batch now.
/// - Appends under way (begun, not yet taken: [`Stats::pending`]) are about to arrive:
///   wait for them until the window ends.
/// - Callers answered whose tasks have not resumed ([`Stats::active`] beyond those) may
///   append again at once (a loop of appends, where gathering them is what makes a slow
///   flush pay off), or not for a while (a transfer calls its upstream first): give them
///   one [`POLL`] slice, never the whole window.
/// - Nobody else: close.
///
/// The answer is at most one [`POLL`] slice, so that the writer looks again soon: a
/// caller who gives up before sending (an encoding error, a full queue) stops counting.
pub(crate) fn wait_for_more(
    stats: &Stats,
    held: usize,
    started: Instant,
    window: Duration,
) -> Option<Duration> {
    let held = held as u64;
    let until = if held < stats.pending() {
        started + window
    } else if held < stats.active() {
        started + window.min(POLL)
    } else {
        return None;
    };
    let left = until.saturating_duration_since(Instant::now());
    (!left.is_zero()).then_some(left.min(POLL))
}

/// One transaction's worth of work.
#[derive(Default)]
pub(crate) struct Batch {
    pub drafts: Vec<Prepared>,
    acks: Vec<Ack>,
    readies: Vec<oneshot::Sender<Result<(), StoreError>>>,
    /// Archive jobs run on their own, after the batch.
    pub archives: Vec<(u64, Prepared, Ack)>,
}

impl Batch {
    /// Sort `jobs` into a batch, dropping those nobody waits for any more (their
    /// callers already returned an error, so committing them would record a transfer
    /// that was refused). Each job's pending count ([`super::store::Counted`]) ends here.
    pub(crate) fn from_jobs(jobs: Vec<Job>) -> Self {
        let now = Instant::now();
        let mut batch = Batch::default();
        for job in jobs {
            if job.abandoned(now) {
                continue;
            }
            match job {
                Job::Append { prepared, ack, .. } => {
                    batch.drafts.push(*prepared);
                    batch.acks.push(ack);
                }
                Job::Ready { ack, .. } => batch.readies.push(ack),
                Job::Archive { to_seq, anchor, ack } => batch.archives.push((to_seq, *anchor, ack)),
            }
        }
        batch
    }

    /// Whether there is a transaction to run (records or a readiness check).
    pub(crate) fn needs_commit(&self) -> bool {
        !self.drafts.is_empty() || !self.readies.is_empty()
    }

    /// The transaction begun at `started` ended with `result`: count it, tell the
    /// checkpointer of the new head, and answer every waiter.
    pub(crate) fn settle(
        &mut self,
        result: Result<(Vec<Committed>, Head), StoreError>,
        started: Instant,
        stats: &Stats,
        checkpointer: Option<&mut Checkpointer>,
    ) {
        let n = self.acks.len();
        match result {
            Ok((committed, head)) => {
                stats.committed(n, started.elapsed());
                self.succeeded(committed);
                if let Some(c) = checkpointer {
                    c.after_commit(&head, n as u64);
                }
            }
            Err(e) => {
                stats.failed();
                tracing::error!(error = %e, "audit commit failed");
                self.failed(&e);
            }
        }
    }

    /// The transaction committed: acknowledge every waiter.
    fn succeeded(&mut self, committed: Vec<Committed>) {
        for (ack, c) in self.acks.drain(..).zip(committed) {
            let _ = ack.send(Ok(c));
        }
        for ack in self.readies.drain(..) {
            let _ = ack.send(Ok(()));
        }
    }

    /// The transaction failed: every waiter hears why.
    fn failed(&mut self, error: &StoreError) {
        for ack in self.acks.drain(..) {
            let _ = ack.send(Err(error.clone()));
        }
        for ack in self.readies.drain(..) {
            let _ = ack.send(Err(error.clone()));
        }
    }
}
