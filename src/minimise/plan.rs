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

/// Index of a [`Node`] in its plan.
pub(crate) type NodeId = usize;

/// The most violations one validation reports (the rest are counted, not listed).
pub const MAX_VIOLATIONS: usize = 32;

/// Why a schema file cannot be used. Messages name the schema and the place in it;
/// schemas hold no personal data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemaError {
    #[error("schema `{name}` is not a valid draft 2020-12 schema: {message}")]
    Invalid { name: String, message: String },
    #[error("schema `{name}` at `{pointer}`: `{keyword}` `{reference}` is not supported: refer only inside the same file (`#/...` or `#anchor`)")]
    UnsupportedRef { name: String, pointer: String, keyword: String, reference: String },
    #[error("schema `{name}` at `{pointer}`: unknown transform `{value}`: use one of pseudonymise, year, age-band, postcode-district, postcode-sector, mask, drop")]
    UnknownTransform { name: String, pointer: String, value: String },
    #[error("schema `{name}` at `{pointer}`: unknown category `{value}`: use health, ethnicity, religion, sexuality, sex-life, genetic, biometric, political, trade-union or criminal-offence")]
    UnknownCategory { name: String, pointer: String, value: String },
    #[error("schema `{name}` at `{pointer}`: `x-isagate-subject-id` must name an identifier type in lower case (e.g. `nhs-number`), not `{value}`")]
    BadSubjectId { name: String, pointer: String, value: String },
    #[error("schema `{name}` at `{pointer}`: `{keyword}` must be a string")]
    NotAString { name: String, pointer: String, keyword: String },
    #[error("schema `{name}` at `{pointer}`: unknown annotation `{keyword}`: use x-isagate-category, x-isagate-transform or x-isagate-subject-id")]
    UnknownAnnotation { name: String, pointer: String, keyword: String },
}

/// One way the payload fails its schema: where (a JSON Pointer into the payload) and
/// which keyword. Never the value, never the validator's message.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Violation {
    pub pointer: String,
    pub keyword: String,
}

/// One compiled subschema. Fields that admit a value hold the node of the schema that
/// then applies to it.
#[derive(Debug, Default)]
pub(crate) struct Node {
    /// `properties` or `patternProperties` is present (even empty).
    pub has_properties: bool,
    /// `properties`: named keys are declared whatever their schema.
    pub properties: HashMap<String, NodeId>,
    /// `patternProperties`: (a validator `{"pattern": ..}` for the key, schema).
    pub patterns: Vec<(Validator, NodeId)>,
    /// `additionalProperties` is present (any value: it evaluates the remaining keys).
    pub has_additional: bool,
    /// `additionalProperties` as a schema object with at least one keyword: admits.
    pub additional: Option<NodeId>,
    pub has_unevaluated: bool,
    pub unevaluated: Option<NodeId>,
    /// `prefixItems`: each position is declared whatever its schema.
    pub prefix_items: Vec<NodeId>,
    pub has_items: bool,
    pub items: Option<NodeId>,
    pub has_unevaluated_items: bool,
    pub unevaluated_items: Option<NodeId>,
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
        self.has_properties || self.has_additional || self.has_unevaluated
    }

    /// It says something about an array's elements (else: scalar elements only).
    pub fn describes_array(&self) -> bool {
        !self.prefix_items.is_empty() || self.has_items || self.has_unevaluated_items
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
    /// draft 2020-12, every `x-isagate-*` annotation, and that every `$ref` stays inside
    /// the file.
    pub fn compile(name: &str, schema: &Value) -> Result<SchemaPlan, SchemaError> {
        if let Some(first) = check_annotations(name, schema).into_iter().next() {
            return Err(first);
        }
        let invalid = |e: jsonschema::ValidationError<'_>| SchemaError::Invalid {
            name: name.to_owned(),
            message: e.to_string(),
        };
        let options = formats::options();
        let validator = options.build(schema).map_err(invalid)?;
        let map = options.build_map(schema).map_err(invalid)?;
        let mut compiler = Compiler {
            name,
            root: schema,
            map,
            anchors: HashMap::new(),
            memo: HashMap::new(),
            nodes: Vec::new(),
        };
        collect_anchors(schema, String::new(), &mut compiler.anchors);
        let root = compiler.node(String::new(), schema)?;
        Ok(SchemaPlan { name: name.to_owned(), validator, nodes: compiler.nodes, root })
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
            })
            .collect();
        out.sort();
        out.dedup();
        out.truncate(MAX_VIOLATIONS);
        if out.is_empty() {
            // `is_valid` and `iter_errors` disagreeing would be a validator bug: still refuse.
            out.push(Violation { pointer: String::new(), keyword: "schema".to_owned() });
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

    pub(crate) fn node(&self, id: NodeId) -> &Node {
        // Ids are only made by the compiler, which pushes every node it names.
        &self.nodes[id]
    }
}

/// Every `x-isagate-*` problem in a schema file (not only the first), for the linter.
/// Values of `const`, `enum`, `default` and `examples` are data, not schemas: skipped.
pub fn check_annotations(name: &str, schema: &Value) -> Vec<SchemaError> {
    let mut errors = Vec::new();
    scan_annotations(name, schema, &mut String::new(), &mut errors);
    errors
}

fn scan_annotations(name: &str, v: &Value, pointer: &mut String, errors: &mut Vec<SchemaError>) {
    let at = |p: &String| p.clone();
    match v {
        Value::Object(map) => {
            for (key, value) in map {
                if let Some(rest) = key.strip_prefix("x-isagate-") {
                    let text = value.as_str();
                    let known = matches!(rest, "category" | "transform" | "subject-id");
                    match (known, text) {
                        (false, _) => errors.push(SchemaError::UnknownAnnotation {
                            name: name.to_owned(),
                            pointer: at(pointer),
                            keyword: key.clone(),
                        }),
                        (true, None) => errors.push(SchemaError::NotAString {
                            name: name.to_owned(),
                            pointer: at(pointer),
                            keyword: key.clone(),
                        }),
                        (true, Some(t)) => {
                            if let Some(e) = check_annotation(name, rest, t, pointer) {
                                errors.push(e);
                            }
                        }
                    }
                    continue;
                }
                if matches!(key.as_str(), "const" | "enum" | "default" | "examples") {
                    continue;
                }
                let len = pointer.len();
                push_segment(pointer, key);
                scan_annotations(name, value, pointer, errors);
                pointer.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&i.to_string());
                scan_annotations(name, item, pointer, errors);
                pointer.truncate(len);
            }
        }
        _ => {}
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
        "subject-id"
            if text.is_empty()
                || !text
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') =>
        {
            Some(SchemaError::BadSubjectId { name, pointer, value })
        }
        _ => None,
    }
}

/// Append `/key` to a JSON Pointer, escaping `~` and `/`.
pub(crate) fn push_segment(pointer: &mut String, key: &str) {
    pointer.push('/');
    if key.contains(['~', '/']) {
        pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
    } else {
        pointer.push_str(key);
    }
}

fn collect_anchors(v: &Value, pointer: String, anchors: &mut HashMap<String, String>) {
    match v {
        Value::Object(map) => {
            if let Some(Value::String(a)) = map.get("$anchor") {
                anchors.entry(a.clone()).or_insert_with(|| pointer.clone());
            }
            for (key, value) in map {
                if matches!(key.as_str(), "const" | "enum" | "default" | "examples") {
                    continue;
                }
                let mut p = pointer.clone();
                push_segment(&mut p, key);
                collect_anchors(value, p, anchors);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                collect_anchors(item, format!("{pointer}/{i}"), anchors);
            }
        }
        _ => {}
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
    fn error_invalid(&self, message: String) -> SchemaError {
        SchemaError::Invalid { name: self.name.to_owned(), message }
    }

    /// The pre-built validator of the subschema at `pointer`.
    fn validator(&self, pointer: &str) -> Result<Validator, SchemaError> {
        self.map.get(&format!("#{pointer}")).cloned().ok_or_else(|| {
            self.error_invalid(format!("cannot compile the subschema at `{pointer}`"))
        })
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
                                    .map_err(|e| self.error_invalid(e.to_string()))?;
                                n.patterns.push((matcher, id));
                            }
                            _ => n.dependent.push((key.clone(), id)),
                        }
                    }
                }
                "additionalProperties" => {
                    n.has_additional = true;
                    let id = self.child(ptr, kw, sub)?;
                    n.additional = Self::admits(sub).then_some(id);
                }
                "unevaluatedProperties" => {
                    n.has_unevaluated = true;
                    let id = self.child(ptr, kw, sub)?;
                    n.unevaluated = Self::admits(sub).then_some(id);
                }
                "items" => {
                    n.has_items = true;
                    let id = self.child(ptr, kw, sub)?;
                    n.items = Self::admits(sub).then_some(id);
                }
                "unevaluatedItems" => {
                    n.has_unevaluated_items = true;
                    let id = self.child(ptr, kw, sub)?;
                    n.unevaluated_items = Self::admits(sub).then_some(id);
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
                "x-isagate-category" => n.category = sub.as_str().and_then(Category::parse),
                "x-isagate-transform" => n.transform = sub.as_str().and_then(Transform::parse),
                "x-isagate-subject-id" => n.subject_id = sub.as_str().map(str::to_owned),
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
        let Some(text) = reference.as_str() else {
            return Err(self.unsupported(ptr, keyword, reference));
        };
        let Some(fragment) = text.strip_prefix('#') else {
            return Err(self.unsupported(ptr, keyword, reference));
        };
        let pointer = if fragment.is_empty() || fragment.starts_with('/') {
            percent_encoding::percent_decode_str(fragment).decode_utf8_lossy().into_owned()
        } else {
            match self.anchors.get(fragment) {
                Some(p) => p.clone(),
                None => return Err(self.unsupported(ptr, keyword, reference)),
            }
        };
        let root: &'s Value = self.root;
        match root.pointer(&pointer) {
            Some(target) => self.node(pointer, target),
            None => Err(self.unsupported(ptr, keyword, reference)),
        }
    }
}
