//! The composition root: the one place that assembles a running gateway from its
//! configuration. It opens the record store, loads the agreements, builds TLS for the
//! listeners, wires the transfer, admin and ops listeners together with the emergency
//! alerts and restrictions, reloads agreements (`SIGHUP` and the admin API), and starts
//! the background tasks. It decides nothing about a transfer itself.
//!
//! Other modules never depend on this one; it depends on them (`gateway`, `admin`,
//! `emergency`, `audit`, `telemetry`).
//!
//! - [`launch`]: [`launch()`] starts everything; [`Launched`] waits for the drain.
//! - [`admin_port`]: the admin listener's view of the running gateway's agreements.
//! - [`readiness`]: what `/readyz` answers (last commit, write probe, free disk floor).
//! - [`approved_set`]: four-eyes start-up on the last approved set when the disk differs.

pub mod admin_port;
pub mod approved_set;
pub mod launch;
pub mod readiness;

pub use launch::{launch, load_policy, policy_source, LaunchError, Launched, PolicySource};
