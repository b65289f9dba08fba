//! Structure checks on a parsed YAML tree: unknown keys, missing keys and values of the
//! wrong type, ALL of them (serde stops at the first). The shapes mirror
//! [`crate::agreements::model`]; a final typed parse in `load` backs this up, so a
//! difference between the two can only add a finding, never hide one.

use super::yaml_tree::{YKind, YNode};
use super::{Finding, Report, Rule};
use crate::agreements::request_form;
use crate::spelling::did_you_mean;

#[derive(Debug, Clone, Copy)]
pub(crate) enum Kind {
    Str,
    U32,
    Bool,
    Date,
    Enum(&'static [&'static str]),
    StrList,
    Obj(&'static Shape),
    ObjList(&'static Shape),
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Field {
    pub name: &'static str,
    pub kind: Kind,
    pub required: bool,
    /// `~` (null) is accepted and means absent.
    pub nullable: bool,
}

/// The keys a mapping may have, and what each holds.
#[derive(Debug)]
pub(crate) struct Shape {
    /// What a governance user calls this mapping, e.g. `flow`.
    pub name: &'static str,
    pub fields: &'static [Field],
}

const fn req(name: &'static str, kind: Kind) -> Field {
    Field { name, kind, required: true, nullable: false }
}
const fn opt(name: &'static str, kind: Kind) -> Field {
    Field { name, kind, required: false, nullable: true }
}
/// An optional key that, when written, must hold a value (`~` is refused).
const fn some(name: &'static str, kind: Kind) -> Field {
    Field { name, kind, required: false, nullable: false }
}
const fn list(name: &'static str) -> Field {
    some(name, Kind::StrList)
}

const STATUSES: &[&str] = &["draft", "active", "suspended", "expired"];
const SAFEGUARDS: &[&str] = &["adequacy", "idta", "addendum"];

static LAWFUL_BASIS: Shape = Shape {
    name: "lawful_basis",
    fields: &[
        list("article_6"),
        list("article_9"),
        list("article_10"),
        list("part_3"),
        list("statutory_gateway"),
        some("appropriate_policy_document", Kind::Str),
    ],
};
const REGIMES: &[&str] = &["uk-gdpr", "dpa-part-3"];
static PURPOSE: Shape =
    Shape { name: "purpose", fields: &[req("id", Kind::Str), req("description", Kind::Str)] };
static FLOW: Shape = Shape {
    name: "flow",
    fields: &[
        req("id", Kind::Str),
        req("from", Kind::Str),
        req("to", Kind::Str),
        req("method", Kind::Str),
        req("path", Kind::Str),
        req("purposes", Kind::StrList),
        opt("request_schema", Kind::Str),
        opt("response_schema", Kind::Str),
        list("query"),
        list("content_encodings"),
        some("regime", Kind::Enum(REGIMES)),
        some("lawful_basis", Kind::Obj(&LAWFUL_BASIS)),
    ],
};
static CLAUSE: Shape = Shape {
    name: "emergency",
    fields: &[
        req("allowed", Kind::Bool),
        req("request_schema", Kind::Str),
        opt("response_schema", Kind::Str),
        opt("categories", Kind::StrList),
    ],
};
static TRANSFER: Shape = Shape {
    name: "international_transfer",
    fields: &[req("safeguard", Kind::Enum(SAFEGUARDS)), req("reference", Kind::Str)],
};
static DECISION_MAKER: Shape =
    Shape { name: "decision_maker", fields: &[req("name", Kind::Str), req("role", Kind::Str)] };
static DPO_CONSULTED: Shape =
    Shape { name: "dpo_consulted", fields: &[req("date", Kind::Date), req("view", Kind::Str)] };
static OVERRIDE: Shape =
    Shape { name: "restrictions_override", fields: &[req("legal_duty", Kind::Str)] };

/// An agreement file.
pub(crate) static AGREEMENT_SHAPE: Shape = Shape {
    name: "agreement",
    fields: &[
        req("id", Kind::Str),
        req("title", Kind::Str),
        req("version", Kind::U32),
        req("status", Kind::Enum(STATUSES)),
        req("owner", Kind::Str),
        req("parties", Kind::StrList),
        opt("dpia", Kind::Str),
        req("effective_from", Kind::Date),
        req("expires", Kind::Date),
        opt("review_by", Kind::Date),
        req("lawful_basis", Kind::Obj(&LAWFUL_BASIS)),
        req("purposes", Kind::ObjList(&PURPOSE)),
        req("retention", Kind::Str),
        req("flows", Kind::ObjList(&FLOW)),
        opt("emergency", Kind::Obj(&CLAUSE)),
        opt("international_transfer", Kind::Obj(&TRANSFER)),
        opt("restrictions_override", Kind::Obj(&OVERRIDE)),
        opt("approvers", Kind::StrList),
        opt("decision_maker", Kind::Obj(&DECISION_MAKER)),
        opt("dpo_consulted", Kind::Obj(&DPO_CONSULTED)),
        opt("dpia_outcome", Kind::Enum(request_form::DPIA_OUTCOMES)),
        opt("statutory_power", Kind::Str),
        opt("controllers", Kind::Enum(request_form::CONTROLLERS)),
    ],
};

static LIMIT: Shape =
    Shape { name: "limit", fields: &[req("count", Kind::U32), req("per", Kind::Str)] };
static LIMITS: Shape = Shape {
    name: "limits",
    fields: &[some("per_requester", Kind::Obj(&LIMIT)), some("per_agency", Kind::Obj(&LIMIT))],
};
static POLICY_RULE: Shape = Shape {
    name: "rule",
    fields: &[
        req("id", Kind::Str),
        req("from", Kind::StrList),
        req("to", Kind::StrList),
        req("categories", Kind::StrList),
        opt("methods", Kind::StrList),
        opt("paths", Kind::StrList),
        req("request_schema", Kind::Str),
        opt("response_schema", Kind::Str),
        req("lawful_basis", Kind::Obj(&LAWFUL_BASIS)),
    ],
};

/// `emergency-policy.yaml`.
pub(crate) static POLICY_SHAPE: Shape = Shape {
    name: "emergency policy",
    fields: &[
        req("version", Kind::U32),
        some("rules", Kind::ObjList(&POLICY_RULE)),
        some("limits", Kind::Obj(&LIMITS)),
    ],
};

/// Check `node` against `shape`, adding every problem to `report`. True when clean.
pub(crate) fn check_shape(
    node: &YNode,
    shape: &'static Shape,
    file: &str,
    report: &mut Report,
) -> bool {
    let before = report.findings.len();
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
    check_map(node, shape, None, file, report);
    report.findings.len() == before
}

fn check_map(
    node: &YNode,
    shape: &'static Shape,
    ctx: Option<&str>,
    file: &str,
    report: &mut Report,
) {
    let YKind::Map(entries) = &node.kind else {
        report.push(
            Finding::new(
                Rule::WrongType,
                file,
                node.pos,
                format!(
                    "expected a mapping (`key: value` lines) for {}, found {}",
                    what(shape, ctx),
                    node.type_name()
                ),
                format!("write {} as indented `key: value` lines", what(shape, ctx)),
            )
            .label("not a mapping"),
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
                let names = shape.fields.iter().map(|f| f.name);
                let hint = did_you_mean(&key.name, names);
                let all: Vec<&str> = shape.fields.iter().map(|f| f.name).collect();
                report.push(
                    Finding::new(
                        Rule::UnknownKey,
                        file,
                        key.pos,
                        format!("unknown key `{}` in {here}", key.name),
                        format!(
                            "{hint}remove it or correct its name; {} takes: {}",
                            shape.name,
                            all.join(", ")
                        ),
                    )
                    .label("unknown key"),
                );
            }
            Some(field) => check_value(value, field, &here, file, report),
        }
    }
    for field in shape.fields.iter().filter(|f| f.required) {
        if node.get(field.name).is_none() {
            report.push(
                Finding::new(
                    Rule::MissingKey,
                    file,
                    node.pos,
                    format!("{here} has no `{}`", field.name),
                    format!("add `{}:` ({}) to {here}", field.name, describe(field.kind)),
                )
                .label(format!("`{}` missing here", field.name)),
            );
        }
    }
}

fn check_value(value: &YNode, field: &Field, here: &str, file: &str, report: &mut Report) {
    if matches!(value.kind, YKind::Null) {
        if !field.nullable {
            wrong_type(value, field, here, file, report);
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
                wrong_type(value, field, here, file, report);
            }
        }
        Kind::U32 => match value.kind {
            YKind::Int(i) if u32::try_from(i).is_ok() => {}
            YKind::Int(_) => report.push(
                Finding::new(
                    Rule::InvalidValue,
                    file,
                    value.pos,
                    format!("`{}` of {here} is out of range", field.name),
                    format!("write `{}` as a whole number from 0 to {}", field.name, u32::MAX),
                )
                .label("out of range"),
            ),
            _ => wrong_type(value, field, here, file, report),
        },
        Kind::Bool => {
            if !matches!(value.kind, YKind::Bool(_)) {
                wrong_type(value, field, here, file, report);
            }
        }
        Kind::Date => match &value.kind {
            YKind::Str(s) if s.parse::<jiff::civil::Date>().is_ok() && s.len() == 10 => {}
            YKind::Str(s) => report.push(
                Finding::new(
                    Rule::InvalidValue,
                    file,
                    value.pos,
                    format!("`{}` of {here} is `{s}`, which is not a date", field.name),
                    "write the date as YYYY-MM-DD, e.g. 2027-03-31",
                )
                .label("not a YYYY-MM-DD date"),
            ),
            _ => wrong_type(value, field, here, file, report),
        },
        Kind::Enum(allowed) => match scalar {
            Some(s) if allowed.contains(&s.as_str()) => {}
            Some(s) => {
                let hint = did_you_mean(&s, allowed.iter().copied());
                report.push(
                    Finding::new(
                        Rule::InvalidValue,
                        file,
                        value.pos,
                        format!(
                            "`{}` of {here} is `{s}`, which is not one of: {}",
                            field.name,
                            allowed.join(", ")
                        ),
                        format!("{hint}use one of: {}", allowed.join(", ")),
                    )
                    .label("not allowed here"),
                );
            }
            None => wrong_type(value, field, here, file, report),
        },
        Kind::StrList => match &value.kind {
            YKind::Seq(items) => {
                for item in items {
                    if !matches!(
                        item.kind,
                        YKind::Str(_) | YKind::Int(_) | YKind::Float(_) | YKind::Bool(_)
                    ) {
                        report.push(
                            Finding::new(
                                Rule::WrongType,
                                file,
                                item.pos,
                                format!(
                                    "each item of `{}` in {here} must be text, found {}",
                                    field.name,
                                    item.type_name()
                                ),
                                format!("write `{}` as a list of names, e.g. [a, b]", field.name),
                            )
                            .label("expected text"),
                        );
                    }
                }
            }
            _ => wrong_type(value, field, here, file, report),
        },
        Kind::Obj(shape) => {
            check_map(value, shape, Some(&format!("`{}` of {here}", field.name)), file, report)
        }
        Kind::ObjList(shape) => match &value.kind {
            YKind::Seq(items) => {
                for (i, item) in items.iter().enumerate() {
                    let ctx = format!("{} {} of {here}", shape.name, i + 1);
                    check_map(item, shape, Some(&ctx), file, report);
                }
            }
            _ => wrong_type(value, field, here, file, report),
        },
    }
}

fn wrong_type(value: &YNode, field: &Field, here: &str, file: &str, report: &mut Report) {
    report.push(
        Finding::new(
            Rule::WrongType,
            file,
            value.pos,
            format!(
                "`{}` of {here} should be {}, found {}",
                field.name,
                describe(field.kind),
                value.type_name()
            ),
            format!("write `{}` as {}", field.name, describe(field.kind)),
        )
        .label(format!("expected {}", describe(field.kind))),
    );
}

fn what(shape: &Shape, ctx: Option<&str>) -> String {
    ctx.map_or_else(|| format!("the {}", shape.name), str::to_string)
}

fn describe(kind: Kind) -> String {
    match kind {
        Kind::Str => "text".into(),
        Kind::U32 => "a whole number".into(),
        Kind::Bool => "true or false".into(),
        Kind::Date => "a date (YYYY-MM-DD)".into(),
        Kind::Enum(v) => format!("one of {}", v.join(", ")),
        Kind::StrList => "a list, e.g. [a, b]".into(),
        Kind::Obj(s) => format!("a `{}` mapping", s.name),
        Kind::ObjList(s) => format!("a list of {}s", s.name),
    }
}

#[cfg(test)]
mod tests {
    use super::super::yaml_tree::parse;
    use super::*;

    fn run(text: &str) -> Report {
        let mut r = Report::default();
        check_shape(&parse(text).unwrap(), &AGREEMENT_SHAPE, "a.yaml", &mut r);
        r
    }

    const GOOD: &str = concat!(
        "id: A\ntitle: t\nversion: 1\nstatus: active\nowner: o\nparties: [a, b]\n",
        "effective_from: 2026-01-01\nexpires: 2027-01-01\nlawful_basis: {article_6: [\"6(1)(e)\"]}\n",
        "purposes:\n  - id: p\n    description: d\nretention: r\nflows:\n  - id: f\n    from: a\n    to: b\n",
        "    method: POST\n    path: /x\n    purposes: [p]\n",
    );

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
