//! Finding the exact byte offset of a problem inside a string, after jiter has refused it
//! or after the parser has found a duplicate key. Runs on the error path only.
//!
//! Never returns content, only offsets.

/// The offset of the first `"` at or after `from` (the opening quote of the string that
/// starts there after any whitespace and comma), or `from` itself if there is none.
pub(super) fn string_start(data: &[u8], from: usize) -> usize {
    data.get(from..)
        .and_then(|rest| rest.iter().position(|&b| b == b'"'))
        .map_or(from, |i| from + i)
}

/// The offset of the backslash of the first `\uXXXX` escape that is a lone surrogate in
/// the string starting at or after `from`: a low surrogate on its own, or a high surrogate
/// not directly followed by a low surrogate escape.
pub(super) fn lone_surrogate(data: &[u8], from: usize) -> Option<usize> {
    let mut i = string_start(data, from) + 1;
    while let Some(&b) = data.get(i) {
        match b {
            b'"' => return None,
            b'\\' if data.get(i + 1) == Some(&b'u') => {
                let unit = hex4(data, i + 2)?;
                match unit {
                    0xD800..=0xDBFF => {
                        let paired = data.get(i + 6..i + 8) == Some(b"\\u".as_slice())
                            && matches!(hex4(data, i + 8), Some(0xDC00..=0xDFFF));
                        if !paired {
                            return Some(i);
                        }
                        i += 12;
                    }
                    0xDC00..=0xDFFF => return Some(i),
                    _ => i += 6,
                }
            }
            b'\\' => i += 2,
            _ => i += 1,
        }
    }
    None
}

/// Four hex digits at `at` as a UTF-16 code unit.
fn hex4(data: &[u8], at: usize) -> Option<u16> {
    let digits = data.get(at..at + 4)?;
    if !digits.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    let text = std::str::from_utf8(digits).ok()?;
    u16::from_str_radix(text, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_lone_one() {
        assert_eq!(lone_surrogate(br#"  "ab\ud83d\ude00\ud800""#, 0), Some(17));
        assert_eq!(lone_surrogate(br#""\\ud800\udc00x""#, 0), Some(8));
        assert_eq!(lone_surrogate(br#""\ud800\ud800""#, 0), Some(1));
        assert_eq!(lone_surrogate(br#""\ud83d\ude00""#, 0), None);
        assert_eq!(string_start(b", \"k\"", 0), 2);
    }
}
