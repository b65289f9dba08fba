//! "Did you mean" suggestions: the closest known name to a near miss, for the agreement
//! linter's help lines and the configuration's unknown keys. One distance
//! ([`strsim::osa_distance`]: insertions, deletions, substitutions and swaps of
//! neighbours each cost one) and one threshold, so both suggest alike.

/// The known name closest to `name`, if it is close enough to be a typo (at most a third
/// of its length away, and at most 3 edits), ignoring ASCII case.
pub fn suggest<'a, I>(name: &str, known: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let lower = name.to_ascii_lowercase();
    let limit = (name.chars().count() / 3).clamp(1, 3);
    known
        .into_iter()
        // The name itself is never its own correction.
        .filter(|k| *k != name)
        .map(|k| (strsim::osa_distance(&lower, &k.to_ascii_lowercase()), k))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// "did you mean `x`? " when there is a close name, else "".
pub fn did_you_mean<'a, I>(name: &str, known: I) -> String
where
    I: IntoIterator<Item = &'a str>,
{
    suggest(name, known).map_or_else(String::new, |s| format!("did you mean `{s}`? "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_misses_only() {
        let known = ["merseyside-police", "nhs-trust", "lcc-ssc"];
        assert_eq!(suggest("merseyside-polce", known), Some("merseyside-police"));
        assert_eq!(suggest("NHS-TRUST", known), Some("nhs-trust"));
        assert_eq!(suggest("nhs-turst", known), Some("nhs-trust"), "a swap is one edit");
        assert_eq!(suggest("cabinet-office", known), None);
        assert_eq!(did_you_mean("lcc-sc", known), "did you mean `lcc-ssc`? ");
        assert_eq!(did_you_mean("zzz", known), "");
        assert_eq!(suggest("lcc-ssc", known), None, "never the name itself");
    }
}
