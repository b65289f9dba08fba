//! Operations: the ops listener, logs and traces, the shutdown helpers, the mock agency
//! upstream, and the container deployment files.

mod compose;
mod connections;
mod documented_metrics;
mod drain;
mod endpoints;
mod handshake_refusals;
mod mock;
mod readiness;
mod traces;
