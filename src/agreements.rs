//! Information sharing agreements: the data model ([`model`]), loading with source
//! positions ([`load`]), the governance linter ([`lint`]), matching a request to a flow
//! ([`matching`]), the dry run ([`explain`]), the closed lawful-basis vocabulary
//! ([`lawful_basis`]) and the lifecycle of versions and activations ([`lifecycle`]).

pub mod diff;
pub mod explain;
pub mod lawful_basis;
pub mod lifecycle;
pub mod lint;
pub mod load;
pub mod matching;
pub mod model;
pub mod request_form;

pub use model::*;
