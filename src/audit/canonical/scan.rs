//! A strict reader of canonical bytes, for `verify`'s fast path: [`object`] accepts a
//! JSON object only when it is exactly in the canonical form [`super::write_canonical`]
//! writes (no whitespace, members sorted by UTF-16 code units and each once, strings
//! escaped only as RFC 8785 escapes them, integers in plain decimal within 64 bits) and
//! returns the spans of its top-level members, so the caller reads `seq`, `prev_hash`
//! and the query columns without decoding the record. Anything else, including forms it
//! could accept but does not bother to (a member name with an escape, very deep nesting,
//! an object of more than [`MAX_MEMBERS`] members), is `None`: the caller then takes the
//! slow path, which decodes and decides. This module does no I/O and never allocates.

/// The most members [`object`] returns (a record has 34).
pub(crate) const MAX_MEMBERS: usize = 40;

/// How deep values may nest below the object [`object`] reads.
const MAX_DEPTH: usize = 32;

/// The top-level members of a canonical object, in order: name (without quotes, no
/// escapes) and the bytes of its value.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Members<'a> {
    items: [(&'a [u8], &'a [u8]); MAX_MEMBERS],
    len: usize,
}

impl<'a> Members<'a> {
    /// The value of member `name`, if present.
    pub(crate) fn get(&self, name: &str) -> Option<&'a [u8]> {
        let name = name.as_bytes();
        self.items[..self.len].iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
    }

    /// The member names, in order.
    pub(crate) fn names(&self) -> impl Iterator<Item = &'a [u8]> + '_ {
        self.items[..self.len].iter().map(|(n, _)| *n)
    }
}

/// The members of `bytes`, when it is one canonical JSON object and nothing else.
pub(crate) fn object(bytes: &[u8]) -> Option<Members<'_>> {
    let mut r = Reader { s: bytes, i: 0 };
    let mut members = Members { items: [(&[], &[]); MAX_MEMBERS], len: 0 };
    r.object(0, Some(&mut members))?;
    (r.i == bytes.len()).then_some(members)
}

/// The text of a string value without escapes.
pub(crate) fn text(v: &[u8]) -> Option<&str> {
    let inner = v.strip_prefix(b"\"")?.strip_suffix(b"\"")?;
    if inner.contains(&b'\\') {
        return None;
    }
    std::str::from_utf8(inner).ok()
}

/// `null` as `Some(None)`, a string without escapes as its text, anything else `None`.
pub(crate) fn opt_text(v: &[u8]) -> Option<Option<&str>> {
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
    Some(Some(&v[start..r.i]))
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

    fn value(&mut self, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.peek()? {
            b'{' => self.object(depth, None),
            b'[' => self.array(depth),
            b'"' => self.string().map(drop),
            b'n' => self.lit(b"null"),
            b't' => self.lit(b"true"),
            b'f' => self.lit(b"false"),
            _ => self.number(),
        }
    }

    /// `{...}` with its names strictly increasing; `into` collects the members.
    fn object(&mut self, depth: usize, mut into: Option<&mut Members<'a>>) -> Option<()> {
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
                let start = self.i;
                self.value(depth + 1)?;
                if let Some(m) = into.as_deref_mut() {
                    let slot = m.items.get_mut(m.len)?;
                    *slot = (name, &self.s[start..self.i]);
                    m.len += 1;
                }
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

    /// A string in canonical form; returns its raw inner bytes (escapes as written).
    fn string(&mut self) -> Option<&'a [u8]> {
        self.byte(b'"')?;
        let start = self.i;
        loop {
            let b = self.peek()?;
            match b {
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
                _ => self.i += 1,
            }
        }
        let inner = &self.s[start..self.i];
        self.i += 1;
        std::str::from_utf8(inner).ok()?;
        Some(inner)
    }

    /// An integer in plain decimal within `i64` or `u64`: no `-0`, no leading zero.
    fn number(&mut self) -> Option<()> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        let digits = self.i;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.i += 1;
        }
        let d = &self.s[digits..self.i];
        let text = std::str::from_utf8(&self.s[start..self.i]).ok()?;
        let plain = !d.is_empty() && (d[0] != b'0' || d.len() == 1) && text != "-0";
        (plain && (text.parse::<u64>().is_ok() || text.parse::<i64>().is_ok())).then_some(())
    }
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
mod tests {
    use super::*;
    use serde_json::json;

    fn canon(v: &serde_json::Value) -> Vec<u8> {
        let mut out = Vec::new();
        super::super::write_canonical(v, &mut out).unwrap();
        out
    }

    #[test]
    fn accepts_what_the_canonical_writer_writes() {
        let v = json!({"b": [1, -2, 0, {"x": null}], "a": "q\"\\\n\u{1}\u{7f}é\u{8}",
            "\u{e000}": true, "\u{1f600}": false, "n": 18446744073709551615u64});
        let bytes = canon(&v);
        let m = object(&bytes).unwrap();
        let names: Vec<&[u8]> = m.names().collect();
        assert_eq!(names.len(), 5);
        assert_eq!(m.get("n"), Some(&b"18446744073709551615"[..]));
        assert_eq!(first_element(m.get("b").unwrap()), Some(Some(&b"1"[..])));
        assert_eq!(text(b"\"abc\""), Some("abc"));
        assert_eq!(opt_text(b"null"), Some(None));
    }

    #[test]
    fn refuses_every_other_form() {
        for bad in [
            &br#"{"a":1 }"#[..],
            br#"{"b":1,"a":2}"#,
            br#"{"a":1,"a":2}"#,
            br#"{"a":01}"#,
            br#"{"a":-0}"#,
            br#"{"a":1.5}"#,
            br#"{"a":1e3}"#,
            br#"{"a":"\/"}"#,
            br#"{"a":"\u0041"}"#,
            br#"{"a":"\u000A"}"#,
            br#"{"a":"\u000a"}"#,
            br#"{"a":"\u001F"}"#,
            b"{\"a\":\"\x01\"}",
            br#"{"a":99999999999999999999}"#,
            br#"{"a":1}x"#,
            br#"{"a":[1,]}"#,
            br#"{"\u00e9":1}"#,
            // U+E000 sorts after U+1F600 in UTF-16.
            "{\"\u{e000}\":1,\"\u{1f600}\":2}".as_bytes(),
        ] {
            assert!(object(bad).is_none(), "{}", String::from_utf8_lossy(bad));
        }
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(40), "]".repeat(40));
        assert!(object(deep.as_bytes()).is_none());
    }
}
