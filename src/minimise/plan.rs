//! A schema file compiled once into a minimisation plan (contract section 3): the
//! `jsonschema` validator for the whole file, plus a tree of [`Node`]s that says, for
//! every place in an instance, which fields the schema *declares* and which
//! `x-isagate-*` annotations apply. Where what applies depends on the instance (`anyOf`,
//! `oneOf`, `if`), the node holds pre-built validators for the branch subschemas, so the
//! walk in [`super::strip`] only asks `is_valid` of the sub-instance.
//!
//! This module must never return `jsonschema`'s error messages for an instance (they
//! quote values): a failed validation is a list of [`Violation`]s (pointer, keyword).

use std::collections::HashMap;

use jsonschema::{Validator, ValidatorMap};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::formats;
use super::transforms::{Category, Transform};
use super::SUBJECT_ID_TYPES;

/// Index of a [`Node`] in its plan.
pub(crate) type NodeId = usize;

/// The most violations one validation reports (the rest are counted, not listed).
pub const MAX_VIOLATIONS: usize = 32;

/// The only `$schema` accepted, when a schema names one.
pub const DRAFT_2020_12: &str = "https://json-schema.org/draft/2020-12/schema";

/// Why a schema file cannot be used. Messages name the schema and the place in it;
/// schemas hold no personal data. `pointer` is the JSON Pointer of the schema object that
/// holds the problem ([`SchemaError::location`] points at the offending value itself).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemaError {
    #[error("schema `{name}` is not a valid draft 2020-12 schema at `{pointer}`: {message}")]
    Invalid { name: String, pointer: String, message: String },
    #[error("schema `{name}` declares another JSON Schema draft: write `\"$schema\": \"{DRAFT_2020_12}\"` or leave `$schema` out")]
    OtherDraft { name: String },
    #[error("schema `{name}` at `{pointer}`: `{keyword}` `{reference}` is not supported: refer only inside the same file (`#/...` or `#anchor`)")]
    UnsupportedRef { name: String, pointer: String, keyword: String, reference: String },
    #[error(
        "schema `{name}` at `{pointer}`: unknown transform `{value}`: use one of {}",
        list(Transform::names())
    )]
    UnknownTransform { name: String, pointer: String, value: String },
    #[error(
        "schema `{name}` at `{pointer}`: unknown category `{value}`: use one of {}",
        list(Category::names())
    )]
    UnknownCategory { name: String, pointer: String, value: String },
    #[error("schema `{name}` at `{pointer}`: unknown `x-isagate-subject-id` type `{value}`: use one of {}", list(SUBJECT_ID_TYPES.iter().copied()))]
    BadSubjectId { name: String, pointer: String, value: String },
    #[error(
        "schema `{name}` at `{pointer}`: unknown format `{value}`: use one of {}",
        list(formats::names())
    )]
    UnknownFormat { name: String, pointer: String, value: String },
    #[error("schema `{name}` at `{pointer}`: `{keyword}` must be a string")]
    NotAString { name: String, pointer: String, keyword: String },
    #[error("schema `{name}` at `{pointer}`: unknown annotation `{keyword}`: use one of {}", list(ANNOTATIONS.iter().copied()))]
    UnknownAnnotation { name: String, pointer: String, keyword: String },
}

/// The annotations the gateway reads.
pub const ANNOTATIONS: &[&str] =
    &["x-isagate-category", "x-isagate-transform", "x-isagate-subject-id"];

/// Names joined with `, `, for messages.
pub(crate) fn list(names: impl Iterator<Item = &'static str>) -> String {
    names.collect::<Vec<_>>().join(", ")
}

impl SchemaError {
    /// The JSON Pointer, into the schema file, of the offending value (of the key, for
    /// [`SchemaError::UnknownAnnotation`]), so that the linter can show where it is.
    pub fn location(&self) -> String {
        let at = |pointer: &str, keyword: &str| {
            let mut p = pointer.to_owned();
            push_segment(&mut p, keyword);
            p
        };
        match self {
            Self::Invalid { pointer, .. } => pointer.clone(),
            Self::OtherDraft { .. } => "/$schema".to_owned(),
            Self::UnsupportedRef { pointer, keyword, .. }
            | Self::NotAString { pointer, keyword, .. }
            | Self::UnknownAnnotation { pointer, keyword, .. } => at(pointer, keyword),
            Self::UnknownTransform { pointer, .. } => at(pointer, "x-isagate-transform"),
            Self::UnknownCategory { pointer, .. } => at(pointer, "x-isagate-category"),
            Self::BadSubjectId { pointer, .. } => at(pointer, "x-isagate-subject-id"),
            Self::UnknownFormat { pointer, .. } => at(pointer, "format"),
        }
    }
}

/// One way the payload fails its schema: where (a JSON Pointer into the payload), which
/// keyword, where that keyword stands in the schema, and for `required` the missing
/// property's name (schema text). Never the value, never the validator's message.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Violation {
    pub pointer: String,
    pub keyword: String,
    /// A JSON Pointer into the schema to the failing keyword.
    #[serde(default)]
    pub schema_path: String,
    /// `required`: the property the schema requires and the payload lacks.
    #[serde(default)]
    pub missing: Option<String>,
}

/// One compiled subschema. Fields that admit a value hold the node of the schema that
/// then applies to it.
#[derive(Debug, Default)]
pub(crate) struct Node {
    /// `properties` or `patternProperties` is present (even empty).
    pub has_properties: bool,
    /// `properties`: named keys are declared whatever their schema. Looked up once per
    /// payload member, so with a fast (seeded) hasher.
    pub properties: HashMap<String, NodeId, foldhash::fast::RandomState>,
    /// `patternProperties`: (a validator `{"pattern": ..}` for the key, schema).
    pub patterns: Vec<(Validator, NodeId)>,
    /// `additionalProperties` (present with any value: it evaluates the remaining keys).
    pub additional: Rest,
    /// `unevaluatedProperties`.
    pub unevaluated: Rest,
    /// `prefixItems`: each position is declared whatever its schema.
    pub prefix_items: Vec<NodeId>,
    /// `items` (after `prefixItems`).
    pub items: Rest,
    /// `unevaluatedItems`.
    pub unevaluated_items: Rest,
    /// `$ref` target and `allOf` members: always apply to the same instance.
    pub in_place: Vec<NodeId>,
    /// `anyOf` (every passing branch applies) and `oneOf` (the passing branch applies).
    pub any_of: Vec<(Validator, NodeId)>,
    pub one_of: Vec<(Validator, NodeId)>,
    /// `if`: when its test passes, the `if` schema and `then` apply; else `else`.
    pub conditional: Option<Conditional>,
    /// `dependentSchemas`: applies when the key is present.
    pub dependent: Vec<(String, NodeId)>,
    pub category: Option<Category>,
    pub transform: Option<Transform>,
    pub subject_id: Option<String>,
}

/// A keyword whose schema applies to the members the other keywords leave
/// (`additionalProperties`, `unevaluatedProperties`, `items`, `unevaluatedItems`).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Rest {
    /// The keyword is present (whatever its value, it evaluates those members).
    pub present: bool,
    /// Its schema, when it admits members (a schema object with at least one keyword;
    /// not `false`).
    pub admits: Option<NodeId>,
}

#[derive(Debug)]
pub(crate) struct Conditional {
    pub test: Validator,
    pub if_node: NodeId,
    pub then_node: Option<NodeId>,
    pub else_node: Option<NodeId>,
}

impl Node {
    /// It says something about an object's members (else: scalar members only).
    pub fn describes_object(&self) -> bool {
        self.has_properties || self.additional.present || self.unevaluated.present
    }

    /// It says something about an array's elements (else: scalar elements only).
    pub fn describes_array(&self) -> bool {
        !self.prefix_items.is_empty() || self.items.present || self.unevaluated_items.present
    }

    /// No applicator whose outcome depends on the instance or adds nodes.
    pub fn is_simple(&self) -> bool {
        self.in_place.is_empty()
            && self.any_of.is_empty()
            && self.one_of.is_empty()
            && self.conditional.is_none()
            && self.dependent.is_empty()
    }
}

/// A schema file compiled once: validate with [`SchemaPlan::validate`], minimise with
/// [`super::minimise`].
pub struct SchemaPlan {
    name: String,
    validator: Validator,
    pub(crate) nodes: Vec<Node>,
    pub(crate) root: NodeId,
}

impl std::fmt::Debug for SchemaPlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SchemaPlan")
            .field("name", &self.name)
            .field("nodes", &self.nodes.len())
            .finish()
    }
}

impl SchemaPlan {
    /// Compile a schema file (`name` as agreements refer to it). Checks the schema against
    /// draft 2020-12, every `x-isagate-*` annotation, every `format` name, and that every
    /// `$ref` stays inside the file. The gateway loads schemas with this, and the linter
    /// (through [`SchemaPlan::compile_all`]) checks them with it.
    pub fn compile(name: &str, schema: &Value) -> Result<SchemaPlan, SchemaError> {
        if let Some(first) = check(name, schema).into_iter().next() {
            return Err(first);
        }
        let invalid = |e: jsonschema::ValidationError<'_>| SchemaError::Invalid {
            name: name.to_owned(),
            pointer: e.instance_path().as_str().to_owned(),
            message: one_line(&e.to_string()),
        };
        let options = formats::options();
        let validator = options.build(schema).map_err(invalid)?;
        let map = options.build_map(schema).map_err(invalid)?;
        let mut compiler = Compiler {
            name,
            root: schema,
            map,
            anchors: anchors(schema),
            memo: HashMap::new(),
            nodes: Vec::new(),
        };
        let root = compiler.node(String::new(), schema)?;
        Ok(SchemaPlan { name: name.to_owned(), validator, nodes: compiler.nodes, root })
    }

    /// [`SchemaPlan::compile`], reporting every problem found before the build (every
    /// annotation, every meta-schema violation), not only the first: for the linter.
    pub fn compile_all(name: &str, schema: &Value) -> Result<SchemaPlan, Vec<SchemaError>> {
        let errors = check(name, schema);
        if !errors.is_empty() {
            return Err(errors);
        }
        Self::compile(name, schema).map_err(|e| vec![e])
    }

    /// The schema file's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Validate an instance: `Ok`, or every violation (at most [`MAX_VIOLATIONS`]),
    /// sorted, as pointers and keywords only.
    pub fn validate(&self, instance: &Value) -> Result<(), Vec<Violation>> {
        if self.validator.is_valid(instance) {
            return Ok(());
        }
        let mut out: Vec<Violation> = self
            .validator
            .iter_errors(instance)
            .map(|e| Violation {
                pointer: e.instance_path().as_str().to_owned(),
                keyword: e.kind().keyword().to_owned(),
                schema_path: e.schema_path().as_str().to_owned(),
                missing: match e.kind() {
                    jsonschema::error::ValidationErrorKind::Required { property } => {
                        property.as_str().map(str::to_owned)
                    }
                    _ => None,
                },
            })
            .collect();
        out.sort();
        out.dedup();
        out.truncate(MAX_VIOLATIONS);
        if out.is_empty() {
            // `is_valid` and `iter_errors` disagreeing would be a validator bug: still refuse.
            out.push(Violation {
                pointer: String::new(),
                keyword: "schema".to_owned(),
                schema_path: String::new(),
                missing: None,
            });
        }
        Err(out)
    }

    /// Every node that applies to `instance` given the nodes that declared it: the
    /// closure over `$ref`, `allOf`, passing `anyOf`/`oneOf` branches, the taken side of
    /// `if`, and `dependentSchemas` whose key is present.
    pub(crate) fn expand(&self, start: &[NodeId], instance: &Value) -> Vec<NodeId> {
        let mut out: Vec<NodeId> = Vec::with_capacity(start.len() + 2);
        let mut stack: Vec<NodeId> = start.iter().rev().copied().collect();
        while let Some(id) = stack.pop() {
            if out.contains(&id) {
                continue;
            }
            out.push(id);
            let Some(n) = self.nodes.get(id) else { continue };
            stack.extend(n.in_place.iter().rev());
            for (v, branch) in &n.any_of {
                if v.is_valid(instance) {
                    stack.push(*branch);
                }
            }
            if let Some((_, branch)) = n.one_of.iter().find(|(v, _)| v.is_valid(instance)) {
                stack.push(*branch);
            }
            if let Some(c) = &n.conditional {
                if c.test.is_valid(instance) {
                    stack.push(c.if_node);
                    stack.extend(c.then_node);
                } else {
                    stack.extend(c.else_node);
                }
            }
            if let Value::Object(map) = instance {
                for (key, dep) in &n.dependent {
                    if map.contains_key(key) {
                        stack.push(*dep);
                    }
                }
            }
        }
        out
    }

    /// A JSON Pointer into an instance in the schema path form the record uses: each
    /// segment that some `properties` of this schema names stays, any other segment (a
    /// caller's key, an array position) becomes `*`. So a violation's place can be
    /// recorded and answered without a name the caller chose.
    pub fn schema_path_of(&self, pointer: &str) -> String {
        let mut out = String::with_capacity(pointer.len());
        for raw in pointer.split('/').skip(1) {
            let key = raw.replace("~1", "/").replace("~0", "~");
            if self.nodes.iter().any(|n| n.properties.contains_key(&key)) {
                push_segment(&mut out, &key);
            } else {
                out.push_str("/*");
            }
        }
        out
    }

    pub(crate) fn node(&self, id: NodeId) -> &Node {
        // Ids are only made by the compiler, which pushes every node it names.
        &self.nodes[id]
    }
}

/// The most meta-schema violations reported for one schema file.
const MAX_SCHEMA_ERRORS: usize = 20;

/// Every problem [`SchemaPlan::compile`] finds before it builds: `x-isagate-*`
/// annotations, a `$schema` naming another draft, and draft 2020-12 meta-schema
/// violations.
fn check(name: &str, schema: &Value) -> Vec<SchemaError> {
    let mut errors = check_annotations(name, schema);
    let anchors = anchors(schema);
    for_each_keyword(schema, &mut |pointer, keyword, value| {
        let local = keyword == "$ref" && ref_target(schema, &anchors, value).is_some();
        if matches!(keyword, "$ref" | "$dynamicRef" | "$recursiveRef") && !local {
            errors.push(SchemaError::UnsupportedRef {
                name: name.to_owned(),
                pointer: pointer.to_owned(),
                keyword: keyword.to_owned(),
                reference: value.as_str().unwrap_or("").to_owned(),
            });
        }
    });
    if schema.get("$schema").is_some_and(|s| s.as_str() != Some(DRAFT_2020_12)) {
        errors.push(SchemaError::OtherDraft { name: name.to_owned() });
        return errors;
    }
    let meta = jsonschema::draft202012::meta::validator();
    errors.extend(meta.iter_errors(schema).take(MAX_SCHEMA_ERRORS).map(|e| SchemaError::Invalid {
        name: name.to_owned(),
        pointer: e.instance_path().as_str().to_owned(),
        message: one_line(&e.to_string()),
    }));
    errors
}

/// A message on one line, at most 160 characters.
fn one_line(message: &str) -> String {
    let line = message.replace('\n', " ");
    if line.chars().count() > 160 {
        let cut: String = line.chars().take(157).collect();
        format!("{cut}...")
    } else {
        line
    }
}

/// Every `x-isagate-*` problem and every `format` name not in [`formats::names`], in a
/// schema file (not only the first).
pub fn check_annotations(name: &str, schema: &Value) -> Vec<SchemaError> {
    let mut errors = Vec::new();
    for_each_keyword(schema, &mut |pointer, keyword, value| {
        if let Some(which) = keyword.strip_prefix("x-isagate-") {
            errors.extend(annotation_error(name, which, keyword, value, pointer));
        }
        if let ("format", Some(format)) = (keyword, value.as_str()) {
            if !formats::names().any(|known| known == format) {
                errors.push(SchemaError::UnknownFormat {
                    name: name.to_owned(),
                    pointer: pointer.to_owned(),
                    value: format.to_owned(),
                });
            }
        }
    });
    errors
}

/// Keywords whose value is a map from names (not keywords) to schemas (or, for
/// `dependentRequired`, to lists of names).
const NAME_MAPS: &[&str] = &[
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
    "dependentRequired",
];

/// Call `f(pointer, keyword, value)` for every keyword of every subschema of a schema
/// file, `pointer` being the subschema's JSON Pointer. The values of `const`, `enum`,
/// `default` and `examples` are data, and those of `x-isagate-*` annotations are
/// values: neither is entered. The one walk over a schema's keywords: the compiler, the
/// annotation checks and the linter's rules use it.
pub fn for_each_keyword(schema: &Value, f: &mut dyn FnMut(&str, &str, &Value)) {
    walk_keywords(schema, false, &mut String::new(), f);
}

/// `names`: this object's keys are property or definition names, not keywords.
fn walk_keywords(
    v: &Value,
    names: bool,
    pointer: &mut String,
    f: &mut dyn FnMut(&str, &str, &Value),
) {
    match v {
        Value::Object(map) => {
            for (key, value) in map {
                if !names {
                    f(pointer, key, value);
                    if key.starts_with("x-isagate-")
                        || matches!(key.as_str(), "const" | "enum" | "default" | "examples")
                    {
                        continue;
                    }
                }
                let len = pointer.len();
                push_segment(pointer, key);
                let child_names = !names && NAME_MAPS.contains(&key.as_str());
                walk_keywords(value, child_names, pointer, f);
                pointer.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&i.to_string());
                walk_keywords(item, false, pointer, f);
                pointer.truncate(len);
            }
        }
        _ => {}
    }
}

fn annotation_error(
    name: &str,
    which: &str,
    keyword: &str,
    value: &Value,
    pointer: &str,
) -> Option<SchemaError> {
    if !ANNOTATIONS.contains(&keyword) {
        return Some(SchemaError::UnknownAnnotation {
            name: name.to_owned(),
            pointer: pointer.to_owned(),
            keyword: keyword.to_owned(),
        });
    }
    match value.as_str() {
        None => Some(SchemaError::NotAString {
            name: name.to_owned(),
            pointer: pointer.to_owned(),
            keyword: keyword.to_owned(),
        }),
        Some(text) => check_annotation(name, which, text, pointer),
    }
}

fn check_annotation(name: &str, which: &str, text: &str, pointer: &str) -> Option<SchemaError> {
    let (name, pointer, value) = (name.to_owned(), pointer.to_owned(), text.to_owned());
    match which {
        "category" if Category::parse(text).is_none() => {
            Some(SchemaError::UnknownCategory { name, pointer, value })
        }
        "transform" if Transform::parse(text).is_none() => {
            Some(SchemaError::UnknownTransform { name, pointer, value })
        }
        "subject-id" if !SUBJECT_ID_TYPES.contains(&text) => {
            Some(SchemaError::BadSubjectId { name, pointer, value })
        }
        _ => None,
    }
}

/// Append `/key` to a JSON Pointer, escaping `~` and `/`.
pub fn push_segment(pointer: &mut String, key: &str) {
    pointer.push('/');
    if key.contains(['~', '/']) {
        pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
    } else {
        pointer.push_str(key);
    }
}

struct Compiler<'s> {
    name: &'s str,
    root: &'s Value,
    map: ValidatorMap,
    anchors: HashMap<String, String>,
    memo: HashMap<String, NodeId>,
    nodes: Vec<Node>,
}

impl<'s> Compiler<'s> {
    fn error_invalid(&self, pointer: &str, message: String) -> SchemaError {
        SchemaError::Invalid { name: self.name.to_owned(), pointer: pointer.to_owned(), message }
    }

    /// The pre-built validator of the subschema at `pointer`.
    fn validator(&self, pointer: &str) -> Result<Validator, SchemaError> {
        self.map
            .get(&format!("#{pointer}"))
            .cloned()
            .ok_or_else(|| self.error_invalid(pointer, "cannot compile this subschema".to_owned()))
    }

    fn child(
        &mut self,
        pointer: &str,
        keyword: &str,
        schema: &'s Value,
    ) -> Result<NodeId, SchemaError> {
        let mut p = pointer.to_owned();
        push_segment(&mut p, keyword);
        self.node(p, schema)
    }

    /// A schema object with at least one keyword (`true`, `false` and `{}` admit nothing).
    fn admits(schema: &Value) -> bool {
        matches!(schema, Value::Object(m) if !m.is_empty())
    }

    fn node(&mut self, pointer: String, schema: &'s Value) -> Result<NodeId, SchemaError> {
        if let Some(id) = self.memo.get(&pointer) {
            return Ok(*id);
        }
        let id = self.nodes.len();
        self.nodes.push(Node::default());
        self.memo.insert(pointer.clone(), id);
        let Value::Object(obj) = schema else { return Ok(id) };
        let node = self.fill(&pointer, obj)?;
        self.nodes[id] = node;
        Ok(id)
    }

    fn fill(&mut self, ptr: &str, obj: &'s Map<String, Value>) -> Result<Node, SchemaError> {
        let mut n = Node::default();
        for (keyword, sub) in obj {
            let kw = keyword.as_str();
            match kw {
                "properties" | "patternProperties" | "dependentSchemas" => {
                    let Value::Object(members) = sub else { continue };
                    n.has_properties |= kw != "dependentSchemas";
                    let mut base = ptr.to_owned();
                    push_segment(&mut base, kw);
                    for (key, member) in members {
                        let id = self.child(&base, key, member)?;
                        match kw {
                            "properties" => {
                                n.properties.insert(key.clone(), id);
                            }
                            "patternProperties" => {
                                let matcher = formats::options()
                                    .build(&serde_json::json!({ "pattern": key }))
                                    .map_err(|e| self.error_invalid(&base, e.to_string()))?;
                                n.patterns.push((matcher, id));
                            }
                            _ => n.dependent.push((key.clone(), id)),
                        }
                    }
                }
                "additionalProperties" | "unevaluatedProperties" | "items" | "unevaluatedItems" => {
                    // Each records that the keyword is present and the schema it admits
                    // members with (none when that schema is `false`).
                    let id = self.child(ptr, kw, sub)?;
                    let rest = match kw {
                        "additionalProperties" => &mut n.additional,
                        "unevaluatedProperties" => &mut n.unevaluated,
                        "items" => &mut n.items,
                        _ => &mut n.unevaluated_items,
                    };
                    *rest = Rest { present: true, admits: Self::admits(sub).then_some(id) };
                }
                "prefixItems" | "allOf" | "anyOf" | "oneOf" => {
                    let Value::Array(members) = sub else { continue };
                    let mut base = ptr.to_owned();
                    push_segment(&mut base, kw);
                    for (i, member) in members.iter().enumerate() {
                        let p = format!("{base}/{i}");
                        let id = self.node(p.clone(), member)?;
                        match kw {
                            "prefixItems" => n.prefix_items.push(id),
                            "allOf" => n.in_place.push(id),
                            "anyOf" => n.any_of.push((self.validator(&p)?, id)),
                            _ => n.one_of.push((self.validator(&p)?, id)),
                        }
                    }
                }
                "if" => {
                    let if_node = self.child(ptr, kw, sub)?;
                    let mut p = ptr.to_owned();
                    push_segment(&mut p, kw);
                    let test = self.validator(&p)?;
                    let then_node = match obj.get("then") {
                        Some(t) => Some(self.child(ptr, "then", t)?),
                        None => None,
                    };
                    let else_node = match obj.get("else") {
                        Some(e) => Some(self.child(ptr, "else", e)?),
                        None => None,
                    };
                    n.conditional = Some(Conditional { test, if_node, then_node, else_node });
                }
                "$ref" => {
                    let target = self.resolve(ptr, kw, sub)?;
                    n.in_place.push(target);
                }
                "$dynamicRef" | "$recursiveRef" => {
                    return Err(self.unsupported(ptr, kw, sub));
                }
                "x-isagate-category" | "x-isagate-transform" | "x-isagate-subject-id" => {
                    // Fail closed: an annotation that did not parse never means "nothing".
                    let which = &kw["x-isagate-".len()..];
                    if let Some(e) = annotation_error(self.name, which, kw, sub, ptr) {
                        return Err(e);
                    }
                    let text = sub.as_str().unwrap_or_default();
                    match which {
                        "category" => n.category = Category::parse(text),
                        "transform" => n.transform = Transform::parse(text),
                        _ => n.subject_id = Some(text.to_owned()),
                    }
                }
                _ if kw.starts_with("x-isagate-") => {
                    return Err(SchemaError::UnknownAnnotation {
                        name: self.name.to_owned(),
                        pointer: ptr.to_owned(),
                        keyword: kw.to_owned(),
                    });
                }
                _ => {}
            }
        }
        Ok(n)
    }

    fn unsupported(&self, ptr: &str, keyword: &str, reference: &Value) -> SchemaError {
        SchemaError::UnsupportedRef {
            name: self.name.to_owned(),
            pointer: ptr.to_owned(),
            keyword: keyword.to_owned(),
            reference: reference.as_str().unwrap_or("").to_owned(),
        }
    }

    /// A local `$ref`: `#`, `#/json/pointer` (percent-decoded) or `#anchor`.
    fn resolve(
        &mut self,
        ptr: &str,
        keyword: &str,
        reference: &Value,
    ) -> Result<NodeId, SchemaError> {
        let root: &'s Value = self.root;
        match ref_target(root, &self.anchors, reference) {
            Some((pointer, target)) => self.node(pointer, target),
            None => Err(self.unsupported(ptr, keyword, reference)),
        }
    }
}

/// Every `$anchor` of a schema file, by name, with the JSON Pointer of its subschema.
fn anchors(schema: &Value) -> HashMap<String, String> {
    let mut anchors = HashMap::new();
    for_each_keyword(schema, &mut |pointer, keyword, value| {
        if let ("$anchor", Some(anchor)) = (keyword, value.as_str()) {
            anchors.entry(anchor.to_owned()).or_insert_with(|| pointer.to_owned());
        }
    });
    anchors
}

/// Where a local `$ref` (`#`, `#/json/pointer` percent-decoded, or `#anchor`) points:
/// the target's JSON Pointer and subschema; `None` for any other reference.
fn ref_target<'s>(
    root: &'s Value,
    anchors: &HashMap<String, String>,
    reference: &Value,
) -> Option<(String, &'s Value)> {
    let fragment = reference.as_str()?.strip_prefix('#')?;
    let pointer = if fragment.is_empty() || fragment.starts_with('/') {
        percent_encoding::percent_decode_str(fragment).decode_utf8_lossy().into_owned()
    } else {
        anchors.get(fragment)?.clone()
    };
    let target = root.pointer(&pointer)?;
    Some((pointer, target))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn locations(schema: &Value) -> Vec<String> {
        match SchemaPlan::compile_all("s.json", schema) {
            Ok(_) => Vec::new(),
            Err(errors) => errors.iter().map(SchemaError::location).collect(),
        }
    }

    #[test]
    fn compile_all_reports_every_problem_at_the_value_at_fault() {
        let schema = json!({"properties": {
            "a/b": {"x-isagate-transform": "hash"},
            "c": {"x-isagate-subject-id": "NHS Number", "format": "nhs_number"},
            "d": {"x-isagate-categroy": "health", "x-isagate-category": 9},
            "e": {"type": "strin"}
        }});
        let mut got = locations(&schema);
        got.sort();
        assert_eq!(
            got,
            [
                "/properties/a~1b/x-isagate-transform",
                "/properties/c/format",
                "/properties/c/x-isagate-subject-id",
                "/properties/d/x-isagate-category",
                "/properties/d/x-isagate-categroy",
                "/properties/e/type",
            ]
        );
        // `compile` refuses with one of them.
        assert!(SchemaPlan::compile("s.json", &schema).is_err());
    }

    #[test]
    fn build_errors_and_drafts_are_placed_too() {
        assert_eq!(
            locations(&json!({"$schema": "http://json-schema.org/draft-07/schema#"})),
            ["/$schema"]
        );
        assert_eq!(
            locations(&json!({"properties": {"a": {"$ref": "#/$defs/none"}}})),
            ["/properties/a/$ref"]
        );
        assert_eq!(locations(&json!({"patternProperties": {"(": {}}})).len(), 1);
        assert!(locations(&json!({"properties": {"a": {"const": {"x-isagate-nonsense": 1}}}}))
            .is_empty());
    }
}
