//! TLS for both sides of the gateway (contract section 1): who a client certificate
//! says it is, the client certificate verifier (chain, validity, CRLs, and the clientAuth
//! EKU that rustls alone does not insist on), the reloadable server configuration, the
//! upstream client configuration, and development certificates.
//!
//! Every rustls builder here is `builder_with_provider(aws_lc_rs)`: with two providers
//! compiled in, rustls's `builder()` panics. This module decides nothing about
//! agreements: it says who the peer is; the gateway decides what that identity may do.
//!
//! # Layout
//! - [`identity`]: [`PeerIdentity`] from the leaf's URI SAN, certificate fingerprints, pins.
//! - [`verifier`]: the client certificate verifier (webpki + CRLs + clientAuth EKU).
//! - [`server`]: the listeners' `ServerConfig`, swapped whole on reload or CRL change.
//! - [`upstream`]: the gateway's mTLS client configuration for one agency.
//! - [`dev_certs`]: a development CA and every certificate and key the demo needs,
//!   plus test fixtures (expired, not yet valid, no EKU, wrong CA, revoked).

pub mod dev_certs;
pub mod identity;
pub mod server;
pub mod upstream;
pub mod verifier;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use rustls::RootCertStore;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, CertificateRevocationListDer, PrivateKeyDer};

pub use identity::{cert_sha256, peer_identity, IdentityError, PeerIdentity};
pub use server::{ServerTls, ServerTlsSettings};
pub use upstream::upstream_client_config;

/// What went wrong reading, building or generating TLS material.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read {what} `{}`: {source}", path.display())]
    Unreadable { what: &'static str, path: PathBuf, source: std::io::Error },
    #[error("{what} `{}` holds no usable PEM item: {detail}", path.display())]
    NotPem { what: &'static str, path: PathBuf, detail: String },
    #[error("CA bundle `{}` has a certificate rustls cannot use as a trust anchor: {detail}", path.display())]
    BadTrustAnchor { path: PathBuf, detail: String },
    #[error("cannot build the client certificate verifier: {0}")]
    Verifier(String),
    #[error("TLS configuration refused: {0}")]
    Rustls(#[from] rustls::Error),
    #[error("cannot write `{}`: {source}", path.display())]
    Unwritable { path: PathBuf, source: std::io::Error },
    #[error("cannot generate {what}: {detail}")]
    Generate { what: String, detail: String },
    #[error("agency `{0}` has no `upstream_ca`: set it to the CA bundle its upstream's server certificate chains to")]
    NoUpstreamCa(String),
    #[error("`{0}` is not an agency id: use lower-case letters, digits and `-` only")]
    BadAgencyId(String),
    #[error(transparent)]
    Key(#[from] crate::keys::KeyError),
}

/// The one crypto provider every rustls builder uses.
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

fn read(what: &'static str, path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Unreadable {
        what,
        path: path.to_owned(),
        source,
    })
}

/// An HTTPS-only connector (HTTP/1.1 and HTTP/2, ALPN set by hyper-rustls) over
/// `config`, connecting within `connect_timeout`: the CLI's clients of a running
/// gateway (admin API, demo).
pub fn https_connector(
    config: rustls::ClientConfig,
    connect_timeout: std::time::Duration,
) -> hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector> {
    let mut http = hyper_util::client::legacy::connect::HttpConnector::new();
    http.enforce_http(false);
    http.set_connect_timeout(Some(connect_timeout));
    hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(config)
        .https_only()
        .enable_all_versions()
        .wrap_connector(http)
}

/// Every certificate in a PEM file (a leaf followed by its intermediates, or a bundle).
pub fn load_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let bytes = read("certificate file", path)?;
    pem_sections(CertificateDer::pem_slice_iter(&bytes), "certificate file", "CERTIFICATE", path)
}

/// Every PEM section of one kind in a file; none, or one that does not parse, is an error.
fn pem_sections<T>(
    sections: impl Iterator<Item = Result<T, rustls_pki_types::pem::Error>>,
    what: &'static str,
    label: &str,
    path: &Path,
) -> Result<Vec<T>, TlsError> {
    let not_pem = |detail: String| TlsError::NotPem { what, path: path.to_owned(), detail };
    let found = sections.collect::<Result<Vec<_>, _>>().map_err(|e| not_pem(e.to_string()))?;
    if found.is_empty() {
        return Err(not_pem(format!("no `{label}` section")));
    }
    Ok(found)
}

/// The private key in a PEM file (PKCS#8, SEC1 or PKCS#1).
pub fn load_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    let bytes = read("private key file", path)?;
    PrivateKeyDer::from_pem_slice(&bytes).map_err(|e| TlsError::NotPem {
        what: "private key file",
        path: path.to_owned(),
        detail: e.to_string(),
    })
}

/// A CA bundle as trust anchors.
pub fn load_roots(path: &Path) -> Result<RootCertStore, TlsError> {
    let mut roots = RootCertStore::empty();
    for cert in load_certs(path)? {
        roots.add(cert).map_err(|e| TlsError::BadTrustAnchor {
            path: path.to_owned(),
            detail: e.to_string(),
        })?;
    }
    Ok(roots)
}

/// CRLs from files holding PEM `X509 CRL` sections (several per file allowed) or one DER CRL.
pub fn load_crls(
    paths: &[PathBuf],
) -> Result<Vec<CertificateRevocationListDer<'static>>, TlsError> {
    let mut out = Vec::new();
    for path in paths {
        let bytes = read("CRL file", path)?;
        if bytes.first() == Some(&0x30) {
            out.push(CertificateRevocationListDer::from(bytes));
            continue;
        }
        out.extend(pem_sections(
            CertificateRevocationListDer::pem_slice_iter(&bytes),
            "CRL file",
            "X509 CRL",
            path,
        )?);
    }
    Ok(out)
}
