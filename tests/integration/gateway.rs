//! The gateway end to end over real mTLS on 127.0.0.1: the contract's status table, TLS
//! refusals, path traversal, what the recipient receives, response minimisation,
//! upstream failures, a store that cannot commit, records for every disclosure id,
//! `curl` as a client, the demo, and SIGTERM.

pub(crate) mod harness;
pub(crate) mod process;

mod approved_start;
mod bare_lf;
mod demo;
mod demo_colours;
mod emergency;
mod expect_continue;
mod expired;
mod framing;
mod refused_set;
mod replicas;
mod response_subjects;
mod sentinel;
mod statuses;
mod stripped_header;
mod tls_refusals;
mod upstream;
