//! The transfer listener and its request pipeline (contract section 2).
//!
//! A transfer runs through named stages, each an `async fn` over one per-request
//! context that returns what the next stage needs; any error is a [`problem::Refusal`]
//! that [`problem::response`] turns into the one problem+json shape. See
//! `docs/pipeline.md` for the chart with its error edges.

pub mod headers;
pub mod path;
pub mod problem;
pub mod rate;
