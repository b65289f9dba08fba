//! Fixtures for the store tests: stores on scratch disk or a fresh PostgreSQL database,
//! sample drafts, and raw SQL access for tampering.

use std::path::Path;

use isagate::audit::record::{
    AgreementRef, EmergencyInfo, Outcome, RecordDraft, RecordKind, ReviewInfo,
};
use isagate::audit::{Store, StoreOptions};
use isagate::codes::{Direction, Reason, RefusalCode, StripReason};
use isagate::minimise::{Stripped, Transformed};

/// The URL of a SQLite store in `dir`.
pub fn sqlite_url(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("audit.db").display())
}

pub async fn open(url: &str) -> Store {
    Store::open(url, StoreOptions::default()).await.unwrap()
}

/// The admin URL of the test PostgreSQL server, or `None` (printing that the test was
/// skipped). With `ISAGATE_TEST_REQUIRE_POSTGRES=1` a missing server fails the test.
pub fn pg_admin_url(test: &str) -> Option<String> {
    match std::env::var("ISAGATE_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("ISAGATE_TEST_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                "{test}: ISAGATE_TEST_POSTGRES_URL is not set but ISAGATE_TEST_REQUIRE_POSTGRES=1"
            );
            eprintln!(
                "{test}: SKIPPED (set ISAGATE_TEST_POSTGRES_URL to run it against PostgreSQL)"
            );
            None
        }
    }
}

/// Replace the database name of a `postgres://...` URL.
pub fn with_db(url: &str, db: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_part = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{host_part}/{db}?{q}"),
        None => format!("{host_part}/{db}"),
    }
}

/// A fresh, empty database on the server at `admin`; its URL.
pub async fn fresh_pg(admin: &str) -> String {
    let (client, conn) = tokio_postgres::connect(admin, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    let name = format!("isagate_t_{}", uuid::Uuid::now_v7().simple());
    client.batch_execute(&format!("CREATE DATABASE {name}")).await.unwrap();
    with_db(admin, &name)
}

/// A raw connection for tampering with a PostgreSQL store.
pub async fn pg_client(url: &str) -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(conn);
    client
}

/// Run raw SQL against a store (SQLite file or PostgreSQL), for tampering.
pub async fn raw_sql(url: &str, sql: &str) {
    if let Some(path) = url.strip_prefix("sqlite://") {
        let conn = rusqlite::Connection::open(path).unwrap();
        conn.execute_batch(sql).unwrap();
    } else {
        pg_client(url).await.batch_execute(sql).await.unwrap();
    }
}

/// A disclosure that fills most fields, about the given subject hashes.
pub fn disclosure(n: u64, subjects: &[&str]) -> RecordDraft {
    let mut d = RecordDraft::new(RecordKind::Disclosure, Outcome::Forwarded);
    d.direction = Some(Direction::Request);
    d.from = Some("lcc-ssc".into());
    d.to = Some("merseyside-police".into());
    d.caller_cert_sha256 = Some("ab".repeat(32));
    d.requester = Some(format!("staff-{}", n % 5));
    d.method = Some("POST".into());
    d.path_template = Some("/v1/referrals".into());
    d.agreement = Some(AgreementRef {
        id: "ISA-LCC-MERPOL-0007".into(),
        version: 3,
        sha256: "cd".repeat(32),
    });
    d.schema_sha256.insert("referral.v1.json".into(), "ef".repeat(32));
    d.flow = Some("referral".into());
    d.purpose = Some("safeguarding".into());
    d.reason = Some(format!("case CR-{n}: risk to a child \"quoted\" \u{e9}\n"));
    d.disclosed = vec!["/child/name".into(), "/child/dob".into()];
    d.stripped = vec![Stripped {
        count: Some(1),
        path: "/child/religion".into(),
        reason: StripReason::SpecialCategory,
    }];
    d.transformed = vec![Transformed { path: "/child/dob".into(), transform: "year".into() }];
    d.payload_sha256 = Some("01".repeat(32));
    d.received_sha256 = Some("02".repeat(32));
    d.subjects = subjects.iter().map(|s| (*s).to_owned()).collect();
    d
}

pub fn refusal(code: RefusalCode) -> RecordDraft {
    let mut d = RecordDraft::new(RecordKind::Refusal, Outcome::Refused);
    d.from = Some("lcc-ssc".into());
    d.to = Some("merseyside-police".into());
    d.refusal = vec![Reason::new(code, "refused for the test")];
    d
}

pub fn emergency(category: &str, requester: &str) -> RecordDraft {
    let mut d = disclosure(0, &[]);
    d.requester = Some(requester.into());
    d.emergency = Some(EmergencyInfo {
        category: category.into(),
        justification: "a child is at immediate risk of serious harm".into(),
        review_state: "pending".into(),
        basis: "agreement:ISA-LCC-MERPOL-0007".into(),
    });
    d
}

pub fn review(of: uuid::Uuid, decision: &str, told: &str) -> RecordDraft {
    let mut d = RecordDraft::new(RecordKind::EmergencyReview, Outcome::Recorded);
    d.in_reply_to = Some(of);
    d.actor = Some("urn:isagate:governance:dpo".into());
    d.review = Some(ReviewInfo {
        decision: decision.into(),
        subject_told: told.into(),
        revisit: None,
        note: "reviewed".into(),
        reviewer: "urn:isagate:governance:dpo".into(),
        amendment: false,
    });
    d
}

/// Append `n` sample disclosures one after another.
pub async fn fill(store: &Store, n: u64) {
    for i in 0..n {
        store.append(disclosure(i, &[&format!("{:064x}", i % 3)])).await.unwrap();
    }
}

/// A SQLite store in `dir` holding `n` sample disclosures, closed again: its URL.
pub async fn filled_sqlite(dir: &Path, n: u64) -> String {
    let url = sqlite_url(dir);
    fill(&open(&url).await, n).await;
    url
}

/// Verify without checkpoints, quietly.
pub async fn verify(store: &Store) -> isagate::audit::VerifyReport {
    store.verify(None, &|_, _| {}).await.unwrap()
}
