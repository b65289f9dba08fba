//! Stage 2: path normalisation. `/<recipient-id>/<upstream-path>` is split into the
//! recipient and a normalised upstream path; anything that could leave
//! `/<recipient-id>/` is refused (`bad-path`), never repaired.
//!
//! Rules: every segment is percent-decoded exactly once; a decoded segment that is empty,
//! `.` or `..`, or that contains `/`, `\`, `%` (double encoding), a control character or
//! a NUL is refused. The upstream path is re-encoded from the decoded segments, so the
//! bytes sent upstream are the gateway's, not the caller's.

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::codes::{Reason, RefusalCode};

/// What stays unescaped in a forwarded path segment (RFC 3986 unreserved characters).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// A request path after normalisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NormalisedPath {
    pub recipient: String,
    /// Decoded segments joined with `/`, starting with `/`; what flows are matched against.
    pub upstream_path: String,
    /// The same path, percent-encoded again for the upstream request line.
    pub encoded: String,
}

/// Split and normalise a request path (without its query).
pub fn normalise(raw: &str) -> Result<NormalisedPath, Reason> {
    let bad = |why: &str| Reason::new(RefusalCode::BadPath, format!("the request path {why}"));
    let rest = raw.strip_prefix('/').ok_or_else(|| bad("must start with `/`"))?;
    let mut segments = Vec::new();
    for raw_segment in rest.split('/') {
        if raw_segment.is_empty() {
            return Err(bad("has an empty segment"));
        }
        if !percent_escapes_are_well_formed(raw_segment) {
            return Err(bad("has a `%` that is not followed by two hexadecimal digits"));
        }
        let decoded = percent_decode_str(raw_segment)
            .decode_utf8()
            .map_err(|_| bad("is not valid UTF-8 once percent-decoded"))?;
        if decoded == "." || decoded == ".." {
            return Err(bad("has a dot segment"));
        }
        if decoded.contains('%') {
            return Err(bad("is percent-encoded twice (`%25`)"));
        }
        if decoded.contains(['/', '\\']) {
            return Err(bad("has an encoded separator or a backslash"));
        }
        if decoded.chars().any(char::is_control) {
            return Err(bad("has a control character"));
        }
        segments.push(decoded.into_owned());
    }
    let (recipient, upstream) = segments.split_first().ok_or_else(|| bad("names no recipient"))?;
    if !is_agency_id(recipient) {
        // Unknown-looking recipients are refused like unknown ones: no hint what exists.
        return Err(Reason::new(
            RefusalCode::NoAgreement,
            crate::agreements::matching::NO_AGREEMENT,
        ));
    }
    if upstream.is_empty() {
        return Err(bad("names no path at the recipient"));
    }
    let upstream_path = upstream.iter().fold(String::new(), |mut s, seg| {
        s.push('/');
        s.push_str(seg);
        s
    });
    let encoded = upstream.iter().fold(String::new(), |mut s, seg| {
        s.push('/');
        s.extend(utf8_percent_encode(seg, SEGMENT));
        s
    });
    Ok(NormalisedPath { recipient: recipient.clone(), upstream_path, encoded })
}

/// `[a-z0-9-]+`, the shape of an agency id.
pub fn is_agency_id(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Every `%` starts an escape of two hexadecimal digits.
fn percent_escapes_are_well_formed(segment: &str) -> bool {
    let bytes = segment.as_bytes();
    bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'%')
        .all(|(i, _)| bytes.get(i + 1..i + 3).is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_paths_split_into_recipient_and_upstream() {
        let p = normalise("/merseyside-police/v1/referrals").unwrap();
        assert_eq!(p.recipient, "merseyside-police");
        assert_eq!(p.upstream_path, "/v1/referrals");
        assert_eq!(p.encoded, "/v1/referrals");
    }

    #[test]
    fn decoded_segments_are_re_encoded() {
        let p = normalise("/nhs-trust/v1/cases/a%20b").unwrap();
        assert_eq!(p.upstream_path, "/v1/cases/a b");
        assert_eq!(p.encoded, "/v1/cases/a%20b");
    }

    #[test]
    fn traversal_variants_are_refused() {
        for raw in [
            "/nhs-trust/../other/v1",
            "/nhs-trust/%2e%2e/other",
            "/nhs-trust/%2E%2E/other",
            "/nhs-trust/%252e%252e/other",
            "/nhs-trust/v1/%2f..%2fx",
            "/nhs-trust/v1\\..\\x",
            "/nhs-trust/v1/%5c..",
            "/nhs-trust//v1",
            "/nhs-trust/./v1",
            "/nhs-trust/v1/",
            "/nhs-trust",
            "/nhs-trust/v1/%00",
            "/nhs-trust/v1/%ff",
            "nhs-trust/v1",
        ] {
            let err = normalise(raw).unwrap_err();
            assert_eq!(err.code, RefusalCode::BadPath, "{raw}");
        }
    }

    #[test]
    fn each_bad_escape_is_named_for_what_it_is() {
        let why = |raw: &str| normalise(raw).unwrap_err().detail;
        assert!(why("/nhs-trust/v1/%ZZ").contains("not followed by two hexadecimal digits"));
        assert!(why("/nhs-trust/v1/a%2").contains("not followed by two hexadecimal digits"));
        assert!(why("/nhs-trust/v1/%252e").contains("percent-encoded twice"));
        assert!(why("/nhs-trust/v1/%2fx").contains("encoded separator or a backslash"));
        assert!(why("/nhs-trust/v1/%5cx").contains("encoded separator or a backslash"));
        assert!(normalise("/nhs-trust/v1/a%20b").is_ok());
    }

    #[test]
    fn odd_recipients_look_like_unknown_ones() {
        assert_eq!(normalise("/NHS/v1").unwrap_err().code, RefusalCode::NoAgreement);
        assert_eq!(normalise("/%2e%2e/v1").unwrap_err().code, RefusalCode::BadPath);
    }
}
