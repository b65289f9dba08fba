//! All integration tests, in one binary (link time on 2 cores). One module per area;
//! fixtures generate their certificates at test start and never use committed keys.

mod support;

mod agreements_lint;
mod audit_store;
mod explain;
mod keys;
mod minimise;
mod strict_json;
mod tls;
mod config;
mod gateway;
