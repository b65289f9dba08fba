//! What every transfer shares: settings, agencies, the current policy, the record store,
//! keys, rate limiters, upstream clients and the clock. Built once by `serve`.

use std::collections::HashMap;
use std::time::Duration;

use crate::audit::Store;
use crate::clock::Clock;
use crate::gateway::rate::RateLimits;
use crate::gateway::upstream::Upstreams;
use crate::json_strict::Limits;
use crate::keys::{PseudonymisationKey, SubjectKey};
use crate::policy::PolicyCell;
use crate::tls::identity::PeerIdentity;
use http::Uri;

/// The caller as its TLS handshake proved it.
#[derive(Debug, Clone)]
pub struct Peer {
    /// `None` when the verified certificate carries no usable isagate identity.
    pub identity: Option<PeerIdentity>,
    /// Lowercase hex SHA-256 of the leaf certificate (DER).
    pub cert_sha256: String,
}

/// A registered agency, as the pipeline needs it.
#[derive(Debug, Clone)]
pub struct AgencyInfo {
    pub id: String,
    pub name: String,
    pub jurisdiction: String,
    /// Absent: the agency only sends.
    pub upstream: Option<String>,
    /// Allowed client certificate SHA-256 fingerprints (lowercase hex); empty: any.
    pub pins: Vec<String>,
}

impl AgencyInfo {
    pub fn from_config(a: &crate::config::Agency) -> Self {
        Self {
            id: a.id.clone(),
            name: a.name.clone(),
            jurisdiction: a.jurisdiction.clone(),
            upstream: a.upstream.as_ref().map(ToString::to_string),
            pins: a.pins.clone(),
        }
    }

    /// A certificate with this SHA-256 may act for the agency.
    pub fn pin_allows(&self, cert_sha256: &str) -> bool {
        self.pins.is_empty() || self.pins.iter().any(|p| p.eq_ignore_ascii_case(cert_sha256))
    }
}

/// Limits and timeouts of the transfer listener.
#[derive(Debug, Clone)]
pub struct Settings {
    pub max_body: usize,
    pub max_depth: usize,
    /// The whole request body must arrive within this.
    pub read_timeout: Duration,
    /// The request, from its head to the commit of its request record (`limits.request_timeout`).
    pub request_timeout: Duration,
    /// Largest body after `Content-Encoding` is undone (`limits.decompressed_max`).
    pub decompressed_max: usize,
}

impl Settings {
    /// Parse limits: the largest body any read lets through (raw or decompressed).
    pub fn json_limits(&self) -> Limits {
        Limits { max_bytes: self.max_body.max(self.decompressed_max), max_depth: self.max_depth }
    }
}

/// Everything a transfer needs, shared by all connections.
pub struct GatewayState {
    pub settings: Settings,
    pub agencies: HashMap<String, AgencyInfo>,
    pub policy: PolicyCell,
    pub store: Store,
    pub pseudonyms: PseudonymisationKey,
    pub subject_key: SubjectKey,
    pub rate: RateLimits,
    pub upstreams: Upstreams,
    /// "Today" for agreements in force and `age-band`.
    pub clock: std::sync::Arc<dyn Clock>,
    /// Subject restrictions (contract section 10), shared with the admin listener.
    pub restrictions: std::sync::Arc<crate::emergency::restrictions::RestrictionsCell>,
    /// Emergency alerts: log event, metric and the optional webhook.
    pub alerts: crate::emergency::alert::Alerts,
}

impl GatewayState {
    /// The upstream URL for a recipient, when it has one.
    pub fn upstream_uri(&self, agency: &str, encoded_path: &str, query: &str) -> Option<Uri> {
        self.upstreams.uri(agency, encoded_path, query)
    }
}
