//! Lint rules about schemas: that each named schema file exists, is JSON, is a valid JSON
//! Schema 2020-12 document, and that its `x-isagate-*` annotations use known names; plus
//! warnings for fields that can never be disclosed (special category or criminal offence
//! data under an agreement with no Article 9 / 10 condition) and closed schemas.
//! Findings point inside the schema file via [`JsonPositions`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::yaml_tree::Step;
use super::{Finding, JsonPositions, Pos, Report, Rule};
use crate::agreements::load::{ParsedAgreement, ParsedPolicy};
use crate::agreements::model::LawfulBasis;
use crate::digest::sha256_hex;
use crate::spelling::did_you_mean;

/// `x-isagate-transform` names (contract section 3).
pub const TRANSFORMS: &[&str] =
    &["pseudonymise", "year", "age-band", "postcode-district", "postcode-sector", "mask", "drop"];

/// Special categories (`x-isagate-category`), unlocked by an Article 9 condition: the
/// minimiser's list, so the linter and the gateway agree.
pub use crate::minimise::transforms::SPECIAL_CATEGORIES;

/// Criminal offence data, unlocked by an Article 10 condition.
pub const CRIMINAL_OFFENCE: &str = "criminal-offence";

/// The annotations the gateway reads.
pub const ANNOTATIONS: &[&str] =
    &["x-isagate-transform", "x-isagate-category", "x-isagate-subject-id"];

/// The only `$schema` accepted, when a schema names one.
pub const DRAFT_2020_12: &str = "https://json-schema.org/draft/2020-12/schema";

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
                   lb: &LawfulBasis,
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
            article_9: lb.has_article_9(),
            article_10: lb.has_article_10(),
        });
    };
    for p in agreements {
        let a = &p.agreement;
        let owner = format!("`{}`", a.id);
        for (i, flow) in a.flows.iter().enumerate() {
            for (key, name) in [
                ("request_schema", &flow.request_schema),
                ("response_schema", &flow.response_schema),
            ] {
                if let Some(name) = name {
                    let pos = p.tree.pos_at(&[K("flows"), I(i), K(key)]);
                    add(
                        name,
                        &p.file,
                        pos,
                        format!("{key} of flow `{}`", flow.id),
                        &owner,
                        &a.lawful_basis,
                        report,
                    );
                }
            }
        }
        if let Some(e) = &a.emergency {
            let pos = p.tree.pos_at(&[K("emergency"), K("request_schema")]);
            add(
                &e.request_schema,
                &p.file,
                pos,
                "request_schema of the emergency clause".into(),
                &owner,
                &a.lawful_basis,
                report,
            );
            if let Some(r) = &e.response_schema {
                let pos = p.tree.pos_at(&[K("emergency"), K("response_schema")]);
                add(
                    r,
                    &p.file,
                    pos,
                    "response_schema of the emergency clause".into(),
                    &owner,
                    &a.lawful_basis,
                    report,
                );
            }
        }
    }
    if let Some(p) = policy {
        for (i, rule) in p.policy.rules.iter().enumerate() {
            let owner = format!("emergency policy rule `{}`", rule.id);
            let pos = p.tree.pos_at(&[K("rules"), I(i), K("request_schema")]);
            add(
                &rule.request_schema,
                &p.file,
                pos,
                format!("request_schema of rule `{}`", rule.id),
                &owner,
                &rule.lawful_basis,
                report,
            );
            if let Some(r) = &rule.response_schema {
                let pos = p.tree.pos_at(&[K("rules"), I(i), K("response_schema")]);
                add(
                    r,
                    &p.file,
                    pos,
                    format!("response_schema of rule `{}`", rule.id),
                    &owner,
                    &rule.lawful_basis,
                    report,
                );
            }
        }
    }
    uses
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
    check_valid_2020_12(name, &json, &out.positions, &f, report);
    walk(&json, &mut String::new(), false, &out.positions, &f, &mut out.categories, report);
    out.json = Some(json);
    out
}

fn strip_position(msg: &str) -> String {
    msg.rfind(" at line ").map_or_else(|| msg.to_string(), |i| msg[..i].to_string())
}

fn check_valid_2020_12(
    name: &str,
    json: &Value,
    positions: &JsonPositions,
    f: &str,
    report: &mut Report,
) {
    if let Some(s) = json.get("$schema") {
        if s.as_str() != Some(DRAFT_2020_12) {
            report.push(
                Finding::new(
                    Rule::SchemaInvalid,
                    f,
                    positions.value_pos("/$schema"),
                    format!("schema `{name}` declares another JSON Schema draft"),
                    format!("schemas are JSON Schema 2020-12: write `\"$schema\": \"{DRAFT_2020_12}\"` or leave `$schema` out"),
                )
                .label("not 2020-12"),
            );
            return;
        }
    }
    let meta = jsonschema::draft202012::meta::validator();
    let mut any = false;
    for e in meta.iter_errors(json).take(20) {
        any = true;
        let at = e.instance_path().as_str().to_string();
        report.push(
            Finding::new(
                Rule::SchemaInvalid,
                f,
                positions.value_pos(&at),
                format!(
                    "schema `{name}` is not a valid JSON Schema 2020-12 document at `{}`: {}",
                    if at.is_empty() { "/" } else { &at },
                    short(&e.to_string())
                ),
                "correct the keyword's value as JSON Schema 2020-12 requires",
            )
            .label("invalid here"),
        );
    }
    if any {
        return;
    }
    let built = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .should_ignore_unknown_formats(false)
        .with_format("nhs-number", |_: &str| true)
        .with_format("uk-postcode", |_: &str| true)
        .build(json);
    if let Err(e) = built {
        let at = e.instance_path().as_str().to_string();
        report.push(
            Finding::new(
                Rule::SchemaInvalid,
                f,
                positions.value_pos(&at),
                format!("schema `{name}` cannot be compiled: {}", short(&e.to_string())),
                "fix the keyword (an unknown `format`, a `$ref` to nothing, a bad regular expression); `$ref`s must point inside the same file",
            )
            .label("here"),
        );
    }
}

fn short(msg: &str) -> String {
    let one_line = msg.replace('\n', " ");
    if one_line.chars().count() > 160 {
        let cut: String = one_line.chars().take(157).collect();
        format!("{cut}...")
    } else {
        one_line
    }
}

/// Keywords whose members are names (of properties, definitions), not keywords.
const NAMED_CHILDREN: &[&str] = &[
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
    "dependentRequired",
];

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn walk(
    v: &Value,
    ptr: &mut String,
    names: bool,
    positions: &JsonPositions,
    f: &str,
    categories: &mut Vec<(String, String)>,
    report: &mut Report,
) {
    match v {
        Value::Object(map) => {
            for (key, child) in map {
                let len = ptr.len();
                ptr.push('/');
                ptr.push_str(&escape(key));
                if !names {
                    check_keyword(key, child, ptr, positions, f, categories, report);
                }
                let child_names = !names && NAMED_CHILDREN.contains(&key.as_str());
                // `enum`, `const`, `default` and `examples` hold data, not schemas.
                if names || !matches!(key.as_str(), "enum" | "const" | "default" | "examples") {
                    walk(child, ptr, child_names, positions, f, categories, report);
                }
                ptr.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                let len = ptr.len();
                ptr.push('/');
                ptr.push_str(&i.to_string());
                walk(child, ptr, false, positions, f, categories, report);
                ptr.truncate(len);
            }
        }
        _ => {}
    }
}

fn check_keyword(
    key: &str,
    value: &Value,
    ptr: &str,
    positions: &JsonPositions,
    f: &str,
    categories: &mut Vec<(String, String)>,
    report: &mut Report,
) {
    let at = positions.value_pos(ptr);
    match key {
        "x-isagate-transform" => match value.as_str() {
            Some(t) if TRANSFORMS.contains(&t) => {}
            _ => {
                let shown = value.as_str().map_or_else(|| value.to_string(), str::to_string);
                let hint = did_you_mean(&shown, TRANSFORMS.iter().copied());
                report.push(
                    Finding::new(
                        Rule::UnknownTransform,
                        f,
                        at,
                        format!("`{shown}` is not a transform"),
                        format!("{hint}use one of: {}", TRANSFORMS.join(", ")),
                    )
                    .label("unknown transform"),
                );
            }
        },
        "x-isagate-category" => match value.as_str() {
            Some(c) if SPECIAL_CATEGORIES.contains(&c) || c == CRIMINAL_OFFENCE => {
                categories.push((ptr.to_string(), c.to_string()));
            }
            _ => {
                let shown = value.as_str().map_or_else(|| value.to_string(), str::to_string);
                let all = SPECIAL_CATEGORIES.iter().copied().chain([CRIMINAL_OFFENCE]);
                let hint = did_you_mean(&shown, all);
                report.push(
                    Finding::new(
                        Rule::UnknownCategory,
                        f,
                        at,
                        format!("`{shown}` is not a data category"),
                        format!(
                            "{hint}use one of: {}, {CRIMINAL_OFFENCE}",
                            SPECIAL_CATEGORIES.join(", ")
                        ),
                    )
                    .label("unknown category"),
                );
            }
        },
        "x-isagate-subject-id" if value.as_str().is_none_or(|s| s.trim().is_empty()) => {
            report.push(
                    Finding::new(
                        Rule::BadSubjectId,
                        f,
                        at,
                        "`x-isagate-subject-id` must name the kind of identifier",
                        "write the identifier's kind as text, e.g. `\"nhs-number\"`, `\"pnc-id\"` or `\"local-id\"`",
                    )
                    .label("not a kind of identifier"),
                );
        }
        "x-isagate-subject-id" => {}
        "additionalProperties" | "unevaluatedProperties" if value == &Value::Bool(false) => {
            report.push(
                Finding::new(
                    Rule::ClosedSchema,
                    f,
                    positions.key_pos(ptr),
                    format!("`{key}: false` makes the gateway refuse (422) a payload with any extra field, rather than strip it"),
                    format!("remove `{key}: false` if extra fields should be stripped silently; keep it if senders must be told"),
                )
                .label("extra fields refused"),
            );
        }
        k if k.starts_with("x-isagate-") => {
            let hint = did_you_mean(k, ANNOTATIONS.iter().copied());
            report.push(
                Finding::new(
                    Rule::UnknownAnnotation,
                    f,
                    positions.key_pos(ptr),
                    format!("`{k}` is not an isagate annotation"),
                    format!("{hint}use one of: {}", ANNOTATIONS.join(", ")),
                )
                .label("unknown annotation"),
            );
        }
        _ => {}
    }
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
