//! # isagate
//!
//! A mutual-TLS gateway between public agencies. Every transfer of personal data is
//! checked against its information sharing agreement, minimised to what the agreement
//! allows, and recorded with its reason before a byte reaches the recipient.
//!
//! # Layout
//! - [`clock`]: the one injectable clock: now, and today in Europe/London.
//! - [`codes`]: the refusal codes and strip reasons of the outside contract, the problem
//!   document, and the words agreements and records share (one vocabulary).
//! - [`digest`]: the one SHA-256 helper (lowercase hex).
//! - [`json_strict`]: the one strict JSON parser used for every body (I-JSON rules).
//! - [`keys`]: key files, subject hashes and per-recipient pseudonymisation keys.
//! - [`agreements`]: agreements as pure data, loading, linting, matching and `explain`.
//! - [`minimise`]: schemas compiled into minimisation plans, stripping and transforms.
//! - [`policy`]: the loaded agreements with compiled schemas, and the one decision over them.
//! - [`audit`]: the disclosure record, its hash chain, SQLite and PostgreSQL stores,
//!   checkpoints, verification, subject access and reports.
//! - [`console`]: the governance console, server-rendered pages on the admin listener.
//! - [`config`]: `isagate.toml`, validated with every error at once.
//! - [`tls`]: client identities, certificate verifiers, CRLs and development certificates.
//! - [`listener`]: the mTLS HTTP accept/handshake/drain loop both listeners share.
//! - [`gateway`]: the transfer listener and its request pipeline.
//! - [`emergency`]: emergency sharing's review, alerts and webhook.
//! - [`admin`]: the governance admin listener (mTLS, governance identities only).
//! - [`telemetry`]: logs, metrics and traces, and the plain-HTTP ops listener.
//! - [`runtime`]: the composition root: start-up from the config, the listeners' wiring,
//!   agreement reloads, and the background tasks (CRL watch, restrictions, overdue reviews).
//! - [`redaction`]: the one URL redactor (no user info, no query) for logs and errors.
//! - [`reloadable`]: the one swap cell for state a reload replaces (policy, restrictions, TLS).
//! - [`shutdown`]: the stop signal (`SIGTERM`/`SIGINT`), draining in-flight work, `SIGHUP`.
//! - [`spelling`]: the one "did you mean" (edit distance and threshold).
//! - [`mock_agency`]: a mock agency upstream for the demo and the tests.
//! - [`cli`]: one file per command.

#![forbid(unsafe_code)]

pub mod admin;
pub mod agreements;
pub mod audit;
pub mod cli;
pub mod clock;
pub mod codes;
pub mod config;
pub mod console;
pub mod digest;
pub mod emergency;
pub mod gateway;
pub mod json_strict;
pub mod keys;
pub mod listener;
pub mod minimise;
pub mod mock_agency;
pub mod policy;
pub mod redaction;
pub mod reloadable;
pub mod runtime;
pub mod shutdown;
pub mod spelling;
pub mod telemetry;
pub mod tls;
