//! The policy moved to [`crate::policy`]; these names stay here for the start-up wiring.

pub use crate::policy::{Policy, PolicyCell, PolicyError};
