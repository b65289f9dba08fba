//! Where each node of a JSON document is written: a map from JSON Pointer to line and
//! column, built by one scan of the text, so findings inside a schema can point at the
//! right place. It assumes the text already parsed as JSON; on anything odd it stops
//! early and lookups fall back to the start of the file.

use std::collections::HashMap;

use super::Pos;

/// Positions of the values (and, for object members, the keys) of one JSON text.
#[derive(Debug, Default, Clone)]
pub(crate) struct JsonPositions {
    values: HashMap<String, (usize, usize)>,
    keys: HashMap<String, (usize, usize)>,
    line_starts: Vec<usize>,
    text: String,
    dups: Vec<String>,
}

impl JsonPositions {
    pub fn build(text: &str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        let mut me = JsonPositions { line_starts, text: text.to_string(), ..Default::default() };
        let mut s = Scanner { b: text.as_bytes(), i: 0 };
        s.ws();
        let mut ptr = String::new();
        let _ = me.value(&mut s, &mut ptr, 0);
        me
    }

    /// Pointers of object members written twice (JSON readers disagree about them).
    pub fn duplicates(&self) -> &[String] {
        &self.dups
    }

    /// Where the value at `pointer` starts (the root when unknown).
    pub fn value_pos(&self, pointer: &str) -> Pos {
        self.values.get(pointer).map_or_else(|| self.pos(0, 1), |(o, l)| self.pos(*o, *l))
    }

    /// Where the key of the member at `pointer` is written, else its value.
    pub fn key_pos(&self, pointer: &str) -> Pos {
        self.keys.get(pointer).map_or_else(|| self.value_pos(pointer), |(o, l)| self.pos(*o, *l))
    }

    fn pos(&self, offset: usize, len: usize) -> Pos {
        let line = self.line_starts.partition_point(|s| *s <= offset).max(1);
        let start = self.line_starts.get(line - 1).copied().unwrap_or(0);
        let column = self.text.get(start..offset).map_or(0, |s| s.chars().count()) + 1;
        Pos {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
            offset,
            len,
        }
    }

    fn value(&mut self, s: &mut Scanner, ptr: &mut String, depth: usize) -> Option<()> {
        if depth > 256 {
            return None;
        }
        let start = s.i;
        match s.peek()? {
            b'{' => {
                self.values.insert(ptr.clone(), (start, 1));
                if s.open(b'}')? {
                    return Some(());
                }
                loop {
                    s.ws();
                    let kstart = s.i;
                    let raw = s.string()?;
                    let key = decode_key(raw);
                    let klen = s.i - kstart;
                    s.ws();
                    if s.peek()? != b':' {
                        return None;
                    }
                    s.i += 1;
                    s.ws();
                    let len = ptr.len();
                    ptr.push('/');
                    ptr.push_str(&key.replace('~', "~0").replace('/', "~1"));
                    let inside_dup = self
                        .dups
                        .iter()
                        .any(|d| ptr.starts_with(d.as_str()) && ptr[d.len()..].starts_with('/'));
                    if self.keys.insert(ptr.clone(), (kstart, klen)).is_some() && !inside_dup {
                        self.dups.push(ptr.clone());
                    }
                    self.value(s, ptr, depth + 1)?;
                    ptr.truncate(len);
                    if s.close_or_next(b'}')? {
                        return Some(());
                    }
                }
            }
            b'[' => {
                self.values.insert(ptr.clone(), (start, 1));
                if s.open(b']')? {
                    return Some(());
                }
                let mut idx = 0usize;
                loop {
                    s.ws();
                    let len = ptr.len();
                    ptr.push('/');
                    ptr.push_str(&idx.to_string());
                    self.value(s, ptr, depth + 1)?;
                    ptr.truncate(len);
                    idx += 1;
                    if s.close_or_next(b']')? {
                        return Some(());
                    }
                }
            }
            b'"' => {
                s.string()?;
                self.values.insert(ptr.clone(), (start, s.i - start));
                Some(())
            }
            _ => {
                while let Some(c) = s.peek() {
                    if matches!(c, b',' | b']' | b'}') || c.is_ascii_whitespace() {
                        break;
                    }
                    s.i += 1;
                }
                self.values.insert(ptr.clone(), (start, s.i - start));
                Some(())
            }
        }
    }
}

fn decode_key(raw: &str) -> String {
    if raw.contains('\\') {
        serde_json::from_str::<String>(&format!("\"{raw}\"")).unwrap_or_else(|_| raw.to_string())
    } else {
        raw.to_string()
    }
}

struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    /// Steps over an opening bracket; true when `close` follows at once (consumed).
    fn open(&mut self, close: u8) -> Option<bool> {
        self.i += 1;
        self.ws();
        let empty = self.peek()? == close;
        if empty {
            self.i += 1;
        }
        Some(empty)
    }

    /// After a member: `,` (false, another member follows) or `close` (true, the
    /// container ends); both consumed. Anything else is not JSON.
    fn close_or_next(&mut self, close: u8) -> Option<bool> {
        self.ws();
        let ended = match self.peek()? {
            b',' => false,
            c if c == close => true,
            _ => return None,
        };
        self.i += 1;
        Some(ended)
    }

    fn ws(&mut self) {
        while self.peek().is_some_and(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }
    /// A string token; returns its raw contents (between the quotes).
    fn string(&mut self) -> Option<&'a str> {
        if self.peek()? != b'"' {
            return None;
        }
        self.i += 1;
        let start = self.i;
        loop {
            match self.peek()? {
                b'\\' => self.i += 2,
                b'"' => {
                    let raw = std::str::from_utf8(self.b.get(start..self.i)?).ok()?;
                    self.i += 1;
                    return Some(raw);
                }
                _ => self.i += 1,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_values_and_keys_by_pointer() {
        let text = "{\n  \"type\": \"object\",\n  \"properties\": {\n    \"a/b\": {\"x-isagate-transform\": \"yeer\"},\n    \"list\": [1, {\"k\": true}]\n  }\n}\n";
        let p = JsonPositions::build(text);
        let v = p.value_pos("/properties/a~1b/x-isagate-transform");
        assert_eq!((v.line, v.column), (4, 36));
        assert_eq!(&text[v.offset..v.offset + v.len], "\"yeer\"");
        let k = p.key_pos("/properties/a~1b");
        assert_eq!((k.line, k.column), (4, 5));
        let n = p.value_pos("/properties/list/1/k");
        assert_eq!((n.line, n.column), (5, 23));
        assert_eq!(p.value_pos("/nope").line, 1);
    }

    #[test]
    fn duplicate_keys_are_noticed() {
        let p = JsonPositions::build("{\"a\": 1, \"b\": {\"c\": {\"d\": 1}, \"c\": {\"d\": 2}}}");
        assert_eq!(p.duplicates(), ["/b/c".to_string()]);
    }

    #[test]
    fn escaped_keys_are_decoded() {
        let text = "{\"\\u0061\": 1}";
        let p = JsonPositions::build(text);
        assert_eq!(p.value_pos("/a").column, 12);
    }
}
