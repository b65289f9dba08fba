//! The governance certificate as a PKCS#12 file, for importing into a browser (the
//! governance console). Built by the `p12-keystore` crate (PBES2 with AES-256 and
//! HMAC-SHA-256), with a random password that `isagate dev-certs` prints: the file holds
//! a private key, so it is written with mode 0600 like every key.

use std::path::Path;

use p12_keystore::{Certificate, KeyStore, KeyStoreEntry, PrivateKey, PrivateKeyChain};

use super::{write_secret, IssuedCert};
use crate::tls::TlsError;

/// A fresh random password for the PKCS#12 files of one `dev-certs` run.
pub fn random_password() -> Result<String, TlsError> {
    let mut bytes = [0u8; 12];
    aws_lc_rs::rand::fill(&mut bytes).map_err(|_| TlsError::Generate {
        what: "a PKCS#12 password".into(),
        detail: "the system random generator failed".into(),
    })?;
    Ok(hex::encode(bytes))
}

/// Write `leaf` (key and certificate) with the CA certificate `ca_der` as `path`.
pub fn write(
    leaf: &IssuedCert,
    ca_der: &[u8],
    alias: &str,
    password: &str,
    path: &Path,
) -> Result<(), TlsError> {
    let fail =
        |detail: String| TlsError::Generate { what: format!("`{}`", path.display()), detail };
    let key_der = pem::parse(&leaf.key_pem).map_err(|e| fail(e.to_string()))?;
    let key = PrivateKey::from_der(key_der.contents()).map_err(|e| fail(e.to_string()))?;
    let certs = [
        Certificate::from_der(&leaf.cert_der).map_err(|e| fail(e.to_string()))?,
        Certificate::from_der(ca_der).map_err(|e| fail(e.to_string()))?,
    ];
    let key_id = leaf.sha256();
    let chain = PrivateKeyChain::new(key_id.as_bytes().to_vec(), key, certs);
    let mut store = KeyStore::new();
    store.add_entry(alias, KeyStoreEntry::PrivateKeyChain(chain));
    let bytes = store.writer(password).write().map_err(|e| fail(e.to_string()))?;
    write_secret(path, &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tls::dev_certs::{CertSpec, DevCa};

    #[test]
    fn the_file_reads_back_with_its_password_and_not_without() {
        let ca = DevCa::new("isagate development CA", 1).unwrap();
        let leaf = ca.issue(&CertSpec::governance("dpo", 1)).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("g.p12");
        let password = random_password().unwrap();
        write(&leaf, &ca.cert.cert_der, "governance-dpo", &password, &path).unwrap();
        let data = std::fs::read(&path).unwrap();
        let policy = p12_keystore::Pkcs12ImportPolicy::Strict;
        let store = KeyStore::from_pkcs12(&data, &password, policy).unwrap();
        let (_, chain) = store.private_key_chain().unwrap();
        assert_eq!(chain.certs()[0].as_der(), leaf.cert_der.as_slice());
        assert!(KeyStore::from_pkcs12(&data, "wrong", p12_keystore::Pkcs12ImportPolicy::Strict)
            .is_err());
    }
}
