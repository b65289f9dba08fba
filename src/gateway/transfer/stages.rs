//! The pipeline's named stages, in order (contract section 2). Each is a plain function
//! over the per-request [`Known`](super::known::Known) context that returns a typed
//! proof the next stage needs, or a [`TransferError`](super::TransferError):
//!
//! | stage | function | proof |
//! |---|---|---|
//! | 1 | [`identify()`] | [`Identified`] |
//! | 2 | [`route()`] (with [`framing`](route::framing)) | [`Routed`] |
//! | 3 | [`authorise()`] | [`Authorised`] |
//! | 4 | [`rate_limit()`] | (none) |
//! | 5 | [`minimise()`] | [`Minimised`] |
//! | 5b | [`restriction_check()`] | (none) |
//! | 6 | [`record()`] | [`Recorded`] |
//! | 7 | [`forward()`] | [`Forwarded`] |
//! | 8 | [`respond()`] | [`Answered`] |

pub mod authorise;
pub mod forward;
pub mod identify;
pub mod minimise;
pub mod rate_limit;
pub mod record;
pub mod respond;
pub mod restriction;
pub mod route;

pub use authorise::{authorise, Authorised};
pub use forward::{forward, Forwarded};
pub use identify::{identify, Identified};
pub use minimise::{minimise, Minimised};
pub use rate_limit::rate_limit;
pub use record::{record, Recorded};
pub use respond::{respond, Answered};
pub use restriction::restriction_check;
pub use route::{route, Routed};
