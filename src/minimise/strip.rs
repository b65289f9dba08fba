//! The minimisation walk (contract section 2 step 5): validate the received payload
//! against its [`SchemaPlan`], keep only what the schema declares for this instance,
//! strip special category and criminal offence data without an Article 9 / 10
//! condition, then apply transforms. When array elements are stripped, later elements
//! close up in the output.
//!
//! The report comes in two forms. The record's ([`MinimisationReport`]) holds schema
//! paths only: a key the schema names as it is, any other key and every array position
//! `*`, and an undeclared member counted at its nearest declared parent, so that it
//! holds no name the caller chose and its size follows the schema, not the payload
//! (contract section 5). A dry run's [`PayloadView`] holds the same at the payload's
//! concrete JSON Pointers. Schema violations and transform failures name the place in
//! the schema path form too, since they reach refusal records and problem bodies.
//!
//! Must not: put a payload value into an error, a report or a log, or a payload's key
//! into the record form.

use std::collections::HashSet;
use std::fmt::Write as _;

use jiff::civil::Date;
use serde_json::Value;

mod report;

use report::{PathId, Paths, RawStrip, RawTransform};

use super::plan::{push_segment, NodeId, Rest, SchemaPlan, Violation};
use super::transforms::{self, Category, Transform, TransformInput};
use super::{Minimised, SubjectId};
use crate::codes::{Reason, RefusalCode, StripReason};
use crate::keys::PseudonymKey;

/// How to minimise one payload.
#[derive(Debug, Clone, Copy)]
pub struct MinimiseOptions<'a> {
    /// The agreement names an Article 9 condition: special category fields may pass.
    pub article_9: bool,
    /// The agreement names an Article 10 condition: criminal offence fields may pass.
    pub article_10: bool,
    /// The (agreement, recipient) pseudonym key. `None`: `pseudonymise` fails closed.
    pub pseudonym_key: Option<&'a PseudonymKey>,
    /// The transfer date (Europe/London), for `age-band`.
    pub today: Date,
    /// `false`: strip only, leave values as they are (property tests, re-checks).
    pub apply_transforms: bool,
    /// Emergency sharing: the flow's normal request schema. Fields it declares but the
    /// emergency schema does not are stripped as `not-in-emergency-schema`.
    pub normal_plan: Option<&'a SchemaPlan>,
}

/// Why a payload cannot be minimised. Neither variant carries a value, and every
/// pointer is in the schema path form ([`SchemaPlan::schema_path_of`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MinimiseError {
    #[error("the payload does not match its schema ({} violation(s))", .0.len())]
    SchemaViolation(Vec<Violation>),
    #[error("transform `{transform}` cannot be applied at `{pointer}`")]
    TransformFailed { pointer: String, transform: String },
}

impl MinimiseError {
    /// The refusal reasons, one per violation: pointers and keywords only.
    pub fn reasons(&self) -> Vec<Reason> {
        match self {
            Self::SchemaViolation(vs) => vs
                .iter()
                .map(|v| {
                    let missing = v
                        .missing
                        .as_ref()
                        .map(|m| format!(": `{m}` is missing"))
                        .unwrap_or_default();
                    let at = if v.schema_path.is_empty() {
                        String::new()
                    } else {
                        format!(" (schema location `{}`)", v.schema_path)
                    };
                    Reason::new(
                        RefusalCode::SchemaViolation,
                        format!(
                            "{} fails the schema keyword `{}`{missing}{at}",
                            describe_pointer(&v.pointer),
                            v.keyword
                        ),
                    )
                })
                .collect(),
            Self::TransformFailed { pointer, transform } => vec![Reason::new(
                RefusalCode::TransformFailed,
                format!(
                    "transform `{transform}` cannot be applied to {}",
                    describe_pointer(pointer)
                ),
            )],
        }
    }
}

fn describe_pointer(p: &str) -> String {
    if p.is_empty() {
        "the payload".to_owned()
    } else {
        format!("`{p}`")
    }
}

/// Validate, strip, transform. See the module docs. The output is built from a copy of
/// `payload`: a caller that no longer needs it calls [`minimise_owned`] instead.
pub fn minimise(
    plan: &SchemaPlan,
    payload: &Value,
    opts: &MinimiseOptions<'_>,
) -> Result<Minimised, MinimiseError> {
    validate(plan, payload)?;
    let declared = opts.normal_plan.map(|normal| declared_pointers(normal, payload));
    Walk::new(plan, opts).run(payload.clone(), declared)
}

/// [`minimise`] of a payload the caller hands over: what passes is moved into the
/// output (object maps kept in place, strings never copied), so the only new value
/// built is a transform's result. Same output, report and errors as [`minimise`].
pub fn minimise_owned(
    plan: &SchemaPlan,
    payload: Value,
    opts: &MinimiseOptions<'_>,
) -> Result<Minimised, MinimiseError> {
    validate(plan, &payload)?;
    let declared = opts.normal_plan.map(|normal| declared_pointers(normal, &payload));
    Walk::new(plan, opts).run(payload, declared)
}

/// Step 1: the payload against its schema, violations at schema paths.
fn validate(plan: &SchemaPlan, payload: &Value) -> Result<(), MinimiseError> {
    plan.validate(payload).map_err(|violations| {
        let mut vs: Vec<Violation> = violations
            .into_iter()
            .map(|mut v| {
                v.pointer = plan.schema_path_of(&v.pointer);
                v
            })
            .collect();
        vs.sort();
        vs.dedup();
        MinimiseError::SchemaViolation(vs)
    })
}

/// The annotations that apply to one value.
#[derive(Default)]
struct Applied<'p> {
    special: bool,
    criminal: bool,
    transform: Option<Transform>,
    subject_id: Option<&'p str>,
}

struct Walk<'p, 'o> {
    plan: &'p SchemaPlan,
    opts: &'o MinimiseOptions<'o>,
    input: TransformInput<'o>,
    /// The concrete JSON Pointer of the value being walked.
    path: String,
    /// Its schema path (the record's form of `path`).
    spath: String,
    paths: Paths,
    /// Schema paths of disclosed leaves, with repeats until the end.
    disclosed: Vec<PathId>,
    stripped: Vec<RawStrip>,
    transformed: Vec<RawTransform>,
    subjects: Vec<SubjectId>,
    /// Emptied `children` buffers of finished containers, for the next ones.
    spare: Vec<Vec<NodeId>>,
}

impl<'p, 'o> Walk<'p, 'o> {
    fn new(plan: &'p SchemaPlan, opts: &'o MinimiseOptions<'o>) -> Self {
        Walk {
            plan,
            opts,
            input: TransformInput { pseudonym_key: opts.pseudonym_key, today: opts.today },
            path: String::new(),
            spath: String::new(),
            paths: Paths::default(),
            disclosed: Vec::new(),
            stripped: Vec::new(),
            transformed: Vec::new(),
            subjects: Vec::new(),
            spare: Vec::new(),
        }
    }

    /// Walk a validated payload; `declared`: what the flow's normal schema declares, in
    /// emergency sharing.
    fn run(
        mut self,
        payload: Value,
        declared: Option<HashSet<String>>,
    ) -> Result<Minimised, MinimiseError> {
        let value = self.value(&[self.plan.root], payload)?.unwrap_or(Value::Null);
        let Walk {
            paths, disclosed, stripped: raw, transformed: raw_transformed, subjects, ..
        } = self;
        let (report, payload_view) =
            report::reports(paths, disclosed, raw, raw_transformed, declared.as_ref());
        Ok(Minimised { value, report, payload: payload_view, subjects })
    }

    /// The value at `path` is stripped.
    fn strip(&mut self, reason: StripReason) {
        let path = self.paths.id(&self.spath);
        self.stripped.push(RawStrip { pointer: self.path.clone(), path, reason });
    }

    /// The member at `path` is undeclared: the record counts it at its nearest declared
    /// parent, the schema path `spath` of the container, never by its name.
    fn strip_undeclared(&mut self) {
        self.strip(StripReason::Undeclared);
    }

    /// The leaf at `spath` reaches the recipient.
    fn disclose(&mut self) {
        let id = self.paths.id(&self.spath);
        self.disclosed.push(id);
    }

    fn applied(&self, set: &[NodeId]) -> Applied<'p> {
        let mut a = Applied::default();
        for id in set {
            let n = self.plan.node(*id);
            match n.category {
                Some(Category::CriminalOffence) => a.criminal = true,
                Some(Category::Special(_)) => a.special = true,
                None => {}
            }
            if let Some(t) = n.transform {
                // Several transforms apply: the strongest wins (drop, mask, pseudonymise, ...).
                a.transform = Some(a.transform.map_or(t, |old| old.min(t)));
            }
            if a.subject_id.is_none() {
                a.subject_id = n.subject_id.as_deref();
            }
        }
        a
    }

    /// The output for `v` declared by `nodes`, or `None` when it is stripped here
    /// (recorded). `self.path` points at `v`.
    fn value(&mut self, nodes: &[NodeId], v: Value) -> Result<Option<Value>, MinimiseError> {
        let plan = self.plan;
        let expanded;
        let set: &[NodeId] = if nodes.iter().all(|id| plan.node(*id).is_simple()) {
            nodes
        } else {
            expanded = plan.expand(nodes, &v);
            &expanded
        };
        let applied = self.applied(set);
        if let Some(kind) = applied.subject_id {
            let value = match &v {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            };
            if let Some(value) = value {
                self.subjects.push(SubjectId { kind: kind.to_owned(), value });
            }
        }
        if applied.special && !self.opts.article_9 {
            self.strip(StripReason::SpecialCategory);
            return Ok(None);
        }
        if applied.criminal && !self.opts.article_10 {
            self.strip(StripReason::CriminalOffence);
            return Ok(None);
        }
        if applied.transform == Some(Transform::Drop) {
            self.strip(StripReason::Dropped);
            return Ok(None);
        }
        let (disclosed_mark, transformed_mark) = (self.disclosed.len(), self.transformed.len());
        let transform = applied.transform.filter(|_| self.opts.apply_transforms && !v.is_null());
        let out = if v.is_object() || v.is_array() { self.container(set, v)? } else { v };
        if let Some(t) = transform {
            let new = transforms::apply(t, &out, &self.input).map_err(|_| {
                MinimiseError::TransformFailed {
                    pointer: self.spath.clone(),
                    transform: t.as_str().to_owned(),
                }
            })?;
            // The transformed value is one leaf, whatever it was made of.
            self.disclosed.truncate(disclosed_mark);
            self.transformed.truncate(transformed_mark);
            self.disclose();
            let path = self.paths.id(&self.spath);
            self.transformed.push(RawTransform { pointer: self.path.clone(), path, transform: t });
            return Ok(Some(new));
        }
        if is_leaf(&out) {
            self.disclose();
        }
        Ok(Some(out))
    }

    /// Minimises each member of the object or array `container` in place, in order:
    /// members that pass stay (minimised), the others go and later ones close up.
    fn container(&mut self, set: &[NodeId], mut container: Value) -> Result<Value, MinimiseError> {
        let plan = self.plan;
        let array = container.is_array();
        let described = set.iter().any(|id| {
            let n = plan.node(*id);
            if array {
                n.describes_array()
            } else {
                n.describes_object()
            }
        });
        // The resolver reads the container as received, before any member changes.
        let resolver = described.then(|| Resolver::new(plan, set, &container));
        let mut failed = None;
        let mut children = self.spare.pop().unwrap_or_default();
        let mut keep = |walk: &mut Self, member: Segment<'_>, child: &mut Value| {
            if failed.is_some() {
                return false;
            }
            let taken = std::mem::take(child);
            let out = match &resolver {
                Some(resolver) => walk.declared_member(resolver, member, taken, &mut children),
                None => Ok(walk.scalar_member(member, taken)),
            };
            match out {
                Ok(Some(minimised)) => {
                    *child = minimised;
                    true
                }
                Ok(None) => false,
                Err(e) => {
                    failed = Some(e);
                    false
                }
            }
        };
        match &mut container {
            Value::Object(map) => map.retain(|k, child| keep(self, Segment::Key(k), child)),
            Value::Array(items) => {
                let mut i = 0;
                items.retain_mut(|child| {
                    let kept = keep(self, Segment::Index(i), child);
                    i += 1;
                    kept
                });
            }
            _ => {}
        }
        children.clear();
        self.spare.push(children);
        match failed {
            Some(e) => Err(e),
            None => Ok(container),
        }
    }

    /// One member of a container whose schemas declare members: minimised by the nodes
    /// that declare it, or stripped as undeclared.
    fn declared_member(
        &mut self,
        resolver: &Resolver<'_>,
        member: Segment<'_>,
        v: Value,
        children: &mut Vec<NodeId>,
    ) -> Result<Option<Value>, MinimiseError> {
        children.clear();
        let named = resolver.declaring(member, children);
        let (len, slen) = (self.path.len(), self.spath.len());
        member.push_onto(&mut self.path);
        let out = if children.is_empty() {
            self.strip_undeclared();
            Ok(None)
        } else {
            match member {
                Segment::Key(k) if named => push_segment(&mut self.spath, k),
                _ => self.spath.push_str("/*"),
            }
            self.value(children, v)
        };
        self.path.truncate(len);
        self.spath.truncate(slen);
        out
    }

    /// One member of a declared container whose schema says nothing about its
    /// contents: a scalar passes (no annotations apply to it), a nested container is
    /// undeclared.
    fn scalar_member(&mut self, member: Segment<'_>, v: Value) -> Option<Value> {
        let len = self.path.len();
        member.push_onto(&mut self.path);
        let out = if v.is_object() || v.is_array() {
            self.strip_undeclared();
            None
        } else {
            let slen = self.spath.len();
            self.spath.push_str("/*");
            self.disclose();
            self.spath.truncate(slen);
            Some(v)
        };
        self.path.truncate(len);
        out
    }
}

/// One member of a container: an object's key or an array's index.
#[derive(Clone, Copy)]
enum Segment<'v> {
    Key(&'v str),
    Index(usize),
}

impl Segment<'_> {
    /// Appends this member to a JSON Pointer.
    fn push_onto(self, path: &mut String) {
        match self {
            Segment::Key(k) => push_segment(path, k),
            Segment::Index(i) => {
                // Writing to a `String` cannot fail.
                let _ = write!(path, "/{i}");
            }
        }
    }
}

fn is_leaf(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => true,
    }
}

/// Which nodes declare each member (an object's key or an array's element) of one
/// container.
struct Resolver<'p> {
    plan: &'p SchemaPlan,
    set: &'p [NodeId],
    /// The container is an array (`unevaluatedItems`), else an object
    /// (`unevaluatedProperties`).
    array: bool,
    /// For each node with `unevaluatedProperties` / `unevaluatedItems`: (its admitting
    /// schema, the node, the nodes that apply in its own subtree).
    unevaluated: Vec<(Option<NodeId>, NodeId, Vec<NodeId>)>,
}

impl<'p> Resolver<'p> {
    /// `instance` is the container itself.
    fn new(plan: &'p SchemaPlan, set: &'p [NodeId], instance: &Value) -> Self {
        let array = instance.is_array();
        let mut unevaluated = Vec::new();
        for id in set {
            let rest = Self::unevaluated_of(plan, *id, array);
            if rest.present {
                unevaluated.push((rest.admits, *id, plan.expand(&[*id], instance)));
            }
        }
        Self { plan, set, array, unevaluated }
    }

    /// Whether node `id` has the `unevaluated*` keyword for this kind of container, and
    /// the schema it admits members with.
    fn unevaluated_of(plan: &SchemaPlan, id: NodeId, array: bool) -> Rest {
        let n = plan.node(id);
        if array {
            n.unevaluated_items
        } else {
            n.unevaluated
        }
    }

    /// The members this node alone evaluates: `properties`, `patternProperties` and
    /// `additionalProperties` of an object; `prefixItems` and `items` of an array.
    /// `named`: set when this node names the key in its `properties`.
    fn local(
        &self,
        id: NodeId,
        member: Segment<'_>,
        out: &mut Vec<NodeId>,
        named: &mut bool,
    ) -> bool {
        let n = self.plan.node(id);
        match member {
            Segment::Key(key) => {
                let mut matched = false;
                if let Some(c) = n.properties.get(key) {
                    out.push(*c);
                    matched = true;
                    *named = true;
                }
                if !n.patterns.is_empty() {
                    let k = Value::String(key.to_owned());
                    for (m, c) in &n.patterns {
                        if m.is_valid(&k) {
                            out.push(*c);
                            matched = true;
                        }
                    }
                }
                if !matched {
                    if let Some(c) = n.additional.admits {
                        out.push(c);
                    }
                }
                matched || n.additional.present
            }
            Segment::Index(i) => {
                if let Some(c) = n.prefix_items.get(i) {
                    out.push(*c);
                    return true;
                }
                if let Some(c) = n.items.admits {
                    out.push(c);
                }
                n.items.present
            }
        }
    }

    /// The nodes that declare `member`, into `out`; whether a node of the set names it
    /// in its `properties` (the record then writes the key, else `*`).
    fn declaring(&self, member: Segment<'_>, out: &mut Vec<NodeId>) -> bool {
        let mut named = false;
        for id in self.set {
            self.local(*id, member, out, &mut named);
        }
        for (admit, owner, closure) in &self.unevaluated {
            let Some(admit) = admit else { continue };
            let mut scratch = Vec::new();
            let evaluated = closure.iter().any(|m| {
                (*m != *owner && Self::unevaluated_of(self.plan, *m, self.array).present)
                    || self.local(*m, member, &mut scratch, &mut false)
            });
            if !evaluated {
                out.push(*admit);
            }
        }
        out.sort_unstable();
        out.dedup();
        named
    }
}

/// Every pointer (containers included) that `plan` declares for `payload`, without
/// validating it and without categories or transforms: used to tell "not in the
/// emergency schema" from "undeclared".
pub(crate) fn declared_pointers(plan: &SchemaPlan, payload: &Value) -> HashSet<String> {
    let mut out = HashSet::new();
    let mut path = String::new();
    declared_walk(plan, &[plan.root], payload, &mut path, &mut out);
    out
}

fn declared_walk(
    plan: &SchemaPlan,
    nodes: &[NodeId],
    v: &Value,
    path: &mut String,
    out: &mut HashSet<String>,
) {
    out.insert(path.clone());
    let set = plan.expand(nodes, v);
    let (described, members): (bool, Vec<(Segment<'_>, &Value)>) = match v {
        Value::Object(map) => (
            set.iter().any(|id| plan.node(*id).describes_object()),
            map.iter().map(|(k, child)| (Segment::Key(k), child)).collect(),
        ),
        Value::Array(items) => (
            set.iter().any(|id| plan.node(*id).describes_array()),
            items.iter().enumerate().map(|(i, child)| (Segment::Index(i), child)).collect(),
        ),
        _ => return,
    };
    let resolver = Resolver::new(plan, &set, v);
    let mut children = Vec::new();
    for (member, child) in members {
        let len = path.len();
        member.push_onto(path);
        if !described {
            if !child.is_object() && !child.is_array() {
                out.insert(path.clone());
            }
        } else {
            children.clear();
            resolver.declaring(member, &mut children);
            if !children.is_empty() {
                declared_walk(plan, &children, child, path, out);
            }
        }
        path.truncate(len);
    }
}
