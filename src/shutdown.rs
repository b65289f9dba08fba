//! Stopping cleanly: the shutdown signal, draining in-flight work, and `SIGHUP`.
//!
//! - [`Shutdown`]: a cloneable signal that fires once, on `SIGTERM`/`SIGINT` (see
//!   [`Shutdown::on_signals`]) or when code calls [`Shutdown::trigger`]. Servers take
//!   `shutdown.wait()` as their stop future, so tests start them on `127.0.0.1:0` and stop
//!   them without signals (the mini-redis pattern).
//! - [`InFlight`]: counts work that must finish before exit (a transfer and its records);
//!   [`InFlight::drain`] waits for it with a deadline (default [`DRAIN_DEADLINE`]).
//! - [`sighup`]: a stream of `SIGHUP`s for agreement reloads.
//!
//! This module decides when to stop, never what a reload means: the caller of
//! [`sighup`] owns reload semantics.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::sync::watch;

/// How long `SIGTERM` waits for in-flight transfers (contract section 11).
pub const DRAIN_DEADLINE: Duration = Duration::from_secs(30);

/// A one-shot, cloneable stop signal. Every clone sees the same trigger.
#[derive(Clone, Debug, Default)]
pub struct Shutdown {
    /// `true` once triggered; the sender is shared so any clone can trigger.
    tx: Arc<watch::Sender<bool>>,
}

impl Shutdown {
    /// A signal that fires only when [`trigger`](Self::trigger) is called.
    pub fn new() -> Self {
        Self::default()
    }

    /// A signal that also fires on `SIGTERM` or `SIGINT`. Needs a tokio runtime; fails
    /// only if the signal handlers cannot be installed.
    pub fn on_signals() -> std::io::Result<Self> {
        let shutdown = Self::new();
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        let mut int = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
        let trigger = shutdown.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = term.recv() => tracing::info!("SIGTERM received: shutting down"),
                _ = int.recv() => tracing::info!("SIGINT received: shutting down"),
                () = trigger.wait() => return,
            }
            trigger.trigger();
        });
        Ok(shutdown)
    }

    /// Fires the signal (idempotent).
    pub fn trigger(&self) {
        self.tx.send_replace(true);
    }

    /// Whether the signal has fired.
    pub fn is_triggered(&self) -> bool {
        *self.tx.borrow()
    }

    /// Completes once the signal fires (at once if it already has).
    pub fn wait(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut rx = self.tx.subscribe();
        async move {
            // The sender lives in `self.tx`, which this future does not hold: if every
            // `Shutdown` is dropped the channel closes, and that counts as a stop too.
            let _ = rx.wait_for(|stopped| *stopped).await;
        }
    }
}

/// Counts in-flight work so shutdown can wait for it.
#[derive(Clone, Debug, Default)]
pub struct InFlight {
    count: Arc<watch::Sender<usize>>,
}

/// Held while one unit of work runs; dropping it marks the work done.
#[derive(Debug)]
#[must_use = "the work counts as finished when the guard drops"]
pub struct InFlightGuard {
    count: Arc<watch::Sender<usize>>,
}

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        self.count.send_modify(|n| *n = n.saturating_sub(1));
    }
}

/// How a drain ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drained {
    /// Everything finished.
    Complete,
    /// The deadline passed with this much work still running.
    TimedOut { remaining: usize },
}

impl InFlight {
    /// An empty counter.
    pub fn new() -> Self {
        Self::default()
    }

    /// Marks one unit of work as started.
    pub fn enter(&self) -> InFlightGuard {
        self.count.send_modify(|n| *n += 1);
        InFlightGuard { count: Arc::clone(&self.count) }
    }

    /// Work running now.
    pub fn count(&self) -> usize {
        *self.count.borrow()
    }

    /// Waits until no work runs, or until `deadline` passes.
    pub async fn drain(&self, deadline: Duration) -> Drained {
        let mut rx = self.count.subscribe();
        // Map the borrow guard away at once: it holds the channel's read lock.
        let done = tokio::time::timeout(deadline, async { rx.wait_for(|n| *n == 0).await.is_ok() })
            .await
            .is_ok();
        if done {
            Drained::Complete
        } else {
            Drained::TimedOut { remaining: self.count() }
        }
    }
}

/// `SIGHUP`s as they arrive, for reloads.
#[derive(Debug)]
pub struct Sighup {
    signal: tokio::signal::unix::Signal,
}

/// Listens for `SIGHUP` from now on. Needs a tokio runtime.
pub fn sighup() -> std::io::Result<Sighup> {
    let signal = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?;
    Ok(Sighup { signal })
}

impl Sighup {
    /// The next `SIGHUP`; `None` if the signal source closed.
    pub async fn recv(&mut self) -> Option<()> {
        self.signal.recv().await
    }
}

impl futures::Stream for Sighup {
    type Item = ();

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<()>> {
        self.signal.poll_recv(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_trigger_reaches_every_clone_and_late_waiters() {
        let s = Shutdown::new();
        let c = s.clone();
        let early = tokio::spawn(c.wait());
        assert!(!s.is_triggered());
        c.trigger();
        tokio::time::timeout(Duration::from_secs(2), early).await.unwrap().unwrap();
        assert!(s.is_triggered());
        tokio::time::timeout(Duration::from_secs(2), s.wait()).await.unwrap();
    }

    #[tokio::test]
    async fn drain_completes_when_the_last_guard_drops() {
        let f = InFlight::new();
        let g = f.enter();
        let g2 = f.enter();
        assert_eq!(f.count(), 2);
        drop(g);
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            drop(g2);
        });
        assert_eq!(f.drain(Duration::from_secs(5)).await, Drained::Complete);
        assert_eq!(f.count(), 0);
    }
}
