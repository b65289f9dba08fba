//! Loading agreements, the emergency policy and the schemas they name from disk, with
//! every lint finding (contract sections 3, 6, 11). `agreements check`, the gateway's
//! start-up and its reload all come through here; a set with any lint error is refused,
//! except the date-dependent `expired` (see [`super::lint::Rule::depends_on_today`]).
//!
//! Files: `agreements/*.yaml` except `emergency-policy.yaml` (the policy); schemas are read
//! from the schemas folder by the names agreements use. The rules themselves live in
//! [`crate::agreements::lint`]; this module reads files, hashes them and assembles the set.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use jiff::civil::Date;

use crate::digest::sha256_hex;

use super::lint::yaml_tree::{self, YNode};
use super::lint::{self, Finding, Pos, Report, Rule, SchemaFile, Severity};
use super::model::{
    AgencyRef, Agreement, AgreementSet, EmergencyPolicy, LoadedAgreement, LoadedSchema,
};

/// The emergency policy's file name inside the agreements folder.
pub const POLICY_FILE: &str = "emergency-policy.yaml";

/// Why a set could not be loaded. `NotClean` carries the errors, so that a reload refused
/// through the admin API, a `SIGHUP` log line and start-up can all say which files and why.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("the agreements in `{dir}` do not lint clean: {}", first_findings(.errors, 3))]
    NotClean { dir: String, errors: Vec<Finding> },
    #[error("cannot read `{path}`: {message}")]
    Io { path: String, message: String },
}

/// An agreement file that parsed, with its tree (for positions).
#[derive(Debug)]
pub(crate) struct ParsedAgreement {
    pub file: String,
    pub path: PathBuf,
    pub sha256: String,
    pub tree: YNode,
    pub agreement: Agreement,
}

/// The emergency policy file that parsed, with its tree.
#[derive(Debug)]
pub(crate) struct ParsedPolicy {
    pub file: String,
    pub tree: YNode,
    pub policy: EmergencyPolicy,
}

/// Load every agreement in `agreements_dir`, the emergency policy if present, and every
/// schema they name from `schemas_dir`. Refuses a set with any lint error. Parties are
/// not checked against agencies here (see [`load_set_with`]); dates are checked against
/// today in Europe/London.
pub fn load_set(agreements_dir: &Path, schemas_dir: &Path) -> Result<AgreementSet, LoadError> {
    load_set_with(agreements_dir, schemas_dir, None, crate::clock::today_in_london())
        .map(|(set, _)| set)
}

/// [`load_set`] with the registered agencies and the date to check against; returns the
/// warnings too.
pub fn load_set_with(
    agreements_dir: &Path,
    schemas_dir: &Path,
    agencies: Option<&[AgencyRef]>,
    today: Date,
) -> Result<(AgreementSet, Report), LoadError> {
    let (set, report) = load_with_findings(agreements_dir, schemas_dir, agencies, today)?;
    match set {
        Some(set) => Ok((set, report)),
        None => Err(LoadError::NotClean {
            dir: agreements_dir.display().to_string(),
            errors: report.findings.into_iter().filter(|f| f.severity == Severity::Error).collect(),
        }),
    }
}

/// Lint everything and, when no error refuses it, assemble the set: findings that depend
/// on today's date (`expired`) are reported but never refuse a set (an expired agreement
/// loads and is simply not in force; `agreements check` still exits 1 on it). `Err` only when the
/// agreements folder itself cannot be read; every problem inside it is a finding.
/// `agencies: None` means no config: parties are not checked (one warning says so).
pub fn load_with_findings(
    agreements_dir: &Path,
    schemas_dir: &Path,
    agencies: Option<&[AgencyRef]>,
    today: Date,
) -> Result<(Option<AgreementSet>, Report), LoadError> {
    let mut report = Report::default();
    let mut names = Vec::new();
    let entries = std::fs::read_dir(agreements_dir).map_err(|e| io_err(agreements_dir, &e))?;
    for entry in entries {
        let entry = entry.map_err(|e| io_err(agreements_dir, &e))?;
        if entry.file_type().map(|t| t.is_file()).unwrap_or(false) {
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    names.sort();

    let mut agreements = Vec::new();
    let mut policy = None;
    for name in &names {
        let path = agreements_dir.join(name);
        let file = path.display().to_string();
        if name.ends_with(".yml") {
            report.push(Finding::new(
                Rule::IgnoredFile,
                &file,
                Pos::NONE,
                format!("`{name}` is ignored: only `.yaml` files are agreements"),
                "rename it to end in `.yaml`, or move it out of the agreements folder",
            ));
            continue;
        }
        if !name.ends_with(".yaml") {
            continue;
        }
        let Some((bytes, text)) = read_text(&path, &file, &mut report) else { continue };
        report.sources.insert(file.clone(), text.clone());
        if name != POLICY_FILE {
            report.agreements_checked += 1;
        }
        let Some(tree) = parse_tree(&text, &file, &mut report) else { continue };
        if name == POLICY_FILE {
            if lint::check_shape(&tree, lint::Document::EmergencyPolicy, &file, &mut report) {
                if let Some(p) = typed::<EmergencyPolicy>(&text, &file, &mut report) {
                    policy = Some(ParsedPolicy { file, tree, policy: p });
                }
            }
            continue;
        }
        if lint::check_shape(&tree, lint::Document::Agreement, &file, &mut report) {
            if let Some(agreement) = typed::<Agreement>(&text, &file, &mut report) {
                agreements.push(ParsedAgreement {
                    file,
                    path,
                    sha256: sha256_hex(&bytes),
                    tree,
                    agreement,
                });
            }
        }
    }

    lint::check_agreements(&agreements, agencies, today, &mut report);
    lint::check_lawful_bases(&agreements, agencies, &mut report);
    if let Some(p) = &policy {
        lint::check_policy(p, agencies, &mut report);
        lint::check_policy_lawful_bases(p, &mut report);
    }

    // Schemas: every name used, read once.
    let uses = lint::schema_uses(&agreements, policy.as_ref(), &mut report);
    let wanted: BTreeSet<&str> = uses.iter().map(|u| u.name.as_str()).collect();
    let mut schemas: BTreeMap<String, SchemaFile> = BTreeMap::new();
    for name in wanted {
        let path = schemas_dir.join(name);
        let file = path.display().to_string();
        let Ok(bytes) = std::fs::read(&path) else { continue };
        report.schemas_checked += 1;
        let text = String::from_utf8_lossy(&bytes).into_owned();
        report.sources.insert(file.clone(), text.clone());
        let schema = lint::check_schema_file(name, path, file, &bytes, text, &mut report);
        schemas.insert(name.to_string(), schema);
    }
    lint::check_schema_uses(&uses, &schemas, schemas_dir, &mut report);
    report.sort();

    // Findings that depend on today's date never refuse a set: see `Rule::depends_on_today`.
    if report.refuses_load() {
        return Ok((None, report));
    }
    let set = AgreementSet {
        agreements: agreements
            .into_iter()
            .map(|p| LoadedAgreement { agreement: p.agreement, path: p.path, sha256: p.sha256 })
            .collect(),
        schemas: schemas
            .into_iter()
            .filter_map(|(name, s)| {
                let json = s.json?;
                Some((name.clone(), LoadedSchema { name, path: s.path, json, sha256: s.sha256 }))
            })
            .collect(),
        emergency_policy: policy.map(|p| p.policy),
    };
    Ok((Some(set), report))
}

/// "N errors; `file` line L column C: [code] message; ..." for the first `n` findings.
pub fn first_findings(errors: &[Finding], n: usize) -> String {
    let mut parts: Vec<String> = errors
        .iter()
        .take(n)
        .map(|f| {
            let at = if f.line == 0 {
                format!("`{}`", f.file)
            } else {
                format!("`{}` line {} column {}", f.file, f.line, f.column)
            };
            format!("{at}: [{}] {}", f.code, f.message)
        })
        .collect();
    if errors.len() > n {
        parts.push(format!("and {} more", errors.len() - n));
    }
    let count = match errors.len() {
        1 => "1 error".to_owned(),
        k => format!("{k} errors"),
    };
    format!("{count}; {}", parts.join("; "))
}

fn io_err(path: &Path, e: &std::io::Error) -> LoadError {
    LoadError::Io { path: path.display().to_string(), message: e.to_string() }
}

fn read_text(path: &Path, file: &str, report: &mut Report) -> Option<(Vec<u8>, String)> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            report.push(Finding::new(
                Rule::UnreadableFile,
                file,
                Pos::NONE,
                format!("cannot read the file: {e}"),
                "check the file's permissions",
            ));
            return None;
        }
    };
    match String::from_utf8(bytes.clone()) {
        Ok(text) => Some((bytes, text)),
        Err(e) => {
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let offset = e.utf8_error().valid_up_to();
            report.sources.insert(file.to_string(), text.clone());
            report.push(
                Finding::new(
                    Rule::YamlSyntax,
                    file,
                    Pos::at_offset(&text, offset, 1),
                    "the file is not valid UTF-8",
                    "save the file as UTF-8",
                )
                .label("not UTF-8"),
            );
            None
        }
    }
}

fn parse_tree(text: &str, file: &str, report: &mut Report) -> Option<YNode> {
    match yaml_tree::parse(text) {
        Ok(tree) => Some(tree),
        Err(e) if e.duplicate_key => {
            report.push(
                Finding::new(
                    Rule::DuplicateKey,
                    file,
                    e.pos,
                    e.message,
                    "remove one of the two entries: a key may appear once per mapping",
                )
                .label("written twice"),
            );
            None
        }
        Err(e) => {
            let help = colon_in_value(text, e.pos).unwrap_or_else(|| {
                "fix the YAML here (indentation, a missing `:`, an unclosed bracket or quote); nothing else in this file was checked".to_owned()
            });
            report.push(
                Finding::new(
                    Rule::YamlSyntax,
                    file,
                    e.pos,
                    format!("YAML syntax: {}", e.message),
                    help,
                )
                .label("here"),
            );
            None
        }
    }
}

/// When a syntax error sits on a `: ` inside an unquoted value (`title: Referrals: council
/// to police`), the help a non-programmer needs: quote the value, shown on their own line.
fn colon_in_value(text: &str, pos: Pos) -> Option<String> {
    let line = text.lines().nth(usize::try_from(pos.line).ok()?.checked_sub(1)?)?;
    if text.get(pos.offset..pos.offset + 1) != Some(":") {
        return None;
    }
    let (key, value) = line.split_once(": ")?;
    let value = value.trim();
    if value.starts_with(['"', '\'', '[', '{']) || !value.contains(": ") {
        return None;
    }
    let quoted = value.replace('\\', "\\\\").replace('"', "\\\"");
    Some(format!(
        "a `: ` inside a value starts a new key, so YAML cannot read this line: put the whole value in double quotes, as in `{}: \"{quoted}\"`",
        key.trim_end()
    ))
}

/// The final typed parse; only fails where the shape check missed something.
fn typed<T: serde::de::DeserializeOwned>(text: &str, file: &str, report: &mut Report) -> Option<T> {
    match serde_saphyr::from_str::<T>(text) {
        Ok(v) => Some(v),
        Err(e) => {
            let pos =
                e.location().map_or_else(|| Pos::start(text), |l| yaml_tree::pos_of(text, &l));
            report.push(
                Finding::new(
                    Rule::InvalidValue,
                    file,
                    pos,
                    yaml_tree::clean_message(&e.without_snippet().to_string()),
                    "correct this value as `docs/agreements.md` describes",
                )
                .label("here"),
            );
            None
        }
    }
}
