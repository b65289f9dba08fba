//! `verify`'s fast path over a row borrowed from the database's buffers: SHA-256 of the
//! stored bytes against the `hash` column, and one walk of the bytes by the strict
//! canonical scanner (`canonical::scan`) that checks they are canonical and hold exactly
//! a record's members, in order, and says where each value lies; the chain (`seq`, `id`,
//! `time`, `prev_hash`) and the query columns are then read by position. No row becomes
//! a `Record`, nothing allocates, and text is read as bytes: the walk checks the UTF-8
//! of every string, and every other column must equal bytes it checked (or be ASCII).
//!
//! It only ever says "this row passes" for rows it fully recognises: canonical bytes
//! holding exactly a record's members, whose columns are those
//! [`Columns::from_draft`](crate::audit::columns::Columns::from_draft) derives. For
//! anything else it answers `false` and the caller takes the slow path, which decodes,
//! decides and names the check that failed.

use crate::audit::canonical::scan;
use crate::audit::columns::Columns;
use crate::audit::record::{Outcome, RecordKind};
use crate::codes::Direction;

/// One stored row borrowed from the database's buffers, text as bytes (no copy, and no
/// UTF-8 check: [`passes`] only passes rows whose text it has checked).
pub(crate) type ColumnsRef<'a> = Columns<&'a [u8]>;

/// A record's members but `hash`, in canonical order (`format` is absent before format 2).
pub(crate) const MEMBERS: [&str; 33] = [
    "actor",
    "agreement",
    "caller_cert_sha256",
    "direction",
    "disclosed",
    "emergency",
    "flow",
    "format",
    "from",
    "governance",
    "id",
    "in_reply_to",
    "kind",
    "lawful_basis",
    "method",
    "outcome",
    "path_template",
    "payload_sha256",
    "prev_hash",
    "purpose",
    "reason",
    "received_sha256",
    "refusal",
    "requester",
    "review",
    "schema_sha256",
    "seq",
    "stripped",
    "subjects",
    "time",
    "to",
    "transformed",
    "upstream_status",
];

/// Which of [`MEMBERS`] may be absent: `format`, before record format 2.
const OPTIONAL: [bool; MEMBERS.len()] = {
    let mut o = [false; MEMBERS.len()];
    o[FORMAT] = true;
    o
};

/// The position of `name` in [`MEMBERS`] (its length when it is not there).
const fn at(name: &str) -> usize {
    let mut i = 0;
    while i < MEMBERS.len() {
        let (a, b) = (MEMBERS[i].as_bytes(), name.as_bytes());
        let mut k = 0;
        while a.len() == b.len() && k < a.len() && a[k] == b[k] {
            k += 1;
        }
        if a.len() == b.len() && k == a.len() {
            return i;
        }
        i += 1;
    }
    MEMBERS.len()
}

const AGREEMENT: usize = at("agreement");
const DIRECTION: usize = at("direction");
const EMERGENCY: usize = at("emergency");
const FLOW: usize = at("flow");
const FORMAT: usize = at("format");
const FROM: usize = at("from");
const GOVERNANCE: usize = at("governance");
const ID: usize = at("id");
const IN_REPLY_TO: usize = at("in_reply_to");
const KIND: usize = at("kind");
const OUTCOME: usize = at("outcome");
const PREV_HASH: usize = at("prev_hash");
const REFUSAL: usize = at("refusal");
const REQUESTER: usize = at("requester");
const SEQ: usize = at("seq");
const TIME: usize = at("time");

// Every name above is a member (else this fails to compile).
const _: () = {
    let all = [
        AGREEMENT,
        DIRECTION,
        EMERGENCY,
        FLOW,
        FORMAT,
        FROM,
        GOVERNANCE,
        ID,
        IN_REPLY_TO,
        KIND,
        OUTCOME,
        PREV_HASH,
        REFUSAL,
        REQUESTER,
        SEQ,
        TIME,
    ];
    let mut i = 0;
    while i < all.len() {
        assert!(all[i] < MEMBERS.len());
        i += 1;
    }
};

/// The members of a record's canonical bytes, by position in [`MEMBERS`].
type Members<'a> = scan::Values<'a, { MEMBERS.len() }>;

/// Whether the row passes every check the slow path makes, given the previous record's
/// hash and time: `false` means "ask the slow path".
pub(crate) fn passes(c: &ColumnsRef<'_>, prev_hash: &str, last_time: &str) -> bool {
    if !time_is_plain(c.time)
        || c.time < last_time.as_bytes()
        || !is_v7_lower(c.id)
        || !c.in_reply_to.is_none_or(is_lower_uuid)
        || !RecordKind::ALL.iter().any(|k| k.as_str().as_bytes() == c.kind)
        || !Outcome::ALL.iter().any(|o| o.as_str().as_bytes() == c.outcome)
        || !c.direction.is_none_or(|d| Direction::ALL.iter().any(|x| x.as_str().as_bytes() == d))
    {
        return false;
    }
    let Some(m) = members(c.body) else { return false };
    m.get(PREV_HASH).and_then(scan::text) == Some(prev_hash.as_bytes())
        && columns(&m, c.hash).is_some_and(|s| s == Columns { body: &[][..], ..*c })
        && hash_matches(c.body, c.hash)
}

/// The row that canonical bytes whose members are `m` make, with `body` empty and `hash`
/// as given: the columns [`Columns::from_draft`] derives, read from the bytes. `None` for
/// a value it does not read without decoding (a string with an escape, an `action` that
/// is not text...).
fn columns<'a>(m: &Members<'a>, hash: &'a [u8]) -> Option<ColumnsRef<'a>> {
    let text = |i| m.get(i).and_then(scan::text);
    let opt = |i| m.get(i).and_then(scan::opt_text);
    let agreement_id = match m.get(AGREEMENT)? {
        b"null" => None,
        a => Some(scan::member(a, "id").and_then(scan::text)?),
    };
    let refusal_code = match scan::first_element(m.get(REFUSAL)?)? {
        None => None,
        Some(first) => Some(scan::member(first, "code").and_then(scan::text)?),
    };
    let action = match m.get(GOVERNANCE)? {
        g if g.first() == Some(&b'{') => {
            scan::member(g, "action").map(scan::opt_text).unwrap_or(Some(None))?
        }
        _ => None,
    };
    let format = match m.get(FORMAT) {
        None => None,
        Some(f) => Some(scan::integer(f)?),
    };
    Some(Columns {
        seq: scan::integer(m.get(SEQ)?)?,
        id: text(ID)?,
        time: text(TIME)?,
        kind: text(KIND)?,
        outcome: text(OUTCOME)?,
        direction: opt(DIRECTION)?,
        in_reply_to: opt(IN_REPLY_TO)?,
        from_agency: opt(FROM)?,
        requester: opt(REQUESTER)?,
        agreement_id,
        flow: opt(FLOW)?,
        emergency: (m.get(EMERGENCY)? != b"null").then_some(1),
        refusal_code,
        action,
        format,
        body: &[],
        hash,
    })
}

/// The members of a record's canonical bytes, when they are canonical and exactly a
/// record's members but `hash`, in canonical order.
fn members(body: &[u8]) -> Option<Members<'_>> {
    scan::members(body, &MEMBERS, &OPTIONAL)
}

/// A UUID in the lower-case hyphenated form the canonical writer writes.
fn is_lower_uuid(s: &[u8]) -> bool {
    s.len() == 36
        && s.iter().enumerate().all(|(i, &b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => matches!(b, b'0'..=b'9' | b'a'..=b'f'),
        })
}

/// [`is_lower_uuid`] with version 7 (the high nibble of byte 6 is the 15th character).
fn is_v7_lower(s: &[u8]) -> bool {
    is_lower_uuid(s) && s.get(14) == Some(&b'7')
}

/// Whether the stored hash is the lowercase hex SHA-256 of `bytes` (as
/// [`crate::digest::sha256_hex`] writes it), without allocating.
pub(crate) fn hash_matches(bytes: &[u8], stored: &[u8]) -> bool {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes);
    let mut hex = [0u8; 64];
    hex::encode_to_slice(digest.as_ref(), &mut hex).is_ok() && hex[..] == *stored
}

/// A sure "yes" for a record `time` in the exact form
/// [`format_time`](crate::audit::clock::format_time) writes (`2026-11-23T10:00:00.123456Z`)
/// for years 1000 to 9998, without parsing into a timestamp. `false` means "ask
/// [`parse_time`](crate::audit::clock::parse_time)", which decides.
pub(crate) fn time_is_plain(b: &[u8]) -> bool {
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
