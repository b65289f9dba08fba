//! The transfer listener and its request pipeline (contract section 2).
//!
//! A transfer runs through named stages, each a function over one per-request
//! context that returns what the next stage needs; any error is a [`Refusal`](crate::codes::problem::Refusal)
//! that [`response`](crate::codes::problem::response) turns into the one problem+json shape. See
//! `docs/pipeline.md` for the chart with its error edges.
//!
//! - [`server`]: accept, TLS, identity, HTTP/1.1 and HTTP/2, graceful drain.
//! - [`transfer`]: the pipeline stages.
//! - [`path`], [`headers`], [`body`]: parsing the request strictly.
//! - [`rate`], [`emergency_limits`]: limits and emergency alerts.
//! - [`policy`]: the agreement set with compiled schemas, swapped on reload.
//! - [`upstream`]: pooled mTLS clients per recipient.
//! - [`state`]: what all transfers share.

pub mod body;
pub mod emergency_limits;
pub mod headers;
pub mod path;
pub mod policy;
pub mod rate;
pub mod server;
pub mod state;
pub mod transfer;
pub mod upstream;
