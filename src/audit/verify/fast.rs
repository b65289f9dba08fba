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

use crate::audit::canonical::{self, write_string};
use crate::audit::columns::Columns;
use crate::audit::record::{Outcome, RecordKind};
use crate::codes::Direction;
use crate::codes::{RefusalCode, StripReason};

/// One stored row borrowed from the database's buffers, column for column as
/// [`Columns`] (text as `&str`, no copy).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct ColumnsRef<'a> {
    pub seq: i64,
    pub id: &'a str,
    pub time: &'a str,
    pub kind: &'a str,
    pub in_reply_to: Option<&'a str>,
    pub direction: Option<&'a str>,
    pub from_agency: Option<&'a str>,
    pub to_agency: Option<&'a str>,
    pub caller_cert_sha256: Option<&'a str>,
    pub requester: Option<&'a str>,
    pub method: Option<&'a str>,
    pub path_template: Option<&'a str>,
    pub agreement_id: Option<&'a str>,
    pub agreement_version: Option<i64>,
    pub agreement_sha256: Option<&'a str>,
    pub schema_sha256: &'a str,
    pub flow: Option<&'a str>,
    pub purpose: Option<&'a str>,
    pub lawful_basis: Option<&'a str>,
    pub reason: Option<&'a str>,
    pub emergency: Option<&'a str>,
    pub disclosed: &'a str,
    pub stripped: &'a str,
    pub transformed: &'a str,
    pub payload_sha256: Option<&'a str>,
    pub received_sha256: Option<&'a str>,
    pub subjects: &'a str,
    pub outcome: &'a str,
    pub upstream_status: Option<i64>,
    pub refusal: &'a str,
    pub review: Option<&'a str>,
    pub governance: Option<&'a str>,
    pub actor: Option<&'a str>,
    pub prev_hash: &'a str,
    pub hash: &'a str,
}

/// The same row, borrowed.
pub(crate) fn borrowed(c: &Columns) -> ColumnsRef<'_> {
    ColumnsRef {
        seq: c.seq,
        id: &c.id,
        time: &c.time,
        kind: &c.kind,
        in_reply_to: c.in_reply_to.as_deref(),
        direction: c.direction.as_deref(),
        from_agency: c.from_agency.as_deref(),
        to_agency: c.to_agency.as_deref(),
        caller_cert_sha256: c.caller_cert_sha256.as_deref(),
        requester: c.requester.as_deref(),
        method: c.method.as_deref(),
        path_template: c.path_template.as_deref(),
        agreement_id: c.agreement_id.as_deref(),
        agreement_version: c.agreement_version,
        agreement_sha256: c.agreement_sha256.as_deref(),
        schema_sha256: &c.schema_sha256,
        flow: c.flow.as_deref(),
        purpose: c.purpose.as_deref(),
        lawful_basis: c.lawful_basis.as_deref(),
        reason: c.reason.as_deref(),
        emergency: c.emergency.as_deref(),
        disclosed: &c.disclosed,
        stripped: &c.stripped,
        transformed: &c.transformed,
        payload_sha256: c.payload_sha256.as_deref(),
        received_sha256: c.received_sha256.as_deref(),
        subjects: &c.subjects,
        outcome: &c.outcome,
        upstream_status: c.upstream_status,
        refusal: &c.refusal,
        review: c.review.as_deref(),
        governance: c.governance.as_deref(),
        actor: c.actor.as_deref(),
        prev_hash: &c.prev_hash,
        hash: &c.hash,
    }
}

/// A unit enum's wire name, when `s` is one of `names` (serde accepts exactly these).
fn known<'n>(s: &str, names: impl IntoIterator<Item = &'n str>) -> bool {
    names.into_iter().any(|n| n == s)
}

fn opt_string(s: Option<&str>, out: &mut Vec<u8>) {
    match s {
        Some(s) => write_string(s, out),
        None => out.extend_from_slice(b"null"),
    }
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

    /// `[item,item...]`, with `item` reading one element.
    fn array(&mut self, mut item: impl FnMut(&mut Self) -> Option<()>) -> Option<&'a [u8]> {
        let start = self.i;
        self.byte(b'[')?;
        if !self.peek(b']') {
            loop {
                item(self)?;
                if self.peek(b',') {
                    self.i += 1;
                } else {
                    break;
                }
            }
        }
        self.byte(b']')?;
        Some(&self.s[start..self.i])
    }

    fn strings(&mut self) -> Option<&'a [u8]> {
        self.array(|j| j.string().map(drop))
    }
}

/// A whole column that is an array of strings (`Vec<String>`): its own canonical form.
fn strings_column(text: &str) -> Option<&[u8]> {
    let mut j = Json::new(text);
    let out = j.strings()?;
    j.end()?;
    Some(out)
}

/// `[{"path":..,"reason":..}]` (`Vec<Stripped>`): members already sorted.
fn stripped_column(text: &str) -> Option<&[u8]> {
    let mut j = Json::new(text);
    let out = j.array(|j| {
        j.byte(b'{')?;
        j.key(b"path")?;
        j.string()?;
        j.byte(b',')?;
        j.key(b"reason")?;
        let r = Json::inner(j.string()?);
        if !StripReason::ALL.iter().any(|s| s.as_str().as_bytes() == r) {
            return None;
        }
        j.byte(b'}')
    })?;
    j.end()?;
    Some(out)
}

/// `[{"path":..,"transform":..}]` (`Vec<Transformed>`): members already sorted.
fn transformed_column(text: &str) -> Option<&[u8]> {
    let mut j = Json::new(text);
    let out = j.array(|j| {
        j.byte(b'{')?;
        j.key(b"path")?;
        j.string()?;
        j.byte(b',')?;
        j.key(b"transform")?;
        j.string()?;
        j.byte(b'}')
    })?;
    j.end()?;
    Some(out)
}

/// `[{"code":..,"detail":..}]` (`Vec<Reason>`): members already sorted.
fn refusal_column(text: &str) -> Option<&[u8]> {
    let mut j = Json::new(text);
    let out = j.array(|j| {
        j.byte(b'{')?;
        j.key(b"code")?;
        let c = Json::inner(j.string()?);
        if !RefusalCode::ALL.iter().any(|x| x.as_str().as_bytes() == c) {
            return None;
        }
        j.byte(b',')?;
        j.key(b"detail")?;
        j.string()?;
        j.byte(b'}')
    })?;
    j.end()?;
    Some(out)
}

/// `{"name":"sha256",...}` (`BTreeMap<String, String>`), when its names are strictly
/// increasing by UTF-16 code units (so no duplicates, and already in canonical order).
fn schema_column(text: &str) -> Option<&[u8]> {
    let mut j = Json::new(text);
    j.byte(b'{')?;
    let mut prev: Option<&str> = None;
    if !j.peek(b'}') {
        loop {
            let name = std::str::from_utf8(Json::inner(j.string()?)).ok()?;
            if let Some(p) = prev {
                if p.encode_utf16().cmp(name.encode_utf16()) != std::cmp::Ordering::Less {
                    return None;
                }
            }
            prev = Some(name);
            j.byte(b':')?;
            j.string()?;
            if j.peek(b',') {
                j.i += 1;
            } else {
                break;
            }
        }
    }
    j.byte(b'}')?;
    j.end()?;
    Some(text.as_bytes())
}

/// `LawfulBasis`: all four members in declaration order (it denies unknown members),
/// written in canonical order.
fn lawful_basis(text: &str, out: &mut Vec<u8>) -> Option<()> {
    let mut j = Json::new(text);
    j.byte(b'{')?;
    j.key(b"article_6")?;
    let a6 = j.strings()?;
    j.byte(b',')?;
    j.key(b"article_9")?;
    let a9 = j.strings()?;
    j.byte(b',')?;
    j.key(b"article_10")?;
    let a10 = j.strings()?;
    j.byte(b',')?;
    j.key(b"statutory_gateway")?;
    let sg = j.strings()?;
    j.byte(b'}')?;
    j.end()?;
    out.extend_from_slice(b"{\"article_10\":");
    out.extend_from_slice(a10);
    out.extend_from_slice(b",\"article_6\":");
    out.extend_from_slice(a6);
    out.extend_from_slice(b",\"article_9\":");
    out.extend_from_slice(a9);
    out.extend_from_slice(b",\"statutory_gateway\":");
    out.extend_from_slice(sg);
    out.push(b'}');
    Some(())
}

/// `EmergencyInfo`, written in canonical order.
fn emergency(text: &str, out: &mut Vec<u8>) -> Option<()> {
    let mut j = Json::new(text);
    j.byte(b'{')?;
    j.key(b"category")?;
    let category = j.string()?;
    j.byte(b',')?;
    j.key(b"justification")?;
    let justification = j.string()?;
    j.byte(b',')?;
    j.key(b"review_state")?;
    let review_state = j.string()?;
    j.byte(b',')?;
    j.key(b"basis")?;
    let basis = j.string()?;
    j.byte(b'}')?;
    j.end()?;
    out.extend_from_slice(b"{\"basis\":");
    out.extend_from_slice(basis);
    out.extend_from_slice(b",\"category\":");
    out.extend_from_slice(category);
    out.extend_from_slice(b",\"justification\":");
    out.extend_from_slice(justification);
    out.extend_from_slice(b",\"review_state\":");
    out.extend_from_slice(review_state);
    out.push(b'}');
    Some(())
}

/// `ReviewInfo`, written in canonical order.
fn review(text: &str, out: &mut Vec<u8>) -> Option<()> {
    let mut j = Json::new(text);
    j.byte(b'{')?;
    j.key(b"decision")?;
    let decision = j.string()?;
    j.byte(b',')?;
    j.key(b"subject_told")?;
    let subject_told = j.string()?;
    j.byte(b',')?;
    j.key(b"revisit")?;
    let revisit = j.string_or_null()?;
    j.byte(b',')?;
    j.key(b"note")?;
    let note = j.string()?;
    j.byte(b',')?;
    j.key(b"reviewer")?;
    let reviewer = j.string()?;
    j.byte(b',')?;
    j.key(b"amendment")?;
    let amendment: &[u8] = if j.lit(b"true").is_some() {
        b"true"
    } else {
        j.lit(b"false")?;
        b"false"
    };
    j.byte(b'}')?;
    j.end()?;
    out.extend_from_slice(b"{\"amendment\":");
    out.extend_from_slice(amendment);
    out.extend_from_slice(b",\"decision\":");
    out.extend_from_slice(decision);
    out.extend_from_slice(b",\"note\":");
    out.extend_from_slice(note);
    out.extend_from_slice(b",\"reviewer\":");
    out.extend_from_slice(reviewer);
    out.extend_from_slice(b",\"revisit\":");
    out.extend_from_slice(revisit);
    out.extend_from_slice(b",\"subject_told\":");
    out.extend_from_slice(subject_told);
    out.push(b'}');
    Some(())
}

fn uuid(s: &str, out: &mut Vec<u8>) -> Option<Uuid> {
    let u: Uuid = s.parse().ok()?;
    out.push(b'"');
    out.extend_from_slice(u.hyphenated().encode_lower(&mut Uuid::encode_buffer()).as_bytes());
    out.push(b'"');
    Some(u)
}

fn name(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    out.extend_from_slice(s.as_bytes());
    out.push(b'"');
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

    out.extend_from_slice(b"{\"actor\":");
    opt_string(c.actor, out);
    out.extend_from_slice(b",\"agreement\":");
    match agreement {
        None => out.extend_from_slice(b"null"),
        Some((id, version, sha256)) => {
            out.extend_from_slice(b"{\"id\":");
            write_string(id, out);
            out.extend_from_slice(b",\"sha256\":");
            write_string(sha256, out);
            let _ = write!(out, ",\"version\":{version}}}");
        }
    }
    out.extend_from_slice(b",\"caller_cert_sha256\":");
    opt_string(c.caller_cert_sha256, out);
    out.extend_from_slice(b",\"direction\":");
    match c.direction {
        Some(d) => name(d, out),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"disclosed\":");
    out.extend_from_slice(strings_column(c.disclosed)?);
    out.extend_from_slice(b",\"emergency\":");
    match c.emergency {
        Some(e) => emergency(e, out)?,
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"flow\":");
    opt_string(c.flow, out);
    out.extend_from_slice(b",\"from\":");
    opt_string(c.from_agency, out);
    out.extend_from_slice(b",\"governance\":");
    match c.governance {
        Some(g) => {
            let value: serde_json::Value = serde_json::from_str(g).ok()?;
            canonical::write_canonical(&value, out).ok()?;
        }
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"id\":");
    let id = uuid(c.id, out)?;
    out.extend_from_slice(b",\"in_reply_to\":");
    match c.in_reply_to {
        Some(u) => {
            uuid(u, out)?;
        }
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"kind\":");
    name(c.kind, out);
    out.extend_from_slice(b",\"lawful_basis\":");
    match c.lawful_basis {
        Some(l) => lawful_basis(l, out)?,
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"method\":");
    opt_string(c.method, out);
    out.extend_from_slice(b",\"outcome\":");
    name(c.outcome, out);
    out.extend_from_slice(b",\"path_template\":");
    opt_string(c.path_template, out);
    out.extend_from_slice(b",\"payload_sha256\":");
    opt_string(c.payload_sha256, out);
    out.extend_from_slice(b",\"prev_hash\":");
    write_string(c.prev_hash, out);
    out.extend_from_slice(b",\"purpose\":");
    opt_string(c.purpose, out);
    out.extend_from_slice(b",\"reason\":");
    opt_string(c.reason, out);
    out.extend_from_slice(b",\"received_sha256\":");
    opt_string(c.received_sha256, out);
    out.extend_from_slice(b",\"refusal\":");
    out.extend_from_slice(refusal_column(c.refusal)?);
    out.extend_from_slice(b",\"requester\":");
    opt_string(c.requester, out);
    out.extend_from_slice(b",\"review\":");
    match c.review {
        Some(r) => review(r, out)?,
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"schema_sha256\":");
    out.extend_from_slice(schema_column(c.schema_sha256)?);
    let _ = write!(out, ",\"seq\":{seq}");
    out.extend_from_slice(b",\"stripped\":");
    out.extend_from_slice(stripped_column(c.stripped)?);
    out.extend_from_slice(b",\"subjects\":");
    out.extend_from_slice(strings_column(c.subjects)?);
    out.extend_from_slice(b",\"time\":");
    write_string(c.time, out);
    out.extend_from_slice(b",\"to\":");
    opt_string(c.to_agency, out);
    out.extend_from_slice(b",\"transformed\":");
    out.extend_from_slice(transformed_column(c.transformed)?);
    out.extend_from_slice(b",\"upstream_status\":");
    match upstream_status {
        Some(s) => {
            let _ = write!(out, "{s}");
        }
        None => out.extend_from_slice(b"null"),
    }
    out.push(b'}');
    Some(id)
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
