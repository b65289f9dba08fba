//! Keys (contract section 11): key files on disk, subject hashes and their normalisation,
//! per-recipient pseudonym keys. The formulas are checked against an independent
//! implementation (Python's `hmac`/`hashlib`, run as a child process).

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::process::Command;

use base64::Engine as _;
use isagate::keys::{
    normalise_subject_id, write_private, KeyError, PseudonymisationKey, SecretKey, SubjectKey,
    MIN_KEY_BYTES,
};
use serde_json::json;

use crate::support::scratch;

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A fixed, non-trivial 32-byte key for reproducible hashes.
fn fixed_bytes() -> Vec<u8> {
    (0u8..32).map(|i| i.wrapping_mul(37).wrapping_add(11)).collect()
}

fn fixed_secret() -> SecretKey {
    SecretKey::from_base64(&b64(&fixed_bytes())).unwrap()
}

/// Run a Python snippet with arguments and return its trimmed standard output.
fn python(code: &str, args: &[&str]) -> String {
    let out =
        Command::new("python3").arg("-c").arg(code).args(args).output().expect(
            "python3 is needed for the independent key computations (apt-get install python3)",
        );
    assert!(out.status.success(), "python failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

#[test]
fn a_good_key_file_is_read_with_whitespace_around_it() {
    let dir = scratch();
    let path = dir.path().join("subject.key");
    std::fs::write(&path, format!("  {}\n\n", b64(&fixed_bytes()))).unwrap();
    let key = SecretKey::read(&path).unwrap();
    assert_eq!(key.as_bytes(), fixed_bytes().as_slice());
}

#[test]
fn a_short_key_file_is_refused_with_its_length() {
    let dir = scratch();
    let path = dir.path().join("short.key");
    std::fs::write(&path, b64(&[7u8; MIN_KEY_BYTES - 1])).unwrap();
    match SecretKey::read(&path) {
        Err(KeyError::TooShort { path: p, len }) => {
            assert_eq!(len, 31);
            assert_eq!(p, path);
        }
        other => panic!("expected TooShort, got {other:?}"),
    }
    // Exactly 32 bytes is enough.
    std::fs::write(&path, b64(&[7u8; MIN_KEY_BYTES])).unwrap();
    assert!(SecretKey::read(&path).is_ok());
}

#[test]
fn a_key_file_that_is_not_base64_is_refused_without_echoing_it() {
    let dir = scratch();
    let path = dir.path().join("bad.key");
    std::fs::write(&path, "this-is-not*base64-SECRETVALUE!!").unwrap();
    let err = SecretKey::read(&path).unwrap_err();
    assert!(matches!(err, KeyError::NotBase64 { .. }), "{err:?}");
    let shown = err.to_string();
    assert!(shown.contains("bad.key") && !shown.contains("SECRETVALUE"), "{shown}");
}

#[test]
fn a_missing_key_file_is_unreadable() {
    let dir = scratch();
    let err = SecretKey::read(&dir.path().join("absent.key")).unwrap_err();
    match err {
        KeyError::Unreadable { path, source } => {
            assert!(path.ends_with("absent.key"));
            assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
        }
        other => panic!("expected Unreadable, got {other:?}"),
    }
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn written_keys_are_mode_0600_and_read_back() {
    let dir = scratch();
    let path = dir.path().join("new.key");
    // An older, world-readable file is replaced, not reused with its mode.
    std::fs::write(&path, "old").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let key = SecretKey::random().unwrap();
    key.write(&path).unwrap();
    assert_eq!(mode(&path), 0o600);
    assert_eq!(SecretKey::read(&path).unwrap().as_bytes(), key.as_bytes());

    let other = dir.path().join("other.bin");
    write_private(&other, b"x").unwrap();
    assert_eq!(mode(&other), 0o600);
}

#[test]
fn random_keys_are_long_enough_and_differ() {
    let a = SecretKey::random().unwrap();
    let b = SecretKey::random().unwrap();
    assert!(a.as_bytes().len() >= MIN_KEY_BYTES);
    assert_ne!(a.as_bytes(), b.as_bytes());
}

#[test]
fn keys_never_show_in_debug_output() {
    let secret = fixed_secret();
    let encoded = b64(&fixed_bytes());
    for shown in [
        format!("{secret:?}"),
        format!("{:?}", SubjectKey::new(&secret)),
        format!("{:?}", PseudonymisationKey::new(secret.clone())),
        format!("{:?}", PseudonymisationKey::new(secret.clone()).for_recipient("ISA-1", "uni")),
    ] {
        assert!(shown.contains("redacted"), "{shown}");
        assert!(!shown.contains(&encoded[..8]), "{shown}");
    }
}

#[test]
fn subject_ids_are_normalised_per_type() {
    assert_eq!(normalise_subject_id("nhs-number", " 943 476-5919 "), "9434765919");
    assert_eq!(normalise_subject_id("postcode", " l1  8jq "), "L18JQ");
    assert_eq!(normalise_subject_id("uk-postcode", "sw1a 1aa"), "SW1A1AA");
    assert_eq!(normalise_subject_id("local-id", "  AB 12\t"), "AB 12");
    assert_eq!(normalise_subject_id("pnc-id", "2001/0012345A"), "2001/0012345A");

    let key = SubjectKey::new(&fixed_secret());
    let nhs = key.hash("nhs-number", "9434765919");
    assert_eq!(key.hash("nhs-number", "943 476 5919"), nhs);
    assert_eq!(key.hash("nhs-number", "943-476-5919"), nhs);
    assert_eq!(key.hash("postcode", "l1 8jq"), key.hash("postcode", "L18JQ"));
    assert_eq!(key.hash("local-id", " abc "), key.hash("local-id", "abc"));
    // Other types keep case and inner spaces; the type is part of what is hashed.
    assert_ne!(key.hash("local-id", "ABC"), key.hash("local-id", "abc"));
    assert_ne!(key.hash("local-id", "a b"), key.hash("local-id", "ab"));
    assert_ne!(key.hash("local-id", "9434765919"), nhs);
    // Lowercase hex SHA-256 length, and a different key gives a different hash.
    assert_eq!(nhs.len(), 64);
    assert!(nhs.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
    let other = SubjectKey::new(&SecretKey::random().unwrap());
    assert_ne!(other.hash("nhs-number", "9434765919"), nhs);
}

#[test]
fn subject_hash_matches_an_independent_hmac() {
    let key = SubjectKey::new(&fixed_secret());
    let ours = key.hash("nhs-number", "943 476 5919");
    let theirs = python(
        "import base64,hashlib,hmac,sys;\
         print(hmac.new(base64.b64decode(sys.argv[1]), sys.argv[2].encode(), hashlib.sha256).hexdigest())",
        &[&b64(&fixed_bytes()), "nhs-number:9434765919"],
    );
    assert_eq!(ours, theirs);
}

#[test]
fn pseudonym_keys_are_stable_per_agreement_and_recipient() {
    let value = json!("9434765919");
    let one = PseudonymisationKey::new(fixed_secret());
    let again = PseudonymisationKey::new(fixed_secret());
    let uni = one.for_recipient("ISA-LCC-UNI-0003", "uni-evaluators").pseudonymise(&value);
    // Same secret, same (agreement, recipient): same pseudonym, from any key instance.
    assert_eq!(again.for_recipient("ISA-LCC-UNI-0003", "uni-evaluators").pseudonymise(&value), uni);
    // Another recipient or another agreement: another pseudonym.
    assert_ne!(one.for_recipient("ISA-LCC-UNI-0003", "commissioner").pseudonymise(&value), uni);
    assert_ne!(one.for_recipient("ISA-LCC-UNI-0004", "uni-evaluators").pseudonymise(&value), uni);
    // Another value: another pseudonym; non-strings are pseudonymised by their JSON text.
    let key = one.for_recipient("ISA-LCC-UNI-0003", "uni-evaluators");
    assert_ne!(key.pseudonymise(&json!("9434765920")), uni);
    assert_eq!(key.pseudonymise(&json!(42)), key.pseudonymise(&json!("42")));
    // Throw-away keys (explain) are not the live key.
    let throwaway = PseudonymisationKey::throwaway().unwrap();
    assert_ne!(
        throwaway.for_recipient("ISA-LCC-UNI-0003", "uni-evaluators").pseudonymise(&value),
        uni
    );
}

#[test]
fn pseudonym_matches_an_independent_hkdf_with_a_separator_and_without_the_version() {
    // HKDF-SHA256 (RFC 5869) with an empty salt, info = agreement id, one zero byte,
    // recipient id (contract section 11),
    // 32 bytes out; the pseudonym is HMAC-SHA256 of the value's text under that key.
    // The agreement version is no input, so a version bump keeps every pseudonym.
    let code = "import base64,hashlib,hmac,sys;\
        ikm=base64.b64decode(sys.argv[1]);\
        prk=hmac.new(b'', ikm, hashlib.sha256).digest();\
        okm=hmac.new(prk, sys.argv[2].encode()+bytes([0])+sys.argv[3].encode()+bytes([1]), hashlib.sha256).digest();\
        print(hmac.new(okm, sys.argv[4].encode(), hashlib.sha256).hexdigest())";
    let key = PseudonymisationKey::new(fixed_secret());
    for (agreement, recipient, value) in [
        ("ISA-LCC-UNI-0003", "uni-evaluators", "9434765919"),
        ("ISA-CHARITY-PCC-0001", "commissioner", "L1 8JQ"),
    ] {
        let ours = key.for_recipient(agreement, recipient).pseudonymise(&json!(value));
        let theirs = python(code, &[&b64(&fixed_bytes()), agreement, recipient, value]);
        assert_eq!(ours, theirs, "{agreement} {recipient}");
    }
}
