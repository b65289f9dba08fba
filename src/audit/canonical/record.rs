//! The canonical bytes of a [`Record`] written straight from its fields, with the member
//! names in their canonical (sorted) order, instead of building a `serde_json::Value`
//! and sorting it. Verify hashes every record, so this is its hot path. The output must
//! equal [`super::write_canonical`] of the record's serde form without `hash`: the tests
//! below check that on records that fill every field, and that the serde forms of the
//! nested types still have exactly the members written here.

use super::{write_at, write_string, CanonicalError};
use crate::audit::record::{Record, RecordDraft};

/// A JSON object being written member by member, names in canonical order (the
/// caller's job). Shared with `verify`'s fast path, which writes from stored columns.
pub(crate) struct Obj<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
}

impl<'a> Obj<'a> {
    pub(crate) fn open(out: &'a mut Vec<u8>) -> Self {
        out.push(b'{');
        Obj { out, first: true }
    }

    /// Write a member name; names must come in canonical order.
    pub(crate) fn key(&mut self, name: &str) -> &mut Vec<u8> {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        write_string(name, self.out);
        self.out.push(b':');
        self.out
    }

    pub(crate) fn str(&mut self, name: &str, v: &str) {
        write_string(v, self.key(name));
    }

    pub(crate) fn opt(&mut self, name: &str, v: Option<&str>) {
        let out = self.key(name);
        match v {
            Some(s) => write_string(s, out),
            None => out.extend_from_slice(b"null"),
        }
    }

    pub(crate) fn strs(&mut self, name: &str, v: &[String]) {
        list(self.key(name), v, |out, s| write_string(s, out));
    }

    /// A member that is an object or null; `members` writes the object's members.
    pub(crate) fn object<T>(
        &mut self,
        name: &str,
        v: Option<&T>,
        members: impl FnOnce(&mut Obj<'_>, &T),
    ) {
        let out = self.key(name);
        match v {
            None => null(out),
            Some(v) => {
                let mut inner = Obj::open(out);
                members(&mut inner, v);
                inner.close();
            }
        }
    }

    /// A member that is a list of objects; `members` writes each object's members.
    pub(crate) fn objects<T>(
        &mut self,
        name: &str,
        items: &[T],
        members: impl Fn(&mut Obj<'_>, &T),
    ) {
        list(self.key(name), items, |out, item| {
            let mut inner = Obj::open(out);
            members(&mut inner, item);
            inner.close();
        });
    }

    pub(crate) fn int(&mut self, name: &str, v: u64) {
        let out = self.key(name);
        out.extend_from_slice(v.to_string().as_bytes());
    }

    pub(crate) fn close(self) {
        self.out.push(b'}');
    }
}

fn null(out: &mut Vec<u8>) {
    out.extend_from_slice(b"null");
}

fn list<T>(out: &mut Vec<u8>, items: &[T], mut each: impl FnMut(&mut Vec<u8>, &T)) {
    out.push(b'[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        each(out, item);
    }
    out.push(b']');
}

/// The four members the store assigns when it chains a record, in canonical order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Assigned {
    Id,
    PrevHash,
    Seq,
    Time,
}

/// Append the canonical bytes of `r` without `hash`.
pub(super) fn write_record(r: &Record, out: &mut Vec<u8>) -> Result<(), CanonicalError> {
    write_draft(&r.draft, out, &mut |a, out| match a {
        Assigned::Id => write_string(
            uuid::fmt::Hyphenated::from_uuid(r.id).encode_lower(&mut uuid::Uuid::encode_buffer()),
            out,
        ),
        Assigned::PrevHash => write_string(&r.prev_hash, out),
        Assigned::Seq => out.extend_from_slice(r.seq.to_string().as_bytes()),
        Assigned::Time => write_string(&r.time, out),
    })
}

/// Append the canonical bytes of a record holding `d`, calling `assigned` where the
/// value of a member that the store assigns goes (its name and colon already written).
/// Both the writer (which leaves those four values as gaps to hash around) and
/// [`write_record`] go through here, so the two cannot drift apart.
pub(super) fn write_draft(
    d: &RecordDraft,
    out: &mut Vec<u8>,
    assigned: &mut dyn FnMut(Assigned, &mut Vec<u8>),
) -> Result<(), CanonicalError> {
    let mut o = Obj::open(out);
    o.opt("actor", d.actor.as_deref());
    o.object("agreement", d.agreement.as_ref(), |a2, a| {
        a2.str("id", &a.id);
        a2.str("sha256", &a.sha256);
        a2.int("version", u64::from(a.version));
    });
    o.opt("caller_cert_sha256", d.caller_cert_sha256.as_deref());
    o.opt("direction", d.direction.map(|x| x.as_str()));
    o.strs("disclosed", &d.disclosed);
    o.object("emergency", d.emergency.as_ref(), |e2, e| {
        e2.str("basis", &e.basis);
        e2.str("category", &e.category);
        e2.str("justification", &e.justification);
        e2.str("review_state", &e.review_state);
    });
    o.opt("flow", d.flow.as_deref());
    if let Some(format) = d.format {
        // Absent from records written before format 2, as it was when they were hashed.
        o.int("format", u64::from(format));
    }
    o.opt("from", d.from.as_deref());
    let out = o.key("governance");
    match &d.governance {
        None => null(out),
        Some(g) => write_at(g, out, &mut "/governance".to_owned())?,
    }
    assigned(Assigned::Id, o.key("id"));
    let mut buf = uuid::Uuid::encode_buffer();
    let in_reply_to = d.in_reply_to.map(|u| &*u.hyphenated().encode_lower(&mut buf));
    o.opt("in_reply_to", in_reply_to);
    o.str("kind", d.kind.as_str());
    o.object("lawful_basis", d.lawful_basis.as_ref(), |l2, l| {
        // The two optional members are written only when present, as serde stores them,
        // so that records made before they existed keep their hashes.
        if let Some(document) = &l.appropriate_policy_document {
            l2.str("appropriate_policy_document", document);
        }
        l2.strs("article_10", &l.article_10);
        l2.strs("article_6", &l.article_6);
        l2.strs("article_9", &l.article_9);
        if !l.part_3.is_empty() {
            l2.strs("part_3", &l.part_3);
        }
        l2.strs("statutory_gateway", &l.statutory_gateway);
    });
    o.opt("method", d.method.as_deref());
    o.str("outcome", d.outcome.as_str());
    o.opt("path_template", d.path_template.as_deref());
    o.opt("payload_sha256", d.payload_sha256.as_deref());
    assigned(Assigned::PrevHash, o.key("prev_hash"));
    o.opt("purpose", d.purpose.as_deref());
    o.opt("reason", d.reason.as_deref());
    o.opt("received_sha256", d.received_sha256.as_deref());
    o.objects("refusal", &d.refusal, |x2, x| {
        x2.str("code", x.code.as_str());
        x2.str("detail", &x.detail);
    });
    o.opt("requester", d.requester.as_deref());
    o.object("review", d.review.as_ref(), |v2, v| {
        let amendment: &[u8] = if v.amendment { b"true" } else { b"false" };
        v2.key("amendment").extend_from_slice(amendment);
        v2.str("decision", &v.decision);
        v2.str("note", &v.note);
        v2.str("reviewer", &v.reviewer);
        v2.opt("revisit", v.revisit.as_deref());
        v2.str("subject_told", &v.subject_told);
    });
    let out = o.key("schema_sha256");
    let mut names: Vec<&String> = d.schema_sha256.keys().collect();
    names.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
    let mut m = Obj::open(out);
    for name in names {
        if let Some(v) = d.schema_sha256.get(name) {
            m.str(name, v);
        }
    }
    m.close();
    assigned(Assigned::Seq, o.key("seq"));
    o.objects("stripped", &d.stripped, |x2, x| {
        if let Some(count) = x.count {
            x2.int("count", count);
        }
        x2.str("path", &x.path);
        x2.str("reason", x.reason.as_str());
    });
    o.strs("subjects", &d.subjects);
    assigned(Assigned::Time, o.key("time"));
    o.opt("to", d.to.as_deref());
    o.objects("transformed", &d.transformed, |x2, x| {
        x2.str("path", &x.path);
        x2.str("transform", &x.transform);
    });
    let out = o.key("upstream_status");
    match d.upstream_status {
        Some(s) => out.extend_from_slice(s.to_string().as_bytes()),
        None => null(out),
    }
    o.close();
    Ok(())
}

/// The member names of a value's serde form, for the drift checks in tests.
#[cfg(test)]
fn member_names(v: &serde_json::Value) -> Vec<String> {
    match v {
        serde_json::Value::Object(m) => m.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::canonical::write_canonical;
    use crate::audit::record::*;
    use crate::codes::{Direction, RefusalCode, StripReason};
    use serde_json::Value;

    fn generic(r: &Record) -> Vec<u8> {
        let mut v = serde_json::to_value(r).unwrap();
        v.as_object_mut().unwrap().shift_remove("hash");
        let mut out = Vec::new();
        write_canonical(&v, &mut out).unwrap();
        out
    }

    fn fast(r: &Record) -> Vec<u8> {
        let mut out = Vec::new();
        write_record(r, &mut out).unwrap();
        out
    }

    /// The shared full record, with a `seq` beyond `i64` and schema names that sort
    /// differently in UTF-16 and UTF-8.
    fn full() -> Record {
        let mut r = crate::audit::record::fixtures::full();
        r.seq = u64::MAX;
        r.draft.schema_sha256.insert("\u{e000}.json".into(), "2".into());
        r.draft.schema_sha256.insert("😀.json".into(), "3".into());
        r
    }

    #[test]
    fn fast_form_equals_the_generic_form() {
        let r = full();
        assert_eq!(String::from_utf8(fast(&r)).unwrap(), String::from_utf8(generic(&r)).unwrap());
        // The writer's form (gaps filled in while hashing) hashes the same bytes.
        let gaps = crate::audit::canonical::DraftBytes::new(&r.draft).unwrap();
        let id = r.id.hyphenated().to_string();
        assert_eq!(
            gaps.hash(&id, &r.prev_hash, r.seq, &r.time),
            crate::digest::sha256_hex(&generic(&r))
        );
        let empty = crate::audit::record::fixtures::empty();
        assert_eq!(fast(&empty), generic(&empty));
        for kind in [RecordKind::Disclosure, RecordKind::Refusal, RecordKind::Governance] {
            let mut r = full();
            r.draft.kind = kind;
            r.draft.direction = Some(Direction::Request);
            r.draft.in_reply_to = None;
            r.draft.review.as_mut().unwrap().amendment = false;
            r.draft.review.as_mut().unwrap().revisit = None;
            assert_eq!(fast(&r), generic(&r));
        }
    }

    #[test]
    fn enum_names_match_serde() {
        let name = |v: Value| v.as_str().unwrap().to_owned();
        for k in RecordKind::ALL {
            assert_eq!(name(serde_json::to_value(k).unwrap()), k.as_str());
        }
        for d in Direction::ALL {
            assert_eq!(name(serde_json::to_value(d).unwrap()), d.as_str());
        }
        for o in Outcome::ALL {
            assert_eq!(name(serde_json::to_value(o).unwrap()), o.as_str());
        }
        for c in RefusalCode::ALL {
            assert_eq!(name(serde_json::to_value(c).unwrap()), c.as_str());
        }
        for s in StripReason::ALL {
            assert_eq!(name(serde_json::to_value(s).unwrap()), s.as_str());
        }
    }

    #[test]
    fn nested_types_have_the_members_written_here() {
        let r = full();
        let v = serde_json::to_value(&r).unwrap();
        let sorted = |mut n: Vec<String>| {
            n.sort();
            n
        };
        assert_eq!(
            sorted(member_names(&v["lawful_basis"])),
            ["article_10", "article_6", "article_9", "statutory_gateway"]
        );
        assert_eq!(sorted(member_names(&v["agreement"])), ["id", "sha256", "version"]);
        assert_eq!(
            sorted(member_names(&v["emergency"])),
            ["basis", "category", "justification", "review_state"]
        );
        assert_eq!(
            sorted(member_names(&v["review"])),
            ["amendment", "decision", "note", "reviewer", "revisit", "subject_told"]
        );
        assert_eq!(sorted(member_names(&v["stripped"][0])), ["count", "path", "reason"]);
        assert_eq!(sorted(member_names(&v["transformed"][0])), ["path", "transform"]);
        assert_eq!(sorted(member_names(&v["refusal"][0])), ["code", "detail"]);
        assert_eq!(member_names(&v).len(), 34, "a record member was added: extend the fast form");
    }
}
