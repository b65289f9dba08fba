//! A minimal read of the `[[agencies]]` tables of `isagate.toml` (contract section 9): just
//! `id`, `name`, `jurisdiction` and `upstream`, so `agreements check` can check parties
//! without the full configuration. Other keys and tables are ignored here; the config
//! module validates them. Swap for `crate::config` once it offers the agencies.

use std::path::Path;

use serde::Deserialize;

use crate::agreements::AgencyRef;

#[derive(Debug, thiserror::Error)]
pub enum AgencyConfigError {
    #[error("cannot read `{path}`: {message}")]
    Io { path: String, message: String },
    #[error("`{path}` is not valid TOML: {message}")]
    Toml { path: String, message: String },
}

#[derive(Debug, Deserialize)]
struct RawConfig {
    #[serde(default)]
    agencies: Vec<RawAgency>,
}

#[derive(Debug, Deserialize)]
struct RawAgency {
    id: String,
    #[serde(default)]
    name: Option<String>,
    /// Absent: `GB`.
    #[serde(default)]
    jurisdiction: Option<String>,
    #[serde(default)]
    upstream: Option<String>,
}

/// The agencies registered in the config file at `path`.
pub fn read_agencies(path: &Path) -> Result<Vec<AgencyRef>, AgencyConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| AgencyConfigError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    parse_agencies(&text)
        .map_err(|message| AgencyConfigError::Toml { path: path.display().to_string(), message })
}

fn parse_agencies(text: &str) -> Result<Vec<AgencyRef>, String> {
    let raw: RawConfig = toml::from_str(text).map_err(|e| e.message().to_string())?;
    Ok(raw
        .agencies
        .into_iter()
        .map(|a| AgencyRef {
            name: a.name.unwrap_or_else(|| a.id.clone()),
            id: a.id,
            jurisdiction: a.jurisdiction.unwrap_or_else(|| "GB".to_string()).to_ascii_uppercase(),
            receives: a.upstream.is_some(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_agencies_and_ignores_the_rest() {
        let text = "[gateway]\nlisten = \"x\"\n[[agencies]]\nid = \"a\"\nname = \"A\"\njurisdiction = \"ie\"\nupstream = \"https://x\"\npins = []\n[[agencies]]\nid = \"b\"\n";
        let a = parse_agencies(text).unwrap();
        assert_eq!(a.len(), 2);
        assert_eq!((a[0].jurisdiction.as_str(), a[0].receives), ("IE", true));
        assert_eq!(
            (a[1].jurisdiction.as_str(), a[1].receives, a[1].name.as_str()),
            ("GB", false, "b")
        );
        assert!(parse_agencies("[[agencies]]\nname = 1\n").is_err());
    }
}
