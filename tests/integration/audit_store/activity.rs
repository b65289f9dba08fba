//! The register's reads on both stores (issue 13 part 4): an agreement's last activation
//! (the governance records that named its current text) and its last transfer (its last
//! request record), one query each, on SQLite and on PostgreSQL alike.

use isagate::audit::record::{AgreementRef, Outcome, RecordDraft, RecordKind};
use isagate::audit::Store;
use isagate::codes::Direction;
use serde_json::json;

use super::common::{fresh_pg, open, pg_admin_url, sqlite_url};
use crate::support::scratch;

const ID: &str = "ISA-LCC-MERPOL-0007";

fn reloaded(sha: &str, actor: &str) -> RecordDraft {
    let mut d = RecordDraft::new(RecordKind::Governance, Outcome::Recorded);
    d.actor = Some(actor.to_owned());
    d.governance = Some(json!({"action": "agreements-reloaded", "schemas": 1,
        "agreements": [{"id": ID, "version": 3, "sha256": sha}, {"id": "ISA-OTHER", "version": 1, "sha256": "ef".repeat(32)}]}));
    d
}

fn transfer(id: &str, flow: &str, direction: Direction, outcome: Outcome) -> RecordDraft {
    let mut d = RecordDraft::new(RecordKind::Disclosure, outcome);
    d.agreement = Some(AgreementRef { id: id.to_owned(), version: 3, sha256: "ab".repeat(32) });
    d.flow = Some(flow.to_owned());
    d.direction = Some(direction);
    d
}

async fn suite(store: &Store) {
    let sha = "ab".repeat(32);
    let empty = store.agreement_activity(ID, &sha).await.unwrap();
    assert!(empty.last_activation.is_none() && empty.last_transfer.is_none());

    let first = store.append(reloaded(&sha, "urn:isagate:governance:lcc-dpo")).await.unwrap();
    store.append(reloaded(&sha, "urn:isagate:governance:other")).await.unwrap();
    store.append(reloaded(&"cd".repeat(32), "urn:isagate:governance:other")).await.unwrap();
    let sent = store
        .append(transfer(ID, "referral", Direction::Request, Outcome::Forwarded))
        .await
        .unwrap();
    // A response record and another agreement's transfer are not this agreement's last transfer.
    store.append(transfer(ID, "referral", Direction::Response, Outcome::Delivered)).await.unwrap();
    store.append(transfer("ISA-OTHER", "x", Direction::Request, Outcome::Forwarded)).await.unwrap();

    let a = store.agreement_activity(ID, &sha).await.unwrap();
    let activation = a.last_activation.expect("the first reload of this text");
    assert_eq!(activation.record_id, first.id);
    assert_eq!(activation.actor.as_deref(), Some("urn:isagate:governance:lcc-dpo"));
    assert_eq!(activation.action, "agreements-reloaded");
    let t = a.last_transfer.expect("the request record");
    assert_eq!(
        (t.record_id, t.flow.as_deref(), t.outcome.as_str()),
        (sent.id, Some("referral"), "forwarded")
    );
    // The text of another hash was never activated.
    assert!(store
        .agreement_activity(ID, &"00".repeat(32))
        .await
        .unwrap()
        .last_activation
        .is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn activity_on_sqlite() {
    let dir = scratch();
    suite(&open(&sqlite_url(dir.path())).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn activity_on_postgres() {
    let Some(admin) = pg_admin_url("activity_on_postgres") else { return };
    suite(&open(&fresh_pg(&admin).await).await).await;
}
