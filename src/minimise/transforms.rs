//! What the recipient sees instead of a value (`x-isagate-transform`, contract sections 3
//! and 11), and the data categories (`x-isagate-category`) that need an Article 9 or 10
//! condition.
//!
//! A transform either succeeds or fails closed; a failure never carries the value.
//! `null` stays `null` under every transform except `drop`, which removes the field
//! whatever its value.

use jiff::civil::Date;
use serde_json::Value;

use super::formats::Postcode;
use crate::keys::PseudonymKey;

/// One `x-isagate-transform` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Transform {
    /// Removed on the way out (validated on the way in). Strongest.
    Drop,
    /// Any non-null value becomes the string `***`: nothing of it is kept.
    Mask,
    /// Keyed HMAC, stable per agreement and recipient.
    Pseudonymise,
    /// `L1 8JQ` -> `L1`.
    PostcodeDistrict,
    /// `L1 8JQ` -> `L1 8`.
    PostcodeSector,
    /// A date of birth becomes an age band counted on the transfer date.
    AgeBand,
    /// A date or date-time becomes its year, an integer.
    Year,
}

impl Transform {
    /// Every transform, in the order `docs/agreements.md` lists them (the one list: the
    /// plan compiler, the linter and the docs read it).
    pub const ALL: &'static [Transform] = &[
        Self::Pseudonymise,
        Self::Year,
        Self::AgeBand,
        Self::PostcodeDistrict,
        Self::PostcodeSector,
        Self::Mask,
        Self::Drop,
    ];

    /// The names of [`Self::ALL`].
    pub fn names() -> impl Iterator<Item = &'static str> {
        Self::ALL.iter().map(|t| t.as_str())
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Drop => "drop",
            Self::Mask => "mask",
            Self::Pseudonymise => "pseudonymise",
            Self::PostcodeDistrict => "postcode-district",
            Self::PostcodeSector => "postcode-sector",
            Self::AgeBand => "age-band",
            Self::Year => "year",
        }
    }

    pub fn parse(name: &str) -> Option<Transform> {
        Self::ALL.iter().copied().find(|t| t.as_str() == name)
    }
}

/// The special categories of UK GDPR Article 9 (with [`CRIMINAL_OFFENCE`], the one list
/// of `x-isagate-category` values).
pub const SPECIAL_CATEGORIES: &[&str] = &[
    "health",
    "ethnicity",
    "religion",
    "sexuality",
    "sex-life",
    "genetic",
    "biometric",
    "political",
    "trade-union",
];

/// Criminal offence data (UK GDPR Article 10).
pub const CRIMINAL_OFFENCE: &str = "criminal-offence";

/// One `x-isagate-category` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    /// Article 9 data; the index is into [`SPECIAL_CATEGORIES`].
    Special(usize),
    /// Article 10 data: criminal convictions and offences.
    CriminalOffence,
}

impl Category {
    pub fn parse(name: &str) -> Option<Category> {
        if name == CRIMINAL_OFFENCE {
            return Some(Self::CriminalOffence);
        }
        SPECIAL_CATEGORIES.iter().position(|c| *c == name).map(Self::Special)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Special(i) => SPECIAL_CATEGORIES.get(i).copied().unwrap_or("special"),
            Self::CriminalOffence => CRIMINAL_OFFENCE,
        }
    }

    /// Every category name: the special categories, then [`CRIMINAL_OFFENCE`].
    pub fn names() -> impl Iterator<Item = &'static str> {
        SPECIAL_CATEGORIES.iter().copied().chain([CRIMINAL_OFFENCE])
    }
}

/// The age bands `age-band` produces, as (lowest age, label). Ages are whole years
/// completed on the transfer date.
pub const AGE_BANDS: &[(i16, &str)] = &[
    (0, "0-15"),
    (16, "16-17"),
    (18, "18-24"),
    (25, "25-34"),
    (35, "35-44"),
    (45, "45-54"),
    (55, "55-64"),
    (65, "65-74"),
    (75, "75+"),
];

/// What a transform needs besides the value.
pub struct TransformInput<'a> {
    pub pseudonym_key: Option<&'a PseudonymKey>,
    pub today: Date,
}

/// The transform could not be applied (wrong type, unparseable value, no key). It says
/// nothing about the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransformFailed;

/// Apply a value transform. `drop` is the caller's business (it removes the field), so
/// here it yields `null`; `null` in gives `null` out for every transform.
pub fn apply(
    t: Transform,
    value: &Value,
    input: &TransformInput<'_>,
) -> Result<Value, TransformFailed> {
    if value.is_null() {
        return Ok(Value::Null);
    }
    match t {
        Transform::Drop => Ok(Value::Null),
        Transform::Mask => Ok(Value::String("***".to_owned())),
        Transform::Pseudonymise => {
            input.pseudonym_key.map(|k| Value::String(k.pseudonymise(value))).ok_or(TransformFailed)
        }
        Transform::PostcodeDistrict => postcode(value).map(|p| Value::String(p.district())),
        Transform::PostcodeSector => postcode(value).map(|p| Value::String(p.sector())),
        Transform::Year => date_of(value).map(|d| Value::from(d.year())),
        Transform::AgeBand => {
            let born = date_of(value)?;
            age_band(born, input.today).map(|b| Value::String(b.to_owned()))
        }
    }
}

fn postcode(value: &Value) -> Result<Postcode, TransformFailed> {
    value.as_str().and_then(Postcode::parse).ok_or(TransformFailed)
}

/// The calendar date of a `date` (`2001-02-03`) or `date-time` (`2001-02-03T04:05:06Z`,
/// read in its own offset) string.
fn date_of(value: &Value) -> Result<Date, TransformFailed> {
    let text = value.as_str().ok_or(TransformFailed)?;
    let (date, rest) =
        if text.len() > 10 && text.is_char_boundary(10) { text.split_at(10) } else { (text, "") };
    let date: Date = date.parse().map_err(|_| TransformFailed)?;
    if !rest.is_empty() {
        // A date-time: the whole text must be one (with an offset or `Z`).
        text.parse::<jiff::Timestamp>().map_err(|_| TransformFailed)?;
    }
    Ok(date)
}

/// The band of the age (whole years completed) on `today` of someone born on `born`.
/// A birth date after `today` fails.
pub fn age_band(born: Date, today: Date) -> Result<&'static str, TransformFailed> {
    if born > today {
        return Err(TransformFailed);
    }
    let mut age = today.year() - born.year();
    if (today.month(), today.day()) < (born.month(), born.day()) {
        age -= 1;
    }
    AGE_BANDS
        .iter()
        .rev()
        .find(|(low, _)| age >= *low)
        .map(|(_, label)| *label)
        .ok_or(TransformFailed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use serde_json::json;

    fn input() -> TransformInput<'static> {
        TransformInput { pseudonym_key: None, today: date(2026, 11, 23) }
    }

    #[test]
    fn names_round_trip() {
        for t in Transform::ALL {
            assert_eq!(Transform::parse(t.as_str()), Some(*t));
        }
        assert_eq!(Transform::parse("hash"), None);
        assert_eq!(Category::parse("health").map(Category::as_str), Some("health"));
        assert_eq!(Category::parse("criminal-offence"), Some(Category::CriminalOffence));
        assert_eq!(Category::parse("medical"), None);
    }

    #[test]
    fn age_bands_on_the_boundaries() {
        let today = date(2026, 11, 23);
        assert_eq!(age_band(date(2010, 11, 24), today), Ok("0-15"));
        assert_eq!(age_band(date(2010, 11, 23), today), Ok("16-17"));
        assert_eq!(age_band(date(2008, 11, 23), today), Ok("18-24"));
        assert_eq!(age_band(date(1951, 11, 24), today), Ok("65-74"));
        assert_eq!(age_band(date(1951, 11, 23), today), Ok("75+"));
        assert_eq!(age_band(date(2026, 11, 23), today), Ok("0-15"));
        assert_eq!(age_band(date(2026, 11, 24), today), Err(TransformFailed));
        assert_eq!(age_band(date(2008, 2, 29), date(2026, 2, 28)), Ok("16-17"));
    }

    #[test]
    fn values() {
        let i = input();
        assert_eq!(apply(Transform::Year, &json!("1990-05-17"), &i), Ok(json!(1990)));
        assert_eq!(
            apply(Transform::Year, &json!("1990-12-31T23:30:00-02:00"), &i),
            Ok(json!(1990))
        );
        assert_eq!(apply(Transform::Year, &json!("1990-13-01"), &i), Err(TransformFailed));
        assert_eq!(apply(Transform::Year, &json!("1990-05-17Tnonsense"), &i), Err(TransformFailed));
        assert_eq!(apply(Transform::Year, &json!(1990), &i), Err(TransformFailed));
        assert_eq!(apply(Transform::AgeBand, &json!("1990-05-17"), &i), Ok(json!("35-44")));
        assert_eq!(apply(Transform::PostcodeSector, &json!("l1 8jq"), &i), Ok(json!("L1 8")));
        assert_eq!(apply(Transform::PostcodeDistrict, &json!("L1 8JQ"), &i), Ok(json!("L1")));
        assert_eq!(apply(Transform::PostcodeDistrict, &json!("nowhere"), &i), Err(TransformFailed));
        assert_eq!(apply(Transform::Mask, &json!(42), &i), Ok(json!("***")));
        assert_eq!(apply(Transform::Pseudonymise, &json!("x"), &i), Err(TransformFailed));
        for t in Transform::ALL {
            assert_eq!(apply(*t, &Value::Null, &i), Ok(Value::Null));
        }
    }
}
