//! `verify`'s fast path: the canonical bytes of a record written straight from its
//! stored columns, borrowed from the database's buffers, into a reused buffer. No
//! column becomes a `String` and no row becomes a `Record`.
//!
//! It only ever says "these are the bytes" for rows it fully recognises, and then they
//! are exactly the bytes [`Columns::into_record`] followed by
//! [`canonical::record_bytes`](crate::audit::canonical::record_bytes) give (the tests
//! below compare the two). For anything else (a JSON column not in the compact form the
//! writer stores, an escape inside a JSON string, an unknown name, a number out of
//! range...) it answers `None` and the caller takes the slow path, which decides, and
//! names the column when the row does not decode.
//!
//! The JSON columns are recognised in the form `serde_json::to_string` writes them: no
//! whitespace, members in the declaration order of their Rust types, strings without
//! escapes. For such a string the JSON literal is its own canonical form, so arrays of
//! strings and objects whose members are already sorted are copied as they are.
//! `governance` (any JSON, rare) goes through `serde_json::Value` and the generic
//! canonical writer, as on the slow path.

use std::io::Write as _;

use uuid::Uuid;

use crate::audit::canonical::{self, write_string, Obj};
use crate::audit::columns::Columns;
use crate::audit::record::{Outcome, RecordKind};
use crate::codes::Direction;
use crate::codes::{RefusalCode, StripReason};

/// One stored row borrowed from the database's buffers (text as `&str`, no copy).
pub(crate) type ColumnsRef<'a> = Columns<&'a str>;

/// A unit enum's wire name, when `s` is one of `names` (serde accepts exactly these).
fn known<'n>(s: &str, names: impl IntoIterator<Item = &'n str>) -> bool {
    names.into_iter().any(|n| n == s)
}

/// A strict reader of the compact JSON the writer stores. Every method answers `None`
/// for anything else, and the row goes to the slow path.
struct Json<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Json<'a> {
    fn new(s: &'a str) -> Self {
        Json { s: s.as_bytes(), i: 0 }
    }

    fn byte(&mut self, b: u8) -> Option<()> {
        if self.s.get(self.i) == Some(&b) {
            self.i += 1;
            Some(())
        } else {
            None
        }
    }

    fn peek(&self, b: u8) -> bool {
        self.s.get(self.i) == Some(&b)
    }

    fn lit(&mut self, l: &[u8]) -> Option<()> {
        if self.s.get(self.i..self.i + l.len()) == Some(l) {
            self.i += l.len();
            Some(())
        } else {
            None
        }
    }

    fn end(&self) -> Option<()> {
        (self.i == self.s.len()).then_some(())
    }

    /// A string literal without escapes or control characters, quotes included: its
    /// own canonical form.
    fn string(&mut self) -> Option<&'a [u8]> {
        let start = self.i;
        self.byte(b'"')?;
        let rest = self.s.get(self.i..)?;
        let len = rest.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
        if rest[len] != b'"' {
            return None;
        }
        self.i += len + 1;
        Some(&self.s[start..self.i])
    }

    /// The text of a string literal from [`Json::string`].
    fn inner(lit: &[u8]) -> &[u8] {
        &lit[1..lit.len() - 1]
    }

    /// Whether `"name":` comes next.
    fn peek_key(&self, name: &[u8]) -> bool {
        let at = self.s.get(self.i..).unwrap_or_default();
        at.len() > name.len() + 2
            && at[0] == b'"'
            && at[1..].starts_with(name)
            && at[1 + name.len()..].starts_with(b"\":")
    }

    /// A `u64` in canonical form (no sign, no leading zero): its own canonical form.
    fn integer(&mut self) -> Option<&'a [u8]> {
        let start = self.i;
        let rest = self.s.get(self.i..)?;
        let len = rest.iter().position(|b| !b.is_ascii_digit()).unwrap_or(rest.len());
        let digits = &rest[..len];
        if digits.is_empty() || (digits[0] == b'0' && len > 1) {
            return None;
        }
        std::str::from_utf8(digits).ok()?.parse::<u64>().ok()?;
        self.i += len;
        Some(&self.s[start..self.i])
    }

    /// `"name":`
    fn key(&mut self, name: &[u8]) -> Option<()> {
        self.byte(b'"')?;
        self.lit(name)?;
        self.lit(b"\":")
    }

    fn string_or_null(&mut self) -> Option<&'a [u8]> {
        if self.peek(b'n') {
            let start = self.i;
            self.lit(b"null")?;
            Some(&self.s[start..self.i])
        } else {
            self.string()
        }
    }

    /// `open item,item... close`, with `item` reading one element (or member).
    fn list(
        &mut self,
        [open, close]: [u8; 2],
        mut item: impl FnMut(&mut Self) -> Option<()>,
    ) -> Option<&'a [u8]> {
        let start = self.i;
        self.byte(open)?;
        if !self.peek(close) {
            loop {
                item(self)?;
                if self.peek(b',') {
                    self.i += 1;
                } else {
                    break;
                }
            }
        }
        self.byte(close)?;
        Some(&self.s[start..self.i])
    }

    /// `[item,item...]`.
    fn array(&mut self, item: impl FnMut(&mut Self) -> Option<()>) -> Option<&'a [u8]> {
        self.list(*b"[]", item)
    }

    fn strings(&mut self) -> Option<&'a [u8]> {
        self.array(|j| j.string().map(drop))
    }

    fn boolean(&mut self) -> Option<&'a [u8]> {
        let start = self.i;
        if self.lit(b"true").is_none() {
            self.lit(b"false")?;
        }
        Some(&self.s[start..self.i])
    }

    fn member(&mut self, kind: Member) -> Option<&'a [u8]> {
        match kind {
            Member::String => self.string(),
            Member::Strings => self.strings(),
            Member::StringOrNull => self.string_or_null(),
            Member::Bool => self.boolean(),
        }
    }
}

/// How `serde_json` writes a member of a struct column.
#[derive(Debug, Clone, Copy)]
enum Member {
    String,
    Strings,
    StringOrNull,
    Bool,
}

/// A whole column that is an array of strings (`Vec<String>`): its own canonical form.
fn strings_column(text: &str) -> Option<&[u8]> {
    let mut j = Json::new(text);
    let out = j.strings()?;
    j.end()?;
    Some(out)
}

/// `[{"<first>":..,"<second>":..}]`: a list of structs of two strings whose member
/// names are in canonical order already, when `known(first, second)` accepts the texts.
fn pairs_column<'t>(
    text: &'t str,
    [first, second]: [&str; 2],
    known: impl Fn(&[u8], &[u8]) -> bool,
) -> Option<&'t [u8]> {
    let mut j = Json::new(text);
    let out = j.array(|j| {
        j.byte(b'{')?;
        j.key(first.as_bytes())?;
        let a = Json::inner(j.string()?);
        j.byte(b',')?;
        j.key(second.as_bytes())?;
        let b = Json::inner(j.string()?);
        j.byte(b'}')?;
        known(a, b).then_some(())
    })?;
    j.end()?;
    Some(out)
}

/// `Vec<Stripped>`, with reasons the enum knows: `{"path":..,"reason":..}` (before
/// format 2) or `{"count":N,"path":..,"reason":..}`, members already in canonical order.
fn stripped_column(text: &str) -> Option<&[u8]> {
    let mut j = Json::new(text);
    let out = j.array(|j| {
        j.byte(b'{')?;
        if j.peek_key(b"count") {
            j.key(b"count")?;
            j.integer()?;
            j.byte(b',')?;
        }
        j.key(b"path")?;
        j.string()?;
        j.byte(b',')?;
        j.key(b"reason")?;
        let r = Json::inner(j.string()?);
        j.byte(b'}')?;
        StripReason::ALL.iter().any(|s| s.as_str().as_bytes() == r).then_some(())
    })?;
    j.end()?;
    Some(out)
}

/// `Vec<Transformed>`.
fn transformed_column(text: &str) -> Option<&[u8]> {
    pairs_column(text, ["path", "transform"], |_, _| true)
}

/// `Vec<Reason>`, with codes the enum knows.
fn refusal_column(text: &str) -> Option<&[u8]> {
    pairs_column(text, ["code", "detail"], |c, _| {
        RefusalCode::ALL.iter().any(|x| x.as_str().as_bytes() == c)
    })
}

/// `{"name":"sha256",...}` (`BTreeMap<String, String>`), when its names are strictly
/// increasing by UTF-16 code units (so no duplicates, and already in canonical order).
fn schema_column(text: &str) -> Option<&[u8]> {
    let mut j = Json::new(text);
    let mut prev: Option<&str> = None;
    j.list(*b"{}", |j| {
        let name = std::str::from_utf8(Json::inner(j.string()?)).ok()?;
        if prev.is_some_and(|p| p.encode_utf16().cmp(name.encode_utf16()).is_ge()) {
            return None;
        }
        prev = Some(name);
        j.byte(b':')?;
        j.string().map(drop)
    })?;
    j.end()?;
    Some(text.as_bytes())
}

/// A struct column as `serde_json` writes it: every member of `members`, in their
/// declaration order, each of its kind; written in canonical order (the names are
/// ASCII, so their byte order is their UTF-16 order).
fn struct_column(text: &str, members: &[(&str, Member)], out: &mut Vec<u8>) -> Option<()> {
    let mut read: [(&str, &[u8]); 8] = [("", b""); 8];
    let read = read.get_mut(..members.len())?;
    let mut j = Json::new(text);
    j.byte(b'{')?;
    for (i, ((member, kind), slot)) in members.iter().zip(read.iter_mut()).enumerate() {
        if i > 0 {
            j.byte(b',')?;
        }
        j.key(member.as_bytes())?;
        *slot = (member, j.member(*kind)?);
    }
    j.byte(b'}')?;
    j.end()?;
    read.sort_unstable_by_key(|(member, _)| *member);
    for (i, (member, value)) in read.iter().enumerate() {
        out.push(if i == 0 { b'{' } else { b',' });
        write_string(member, out);
        out.push(b':');
        out.extend_from_slice(value);
    }
    out.push(b'}');
    Some(())
}

/// `LawfulBasis` (it denies unknown members).
const LAWFUL_BASIS: &[(&str, Member)] = &[
    ("article_6", Member::Strings),
    ("article_9", Member::Strings),
    ("article_10", Member::Strings),
    ("statutory_gateway", Member::Strings),
];

/// `EmergencyInfo`.
const EMERGENCY: &[(&str, Member)] = &[
    ("category", Member::String),
    ("justification", Member::String),
    ("review_state", Member::String),
    ("basis", Member::String),
];

/// `ReviewInfo`.
const REVIEW: &[(&str, Member)] = &[
    ("decision", Member::String),
    ("subject_told", Member::String),
    ("revisit", Member::StringOrNull),
    ("note", Member::String),
    ("reviewer", Member::String),
    ("amendment", Member::Bool),
];

fn uuid(s: &str, out: &mut Vec<u8>) -> Option<Uuid> {
    let u: Uuid = s.parse().ok()?;
    out.push(b'"');
    out.extend_from_slice(u.hyphenated().encode_lower(&mut Uuid::encode_buffer()).as_bytes());
    out.push(b'"');
    Some(u)
}

/// Replace `out` with the canonical bytes of the record in `c` without `hash` and
/// return its id, or `None` when the row is not in the form this path recognises.
pub(crate) fn record_bytes(c: &ColumnsRef<'_>, out: &mut Vec<u8>) -> Option<Uuid> {
    out.clear();
    let seq = u64::try_from(c.seq).ok()?;
    let agreement = match (c.agreement_id, c.agreement_version, c.agreement_sha256) {
        (None, None, None) => None,
        (Some(id), Some(v), Some(sha256)) => Some((id, u32::try_from(v).ok()?, sha256)),
        _ => return None,
    };
    let upstream_status = match c.upstream_status {
        None => None,
        Some(s) => Some(u16::try_from(s).ok()?),
    };
    if !known(c.kind, RecordKind::ALL.iter().map(|k| k.as_str()))
        || !known(c.outcome, Outcome::ALL.iter().map(|o| o.as_str()))
        || !c.direction.is_none_or(|d| known(d, Direction::ALL.iter().map(|d| d.as_str())))
    {
        return None;
    }

    let mut o = Obj::open(out);
    o.opt("actor", c.actor);
    o.object("agreement", agreement.as_ref(), |a2, (id, version, sha256)| {
        a2.str("id", id);
        a2.str("sha256", sha256);
        a2.int("version", u64::from(*version));
    });
    o.opt("caller_cert_sha256", c.caller_cert_sha256);
    o.opt("direction", c.direction);
    o.raw("disclosed", strings_column(c.disclosed)?);
    opt_struct_column(&mut o, "emergency", c.emergency, EMERGENCY)?;
    o.opt("flow", c.flow);
    if let Some(format) = c.format {
        o.int("format", u64::try_from(format).ok().filter(|f| u32::try_from(*f).is_ok())?);
    }
    o.opt("from", c.from_agency);
    let out = o.key("governance");
    match c.governance {
        Some(g) => {
            let value: serde_json::Value = serde_json::from_str(g).ok()?;
            canonical::write_canonical(&value, out).ok()?;
        }
        None => out.extend_from_slice(b"null"),
    }
    let id = uuid(c.id, o.key("id"))?;
    let out = o.key("in_reply_to");
    match c.in_reply_to {
        Some(u) => drop(uuid(u, out)?),
        None => out.extend_from_slice(b"null"),
    }
    o.str("kind", c.kind);
    opt_struct_column(&mut o, "lawful_basis", c.lawful_basis, LAWFUL_BASIS)?;
    o.opt("method", c.method);
    o.str("outcome", c.outcome);
    o.opt("path_template", c.path_template);
    o.opt("payload_sha256", c.payload_sha256);
    o.str("prev_hash", c.prev_hash);
    o.opt("purpose", c.purpose);
    o.opt("reason", c.reason);
    o.opt("received_sha256", c.received_sha256);
    o.raw("refusal", refusal_column(c.refusal)?);
    o.opt("requester", c.requester);
    opt_struct_column(&mut o, "review", c.review, REVIEW)?;
    o.raw("schema_sha256", schema_column(c.schema_sha256)?);
    o.int("seq", seq);
    o.raw("stripped", stripped_column(c.stripped)?);
    o.raw("subjects", strings_column(c.subjects)?);
    o.str("time", c.time);
    o.opt("to", c.to_agency);
    o.raw("transformed", transformed_column(c.transformed)?);
    let out = o.key("upstream_status");
    match upstream_status {
        Some(s) => {
            let _ = write!(out, "{s}");
        }
        None => out.extend_from_slice(b"null"),
    }
    o.close();
    Some(id)
}

/// A struct column that may be NULL, as the member `name`.
fn opt_struct_column(
    o: &mut Obj<'_>,
    name: &str,
    text: Option<&str>,
    members: &[(&str, Member)],
) -> Option<()> {
    let out = o.key(name);
    match text {
        Some(t) => struct_column(t, members, out),
        None => {
            out.extend_from_slice(b"null");
            Some(())
        }
    }
}

/// Whether the stored hash is the lowercase hex SHA-256 of `bytes` (as
/// [`crate::digest::sha256_hex`] writes it), without allocating.
pub(crate) fn hash_matches(bytes: &[u8], stored: &str) -> bool {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes);
    let mut hex = [0u8; 64];
    hex::encode_to_slice(digest.as_ref(), &mut hex).is_ok() && hex[..] == *stored.as_bytes()
}

/// A sure "yes" for a record `time` in the exact form
/// [`format_time`](crate::audit::clock::format_time) writes (`2026-11-23T10:00:00.123456Z`)
/// for years 1000 to 9998, without parsing into a timestamp. `false` means "ask
/// [`parse_time`](crate::audit::clock::parse_time)", which decides.
pub(crate) fn time_is_plain(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 27 {
        return false;
    }
    let digits = |from: usize, to: usize| -> Option<u32> {
        let mut n = 0u32;
        for &d in b.get(from..to)? {
            if !d.is_ascii_digit() {
                return None;
            }
            n = n * 10 + u32::from(d - b'0');
        }
        Some(n)
    };
    let seps = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':'), (19, b'.'), (26, b'Z')];
    if seps.iter().any(|&(i, c)| b[i] != c) {
        return false;
    }
    let (Some(y), Some(mo), Some(d), Some(h), Some(mi), Some(s), Some(_)) = (
        digits(0, 4),
        digits(5, 7),
        digits(8, 10),
        digits(11, 13),
        digits(14, 16),
        digits(17, 19),
        digits(20, 26),
    ) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match mo {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1000..=9998).contains(&y) && (1..=days).contains(&d) && h <= 23 && mi <= 59 && s <= 59
}

#[cfg(test)]
mod tests;
