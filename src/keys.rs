//! Secret keys and what is derived from them (contract section 11).
//!
//! - Key files hold base64 of at least 32 random bytes.
//! - Subject hash = lowercase hex HMAC-SHA256(subject key, `<type>:<normalised id>`).
//! - Pseudonym key = HKDF-SHA256(pseudonymisation key, salt empty, info = agreement id,
//!   one zero byte, recipient id), without the agreement version, so pseudonyms survive a
//!   version bump but differ between recipients. The zero byte keeps two pairs apart whose
//!   concatenations are equal (`ISA-1` + `0x` and `ISA-10` + `x`); pseudonyms made before
//!   it was added (2026-12-07) differ from today's.
//!
//! Keys never appear in `Debug` output, logs or errors.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use aws_lc_rs::{hkdf, hmac, rand};
use base64::Engine as _;

/// `Debug` that names the type and never its contents: keys never reach logs or errors.
macro_rules! redacted_debug {
    ($($name:ident),+) => {$(
        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($name), "(<redacted>)"))
            }
        }
    )+};
}

redacted_debug!(SecretKey, SubjectKey, PseudonymisationKey, PseudonymKey);

/// The fewest random bytes a key file may hold.
pub const MIN_KEY_BYTES: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read key file `{path}`: {source}")]
    Unreadable { path: PathBuf, source: std::io::Error },
    #[error("key file `{path}` is not base64: write base64 of at least 32 random bytes (`isagate dev-certs` makes one)")]
    NotBase64 { path: PathBuf },
    #[error("key file `{path}` holds {len} bytes: it needs at least 32 random bytes")]
    TooShort { path: PathBuf, len: usize },
    #[error("cannot write key file `{path}`: {source}")]
    Unwritable { path: PathBuf, source: std::io::Error },
    #[error("the system random generator failed")]
    Random,
}

/// Raw key material read from a key file.
#[derive(Clone)]
pub struct SecretKey(Vec<u8>);

impl SecretKey {
    /// Read a key file: base64 (surrounding whitespace ignored) of at least 32 bytes.
    pub fn read(path: &Path) -> Result<Self, KeyError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| KeyError::Unreadable { path: path.to_owned(), source })?;
        Self::from_base64(text.trim()).map_err(|e| match e {
            KeyError::TooShort { len, .. } => KeyError::TooShort { path: path.to_owned(), len },
            _ => KeyError::NotBase64 { path: path.to_owned() },
        })
    }

    /// Decode base64 key text.
    pub fn from_base64(text: &str) -> Result<Self, KeyError> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|_| KeyError::NotBase64 { path: PathBuf::new() })?;
        if bytes.len() < MIN_KEY_BYTES {
            return Err(KeyError::TooShort { path: PathBuf::new(), len: bytes.len() });
        }
        Ok(Self(bytes))
    }

    /// A fresh random key (for dev keys and throw-away keys).
    pub fn random() -> Result<Self, KeyError> {
        let mut bytes = vec![0u8; MIN_KEY_BYTES];
        rand::fill(&mut bytes).map_err(|_| KeyError::Random)?;
        Ok(Self(bytes))
    }

    /// Write this key as a key file with mode 0600.
    pub fn write(&self, path: &Path) -> Result<(), KeyError> {
        let text = base64::engine::general_purpose::STANDARD.encode(&self.0) + "\n";
        write_private(path, text.as_bytes())
            .map_err(|source| KeyError::Unwritable { path: path.to_owned(), source })
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

/// Write a file only its owner can read (mode 0600), replacing any old one.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let _ = std::fs::remove_file(path);
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// The key that turns subject ids into keyed hashes for the record and for restrictions.
#[derive(Clone)]
pub struct SubjectKey(hmac::Key);

impl SubjectKey {
    pub fn new(secret: &SecretKey) -> Self {
        Self(hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes()))
    }

    /// Lowercase hex HMAC-SHA256 of `<type>:<normalised id>`.
    pub fn hash(&self, kind: &str, id: &str) -> String {
        let message = format!("{kind}:{}", normalise_subject_id(kind, id));
        hex::encode(hmac::sign(&self.0, message.as_bytes()).as_ref())
    }
}

/// NHS number: digits only; postcode: upper case without spaces; anything else: trimmed.
pub fn normalise_subject_id(kind: &str, id: &str) -> String {
    match kind {
        "nhs-number" => id.chars().filter(char::is_ascii_digit).collect(),
        "postcode" | "uk-postcode" => {
            id.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase()
        }
        _ => id.trim().to_owned(),
    }
}

/// The gateway-wide pseudonymisation key, from which each (agreement, recipient) key is derived.
///
/// Derived keys are kept once made (every transfer asks for one; HKDF costs about as much
/// as minimising a small body). Clones share the cache.
#[derive(Clone)]
pub struct PseudonymisationKey {
    secret: SecretKey,
    derived: Arc<Mutex<DerivedKeys>>,
}

/// agreement id -> recipient id -> key. Bounded: past [`DerivedKeys::MAX`] keys (far more
/// than any agreement set names) it is cleared and refilled, so it cannot grow without end.
#[derive(Default)]
struct DerivedKeys {
    by_agreement: HashMap<String, HashMap<String, PseudonymKey>>,
    len: usize,
}

impl DerivedKeys {
    const MAX: usize = 4096;
}

impl PseudonymisationKey {
    pub fn new(secret: SecretKey) -> Self {
        Self { secret, derived: Arc::default() }
    }

    /// A throw-away key for dry runs (`explain`, `/v1/explain`): never an oracle for live pseudonyms.
    pub fn throwaway() -> Result<Self, KeyError> {
        Ok(Self::new(SecretKey::random()?))
    }

    /// HKDF-SHA256(key, info = agreement id, 0x00, recipient id): stable across versions.
    pub fn for_recipient(&self, agreement_id: &str, recipient_id: &str) -> PseudonymKey {
        let cached = self
            .derived
            .lock()
            .ok()
            .and_then(|keys| keys.by_agreement.get(agreement_id)?.get(recipient_id).cloned());
        if let Some(key) = cached {
            return key;
        }
        let key = self.derive(agreement_id, recipient_id);
        if let Ok(mut keys) = self.derived.lock() {
            if keys.len >= DerivedKeys::MAX {
                *keys = DerivedKeys::default();
            }
            keys.len += 1;
            keys.by_agreement
                .entry(agreement_id.to_owned())
                .or_default()
                .insert(recipient_id.to_owned(), key.clone());
        }
        key
    }

    fn derive(&self, agreement_id: &str, recipient_id: &str) -> PseudonymKey {
        let info = [agreement_id.as_bytes(), &[0u8], recipient_id.as_bytes()];
        let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, &[]).extract(self.secret.as_bytes());
        let mut okm = [0u8; 32];
        // HKDF-SHA256 can always expand to 32 bytes (limit is 255 * 32).
        if let Ok(material) = prk.expand(&info, hkdf::HKDF_SHA256) {
            let _ = material.fill(&mut okm);
        }
        PseudonymKey(hmac::Key::new(hmac::HMAC_SHA256, &okm))
    }
}

/// The key for one (agreement, recipient): maps a value to a stable pseudonym.
#[derive(Clone)]
pub struct PseudonymKey(hmac::Key);

impl PseudonymKey {
    /// Lowercase hex HMAC-SHA256 of the value's text (a string's contents, or the JSON
    /// text of any other value).
    pub fn pseudonymise(&self, value: &serde_json::Value) -> String {
        let text = match value {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        hex::encode(hmac::sign(&self.0, text.as_bytes()).as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_hash_normalises_nhs_numbers() {
        let key = SubjectKey::new(&SecretKey::from_base64(&"A".repeat(44)).unwrap());
        assert_eq!(key.hash("nhs-number", "943 476 5919"), key.hash("nhs-number", "9434765919"));
        assert_ne!(key.hash("nhs-number", "9434765919"), key.hash("local-id", "9434765919"));
    }

    #[test]
    fn pseudonyms_differ_between_recipients_and_are_stable() {
        let key = PseudonymisationKey::new(SecretKey::from_base64(&"B".repeat(44)).unwrap());
        let v = serde_json::json!("9434765919");
        let a = key.for_recipient("ISA-1", "uni").pseudonymise(&v);
        assert_eq!(a, key.for_recipient("ISA-1", "uni").pseudonymise(&v));
        assert_ne!(a, key.for_recipient("ISA-1", "other").pseudonymise(&v));
        assert_eq!(a.len(), 64);
    }

    #[test]
    fn concatenations_that_coincide_derive_different_keys() {
        let key = PseudonymisationKey::new(SecretKey::from_base64(&"D".repeat(44)).unwrap());
        let v = serde_json::json!("9434765919");
        let a = key.for_recipient("ISA-1", "0x").pseudonymise(&v);
        let b = key.for_recipient("ISA-10", "x").pseudonymise(&v);
        assert_ne!(a, b, "(ISA-1, 0x) and (ISA-10, x) must not share a pseudonym key");
    }

    #[test]
    fn the_derivation_puts_one_zero_byte_between_agreement_and_recipient() {
        let secret = SecretKey::from_base64(&"E".repeat(44)).unwrap();
        let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, &[]).extract(secret.as_bytes());
        let mut okm = [0u8; 32];
        prk.expand(&[b"ISA-1".as_slice(), b"\0", b"uni"], hkdf::HKDF_SHA256)
            .unwrap()
            .fill(&mut okm)
            .unwrap();
        let expected = PseudonymKey(hmac::Key::new(hmac::HMAC_SHA256, &okm));
        let v = serde_json::json!("QQ123456C");
        let derived = PseudonymisationKey::new(secret).for_recipient("ISA-1", "uni");
        assert_eq!(derived.pseudonymise(&v), expected.pseudonymise(&v));
    }

    #[test]
    fn cached_keys_equal_fresh_derivations_past_the_cache_bound() {
        let secret = || SecretKey::from_base64(&"C".repeat(44)).unwrap();
        let (warm, v) = (PseudonymisationKey::new(secret()), serde_json::json!("QQ123456C"));
        for round in 0..2 {
            for i in 0..DerivedKeys::MAX + 10 {
                let recipient = format!("r{i}");
                let fresh = PseudonymisationKey::new(secret()).derive("ISA-2", &recipient);
                let cached = warm.for_recipient("ISA-2", &recipient);
                assert_eq!(cached.pseudonymise(&v), fresh.pseudonymise(&v), "round {round}, {i}");
            }
        }
        assert!(warm.derived.lock().unwrap().len <= DerivedKeys::MAX);
    }

    #[test]
    fn short_keys_are_refused() {
        assert!(matches!(SecretKey::from_base64("AAAA"), Err(KeyError::TooShort { len: 3, .. })));
        assert!(SecretKey::from_base64("not base64!").is_err());
    }
}
