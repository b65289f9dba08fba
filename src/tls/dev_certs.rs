//! Development certificates and keys (`isagate dev-certs`), made with rcgen: never for
//! production.
//!
//! One dev CA (with the CRL-signing key usage) signs everything: the gateway's server
//! and upstream client certificates, one client certificate per agency, a governance
//! certificate, a server certificate for the mock upstreams, an extra agency certificate
//! that the CRL revokes, and the CRL itself. The dev keys (pseudonymisation, subject hash,
//! checkpoint signing) are written beside them. Private keys are written mode 0600.
//!
//! [`fixtures`] makes the broken certificates tests need (expired, not yet valid, no EKU,
//! serverAuth only, from an untrusted CA).

pub mod fixtures;
pub mod pkcs12;

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, DistinguishedName,
    DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose,
    RevocationReason, RevokedCertParams, SanType, SerialNumber,
};

use super::identity::{cert_sha256, AGENCY_URN, GOVERNANCE_URN};
use super::TlsError;

const DAY: Duration = Duration::from_secs(86_400);

/// The sample agencies `dev-certs` makes certificates for without a config.
pub const SAMPLE_AGENCIES: [&str; 13] = [
    "lcc-ssc",
    "merseyside-police",
    "nhs-trust",
    "lcc-adult-social-care",
    "probation-nw",
    "safer-london",
    "london-commissioner",
    "uni-evaluators",
    "cabinet-office-nfi",
    "dhr-chair",
    "ie-tusla",
    "lcc-childrens-services",
    "lcc-revenues",
];

fn gen_err(what: impl Into<String>) -> impl FnOnce(rcgen::Error) -> TlsError {
    let what = what.into();
    move |e| TlsError::Generate { what, detail: e.to_string() }
}

/// Which extended key usage a certificate carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Eku {
    ClientAuth,
    ServerAuth,
    /// No EKU extension at all (rustls alone would accept it for client auth).
    None,
}

/// What to put in a certificate.
#[derive(Debug, Clone)]
pub struct CertSpec {
    pub common_name: String,
    pub dns_names: Vec<String>,
    pub ips: Vec<IpAddr>,
    pub uris: Vec<String>,
    pub eku: Eku,
    pub not_before: SystemTime,
    pub not_after: SystemTime,
}

impl CertSpec {
    /// Valid from an hour ago for `days` days, no names, the given EKU.
    pub fn new(common_name: &str, eku: Eku, days: u32) -> Self {
        let now = SystemTime::now();
        Self {
            common_name: common_name.to_owned(),
            dns_names: Vec::new(),
            ips: Vec::new(),
            uris: Vec::new(),
            eku,
            not_before: now - Duration::from_secs(3600),
            not_after: now + DAY * days,
        }
    }

    /// An agency client certificate: URI SAN `urn:isagate:agency:<id>`, clientAuth.
    pub fn agency(id: &str, days: u32) -> Self {
        let mut s = Self::new(id, Eku::ClientAuth, days);
        s.uris.push(format!("{AGENCY_URN}{id}"));
        s
    }

    /// A governance client certificate: URI SAN `urn:isagate:governance:<name>`, clientAuth.
    pub fn governance(name: &str, days: u32) -> Self {
        let mut s = Self::new(name, Eku::ClientAuth, days);
        s.uris.push(format!("{GOVERNANCE_URN}{name}"));
        s
    }

    /// A loopback server certificate (localhost, 127.0.0.1, ::1), serverAuth.
    pub fn loopback_server(common_name: &str, days: u32) -> Self {
        let mut s = Self::new(common_name, Eku::ServerAuth, days);
        s.dns_names.push("localhost".into());
        s.ips = vec![IpAddr::from([127, 0, 0, 1]), IpAddr::from(std::net::Ipv6Addr::LOCALHOST)];
        s
    }
}

/// An issued certificate and its private key, in memory.
#[derive(Clone)]
pub struct IssuedCert {
    pub cert_pem: String,
    pub cert_der: Vec<u8>,
    /// PKCS#8 PEM.
    pub key_pem: String,
    pub serial: Vec<u8>,
}

impl std::fmt::Debug for IssuedCert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedCert").field("sha256", &self.sha256()).finish_non_exhaustive()
    }
}

impl IssuedCert {
    /// Lowercase hex SHA-256 of the certificate (what pins name).
    pub fn sha256(&self) -> String {
        cert_sha256(&self.cert_der)
    }

    /// Write `<stem>.crt` (0644) and `<stem>.key` (0600) into `dir`.
    pub fn write(&self, dir: &Path, stem: &str) -> Result<CertFiles, TlsError> {
        let cert = dir.join(format!("{stem}.crt"));
        let key = dir.join(format!("{stem}.key"));
        write_public(&cert, self.cert_pem.as_bytes())?;
        write_secret(&key, self.key_pem.as_bytes())?;
        Ok(CertFiles { cert, key, sha256: self.sha256() })
    }
}

/// Where one certificate and its key were written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
    pub sha256: String,
}

fn write_public(path: &Path, bytes: &[u8]) -> Result<(), TlsError> {
    std::fs::write(path, bytes)
        .map_err(|source| TlsError::Unwritable { path: path.to_owned(), source })
}

fn write_secret(path: &Path, bytes: &[u8]) -> Result<(), TlsError> {
    crate::keys::write_private(path, bytes)
        .map_err(|source| TlsError::Unwritable { path: path.to_owned(), source })
}

fn random_serial() -> Result<SerialNumber, TlsError> {
    let mut bytes = [0u8; 16];
    aws_lc_rs::rand::fill(&mut bytes).map_err(|_| TlsError::Generate {
        what: "a serial number".into(),
        detail: "the system random generator failed".into(),
    })?;
    bytes[0] &= 0x7f; // positive
    bytes[0] |= 0x01; // and without a leading zero byte
    Ok(SerialNumber::from_slice(&bytes))
}

/// A certificate authority held in memory: signs certificates and CRLs.
pub struct DevCa {
    issuer: Issuer<'static, KeyPair>,
    pub cert: IssuedCert,
}

impl std::fmt::Debug for DevCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevCa").field("cert", &self.cert).finish_non_exhaustive()
    }
}

impl DevCa {
    /// A new self-signed CA valid for `days` days (key usages: certificate and CRL signing).
    pub fn new(common_name: &str, days: u32) -> Result<Self, TlsError> {
        let key = KeyPair::generate().map_err(gen_err("a CA key"))?;
        let mut params = CertificateParams::default();
        params.distinguished_name = dn(common_name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        params.serial_number = Some(random_serial()?);
        let now = SystemTime::now();
        params.not_before = (now - Duration::from_secs(3600)).into();
        params.not_after = (now + DAY * days).into();
        params.key_identifier_method = KeyIdMethod::Sha256;
        let cert = params.self_signed(&key).map_err(gen_err("the CA certificate"))?;
        let issued = IssuedCert {
            cert_pem: cert.pem(),
            cert_der: cert.der().to_vec(),
            key_pem: key.serialize_pem(),
            serial: params.serial_number.as_ref().map(|s| s.to_bytes()).unwrap_or_default(),
        };
        Ok(Self { issuer: Issuer::new(params, key), cert: issued })
    }

    /// Issue a certificate for a fresh P-256 key.
    pub fn issue(&self, spec: &CertSpec) -> Result<IssuedCert, TlsError> {
        let what = format!("the certificate for `{}`", spec.common_name);
        let key = KeyPair::generate().map_err(gen_err(what.clone()))?;
        let mut params = CertificateParams::default();
        params.distinguished_name = dn(&spec.common_name);
        for name in &spec.dns_names {
            params
                .subject_alt_names
                .push(SanType::DnsName(name.clone().try_into().map_err(gen_err(what.clone()))?));
        }
        for ip in &spec.ips {
            params.subject_alt_names.push(SanType::IpAddress(*ip));
        }
        for uri in &spec.uris {
            params
                .subject_alt_names
                .push(SanType::URI(uri.clone().try_into().map_err(gen_err(what.clone()))?));
        }
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = match spec.eku {
            Eku::ClientAuth => vec![ExtendedKeyUsagePurpose::ClientAuth],
            Eku::ServerAuth => vec![ExtendedKeyUsagePurpose::ServerAuth],
            Eku::None => Vec::new(),
        };
        let serial = random_serial()?;
        params.serial_number = Some(serial.clone());
        params.not_before = spec.not_before.into();
        params.not_after = spec.not_after.into();
        params.use_authority_key_identifier_extension = true;
        let cert = params.signed_by(&key, &self.issuer).map_err(gen_err(what))?;
        Ok(IssuedCert {
            cert_pem: cert.pem(),
            cert_der: cert.der().to_vec(),
            key_pem: key.serialize_pem(),
            serial: serial.to_bytes(),
        })
    }

    /// A PEM CRL revoking `revoked`, valid from a minute ago until `next_update`.
    pub fn crl(
        &self,
        revoked: &[&IssuedCert],
        crl_number: u64,
        next_update: SystemTime,
    ) -> Result<String, TlsError> {
        let now = SystemTime::now();
        let params = CertificateRevocationListParams {
            this_update: (now - Duration::from_secs(60)).into(),
            next_update: next_update.into(),
            crl_number: SerialNumber::from(crl_number),
            issuing_distribution_point: None,
            revoked_certs: revoked
                .iter()
                .map(|c| RevokedCertParams {
                    serial_number: SerialNumber::from_slice(&c.serial),
                    revocation_time: (now - Duration::from_secs(60)).into(),
                    reason_code: Some(RevocationReason::KeyCompromise),
                    invalidity_date: None,
                })
                .collect(),
            key_identifier_method: KeyIdMethod::Sha256,
        };
        let crl = params.signed_by(&self.issuer).map_err(gen_err("the CRL"))?;
        crl.pem().map_err(gen_err("the CRL"))
    }
}

fn dn(common_name: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, "isagate development (not for production)");
    dn.push(DnType::CommonName, common_name);
    dn
}

/// Options for [`generate`].
#[derive(Debug, Clone)]
pub struct DevCertOptions {
    /// How long the certificates and the CRL stay valid.
    pub days: u32,
    /// Governance identities to make certificates for (`governance-<name>.crt`).
    pub governance: Vec<String>,
}

impl Default for DevCertOptions {
    fn default() -> Self {
        Self { days: 365, governance: vec!["dpo".to_owned()] }
    }
}

/// Everything [`generate`] wrote, by purpose.
#[derive(Debug, Clone)]
pub struct DevCerts {
    pub dir: PathBuf,
    pub ca_cert: PathBuf,
    pub ca_key: PathBuf,
    pub crl: PathBuf,
    pub gateway_server: CertFiles,
    pub gateway_client: CertFiles,
    pub mock_upstream: CertFiles,
    /// By agency id.
    pub agencies: BTreeMap<String, CertFiles>,
    /// By governance name.
    pub governance: BTreeMap<String, CertFiles>,
    /// By governance name: certificate, CA and key as PKCS#12 (for the console in a browser).
    pub governance_p12: BTreeMap<String, PathBuf>,
    /// The password of every `governance-*.p12` file of this run.
    pub p12_password: String,
    /// An agency certificate (for the first agency's identity) that `crl.pem` revokes.
    pub revoked: CertFiles,
    pub revoked_identity: String,
    pub pseudonymisation_key: PathBuf,
    pub subject_key: PathBuf,
    pub console_key: PathBuf,
    pub checkpoint_key: PathBuf,
    pub checkpoint_public_key: PathBuf,
    /// Every file, with one line on what it is, in the order written.
    pub written: Vec<(PathBuf, String)>,
}

/// Make a dev CA and every certificate and key the gateway, the demo and the mock
/// upstreams need, in `out` (created if missing; existing files are replaced).
pub fn generate(
    out: &Path,
    agencies: &[String],
    opts: &DevCertOptions,
) -> Result<DevCerts, TlsError> {
    generate_with_ca(out, agencies, opts).map(|(certs, _)| certs)
}

/// [`generate`], also returning the CA in memory (tests issue fixtures and new CRLs with it).
pub fn generate_with_ca(
    out: &Path,
    agencies: &[String],
    opts: &DevCertOptions,
) -> Result<(DevCerts, DevCa), TlsError> {
    for id in agencies {
        if id.is_empty()
            || !id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(TlsError::BadAgencyId(id.clone()));
        }
    }
    std::fs::create_dir_all(out)
        .map_err(|source| TlsError::Unwritable { path: out.to_owned(), source })?;
    let days = opts.days.max(1);
    let mut written = Vec::new();
    let mut note = |p: &Path, what: String| written.push((p.to_owned(), what));

    let ca = DevCa::new("isagate development CA", days)?;
    let ca_files = ca.cert.write(out, "ca")?;
    note(
        &ca_files.cert,
        "development CA certificate (client_ca, governance_ca, upstream_ca)".into(),
    );
    note(&ca_files.key, "development CA private key".into());

    let gateway_server = ca
        .issue(&CertSpec::loopback_server("isagate gateway", days))?
        .write(out, "gateway-server")?;
    note(&gateway_server.cert, "gateway server certificate (localhost, 127.0.0.1, ::1)".into());
    note(&gateway_server.key, "gateway server key".into());
    let gateway_client = ca
        .issue(&CertSpec::new("isagate gateway (upstream client)", Eku::ClientAuth, days))?
        .write(out, "gateway-client")?;
    note(
        &gateway_client.cert,
        "gateway's client certificate, presented to agency upstreams".into(),
    );
    note(&gateway_client.key, "gateway's client key".into());
    // Also named `mock-<id>` for each agency: the mock upstream services of
    // docker-compose.yml, which the gateway reaches by those host names.
    let mut mock_spec = CertSpec::loopback_server("isagate mock upstream", days);
    mock_spec.dns_names.extend(agencies.iter().map(|id| format!("mock-{id}")));
    let mock_upstream = ca.issue(&mock_spec)?.write(out, "mock-upstream")?;
    note(
        &mock_upstream.cert,
        "server certificate for the mock agency upstreams (localhost, mock-<agency id>)".into(),
    );
    note(&mock_upstream.key, "mock upstream key".into());

    let mut agency_files = BTreeMap::new();
    for id in agencies {
        let files = ca.issue(&CertSpec::agency(id, days))?.write(out, &format!("agency-{id}"))?;
        note(&files.cert, format!("client certificate for agency `{id}`"));
        note(&files.key, format!("key for agency `{id}`"));
        agency_files.insert(id.clone(), files);
    }
    let mut governance = BTreeMap::new();
    let mut governance_p12 = BTreeMap::new();
    let p12_password = pkcs12::random_password()?;
    for name in &opts.governance {
        let stem = format!("governance-{name}");
        let issued = ca.issue(&CertSpec::governance(name, days))?;
        let files = issued.write(out, &stem)?;
        note(&files.cert, format!("governance client certificate `{name}` (admin listener)"));
        note(&files.key, format!("key for governance `{name}`"));
        let p12 = out.join(format!("{stem}.p12"));
        pkcs12::write(&issued, &ca.cert.cert_der, &stem, &p12_password, &p12)?;
        note(&p12, format!("governance `{name}` certificate and key as PKCS#12, for a browser"));
        governance.insert(name.clone(), files);
        governance_p12.insert(name.clone(), p12);
    }

    let revoked_identity = agencies.first().cloned().unwrap_or_else(|| "revoked-agency".to_owned());
    let revoked_cert = ca.issue(&CertSpec::agency(&revoked_identity, days))?;
    let revoked = revoked_cert.write(out, "agency-revoked")?;
    note(
        &revoked.cert,
        format!(
            "REVOKED client certificate for agency `{revoked_identity}` (in crl.pem; must fail)"
        ),
    );
    note(&revoked.key, "key of the revoked certificate".into());
    let crl = out.join("crl.pem");
    write_public(&crl, ca.crl(&[&revoked_cert], 1, SystemTime::now() + DAY * days)?.as_bytes())?;
    note(&crl, "CRL of the development CA (revokes agency-revoked.crt)".into());

    let pseudonymisation_key = out.join("pseudonymisation.key");
    crate::keys::SecretKey::random()?.write(&pseudonymisation_key)?;
    note(&pseudonymisation_key, "pseudonymisation key".into());
    let subject_key = out.join("subject.key");
    crate::keys::SecretKey::random()?.write(&subject_key)?;
    note(&subject_key, "subject-hash key".into());
    let console_key = out.join("console.key");
    crate::keys::SecretKey::random()?.write(&console_key)?;
    note(&console_key, "console form-token (CSRF) key".into());
    let checkpoint_key = out.join("checkpoint.key");
    let checkpoint_public_key = out.join("checkpoint.pub");
    write_checkpoint_keypair(&checkpoint_key, &checkpoint_public_key)?;
    note(&checkpoint_key, "checkpoint signing key (Ed25519, PKCS#8 PEM)".into());
    note(&checkpoint_public_key, "checkpoint public key (for `audit verify`)".into());

    let certs = DevCerts {
        dir: out.to_owned(),
        ca_cert: ca_files.cert,
        ca_key: ca_files.key,
        crl,
        gateway_server,
        gateway_client,
        mock_upstream,
        agencies: agency_files,
        governance,
        governance_p12,
        p12_password,
        revoked,
        revoked_identity,
        pseudonymisation_key,
        subject_key,
        console_key,
        checkpoint_key,
        checkpoint_public_key,
        written,
    };
    Ok((certs, ca))
}

/// DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410), followed by the 32 key bytes.
const ED25519_SPKI_PREFIX: [u8; 12] =
    [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00];

/// Write an Ed25519 checkpoint key pair: the private key as PKCS#8 PEM (0600), the
/// public key as SPKI PEM. Stand-in until `audit` provides its own generator.
pub fn write_checkpoint_keypair(private: &Path, public: &Path) -> Result<(), TlsError> {
    use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair as _};
    let fail = |detail: &str| TlsError::Generate {
        what: "the checkpoint key".into(),
        detail: detail.into(),
    };
    let rng = aws_lc_rs::rand::SystemRandom::new();
    let doc = Ed25519KeyPair::generate_pkcs8(&rng).map_err(|_| fail("key generation failed"))?;
    let pair = Ed25519KeyPair::from_pkcs8(doc.as_ref())
        .map_err(|_| fail("generated key does not parse"))?;
    let private_pem = pem::encode(&pem::Pem::new("PRIVATE KEY", doc.as_ref().to_vec()));
    let mut spki = ED25519_SPKI_PREFIX.to_vec();
    spki.extend_from_slice(pair.public_key().as_ref());
    let public_pem = pem::encode(&pem::Pem::new("PUBLIC KEY", spki));
    write_secret(private, private_pem.as_bytes())?;
    write_public(public, public_pem.as_bytes())
}
