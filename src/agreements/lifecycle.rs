//! The agreement lifecycle (issue 13 part 3): what a set on disk is, by content
//! ([`snapshot`]: each agreement's id, version, SHA-256 and the SHA-256 of every schema it
//! names, with the texts), whether a changed agreement's version increased
//! ([`versions`]), which agreements an activation changes ([`activation`]), and a
//! four-eyes proposal's files: linted over the live set, written once approved
//! ([`proposal_files`]).
//!
//! Reads files only; recording an activation is the store's and the runtime's job.

pub mod activation;
pub mod proposal_files;
pub mod snapshot;
pub mod versions;

pub use activation::{changed, live_from_records, Activation, DiffSummary};
pub use proposal_files::{ProposalFiles, ProposalFilesError};
pub use snapshot::{Entry, Snapshot, SnapshotError};
pub use versions::version_findings;
