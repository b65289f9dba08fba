//! Named certificates for tests, each broken in exactly one way, issued by a [`DevCa`].
//! Generated at test start; never committed.

use std::time::{Duration, SystemTime};

use super::{CertSpec, DevCa, Eku, IssuedCert, TlsError};

const DAY: Duration = Duration::from_secs(86_400);

/// A good agency certificate.
pub fn agency(ca: &DevCa, id: &str) -> Result<IssuedCert, TlsError> {
    ca.issue(&CertSpec::agency(id, 30))
}

/// A good governance certificate.
pub fn governance(ca: &DevCa, name: &str) -> Result<IssuedCert, TlsError> {
    ca.issue(&CertSpec::governance(name, 30))
}

/// An agency certificate that expired yesterday.
pub fn expired(ca: &DevCa, id: &str) -> Result<IssuedCert, TlsError> {
    let mut spec = CertSpec::agency(id, 30);
    let now = SystemTime::now();
    spec.not_before = now - DAY * 30;
    spec.not_after = now - DAY;
    ca.issue(&spec)
}

/// An agency certificate valid only from tomorrow.
pub fn not_yet_valid(ca: &DevCa, id: &str) -> Result<IssuedCert, TlsError> {
    let mut spec = CertSpec::agency(id, 30);
    spec.not_before = SystemTime::now() + DAY;
    ca.issue(&spec)
}

/// An agency certificate with no EKU extension at all.
pub fn without_eku(ca: &DevCa, id: &str) -> Result<IssuedCert, TlsError> {
    let mut spec = CertSpec::agency(id, 30);
    spec.eku = Eku::None;
    ca.issue(&spec)
}

/// An agency certificate whose EKU names serverAuth only.
pub fn server_auth_only(ca: &DevCa, id: &str) -> Result<IssuedCert, TlsError> {
    let mut spec = CertSpec::agency(id, 30);
    spec.eku = Eku::ServerAuth;
    ca.issue(&spec)
}

/// An agency certificate with two isagate identities (which gives no identity).
pub fn two_identities(ca: &DevCa, a: &str, b: &str) -> Result<IssuedCert, TlsError> {
    let mut spec = CertSpec::agency(a, 30);
    spec.uris.push(format!("{}{b}", super::AGENCY_URN));
    ca.issue(&spec)
}

/// A well-formed agency certificate from a CA the gateway does not trust.
pub fn untrusted(id: &str) -> Result<IssuedCert, TlsError> {
    DevCa::new("untrusted CA", 30)?.issue(&CertSpec::agency(id, 30))
}

/// A CRL from `ca` revoking `revoked`, valid for 30 days.
pub fn crl(ca: &DevCa, revoked: &[&IssuedCert], number: u64) -> Result<String, TlsError> {
    ca.crl(revoked, number, SystemTime::now() + DAY * 30)
}
