//! Query string minimisation (contract section 2 step 5): keep the parameters the
//! flow's `query` allow-list names, strip the rest with reason `query-not-allowed`.
//! The record form names no parameter: the stripped ones are one entry `?` with their
//! number (contract section 5). Only a dry run's [`PayloadView`](super::PayloadView)
//! names them (`?name`); values never appear anywhere.

use super::Stripped;
use crate::codes::StripReason;

/// The record's path of the entry that counts stripped query parameters.
pub const QUERY_PATH: &str = "?";

/// A query string after minimisation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryMinimised {
    /// The allow-listed parameters, as received.
    pub query: String,
    /// The record's entry: `?`, `query-not-allowed`, and how many parameters were
    /// stripped (each occurrence counts); `None` when none was.
    pub stripped: Option<Stripped>,
    /// For a dry run: each stripped parameter's name once (`?name`), sorted.
    pub names: Vec<Stripped>,
}

/// Keep allow-listed parameters (in their order, values untouched, percent-encoding as
/// received); every other parameter is stripped. A parameter's name is compared after
/// percent-decoding (`+` as a space). Empty pieces (`a=1&&b=2`) vanish.
pub fn minimise_query(query: &str, allowed: &[String]) -> QueryMinimised {
    let query = query.strip_prefix('?').unwrap_or(query);
    let mut kept: Vec<&str> = Vec::new();
    let mut names: Vec<Stripped> = Vec::new();
    let mut count = 0u64;
    for piece in query.split('&').filter(|p| !p.is_empty()) {
        let raw_name = piece.split_once('=').map_or(piece, |(n, _)| n);
        let name = decode(raw_name);
        if allowed.contains(&name) {
            kept.push(piece);
        } else {
            count += 1;
            let path = format!("?{name}");
            if !names.iter().any(|s| s.path == path) {
                names.push(Stripped { count: None, path, reason: StripReason::QueryNotAllowed });
            }
        }
    }
    names.sort();
    let stripped = (count > 0).then(|| Stripped {
        count: Some(count),
        path: QUERY_PATH.to_owned(),
        reason: StripReason::QueryNotAllowed,
    });
    QueryMinimised { query: kept.join("&"), stripped, names }
}

fn decode(name: &str) -> String {
    let spaced = name.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced).decode_utf8_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_allowed_names_and_records_no_name() {
        let allowed = vec!["page".to_owned(), "sort by".to_owned()];
        let q = minimise_query("?page=2&name=Jo+Bloggs&sort+by=date&name=x&&dob", &allowed);
        assert_eq!(q.query, "page=2&sort+by=date");
        let paths: Vec<_> = q.names.iter().map(|s| s.path.as_str()).collect();
        assert_eq!(paths, ["?dob", "?name"]);
        assert_eq!(
            q.stripped,
            Some(Stripped {
                count: Some(3),
                path: "?".into(),
                reason: StripReason::QueryNotAllowed
            })
        );
        assert_eq!(minimise_query("", &allowed), QueryMinimised::default());
    }
}
