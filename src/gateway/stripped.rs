//! The `Isagate-Stripped` response header (contract section 2): what was removed from
//! the caller's request, in the record's schema-path form, so that a caller can see it
//! without asking governance for the record.
//!
//! One entry per (path, reason) as `path;reason;count`, entries joined by `, `, in the
//! record's order. Bytes outside plain printable ASCII in a path (a schema name in
//! another script), and the separators `,` `;` `%` and space, are percent-encoded. At
//! most [`MAX_LEN`] bytes: when the entries do not fit, as many whole entries as fit are
//! kept and the value ends in `, ...`. No header when nothing was stripped.
//!
//! Must not: hold a value or a name the caller chose. It is made from the record's
//! entries only, which hold schema text, `*` and `?`.

use http::HeaderValue;
use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};

use crate::minimise::Stripped;

/// The header's name.
pub const STRIPPED: &str = "isagate-stripped";

/// The longest value, in bytes (1 KiB).
pub const MAX_LEN: usize = 1024;

/// What marks a cut value.
const CUT: &str = ", ...";

/// Bytes that would break the entry syntax or are not header-safe (non-ASCII is
/// always encoded).
const ENCODED: &AsciiSet = &CONTROLS.add(b' ').add(b',').add(b';').add(b'%').add(b'"');

/// Add the header to an answer to a forwarded request (when something was stripped).
pub fn insert(headers: &mut http::HeaderMap, value: Option<&HeaderValue>) {
    if let Some(v) = value {
        headers.insert(STRIPPED, v.clone());
    }
}

/// The header value for a request's stripped entries, or `None` when there are none.
pub fn header_value(stripped: &[Stripped]) -> Option<HeaderValue> {
    let text = header_text(stripped)?;
    HeaderValue::from_str(&text).ok()
}

/// The header's text (see the module docs).
pub fn header_text(stripped: &[Stripped]) -> Option<String> {
    if stripped.is_empty() {
        return None;
    }
    let entries: Vec<String> = stripped
        .iter()
        .map(|s| {
            let path = utf8_percent_encode(&s.path, ENCODED);
            format!("{path};{};{}", s.reason.as_str(), s.count.unwrap_or(1))
        })
        .collect();
    let full = entries.join(", ");
    if full.len() <= MAX_LEN {
        return Some(full);
    }
    let mut out = String::with_capacity(MAX_LEN);
    for entry in &entries {
        let sep = if out.is_empty() { 0 } else { 2 };
        if out.len() + sep + entry.len() + CUT.len() > MAX_LEN {
            break;
        }
        if sep > 0 {
            out.push_str(", ");
        }
        out.push_str(entry);
    }
    if out.is_empty() {
        out.push_str("...");
    } else {
        out.push_str(CUT);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::StripReason;

    fn s(path: &str, reason: StripReason, count: u64) -> Stripped {
        Stripped { count: Some(count), path: path.into(), reason }
    }

    #[test]
    fn entries_are_encoded_and_joined() {
        let v = header_text(&[
            s("/person", StripReason::Undeclared, 3),
            s("/naïve;x", StripReason::SpecialCategory, 1),
            s("?", StripReason::QueryNotAllowed, 2),
        ]);
        assert_eq!(
            v.as_deref(),
            Some("/person;undeclared;3, /na%C3%AFve%3Bx;special-category;1, ?;query-not-allowed;2")
        );
        assert_eq!(header_text(&[]), None);
    }

    #[test]
    fn a_long_value_is_cut_at_a_whole_entry() {
        let many: Vec<Stripped> =
            (0..200).map(|i| s(&format!("/field{i:03}"), StripReason::Undeclared, 1)).collect();
        let v = header_text(&many).unwrap();
        assert!(v.len() <= MAX_LEN, "{}", v.len());
        assert!(v.ends_with(", ..."));
        let kept = v.trim_end_matches(", ...");
        assert!(kept.split(", ").all(|e| e.ends_with(";undeclared;1")));
        assert!(header_value(&many).is_some());
    }
}
