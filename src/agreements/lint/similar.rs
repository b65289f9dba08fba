//! "Did you mean" suggestions: the closest known name to a near miss.

/// Edit distance between `a` and `b` (optimal string alignment: insertions, deletions,
/// substitutions and swaps of neighbours each cost one), by characters.
pub(crate) fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for i in 0..=a.len() {
        d[i * w] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(w) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * w + j] + 1)
                .min(d[i * w + j - 1] + 1)
                .min(d[(i - 1) * w + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
        }
    }
    d[a.len() * w + b.len()]
}

/// The known name closest to `name`, if it is close enough to be a typo (at most a third
/// of its length away, and at most 3 edits), ignoring ASCII case.
pub(crate) fn suggest<'a, I>(name: &str, known: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let lower = name.to_ascii_lowercase();
    let limit = (name.chars().count() / 3).clamp(1, 3);
    known
        .into_iter()
        .map(|k| (distance(&lower, &k.to_ascii_lowercase()), k))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// "did you mean `x`? " when there is a close name, else "".
pub(crate) fn did_you_mean<'a, I>(name: &str, known: I) -> String
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
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("titel", "title"), 1);
        let known = ["merseyside-police", "nhs-trust", "lcc-ssc"];
        assert_eq!(suggest("merseyside-polce", known), Some("merseyside-police"));
        assert_eq!(suggest("NHS-TRUST", known), Some("nhs-trust"));
        assert_eq!(suggest("cabinet-office", known), None);
        assert_eq!(did_you_mean("lcc-sc", known), "did you mean `lcc-ssc`? ");
    }
}
