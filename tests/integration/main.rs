//! All integration tests, in one binary (link time on 2 cores). One module per area;
//! fixtures generate their certificates at test start and never use committed keys.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests fail loudly")]

mod support;

mod admin;
mod agreements_diff;
mod agreements_lint;
mod audit_store;
mod cli_help;
mod config;
mod console;
mod differential;
mod docs;
mod emergency;
mod explain;
mod gateway;
mod keys;
mod minimise;
mod module_edges;
mod operator;
mod ops;
mod pipeline_doc;
mod settings;
mod strict_json;
mod tls;
