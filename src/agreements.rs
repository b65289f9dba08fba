//! Information sharing agreements: the data model ([`model`]), loading with source
//! positions ([`load`]), the governance linter ([`lint`]), matching a request to a flow
//! ([`matching`]) and the dry run ([`explain`]).

pub mod explain;
pub mod lint;
pub mod load;
pub mod matching;
pub mod model;
pub mod request_form;

pub use model::*;
