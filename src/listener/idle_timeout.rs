//! When a connection is idle: no request in flight (over HTTP/2, no open stream) since the
//! last one ended, or since the handshake when none came. The listener closes a
//! connection idle for `limits.idle_timeout`; a request still arriving or being answered
//! is governed by the read and request timeouts instead.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

/// The requests in flight on one connection and when the last one ended.
#[derive(Debug)]
pub struct Activity {
    started: Instant,
    in_flight: AtomicUsize,
    /// Nanoseconds after `started` when the connection last became idle.
    idle_since: AtomicU64,
}

/// One request in flight, counted until dropped (its response produced, or cancelled).
#[derive(Debug)]
pub struct InFlight(Arc<Activity>);

impl Activity {
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            started: Instant::now(),
            in_flight: AtomicUsize::new(0),
            idle_since: AtomicU64::new(0),
        })
    }

    /// A request began.
    pub fn begin(self: &Arc<Self>) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        InFlight(Arc::clone(self))
    }

    fn now_nanos(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    /// When the connection has been idle for `limit`, `None`; otherwise how long to wait
    /// before asking again.
    fn remaining(&self, limit: Duration) -> Option<Duration> {
        if self.in_flight.load(Ordering::Acquire) > 0 {
            return Some(limit);
        }
        let since = Duration::from_nanos(self.idle_since.load(Ordering::Acquire));
        let idle = self.started.elapsed().saturating_sub(since);
        limit.checked_sub(idle).filter(|left| !left.is_zero())
    }

    /// Resolves once the connection has been idle for `limit`. It wakes at most once per
    /// `limit` while requests are in flight, and once more per request that ended.
    pub async fn idle_for(&self, limit: Duration) {
        while let Some(wait) = self.remaining(limit) {
            tokio::time::sleep(wait).await;
        }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let a = &self.0;
        // The idle clock restarts when a request ends, whether or not others remain.
        a.idle_since.store(a.now_nanos(), Ordering::Release);
        a.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn idle_counts_from_the_last_request() {
        let a = Activity::new();
        let limit = Duration::from_millis(100);
        let started = tokio::time::Instant::now();
        let busy = a.begin();
        let waiter = {
            let a = Arc::clone(&a);
            tokio::spawn(async move { a.idle_for(limit).await })
        };
        // The passing of time is the behaviour under test: a sleep, not a poll.
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert!(!waiter.is_finished(), "never idle while a request is in flight");
        drop(busy);
        waiter.await.unwrap();
        assert!(started.elapsed() >= Duration::from_millis(350), "{:?}", started.elapsed());
    }
}
