//! Durations (`2ms`, `5s`, `5m`, `24h`, `7d`) and sizes (`1MiB`, `512KiB`, `16384`) as
//! `isagate.toml` writes them.
//!
//! Pure parsing: no I/O, no defaults (those live in `raw`).

use std::time::Duration;

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

/// Parse `"<integer><unit>"` with unit `ms`, `s`, `m`, `h` or `d`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (n, unit) = number_and_unit(text, "duration", "5s")?;
    let millis_per = match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        "" => {
            return Err(format!(
                "`{text}` has no unit: write `ms`, `s`, `m`, `h` or `d` after the number"
            ))
        }
        other => {
            return Err(format!("`{other}` is not a duration unit: use `ms`, `s`, `m`, `h` or `d`"))
        }
    };
    n.checked_mul(millis_per)
        .map(Duration::from_millis)
        .ok_or_else(|| format!("`{text}` is too large a duration"))
}

/// Parse a size: a whole number of bytes, or a number with `B`, `KiB`, `MiB`, `GiB`,
/// `KB`, `MB` or `GB`.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (n, unit) = number_and_unit(text, "size", "1MiB")?;
    let factor: u64 = match unit.trim() {
        "" | "B" => 1,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        "KB" | "kB" => 1_000,
        "MB" => 1_000_000,
        "GB" => 1_000_000_000,
        other => {
            return Err(format!("`{other}` is not a size unit: use `B`, `KiB`, `MiB` or `GiB`"))
        }
    };
    n.checked_mul(factor).ok_or_else(|| format!("`{text}` is too large a size"))
}

/// Split trimmed `text` into its leading whole number and the unit after it; `what`
/// (`duration`, `size`) and `example` word the errors.
fn number_and_unit<'t>(text: &'t str, what: &str, example: &str) -> Result<(u64, &'t str), String> {
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    if digits.is_empty() {
        return Err(format!(
            "`{text}` is not a {what}: write a whole number and a unit, like `{example}`"
        ));
    }
    let n = digits.parse().map_err(|_| format!("`{text}` is too large a {what}"))?;
    Ok((n, unit))
}

/// A quantity `isagate.toml` writes as text with a unit: what to call it in errors and
/// how to read it.
pub trait Unit: Sized {
    /// E.g. `a size`: words the error for a negative whole number.
    const NOUN: &'static str;
    /// What the file should hold, e.g. `a size like "1MiB" or a whole number of bytes`.
    const EXPECTING: &'static str;
    /// Read the text form.
    fn parse(text: &str) -> Result<Self, String>;
    /// How to read a bare whole number, where the quantity may be written so.
    const WHOLE: Option<fn(u64) -> Self>;
}

/// A quantity as written in the file, read through its [`Unit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written<T>(pub T);

/// A duration as written in the file (a string with a unit).
pub type DurationValue = Written<Duration>;

/// A size in bytes, written as a whole number or a string with a unit.
pub type SizeValue = Written<u64>;

impl Unit for Duration {
    const NOUN: &'static str = "a duration";
    const EXPECTING: &'static str = "a duration like \"5s\", \"2ms\", \"5m\" or \"24h\"";
    const WHOLE: Option<fn(u64) -> Self> = None;
    fn parse(text: &str) -> Result<Self, String> {
        parse_duration(text)
    }
}

impl Unit for u64 {
    const NOUN: &'static str = "a size";
    const EXPECTING: &'static str = "a size like \"1MiB\" or a whole number of bytes";
    const WHOLE: Option<fn(u64) -> Self> = Some(std::convert::identity);
    fn parse(text: &str) -> Result<Self, String> {
        parse_size(text)
    }
}

impl<'de, T: Unit> Deserialize<'de> for Written<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(UnitVisitor(std::marker::PhantomData))
    }
}

/// Reads a [`Unit`] written as text, or as a bare whole number where it may be.
struct UnitVisitor<T>(std::marker::PhantomData<T>);

impl<T: Unit> Visitor<'_> for UnitVisitor<T> {
    type Value = Written<T>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(T::EXPECTING)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        T::parse(v).map(Written).map_err(E::custom)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        match (u64::try_from(v), T::WHOLE) {
            (Ok(n), _) => self.visit_u64(n),
            (Err(_), Some(_)) => Err(E::custom(format!("{} cannot be negative", T::NOUN))),
            (Err(_), None) => Err(E::invalid_type(de::Unexpected::Signed(v), &self)),
        }
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        match T::WHOLE {
            Some(whole) => Ok(Written(whole(v))),
            None => Err(E::invalid_type(de::Unexpected::Unsigned(v), &self)),
        }
    }
}

/// Print a duration the way the file would write it (for docs and messages).
pub fn format_duration(d: Duration) -> String {
    let ms = d.as_millis();
    for (unit, per) in [("d", 86_400_000u128), ("h", 3_600_000), ("m", 60_000), ("s", 1_000)] {
        if ms >= per && ms % per == 0 {
            return format!("{}{unit}", ms / per);
        }
    }
    format!("{ms}ms")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("2ms"), Ok(Duration::from_millis(2)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("24h"), Ok(Duration::from_secs(86_400)));
        assert!(parse_duration("5").is_err());
        assert!(parse_duration("s").is_err());
        assert!(parse_duration("5 weeks").is_err());
        assert!(parse_duration("99999999999999999999s").is_err());
        assert_eq!(format_duration(Duration::from_secs(300)), "5m");
        assert_eq!(format_duration(Duration::from_millis(2)), "2ms");
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1MiB"), Ok(1 << 20));
        assert_eq!(parse_size("16384"), Ok(16384));
        assert_eq!(parse_size("2KB"), Ok(2000));
        assert!(parse_size("1XB").is_err());
        assert!(parse_size("MiB").is_err());
    }

    #[derive(Debug, serde::Deserialize)]
    struct File {
        duration: Option<DurationValue>,
        size: Option<SizeValue>,
    }

    #[test]
    fn written_values_are_read_through_their_unit() {
        // (the file, the duration in milliseconds and the size read, or the error's words)
        type Read = (Option<u64>, Option<u64>);
        let cases: &[(&str, Result<Read, &str>)] = &[
            ("duration = \"5s\"", Ok((Some(5_000), None))),
            ("size = \"1KiB\"", Ok((None, Some(1024)))),
            ("size = 16384", Ok((None, Some(16384)))),
            ("duration = 5", Err("invalid type: integer `5`, expected a duration like")),
            ("duration = -1", Err("invalid type: integer `-1`, expected a duration like")),
            ("size = -1", Err("a size cannot be negative")),
            ("size = true", Err("expected a size like \"1MiB\" or a whole number of bytes")),
            ("size = \"5s\"", Err("`s` is not a size unit")),
        ];
        for (text, expected) in cases {
            let read = toml::from_str::<File>(text)
                .map(|f| (f.duration.map(|d| d.0.as_millis() as u64), f.size.map(|s| s.0)));
            match (read, expected) {
                (Ok(got), Ok(want)) => assert_eq!(got, *want, "{text}"),
                (Err(e), Err(words)) => assert!(e.to_string().contains(words), "{text}: {e}"),
                (got, _) => panic!("{text}: {got:?}"),
            }
        }
    }
}
