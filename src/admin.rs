//! The governance admin listener (contract section 8): `:9443`, mutual TLS, governance
//! identities (`urn:isagate:governance:...`) only; JSON under `/v1/...`, problem+json
//! errors, and an OpenAPI 3.1 document at `/v1/openapi.json` that the tests hold the
//! server to.
//!
//! Every governance action (reload, review, restriction change, full verify) is a record in the chain
//! naming the certificate identity that made it. An agency certificate gets 403 and a
//! refusal record.
//!
//! - [`router`]: the route table (the one list the OpenAPI document is checked against),
//!   identity check and dispatch.
//! - [`agreements`], [`proposals`], [`reviews`], [`audit`], [`restrictions`]: the
//!   endpoints by domain; [`activations`]: recording a set that goes live; [`chain`]:
//!   full verifies (recorded as `chain-verified`) and the console's page-load verify.
//! - [`ports`]: what the admin listener needs from the agreements and the record store;
//!   [`store_port`] implements the store's part for `audit::Store`.
//! - [`openapi`]: the OpenAPI document.
//! - [`error`]: [`AdminError`], the one map from what went wrong (and whose fault it
//!   is) to a status, a problem code and a log line.
//! - [`reply`]: JSON and problem responses.
//! - [`server`]: accept, TLS, identity, HTTP/1.1 and HTTP/2, graceful shutdown.
//! - [`client`]: the mTLS client the CLI uses to reach a running gateway.
//!
//! This module must not expose live pseudonyms (`/v1/explain` uses a throw-away key), a
//! subject id (restrictions keep keyed hashes), or answer anyone but governance.

pub mod activations;
pub mod agreements;
pub mod audit;
pub mod chain;
pub mod client;
pub mod error;
pub mod field_table;
pub mod openapi;
pub mod ports;
pub mod proposals;
pub mod reply;
pub mod restrictions;
pub mod reviews;
pub mod router;
pub mod server;
pub mod store_port;

use std::sync::Arc;
use std::time::Duration;

use crate::emergency::{Ledger, RestrictionsCell};
use crate::keys::SubjectKey;

pub use error::AdminError;
pub use ports::{AgreementsPort, AuditPort};
pub use server::serve_admin;

/// Who is on the other end of an admin connection, from its verified certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminPeer {
    pub identity: Option<AdminIdentity>,
    /// Lowercase hex SHA-256 of the leaf certificate (DER).
    pub cert_sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminIdentity {
    /// The full `urn:isagate:governance:<person-or-team>` URI.
    Governance(String),
    /// An agency id: refused here.
    Agency(String),
}

/// Everything the admin listener shares between requests.
pub struct AdminState {
    /// Emergency reviews, restrictions and governance records.
    pub ledger: Arc<dyn Ledger>,
    /// Chain status, subject access and reports.
    pub audit: Arc<dyn AuditPort>,
    /// The loaded agreements, reload and the dry run.
    pub agreements: Arc<dyn AgreementsPort>,
    /// The active restrictions, shared with the transfer pipeline.
    pub restrictions: Arc<RestrictionsCell>,
    /// Turns subject ids into keyed hashes (restrictions, subject access).
    pub subject_key: SubjectKey,
    /// When a pending review becomes overdue (default 72 h).
    pub overdue_after: Duration,
    /// Serialises reviews in this process (one review per disclosure).
    pub review_lock: tokio::sync::Mutex<()>,
    /// "Now", injectable so tests control review dates and overdue times.
    pub clock: Arc<dyn crate::clock::Clock>,
    /// Largest request body accepted (default 1 MiB).
    pub max_body: usize,
    /// Agency id -> display name (`[[agencies]] name`), for the transparency report.
    pub agency_names: std::collections::BTreeMap<String, String>,
    /// The console's form-token key (`keys.console`); `None`: console forms are refused.
    pub console_key: Option<crate::console::csrf::CsrfKey>,
    /// `governance.four_eyes`: a change goes live only once a second governance identity
    /// approved it (default false).
    pub four_eyes: std::sync::atomic::AtomicBool,
    /// Serialises proposal decisions and reloads in this process.
    pub lifecycle_lock: tokio::sync::Mutex<()>,
}

impl AdminState {
    /// State with the documented defaults.
    pub fn new(
        ledger: Arc<dyn Ledger>,
        audit: Arc<dyn AuditPort>,
        agreements: Arc<dyn AgreementsPort>,
        restrictions: Arc<RestrictionsCell>,
        subject_key: SubjectKey,
    ) -> Self {
        Self {
            ledger,
            audit,
            agreements,
            restrictions,
            subject_key,
            overdue_after: Duration::from_secs(72 * 3600),
            review_lock: tokio::sync::Mutex::new(()),
            clock: Arc::new(crate::clock::SystemClock),
            max_body: 1024 * 1024,
            agency_names: std::collections::BTreeMap::new(),
            console_key: None,
            four_eyes: std::sync::atomic::AtomicBool::new(false),
            lifecycle_lock: tokio::sync::Mutex::new(()),
        }
    }
}
