//! The string formats the gateway validates beyond the standard JSON Schema ones
//! (contract section 3): `nhs-number` (modulus 11 check digit) and `uk-postcode`, and
//! the one place where `jsonschema` options are set, so every validator the gateway
//! builds checks formats the same way.
//!
//! These functions answer yes or no; they never report the value they were given.

use jsonschema::{Draft, ValidationOptions};

/// `nhs-number`: ten digits, written either without spaces or as `ddd ddd dddd`, whose
/// tenth digit is the modulus 11 check digit of the first nine (weights 10 down to 2).
/// A check value of 10 means the number can never be issued, so it is invalid.
pub fn is_nhs_number(text: &str) -> bool {
    nhs_digits(text).is_some_and(|d| nhs_check_digit(&d[..9]) == Some(d[9]))
}

/// The ten digits of an NHS number written as `dddddddddd` or `ddd ddd dddd`.
fn nhs_digits(text: &str) -> Option<[u8; 10]> {
    let bytes = text.as_bytes();
    let spaced = match bytes.len() {
        10 => false,
        12 if bytes[3] == b' ' && bytes[7] == b' ' => true,
        _ => return None,
    };
    let mut digits = [0u8; 10];
    let mut compact = bytes.iter().enumerate().filter(|(i, _)| !spaced || (*i != 3 && *i != 7));
    for slot in &mut digits {
        let (_, b) = compact.next()?;
        if !b.is_ascii_digit() {
            return None;
        }
        *slot = b - b'0';
    }
    compact.next().is_none().then_some(digits)
}

/// The modulus 11 check digit of nine digits, or `None` when it would be 10.
fn nhs_check_digit(first_nine: &[u8]) -> Option<u8> {
    let sum: u32 =
        first_nine.iter().zip((2..=10u32).rev()).map(|(d, weight)| u32::from(*d) * weight).sum();
    match 11 - (sum % 11) {
        11 => Some(0),
        10 => None,
        check => u8::try_from(check).ok(),
    }
}

/// A UK postcode split into its outward code (`L1`, `SW1A`) and inward code (`8JQ`),
/// both upper case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Postcode {
    pub outward: String,
    pub inward: String,
}

impl Postcode {
    /// Parse the standard shapes (`A9 9AA`, `A99 9AA`, `AA9 9AA`, `AA99 9AA`, `A9A 9AA`,
    /// `AA9A 9AA`, and `GIR 0AA`), in any case, with or without one space between the
    /// outward and inward codes. Nothing else: no leading or trailing space.
    pub fn parse(text: &str) -> Option<Postcode> {
        let (outward, inward) = split(text)?;
        Some(Postcode {
            outward: outward.to_ascii_uppercase(),
            inward: inward.to_ascii_uppercase(),
        })
    }

    /// `L1 8JQ` -> `L1`.
    pub fn district(&self) -> String {
        self.outward.clone()
    }

    /// `L1 8JQ` -> `L1 8`.
    pub fn sector(&self) -> String {
        let mut s = self.outward.clone();
        s.push(' ');
        s.push_str(&self.inward[..1]);
        s
    }
}

/// A postcode's outward and inward codes, as written (any case), when it has one of the
/// shapes [`Postcode::parse`] accepts. Allocates nothing: the validator calls it for every
/// `uk-postcode` value.
fn split(text: &str) -> Option<(&str, &str)> {
    let (outward, inward) = match text.split_once(' ') {
        Some((o, i)) => (o, i),
        // Every accepted shape is ASCII, so a non-ASCII text fails below either way.
        None if text.len() >= 5 && text.is_char_boundary(text.len() - 3) => {
            text.split_at(text.len() - 3)
        }
        None => return None,
    };
    if !inward_ok(inward) {
        return None;
    }
    let gir = outward.eq_ignore_ascii_case("GIR") && inward.eq_ignore_ascii_case("0AA");
    (gir || outward_ok(outward)).then_some((outward, inward))
}

fn inward_ok(inward: &str) -> bool {
    let b = inward.as_bytes();
    b.len() == 3
        && b[0].is_ascii_digit()
        && b[1].is_ascii_alphabetic()
        && b[2].is_ascii_alphabetic()
}

/// One of the outward shapes, `A` a letter (any case) and `9` a digit.
fn outward_ok(outward: &str) -> bool {
    let mut shape = [0u8; 4];
    if outward.len() > shape.len() {
        return false;
    }
    for (slot, b) in shape.iter_mut().zip(outward.bytes()) {
        *slot = match b {
            b if b.is_ascii_alphabetic() => b'A',
            b'0'..=b'9' => b'9',
            _ => b'?',
        };
    }
    matches!(&shape[..outward.len()], b"A9" | b"A99" | b"AA9" | b"AA99" | b"A9A" | b"AA9A")
}

/// `uk-postcode`: see [`Postcode::parse`].
pub fn is_uk_postcode(text: &str) -> bool {
    split(text).is_some()
}

/// A format's check: is this text of the format?
pub type FormatCheck = fn(&str) -> bool;

/// The formats the gateway adds to JSON Schema's, with their checks (the one list: the
/// validators, the linter and `docs/agreements.md` all read it).
pub const FORMATS: &[(&str, FormatCheck)] =
    &[("nhs-number", is_nhs_number), ("uk-postcode", is_uk_postcode)];

/// The standard JSON Schema 2020-12 formats the validator checks. Any other name (and
/// none of [`FORMATS`]) is refused when a schema is loaded.
pub const STANDARD_FORMATS: &[&str] = &[
    "date",
    "date-time",
    "time",
    "duration",
    "email",
    "hostname",
    "ipv4",
    "ipv6",
    "uri",
    "uri-reference",
    "iri",
    "iri-reference",
    "uri-template",
    "uuid",
    "json-pointer",
    "relative-json-pointer",
    "regex",
];

/// Every format name a schema may use: [`FORMATS`], then [`STANDARD_FORMATS`].
pub fn names() -> impl Iterator<Item = &'static str> {
    FORMATS.iter().map(|(name, _)| *name).chain(STANDARD_FORMATS.iter().copied())
}

/// The `jsonschema` options every gateway validator is built with: draft 2020-12,
/// [`FORMATS`] registered, every format asserted (in 2020-12 `format` only annotates
/// unless told otherwise) and an unknown format name refused (a typo would otherwise
/// check nothing). No file or network retrieval is compiled in, so a remote `$ref` fails
/// at load time.
pub fn options() -> ValidationOptions<'static> {
    FORMATS.iter().fold(
        jsonschema::options()
            .with_draft(Draft::Draft202012)
            .should_validate_formats(true)
            .should_ignore_unknown_formats(false),
        |options, (name, check)| options.with_format(*name, *check),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nhs_numbers() {
        assert!(is_nhs_number("9434765919"));
        assert!(is_nhs_number("943 476 5919"));
        assert!(!is_nhs_number("9434765918"), "wrong check digit");
        assert!(!is_nhs_number("94347659190"));
        assert!(!is_nhs_number("943476591"));
        assert!(!is_nhs_number("94 34765919"));
        assert!(!is_nhs_number("943-476-5919"));
        assert!(!is_nhs_number("943476591a"));
        assert!(is_nhs_number("0000000000"), "check value 11 is digit 0");
        for tenth in 0..=9u8 {
            // 000000006x: 6 * 2 = 12 -> 12 % 11 = 1 -> 11 - 1 = 10: never valid.
            assert!(!is_nhs_number(&format!("000000006{tenth}")));
        }
    }

    #[test]
    fn postcodes() {
        for ok in [
            "L1 8JQ", "l18jq", "SW1A 1AA", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT", "W1A 0AX",
            "EC1A 1BB", "GIR 0AA", "gir0aa",
        ] {
            assert!(is_uk_postcode(ok), "{ok}");
        }
        for bad in [
            "", "L1  8JQ", " L1 8JQ", "L1 8JQ ", "L18J", "1L 8JQ", "L1 JQ8", "ABCD 1AA", "L1-8JQ",
            "GIR 1AA", "L1 8J",
        ] {
            assert!(!is_uk_postcode(bad), "{bad}");
        }
        let p = Postcode::parse("l1 8jq").unwrap();
        assert_eq!((p.district(), p.sector()), ("L1".to_owned(), "L1 8".to_owned()));
        let p = Postcode::parse("SW1A1AA").unwrap();
        assert_eq!((p.district(), p.sector()), ("SW1A".to_owned(), "SW1A 1".to_owned()));
    }

    #[test]
    fn options_assert_formats() {
        let v = options()
            .build(&serde_json::json!({"properties": {"n": {"format": "nhs-number"}, "p": {"format": "uk-postcode"}, "d": {"format": "date"}}}))
            .unwrap();
        assert!(
            v.is_valid(&serde_json::json!({"n": "9434765919", "p": "L1 8JQ", "d": "2020-02-29"}))
        );
        assert!(!v.is_valid(&serde_json::json!({"n": "9434765918"})));
        assert!(!v.is_valid(&serde_json::json!({"p": "nowhere"})));
        assert!(!v.is_valid(&serde_json::json!({"d": "2021-02-29"})));
    }

    #[test]
    fn every_listed_format_compiles_and_no_other() {
        for name in names() {
            assert!(options().build(&serde_json::json!({"format": name})).is_ok(), "{name}");
        }
        for name in ["nhs_number", "postcode", "Date", "int32"] {
            assert!(options().build(&serde_json::json!({"format": name})).is_err(), "{name}");
        }
    }
}
