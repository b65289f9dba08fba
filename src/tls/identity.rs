//! Who a verified client certificate says it is: exactly one URI SAN
//! `urn:isagate:agency:<id>` or `urn:isagate:governance:<name>` on the leaf.
//!
//! Read with x509-parser (webpki has no accessor for URI SANs). This module runs after
//! the chain was verified and does not verify anything itself; it only names the peer.
//! Several isagate URIs, or a malformed one, give no identity at all (never a guess).

use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{FromDer, X509Certificate};

/// The URI prefix of an agency identity.
pub const AGENCY_URN: &str = "urn:isagate:agency:";
/// The URI prefix of a governance identity.
pub const GOVERNANCE_URN: &str = "urn:isagate:governance:";
const ISAGATE_URN: &str = "urn:isagate:";

/// The identity a client certificate carries.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PeerIdentity {
    /// An agency, by its registered id.
    Agency(String),
    /// A governance person or team (admin listener only).
    Governance(String),
}

impl PeerIdentity {
    /// The agency id, when this is an agency.
    pub fn as_agency(&self) -> Option<&str> {
        match self {
            Self::Agency(id) => Some(id),
            Self::Governance(_) => None,
        }
    }

    /// The governance name, when this is governance staff.
    pub fn as_governance(&self) -> Option<&str> {
        match self {
            Self::Governance(name) => Some(name),
            Self::Agency(_) => None,
        }
    }

    /// The URI SAN form, e.g. `urn:isagate:agency:lcc-ssc`.
    pub fn to_uri(&self) -> String {
        match self {
            Self::Agency(id) => format!("{AGENCY_URN}{id}"),
            Self::Governance(name) => format!("{GOVERNANCE_URN}{name}"),
        }
    }
}

impl std::fmt::Display for PeerIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_uri())
    }
}

/// Why no identity could be read from a (verified) client certificate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    #[error("the client presented no certificate")]
    NoCertificate,
    #[error("the client certificate cannot be parsed")]
    Unparseable,
    #[error("the client certificate carries no `urn:isagate:` URI SAN")]
    NoIdentity,
    #[error("the client certificate carries more than one `urn:isagate:` URI SAN")]
    SeveralIdentities,
    #[error("the client certificate's `urn:isagate:` URI SAN is malformed")]
    Malformed,
}

/// Lowercase hex SHA-256 of a certificate's DER bytes.
pub fn cert_sha256(der: &[u8]) -> String {
    crate::digest::sha256_hex(der)
}

/// `sha256:<64 hex>` (either case, surrounding space ignored) -> the lowercase hex.
pub fn parse_pin(text: &str) -> Option<String> {
    let hex = text.trim().strip_prefix("sha256:")?;
    (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| hex.to_ascii_lowercase())
}

/// A certificate's pin as `isagate.toml` writes it: `sha256:<lowercase hex>`.
pub fn pin_of(der: &[u8]) -> String {
    format!("sha256:{}", cert_sha256(der))
}

fn is_agency_id(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn is_governance_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
}

/// The identity in one URI, if it is an isagate URI; `Err(Malformed)` for a broken one.
fn parse_uri(uri: &str) -> Option<Result<PeerIdentity, IdentityError>> {
    if !uri.starts_with(ISAGATE_URN) {
        return None;
    }
    Some(if let Some(id) = uri.strip_prefix(AGENCY_URN) {
        if is_agency_id(id) {
            Ok(PeerIdentity::Agency(id.to_owned()))
        } else {
            Err(IdentityError::Malformed)
        }
    } else if let Some(name) = uri.strip_prefix(GOVERNANCE_URN) {
        if is_governance_name(name) {
            Ok(PeerIdentity::Governance(name.to_owned()))
        } else {
            Err(IdentityError::Malformed)
        }
    } else {
        Err(IdentityError::Malformed)
    })
}

/// The identity in a leaf certificate's DER.
pub fn identity_from_der(der: &[u8]) -> Result<PeerIdentity, IdentityError> {
    let (_, cert) = X509Certificate::from_der(der).map_err(|_| IdentityError::Unparseable)?;
    let san = cert.subject_alternative_name().map_err(|_| IdentityError::Unparseable)?;
    let mut found = None;
    for name in san.iter().flat_map(|s| s.value.general_names.iter()) {
        let GeneralName::URI(uri) = name else { continue };
        let Some(parsed) = parse_uri(uri) else { continue };
        if found.is_some() {
            return Err(IdentityError::SeveralIdentities);
        }
        found = Some(parsed?);
    }
    found.ok_or(IdentityError::NoIdentity)
}

/// After the handshake: the peer's identity and its leaf certificate's SHA-256.
pub fn peer_identity(
    conn: &rustls::ServerConnection,
) -> Result<(PeerIdentity, String), IdentityError> {
    let leaf =
        conn.peer_certificates().and_then(|c| c.first()).ok_or(IdentityError::NoCertificate)?;
    Ok((identity_from_der(leaf)?, cert_sha256(leaf)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris() {
        assert_eq!(
            parse_uri("urn:isagate:agency:lcc-ssc"),
            Some(Ok(PeerIdentity::Agency("lcc-ssc".into())))
        );
        assert_eq!(
            parse_uri("urn:isagate:governance:dpo"),
            Some(Ok(PeerIdentity::Governance("dpo".into())))
        );
        assert_eq!(parse_uri("urn:isagate:agency:LCC"), Some(Err(IdentityError::Malformed)));
        assert_eq!(parse_uri("urn:isagate:agency:"), Some(Err(IdentityError::Malformed)));
        assert_eq!(parse_uri("urn:isagate:agency:a/b"), Some(Err(IdentityError::Malformed)));
        assert_eq!(parse_uri("urn:isagate:robot:x"), Some(Err(IdentityError::Malformed)));
        assert_eq!(parse_uri("https://example.org"), None);
    }

    #[test]
    fn pins() {
        let hex = "AB".repeat(32);
        assert_eq!(parse_pin(&format!("sha256:{hex}")), Some("ab".repeat(32)));
        assert_eq!(parse_pin(&hex), None);
        assert_eq!(parse_pin("sha256:abc"), None);
        assert_eq!(parse_pin(&format!("sha256:{}", "zz".repeat(32))), None);
        assert_eq!(pin_of(b"x"), format!("sha256:{}", cert_sha256(b"x")));
        assert_eq!(cert_sha256(b"").len(), 64);
    }
}
