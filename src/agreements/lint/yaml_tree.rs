//! A YAML document as a tree of nodes that remember where they were written, so every
//! lint finding can point at the right line and column.
//!
//! Parsing is serde-saphyr's (syntax errors and duplicate keys come from it with their
//! position); this module only keeps the positions. It decides nothing about agreements.

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{Location, Spanned};

use super::Pos;

/// One YAML node and where it starts.
#[derive(Debug, Clone)]
pub(crate) struct YNode {
    pub pos: Pos,
    pub kind: YKind,
}

#[derive(Debug, Clone)]
pub(crate) enum YKind {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Seq(Vec<YNode>),
    Map(Vec<(YKey, YNode)>),
}

/// A mapping key and where it is written.
#[derive(Debug, Clone)]
pub(crate) struct YKey {
    pub name: String,
    pub pos: Pos,
}

/// One step of a path into a tree: a mapping key or a sequence index.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// A syntax error (or duplicate key) with its position.
#[derive(Debug, Clone)]
pub(crate) struct SyntaxError {
    pub message: String,
    pub pos: Pos,
    pub duplicate_key: bool,
}

/// Parse `text` into a tree. `Err` for YAML syntax errors and duplicate keys.
pub(crate) fn parse(text: &str) -> Result<YNode, SyntaxError> {
    match serde_saphyr::from_str::<Spanned<RawNode>>(text) {
        Ok(root) => Ok(convert(text, root)),
        Err(e) => {
            let inner = e.without_snippet();
            let duplicate_key = matches!(inner, serde_saphyr::Error::DuplicateMappingKey { .. });
            let pos = e.location().map(|l| pos_of(text, &l)).unwrap_or_else(|| Pos::start(text));
            Err(SyntaxError { message: clean_message(&inner.to_string()), pos, duplicate_key })
        }
    }
}

/// serde-saphyr's messages end in " at line L, column C" and may carry advice about its
/// options; findings carry the position separately and say what to do themselves.
pub(crate) fn clean_message(raw: &str) -> String {
    let mut msg = raw.to_string();
    if let Some(i) = msg.rfind(" at line ") {
        msg.truncate(i);
    }
    if let Some(i) = msg.find(", set DuplicateKeyPolicy") {
        msg.truncate(i);
    }
    msg
}

/// The [`Pos`] of a serde-saphyr location in `text`: line and column are counted from the
/// byte offset over `\n` line ends, as the quoted snippet and an editor count them. YAML
/// also ends a line at a lone `\r`, so the parser's own line number can lie past the end
/// of the file (found by `fuzz/`, target `agreements`).
pub(crate) fn pos_of(text: &str, loc: &Location) -> Pos {
    let line = u32::try_from(loc.line()).unwrap_or(u32::MAX).max(1);
    let column = u32::try_from(loc.column()).unwrap_or(u32::MAX).max(1);
    let span = loc.span();
    let known = span
        .byte_offset()
        .and_then(|o| usize::try_from(o).ok())
        .filter(|o| *o <= text.len() && text.is_char_boundary(*o));
    let offset = known.unwrap_or_else(|| yaml_offset(text, line, column));
    let len = span
        .byte_len()
        .and_then(|l| usize::try_from(l).ok())
        .filter(|l| offset + l <= text.len() && text.is_char_boundary(offset + l))
        .unwrap_or(0);
    Pos::at_offset(text, offset, len)
}

/// The byte offset of a 1-based YAML line and column: lines end at `\r\n`, `\r` or `\n`.
fn yaml_offset(text: &str, line: u32, column: u32) -> usize {
    let bytes = text.as_bytes();
    let (mut at, mut current) = (0usize, 1u32);
    while current < line && at < bytes.len() {
        if bytes[at] == b'\r' && bytes.get(at + 1) == Some(&b'\n') {
            at += 1;
        }
        if matches!(bytes[at], b'\r' | b'\n') {
            current += 1;
        }
        at += 1;
    }
    let rest = text.get(at..).unwrap_or("");
    let within = rest.find(['\r', '\n']).unwrap_or(rest.len());
    let column = usize::try_from(column.saturating_sub(1)).unwrap_or(usize::MAX);
    at + rest[..within].char_indices().nth(column).map_or(within, |(b, _)| b)
}

fn convert(text: &str, node: Spanned<RawNode>) -> YNode {
    let pos = pos_of(text, &node.referenced);
    let kind = match node.value {
        RawNode::Null => YKind::Null,
        RawNode::Bool(b) => YKind::Bool(b),
        RawNode::Int(i) => YKind::Int(i),
        RawNode::Float(f) => YKind::Float(f),
        RawNode::Str(s) => YKind::Str(s),
        RawNode::Seq(items) => YKind::Seq(items.into_iter().map(|n| convert(text, n)).collect()),
        RawNode::Map(entries) => YKind::Map(
            entries
                .into_iter()
                .map(|(k, v)| {
                    let key = YKey { pos: pos_of(text, &k.referenced), name: k.value };
                    (key, convert(text, v))
                })
                .collect(),
        ),
    };
    YNode { pos, kind }
}

impl YNode {
    /// The value under `key`, when this node is a mapping that has it.
    pub fn get(&self, key: &str) -> Option<&YNode> {
        self.entry(key).map(|(_, v)| v)
    }

    /// The key and value under `key`.
    pub fn entry(&self, key: &str) -> Option<(&YKey, &YNode)> {
        match &self.kind {
            YKind::Map(entries) => entries.iter().find(|(k, _)| k.name == key).map(|(k, v)| (k, v)),
            _ => None,
        }
    }

    /// The `i`th item, when this node is a sequence.
    pub fn item(&self, i: usize) -> Option<&YNode> {
        match &self.kind {
            YKind::Seq(items) => items.get(i),
            _ => None,
        }
    }

    /// Where `key`'s value is written, else where this node is.
    pub fn pos_of(&self, key: &str) -> Pos {
        self.get(key).map_or(self.pos, |v| v.pos)
    }

    /// Where the key `key` itself is written, else where this node is.
    pub fn key_pos(&self, key: &str) -> Pos {
        self.entry(key).map_or(self.pos, |(k, _)| k.pos)
    }

    /// Where the node at `path` is written; the deepest node of `path` that exists when
    /// the rest does not.
    pub fn pos_at(&self, path: &[Step<'_>]) -> Pos {
        let mut node = self;
        for step in path {
            let next = match step {
                Step::Key(k) => node.get(k),
                Step::Index(i) => node.item(*i),
            };
            match next {
                Some(n) => node = n,
                None => break,
            }
        }
        node.pos
    }

    /// A short name of this node's type, for messages.
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            YKind::Null => "nothing",
            YKind::Bool(_) => "a true/false value",
            YKind::Int(_) => "a whole number",
            YKind::Float(_) => "a number",
            YKind::Str(_) => "text",
            YKind::Seq(_) => "a list",
            YKind::Map(_) => "a mapping",
        }
    }
}

/// What serde-saphyr hands us for any node; converted to [`YNode`] right away.
#[derive(Debug)]
enum RawNode {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Seq(Vec<Spanned<RawNode>>),
    Map(Vec<(Spanned<String>, Spanned<RawNode>)>),
}

impl<'de> Deserialize<'de> for RawNode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = RawNode;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E>(self) -> Result<RawNode, E> {
        Ok(RawNode::Null)
    }
    fn visit_none<E>(self) -> Result<RawNode, E> {
        Ok(RawNode::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<RawNode, D::Error> {
        d.deserialize_any(RawVisitor)
    }
    fn visit_bool<E>(self, v: bool) -> Result<RawNode, E> {
        Ok(RawNode::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<RawNode, E> {
        Ok(RawNode::Int(i128::from(v)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<RawNode, E> {
        Ok(RawNode::Int(i128::from(v)))
    }
    fn visit_i128<E>(self, v: i128) -> Result<RawNode, E> {
        Ok(RawNode::Int(v))
    }
    fn visit_u128<E: serde::de::Error>(self, v: u128) -> Result<RawNode, E> {
        i128::try_from(v).map(RawNode::Int).map_err(|_| E::custom("number too large"))
    }
    fn visit_f64<E>(self, v: f64) -> Result<RawNode, E> {
        Ok(RawNode::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<RawNode, E> {
        Ok(RawNode::Str(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<RawNode, E> {
        Ok(RawNode::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<RawNode, A::Error> {
        let mut items = Vec::new();
        while let Some(x) = a.next_element()? {
            items.push(x);
        }
        Ok(RawNode::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<RawNode, A::Error> {
        let mut entries = Vec::new();
        while let Some(x) = a.next_entry()? {
            entries.push(x);
        }
        Ok(RawNode::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_positions_of_keys_and_values() {
        let t = parse("id: A\nflows:\n  - id: x\n    from: lcc\n").unwrap();
        let flow = t.get("flows").unwrap().item(0).unwrap();
        assert_eq!((flow.pos_of("from").line, flow.pos_of("from").column), (4, 11));
        assert_eq!((flow.key_pos("from").line, flow.key_pos("from").column), (4, 5));
        let p = flow.pos_of("from");
        assert_eq!(&"id: A\nflows:\n  - id: x\n    from: lcc\n"[p.offset..p.offset + p.len], "lcc");
    }

    #[test]
    fn scalars_keep_their_yaml_types() {
        let t = parse("a: 3\nb: \"3\"\nc: 2026-01-01\nd: true\ne: ~\n").unwrap();
        assert!(matches!(t.get("a").unwrap().kind, YKind::Int(3)));
        assert!(matches!(&t.get("b").unwrap().kind, YKind::Str(s) if s == "3"));
        assert!(matches!(&t.get("c").unwrap().kind, YKind::Str(s) if s == "2026-01-01"));
        assert!(matches!(t.get("d").unwrap().kind, YKind::Bool(true)));
        assert!(matches!(t.get("e").unwrap().kind, YKind::Null));
    }

    #[test]
    fn duplicate_keys_are_syntax_errors_at_the_second_key() {
        let e = parse("a: 1\nb: 2\na: 3\n").unwrap_err();
        assert!(e.duplicate_key);
        assert_eq!((e.pos.line, e.pos.column), (3, 1));
        assert_eq!(e.message, "duplicate mapping key: a");
    }

    #[test]
    fn lone_carriage_returns_do_not_push_lines_past_the_end() {
        // Found by the `agreements` fuzz target: YAML counts each `\r` as a line end.
        let text = "a: 1\r\r\r\r\r\r\r\r\r\rb: [1\n";
        let e = parse(text).unwrap_err();
        let lines = u32::try_from(text.split('\n').count()).unwrap();
        assert!(e.pos.line >= 1 && e.pos.line <= lines, "line {} of {lines}", e.pos.line);
        assert_eq!(Pos::at_offset(text, e.pos.offset, 0).line, e.pos.line);
    }

    #[test]
    fn syntax_errors_have_positions() {
        let e = parse("a: [1\n").unwrap_err();
        assert_eq!(e.pos.line, 1);
        assert!(!e.duplicate_key);
    }
}
