//! The client certificate verifier of both mTLS listeners.
//!
//! rustls's webpki verifier checks the chain to the configured CAs, the validity period,
//! the CRLs (whole chain, unknown status refused, expired CRLs refused), and the
//! clientAuth EKU *when an EKU extension is present*. A leaf with no EKU extension passes
//! webpki, so this wrapper also requires the leaf to carry an EKU extension that names
//! clientAuth. Any failure fails the handshake.
//!
//! It does not read identities (see `identity`) or decide what a peer may do.

use std::sync::Arc;

use rustls::client::danger::HandshakeSignatureValid;
use rustls::pki_types::{CertificateDer, CertificateRevocationListDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::server::WebPkiClientVerifier;
use rustls::{
    CertificateError, DigitallySignedStruct, DistinguishedName, RootCertStore, SignatureScheme,
};
use x509_parser::prelude::{FromDer, X509Certificate};

use super::TlsError;

/// webpki's client verifier plus a required clientAuth EKU on the leaf.
#[derive(Debug)]
pub struct ClientAuthVerifier {
    inner: Arc<dyn ClientCertVerifier>,
}

/// A verifier for client certificates chaining to `roots`, checked against `crls`.
///
/// With no CRLs at all, revocation is not checked (the config makes that an explicit
/// `crls = []`). With CRLs, every certificate in the chain must have a CRL from its
/// issuer, and an expired CRL refuses every certificate it covers.
pub fn client_verifier(
    roots: RootCertStore,
    crls: Vec<CertificateRevocationListDer<'static>>,
) -> Result<Arc<dyn ClientCertVerifier>, TlsError> {
    let inner = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), super::provider())
        .with_crls(crls)
        .enforce_revocation_expiration()
        .build()
        .map_err(|e| TlsError::Verifier(e.to_string()))?;
    Ok(Arc::new(ClientAuthVerifier { inner }))
}

/// The leaf must have an EKU extension, and it must name clientAuth.
pub fn require_client_auth_eku(leaf: &[u8]) -> Result<(), rustls::Error> {
    let (_, cert) = X509Certificate::from_der(leaf)
        .map_err(|_| rustls::Error::InvalidCertificate(CertificateError::BadEncoding))?;
    match cert.extended_key_usage() {
        Ok(Some(eku)) if eku.value.client_auth => Ok(()),
        Ok(_) => Err(rustls::Error::InvalidCertificate(CertificateError::InvalidPurpose)),
        Err(_) => Err(rustls::Error::InvalidCertificate(CertificateError::BadEncoding)),
    }
}

impl ClientCertVerifier for ClientAuthVerifier {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        true
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.inner.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        let verified = self.inner.verify_client_cert(end_entity, intermediates, now)?;
        require_client_auth_eku(end_entity)?;
        Ok(verified)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tls::dev_certs::{fixtures, DevCa};

    fn roots(ca: &DevCa) -> RootCertStore {
        let mut roots = RootCertStore::empty();
        roots.add(CertificateDer::from(ca.cert.cert_der.clone())).unwrap();
        roots
    }

    /// The pitfall this wrapper exists for: webpki alone accepts a leaf with no EKU.
    #[test]
    fn a_leaf_without_eku_passes_webpki_but_not_this_verifier() {
        let ca = DevCa::new("test CA", 1).unwrap();
        let leaf = fixtures::without_eku(&ca, "lcc-ssc").unwrap();
        let der = CertificateDer::from(leaf.cert_der.clone());
        let now = UnixTime::now();
        let plain = WebPkiClientVerifier::builder_with_provider(
            Arc::new(roots(&ca)),
            crate::tls::provider(),
        )
        .build()
        .unwrap();
        assert!(plain.verify_client_cert(&der, &[], now).is_ok());
        let ours = client_verifier(roots(&ca), Vec::new()).unwrap();
        assert!(matches!(
            ours.verify_client_cert(&der, &[], now),
            Err(rustls::Error::InvalidCertificate(CertificateError::InvalidPurpose))
        ));
        let good = fixtures::agency(&ca, "lcc-ssc").unwrap();
        let good = CertificateDer::from(good.cert_der);
        assert!(ours.verify_client_cert(&good, &[], now).is_ok());
    }
}
