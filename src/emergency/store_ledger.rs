//! [`Ledger`] over the real record store (`audit::Store`), with its public API only.
//!
//! `emergencies` uses `Store::emergency_records` (archived segments included, which
//! `archive_coverage` names); `governance_since` pages through
//! `Store::governance_after` (an index of governance records only, so the restrictions
//! refresh does not read every disclosure). Rows that do not decode are skipped here:
//! `audit verify` names them.

use uuid::Uuid;

use super::ledger::{Committed, EmergencyEntry, Ledger, LedgerError, LedgerFuture, LedgerRecord};
use crate::audit::record::{Record, RecordDraft, RecordKind};
use crate::audit::{Store, StoreError};

const PAGE: u64 = 1000;

fn unavailable(e: StoreError) -> LedgerError {
    LedgerError::Unavailable(e.to_string())
}

fn from_record(r: Record) -> LedgerRecord {
    LedgerRecord { id: r.id, seq: r.seq, time: r.time, draft: r.draft }
}

impl Ledger for Store {
    fn append(&self, draft: RecordDraft) -> LedgerFuture<'_, Committed> {
        Box::pin(async move {
            let c = Store::append(self, draft).await.map_err(unavailable)?;
            Ok(Committed { id: c.id, seq: c.seq, time: c.time })
        })
    }

    fn get(&self, id: Uuid) -> LedgerFuture<'_, Option<LedgerRecord>> {
        Box::pin(
            async move { Ok(Store::get(self, id).await.map_err(unavailable)?.map(from_record)) },
        )
    }

    fn emergencies(&self) -> LedgerFuture<'_, Vec<EmergencyEntry>> {
        Box::pin(async move {
            let entries = self.emergency_records(None).await.map_err(unavailable)?;
            Ok(entries
                .into_iter()
                .map(|e| EmergencyEntry {
                    disclosure: from_record(e.record),
                    reviews: e.reviews.into_iter().map(from_record).collect(),
                })
                .collect())
        })
    }

    fn archive_coverage(&self) -> LedgerFuture<'_, Option<crate::audit::ArchiveCoverage>> {
        Box::pin(async move { Ok(Some(Store::archive_coverage(self).await.map_err(unavailable)?)) })
    }

    fn governance_by_action<'a>(
        &'a self,
        actions: &'a [&'a str],
    ) -> LedgerFuture<'a, Vec<LedgerRecord>> {
        Box::pin(async move {
            let rows = Store::governance_by_action(self, actions).await.map_err(unavailable)?;
            Ok(rows.into_iter().filter_map(|r| r.record.ok()).map(from_record).collect())
        })
    }

    fn governance_since(&self, after_seq: u64) -> LedgerFuture<'_, Vec<LedgerRecord>> {
        Box::pin(async move {
            let mut out = Vec::new();
            let mut after = after_seq;
            // Bounded: each page advances `after`; an empty page ends the walk.
            loop {
                let rows = self.governance_after(after, PAGE).await.map_err(unavailable)?;
                let Some(last) = rows.last() else { break };
                after = u64::try_from(last.seq).unwrap_or(u64::MAX);
                let n = rows.len() as u64;
                out.extend(
                    rows.into_iter()
                        .filter_map(|r| r.record.ok())
                        .filter(|r| r.draft.kind == RecordKind::Governance)
                        .map(from_record),
                );
                if n < PAGE {
                    break;
                }
            }
            Ok(out)
        })
    }
}
