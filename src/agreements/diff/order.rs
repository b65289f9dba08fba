//! The documented partial order of what a recipient sees of one field (docs/diff.md):
//! `a` is at least as wide as `b` when everything `b` shows can be worked out from what
//! `a` shows. The clear value is widest and `drop` narrowest; `mask` shows only that a
//! value was there, which every other transform also shows; `postcode-sector` holds its
//! `postcode-district`; `year` is wider than `age-band`. Other pairs (`pseudonymise`
//! beside `year`, say) show different things and cannot be compared: "changed, review".

use std::cmp::Ordering;

use crate::minimise::transforms::Transform;

/// `a` shows at least what `b` shows (`None`: the clear value).
pub fn at_least(a: Option<Transform>, b: Option<Transform>) -> bool {
    use Transform::{AgeBand, Drop, Mask, PostcodeDistrict, PostcodeSector, Year};
    match (a, b) {
        _ if a == b => true,
        (None, _) | (_, Some(Drop)) => true,
        (Some(Drop), _) | (_, None) => false,
        (Some(_), Some(Mask)) => true,
        (Some(PostcodeSector), Some(PostcodeDistrict)) | (Some(Year), Some(AgeBand)) => true,
        _ => false,
    }
}

/// How `new` compares with `old`: `Greater` widens, `Less` narrows, `None` cannot tell.
pub fn compare(old: Option<Transform>, new: Option<Transform>) -> Option<Ordering> {
    match (at_least(new, old), at_least(old, new)) {
        (true, true) => Some(Ordering::Equal),
        (true, false) => Some(Ordering::Greater),
        (false, true) => Some(Ordering::Less),
        (false, false) => None,
    }
}

/// The transform's name, or `clear` for the value itself.
pub fn name(t: Option<Transform>) -> &'static str {
    t.map_or("clear", Transform::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Transform::*;

    #[test]
    fn the_documented_order() {
        let all: Vec<Option<Transform>> =
            std::iter::once(None).chain(Transform::ALL.iter().copied().map(Some)).collect();
        // A partial order: reflexive, antisymmetric, transitive.
        for a in &all {
            assert!(at_least(*a, *a));
            for b in &all {
                if a != b {
                    assert!(!(at_least(*a, *b) && at_least(*b, *a)), "{a:?} {b:?}");
                }
                for c in &all {
                    if at_least(*a, *b) && at_least(*b, *c) {
                        assert!(at_least(*a, *c), "{a:?} {b:?} {c:?}");
                    }
                }
            }
            assert!(at_least(None, *a));
            assert!(at_least(*a, Some(Drop)));
        }
        assert_eq!(compare(Some(Pseudonymise), None), Some(Ordering::Greater));
        assert_eq!(compare(Some(PostcodeDistrict), Some(PostcodeSector)), Some(Ordering::Greater));
        assert_eq!(compare(Some(Year), Some(AgeBand)), Some(Ordering::Less));
        assert_eq!(compare(Some(Pseudonymise), Some(Mask)), Some(Ordering::Less));
        assert_eq!(compare(Some(Pseudonymise), Some(Year)), None);
        assert_eq!(compare(Some(PostcodeSector), Some(AgeBand)), None);
    }
}
