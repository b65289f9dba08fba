//! Structure checks on a parsed YAML tree: unknown keys, missing keys and values of the
//! wrong type, ALL of them (serde stops at the first). The shapes are data,
//! `shapes.toml` beside this file, and mirror [`crate::agreements::model`]; a final typed
//! parse in `load` backs this up, so a difference between the two can only add a finding,
//! never hide one.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

use super::yaml_tree::{YKind, YNode};
use super::{Finding, Pos, Report, Rule};
use crate::agreements::request_form;
use crate::spelling::did_you_mean;

/// The table of shapes, compiled in.
const DATA: &str = include_str!("shapes.toml");

const STATUSES: &[&str] = &["draft", "active", "suspended", "expired"];
const SAFEGUARDS: &[&str] = &["adequacy", "idta", "addendum"];
const REGIMES: &[&str] = &["uk-gdpr", "dpa-part-3"];

/// A file the linter checks, by the shape of its top mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Document {
    /// An agreement file.
    Agreement,
    /// `emergency-policy.yaml`.
    EmergencyPolicy,
}

impl Document {
    fn shape_name(self) -> &'static str {
        match self {
            Self::Agreement => "agreement",
            Self::EmergencyPolicy => "emergency policy",
        }
    }
}

/// What a key holds.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Str,
    U32,
    Bool,
    Date,
    Enum(&'static [&'static str]),
    StrList,
    /// A mapping of the shape at this index of [`Table::shapes`].
    Obj(usize),
    /// A list of such mappings.
    ObjList(usize),
}

#[derive(Debug)]
struct Field {
    name: String,
    kind: Kind,
    required: bool,
    /// `~` (null) is accepted and means absent.
    nullable: bool,
}

/// The keys a mapping may have, and what each holds.
#[derive(Debug)]
struct Shape {
    /// What a governance user calls this mapping, e.g. `flow`.
    name: String,
    fields: Vec<Field>,
}

/// Every shape of `shapes.toml`, each mapping's keys resolved.
#[derive(Debug)]
struct Table {
    shapes: Vec<Shape>,
}

/// Why `shapes.toml` does not load (a unit test makes sure it does).
#[derive(Debug, thiserror::Error)]
pub(crate) enum ShapeError {
    #[error("shapes.toml does not parse: {0}")]
    Syntax(#[from] toml::de::Error),
    #[error("shapes.toml: key `{key}` of `{shape}`: {problem}")]
    Key { shape: String, key: String, problem: &'static str },
    #[error("shapes.toml has no `{0}` table")]
    Missing(&'static str),
}

/// `shapes.toml` as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawShape {
    keys: Vec<RawField>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawField {
    key: String,
    kind: RawKind,
    #[serde(default)]
    need: Need,
    values: Option<Values>,
    shape: Option<String>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum RawKind {
    Text,
    WholeNumber,
    TrueOrFalse,
    Date,
    List,
    OneOf,
    Mapping,
    ListOfMappings,
}

#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum Need {
    #[default]
    Required,
    /// May be absent or `~`.
    Optional,
    /// May be absent; when written it must hold a value (`~` is refused).
    NotNull,
}

/// The lists of allowed spellings a `one-of` key may name.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum Values {
    Statuses,
    Safeguards,
    Regimes,
    DpiaOutcomes,
    Controllers,
}

impl Values {
    fn spellings(self) -> &'static [&'static str] {
        match self {
            Self::Statuses => STATUSES,
            Self::Safeguards => SAFEGUARDS,
            Self::Regimes => REGIMES,
            Self::DpiaOutcomes => request_form::DPIA_OUTCOMES,
            Self::Controllers => request_form::CONTROLLERS,
        }
    }
}

impl Table {
    fn parse(text: &str) -> Result<Self, ShapeError> {
        let raw: BTreeMap<String, RawShape> = toml::from_str(text)?;
        let index = |name: &str| raw.keys().position(|n| n == name);
        let mut shapes = Vec::with_capacity(raw.len());
        for (name, shape) in &raw {
            let mut fields = Vec::with_capacity(shape.keys.len());
            for f in &shape.keys {
                let problem =
                    |problem| ShapeError::Key { shape: name.clone(), key: f.key.clone(), problem };
                let target = || f.shape.as_deref().and_then(index);
                let kind = match (f.kind, f.values, &f.shape) {
                    (RawKind::Text, None, None) => Kind::Str,
                    (RawKind::WholeNumber, None, None) => Kind::U32,
                    (RawKind::TrueOrFalse, None, None) => Kind::Bool,
                    (RawKind::Date, None, None) => Kind::Date,
                    (RawKind::List, None, None) => Kind::StrList,
                    (RawKind::OneOf, Some(values), None) => Kind::Enum(values.spellings()),
                    (RawKind::Mapping, None, Some(_)) => {
                        Kind::Obj(target().ok_or_else(|| problem("no table has that `shape`"))?)
                    }
                    (RawKind::ListOfMappings, None, Some(_)) => {
                        Kind::ObjList(target().ok_or_else(|| problem("no table has that `shape`"))?)
                    }
                    _ => return Err(problem("`values` goes with one-of, `shape` with mappings")),
                };
                fields.push(Field {
                    name: f.key.clone(),
                    kind,
                    required: matches!(f.need, Need::Required),
                    nullable: matches!(f.need, Need::Optional),
                });
            }
            shapes.push(Shape { name: name.clone(), fields });
        }
        let table = Table { shapes };
        for doc in [Document::Agreement, Document::EmergencyPolicy] {
            table.top(doc)?;
        }
        Ok(table)
    }

    /// The shape of `doc`'s top mapping.
    fn top(&self, doc: Document) -> Result<&Shape, ShapeError> {
        let name = doc.shape_name();
        self.shapes.iter().find(|s| s.name == name).ok_or(ShapeError::Missing(name))
    }
}

/// The table, parsed once.
fn table() -> Result<&'static Table, &'static ShapeError> {
    static TABLE: OnceLock<Result<Table, ShapeError>> = OnceLock::new();
    TABLE.get_or_init(|| Table::parse(DATA)).as_ref()
}

/// Check `node` against the shape of `doc`, adding every problem to `report`. True when
/// clean. Should the table not load (a unit test makes sure it does), every file fails
/// the check: fail closed.
pub(crate) fn check_shape(node: &YNode, doc: Document, file: &str, report: &mut Report) -> bool {
    let before = report.findings.len();
    let found = table().map_err(ToString::to_string).and_then(|t| {
        let shape = t.top(doc).map_err(|e| e.to_string())?;
        Ok((t, shape))
    });
    let (table, shape) = match found {
        Ok(found) => found,
        Err(e) => {
            report.push(Finding::new(
                Rule::UnreadableFile,
                file,
                Pos::NONE,
                format!("isagate could not read its own table of keys ({e})"),
                "this is a fault in isagate, not in the file: report it",
            ));
            return false;
        }
    };
    if matches!(node.kind, YKind::Null) {
        report.push(
            Finding::new(
                Rule::WrongType,
                file,
                node.pos,
                format!("the file is empty: expected an {}", shape.name),
                "write the file's keys, starting with `id:`, as `docs/agreements.md` shows",
            )
            .label("empty"),
        );
        return false;
    }
    Checker { table, file, report }.map(node, shape, None);
    report.findings.len() == before
}

/// One check's context: the table and where findings go.
struct Checker<'a> {
    table: &'a Table,
    file: &'a str,
    report: &'a mut Report,
}

impl<'a> Checker<'a> {
    /// Report a finding of `rule` at `pos` in this file.
    fn flag(
        &mut self,
        rule: Rule,
        pos: Pos,
        message: String,
        help: impl Into<String>,
        label: impl Into<String>,
    ) {
        self.report.push(Finding::new(rule, self.file, pos, message, help).label(label));
    }

    /// The shape at `index` (the table resolved every index when it loaded).
    fn shape(&self, index: usize) -> &'a Shape {
        &self.table.shapes[index]
    }

    fn map(&mut self, node: &YNode, shape: &Shape, ctx: Option<&str>) {
        let YKind::Map(entries) = &node.kind else {
            self.flag(
                Rule::WrongType,
                node.pos,
                format!(
                    "expected a mapping (`key: value` lines) for {}, found {}",
                    what(shape, ctx),
                    node.type_name()
                ),
                format!("write {} as indented `key: value` lines", what(shape, ctx)),
                "not a mapping",
            );
            return;
        };
        // Name the item in messages: `flow `referral``, `purpose `safeguarding``.
        let id = match node.get("id").map(|n| &n.kind) {
            Some(YKind::Str(s)) => Some(s.as_str()),
            _ => None,
        };
        let here = match (id, ctx) {
            (Some(id), _) => format!("{} `{id}`", shape.name),
            (None, Some(c)) => c.to_string(),
            (None, None) => format!("the {}", shape.name),
        };
        for (key, value) in entries {
            match shape.fields.iter().find(|f| f.name == key.name) {
                None => {
                    let names = shape.fields.iter().map(|f| f.name.as_str());
                    let hint = did_you_mean(&key.name, names);
                    let all: Vec<&str> = shape.fields.iter().map(|f| f.name.as_str()).collect();
                    self.flag(
                        Rule::UnknownKey,
                        key.pos,
                        format!("unknown key `{}` in {here}", key.name),
                        format!(
                            "{hint}remove it or correct its name; {} takes: {}",
                            shape.name,
                            all.join(", ")
                        ),
                        "unknown key",
                    );
                }
                Some(field) => self.value(value, field, &here),
            }
        }
        for field in shape.fields.iter().filter(|f| f.required) {
            if node.get(&field.name).is_none() {
                self.flag(
                    Rule::MissingKey,
                    node.pos,
                    format!("{here} has no `{}`", field.name),
                    format!("add `{}:` ({}) to {here}", field.name, self.describe(field.kind)),
                    format!("`{}` missing here", field.name),
                );
            }
        }
    }

    fn value(&mut self, value: &YNode, field: &Field, here: &str) {
        if matches!(value.kind, YKind::Null) {
            if !field.nullable {
                self.wrong_type(value, field, here);
            }
            return;
        }
        let scalar = match &value.kind {
            YKind::Str(s) => Some(s.clone()),
            YKind::Int(i) => Some(i.to_string()),
            YKind::Float(f) => Some(f.to_string()),
            YKind::Bool(b) => Some(b.to_string()),
            _ => None,
        };
        match field.kind {
            Kind::Str => {
                if scalar.is_none() {
                    self.wrong_type(value, field, here);
                }
            }
            Kind::U32 => match value.kind {
                YKind::Int(i) if u32::try_from(i).is_ok() => {}
                YKind::Int(_) => self.flag(
                    Rule::InvalidValue,
                    value.pos,
                    format!("`{}` of {here} is out of range", field.name),
                    format!("write `{}` as a whole number from 0 to {}", field.name, u32::MAX),
                    "out of range",
                ),
                _ => self.wrong_type(value, field, here),
            },
            Kind::Bool => {
                if !matches!(value.kind, YKind::Bool(_)) {
                    self.wrong_type(value, field, here);
                }
            }
            Kind::Date => match &value.kind {
                YKind::Str(s) if s.parse::<jiff::civil::Date>().is_ok() && s.len() == 10 => {}
                YKind::Str(s) => self.flag(
                    Rule::InvalidValue,
                    value.pos,
                    format!("`{}` of {here} is `{s}`, which is not a date", field.name),
                    "write the date as YYYY-MM-DD, e.g. 2027-03-31",
                    "not a YYYY-MM-DD date",
                ),
                _ => self.wrong_type(value, field, here),
            },
            Kind::Enum(allowed) => match scalar {
                Some(s) if allowed.contains(&s.as_str()) => {}
                Some(s) => {
                    let hint = did_you_mean(&s, allowed.iter().copied());
                    self.flag(
                        Rule::InvalidValue,
                        value.pos,
                        format!(
                            "`{}` of {here} is `{s}`, which is not one of: {}",
                            field.name,
                            allowed.join(", ")
                        ),
                        format!("{hint}use one of: {}", allowed.join(", ")),
                        "not allowed here",
                    );
                }
                None => self.wrong_type(value, field, here),
            },
            Kind::StrList => match &value.kind {
                YKind::Seq(items) => {
                    for item in items {
                        if !matches!(
                            item.kind,
                            YKind::Str(_) | YKind::Int(_) | YKind::Float(_) | YKind::Bool(_)
                        ) {
                            self.flag(
                                Rule::WrongType,
                                item.pos,
                                format!(
                                    "each item of `{}` in {here} must be text, found {}",
                                    field.name,
                                    item.type_name()
                                ),
                                format!("write `{}` as a list of names, e.g. [a, b]", field.name),
                                "expected text",
                            );
                        }
                    }
                }
                _ => self.wrong_type(value, field, here),
            },
            Kind::Obj(shape) => {
                let shape = self.shape(shape);
                self.map(value, shape, Some(&format!("`{}` of {here}", field.name)));
            }
            Kind::ObjList(shape) => match &value.kind {
                YKind::Seq(items) => {
                    let shape = self.shape(shape);
                    for (i, item) in items.iter().enumerate() {
                        let ctx = format!("{} {} of {here}", shape.name, i + 1);
                        self.map(item, shape, Some(&ctx));
                    }
                }
                _ => self.wrong_type(value, field, here),
            },
        }
    }

    fn wrong_type(&mut self, value: &YNode, field: &Field, here: &str) {
        self.flag(
            Rule::WrongType,
            value.pos,
            format!(
                "`{}` of {here} should be {}, found {}",
                field.name,
                self.describe(field.kind),
                value.type_name()
            ),
            format!("write `{}` as {}", field.name, self.describe(field.kind)),
            format!("expected {}", self.describe(field.kind)),
        );
    }

    fn describe(&self, kind: Kind) -> String {
        match kind {
            Kind::Str => "text".into(),
            Kind::U32 => "a whole number".into(),
            Kind::Bool => "true or false".into(),
            Kind::Date => "a date (YYYY-MM-DD)".into(),
            Kind::Enum(v) => format!("one of {}", v.join(", ")),
            Kind::StrList => "a list, e.g. [a, b]".into(),
            Kind::Obj(s) => format!("a `{}` mapping", self.shape(s).name),
            Kind::ObjList(s) => format!("a list of {}s", self.shape(s).name),
        }
    }
}

fn what(shape: &Shape, ctx: Option<&str>) -> String {
    ctx.map_or_else(|| format!("the {}", shape.name), str::to_string)
}

#[cfg(test)]
mod tests {
    use super::super::yaml_tree::parse;
    use super::*;

    fn run(text: &str) -> Report {
        let mut r = Report::default();
        check_shape(&parse(text).unwrap(), Document::Agreement, "a.yaml", &mut r);
        r
    }

    const GOOD: &str = concat!(
        "id: A\ntitle: t\nversion: 1\nstatus: active\nowner: o\nparties: [a, b]\n",
        "effective_from: 2026-01-01\nexpires: 2027-01-01\nlawful_basis: {article_6: [\"6(1)(e)\"]}\n",
        "purposes:\n  - id: p\n    description: d\nretention: r\nflows:\n  - id: f\n    from: a\n    to: b\n",
        "    method: POST\n    path: /x\n    purposes: [p]\n",
    );

    #[test]
    fn the_table_loads_and_resolves_every_shape() {
        let table = table().unwrap();
        assert_eq!(table.top(Document::Agreement).unwrap().fields.len(), 23);
        assert_eq!(table.top(Document::EmergencyPolicy).unwrap().fields.len(), 3);
        let flow = table.shapes.iter().find(|s| s.name == "flow").unwrap();
        let regime = flow.fields.iter().find(|f| f.name == "regime").unwrap();
        assert!(matches!(regime.kind, Kind::Enum(REGIMES)));
        assert!(!regime.required && !regime.nullable);
    }

    #[test]
    fn a_table_naming_an_unknown_shape_or_a_stray_values_is_refused() {
        let cases = [
            (
                "[agreement]\nkeys = [{ key = \"a\", kind = \"mapping\", shape = \"nowhere\" }]\n",
                "no table",
            ),
            (
                "[agreement]\nkeys = [{ key = \"a\", kind = \"text\", values = \"regimes\" }]\n",
                "`values`",
            ),
            ("[agreement]\nkeys = [{ key = \"a\", kind = \"texts\" }]\n", "does not parse"),
            ("[agreement]\nkeys = []\n", "no `emergency policy`"),
        ];
        for (text, expected) in cases {
            let err = Table::parse(text).unwrap_err().to_string();
            assert!(err.contains(expected), "{text:?}: {err}");
        }
    }

    #[test]
    fn a_good_agreement_has_no_findings() {
        let r = run(GOOD);
        assert!(r.findings.is_empty(), "{:?}", r.findings);
        assert!(serde_saphyr::from_str::<crate::agreements::Agreement>(GOOD).is_ok());
    }

    #[test]
    fn reports_every_structural_problem_at_once() {
        let text = GOOD
            .replace("title: t\n", "titel: t\n")
            .replace("version: 1", "version: one")
            .replace("status: active", "status: actve")
            .replace("    method: POST\n", "");
        let r = run(&text);
        let codes: Vec<(&str, u32)> = r.findings.iter().map(|f| (f.code, f.line)).collect();
        assert!(codes.contains(&("unknown-key", 2)), "{codes:?}");
        assert!(codes.contains(&("missing-key", 1)), "{codes:?}");
        assert!(codes.contains(&("wrong-type", 3)), "{codes:?}");
        assert!(codes.contains(&("invalid-value", 4)), "{codes:?}");
        assert!(codes.contains(&("missing-key", 15)), "{codes:?}");
        let unknown = r.with_code("unknown-key").next().unwrap();
        assert!(unknown.help.starts_with("did you mean `title`?"), "{}", unknown.help);
    }
}
