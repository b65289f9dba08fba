//! The one strict JSON parser (contract sections 4 and 11): every body the gateway reads,
//! and every payload `agreements explain` reads, goes through [`parse`].
//!
//! It refuses what a second parser could read differently: duplicate object keys (compared
//! after decoding, so `"a"` and `"\u0061"` collide), invalid UTF-8, lone surrogate escapes,
//! a byte order mark, nesting deeper than [`Limits::max_depth`] (every object and array
//! counts, `[]` is depth 1), numbers that do not survive a trip through an IEEE 754 double
//! (see [`number`]), and bodies over [`Limits::max_bytes`]. `docs/strict-json.md` states
//! every rule and every implementation-defined decision.
//!
//! Built on jiter's pull API (`peek`, `known_*`, `known_object`/`next_key`, `array_step`,
//! raw number text) with an explicit stack, so nesting never recurses and a 10,000-deep
//! body is refused without touching the call stack. jiter's own recursion limit (200)
//! belongs to its `JsonValue`/skip functions, which are not used here: our limit is the
//! only one that applies.
//!
//! This module must never put body content into an error: errors carry a rule, a byte
//! offset and configured limits only.

mod locate;
pub mod number;

use jiter::{Jiter, JiterError, JiterErrorType, JsonErrorType, Peek};
use serde_json::{Map, Value};

use crate::codes::RefusalCode;

/// How much a body may hold. Configured in `isagate.toml`; the defaults are the contract's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest body in bytes, checked before parsing starts.
    pub max_bytes: usize,
    /// Deepest nesting of objects and arrays; `[]` is depth 1.
    pub max_depth: usize,
}

impl Limits {
    /// The contract's default body limit: 1 MiB.
    pub const DEFAULT_MAX_BYTES: usize = 1_048_576;
    /// The contract's default depth limit: 64 nested containers.
    pub const DEFAULT_MAX_DEPTH: usize = 64;
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_bytes: Self::DEFAULT_MAX_BYTES, max_depth: Self::DEFAULT_MAX_DEPTH }
    }
}

/// Why a body was refused. Offsets are zero-based byte offsets into the body.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum StrictError {
    #[error("body is larger than the limit of `{limit}` bytes")]
    TooLarge { limit: usize },
    #[error("body starts with a byte order mark: send UTF-8 without one")]
    ByteOrderMark,
    #[error("body is not valid UTF-8 at byte {offset}")]
    InvalidUtf8 { offset: usize },
    #[error("body is not valid JSON at byte {offset}: {what}")]
    Syntax { offset: usize, what: &'static str },
    #[error("object key at byte {offset} repeats an earlier key of the same object")]
    DuplicateKey { offset: usize },
    #[error("body nests objects and arrays deeper than the limit of `{limit}`")]
    TooDeep { limit: usize },
    #[error("number at byte {offset} does not round-trip through a double: send large identifiers as strings")]
    NumberNotExact { offset: usize },
    #[error("string escape at byte {offset} is a lone surrogate")]
    LoneSurrogate { offset: usize },
}

impl StrictError {
    /// The refusal code this error is reported under.
    pub fn code(&self) -> RefusalCode {
        match self {
            Self::TooLarge { .. } => RefusalCode::BodyTooLarge,
            Self::ByteOrderMark
            | Self::InvalidUtf8 { .. }
            | Self::Syntax { .. }
            | Self::LoneSurrogate { .. } => RefusalCode::MalformedJson,
            Self::DuplicateKey { .. } => RefusalCode::DuplicateKey,
            Self::TooDeep { .. } => RefusalCode::TooDeep,
            Self::NumberNotExact { .. } => RefusalCode::NumberNotExact,
        }
    }

    /// The byte offset the error points at, when it points at one place.
    pub fn offset(&self) -> Option<usize> {
        match self {
            Self::TooLarge { .. } | Self::TooDeep { .. } => None,
            Self::ByteOrderMark => Some(0),
            Self::InvalidUtf8 { offset }
            | Self::Syntax { offset, .. }
            | Self::DuplicateKey { offset }
            | Self::NumberNotExact { offset }
            | Self::LoneSurrogate { offset } => Some(*offset),
        }
    }
}

/// Parse one JSON body under the strict rules. Any JSON value may be the top level;
/// only JSON whitespace may follow it. Object key order is kept.
pub fn parse(bytes: &[u8], limits: &Limits) -> Result<Value, StrictError> {
    if bytes.len() > limits.max_bytes {
        return Err(StrictError::TooLarge { limit: limits.max_bytes });
    }
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        return Err(StrictError::ByteOrderMark);
    }
    Parser { data: bytes, jiter: Jiter::new(bytes), max_depth: limits.max_depth }.run()
}

/// An open container whose members are still being read.
enum Frame {
    Array(Vec<Value>),
    /// The members so far and the key whose value is being read.
    Object(Map<String, Value>, String),
}

struct Parser<'j> {
    data: &'j [u8],
    jiter: Jiter<'j>,
    max_depth: usize,
}

impl Parser<'_> {
    fn run(mut self) -> Result<Value, StrictError> {
        let mut stack: Vec<Frame> = Vec::new();
        let mut peek = self.peek()?;
        'values: loop {
            // Read one value; a non-empty container is opened and its first member read next.
            let mut value = match peek {
                Peek::Array => {
                    self.enter(stack.len())?;
                    match self.jiter.known_array() {
                        Ok(None) => Value::Array(Vec::new()),
                        Ok(Some(first)) => {
                            stack.push(Frame::Array(Vec::new()));
                            peek = first;
                            continue 'values;
                        }
                        Err(e) => return Err(from_jiter(self.data, e, None)),
                    }
                }
                Peek::Object => {
                    self.enter(stack.len())?;
                    let at = self.jiter.current_index();
                    match self.jiter.known_object() {
                        Ok(None) => Value::Object(Map::new()),
                        Ok(Some(key)) => {
                            stack.push(Frame::Object(Map::new(), key.to_owned()));
                            peek = self.peek()?;
                            continue 'values;
                        }
                        Err(e) => return Err(from_jiter(self.data, e, Some(at))),
                    }
                }
                scalar => self.scalar(scalar)?,
            };
            // Hand the value to its container; close every container that ends here.
            loop {
                match stack.last_mut() {
                    None => {
                        self.jiter.finish().map_err(|e| from_jiter(self.data, e, None))?;
                        return Ok(value);
                    }
                    Some(Frame::Array(items)) => {
                        items.push(value);
                        match self.jiter.array_step() {
                            Ok(Some(next)) => {
                                peek = next;
                                continue 'values;
                            }
                            Ok(None) => {
                                value = Value::Array(std::mem::take(items));
                                stack.pop();
                            }
                            Err(e) => return Err(from_jiter(self.data, e, None)),
                        }
                    }
                    Some(Frame::Object(members, key)) => {
                        members.insert(std::mem::take(key), value);
                        let at = self.jiter.current_index();
                        match self.jiter.next_key() {
                            Ok(Some(next)) => {
                                if members.contains_key(next) {
                                    let offset = locate::string_start(self.data, at);
                                    return Err(StrictError::DuplicateKey { offset });
                                }
                                *key = next.to_owned();
                                peek = self.peek()?;
                                continue 'values;
                            }
                            Ok(None) => {
                                value = Value::Object(std::mem::take(members));
                                stack.pop();
                            }
                            Err(e) => return Err(from_jiter(self.data, e, Some(at))),
                        }
                    }
                }
            }
        }
    }

    /// Open one more container below `open` already open ones, if the limit allows.
    fn enter(&self, open: usize) -> Result<(), StrictError> {
        if open >= self.max_depth {
            return Err(StrictError::TooDeep { limit: self.max_depth });
        }
        Ok(())
    }

    fn peek(&mut self) -> Result<Peek, StrictError> {
        self.jiter.peek().map_err(|e| from_jiter(self.data, e, None))
    }

    fn scalar(&mut self, peek: Peek) -> Result<Value, StrictError> {
        let at = self.jiter.current_index();
        let read = match peek {
            Peek::Null => self.jiter.known_null().map(|()| Value::Null),
            Peek::True | Peek::False => self.jiter.known_bool(peek).map(Value::Bool),
            Peek::String => self.jiter.known_str().map(|s| Value::String(s.to_owned())),
            number if number.is_num() => match self.jiter.known_number_bytes(number) {
                Ok(text) => {
                    return number::exact(text)
                        .map(Value::Number)
                        .ok_or(StrictError::NumberNotExact { offset: at });
                }
                Err(e) if is_out_of_range(&e) => {
                    return Err(StrictError::NumberNotExact { offset: at });
                }
                Err(e) => Err(e),
            },
            _ => {
                return Err(invalid_utf8_up_to(self.data, at)
                    .unwrap_or(StrictError::Syntax { offset: at, what: "expected a value" }));
            }
        };
        read.map_err(|e| from_jiter(self.data, e, Some(at)))
    }
}

/// A syntax error at or after the first invalid UTF-8 byte is that byte's fault.
fn invalid_utf8_up_to(data: &[u8], offset: usize) -> Option<StrictError> {
    match std::str::from_utf8(data) {
        Err(bad) if bad.valid_up_to() <= offset => {
            Some(StrictError::InvalidUtf8 { offset: bad.valid_up_to() })
        }
        _ => None,
    }
}

fn is_out_of_range(e: &JiterError) -> bool {
    matches!(e.error_type, JiterErrorType::JsonError(JsonErrorType::NumberOutOfRange))
}

/// Turn a jiter error into ours. `string_at` is where the search for the string being read
/// starts (its opening quote or whitespace and a comma before it), so a lone surrogate can
/// be pointed at exactly. Never copies body content: jiter's duplicate-key and internal
/// messages may hold some, and are dropped.
fn from_jiter(data: &[u8], e: JiterError, string_at: Option<usize>) -> StrictError {
    let offset = e.index.min(data.len());
    let kind = match e.error_type {
        JiterErrorType::JsonError(kind) => kind,
        JiterErrorType::WrongType { .. } => {
            return StrictError::Syntax { offset, what: "unexpected value" };
        }
    };
    if kind == JsonErrorType::InvalidUnicodeCodePoint {
        // jiter may count this offset in decoded bytes: find the real one.
        if let Some(invalid) = invalid_utf8_up_to(data, data.len()) {
            return invalid;
        }
    } else if let Some(invalid) = invalid_utf8_up_to(data, offset) {
        return invalid;
    }
    let what = match kind {
        JsonErrorType::LoneLeadingSurrogateInHexEscape
        | JsonErrorType::UnexpectedEndOfHexEscape => {
            let found = string_at.and_then(|at| locate::lone_surrogate(data, at));
            return StrictError::LoneSurrogate { offset: found.unwrap_or(offset) };
        }
        JsonErrorType::NumberOutOfRange => return StrictError::NumberNotExact { offset },
        JsonErrorType::RecursionLimitExceeded => "nesting too deep",
        JsonErrorType::EofWhileParsingList
        | JsonErrorType::EofWhileParsingObject
        | JsonErrorType::EofWhileParsingString
        | JsonErrorType::EofWhileParsingValue => "unexpected end of input",
        JsonErrorType::ExpectedColon => "expected `:`",
        JsonErrorType::ExpectedListCommaOrEnd => "expected `,` or `]`",
        JsonErrorType::ExpectedObjectCommaOrEnd => "expected `,` or `}`",
        JsonErrorType::ExpectedSomeIdent => "invalid literal",
        JsonErrorType::ExpectedSomeValue => "expected a value",
        JsonErrorType::InvalidEscape => "invalid escape",
        JsonErrorType::InvalidNumber => "invalid number",
        JsonErrorType::InvalidUnicodeCodePoint => "invalid unicode",
        JsonErrorType::ControlCharacterWhileParsingString => {
            "unescaped control character in a string"
        }
        JsonErrorType::KeyMustBeAString => "object key must be a string",
        JsonErrorType::TrailingComma => "trailing comma",
        JsonErrorType::TrailingCharacters => "content after the value",
        JsonErrorType::FloatExpectingInt
        | JsonErrorType::DuplicateKey(_)
        | JsonErrorType::InternalError(_) => "unexpected input",
    };
    StrictError::Syntax { offset, what }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn p(text: &str) -> Result<Value, StrictError> {
        parse(text.as_bytes(), &Limits::default())
    }

    #[test]
    fn keeps_key_order_and_types() {
        let v = p(r#"{"z":1,"a":[true,null,"x",-2,0.5],"m":{}}"#).unwrap();
        assert_eq!(v, json!({"z":1,"a":[true,null,"x",-2,0.5],"m":{}}));
        let keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["z", "a", "m"]);
    }

    #[test]
    fn offsets_point_at_the_problem() {
        assert_eq!(p(r#"{"a":1, "\u0061":2}"#), Err(StrictError::DuplicateKey { offset: 8 }));
        assert_eq!(p(r#"["ok","x\ud800y"]"#), Err(StrictError::LoneSurrogate { offset: 8 }));
        assert_eq!(p(r#"["\ud800\u0041"]"#), Err(StrictError::LoneSurrogate { offset: 2 }));
        assert_eq!(p(r#"["\udc00"]"#), Err(StrictError::LoneSurrogate { offset: 2 }));
        assert_eq!(p("[1, 9007199254740992]"), Err(StrictError::NumberNotExact { offset: 4 }));
        assert_eq!(p("[1,]"), Err(StrictError::Syntax { offset: 3, what: "trailing comma" }));
        assert_eq!(
            parse(b"[\"a\xffb\"]", &Limits::default()),
            Err(StrictError::InvalidUtf8 { offset: 3 })
        );
        assert_eq!(
            parse(b"[1, \xff]", &Limits::default()),
            Err(StrictError::InvalidUtf8 { offset: 4 })
        );
    }

    #[test]
    fn depth_counts_every_container() {
        let limits = Limits { max_bytes: 1000, max_depth: 2 };
        assert!(parse(b"[[]]", &limits).is_ok());
        assert!(parse(br#"{"a":[1]}"#, &limits).is_ok());
        assert_eq!(parse(b"[[[]]]", &limits), Err(StrictError::TooDeep { limit: 2 }));
        assert_eq!(parse(br#"[{"a":{}}]"#, &limits), Err(StrictError::TooDeep { limit: 2 }));
        let none = Limits { max_bytes: 1000, max_depth: 0 };
        assert!(parse(b"1", &none).is_ok());
        assert!(parse(b"[]", &none).is_err());
    }
}
