//! The policy a transfer runs against: an [`AgreementSet`] with every schema compiled
//! once into a [`SchemaPlan`]. Reloads build a new `Policy` and swap the `Arc`; a transfer
//! holds the `Arc` it started with, so in-flight transfers finish on their own set.
//!
//! [`decision`] is the one decision over it: whether a transfer is permitted and what
//! the recipient may see. The gateway, `agreements explain` and `POST /v1/explain` all
//! ask it, so a dry run says what the gateway will do.
//!
//! Must not: read files, clocks or the network, or hold HTTP types.

pub mod decision;

use std::collections::HashMap;
use std::sync::Arc;

use crate::agreements::AgreementSet;
use crate::minimise::plan::SchemaPlan;

/// A loaded, compiled, lint-clean set of agreements.
pub struct Policy {
    pub set: AgreementSet,
    pub plans: HashMap<String, Arc<SchemaPlan>>,
}

#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("schema `{name}` does not compile: {message}")]
    Schema { name: String, message: String },
}

impl Policy {
    /// Compile every schema of the set.
    pub fn build(set: AgreementSet) -> Result<Self, PolicyError> {
        let mut plans = HashMap::new();
        for (name, schema) in &set.schemas {
            let plan = SchemaPlan::compile(name, &schema.json)
                .map_err(|e| PolicyError::Schema { name: name.clone(), message: e.to_string() })?;
            plans.insert(name.clone(), Arc::new(plan));
        }
        Ok(Self { set, plans })
    }

    pub fn plan(&self, name: &str) -> Option<&Arc<SchemaPlan>> {
        self.plans.get(name)
    }

    /// SHA-256 of a schema file, for the record.
    pub fn schema_sha256(&self, name: &str) -> Option<&str> {
        self.set.schemas.get(name).map(|s| s.sha256.as_str())
    }
}

/// The current policy, swapped atomically on reload.
pub type PolicyCell = crate::reloadable::Reloadable<Policy>;
