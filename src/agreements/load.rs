//! Loading agreements, the emergency policy and schemas from disk. TODO: filled in by
//! the agreements work item; the signature of [`load_set`] is fixed.

use std::path::Path;

use super::model::AgreementSet;

/// Why a set could not be loaded; `agreements check` gives the full findings.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(
        "the agreements in `{dir}` do not lint clean: run `isagate agreements check` to see why"
    )]
    NotClean { dir: String },
    #[error("cannot read `{path}`: {message}")]
    Io { path: String, message: String },
}

/// Load every agreement in `agreements_dir`, the emergency policy if present, and every
/// schema they name from `schemas_dir`. Refuses a set with any lint error.
pub fn load_set(agreements_dir: &Path, schemas_dir: &Path) -> Result<AgreementSet, LoadError> {
    let _ = schemas_dir;
    Err(LoadError::NotClean { dir: agreements_dir.display().to_string() })
}
