//! `verify`'s fast path over a row borrowed from the database's buffers: SHA-256 of the
//! stored bytes against the `hash` column, and the top-level members read by the strict
//! canonical scanner (`canonical::scan`) against the chain (`seq`, `id`, `time`,
//! `prev_hash`) and the query columns. No row becomes a `Record` and nothing allocates.
//!
//! It only ever says "this row passes" for rows it fully recognises: canonical bytes
//! holding exactly a record's members, whose columns are those
//! [`Columns::from_draft`](crate::audit::columns::Columns::from_draft) derives. For
//! anything else it answers `false` and the caller takes the slow path, which decodes,
//! decides and names the check that failed.

use uuid::Uuid;

use crate::audit::canonical::scan;
use crate::audit::columns::Columns;
use crate::audit::record::{Outcome, RecordKind};
use crate::codes::Direction;

/// One stored row borrowed from the database's buffers (text as `&str`, no copy).
pub(crate) type ColumnsRef<'a> = Columns<&'a str>;

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

/// Whether the row passes every check the slow path makes, given the previous record's
/// hash and time: `false` means "ask the slow path".
pub(crate) fn passes(c: &ColumnsRef<'_>, prev_hash: &str, last_time: &str) -> bool {
    if !hash_matches(c.body.as_bytes(), c.hash)
        || !time_is_plain(c.time)
        || c.time < last_time
        || !is_v7_lower(c.id)
        || !c.in_reply_to.is_none_or(is_lower_uuid)
        || !RecordKind::ALL.iter().any(|k| k.as_str() == c.kind)
        || !Outcome::ALL.iter().any(|o| o.as_str() == c.outcome)
        || !c.direction.is_none_or(|d| Direction::ALL.iter().any(|x| x.as_str() == d))
    {
        return false;
    }
    let Some(m) = scan::object(c.body.as_bytes()) else { return false };
    has_record_members(&m)
        && m.get("prev_hash").and_then(scan::text) == Some(prev_hash)
        && Columns::scan(&m, c.body, c.hash).is_some_and(|s| s == *c)
}

/// Exactly the members of a record but `hash`, in canonical order.
fn has_record_members(m: &scan::Members<'_>) -> bool {
    let mut names = m.names();
    let with_format = m.get("format").is_some();
    let mut expected = MEMBERS.iter().filter(|n| with_format || **n != "format");
    expected.all(|n| names.next() == Some(n.as_bytes())) && names.next().is_none()
}

/// A UUID in the lower-case hyphenated form the canonical writer writes.
fn is_lower_uuid(s: &str) -> bool {
    s.parse::<Uuid>().is_ok_and(|u| u.hyphenated().encode_lower(&mut Uuid::encode_buffer()) == s)
}

fn is_v7_lower(s: &str) -> bool {
    is_lower_uuid(s) && s.parse::<Uuid>().is_ok_and(|u| u.get_version_num() == 7)
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
