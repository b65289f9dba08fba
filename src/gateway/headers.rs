//! Stage 1b: the `Isagate-*` request headers of contract section 2, parsed strictly.
//! An `Isagate-*` header the contract does not define, a duplicate, or a malformed value
//! is refused (400). Values never appear in errors: only header names do.

use http::HeaderMap;

use crate::agreements::EMERGENCY_CATEGORIES;
use crate::codes::{Reason, RefusalCode};

/// The longest `Isagate-Reason` (characters).
pub const MAX_REASON_CHARS: usize = 1000;
/// The shortest emergency justification (characters).
pub const MIN_EMERGENCY_REASON_CHARS: usize = 20;
/// The longest `Isagate-Requester`, `Isagate-Purpose` or `Isagate-Agreement`.
const MAX_ID_CHARS: usize = 200;

pub(crate) const PURPOSE: &str = "isagate-purpose";
const REASON: &str = "isagate-reason";
pub(crate) const REQUESTER: &str = "isagate-requester";
pub(crate) const AGREEMENT: &str = "isagate-agreement";
pub(crate) const EMERGENCY: &str = "isagate-emergency";
const KNOWN: &[&str] = &[PURPOSE, REASON, REQUESTER, AGREEMENT, EMERGENCY];

/// The caller's assertions about this transfer.
#[derive(Clone, PartialEq, Eq)]
pub struct TransferHeaders {
    pub purpose: String,
    pub reason: String,
    pub requester: String,
    pub agreement: Option<String>,
    pub emergency: Option<String>,
}

impl std::fmt::Debug for TransferHeaders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransferHeaders")
            .field("purpose", &self.purpose)
            .field("agreement", &self.agreement)
            .field("emergency", &self.emergency)
            .finish_non_exhaustive()
    }
}

/// Parse every `Isagate-*` header, collecting every problem.
///
/// For an emergency request the purpose is optional (the category stands in for it).
pub fn parse(headers: &HeaderMap) -> Result<TransferHeaders, Vec<Reason>> {
    let mut reasons = Vec::new();
    for name in headers.keys() {
        let n = name.as_str();
        if n.starts_with("isagate-") && !KNOWN.contains(&n) {
            reasons.push(Reason::new(
                RefusalCode::UnknownHeader,
                format!("`{}` is not a header the contract defines; remove it", display_name(n)),
            ));
        }
    }
    let mut get = |name: &'static str| -> Option<String> {
        let mut values = headers.get_all(name).iter();
        let first = values.next()?;
        if values.next().is_some() {
            reasons.push(malformed(name, "is sent more than once"));
            return None;
        }
        match first.to_str() {
            Ok(v) => Some(v.trim().to_owned()),
            Err(_) => {
                // Non-ASCII bytes: try UTF-8 (a reason may contain accents), else refuse.
                match std::str::from_utf8(first.as_bytes()) {
                    Ok(v) => Some(v.trim().to_owned()),
                    Err(_) => {
                        reasons.push(malformed(name, "is not valid UTF-8"));
                        None
                    }
                }
            }
        }
    };
    let purpose = get(PURPOSE);
    let reason = get(REASON);
    let requester = get(REQUESTER);
    let agreement = get(AGREEMENT);
    let emergency = get(EMERGENCY);

    if let Some(cat) = &emergency {
        if !EMERGENCY_CATEGORIES.contains(&cat.as_str()) {
            reasons.push(Reason::new(
                RefusalCode::UnknownCategory,
                format!(
                    "`Isagate-Emergency` must be one of {}",
                    EMERGENCY_CATEGORIES
                        .iter()
                        .map(|c| format!("`{c}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    }
    match &purpose {
        None if emergency.is_none() => reasons.push(missing(PURPOSE)),
        Some(p) if !is_token(p) => {
            reasons.push(malformed(PURPOSE, "must be a purpose id (`a-z`, `0-9`, `-`, `_`)"))
        }
        _ => {}
    }
    match &reason {
        None => reasons.push(missing(REASON)),
        Some(r) => {
            let chars = r.chars().count();
            if chars == 0 || chars > MAX_REASON_CHARS {
                reasons.push(malformed(REASON, "must be 1 to 1000 characters"));
            } else if r.chars().any(char::is_control) {
                reasons.push(malformed(REASON, "must not contain control characters"));
            } else if emergency.is_some() && chars < MIN_EMERGENCY_REASON_CHARS {
                reasons.push(Reason::new(
                    RefusalCode::ReasonTooShort,
                    "an emergency needs a justification of at least 20 characters in `Isagate-Reason`",
                ));
            }
        }
    }
    match &requester {
        None => reasons.push(missing(REQUESTER)),
        Some(r)
            if r.is_empty()
                || r.chars().count() > MAX_ID_CHARS
                || r.chars().any(char::is_control) =>
        {
            reasons
                .push(malformed(REQUESTER, "must be a staff id of 1 to 200 printable characters"))
        }
        _ => {}
    }
    if let Some(a) = &agreement {
        if a.is_empty() || a.len() > MAX_ID_CHARS || !a.bytes().all(|b| b.is_ascii_graphic()) {
            reasons.push(malformed(AGREEMENT, "must be an agreement id"));
        }
    }
    if !reasons.is_empty() {
        return Err(reasons);
    }
    Ok(TransferHeaders {
        purpose: purpose.unwrap_or_default(),
        reason: reason.unwrap_or_default(),
        requester: requester.unwrap_or_default(),
        agreement,
        emergency,
    })
}

fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_ID_CHARS
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

fn display_name(lower: &str) -> String {
    lower
        .split('-')
        .map(|part| {
            let mut c = part.chars();
            c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join("-")
}

fn missing(name: &str) -> Reason {
    Reason::new(RefusalCode::MissingHeader, format!("`{}` is required", display_name(name)))
}

fn malformed(name: &str, what: &str) -> Reason {
    Reason::new(RefusalCode::MalformedHeader, format!("`{}` {what}", display_name(name)))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A header map from (name, value) pairs.
    pub(crate) fn map(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut m = HeaderMap::new();
        for (k, v) in pairs {
            m.append(http::HeaderName::from_bytes(k.as_bytes()).unwrap(), v.parse().unwrap());
        }
        m
    }

    const OK: &[(&str, &str)] = &[
        ("isagate-purpose", "safeguarding"),
        ("isagate-reason", "case 123: concern reported today"),
        ("isagate-requester", "staff-42"),
    ];

    #[test]
    fn complete_headers_parse() {
        let h = parse(&map(OK)).unwrap();
        assert_eq!(h.purpose, "safeguarding");
        assert_eq!(h.requester, "staff-42");
        assert!(h.emergency.is_none());
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let err = parse(&map(&[("isagate-colour", "x"), ("isagate-purpose", "a b")])).unwrap_err();
        let codes: Vec<_> = err.iter().map(|r| r.code).collect();
        assert!(codes.contains(&RefusalCode::UnknownHeader));
        assert!(codes.contains(&RefusalCode::MalformedHeader));
        assert_eq!(codes.iter().filter(|c| **c == RefusalCode::MissingHeader).count(), 2);
        assert!(err.iter().all(|r| !r.detail.contains("a b")));
    }

    #[test]
    fn emergencies_need_a_known_category_and_a_long_reason() {
        let mut pairs = OK.to_vec();
        pairs[1] = ("isagate-reason", "too short");
        pairs.push(("isagate-emergency", "risk-to-life"));
        assert_eq!(parse(&map(&pairs)).unwrap_err()[0].code, RefusalCode::ReasonTooShort);
        let mut pairs = OK.to_vec();
        pairs.push(("isagate-emergency", "bored"));
        assert_eq!(parse(&map(&pairs)).unwrap_err()[0].code, RefusalCode::UnknownCategory);
    }

    #[test]
    fn duplicates_are_malformed() {
        let mut pairs = OK.to_vec();
        pairs.push(("isagate-purpose", "other"));
        assert_eq!(parse(&map(&pairs)).unwrap_err()[0].code, RefusalCode::MalformedHeader);
    }
}
