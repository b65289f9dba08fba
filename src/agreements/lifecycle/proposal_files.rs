//! The files of a proposal: checking their names, linting the set they would make (the
//! agreements folder with the proposal laid over it, in a scratch folder), and writing
//! them into the live folders once approved, each file atomically (a temporary file in
//! the same folder, synced, then renamed over the old one).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use jiff::civil::Date;

use crate::agreements::lint::Report;
use crate::agreements::load::load_with_findings;
use crate::agreements::model::AgencyRef;

use super::snapshot::Snapshot;

/// Why a proposal's files could not be checked or written.
#[derive(Debug, thiserror::Error)]
pub enum ProposalFilesError {
    #[error("`{0}` is not a plain file name ending in `{1}` (no folders, no leading `.`)")]
    BadName(String, &'static str),
    #[error("a proposal names at least one agreement or emergency policy file")]
    Empty,
    #[error("cannot {what} `{path}`: {message}")]
    Io { what: &'static str, path: String, message: String },
}

/// A proposal's files: agreement (and emergency policy) YAML and schema JSON, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProposalFiles {
    pub agreements: BTreeMap<String, String>,
    pub schemas: BTreeMap<String, String>,
}

fn io(what: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> ProposalFilesError {
    let path = path.display().to_string();
    move |e| ProposalFilesError::Io { what, path, message: e.to_string() }
}

fn plain(name: &str, ext: &'static str) -> Result<(), ProposalFilesError> {
    let ok = name.ends_with(ext)
        && name.len() > ext.len()
        && !name.starts_with('.')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
    if ok {
        Ok(())
    } else {
        Err(ProposalFilesError::BadName(name.to_owned(), ext))
    }
}

impl ProposalFiles {
    /// Names are plain `*.yaml` / `*.json` file names, and there is an agreement.
    pub fn check_names(&self) -> Result<(), ProposalFilesError> {
        if self.agreements.is_empty() {
            return Err(ProposalFilesError::Empty);
        }
        self.agreements.keys().try_for_each(|n| plain(n, ".yaml"))?;
        self.schemas.keys().try_for_each(|n| plain(n, ".json"))
    }

    /// Lint the set `agreements_dir` + `schemas_dir` would be with these files laid over
    /// them; the report names files as they would be named in the live folders. Also
    /// returns the snapshot of that set, and what `then` makes of its two folders while
    /// they exist (the caller loads the proposed set there, for its diff).
    pub fn lint<T>(
        &self,
        agreements_dir: &Path,
        schemas_dir: &Path,
        agencies: &[AgencyRef],
        today: Date,
        then: impl FnOnce(&Path, &Path) -> T,
    ) -> Result<(Report, Snapshot, T), ProposalFilesError> {
        self.check_names()?;
        let scratch = Scratch::new()?;
        let (a_dir, s_dir) = (scratch.0.join("agreements"), scratch.0.join("schemas"));
        copy_folder(agreements_dir, &a_dir, &self.agreements)?;
        copy_folder(schemas_dir, &s_dir, &self.schemas)?;
        let (_, mut report) =
            load_with_findings(&a_dir, &s_dir, Some(agencies), today).map_err(|e| {
                ProposalFilesError::Io {
                    what: "lint",
                    path: agreements_dir.display().to_string(),
                    message: e.to_string(),
                }
            })?;
        let snapshot = Snapshot::read(&a_dir, &s_dir).map_err(|e| ProposalFilesError::Io {
            what: "read",
            path: agreements_dir.display().to_string(),
            message: e.to_string(),
        })?;
        let (from_a, from_s) = (a_dir.display().to_string(), s_dir.display().to_string());
        let (to_a, to_s) =
            (agreements_dir.display().to_string(), schemas_dir.display().to_string());
        for f in &mut report.findings {
            if let Some(rest) = f.file.strip_prefix(&from_a) {
                f.file = format!("{to_a}{rest}");
            } else if let Some(rest) = f.file.strip_prefix(&from_s) {
                f.file = format!("{to_s}{rest}");
            }
        }
        let made = then(&a_dir, &s_dir);
        Ok((report, snapshot, made))
    }

    /// Write every file into the live folders, schemas first, each atomically.
    pub fn write(
        &self,
        agreements_dir: &Path,
        schemas_dir: &Path,
    ) -> Result<(), ProposalFilesError> {
        self.check_names()?;
        for (name, text) in &self.schemas {
            write_atomically(&schemas_dir.join(name), text)?;
        }
        for (name, text) in &self.agreements {
            write_atomically(&agreements_dir.join(name), text)?;
        }
        Ok(())
    }
}

/// A scratch folder removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Result<Self, ProposalFilesError> {
        let dir = std::env::temp_dir().join(format!("isagate-proposal-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).map_err(io("create", &dir))?;
        Ok(Self(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Copy the regular files of `from` (if it exists) into `to`, then lay `over` on top.
fn copy_folder(
    from: &Path,
    to: &Path,
    over: &BTreeMap<String, String>,
) -> Result<(), ProposalFilesError> {
    std::fs::create_dir_all(to).map_err(io("create", to))?;
    if let Ok(entries) = std::fs::read_dir(from) {
        for e in entries.flatten() {
            if e.file_type().is_ok_and(|t| t.is_file()) {
                let target = to.join(e.file_name());
                std::fs::copy(e.path(), &target).map_err(io("copy", &e.path()))?;
            }
        }
    }
    for (name, text) in over {
        let path = to.join(name);
        std::fs::write(&path, text).map_err(io("write", &path))?;
    }
    Ok(())
}

/// Write `text` to `path` through a synced temporary file renamed over it.
fn write_atomically(path: &Path, text: &str) -> Result<(), ProposalFilesError> {
    use std::io::Write as _;
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = dir.join(format!(".isagate-{}.tmp", uuid::Uuid::now_v7()));
    let mut f = std::fs::File::create(&tmp).map_err(io("write", &tmp))?;
    f.write_all(text.as_bytes()).and_then(|()| f.sync_all()).map_err(io("write", &tmp))?;
    std::fs::rename(&tmp, path).map_err(io("replace", path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_must_be_plain() {
        let mut p = ProposalFiles::default();
        assert!(matches!(p.check_names(), Err(ProposalFilesError::Empty)));
        p.agreements.insert("../x.yaml".into(), String::new());
        assert!(matches!(p.check_names(), Err(ProposalFilesError::BadName(..))));
        p.agreements.clear();
        p.agreements.insert("isa-1.yaml".into(), String::new());
        p.schemas.insert("s.v1.json".into(), String::new());
        assert!(p.check_names().is_ok());
        p.schemas.insert(".hidden.json".into(), String::new());
        assert!(p.check_names().is_err());
    }
}
