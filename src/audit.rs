//! The disclosure record store (contract section 5): records, their hash chain,
//! the SQLite and PostgreSQL stores with group commit, signed checkpoints, and the
//! read side (verify, subject access, reports).
//!
//! A record is committed durably before the data it describes leaves the gateway and
//! never changes afterwards. Payloads are never stored, only their SHA-256.
//!
//! # Layout
//! - [`record`]: the draft the gateway fills in and the committed [`Record`].
//! - [`canonical`]: the canonical bytes (RFC 8785 subset) and the record hash.
//! - [`clock`]: the record time format (the clock itself is [`crate::clock`]).
//! - [`columns`]: a record as stored (its canonical bytes and the query columns); the
//!   one decoding every reader uses. `legacy`: the old column form, for the migration.
//! - [`store`]: [`Store`], its options, errors and counters; `batch`: group commit.
//! - `sqlite`, `postgres`: the two backends and their writers.
//! - [`verify`]: the chain walk; [`checkpoint`]: signed checkpoints;
//!   [`report`]: transparency report and emergency queue; [`archive`]: segments and anchors;
//!   [`segments`]: archived segments read back for the read side.
//! - [`activity`]: an agreement's last activation and last transfer (the register).
//! - [`subject_access`]: every record about one subject, others redacted (CLI and admin API).
//! - [`subject_index`]: the compact subject index's keys and its watermark.
//! - `texts`: the text of every agreement and schema ever active, by SHA-256.

pub mod activity;
pub mod archive;
mod batch;
pub mod canonical;
pub mod checkpoint;
pub mod clock;
pub mod columns;
mod legacy;
mod postgres;
mod prepared;
pub mod record;
pub mod report;
pub mod segments;
mod sqlite;
pub mod store;
pub mod subject_access;
pub mod subject_index;
mod texts;
pub mod verify;

pub use archive::{archive, AnchorInfo, ArchiveSummary};
pub use checkpoint::{generate_checkpoint_key, Checkpoint, CheckpointError, CheckpointSink};
pub use clock::{Clock, ManualClock, SystemClock};
pub use record::{Record, RecordDraft, GENESIS_HASH};
pub use report::{transparency_report, ChainState, EmergencyEntry, Report, ReportQuery};
pub use segments::{ArchiveCoverage, SegmentMissing, SegmentRead, SegmentSpan};
pub use sqlite::opens_read_only;
pub use store::{
    CheckpointOptions, CommitFailure, Committed, Durability, Store, StoreError, StoreOptions,
    StoreStats,
};
pub use subject_access::{subject_access, SubjectAnswer, SubjectEntry};
pub use verify::{Check, Failure, VerifyReport};
