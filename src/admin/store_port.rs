//! [`AuditPort`] over the real record store: chain status from `Store::verify` (with the
//! signed checkpoints the config names) or, since the last checkpoint, `admin::chain`'s
//! walk; subject
//! access shaped (and other subjects redacted) exactly as `isagate audit subject` does,
//! and the transparency report of `isagate audit report`, archived segments included.

use futures::future::BoxFuture;

use super::ports::{
    AgreementActivity, AuditPort, BadRecord, ChainStatus, ChainSummary, Checkpoint,
};
use crate::audit::Store;
use crate::emergency::LedgerError;

fn unavailable(e: impl std::fmt::Display) -> LedgerError {
    LedgerError::Unavailable(e.to_string())
}

/// A full verify's report as the admin API shows it.
pub fn chain_status(r: crate::audit::VerifyReport) -> ChainStatus {
    ChainStatus {
        summary: ChainSummary {
            ok: r.ok,
            length: r.length,
            head_seq: (r.length > 0).then_some(r.head_seq),
            head_hash: (r.length > 0).then_some(r.head_hash),
        },
        first_bad: r.failure.map(|f| BadRecord {
            seq: f.seq,
            id: f.id.unwrap_or_default(),
            problem: f.detail,
        }),
        last_checkpoint: r.last_checkpoint.map(|c| Checkpoint {
            seq: c.seq,
            head_hash: c.head,
            time: c.time,
        }),
    }
}

impl AuditPort for Store {
    fn keep_texts(&self, texts: Vec<(String, String)>) -> BoxFuture<'_, Result<(), LedgerError>> {
        Box::pin(async move {
            let now = jiff::Timestamp::now().to_string();
            Store::keep_texts(self, &texts, &now).await.map_err(unavailable)
        })
    }

    fn text_of(&self, sha256: String) -> BoxFuture<'_, Result<Option<String>, LedgerError>> {
        Box::pin(async move { Store::text_of(self, &sha256).await.map_err(unavailable) })
    }

    fn verify(&self) -> BoxFuture<'_, Result<ChainStatus, LedgerError>> {
        Box::pin(async move {
            // `Store::verify` takes a progress `&dyn Fn` (not `Sync`), so its future is not
            // `Send`: walk the chain on a blocking thread of the same runtime.
            let store = self.clone();
            let handle = tokio::runtime::Handle::current();
            let r = tokio::task::spawn_blocking(move || {
                let files = super::chain::checkpoint_files(&store);
                let checkpoints = files.as_ref().map(|(f, k)| (f.as_path(), k.as_path()));
                handle.block_on(store.verify(checkpoints, &|_, _| {}))
            })
            .await
            .map_err(unavailable)?
            .map_err(unavailable)?;
            Ok(chain_status(r))
        })
    }

    fn verify_recent(
        &self,
        known: Option<super::chain::KnownHead>,
    ) -> BoxFuture<'_, Result<super::chain::RecentStatus, LedgerError>> {
        Box::pin(async move { super::chain::walk_since(self, known).await.map_err(unavailable) })
    }

    fn subject(
        &self,
        subject_hash: String,
    ) -> BoxFuture<'_, Result<serde_json::Value, LedgerError>> {
        Box::pin(async move {
            let answer =
                crate::audit::subject_access(self, &subject_hash).await.map_err(unavailable)?;
            serde_json::to_value(answer).map_err(unavailable)
        })
    }

    fn report(
        &self,
        query: crate::audit::ReportQuery,
    ) -> BoxFuture<'_, Result<serde_json::Value, LedgerError>> {
        Box::pin(async move {
            // The report may verify the chain, whose future is not `Send` (see `verify`).
            let store = self.clone();
            let handle = tokio::runtime::Handle::current();
            let rep = tokio::task::spawn_blocking(move || {
                handle.block_on(crate::audit::transparency_report(&store, &query))
            })
            .await
            .map_err(unavailable)?
            .map_err(unavailable)?;
            serde_json::to_value(rep).map_err(unavailable)
        })
    }

    fn impact(
        &self,
        proposed: crate::policy::Policy,
        diff: crate::agreements::diff::Diff,
        window: crate::agreements::diff::Window,
    ) -> BoxFuture<'_, Result<crate::agreements::diff::Impact, LedgerError>> {
        Box::pin(async move {
            crate::agreements::diff::impact(self, &proposed, &diff, &window)
                .await
                .map_err(unavailable)
        })
    }

    fn activity(
        &self,
        agreement_id: String,
        sha256: String,
    ) -> BoxFuture<'_, Result<AgreementActivity, LedgerError>> {
        Box::pin(async move {
            self.agreement_activity(&agreement_id, &sha256).await.map_err(unavailable)
        })
    }
}
