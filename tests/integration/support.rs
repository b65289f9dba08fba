//! Shared test fixtures: paths to the repository, a disk-backed scratch directory.
#![allow(dead_code, reason = "each test module uses a different subset")]

use std::path::PathBuf;

/// The repository root (where `Cargo.toml` is).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A scratch directory on a disk-backed file system (under `target/`, not `/tmp`, which
/// may be tmpfs), removed when dropped.
pub fn scratch() -> tempfile::TempDir {
    let base = repo().join("target").join("test-scratch");
    let _ = std::fs::create_dir_all(&base);
    tempfile::Builder::new()
        .prefix("t")
        .tempdir_in(base)
        .unwrap_or_else(|e| unreachable!("cannot make a scratch directory: {e}"))
}

/// The `isagate` binary built for these tests.
pub fn isagate_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_isagate"))
}
