//! The texts of active agreements and schemas, kept by SHA-256 (issue 13 part 3), on
//! both stores: kept once (a second keep does not change the first), read back by hash,
//! and a store from before the table (SQLite schema version 3) gains it at open.

use isagate::audit::Store;
use isagate::digest::sha256_hex;

use super::common::*;
use super::legacy_store::{chain, sqlite_store};
use crate::support::scratch;

async fn kept_once(store: &Store) {
    let text = "id: ISA-1\nversion: 1\n".to_owned();
    let sha = sha256_hex(text.as_bytes());
    assert_eq!(store.text_of(&sha).await.unwrap(), None);
    store.keep_texts(&[(sha.clone(), text.clone())], "2026-12-07T10:00:00Z").await.unwrap();
    // The same hash again (with whatever text) leaves the first one.
    store.keep_texts(&[(sha.clone(), "other".into())], "2026-12-08T10:00:00Z").await.unwrap();
    assert_eq!(store.text_of(&sha).await.unwrap(), Some(text));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn texts_are_kept_once_sqlite() {
    let dir = scratch();
    kept_once(&open(&sqlite_url(dir.path())).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn texts_are_kept_once_postgres() {
    let Some(admin) = pg_admin_url("texts_are_kept_once_postgres") else { return };
    kept_once(&open(&fresh_pg(&admin).await).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_3_sqlite_store_gains_the_texts_table() {
    let dir = scratch();
    let path = dir.path().join("audit.db");
    let mut drafts: Vec<_> = (0..3).map(|i| disclosure(i, &[])).collect();
    drafts.iter_mut().for_each(|d| d.format = None);
    sqlite_store(&path, 3, &chain(drafts));
    let store = open(&sqlite_url(dir.path())).await;
    kept_once(&store).await;
    assert!(verify(&store).await.ok);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, 7);
}
