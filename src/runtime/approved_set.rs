//! Start-up with `governance.four_eyes = true`: when the agreements on disk hold a change
//! no approved proposal holds, the gateway starts on the last approved set instead,
//! rebuilt from the texts the store keeps, and logs what differs on disk. Reloads and
//! `SIGHUP` keep reading the folders on disk (and refuse the change until it is approved).

use std::path::{Path, PathBuf};

use crate::admin::activations::{live_set, unapproved};
use crate::agreements::lifecycle::Snapshot;
use crate::audit::Store;

use super::launch::{LaunchError, PolicySource};

/// A folder removed when dropped (the rebuilt set is read once, into memory).
pub struct Rebuilt {
    pub source: PolicySource,
    root: PathBuf,
}

impl Drop for Rebuilt {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn fail(e: impl std::fmt::Display) -> LaunchError {
    LaunchError::Activation(e.to_string())
}

/// The last approved set, rebuilt, when the disk differs from it without approval;
/// `None` when the disk may be loaded (nothing recorded yet, or every change approved).
pub async fn approved_instead(
    store: &Store,
    disk: &PolicySource,
) -> Result<Option<Rebuilt>, LaunchError> {
    let Some(live) = live_set(store).await.map_err(fail)? else { return Ok(None) };
    let snapshot = Snapshot::read(&disk.agreements, &disk.schemas).map_err(fail)?;
    let dir = disk.agreements.display().to_string();
    let differs = unapproved(store, &snapshot, &dir).await.map_err(fail)?;
    if differs.is_empty() {
        return Ok(None);
    }
    for f in &differs {
        tracing::warn!(file = %f.file, "four-eyes: {}; starting on the last approved set", f.message);
    }
    let root = std::env::temp_dir().join(format!("isagate-approved-{}", uuid::Uuid::now_v7()));
    let rebuilt = Rebuilt {
        source: PolicySource { agreements: root.join("agreements"), schemas: root.join("schemas") },
        root,
    };
    for e in live.entries.values() {
        write_text(store, &e.sha256, &rebuilt.source.agreements.join(&e.file)).await?;
        for (name, sha) in &e.schemas {
            if let Some(sha) = sha {
                write_text(store, sha, &rebuilt.source.schemas.join(name)).await?;
            }
        }
    }
    Ok(Some(rebuilt))
}

async fn write_text(store: &Store, sha256: &str, to: &Path) -> Result<(), LaunchError> {
    let text = store.text_of(sha256).await.map_err(fail)?.ok_or_else(|| {
        fail(format!(
            "the last approved set cannot be rebuilt: the store does not hold the text of `{}`",
            to.display()
        ))
    })?;
    if let Some(dir) = to.parent() {
        std::fs::create_dir_all(dir).map_err(fail)?;
    }
    std::fs::write(to, text).map_err(fail)
}
