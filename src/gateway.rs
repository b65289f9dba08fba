//! The transfer listener and its request pipeline (contract section 2).
//!
//! A transfer runs through named stages ([`transfer::stages`]), each a function over one
//! per-request context that returns what the next stage needs; any error is a
//! [`transfer::TransferError`] that knows whose fault it is, and one exit records it and
//! renders it through [`response`](crate::codes::problem::response) as the one problem+json shape. What is
//! permitted and what the recipient may see is [`crate::policy::decision`]'s to say. See
//! `docs/pipeline.md` for the chart with its error edges.
//!
//! - [`server`]: accept, TLS, identity, HTTP/1.1 and HTTP/2, graceful drain.
//! - [`transfer`]: the pipeline stages.
//! - [`path`], [`headers`], [`body`]: parsing the request strictly.
//! - [`rate`], [`emergency_limits`]: limits and emergency alerts.
//! - [`upstream`]: pooled mTLS clients per recipient.
//! - [`state`]: what all transfers share.

pub mod body;
pub mod emergency_limits;
pub mod headers;
pub mod path;
pub mod rate;
pub mod server;
pub mod state;
pub mod stripped;
pub mod transfer;
pub mod upstream;
