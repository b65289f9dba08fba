//! The minimisation reports from what the walk met: the record's form (schema paths,
//! each once, sorted; stripped entries counted per path and reason) and the dry run's
//! payload view (concrete pointers). Schema paths are interned while walking ([`Paths`]),
//! so a field repeated in every array element costs a lookup, not a string.

use std::collections::{HashMap, HashSet};

use super::super::transforms::Transform;
use super::super::{MinimisationReport, PayloadView, Stripped, Transformed};
use crate::codes::StripReason;

/// One stripped node as the walk meets it: its concrete pointer (for the payload view
/// and the emergency re-check) and the record's path (an id in [`Paths`]).
pub(super) struct RawStrip {
    pub pointer: String,
    pub path: PathId,
    pub reason: StripReason,
}

/// One transformed value as the walk meets it: its concrete pointer, the record's path.
pub(super) struct RawTransform {
    pub pointer: String,
    pub path: PathId,
    pub transform: Transform,
}

/// The id of a schema path in [`Paths`].
pub(super) type PathId = usize;

/// The schema paths the report names, each held once: a path met again (the same field
/// of every array element) costs a lookup, not a new string.
pub(super) struct Paths {
    ids: HashMap<String, PathId, foldhash::fast::RandomState>,
}

impl Default for Paths {
    /// Room for a typical schema's paths without growing.
    fn default() -> Self {
        Paths { ids: HashMap::with_capacity_and_hasher(32, Default::default()) }
    }
}

impl Paths {
    pub fn id(&mut self, path: &str) -> PathId {
        if let Some(id) = self.ids.get(path) {
            return *id;
        }
        let id = self.ids.len();
        self.ids.insert(path.to_owned(), id);
        id
    }

    /// Every path, indexed by its id.
    fn into_names(self) -> Vec<String> {
        let mut names = vec![String::new(); self.ids.len()];
        for (path, id) in self.ids {
            if let Some(slot) = names.get_mut(id) {
                *slot = path;
            }
        }
        names
    }
}

/// Both reports. `declared`: what the flow's normal schema declares (emergency sharing),
/// for relabelling an undeclared member `not-in-emergency-schema`.
pub(super) fn reports(
    paths: Paths,
    mut disclosed: Vec<PathId>,
    raw: Vec<RawStrip>,
    raw_transformed: Vec<RawTransform>,
    declared: Option<&HashSet<String>>,
) -> (MinimisationReport, PayloadView) {
    let mut names = paths.into_names();
    let name = |names: &[String], id: PathId| names.get(id).cloned().unwrap_or_default();
    let mut keys: Vec<(PathId, StripReason)> = Vec::with_capacity(raw.len());
    let mut payload_view = PayloadView::default();
    for RawStrip { pointer, path, mut reason } in raw {
        if reason == StripReason::Undeclared && declared.is_some_and(|d| d.contains(&pointer)) {
            reason = StripReason::NotInEmergencySchema;
        }
        keys.push((path, reason));
        payload_view.stripped.push(Stripped { count: None, path: pointer, reason });
    }
    keys.sort_unstable();
    let mut stripped: Vec<Stripped> = keys
        .chunk_by(|a, b| a == b)
        .map(|same| {
            let (path, reason) = same[0];
            let count = Some(u64::try_from(same.len()).unwrap_or(u64::MAX));
            Stripped { count, path: name(&names, path), reason }
        })
        .collect();
    stripped.sort_unstable_by(|a, b| (&a.path, a.reason).cmp(&(&b.path, b.reason)));
    let mut transformed_ids = Vec::with_capacity(raw_transformed.len());
    for RawTransform { pointer, path, transform } in raw_transformed {
        let transform_name = transform.as_str().to_owned();
        payload_view.transformed.push(Transformed { path: pointer, transform: transform_name });
        transformed_ids.push((path, transform));
    }
    transformed_ids.sort_unstable();
    transformed_ids.dedup();
    let mut transformed: Vec<Transformed> = transformed_ids
        .into_iter()
        .map(|(path, t)| Transformed { path: name(&names, path), transform: t.as_str().to_owned() })
        .collect();
    transformed.sort();
    disclosed.sort_unstable();
    disclosed.dedup();
    // Each id once now: its name can be moved out (the other lists cloned theirs).
    let mut disclosed: Vec<String> = disclosed
        .into_iter()
        .map(|id| names.get_mut(id).map(std::mem::take).unwrap_or_default())
        .collect();
    disclosed.sort();
    payload_view.stripped.sort();
    payload_view.transformed.sort();
    (MinimisationReport { disclosed, stripped, transformed }, payload_view)
}
