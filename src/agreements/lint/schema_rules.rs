//! Lint rules about schemas: that each named schema file exists and is JSON; then every
//! reason the gateway would refuse it, found by compiling it with the gateway's own
//! [`SchemaPlan::compile_all`] (draft 2020-12, `x-isagate-*` annotations, formats,
//! `$ref`s), so that whatever `agreements check` passes, `serve` loads; plus warnings for
//! fields that can never be disclosed (special category or criminal offence data under an
//! agreement with no Article 9 / 10 condition) and closed schemas.
//! Findings point inside the schema file via [`JsonPositions`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::yaml_tree::Step;
use super::{Finding, JsonPositions, Pos, Report, Rule};
use crate::agreements::lawful_basis::{self, Regime, Unlocks};
use crate::agreements::load::{ParsedAgreement, ParsedPolicy};
use crate::digest::sha256_hex;
use crate::minimise::plan::{for_each_keyword, list, ANNOTATIONS};
use crate::minimise::transforms::{Category, Transform, CRIMINAL_OFFENCE};
use crate::minimise::{formats, SchemaError, SchemaPlan, SUBJECT_ID_TYPES};
use crate::spelling::did_you_mean;

/// One place where an agreement or policy rule names a schema.
#[derive(Debug, Clone)]
pub(crate) struct SchemaUse {
    pub name: String,
    /// The YAML file and position of the name.
    pub file: String,
    pub pos: Pos,
    /// e.g. "request_schema of flow `referral`".
    pub role: String,
    /// The agreement id, or "emergency policy rule `x`".
    pub owner: String,
    pub article_9: bool,
    pub article_10: bool,
}

/// A schema file as read and checked.
#[derive(Debug)]
pub(crate) struct SchemaFile {
    pub path: PathBuf,
    pub file: String,
    pub sha256: String,
    /// `None` when it is not JSON.
    pub json: Option<Value>,
    pub positions: JsonPositions,
    /// JSON Pointers (into the schema) of `x-isagate-category` values, with the category.
    pub categories: Vec<(String, String)>,
}

/// Every schema name used, in file order; bad names are reported and left out.
pub(crate) fn schema_uses(
    agreements: &[ParsedAgreement],
    policy: Option<&ParsedPolicy>,
    report: &mut Report,
) -> Vec<SchemaUse> {
    use Step::{Index as I, Key as K};
    let mut uses = Vec::new();
    let mut add = |name: &str,
                   file: &str,
                   pos: Pos,
                   role: String,
                   owner: &str,
                   unlocks: Unlocks,
                   report: &mut Report| {
        if let Some(problem) = name_problem(name) {
            report.push(
                Finding::new(
                    Rule::BadSchemaName,
                    file,
                    pos,
                    format!("schema name `{name}` ({role}) {problem}"),
                    "name a file directly inside the schemas folder, e.g. `referral.v1.json`",
                )
                .label("bad schema name"),
            );
            return;
        }
        uses.push(SchemaUse {
            name: name.to_string(),
            file: file.to_string(),
            pos,
            role,
            owner: owner.to_string(),
            article_9: unlocks.special_category,
            article_10: unlocks.criminal_offence,
        });
    };
    for p in agreements {
        let a = &p.agreement;
        let owner = format!("`{}`", a.id);
        let mut named = Vec::new();
        for (i, flow) in a.flows.iter().enumerate() {
            let of = format!("flow `{}`", flow.id);
            let (request, response) = (flow.request_schema.as_ref(), flow.response_schema.as_ref());
            let unlocks = lawful_basis::unlocks(a.basis_for(flow), flow.regime);
            let pairs = schema_pair(&[K("flows"), I(i)], &of, request, response);
            named.extend(pairs.into_iter().map(|(path, name, role)| (path, name, role, unlocks)));
        }
        if let Some(e) = &a.emergency {
            // The clause serves every flow: it unlocks a category only when every flow's
            // lawful basis does, so the warning shows where one flow could not disclose it.
            let unlocks = a.flows.iter().fold(
                Unlocks { special_category: true, criminal_offence: true },
                |u, flow| {
                    let f = lawful_basis::unlocks(a.basis_for(flow), flow.regime);
                    Unlocks {
                        special_category: u.special_category && f.special_category,
                        criminal_offence: u.criminal_offence && f.criminal_offence,
                    }
                },
            );
            let (request, response) = (Some(&e.request_schema), e.response_schema.as_ref());
            let pairs = schema_pair(&[K("emergency")], "the emergency clause", request, response);
            named.extend(pairs.into_iter().map(|(path, name, role)| (path, name, role, unlocks)));
        }
        for (path, name, role, unlocks) in named {
            add(name, &p.file, p.tree.pos_at(&path), role, &owner, unlocks, report);
        }
    }
    if let Some(p) = policy {
        for (i, rule) in p.policy.rules.iter().enumerate() {
            let owner = format!("emergency policy rule `{}`", rule.id);
            let of = format!("rule `{}`", rule.id);
            let (request, response) = (Some(&rule.request_schema), rule.response_schema.as_ref());
            for (path, name, role) in schema_pair(&[K("rules"), I(i)], &of, request, response) {
                add(
                    name,
                    &p.file,
                    p.tree.pos_at(&path),
                    role,
                    &owner,
                    lawful_basis::unlocks(&rule.lawful_basis, Regime::UkGdpr),
                    report,
                );
            }
        }
    }
    uses
}

/// The request and response schema names held under `at` (a flow, a clause, a rule),
/// each as (its YAML path, the name, its role in messages, e.g. `request_schema of flow
/// `referral``).
fn schema_pair<'a>(
    at: &[Step<'a>],
    of: &str,
    request: Option<&'a String>,
    response: Option<&'a String>,
) -> Vec<(Vec<Step<'a>>, &'a String, String)> {
    [("request_schema", request), ("response_schema", response)]
        .into_iter()
        .filter_map(|(key, name)| {
            let mut path = at.to_vec();
            path.push(Step::Key(key));
            name.map(|name| (path, name, format!("{key} of {of}")))
        })
        .collect()
}

fn name_problem(name: &str) -> Option<&'static str> {
    if name.trim().is_empty() {
        Some("is empty")
    } else if name.contains(['/', '\\']) || name.starts_with('.') {
        Some("is not a plain file name (no folders, no leading `.`)")
    } else {
        None
    }
}

/// Check one schema file's contents.
pub(crate) fn check_schema_file(
    name: &str,
    path: PathBuf,
    file: String,
    bytes: &[u8],
    text: String,
    report: &mut Report,
) -> SchemaFile {
    let sha256 = sha256_hex(bytes);
    let mut out = SchemaFile {
        path,
        file,
        sha256,
        json: None,
        positions: JsonPositions::default(),
        categories: Vec::new(),
    };
    let f = out.file.clone();
    let json: Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => {
            let offset = Pos::offset_of(
                &text,
                u32::try_from(e.line()).unwrap_or(1),
                u32::try_from(e.column()).unwrap_or(1),
            );
            let pos = Pos::at_offset(&text, offset, 1);
            report.push(
                Finding::new(
                    Rule::SchemaNotJson,
                    &f,
                    pos,
                    format!("schema `{name}` is not valid JSON: {}", strip_position(&e.to_string())),
                    "fix the JSON syntax here (a missing comma or quote, a trailing comma, an unclosed bracket)",
                )
                .label("here"),
            );
            return out;
        }
    };
    out.positions = JsonPositions::build(&text);
    for dup in out.positions.duplicates() {
        report.push(
            Finding::new(
                Rule::SchemaNotJson,
                &f,
                out.positions.key_pos(dup),
                format!("schema `{name}` writes the key at `{dup}` twice"),
                "remove one of the two: JSON readers disagree about which one counts",
            )
            .label("written twice"),
        );
    }
    if let Err(errors) = SchemaPlan::compile_all(name, &json) {
        for e in &errors {
            report.push(plan_finding(name, e, &json, &out.positions, &f));
        }
    }
    lint_only_rules(&json, &out.positions, &f, &mut out.categories, report);
    super::subject_bound::check(&json, &out.positions, &f, report);
    out.json = Some(json);
    out
}

fn strip_position(msg: &str) -> String {
    msg.rfind(" at line ").map_or_else(|| msg.to_string(), |i| msg[..i].to_string())
}

/// One finding for one reason the gateway would refuse to load the schema: the plan
/// compiler's error, placed at the value it names, with help.
fn plan_finding(
    name: &str,
    e: &SchemaError,
    json: &Value,
    positions: &JsonPositions,
    f: &str,
) -> Finding {
    let ptr = e.location();
    let at = positions.value_pos(&ptr);
    let shown = || {
        json.pointer(&ptr).map_or_else(String::new, |v| match v.as_str() {
            Some(text) => text.to_owned(),
            None => v.to_string(),
        })
    };
    match e {
        SchemaError::Invalid { pointer, message, .. } => {
            let at_text = if pointer.is_empty() { "/" } else { pointer.as_str() };
            Finding::new(
                Rule::SchemaInvalid,
                f,
                at,
                format!("schema `{name}` is not a valid JSON Schema 2020-12 document at `{at_text}`: {message}"),
                "correct the keyword as JSON Schema 2020-12 requires (a valid regular expression in `pattern` and `patternProperties`)",
            )
            .label("invalid here")
        }
        SchemaError::UnknownFormat { value, .. } => Finding::new(
            Rule::SchemaInvalid,
            f,
            at,
            format!("schema `{name}` names the unknown format `{value}`"),
            format!("{}use one of: {}", did_you_mean(value, formats::names()), list(formats::names())),
        )
        .label("unknown format"),
        SchemaError::OtherDraft { .. } => Finding::new(
            Rule::SchemaInvalid,
            f,
            at,
            format!("schema `{name}` declares another JSON Schema draft"),
            format!("schemas are JSON Schema 2020-12: write `\"$schema\": \"{}\"` or leave `$schema` out", crate::minimise::plan::DRAFT_2020_12),
        )
        .label("not 2020-12"),
        SchemaError::UnsupportedRef { .. } => Finding::new(
            Rule::SchemaInvalid,
            f,
            at,
            e.to_string(),
            "`$ref`s must point inside the same file: `#/$defs/...` or `#anchor`",
        )
        .label("here"),
        SchemaError::UnknownAnnotation { keyword, .. } => Finding::new(
            Rule::UnknownAnnotation,
            f,
            positions.key_pos(&ptr),
            format!("`{keyword}` is not an isagate annotation"),
            format!("{}use one of: {}", did_you_mean(keyword, ANNOTATIONS.iter().copied()), ANNOTATIONS.join(", ")),
        )
        .label("unknown annotation"),
        SchemaError::UnknownTransform { .. } => annotation_finding(Rule::UnknownTransform, f, at, &shown()),
        SchemaError::UnknownCategory { .. } => annotation_finding(Rule::UnknownCategory, f, at, &shown()),
        SchemaError::BadSubjectId { .. } => annotation_finding(Rule::BadSubjectId, f, at, &shown()),
        SchemaError::NotAString { keyword, .. } => {
            let rule = match keyword.as_str() {
                "x-isagate-transform" => Rule::UnknownTransform,
                "x-isagate-category" => Rule::UnknownCategory,
                _ => Rule::BadSubjectId,
            };
            annotation_finding(rule, f, at, &shown())
        }
    }
}

/// An annotation value that is not one of its list's names.
fn annotation_finding(rule: Rule, f: &str, at: Pos, shown: &str) -> Finding {
    let (what, label, names): (&str, &str, Vec<&'static str>) = match rule {
        Rule::UnknownTransform => {
            ("a transform", "unknown transform", Transform::names().collect())
        }
        Rule::UnknownCategory => {
            ("a data category", "unknown category", Category::names().collect())
        }
        _ => {
            ("a kind of subject identifier", "not a kind of identifier", SUBJECT_ID_TYPES.to_vec())
        }
    };
    let hint = did_you_mean(shown, names.iter().copied());
    Finding::new(
        rule,
        f,
        at,
        if shown.trim().is_empty() {
            format!("empty text is not {what}")
        } else {
            format!("`{shown}` is not {what}")
        },
        format!("{hint}use one of: {}", names.join(", ")),
    )
    .label(label)
}

/// Rules the gateway does not enforce but a governance officer wants to know about:
/// closed schemas (warned here); the categories are kept for the Article 9 / 10 warnings.
fn lint_only_rules(
    json: &Value,
    positions: &JsonPositions,
    f: &str,
    categories: &mut Vec<(String, String)>,
    report: &mut Report,
) {
    for_each_keyword(json, &mut |pointer, key, value| {
        let mut ptr = pointer.to_owned();
        crate::minimise::plan::push_segment(&mut ptr, key);
        match key {
            "x-isagate-category" => {
                if let Some(c) = value.as_str().and_then(Category::parse) {
                    categories.push((ptr, c.as_str().to_owned()));
                }
            }
            "additionalProperties" | "unevaluatedProperties" if value == &Value::Bool(false) => {
                report.push(
                    Finding::new(
                        Rule::ClosedSchema,
                        f,
                        positions.key_pos(&ptr),
                        format!("`{key}: false` makes the gateway refuse (422) a payload with any extra field, rather than strip it"),
                        format!("remove `{key}: false` if extra fields should be stripped silently; keep it if senders must be told"),
                    )
                    .label("extra fields refused"),
                );
            }
            _ => {}
        }
    });
}

/// Findings that need both the agreement and the schema: missing schema files, and fields
/// that can never be disclosed under that agreement.
pub(crate) fn check_schema_uses(
    uses: &[SchemaUse],
    schemas: &BTreeMap<String, SchemaFile>,
    schemas_dir: &Path,
    report: &mut Report,
) {
    for u in uses {
        let Some(s) = schemas.get(&u.name) else {
            let known: Vec<String> = std::fs::read_dir(schemas_dir)
                .map(|d| {
                    d.filter_map(|e| e.ok())
                        .map(|e| e.file_name().to_string_lossy().into_owned())
                        .collect()
                })
                .unwrap_or_default();
            let hint = did_you_mean(&u.name, known.iter().map(String::as_str));
            report.push(
                Finding::new(
                    Rule::SchemaNotFound,
                    &u.file,
                    u.pos,
                    format!(
                        "schema `{}` ({}) is not in `{}`",
                        u.name,
                        u.role,
                        schemas_dir.display()
                    ),
                    format!("{hint}add the schema file, or correct the name"),
                )
                .label("no such schema file"),
            );
            continue;
        };
        for (ptr, category) in &s.categories {
            let criminal = category == CRIMINAL_OFFENCE;
            let (missing, rule, article) = if criminal {
                (!u.article_10, Rule::CriminalOffenceWithoutArticle10, "10")
            } else {
                (!u.article_9, Rule::SpecialCategoryWithoutArticle9, "9")
            };
            if missing {
                let field = ptr.strip_suffix("/x-isagate-category").unwrap_or(ptr);
                report.push(
                    Finding::new(
                        rule,
                        &s.file,
                        s.positions.value_pos(ptr),
                        format!(
                            "`{field}` is `{category}` data but {} names no Article {article} condition, so it will always be stripped",
                            u.owner
                        ),
                        format!("add the Article {article} condition to `lawful_basis.article_{article}` if the agreement has one, or remove the field from the schema"),
                    )
                    .label(format!("needs an Article {article} condition")),
                );
            }
        }
    }
}
