//! Fuzz target for stage 2, path normalisation (`gateway::path::normalise`): it never
//! panics, and what it accepts stays inside `/<recipient>/`: no empty or dot segment, no
//! separator, backslash, `%` or control character in a decoded segment, and the
//! re-encoded path normalises again to the same recipient and upstream path.
#![no_main]

use isagate::gateway::path::normalise;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else { return };
    let Ok(path) = normalise(raw) else { return };
    assert!(!path.recipient.is_empty(), "accepted a path with no recipient");
    assert!(
        path.recipient.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
        "recipient is not an agency id"
    );
    assert!(path.upstream_path.starts_with('/'), "upstream path does not start with `/`");
    for segment in path.upstream_path[1..].split('/') {
        assert!(!segment.is_empty(), "empty segment accepted");
        assert!(segment != "." && segment != "..", "dot segment accepted");
        assert!(!segment.contains(['\\', '%']), "backslash or `%` accepted");
        assert!(!segment.chars().any(char::is_control), "control character accepted");
    }
    // What goes upstream is plain ASCII, and reads back as the same path.
    assert!(path.encoded.is_ascii(), "encoded path is not ASCII");
    let again = match normalise(&format!("/{}{}", path.recipient, path.encoded)) {
        Ok(p) => p,
        Err(e) => panic!("the re-encoded path is refused: {e:?}"),
    };
    assert_eq!(again, path, "the re-encoded path normalises differently");
});
