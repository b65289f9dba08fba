//! Emergency sharing after the fact (contract sections 6 and 10): the alert raised for
//! every emergency disclosure, the signed webhook that carries it, the review rules, the
//! overdue re-alert, and subject restrictions.
//!
//! The pipeline decides whether an emergency transfer may go (see
//! `gateway::emergency_limits`); this module only alerts, reviews and restricts. It never
//! blocks or undoes a transfer, and never puts payload or subject data into an alert, a
//! log line or an error.
//!
//! - [`alert`]: the alert (warn event, metric, optional webhook) and its JSON body.
//! - [`webhook`]: HMAC-signed HTTPS delivery with bounded retries, in a spawned task.
//! - [`ledger`]: what this module needs from the record store, as a small trait;
//!   [`store_ledger`] implements it for `audit::Store`.
//! - [`review`]: review validation and recording (one review per disclosure).
//! - [`queue`]: the review queue (pending, reviewed, overdue).
//! - [`overdue`]: the periodic sweep that raises overdue alerts once per disclosure.
//! - [`restrictions`]: subject restrictions kept as governance records, and the check
//!   the pipeline calls.

pub mod alert;
pub mod ledger;
pub mod overdue;
pub mod queue;
pub mod restrictions;
pub mod review;
pub mod store_ledger;
pub mod webhook;

pub use alert::{Alert, AlertKind, Alerts};
pub use ledger::{Committed, Ledger, LedgerError, LedgerRecord};
pub use restrictions::{restricted, RestrictionSet, RestrictionsCell};
