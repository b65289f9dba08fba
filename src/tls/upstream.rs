//! The gateway as an mTLS client of one agency's upstream: it presents its own client
//! certificate (`[upstream_client]`) and trusts only the CA configured for that agency
//! (`upstream_ca`), with ALPN h2 and http/1.1.
//!
//! This builds the rustls configuration only; pooling and timeouts belong to the
//! gateway's HTTP client.

use std::sync::Arc;

use rustls::ClientConfig;

use super::TlsError;
use crate::config::{Agency, Config};

/// The client configuration for calls to `agency`'s upstream.
pub fn upstream_client_config(cfg: &Config, agency: &Agency) -> Result<ClientConfig, TlsError> {
    let ca =
        agency.upstream_ca.as_ref().ok_or_else(|| TlsError::NoUpstreamCa(agency.id.clone()))?;
    let roots = super::load_roots(ca)?;
    let certs = super::load_certs(&cfg.upstream_client.cert)?;
    let key = super::load_key(&cfg.upstream_client.key)?;
    let versions: &[&rustls::SupportedProtocolVersion] = if cfg.tls.tls12 {
        &[&rustls::version::TLS13, &rustls::version::TLS12]
    } else {
        &[&rustls::version::TLS13]
    };
    let mut config = ClientConfig::builder_with_provider(super::provider())
        .with_protocol_versions(versions)?
        .with_root_certificates(Arc::new(roots))
        .with_client_auth_cert(certs, key)?;
    config.alpn_protocols = super::server::ALPN.iter().map(|p| p.to_vec()).collect();
    Ok(config)
}
