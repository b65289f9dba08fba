//! `agreements check --against`: an agreement whose file, or any schema it names, changed
//! must carry a higher `version`, so that a record's `(id, version)` names one text.

use crate::agreements::lint::{Finding, Pos, Rule};

use super::snapshot::{Entry, Snapshot};

/// One error per agreement in `new` that differs from the same id in `old` without a
/// higher version. `agreements_dir` is how the new folder is named in findings.
pub fn version_findings(old: &Snapshot, new: &Snapshot, agreements_dir: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    for (id, now) in &new.entries {
        let Some(before) = old.entries.get(id) else { continue };
        let Some(what) = what_changed(before, now) else { continue };
        if now.version > before.version {
            continue;
        }
        let text = new.texts.get(&now.sha256).map_or("", String::as_str);
        let file = format!("{}/{}", agreements_dir.trim_end_matches('/'), now.file);
        let (message, help) = if now.version == before.version {
            (
                format!("`{id}` changed ({what}) but its version is still {}", now.version),
                format!(
                    "raise `version` to {}: each change to an agreement or a schema it names needs a new version, so that a record's version names one text",
                    before.version.saturating_add(1)
                ),
            )
        } else {
            (
                format!(
                    "`{id}` changed ({what}) and its version went down from {} to {}",
                    before.version, now.version
                ),
                format!("set `version` to {} or more", before.version.saturating_add(1)),
            )
        };
        out.push(
            Finding::new(Rule::VersionNotIncreased, &file, version_pos(text), message, help)
                .label("raise this"),
        );
    }
    out
}

/// What differs between two entries of one agreement, in words (`None`: nothing).
pub fn what_changed(before: &Entry, now: &Entry) -> Option<String> {
    let mut parts = Vec::new();
    if before.sha256 != now.sha256 {
        parts.push(format!("its file `{}`", now.file));
    }
    for (name, hash) in &now.schemas {
        match before.schemas.get(name) {
            Some(old) if old == hash => {}
            Some(_) => parts.push(format!("schema `{name}`")),
            None => parts.push(format!("schema `{name}` is new to it")),
        }
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// The position of the top-level `version:` key (the file as a whole when absent).
fn version_pos(text: &str) -> Pos {
    let at =
        if text.starts_with("version:") { Some(0) } else { text.find("\nversion:").map(|i| i + 1) };
    let Some(key) = at else { return Pos::NONE };
    // Point at the value after `version:`, past the spaces.
    let value = key + "version:".len();
    let rest = text.get(value..).unwrap_or("");
    let skip = rest.len() - rest.trim_start_matches(' ').len();
    let len = rest.trim_start_matches(' ').find('\n').unwrap_or(0);
    Pos::at_offset(text, value + skip, len)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn entry(version: u32, sha: &str, schema: &str) -> Entry {
        Entry {
            id: "ISA-1".into(),
            version,
            file: "a.yaml".into(),
            sha256: sha.into(),
            schemas: BTreeMap::from([("s.json".to_owned(), Some(schema.to_owned()))]),
        }
    }

    fn snap(e: Entry, text: &str) -> Snapshot {
        Snapshot {
            texts: BTreeMap::from([(e.sha256.clone(), text.to_owned())]),
            entries: BTreeMap::from([(e.id.clone(), e)]),
        }
    }

    #[test]
    fn a_change_needs_a_higher_version() {
        let text = "id: ISA-1\nversion: 3\n";
        let old = snap(entry(3, "a", "s1"), text);
        // Same content: fine. A changed schema, same version: an error at `version:`.
        assert!(version_findings(&old, &old, "agreements").is_empty());
        let new = snap(entry(3, "a", "s2"), text);
        let f = version_findings(&old, &new, "agreements");
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].code, "version-not-increased");
        assert_eq!((f[0].line, f[0].column), (2, 10));
        assert!(f[0].message.contains("schema `s.json`"), "{}", f[0].message);
        assert!(f[0].help.contains("raise `version` to 4"));
        assert_eq!(f[0].file, "agreements/a.yaml");
        // A changed file with a lower version; then a higher one is fine.
        let new = snap(entry(2, "b", "s1"), text);
        assert!(version_findings(&old, &new, "agreements")[0].message.contains("went down"));
        let new = snap(entry(4, "b", "s2"), text);
        assert!(version_findings(&old, &new, "agreements").is_empty());
    }
}
