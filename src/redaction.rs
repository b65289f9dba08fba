//! Redacting secrets out of text bound for logs, error messages and `Debug` output.
//! A URL may carry a password in its user info and a token or password in its query
//! (`postgres://u:pw@h/db?password=x`, `https://hooks.example/x?token=t`): [`url`] drops
//! both, and the fragment, keeping only what an operator needs to recognise the target.

/// What stands in for removed user info, and for text that is not a URL at all.
pub const REDACTED: &str = "<redacted>";

/// `scheme://[<redacted>@]host[:port]/path`: the URL without user info, query or
/// fragment. Text without `://` is replaced whole, since where its secrets are is
/// unknown.
pub fn url(text: &str) -> String {
    let Some((scheme, rest)) = text.split_once("://") else {
        return REDACTED.to_owned();
    };
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    let (authority, path) = rest.find('/').map_or((rest, ""), |i| rest.split_at(i));
    match authority.rsplit_once('@') {
        Some((_, host)) => format!("{scheme}://{REDACTED}@{host}{path}"),
        None => format!("{scheme}://{authority}{path}"),
    }
}

#[cfg(test)]
mod tests {
    use super::url;

    #[test]
    fn user_info_and_query_are_dropped() {
        assert_eq!(url("postgres://u:pw@h/db?password=x"), "postgres://<redacted>@h/db");
        assert_eq!(
            url("postgres://isagate:hunter2@db:5432/isagate?sslmode=require"),
            "postgres://<redacted>@db:5432/isagate"
        );
        assert_eq!(url("https://hooks.example/x?token=abc#frag"), "https://hooks.example/x");
        // A password with `@` in it still goes whole.
        assert_eq!(url("postgres://u:p@ss@h:5432/db"), "postgres://<redacted>@h:5432/db");
    }

    #[test]
    fn urls_without_secrets_stay_readable() {
        assert_eq!(url("sqlite:///var/lib/isagate/audit.db"), "sqlite:///var/lib/isagate/audit.db");
        assert_eq!(url("https://h:8443/a@b"), "https://h:8443/a@b");
        assert_eq!(url("not a url password=x"), "<redacted>");
    }
}
