//! The subject index (schema version 7, `docs/decisions/0005-subject-index.md`): rows of
//! `(subject_key, seq)` in `record_subjects`, where `subject_key` is the first 8 bytes of
//! a record's keyed subject hash as a signed 64-bit integer. A key names a prefix, not a
//! subject: two hashes may share it, so every reader of the index keeps only the records
//! whose own `subjects` name the whole hash (the index is not chained either).
//!
//! On SQLite the index may lag the records: the `audit_meta` row
//! [`WATERMARK`] says up to which seq every record's rows are written (in the same
//! transaction as the rows), and subject access scans the records after it.
//! This module derives keys and reads subjects out of canonical bytes; it does no I/O.

use serde::Deserialize;

/// The `audit_meta` row: every record with `seq` up to its value has its index rows.
pub(crate) const WATERMARK: &str = "subjects_indexed_through";

/// The watermark's value in SQL (0 when the row is missing: everything is scanned).
pub(crate) const WATERMARK_SQL: &str =
    "coalesce((SELECT value FROM audit_meta WHERE name = 'subjects_indexed_through'), 0)";

/// The `audit_meta` table: named integers kept beside the records (the watermark).
pub(crate) fn meta_table(int: &str) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS audit_meta (name TEXT PRIMARY KEY, value {int} NOT NULL);\n"
    )
}

/// The index key of a subject hash: its first 16 hex digits as a big-endian integer
/// (the keyed hash is 64 hex digits); a subject that does not start with 16 hex digits
/// (none the gateway writes) takes the first 8 bytes of its SHA-256 instead.
pub fn subject_key(subject: &str) -> i64 {
    let prefix = subject.get(..16).filter(|p| p.bytes().all(|b| b.is_ascii_hexdigit()));
    let bytes = match prefix.and_then(|p| u64::from_str_radix(p, 16).ok()) {
        Some(v) => v.to_be_bytes(),
        None => {
            let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, subject.as_bytes());
            let mut b = [0u8; 8];
            b.copy_from_slice(&digest.as_ref()[..8]);
            b
        }
    };
    i64::from_be_bytes(bytes)
}

/// The distinct keys of a record's subjects, sorted.
pub(crate) fn keys_of(subjects: &[String]) -> Vec<i64> {
    let mut keys: Vec<i64> = subjects.iter().map(|s| subject_key(s)).collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// The subject as it appears inside canonical bytes (a JSON string, escaped as RFC 8785
/// escapes it): every record naming the subject holds these bytes, so a search for them
/// finds a superset of its records.
pub(crate) fn needle(subject: &str) -> String {
    let mut out = Vec::with_capacity(subject.len() + 2);
    super::canonical::write_string(subject, &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// Only the `subjects` member of a record's canonical bytes.
#[derive(Deserialize)]
struct Subjects {
    #[serde(default)]
    subjects: Vec<String>,
}

/// The index keys of the record whose canonical bytes are `body`; none when the bytes
/// do not decode (every reader refuses such a record anyway).
pub(crate) fn keys_of_body(body: &str) -> Vec<i64> {
    serde_json::from_str::<Subjects>(body).map(|s| keys_of(&s.subjects)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_the_hash_prefix_and_prefixes_collide() {
        let a = format!("0123456789abcdef{}", "0".repeat(48));
        let b = format!("0123456789abcdef{}", "f".repeat(48));
        assert_eq!(subject_key(&a), 0x0123_4567_89ab_cdef);
        assert_eq!(subject_key(&a), subject_key(&b));
        assert_eq!(subject_key(&"f".repeat(64)), -1);
        assert_ne!(subject_key("not a hash at all"), subject_key("not a hash at all!"));
        assert_eq!(keys_of(&[a.clone(), b, a]), vec![0x0123_4567_89ab_cdef]);
    }

    #[test]
    fn keys_come_out_of_canonical_bytes() {
        let body =
            r#"{"kind":"disclosure","subjects":["ffffffffffffffff00","0000000000000001ab"]}"#;
        assert_eq!(keys_of_body(body), vec![-1, 1]);
        assert!(keys_of_body("not json").is_empty());
        assert_eq!(needle("a\"b"), "\"a\\\"b\"");
    }
}
