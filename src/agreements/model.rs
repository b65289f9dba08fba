//! Agreements as pure data: what a governance team wrote in `agreements/*.yaml` and
//! `agreements/emergency-policy.yaml`, after it parsed (contract sections 3, 6, 10, 11).
//!
//! No I/O and no decisions here: loading and source positions live in `load`, lint
//! rules in `lint`, request matching in `matching`.

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

pub use super::lawful_basis::Regime;
pub use super::request_form::{Controllers, DecisionMaker, DpiaOutcome, DpoConsulted};
pub use crate::codes::LawfulBasis;

/// One information sharing agreement, exactly as its YAML file says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Agreement {
    pub id: String,
    pub title: String,
    pub version: u32,
    pub status: AgreementStatus,
    pub owner: String,
    pub parties: Vec<String>,
    #[serde(default)]
    pub dpia: Option<String>,
    pub effective_from: Date,
    pub expires: Date,
    #[serde(default)]
    pub review_by: Option<Date>,
    pub lawful_basis: LawfulBasis,
    pub purposes: Vec<Purpose>,
    pub retention: String,
    pub flows: Vec<Flow>,
    #[serde(default)]
    pub emergency: Option<EmergencyClause>,
    #[serde(default)]
    pub international_transfer: Option<InternationalTransfer>,
    #[serde(default)]
    pub restrictions_override: Option<RestrictionsOverride>,
    /// Governance identities (`urn:isagate:governance:...`) who alone may approve a
    /// proposed change to it (empty: any governance identity but the proposer).
    #[serde(default)]
    pub approvers: Vec<String>,
    /// The ICO request form's optional keys ([`crate::agreements::request_form`]).
    #[serde(default)]
    pub decision_maker: Option<DecisionMaker>,
    #[serde(default)]
    pub dpo_consulted: Option<DpoConsulted>,
    #[serde(default)]
    pub dpia_outcome: Option<DpiaOutcome>,
    #[serde(default)]
    pub statutory_power: Option<String>,
    #[serde(default)]
    pub controllers: Option<Controllers>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AgreementStatus {
    Draft,
    Active,
    Suspended,
    Expired,
}

impl AgreementStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Active => "active",
            Self::Suspended => "suspended",
            Self::Expired => "expired",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Purpose {
    pub id: String,
    pub description: String,
}

/// One permitted route of data from one party to another (also as the admin API lists it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Flow {
    pub id: String,
    pub from: String,
    pub to: String,
    pub method: String,
    /// `/v1/referrals`, `/v1/cases/{case}` or `/v1/extracts/*`.
    pub path: String,
    pub purposes: Vec<String>,
    /// Absent: the flow accepts no body (GET, DELETE).
    #[serde(default)]
    pub request_schema: Option<String>,
    /// Absent: the upstream's response body is withheld, only its status passes.
    #[serde(default)]
    pub response_schema: Option<String>,
    /// Allow-listed query parameter names.
    #[serde(default)]
    pub query: Vec<String>,
    /// Allowed `Content-Encoding`s, e.g. `[gzip]`. Default none.
    #[serde(default)]
    pub content_encodings: Vec<String>,
    /// The disclosing party's regime: `uk-gdpr` (default) or `dpa-part-3`.
    #[serde(default)]
    pub regime: Regime,
    /// The flow's own lawful basis, replacing the agreement's for this flow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lawful_basis: Option<LawfulBasis>,
}

/// An agreement's emergency clause (contract section 6).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmergencyClause {
    pub allowed: bool,
    pub request_schema: String,
    #[serde(default)]
    pub response_schema: Option<String>,
    /// Categories allowed under this clause; absent means all five.
    #[serde(default)]
    pub categories: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InternationalTransfer {
    pub safeguard: Safeguard,
    pub reference: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Safeguard {
    Adequacy,
    Idta,
    Addendum,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RestrictionsOverride {
    pub legal_duty: String,
}

/// `agreements/emergency-policy.yaml`: emergency sharing where no agreement covers the pair.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmergencyPolicy {
    pub version: u32,
    #[serde(default)]
    pub rules: Vec<EmergencyRule>,
    #[serde(default)]
    pub limits: EmergencyLimits,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmergencyRule {
    pub id: String,
    /// Agency ids, or `["*"]`.
    pub from: Vec<String>,
    pub to: Vec<String>,
    pub categories: Vec<String>,
    /// Default `[POST]`.
    #[serde(default)]
    pub methods: Option<Vec<String>>,
    /// Default: any path.
    #[serde(default)]
    pub paths: Option<Vec<String>>,
    pub request_schema: String,
    #[serde(default)]
    pub response_schema: Option<String>,
    pub lawful_basis: LawfulBasis,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmergencyLimits {
    #[serde(default = "EmergencyLimits::default_per_requester")]
    pub per_requester: Limit,
    #[serde(default = "EmergencyLimits::default_per_agency")]
    pub per_agency: Limit,
}

impl EmergencyLimits {
    fn default_per_requester() -> Limit {
        Limit { count: 3, per: "24h".into() }
    }
    fn default_per_agency() -> Limit {
        Limit { count: 50, per: "24h".into() }
    }
}

impl Default for EmergencyLimits {
    fn default() -> Self {
        Self {
            per_requester: Self::default_per_requester(),
            per_agency: Self::default_per_agency(),
        }
    }
}

/// `{count: 3, per: 24h}`; `per` is a number followed by `s`, `m`, `h` or `d`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limit {
    pub count: u32,
    pub per: String,
}

impl Limit {
    /// The window `per` names: `24h` is a day. `None` for anything else, zero included
    /// (the linter reports it, so a loaded policy never has one).
    pub fn window(&self) -> Option<std::time::Duration> {
        let s = self.per.trim();
        let unit = match s.chars().last()? {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            _ => return None,
        };
        let n: u64 = s[..s.len() - 1].parse().ok()?;
        let secs = n.checked_mul(unit).filter(|secs| *secs > 0)?;
        Some(std::time::Duration::from_secs(secs))
    }
}

/// The five emergency categories of contract section 6.
pub const EMERGENCY_CATEGORIES: &[&str] =
    &["risk-to-life", "child-at-risk", "adult-at-risk", "serious-harm-to-others", "serious-crime"];

/// An agreement as loaded from disk: the data plus where it came from.
#[derive(Debug, Clone)]
pub struct LoadedAgreement {
    pub agreement: Agreement,
    /// The file it was read from.
    pub path: std::path::PathBuf,
    /// Lowercase hex SHA-256 of the file's bytes, recorded with every disclosure.
    pub sha256: String,
}

/// A schema file as loaded from `schemas/`: its name (as agreements refer to it), its
/// parsed JSON and the SHA-256 of its bytes.
#[derive(Debug, Clone)]
pub struct LoadedSchema {
    pub name: String,
    pub path: std::path::PathBuf,
    pub json: serde_json::Value,
    pub sha256: String,
}

/// A registered agency, as far as agreements care (contract section 9).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgencyRef {
    pub id: String,
    pub name: String,
    /// ISO 3166-1 alpha-2; `GB` is inside the UK.
    pub jurisdiction: String,
    pub receives: bool,
    /// A public authority acting in its tasks (config `public_authority`, default true).
    #[serde(default = "AgencyRef::default_public_authority")]
    pub public_authority: bool,
}

impl AgencyRef {
    fn default_public_authority() -> bool {
        true
    }
}

/// Everything the policy needs, loaded together and swapped atomically on reload.
#[derive(Debug, Clone, Default)]
pub struct AgreementSet {
    pub agreements: Vec<LoadedAgreement>,
    /// Schema files by name (e.g. `referral.v1.json`).
    pub schemas: BTreeMap<String, LoadedSchema>,
    pub emergency_policy: Option<EmergencyPolicy>,
}

impl AgreementSet {
    pub fn agreement(&self, id: &str) -> Option<&LoadedAgreement> {
        self.agreements.iter().find(|a| a.agreement.id == id)
    }
}

impl Agreement {
    pub fn flow(&self, id: &str) -> Option<&Flow> {
        self.flows.iter().find(|f| f.id == id)
    }

    /// The lawful basis `flow` relies on: its own, or else the agreement's.
    pub fn basis_for<'a>(&'a self, flow: &'a Flow) -> &'a LawfulBasis {
        flow.lawful_basis.as_ref().unwrap_or(&self.lawful_basis)
    }

    /// In force: `status: active` and `effective_from <= today < expires` (Europe/London).
    pub fn in_force_on(&self, today: Date) -> bool {
        self.status == AgreementStatus::Active
            && self.effective_from <= today
            && today < self.expires
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::Limit;

    #[test]
    fn limit_windows() {
        let window = |per: &str| Limit { count: 1, per: per.to_owned() }.window();
        assert_eq!(window("24h"), Some(Duration::from_secs(86_400)));
        assert_eq!(window("15m"), Some(Duration::from_secs(900)));
        assert_eq!(window("h"), None);
        assert_eq!(window("5w"), None);
        assert_eq!(window("0h"), None);
        assert_eq!(window("99999999999999999999d"), None);
    }
}
