//! The canonical byte form of a record, and its hash (see `docs/record-format.md`).
//!
//! The form is RFC 8785 (JSON Canonicalization Scheme) restricted to what records hold:
//! object members sorted by the UTF-16 code units of their names, no insignificant
//! whitespace, strings escaped as ECMAScript `JSON.stringify` does, and integers only.
//! A non-integer number is refused rather than formatted, so that a short script in any
//! language can reproduce the bytes exactly. This module must not decide what a record
//! holds: it only turns a JSON value into bytes.

use aws_lc_rs::digest;
use serde_json::Value;

use super::record::{Record, RecordDraft};
use crate::digest::sha256_hex;

mod record;
pub(crate) mod scan;

pub(crate) use record::Obj;

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum CanonicalError {
    #[error("a record may hold integers only, found a non-integer number at `{0}`")]
    NonInteger(String),
    #[error("the record cannot be turned into JSON: {0}")]
    Json(String),
}

/// Append the canonical form of `value` to `out`.
pub fn write_canonical(value: &Value, out: &mut Vec<u8>) -> Result<(), CanonicalError> {
    write_at(value, out, &mut String::new())
}

fn write_at(value: &Value, out: &mut Vec<u8>, at: &mut String) -> Result<(), CanonicalError> {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                out.extend_from_slice(u.to_string().as_bytes());
            } else if let Some(i) = n.as_i64() {
                out.extend_from_slice(i.to_string().as_bytes());
            } else {
                return Err(CanonicalError::NonInteger(at.clone()));
            }
        }
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                let len = at.len();
                at.push('/');
                at.push_str(&i.to_string());
                write_at(item, out, at)?;
                at.truncate(len);
            }
            out.push(b']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
            let mut o = Obj::open(out);
            for key in keys {
                let out = o.key(key);
                let len = at.len();
                at.push('/');
                at.push_str(key);
                if let Some(v) = map.get(key) {
                    write_at(v, out, at)?;
                }
                at.truncate(len);
            }
            o.close();
        }
    }
    Ok(())
}

/// A JSON string as ECMAScript `JSON.stringify` writes it (RFC 8785 section 3.2.2.2).
pub(crate) fn write_string(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    let bytes = s.as_bytes();
    // Most strings (hashes, ids, codes) need no escape: one branch-free scan, one copy.
    let plain = !bytes.iter().fold(false, |any, &b| any | (b < 0x20) | (b == b'"') | (b == b'\\'));
    if plain {
        out.extend_from_slice(bytes);
        out.push(b'"');
        return;
    }
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: Option<&[u8]> = match b {
            b'"' => Some(b"\\\""),
            b'\\' => Some(b"\\\\"),
            0x08 => Some(b"\\b"),
            0x0c => Some(b"\\f"),
            b'\n' => Some(b"\\n"),
            b'\r' => Some(b"\\r"),
            b'\t' => Some(b"\\t"),
            _ => None,
        };
        if let Some(e) = escape {
            out.extend_from_slice(&bytes[start..i]);
            out.extend_from_slice(e);
            start = i + 1;
        } else if b < 0x20 {
            out.extend_from_slice(&bytes[start..i]);
            out.extend_from_slice(format!("\\u{b:04x}").as_bytes());
            start = i + 1;
        }
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// The canonical bytes of a record without its `hash` member.
pub fn record_bytes(record: &Record) -> Result<Vec<u8>, CanonicalError> {
    let mut out = Vec::with_capacity(1024);
    record::write_record(record, &mut out)?;
    Ok(out)
}

/// The canonical bytes of a record holding a draft, with gaps where the store's four
/// members (`id`, `prev_hash`, `seq`, `time`) go. Made on the appending task, so that
/// the store's single writer only hashes around the gaps ([`DraftBytes::hash`]).
#[derive(Debug, Clone)]
pub struct DraftBytes {
    bytes: Vec<u8>,
    /// Where each assigned value goes, in [`Assigned`] order.
    gaps: [usize; 4],
}

impl DraftBytes {
    pub fn new(draft: &RecordDraft) -> Result<Self, CanonicalError> {
        let mut bytes = Vec::with_capacity(1024);
        let mut gaps = [0; 4];
        record::write_draft(draft, &mut bytes, &mut |a, out| gaps[a as usize] = out.len())?;
        Ok(Self { bytes, gaps })
    }

    /// The record's canonical bytes with these values in the gaps (what the store keeps),
    /// and their lowercase hex SHA-256: equal to [`record_bytes`] and [`record_hash`] of
    /// the record they make.
    pub fn fill(&self, id: &str, prev_hash: &str, seq: u64, time: &str) -> (String, String) {
        let mut out = Vec::with_capacity(self.bytes.len() + 200);
        let mut from = 0;
        for (i, &gap) in self.gaps.iter().enumerate() {
            out.extend_from_slice(&self.bytes[from..gap]);
            match i {
                0 => write_string(id, &mut out),
                1 => write_string(prev_hash, &mut out),
                2 => out.extend_from_slice(seq.to_string().as_bytes()),
                _ => write_string(time, &mut out),
            }
            from = gap;
        }
        out.extend_from_slice(&self.bytes[from..]);
        // Every piece is UTF-8 (written from `&str`s), so this never takes the `Err` arm;
        // the hash is of the text kept either way.
        let body = String::from_utf8(out)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        let hash = hex::encode(digest::digest(&digest::SHA256, body.as_bytes()).as_ref());
        (body, hash)
    }

    /// The hash [`DraftBytes::fill`] returns.
    pub fn hash(&self, id: &str, prev_hash: &str, seq: u64, time: &str) -> String {
        self.fill(id, prev_hash, seq, time).1
    }
}

/// Lowercase hex SHA-256 of [`record_bytes`].
pub fn record_hash(record: &Record) -> Result<String, CanonicalError> {
    let bytes = record_bytes(record)?;
    Ok(sha256_hex(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn canon(v: Value) -> String {
        let mut out = Vec::new();
        write_canonical(&v, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn sorts_by_utf16_and_escapes_like_json_stringify() {
        // U+E000 sorts after U+1F600 in UTF-16 (a surrogate pair starts with 0xD83D).
        let v = json!({"b": 1, "a": [true, null, -3], "\u{e000}": "x", "\u{1f600}": "y", "c": "q\"\\\n\u{1}\u{7f}é"});
        assert_eq!(
            canon(v),
            "{\"a\":[true,null,-3],\"b\":1,\"c\":\"q\\\"\\\\\\n\\u0001\u{7f}é\",\"\u{1f600}\":\"y\",\"\u{e000}\":\"x\"}"
        );
    }

    #[test]
    fn draft_bytes_hash_like_the_record_they_make() {
        let mut d = RecordDraft::new(
            crate::audit::record::RecordKind::Governance,
            crate::audit::record::Outcome::Recorded,
        );
        d.governance = Some(json!({"z": [1, {"b": "\u{1}", "a": null}], "y": "é😀"}));
        d.from = Some("a\"b".into());
        d.subjects = vec!["s".into()];
        let bytes = DraftBytes::new(&d).unwrap();
        let record = Record {
            id: uuid::Uuid::now_v7(),
            seq: 1234567,
            time: "2026-12-06T10:00:00.000001Z".into(),
            draft: d,
            prev_hash: "\"odd\\".into(),
            hash: String::new(),
        };
        let id = record.id.hyphenated().to_string();
        assert_eq!(
            bytes.hash(&id, &record.prev_hash, record.seq, &record.time),
            record_hash(&record).unwrap()
        );
        let mut bad = RecordDraft::new(
            crate::audit::record::RecordKind::Governance,
            crate::audit::record::Outcome::Recorded,
        );
        bad.governance = Some(json!({"g": 0.5}));
        assert_eq!(
            DraftBytes::new(&bad).unwrap_err(),
            CanonicalError::NonInteger("/governance/g".into())
        );
    }

    #[test]
    fn refuses_fractions_and_names_where() {
        assert_eq!(
            write_canonical(&json!({"g": [1, 2.5]}), &mut Vec::new()),
            Err(CanonicalError::NonInteger("/g/1".into()))
        );
    }
}
