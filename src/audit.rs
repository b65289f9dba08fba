//! The disclosure record store (contract section 5): records, their hash chain,
//! the SQLite and PostgreSQL stores with group commit, signed checkpoints, and the
//! read side (verify, subject access, reports).
//!
//! A record is committed durably before the data it describes leaves the gateway and
//! never changes afterwards. Payloads are never stored, only their SHA-256.

pub mod record;
