//! The mTLS listeners' `ServerConfig`, held behind a handle that swaps in a fresh one on
//! reload or when a watched file (CRL, certificate, key, CA bundle) changes.
//!
//! Resumed TLS sessions restore the client certificate without re-verifying it. A fresh
//! `ServerConfig` brings a fresh session cache and a fresh ticket key, so after a swap
//! no earlier session can resume: every client goes through the verifier (and the new
//! CRLs) again. In-flight connections keep the config they started with.
//!
//! This module does not accept connections or read identities; the listeners do.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use std::time::Duration;

use aws_lc_rs::digest;
use rustls::server::{NoServerSessionStorage, ServerSessionMemoryCache};
use rustls::ServerConfig;
use tokio_rustls::TlsAcceptor;

use super::TlsError;
use crate::config::Config;

pub use super::identity::peer_identity;

/// ALPN protocols both listeners offer, preferred first.
pub const ALPN: [&[u8]; 2] = [b"h2", b"http/1.1"];

/// What one listener's TLS is built from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerTlsSettings {
    pub cert: PathBuf,
    pub key: PathBuf,
    /// Client certificates must chain to a CA in this bundle.
    pub client_ca: PathBuf,
    pub crls: Vec<PathBuf>,
    pub tls12: bool,
    pub session_resumption: bool,
}

impl ServerTlsSettings {
    /// The transfer listener: agency client certificates.
    pub fn transfer(cfg: &Config) -> Self {
        let t = &cfg.tls;
        Self {
            cert: t.server_cert.clone(),
            key: t.server_key.clone(),
            client_ca: t.client_ca.clone(),
            crls: t.crls.clone(),
            tls12: t.tls12,
            session_resumption: t.session_resumption,
        }
    }

    /// The admin listener: governance client certificates.
    pub fn admin(cfg: &Config) -> Self {
        let t = &cfg.tls;
        Self {
            cert: t.admin_server_cert.clone(),
            key: t.admin_server_key.clone(),
            client_ca: t.governance_ca.clone(),
            crls: t.crls.clone(),
            tls12: t.tls12,
            session_resumption: t.session_resumption,
        }
    }

    fn watched_files(&self) -> impl Iterator<Item = &PathBuf> {
        [&self.cert, &self.key, &self.client_ca].into_iter().chain(self.crls.iter())
    }

    /// SHA-256 over every watched file's path and contents.
    fn fingerprint(&self) -> Result<Vec<u8>, TlsError> {
        let mut ctx = digest::Context::new(&digest::SHA256);
        for path in self.watched_files() {
            let bytes = std::fs::read(path).map_err(|source| TlsError::Unreadable {
                what: "watched TLS file",
                path: path.clone(),
                source,
            })?;
            ctx.update(path.as_os_str().as_encoded_bytes());
            ctx.update(&(bytes.len() as u64).to_be_bytes());
            ctx.update(&bytes);
        }
        Ok(ctx.finish().as_ref().to_vec())
    }
}

/// Build a fresh `ServerConfig`: TLS 1.3 (and 1.2 when enabled; rustls offers only AEAD
/// suites for 1.2), client certificates required and verified, ALPN h2 and http/1.1,
/// a new session cache and ticket key.
pub fn build_server_config(s: &ServerTlsSettings) -> Result<ServerConfig, TlsError> {
    let certs = super::load_certs(&s.cert)?;
    let key = super::load_key(&s.key)?;
    let roots = super::load_roots(&s.client_ca)?;
    let crls = super::load_crls(&s.crls)?;
    let verifier = super::verifier::client_verifier(roots, crls)?;
    let versions: &[&rustls::SupportedProtocolVersion] = if s.tls12 {
        &[&rustls::version::TLS13, &rustls::version::TLS12]
    } else {
        &[&rustls::version::TLS13]
    };
    let mut config = ServerConfig::builder_with_provider(super::provider())
        .with_protocol_versions(versions)?
        .with_client_cert_verifier(verifier)
        .with_single_cert(certs, key)?;
    config.alpn_protocols = ALPN.iter().map(|p| p.to_vec()).collect();
    if s.session_resumption {
        config.session_storage = ServerSessionMemoryCache::new(4096);
        config.ticketer = rustls::crypto::aws_lc_rs::Ticketer::new()?;
    } else {
        config.session_storage = Arc::new(NoServerSessionStorage {});
        config.send_tls13_tickets = 0;
    }
    Ok(config)
}

/// A listener's TLS configuration, swappable while the listener runs.
#[derive(Debug)]
pub struct ServerTls {
    settings: ServerTlsSettings,
    current: crate::reloadable::Reloadable<ServerConfig>,
    fingerprint: Mutex<Vec<u8>>,
    generation: std::sync::atomic::AtomicU64,
}

impl ServerTls {
    pub fn new(settings: ServerTlsSettings) -> Result<Self, TlsError> {
        let fingerprint = settings.fingerprint()?;
        let config = build_server_config(&settings)?;
        Ok(Self {
            settings,
            current: crate::reloadable::Reloadable::new(config),
            fingerprint: Mutex::new(fingerprint),
            generation: std::sync::atomic::AtomicU64::new(1),
        })
    }

    /// The transfer listener's TLS (agency certificates).
    pub fn transfer(cfg: &Config) -> Result<Self, TlsError> {
        Self::new(ServerTlsSettings::transfer(cfg))
    }

    /// The admin listener's TLS (governance certificates).
    pub fn admin(cfg: &Config) -> Result<Self, TlsError> {
        Self::new(ServerTlsSettings::admin(cfg))
    }

    pub fn settings(&self) -> &ServerTlsSettings {
        &self.settings
    }

    /// The current configuration.
    pub fn server_config(&self) -> Arc<ServerConfig> {
        self.current.current()
    }

    /// An acceptor with the current configuration; take a new one per connection.
    pub fn acceptor(&self) -> TlsAcceptor {
        TlsAcceptor::from(self.server_config())
    }

    /// How many configurations have been built (1 at start, +1 per successful reload).
    pub fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Re-read certificates, key, CA bundle and CRLs and swap in a fresh configuration.
    /// On error the old configuration stays.
    pub fn reload(&self) -> Result<(), TlsError> {
        let fingerprint = self.settings.fingerprint()?;
        self.current.replace(build_server_config(&self.settings)?);
        *self.fingerprint.lock().unwrap_or_else(PoisonError::into_inner) = fingerprint;
        self.generation.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }

    /// Reload when a watched file's contents changed; `Ok(true)` when it did.
    pub fn reload_if_changed(&self) -> Result<bool, TlsError> {
        let now = self.settings.fingerprint()?;
        let unchanged = *self.fingerprint.lock().unwrap_or_else(PoisonError::into_inner) == now;
        if unchanged {
            return Ok(false);
        }
        self.reload()?;
        Ok(true)
    }

    /// Check the watched files every `interval` and reload on change. A failed reload
    /// (say, a CRL file caught half written) is logged, keeps the old configuration and
    /// is retried at the next check. Abort the returned task to stop watching.
    pub fn spawn_crl_watch(self: Arc<Self>, interval: Duration) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(interval);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            ticker.tick().await;
            loop {
                ticker.tick().await;
                let this = self.clone();
                let outcome = tokio::task::spawn_blocking(move || this.reload_if_changed()).await;
                match outcome {
                    Ok(Ok(true)) => {
                        tracing::info!(
                            generation = self.generation(),
                            "tls files changed: new sessions use the new CRLs"
                        )
                    }
                    Ok(Ok(false)) => {}
                    Ok(Err(e)) => {
                        tracing::error!(error = %e, "tls reload failed: keeping the previous configuration")
                    }
                    Err(e) => tracing::error!(error = %e, "tls reload task failed"),
                }
            }
        })
    }
}
