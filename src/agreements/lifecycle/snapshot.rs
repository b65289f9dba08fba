//! A set of agreements by content: for every agreement (and the emergency policy, under
//! the id `emergency-policy`) its version, file name, SHA-256, and the SHA-256 of each
//! schema it names, with the texts of all of them. Read leniently: a file that does not
//! parse is left out (linting it is `agreements check`'s job), a schema that cannot be
//! read has no hash, so a snapshot can be taken of an old folder that no longer lints.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::agreements::load::POLICY_FILE;
use crate::agreements::model::{Agreement, EmergencyPolicy};
use crate::digest::sha256_hex;

/// The id the emergency policy goes by in a snapshot (and in activation records).
pub const POLICY_ID: &str = "emergency-policy";

/// Why a snapshot could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("cannot read the agreements folder `{path}`: {message}")]
    Folder { path: String, message: String },
}

/// One agreement (or the emergency policy) by content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub id: String,
    pub version: u32,
    /// The file name inside the agreements folder.
    pub file: String,
    pub sha256: String,
    /// Schema name -> SHA-256 of its file (`None` when it could not be read).
    pub schemas: BTreeMap<String, Option<String>>,
}

/// A set by content, with the texts by SHA-256.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// By id.
    pub entries: BTreeMap<String, Entry>,
    /// SHA-256 -> text, for every agreement, policy and schema file read.
    #[serde(skip)]
    pub texts: BTreeMap<String, String>,
}

impl Snapshot {
    /// Read `agreements_dir` (its `*.yaml`) and the schemas they name from `schemas_dir`.
    pub fn read(agreements_dir: &Path, schemas_dir: &Path) -> Result<Self, SnapshotError> {
        let folder_err = |e: std::io::Error| SnapshotError::Folder {
            path: agreements_dir.display().to_string(),
            message: e.to_string(),
        };
        let mut names: Vec<PathBuf> = std::fs::read_dir(agreements_dir)
            .map_err(folder_err)?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "yaml") && p.is_file())
            .collect();
        names.sort();
        let mut snap = Snapshot::default();
        for path in names {
            let Ok(text) = std::fs::read_to_string(&path) else { continue };
            let file =
                path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
            let parsed = if file == POLICY_FILE {
                serde_saphyr::from_str::<EmergencyPolicy>(&text).ok().map(|p| {
                    let names = p
                        .rules
                        .iter()
                        .flat_map(|r| std::iter::once(&r.request_schema).chain(&r.response_schema))
                        .cloned()
                        .collect::<Vec<_>>();
                    (POLICY_ID.to_owned(), p.version, names)
                })
            } else {
                serde_saphyr::from_str::<Agreement>(&text)
                    .ok()
                    .map(|a| (a.id.clone(), a.version, schema_names(&a)))
            };
            let Some((id, version, schema_list)) = parsed else { continue };
            let mut schemas = BTreeMap::new();
            for name in schema_list {
                let hash = std::fs::read_to_string(schemas_dir.join(&name)).ok().map(|t| {
                    let h = sha256_hex(t.as_bytes());
                    snap.texts.insert(h.clone(), t);
                    h
                });
                schemas.insert(name, hash);
            }
            let sha256 = sha256_hex(text.as_bytes());
            snap.texts.insert(sha256.clone(), text);
            snap.entries.insert(id.clone(), Entry { id, version, file, sha256, schemas });
        }
        Ok(snap)
    }
}

/// Every schema name an agreement uses (flows and its emergency clause), without repeats.
pub fn schema_names(a: &Agreement) -> Vec<String> {
    let mut names: Vec<String> = a
        .flows
        .iter()
        .flat_map(|f| f.request_schema.iter().chain(&f.response_schema))
        .chain(
            a.emergency
                .iter()
                .flat_map(|e| std::iter::once(&e.request_schema).chain(e.response_schema.as_ref())),
        )
        .cloned()
        .collect();
    names.sort();
    names.dedup();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_samples_have_hashes_for_every_schema() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let snap = Snapshot::read(&root.join("agreements"), &root.join("schemas")).unwrap();
        let a = &snap.entries["ISA-LCC-MERPOL-0007"];
        assert_eq!(a.file, "isa-lcc-merpol-0007.yaml");
        assert!(!a.schemas.is_empty() && a.schemas.values().all(Option::is_some));
        assert!(snap.entries.contains_key(POLICY_ID));
        for e in snap.entries.values() {
            assert!(snap.texts.contains_key(&e.sha256));
        }
    }
}
