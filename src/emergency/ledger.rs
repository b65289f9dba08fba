//! What emergency review, overdue alerts and restrictions need from the record store,
//! as one small object-safe trait, so they can be tested without a database and so the
//! store's own API stays its own. `audit::Store` implements it (see `store_ledger`); the
//! in-memory [`MemoryLedger`] serves tests.
//!
//! Every method reads committed records only; `append` returns once the record is durable.

use std::sync::Mutex;

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::audit::record::{RecordDraft, RecordKind};
use crate::codes::Direction;

/// A committed record: the author's draft plus what the store assigned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LedgerRecord {
    pub id: Uuid,
    pub seq: u64,
    /// RFC 3339 UTC.
    pub time: String,
    pub draft: RecordDraft,
}

/// What `append` hands back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Committed {
    pub id: Uuid,
    pub seq: u64,
    pub time: String,
}

/// An emergency disclosure with the reviews that name it, in chain order.
#[derive(Debug, Clone, PartialEq)]
pub struct EmergencyEntry {
    pub disclosure: LedgerRecord,
    pub reviews: Vec<LedgerRecord>,
}

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// The store cannot commit or answer (maps to 503 `audit-unavailable`).
    #[error("the record store is unavailable: {0}")]
    Unavailable(String),
}

/// The record store, as emergency review, overdue alerts and restrictions see it.
pub trait Ledger: Send + Sync {
    /// Commit a record durably.
    fn append(&self, draft: RecordDraft) -> BoxFuture<'_, Result<Committed, LedgerError>>;
    /// One record by id.
    fn get(&self, id: Uuid) -> BoxFuture<'_, Result<Option<LedgerRecord>, LedgerError>>;
    /// Every emergency request disclosure (kind `disclosure`, direction `request`,
    /// `emergency` set), oldest first, each with its `emergency-review` records.
    fn emergencies(&self) -> BoxFuture<'_, Result<Vec<EmergencyEntry>, LedgerError>>;
    /// Every `governance` record with `seq > after_seq`, in chain order.
    fn governance_since(
        &self,
        after_seq: u64,
    ) -> BoxFuture<'_, Result<Vec<LedgerRecord>, LedgerError>>;
}

/// Whether a record is an emergency request disclosure (what a review may name).
pub fn is_emergency_disclosure(d: &RecordDraft) -> bool {
    d.kind == RecordKind::Disclosure
        && d.direction == Some(Direction::Request)
        && d.emergency.is_some()
}

/// A ledger in memory: for tests, and to show the trait's contract in 40 lines.
#[derive(Debug, Default)]
pub struct MemoryLedger {
    records: Mutex<Vec<LedgerRecord>>,
    /// When set, every call fails as an unavailable store would.
    pub broken: std::sync::atomic::AtomicBool,
}

impl MemoryLedger {
    pub fn new() -> Self {
        Self::default()
    }

    fn check(&self) -> Result<(), LedgerError> {
        if self.broken.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(LedgerError::Unavailable("memory ledger marked broken".into()));
        }
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<LedgerRecord>> {
        match self.records.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// Append with a chosen time (tests of overdue reviews).
    pub fn append_at(&self, draft: RecordDraft, time: jiff::Timestamp) -> Committed {
        let mut recs = self.lock();
        let seq = recs.len() as u64 + 1;
        let id = Uuid::now_v7();
        let time = time.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string();
        recs.push(LedgerRecord { id, seq, time: time.clone(), draft });
        Committed { id, seq, time }
    }

    /// Every record, in chain order.
    pub fn all(&self) -> Vec<LedgerRecord> {
        self.lock().clone()
    }
}

impl Ledger for MemoryLedger {
    fn append(&self, draft: RecordDraft) -> BoxFuture<'_, Result<Committed, LedgerError>> {
        Box::pin(async move {
            self.check()?;
            Ok(self.append_at(draft, jiff::Timestamp::now()))
        })
    }

    fn get(&self, id: Uuid) -> BoxFuture<'_, Result<Option<LedgerRecord>, LedgerError>> {
        Box::pin(async move {
            self.check()?;
            Ok(self.lock().iter().find(|r| r.id == id).cloned())
        })
    }

    fn emergencies(&self) -> BoxFuture<'_, Result<Vec<EmergencyEntry>, LedgerError>> {
        Box::pin(async move {
            self.check()?;
            let recs = self.lock();
            Ok(recs
                .iter()
                .filter(|r| is_emergency_disclosure(&r.draft))
                .map(|d| EmergencyEntry {
                    disclosure: d.clone(),
                    reviews: recs
                        .iter()
                        .filter(|r| {
                            r.draft.kind == RecordKind::EmergencyReview
                                && r.draft.in_reply_to == Some(d.id)
                        })
                        .cloned()
                        .collect(),
                })
                .collect())
        })
    }

    fn governance_since(
        &self,
        after_seq: u64,
    ) -> BoxFuture<'_, Result<Vec<LedgerRecord>, LedgerError>> {
        Box::pin(async move {
            self.check()?;
            Ok(self
                .lock()
                .iter()
                .filter(|r| r.seq > after_seq && r.draft.kind == RecordKind::Governance)
                .cloned()
                .collect())
        })
    }
}

/// Parse a record's RFC 3339 time.
pub fn record_time(r: &LedgerRecord) -> Option<jiff::Timestamp> {
    r.time.parse().ok()
}
