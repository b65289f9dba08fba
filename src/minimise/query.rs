//! Query string minimisation (contract section 2 step 5): keep the parameters the
//! flow's `query` allow-list names, strip the rest with reason `query-not-allowed`.
//! Reports name parameters (`?name`), never their values.

use super::Stripped;
use crate::codes::StripReason;

/// Keep allow-listed parameters (in their order, values untouched, percent-encoding as
/// received); every other parameter is stripped once per name. A parameter's name is
/// compared after percent-decoding (`+` as a space). Empty pieces (`a=1&&b=2`) vanish.
pub fn minimise_query(query: &str, allowed: &[String]) -> (String, Vec<Stripped>) {
    let query = query.strip_prefix('?').unwrap_or(query);
    let mut kept: Vec<&str> = Vec::new();
    let mut stripped: Vec<Stripped> = Vec::new();
    for piece in query.split('&').filter(|p| !p.is_empty()) {
        let raw_name = piece.split_once('=').map_or(piece, |(n, _)| n);
        let name = decode(raw_name);
        if allowed.contains(&name) {
            kept.push(piece);
        } else {
            let path = format!("?{name}");
            if !stripped.iter().any(|s| s.path == path) {
                stripped.push(Stripped { path, reason: StripReason::QueryNotAllowed });
            }
        }
    }
    stripped.sort();
    (kept.join("&"), stripped)
}

fn decode(name: &str) -> String {
    let spaced = name.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced).decode_utf8_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_allowed_names() {
        let allowed = vec!["page".to_owned(), "sort by".to_owned()];
        let (q, s) = minimise_query("?page=2&name=Jo+Bloggs&sort+by=date&name=x&&dob", &allowed);
        assert_eq!(q, "page=2&sort+by=date");
        let paths: Vec<_> = s.iter().map(|s| s.path.as_str()).collect();
        assert_eq!(paths, ["?dob", "?name"]);
        assert!(s.iter().all(|s| s.reason == StripReason::QueryNotAllowed));
        assert_eq!(minimise_query("", &allowed), (String::new(), vec![]));
    }
}
