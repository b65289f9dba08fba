//! The number rule (contract sections 4 and 11): which number tokens are exact.
//!
//! - An *integer token* (no `.`, no exponent) is accepted when its value lies within
//!   +/-(2^53 - 1); it becomes an integer [`Number`]. `-0` becomes the double `-0.0`, as
//!   serde_json reads it, so the sign survives.
//! - Any other token is parsed to the nearest IEEE 754 double (correctly rounded), and is
//!   accepted when that double, printed in shortest round-trip form (Rust's `{:e}`, the
//!   same digits as ryu), has exactly the same decimal value as the token. So `1.0`, `1e2`,
//!   `1E+2`, `0.1`, `-0.0` and `5e-324` are accepted; `0.1000000000000000000001`
//!   (more digits than the double keeps), `1e400` (overflow), `1e-400` (underflow) and
//!   `4e-324` (prints back as `5e-324`) are refused. It becomes a double [`Number`].
//!
//! The input is a token jiter has already checked against the JSON number grammar; this
//! module only decides exactness and never sees anything but the token.

use std::fmt::Write as _;

use serde_json::Number;

/// The largest integer magnitude a double holds exactly together with all smaller ones.
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// The most significant digits a shortest round-trip double needs.
const MAX_DIGITS: usize = 17;

/// The value of an exact number token, or `None` when the token is not exact.
pub fn exact(token: &[u8]) -> Option<Number> {
    if token.iter().any(|b| matches!(b, b'.' | b'e' | b'E')) {
        float(token)
    } else {
        integer(token)
    }
}

fn integer(token: &[u8]) -> Option<Number> {
    let (negative, digits) = match token.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, token),
    };
    // 2^53 - 1 has 16 digits, and JSON forbids leading zeros.
    if digits.is_empty() || digits.len() > 16 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let magnitude = digits.iter().fold(0u64, |acc, d| acc * 10 + u64::from(d - b'0'));
    if magnitude > MAX_SAFE_INTEGER {
        return None;
    }
    if !negative {
        return Some(Number::from(magnitude));
    }
    if magnitude == 0 {
        return Number::from_f64(-0.0);
    }
    i64::try_from(magnitude).ok().map(|m| Number::from(-m))
}

fn float(token: &[u8]) -> Option<Number> {
    let text = std::str::from_utf8(token).ok()?;
    let value: f64 = text.parse().ok()?;
    if !value.is_finite() {
        return None;
    }
    let written = Decimal::read(token)?;
    // Fast path: a decimal of at most 15 significant digits in the normal range is the
    // shortest form of its double (15 = DBL_DIG: no two such decimals share a double).
    // The slow path is the definition; a unit test checks that both agree.
    if !(written.len <= 15 && (value.is_normal() || written.len == 0)) {
        let mut printed = StackText::default();
        write!(printed, "{value:e}").ok()?;
        if Decimal::read(printed.as_bytes())? != written {
            return None;
        }
    }
    Number::from_f64(value)
}

/// A decimal in normal form: the value is `0.d1 d2 .. dn * 10^exp`, with no leading or
/// trailing zero digits; zero has no digits.
#[derive(Debug, PartialEq, Eq)]
struct Decimal {
    negative: bool,
    digits: [u8; MAX_DIGITS],
    len: usize,
    exp: i64,
}

impl Decimal {
    /// Read a JSON number token (or Rust's `{:e}` output). `None` when it has more than
    /// [`MAX_DIGITS`] significant digits (no double prints that way) or is not a number.
    fn read(token: &[u8]) -> Option<Self> {
        let (negative, rest) = match token.split_first() {
            Some((b'-', rest)) => (true, rest),
            _ => (false, token),
        };
        let split = rest.iter().position(|b| matches!(b, b'e' | b'E')).unwrap_or(rest.len());
        let (mantissa, exponent) = rest.split_at(split);
        let mut number = Self { negative, digits: [0; MAX_DIGITS], len: 0, exp: 0 };
        let mut integer_digits: i64 = 0;
        let mut leading_zeros: i64 = 0;
        let mut trailing_zeros = 0usize;
        let mut in_fraction = false;
        for &b in mantissa {
            match b {
                b'.' if !in_fraction => in_fraction = true,
                b'0'..=b'9' => {
                    if !in_fraction {
                        integer_digits = integer_digits.saturating_add(1);
                    }
                    if b == b'0' {
                        if number.len == 0 {
                            leading_zeros = leading_zeros.saturating_add(1);
                        } else {
                            trailing_zeros += 1;
                        }
                        continue;
                    }
                    let end = number.len + trailing_zeros + 1;
                    if end > MAX_DIGITS {
                        return None;
                    }
                    // Zeros between significant digits are significant after all.
                    number.digits[number.len..end - 1].fill(0);
                    number.digits[end - 1] = b - b'0';
                    number.len = end;
                    trailing_zeros = 0;
                }
                _ => return None,
            }
        }
        if number.len > 0 {
            let written_exp = read_exponent(exponent)?;
            number.exp = integer_digits.saturating_sub(leading_zeros).saturating_add(written_exp);
        }
        Some(number)
    }
}

/// The exponent part of a token (`e+12`, `E-3`, or empty), saturating far beyond any
/// double's range so that a huge written exponent still compares as unequal.
fn read_exponent(part: &[u8]) -> Option<i64> {
    const CAP: i64 = 1 << 40;
    let Some((_, rest)) = part.split_first() else {
        return Some(0);
    };
    let (negative, digits) = match rest.split_first() {
        Some((b'-', d)) => (true, d),
        Some((b'+', d)) => (false, d),
        _ => (false, rest),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let magnitude = digits.iter().fold(0i64, |acc, d| (acc * 10 + i64::from(d - b'0')).min(CAP));
    Some(if negative { -magnitude } else { magnitude })
}

/// A small fixed buffer for printing one double without allocating.
struct StackText {
    bytes: [u8; 40],
    len: usize,
}

impl Default for StackText {
    fn default() -> Self {
        Self { bytes: [0; 40], len: 0 }
    }
}

impl StackText {
    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

impl std::fmt::Write for StackText {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        let slot = self.bytes.get_mut(self.len..end).ok_or(std::fmt::Error)?;
        slot.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ok(token: &str) -> bool {
        exact(token.as_bytes()).is_some()
    }

    /// The definition without the fast path.
    fn slow(token: &str) -> bool {
        let Ok(value) = token.parse::<f64>() else { return false };
        if !value.is_finite() {
            return false;
        }
        let printed = format!("{value:e}");
        match (Decimal::read(token.as_bytes()), Decimal::read(printed.as_bytes())) {
            (Some(a), Some(b)) => a == b,
            _ => false,
        }
    }

    #[test]
    fn the_documented_examples() {
        for good in
            ["1.0", "1e2", "1E+2", "-0", "-0.0", "0.1", "5e-324", "1e23", "0e999999999999999999"]
        {
            assert!(ok(good), "{good}");
        }
        for bad in ["0.1000000000000000000001", "1e400", "1e-400", "4e-324", "9007199254740993.0"] {
            assert!(!ok(bad), "{bad}");
        }
        assert!(ok("9007199254740991") && ok("-9007199254740991"));
        assert!(!ok("9007199254740992") && !ok("-9007199254740992"));
        assert!(!ok("18446744073709551616"));
        assert_eq!(exact(b"-0"), Number::from_f64(-0.0));
        assert_eq!(exact(b"-3"), Some(Number::from(-3)));
        assert_eq!(exact(b"1e2"), Number::from_f64(100.0));
    }

    #[test]
    fn decimal_normal_form() {
        let a = Decimal::read(b"0.00120e3").unwrap();
        let b = Decimal::read(b"1.2").unwrap();
        assert_eq!(a, b);
        assert_eq!(Decimal::read(b"100").unwrap(), Decimal::read(b"1e2").unwrap());
        assert_eq!(Decimal::read(b"1.02").unwrap().len, 3);
        assert!(Decimal::read(b"1.000000000000000001").is_none());
        assert_eq!(Decimal::read(b"0.0000").unwrap().len, 0);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        /// The fast path agrees with the definition on short decimals across the range.
        #[test]
        fn fast_path_agrees(
            int in "[1-9][0-9]{0,8}",
            frac in "[0-9]{0,9}",
            exp in -330i32..330,
            neg in any::<bool>(),
        ) {
            let token = format!("{}{}.{}e{}", if neg { "-" } else { "" }, int, if frac.is_empty() { "0".into() } else { frac }, exp);
            prop_assert_eq!(ok(&token), slow(&token), "{}", token);
        }

        /// Every finite double's shortest form (as serde_json writes it) is accepted as itself.
        #[test]
        fn shortest_forms_are_exact(bits in any::<u64>()) {
            let value = f64::from_bits(bits);
            prop_assume!(value.is_finite());
            let text = serde_json::to_string(&value).unwrap();
            let parsed = exact(text.as_bytes());
            prop_assert!(parsed.is_some(), "{}", text);
            prop_assert_eq!(parsed.unwrap().as_f64().unwrap().to_bits(), value.to_bits());
        }
    }
}
