//! A strict reader of canonical bytes, for `verify`'s fast path: [`members`] accepts a
//! JSON object only when it is exactly in the canonical form [`super::write_canonical`]
//! writes (no whitespace, members sorted by UTF-16 code units and each once, strings
//! escaped only as RFC 8785 escapes them and valid UTF-8, integers in plain decimal
//! within 64 bits) and holds exactly the members it is told, in one walk that returns
//! where each member's value lies, so the caller reads `seq`, `prev_hash` and the query
//! columns by position without decoding the record. Anything else, including forms it
//! could accept but does not bother to (a member name with an escape, very deep nesting,
//! a number with a fraction), is `None`: the caller then takes the slow path, which
//! decodes and decides. This module does no I/O and never allocates.

/// How deep values may nest below the object [`members`] reads.
const MAX_DEPTH: usize = 32;

/// Where each expected member's value lies in the object [`members`] read (absent
/// optional members have none).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Values<'a, const N: usize> {
    bytes: &'a [u8],
    /// `start..end` of each value; `0..0` for an absent member (a value is never empty).
    spans: [(usize, usize); N],
}

impl<'a, const N: usize> Values<'a, N> {
    /// The value of the `i`-th expected member, when present.
    pub(crate) fn get(&self, i: usize) -> Option<&'a [u8]> {
        let &(start, end) = self.spans.get(i)?;
        self.bytes.get(start..end).filter(|v| !v.is_empty())
    }
}

/// The members of `bytes`, when it is one canonical JSON object and nothing else whose
/// member names are exactly `names` (sorted by UTF-16 code units, as the canonical form
/// orders them; each written as it is in JSON, without escapes) in that order, leaving
/// out only those marked `optional`.
pub(crate) fn members<'a, const N: usize>(
    bytes: &'a [u8],
    names: &[&str; N],
    optional: &[bool; N],
) -> Option<Values<'a, N>> {
    let mut r = Reader { s: bytes, i: 0 };
    let mut spans = [(0, 0); N];
    let mut next = 0;
    r.byte(b'{')?;
    if r.peek()? != b'}' {
        loop {
            // The next expected name, past absent optional ones, matched in place: names
            // are sorted, so a name out of order, twice or unknown is never matched.
            while !r.name(names.get(next)?) {
                if !*optional.get(next)? {
                    return None;
                }
                next += 1;
            }
            let start = r.i;
            r.value(1)?;
            *spans.get_mut(next)? = (start, r.i);
            next += 1;
            if r.peek()? != b',' {
                break;
            }
            r.i += 1;
        }
    }
    r.byte(b'}')?;
    let rest_optional = optional.get(next..)?.iter().all(|o| *o);
    (rest_optional && r.i == bytes.len()).then_some(Values { bytes, spans })
}

/// Whether `bytes` is one canonical JSON value and nothing else.
#[cfg(test)]
pub(crate) fn is_canonical(bytes: &[u8]) -> bool {
    let mut r = Reader { s: bytes, i: 0 };
    r.value(0).is_some() && r.i == bytes.len()
}

/// The value of member `name` of a canonical object value (as [`members`] returns them).
pub(crate) fn member<'a>(object: &'a [u8], name: &str) -> Option<&'a [u8]> {
    let mut r = Reader { s: object, i: 0 };
    r.byte(b'{')?;
    if r.peek()? == b'}' {
        return None;
    }
    loop {
        let found = r.string()? == name.as_bytes();
        r.byte(b':')?;
        let start = r.i;
        r.value(1)?;
        if found {
            return object.get(start..r.i);
        }
        r.byte(b',')?;
    }
}

/// The text of a string value without escapes.
pub(crate) fn text(v: &[u8]) -> Option<&[u8]> {
    let inner = v.strip_prefix(b"\"")?.strip_suffix(b"\"")?;
    (!inner.contains(&b'\\')).then_some(inner)
}

/// `null` as `Some(None)`, a string without escapes as its text, anything else `None`.
pub(crate) fn opt_text(v: &[u8]) -> Option<Option<&[u8]>> {
    if v == b"null" {
        Some(None)
    } else {
        text(v).map(Some)
    }
}

/// An integer value within `i64`.
pub(crate) fn integer(v: &[u8]) -> Option<i64> {
    std::str::from_utf8(v).ok()?.parse().ok()
}

/// The first element of an array value: `Some(None)` for `[]`.
pub(crate) fn first_element(v: &[u8]) -> Option<Option<&[u8]>> {
    let mut r = Reader { s: v, i: 0 };
    r.byte(b'[')?;
    if r.peek() == Some(b']') {
        return Some(None);
    }
    let start = r.i;
    r.value(1)?;
    Some(v.get(start..r.i))
}

struct Reader<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Reader<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn byte(&mut self, b: u8) -> Option<()> {
        (self.peek()? == b).then(|| self.i += 1)
    }

    fn lit(&mut self, l: &[u8]) -> Option<()> {
        (self.s.get(self.i..self.i + l.len())? == l).then(|| self.i += l.len())
    }

    /// `"name":` here (`name` needs no escape), consumed when it is.
    fn name(&mut self, name: &str) -> bool {
        let n = name.len();
        let found = match self.s.get(self.i..self.i + n + 3) {
            Some([b'"', inner @ .., b'"', b':']) => inner == name.as_bytes(),
            _ => false,
        };
        if found {
            self.i += n + 3;
        }
        found
    }

    fn value(&mut self, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.peek()? {
            b'{' => self.object(depth),
            b'[' => self.array(depth),
            b'"' => self.string().map(drop),
            b'n' => self.lit(b"null"),
            b't' => self.lit(b"true"),
            b'f' => self.lit(b"false"),
            _ => self.number(),
        }
    }

    /// `{...}` with its names strictly increasing.
    fn object(&mut self, depth: usize) -> Option<()> {
        self.byte(b'{')?;
        let mut prev: Option<&[u8]> = None;
        if self.peek()? != b'}' {
            loop {
                let name = self.string()?;
                if name.contains(&b'\\') || prev.is_some_and(|p| !utf16_less(p, name)) {
                    return None;
                }
                prev = Some(name);
                self.byte(b':')?;
                self.value(depth + 1)?;
                if self.peek()? != b',' {
                    break;
                }
                self.i += 1;
            }
        }
        self.byte(b'}')
    }

    fn array(&mut self, depth: usize) -> Option<()> {
        self.byte(b'[')?;
        if self.peek()? != b']' {
            loop {
                self.value(depth + 1)?;
                if self.peek()? != b',' {
                    break;
                }
                self.i += 1;
            }
        }
        self.byte(b']')
    }

    /// A string in canonical form, valid UTF-8; returns its raw inner bytes (escapes as
    /// written). Runs of plain bytes are skipped eight at a time.
    fn string(&mut self) -> Option<&'a [u8]> {
        self.byte(b'"')?;
        let start = self.i;
        let mut ascii = true;
        loop {
            let (plain, high) = plain_run(self.s.get(self.i..)?);
            self.i += plain;
            ascii &= !high;
            match self.peek()? {
                b'"' => break,
                b'\\' => {
                    self.i += 1;
                    match self.peek()? {
                        b'"' | b'\\' | b'b' | b'f' | b'n' | b'r' | b't' => self.i += 1,
                        b'u' => {
                            // Only a control character without a short escape, lower-case hex.
                            let hex = self.s.get(self.i + 1..self.i + 5)?;
                            let ok = hex.starts_with(b"00")
                                && matches!(hex[2], b'0' | b'1')
                                && matches!(hex[3], b'0'..=b'9' | b'a'..=b'f')
                                && !matches!(&hex[2..], b"08" | b"09" | b"0a" | b"0c" | b"0d");
                            if !ok {
                                return None;
                            }
                            self.i += 5;
                        }
                        _ => return None,
                    }
                }
                0..=0x1f => return None,
                b => {
                    ascii &= b.is_ascii();
                    self.i += 1;
                }
            }
        }
        let inner = self.s.get(start..self.i)?;
        self.i += 1;
        if !ascii {
            std::str::from_utf8(inner).ok()?;
        }
        Some(inner)
    }

    /// An integer in plain decimal within `i64` or `u64`: no `-0`, no leading zero.
    fn number(&mut self) -> Option<()> {
        let start = self.i;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.i += 1;
        }
        let digits = self.i;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.i += 1;
        }
        let d = self.s.get(digits..self.i)?;
        let plain = match d {
            [] => false,
            [b'0'] => !negative,
            [b'0', ..] => false,
            _ if d.len() <= 18 => true,
            _ => {
                let text = std::str::from_utf8(self.s.get(start..self.i)?).ok()?;
                text.parse::<u64>().is_ok() || text.parse::<i64>().is_ok()
            }
        };
        plain.then_some(())
    }
}

/// How many bytes at the start of `s` a string holds as they are (not `"`, `\` or a
/// control character), counted eight at a time, and whether any of them is not ASCII.
/// Stops at the last whole eight; the caller reads the rest byte by byte.
fn plain_run(s: &[u8]) -> (usize, bool) {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut n = 0;
    let mut high = 0;
    for chunk in s.chunks_exact(8) {
        let Ok(eight) = <[u8; 8]>::try_from(chunk) else { break };
        let w = u64::from_le_bytes(eight);
        let quote = w ^ (ONES * u64::from(b'"'));
        let backslash = w ^ (ONES * u64::from(b'\\'));
        // A zero byte in `quote` or `backslash`, or a byte below 0x20 in `w`: the lowest
        // flagged byte is always a true one (a borrow only runs up from a true one).
        let special = ((quote.wrapping_sub(ONES) & !quote)
            | (backslash.wrapping_sub(ONES) & !backslash)
            | (w.wrapping_sub(ONES * 0x20) & !w))
            & HIGH;
        if special != 0 {
            let plain = (special.trailing_zeros() / 8) as usize;
            let before = if plain == 0 { 0 } else { w & (u64::MAX >> (64 - 8 * plain)) };
            return (n + plain, high != 0 || before & HIGH != 0);
        }
        high |= w & HIGH;
        n += 8;
    }
    (n, high != 0)
}

/// Whether name `a` sorts strictly before `b` by UTF-16 code units (both raw, no escapes).
fn utf16_less(a: &[u8], b: &[u8]) -> bool {
    if a.is_ascii() && b.is_ascii() {
        return a < b;
    }
    match (std::str::from_utf8(a), std::str::from_utf8(b)) {
        (Ok(a), Ok(b)) => a.encode_utf16().lt(b.encode_utf16()),
        _ => false,
    }
}

#[cfg(test)]
mod tests;
