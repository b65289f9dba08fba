//! The disclosure record store (issue 4): chain, group commit, durability, tampering,
//! crash safety, fail-closed behaviour, checkpoints, archive, the CLI and the Python
//! verifier. SQLite runs on a disk-backed scratch directory; PostgreSQL tests use the
//! server in `ISAGATE_TEST_POSTGRES_URL` (a fresh database each) and say when skipped.

pub(crate) mod common;

mod activity;
mod answers;
mod chain;
mod cli;
mod crash;
mod fail_closed;
mod flattened_json;
mod lawful_basis;
mod legacy_store;
mod migration;
mod postgres;
mod queries;
mod read_only_commands;
mod record_format;
mod schema;
mod subject_index;
mod tamper;
mod texts;
