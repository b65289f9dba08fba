//! Which agreements a set going live changes, and what each governance record
//! `agreement-activated` (or `agreement-withdrawn`) says about it: id, version, SHA-256 of
//! the agreement and of each schema, the version it replaces, and the diff summary.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::snapshot::{Entry, Snapshot};
use super::versions::what_changed;
use crate::agreements::diff::{Diff, Effect};

/// Widens / narrows counts of the change to one agreement, from `agreements diff` run
/// between the set in force and the new one; `None` when the set in force was not at hand
/// (at start-up the gateway has no earlier set in memory).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffSummary {
    pub widens: Option<u32>,
    pub narrows: Option<u32>,
}

impl DiffSummary {
    /// The counts of `diff`'s findings about agreement `id`.
    pub fn of(diff: &Diff, id: &str) -> Self {
        let count = |effect: Effect| {
            let n = diff.findings.iter().filter(|f| f.agreement == id && f.effect == effect);
            Some(u32::try_from(n.count()).unwrap_or(u32::MAX))
        };
        Self { widens: count(Effect::Widens), narrows: count(Effect::Narrows) }
    }
}

/// One agreement whose content goes live (new, or changed since the live set).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activation {
    /// `agreement-activated` | `agreement-withdrawn`.
    pub action: String,
    pub agreement: String,
    pub version: u32,
    /// The file name inside the agreements folder.
    pub file: String,
    pub sha256: String,
    /// Schema name -> SHA-256 (null when it could not be read).
    pub schemas: BTreeMap<String, Option<String>>,
    /// The version and SHA-256 it replaces (null for a new agreement).
    pub previous_version: Option<u32>,
    pub previous_sha256: Option<String>,
    pub diff: DiffSummary,
}

/// The activations that take `live` (none: nothing recorded yet) to `new`: every new or
/// changed agreement, and every agreement no longer in the set.
pub fn changed(live: Option<&Snapshot>, new: &Snapshot) -> Vec<Activation> {
    let empty = Snapshot::default();
    let live = live.unwrap_or(&empty);
    let mut out = Vec::new();
    for (id, now) in &new.entries {
        let before = live.entries.get(id);
        if before.is_some_and(|b| what_changed(b, now).is_none() && b.version == now.version) {
            continue;
        }
        out.push(Activation {
            action: "agreement-activated".into(),
            agreement: id.clone(),
            version: now.version,
            file: now.file.clone(),
            sha256: now.sha256.clone(),
            schemas: now.schemas.clone(),
            previous_version: before.map(|b| b.version),
            previous_sha256: before.map(|b| b.sha256.clone()),
            diff: DiffSummary::default(),
        });
    }
    for (id, gone) in &live.entries {
        if !new.entries.contains_key(id) {
            out.push(Activation {
                action: "agreement-withdrawn".into(),
                agreement: id.clone(),
                version: gone.version,
                file: gone.file.clone(),
                sha256: gone.sha256.clone(),
                schemas: gone.schemas.clone(),
                previous_version: Some(gone.version),
                previous_sha256: Some(gone.sha256.clone()),
                diff: DiffSummary::default(),
            });
        }
    }
    out
}

/// The set the activation records say is live: each `agreement-activated` record's
/// governance member sets its agreement, each `agreement-withdrawn` removes it, in chain
/// order. `None` when no activation was ever recorded (the first start).
pub fn live_from_records<'a>(
    governance: impl IntoIterator<Item = &'a serde_json::Value>,
) -> Option<Snapshot> {
    let mut live: Option<Snapshot> = None;
    for g in governance {
        let Ok(a) = serde_json::from_value::<Activation>(g.clone()) else { continue };
        let snap = live.get_or_insert_with(Snapshot::default);
        match a.action.as_str() {
            "agreement-activated" => {
                let entry = Entry {
                    id: a.agreement.clone(),
                    version: a.version,
                    file: a.file,
                    sha256: a.sha256,
                    schemas: a.schemas,
                };
                snap.entries.insert(a.agreement, entry);
            }
            "agreement-withdrawn" => {
                snap.entries.remove(&a.agreement);
            }
            _ => {}
        }
    }
    live
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, version: u32, sha: &str) -> Entry {
        Entry {
            id: id.into(),
            version,
            file: format!("{id}.yaml"),
            sha256: sha.into(),
            schemas: BTreeMap::new(),
        }
    }

    fn snap(entries: &[Entry]) -> Snapshot {
        Snapshot {
            entries: entries.iter().map(|e| (e.id.clone(), e.clone())).collect(),
            texts: BTreeMap::new(),
        }
    }

    #[test]
    fn only_new_changed_and_withdrawn_agreements_are_activations() {
        let live = snap(&[entry("A", 1, "a"), entry("B", 1, "b"), entry("C", 1, "c")]);
        let new = snap(&[entry("A", 1, "a"), entry("B", 2, "b2"), entry("D", 1, "d")]);
        let got: Vec<(String, String, Option<u32>)> = changed(Some(&live), &new)
            .into_iter()
            .map(|a| (a.action, a.agreement, a.previous_version))
            .collect();
        assert_eq!(
            got,
            [
                ("agreement-activated".into(), "B".into(), Some(1)),
                ("agreement-activated".into(), "D".into(), None),
                ("agreement-withdrawn".into(), "C".into(), Some(1)),
            ]
        );
        // The first activation (no live set) activates everything.
        assert_eq!(changed(None, &live).len(), 3);
        // Records of those activations give back the set they made live.
        let records: Vec<serde_json::Value> = changed(None, &live)
            .into_iter()
            .chain(changed(Some(&live), &new))
            .map(|a| serde_json::to_value(a).unwrap())
            .collect();
        let back = live_from_records(&records).unwrap();
        assert_eq!(back.entries, new.entries);
        assert!(live_from_records(&[]).is_none());
    }
}
