//! What a compiled [`SchemaPlan`] can let through, read from the plan the gateway uses
//! (never from a second reading of the schema file): every declared leaf as a schema
//! path (`*` for array positions and keys the schema does not name), with the category
//! and transform that apply to it, and what the recipient then sees under an agreement.
//!
//! The walk is static: every branch of `anyOf`, `oneOf` and `if/then/else` counts, since
//! some payload can take each. Must not: read files or decide a transfer.

use std::collections::BTreeMap;

use crate::minimise::plan::{push_segment, NodeId, SchemaPlan};
use crate::minimise::transforms::{Category, Transform};

/// Deepest path the walk follows (a recursive `$ref` would otherwise never end).
const MAX_DEPTH: usize = 24;
/// Most fields one schema reports (a bound on the walk, far above any real schema).
const MAX_FIELDS: usize = 5_000;

/// One declared leaf: its annotations, inherited from the nearest container that has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    pub category: Option<Category>,
    pub transform: Option<Transform>,
}

/// What the recipient sees of a declared field under an agreement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exposure {
    /// The value itself (`None`) or its transform; `drop` reaches the recipient as nothing.
    Seen(Option<Transform>),
    /// Stripped for want of an Article 9 (`false`: 10) condition.
    Locked(Category),
}

impl Exposure {
    /// Under an agreement that names (or not) Article 9 and Article 10 conditions.
    pub fn of(field: Field, article_9: bool, article_10: bool) -> Self {
        match field.category {
            Some(Category::CriminalOffence) if !article_10 => {
                Exposure::Locked(Category::CriminalOffence)
            }
            Some(c @ Category::Special(_)) if !article_9 => Exposure::Locked(c),
            _ => Exposure::Seen(field.transform),
        }
    }

    /// Something of the value reaches the recipient (a dropped field does not).
    pub fn reaches(self) -> bool {
        matches!(self, Exposure::Seen(t) if t != Some(Transform::Drop))
    }
}

/// Every declared leaf of `plan`, by schema path.
pub fn declared_fields(plan: &SchemaPlan) -> BTreeMap<String, Field> {
    let mut out = BTreeMap::new();
    let mut path = String::new();
    let none = Field { category: None, transform: None };
    walk(plan, &[plan.root], none, &mut path, 0, &mut out);
    out
}

fn walk(
    plan: &SchemaPlan,
    start: &[NodeId],
    inherited: Field,
    path: &mut String,
    depth: usize,
    out: &mut BTreeMap<String, Field>,
) {
    if out.len() >= MAX_FIELDS {
        return;
    }
    let set = closure(plan, start);
    let here = Field {
        category: set.iter().find_map(|id| plan.node(*id).category).or(inherited.category),
        transform: set.iter().find_map(|id| plan.node(*id).transform).or(inherited.transform),
    };
    let mut children: BTreeMap<String, Vec<NodeId>> = BTreeMap::new();
    for id in &set {
        let n = plan.node(*id);
        for (key, child) in &n.properties {
            children.entry(key.clone()).or_default().push(*child);
        }
        let unnamed = n
            .patterns
            .iter()
            .map(|(_, c)| *c)
            .chain(n.additional.admits)
            .chain(n.unevaluated.admits)
            .chain(n.prefix_items.iter().copied())
            .chain(n.items.admits)
            .chain(n.unevaluated_items.admits);
        for child in unnamed {
            children.entry("*".to_owned()).or_default().push(child);
        }
    }
    if children.is_empty() || depth >= MAX_DEPTH {
        out.insert(path.clone(), here);
        return;
    }
    for (segment, nodes) in children {
        let len = path.len();
        if segment == "*" {
            path.push_str("/*");
        } else {
            push_segment(path, &segment);
        }
        walk(plan, &nodes, here, path, depth + 1, out);
        path.truncate(len);
    }
}

/// The nodes that can apply to one instance: `$ref`, `allOf` and every branch of
/// `anyOf`, `oneOf`, `if/then/else` and `dependentSchemas`.
fn closure(plan: &SchemaPlan, start: &[NodeId]) -> Vec<NodeId> {
    let mut out: Vec<NodeId> = Vec::new();
    let mut stack: Vec<NodeId> = start.iter().rev().copied().collect();
    while let Some(id) = stack.pop() {
        if out.contains(&id) {
            continue;
        }
        out.push(id);
        let n = plan.node(id);
        stack.extend(n.in_place.iter().copied());
        stack.extend(n.any_of.iter().map(|(_, b)| *b));
        stack.extend(n.one_of.iter().map(|(_, b)| *b));
        if let Some(c) = &n.conditional {
            stack.push(c.if_node);
            stack.extend(c.then_node);
            stack.extend(c.else_node);
        }
        stack.extend(n.dependent.iter().map(|(_, d)| *d));
    }
    out
}

/// Does a path from a record (concrete indices or `*`, old or new form) lie at or under
/// the schema path `field`? `*` in the schema path matches any one segment.
pub fn covers(field: &str, recorded: &str) -> bool {
    let mut f = field.split('/');
    let mut r = recorded.split('/');
    loop {
        match (f.next(), r.next()) {
            (None, _) => return true,
            (Some(_), None) => return false,
            (Some(a), Some(b)) => {
                if a != "*" && a != b {
                    return false;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn fields_of_a_nested_schema_with_branches() {
        let schema = json!({
            "type": "object",
            "properties": {
                "person": {
                    "type": "object",
                    "properties": {
                        "dob": {"type": "string", "x-isagate-transform": "year"},
                        "health": {"type": "string", "x-isagate-category": "health"}
                    }
                },
                "tags": {"type": "array", "items": {"type": "string"}},
                "x": {"anyOf": [
                    {"type": "object", "properties": {"a": {"type": "string"}}},
                    {"type": "object", "properties": {"b": {"type": "string"}}}
                ]}
            }
        });
        let plan = SchemaPlan::compile("t.json", &schema).unwrap();
        let fields = declared_fields(&plan);
        let paths: Vec<&str> = fields.keys().map(String::as_str).collect();
        assert_eq!(paths, ["/person/dob", "/person/health", "/tags/*", "/x/a", "/x/b"]);
        assert_eq!(fields["/person/dob"].transform, Some(Transform::Year));
        assert_eq!(
            Exposure::of(fields["/person/health"], false, false),
            Exposure::Locked(Category::Special(0))
        );
        assert_eq!(Exposure::of(fields["/person/health"], true, false), Exposure::Seen(None));
    }

    #[test]
    fn recursive_refs_end() {
        let schema = json!({
            "$defs": {"n": {"type": "object", "properties": {"next": {"$ref": "#/$defs/n"}}}},
            "$ref": "#/$defs/n"
        });
        let plan = SchemaPlan::compile("t.json", &schema).unwrap();
        let fields = declared_fields(&plan);
        assert_eq!(fields.len(), 1);
        assert!(fields.keys().all(|k| k.matches("/next").count() == MAX_DEPTH));
    }

    #[test]
    fn recorded_paths_are_covered_by_schema_paths() {
        assert!(covers("/people/*/name", "/people/3/name"));
        assert!(covers("/people/*/name", "/people/*/name"));
        assert!(covers("/person", "/person/x"));
        assert!(!covers("/person/name", "/person"));
        assert!(!covers("/person/name", "/person/nickname"));
    }
}
