//! What emergency review, overdue alerts and restrictions need from the record store,
//! as one small object-safe trait, so they can be tested without a database and so the
//! store's own API stays its own. `audit::Store` implements it (see `store_ledger`); unit
//! tests in this crate use an in-memory ledger that exists only under `#[cfg(test)]`.
//!
//! Every method reads committed records only; `append` returns once the record is durable.

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

/// What every [`Ledger`] method returns: a boxed future of the answer or a store failure.
pub type LedgerFuture<'a, T> = BoxFuture<'a, Result<T, LedgerError>>;

/// `From<LedgerError>` for a module's error enum: the store failure is logged under
/// `$area` (it names the store, never a subject) and becomes the enum's `Store` variant,
/// so every emergency operation maps a store failure the same way.
macro_rules! store_failure_is {
    ($error:ty, $area:literal) => {
        impl From<$crate::emergency::ledger::LedgerError> for $error {
            fn from(e: $crate::emergency::ledger::LedgerError) -> Self {
                tracing::error!(error = %e, concat!($area, ": record store unavailable"));
                Self::Store
            }
        }
    };
}
pub(crate) use store_failure_is;

/// The record store, as emergency review, overdue alerts and restrictions see it.
pub trait Ledger: Send + Sync {
    /// Commit a record durably.
    fn append(&self, draft: RecordDraft) -> LedgerFuture<'_, Committed>;
    /// One record by id.
    fn get(&self, id: Uuid) -> LedgerFuture<'_, Option<LedgerRecord>>;
    /// Every emergency request disclosure (kind `disclosure`, direction `request`,
    /// `emergency` set), oldest first, each with its `emergency-review` records.
    fn emergencies(&self) -> LedgerFuture<'_, Vec<EmergencyEntry>>;
    /// Every `governance` record with `seq > after_seq`, in chain order.
    fn governance_since(&self, after_seq: u64) -> LedgerFuture<'_, Vec<LedgerRecord>>;
    /// Every `governance` record whose `action` is one of `actions`, in chain order
    /// (the store answers from an index; this default filters [`Ledger::governance_since`]).
    fn governance_by_action<'a>(
        &'a self,
        actions: &'a [&'a str],
    ) -> LedgerFuture<'a, Vec<LedgerRecord>> {
        Box::pin(async move {
            let all = self.governance_since(0).await?;
            Ok(all
                .into_iter()
                .filter(|r| {
                    let action = r.draft.governance.as_ref().and_then(|g| g["action"].as_str());
                    action.is_some_and(|a| actions.contains(&a))
                })
                .collect())
        })
    }
    /// Which archived segments `emergencies` reads, and which are missing (`None`: this
    /// ledger has no archive).
    fn archive_coverage(&self) -> LedgerFuture<'_, Option<crate::audit::ArchiveCoverage>> {
        Box::pin(async { Ok(None) })
    }
}

/// Whether a record is an emergency request disclosure (what a review may name).
pub fn is_emergency_disclosure(d: &RecordDraft) -> bool {
    d.kind == RecordKind::Disclosure
        && d.direction == Some(Direction::Request)
        && d.emergency.is_some()
}

/// Parse a record's RFC 3339 time.
pub fn record_time(r: &LedgerRecord) -> Option<jiff::Timestamp> {
    r.time.parse().ok()
}

/// The in-memory ledger of this crate's unit tests.
#[cfg(test)]
pub(crate) mod memory {
    use std::sync::Mutex;

    use uuid::Uuid;

    use super::{
        is_emergency_disclosure, Committed, EmergencyEntry, Ledger, LedgerFuture, LedgerRecord,
    };
    use crate::audit::record::{RecordDraft, RecordKind};

    /// A ledger in memory, for the unit tests of this crate (integration tests use the real
    /// store on a temporary SQLite file).
    #[derive(Debug, Default)]
    pub struct MemoryLedger {
        records: Mutex<Vec<LedgerRecord>>,
    }

    impl MemoryLedger {
        pub fn new() -> Self {
            Self::default()
        }

        fn lock(&self) -> std::sync::MutexGuard<'_, Vec<LedgerRecord>> {
            match self.records.lock() {
                Ok(g) => g,
                Err(p) => p.into_inner(),
            }
        }

        /// Every record, in chain order.
        pub fn all(&self) -> Vec<LedgerRecord> {
            self.lock().clone()
        }
    }

    impl Ledger for MemoryLedger {
        fn append(&self, draft: RecordDraft) -> LedgerFuture<'_, Committed> {
            Box::pin(async move {
                let mut recs = self.lock();
                let seq = recs.len() as u64 + 1;
                let id = Uuid::now_v7();
                let time = jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string();
                recs.push(LedgerRecord { id, seq, time: time.clone(), draft });
                Ok(Committed { id, seq, time })
            })
        }

        fn get(&self, id: Uuid) -> LedgerFuture<'_, Option<LedgerRecord>> {
            Box::pin(async move { Ok(self.lock().iter().find(|r| r.id == id).cloned()) })
        }

        fn emergencies(&self) -> LedgerFuture<'_, Vec<EmergencyEntry>> {
            Box::pin(async move {
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

        fn governance_since(&self, after_seq: u64) -> LedgerFuture<'_, Vec<LedgerRecord>> {
            Box::pin(async move {
                Ok(self
                    .lock()
                    .iter()
                    .filter(|r| r.seq > after_seq && r.draft.kind == RecordKind::Governance)
                    .cloned()
                    .collect())
            })
        }
    }
}
