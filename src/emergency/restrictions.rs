//! Subject restrictions (contract section 10, the right to restrict and to object).
//!
//! Governance registers a restriction as `{type, id, agreements: [..] | "*", note}`; only
//! the keyed hash of the subject id (`SubjectKey::hash(type, id)`) is kept. Each add and
//! each removal is a `governance` record in the chain (`restriction-added`,
//! `restriction-removed`) naming who did it; the active set is rebuilt from those records,
//! so every replica sharing a store converges on the same set ([`RestrictionsCell::refresh`]).
//! A restriction's id is the id of the record that added it.
//!
//! The pipeline asks [`restricted`]: a pure function, no I/O. This module never keeps or
//! logs a subject id, only its keyed hash.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::ledger::{store_failure_is, Ledger, LedgerError, LedgerRecord};
use crate::audit::record::{Outcome, RecordDraft, RecordKind};
use crate::keys::SubjectKey;

pub const ADDED: &str = "restriction-added";
pub const REMOVED: &str = "restriction-removed";
/// The longest note, in characters.
pub const MAX_NOTE_CHARS: usize = 500;

/// Which agreements a restriction covers: `"*"` (all) or a list of agreement ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    Agreements(Vec<String>),
}

impl Scope {
    pub fn covers(&self, agreement_id: &str) -> bool {
        match self {
            Self::All => true,
            Self::Agreements(ids) => ids.iter().any(|a| a == agreement_id),
        }
    }
}

impl Serialize for Scope {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::All => s.serialize_str("*"),
            Self::Agreements(ids) => ids.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Scope {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Star(String),
            List(Vec<String>),
        }
        match Raw::deserialize(d)? {
            Raw::Star(s) if s == "*" => Ok(Self::All),
            Raw::Star(_) => Err(serde::de::Error::custom(
                "`agreements` must be \"*\" or a list of agreement ids",
            )),
            Raw::List(ids) => Ok(Self::Agreements(ids)),
        }
    }
}

/// A restriction as governance sends it. `id` is the subject id: hashed at once, never kept.
#[derive(Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RestrictionInput {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
    pub agreements: Scope,
    #[serde(default)]
    pub note: String,
}

impl std::fmt::Debug for RestrictionInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RestrictionInput")
            .field("kind", &self.kind)
            .field("id", &"<redacted>")
            .field("agreements", &self.agreements)
            .finish_non_exhaustive()
    }
}

/// An active restriction, as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Restriction {
    /// The id of the record that added it.
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    /// Lowercase hex HMAC-SHA256 of `<type>:<normalised id>` with the subject key.
    pub subject_hash: String,
    pub agreements: Scope,
    pub note: String,
    pub added_by: String,
    pub added_at: String,
}

/// The active restrictions, by record id, with an index by subject hash.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RestrictionSet {
    by_id: BTreeMap<String, Restriction>,
    by_hash: BTreeMap<String, Vec<String>>,
    /// The highest governance record seq applied.
    pub seq: u64,
}

impl RestrictionSet {
    /// Apply one governance record (others are ignored).
    pub fn apply(&mut self, r: &LedgerRecord) {
        self.seq = self.seq.max(r.seq);
        let Some(g) = &r.draft.governance else { return };
        match g.get("action").and_then(|a| a.as_str()) {
            Some(ADDED) => {
                let (Some(kind), Some(hash), Some(scope)) = (
                    g.get("type").and_then(|v| v.as_str()),
                    g.get("subject_hash").and_then(|v| v.as_str()),
                    g.get("agreements").and_then(|v| Scope::deserialize(v).ok()),
                ) else {
                    return;
                };
                let res = Restriction {
                    id: r.id.to_string(),
                    kind: kind.to_owned(),
                    subject_hash: hash.to_owned(),
                    agreements: scope,
                    note: g.get("note").and_then(|v| v.as_str()).unwrap_or_default().to_owned(),
                    added_by: r.draft.actor.clone().unwrap_or_default(),
                    added_at: r.time.clone(),
                };
                self.by_hash.entry(res.subject_hash.clone()).or_default().push(res.id.clone());
                self.by_id.insert(res.id.clone(), res);
            }
            Some(REMOVED) => {
                let Some(id) = g.get("restriction").and_then(|v| v.as_str()) else { return };
                if let Some(res) = self.by_id.remove(id) {
                    if let Some(ids) = self.by_hash.get_mut(&res.subject_hash) {
                        ids.retain(|i| i != id);
                        if ids.is_empty() {
                            self.by_hash.remove(&res.subject_hash);
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// Build from governance records in chain order.
    pub fn from_records<'a>(records: impl IntoIterator<Item = &'a LedgerRecord>) -> Self {
        let mut s = Self::default();
        for r in records {
            s.apply(r);
        }
        s
    }

    pub fn list(&self) -> Vec<Restriction> {
        self.by_id.values().cloned().collect()
    }

    pub fn get(&self, id: &str) -> Option<&Restriction> {
        self.by_id.get(id)
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// Whether any restriction on this subject hash covers the agreement.
    pub fn covers(&self, subject_hash: &str, agreement_id: &str) -> bool {
        self.by_hash.get(subject_hash).is_some_and(|ids| {
            ids.iter().filter_map(|i| self.by_id.get(i)).any(|r| r.agreements.covers(agreement_id))
        })
    }
}

/// The pipeline check (contract section 10): a transfer whose subjects include a hash
/// restricted for this agreement is refused (403 `subject-restricted`), unless it is an
/// emergency or the agreement names a legal duty (`restrictions_override`).
pub fn restricted(
    set: &RestrictionSet,
    subject_hashes: &[String],
    agreement_id: &str,
    emergency: bool,
    has_override: bool,
) -> bool {
    !emergency && !has_override && subject_hashes.iter().any(|h| set.covers(h, agreement_id))
}

/// The current set, swapped whole; the pipeline reads it with `current`.
pub type RestrictionsCell = crate::reloadable::Reloadable<RestrictionSet>;

impl RestrictionsCell {
    /// Apply the governance records committed since the last refresh (from every replica).
    pub async fn refresh(&self, ledger: &dyn Ledger) -> Result<(), LedgerError> {
        let cur = self.current();
        let new = ledger.governance_since(cur.seq).await?;
        if new.is_empty() {
            return Ok(());
        }
        let mut set = (*cur).clone();
        for r in &new {
            set.apply(r);
        }
        // Another refresh may have run meanwhile: keep whichever saw more.
        self.replace_if(Arc::new(set), |new, cur| new.seq >= cur.seq);
        Ok(())
    }
}

/// Refresh the cell every `every` until `shutdown` (so replicas pick up each other's changes).
pub fn spawn_refresh(
    cell: Arc<RestrictionsCell>,
    ledger: Arc<dyn Ledger>,
    every: std::time::Duration,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        tokio::pin!(shutdown);
        let mut tick = tokio::time::interval(every.max(std::time::Duration::from_millis(100)));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    if let Err(e) = cell.refresh(ledger.as_ref()).await {
                        tracing::warn!(error = %e, "restrictions refresh failed; keeping the current set");
                    }
                }
                () = &mut shutdown => break,
            }
        }
    })
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RestrictionError {
    #[error(
        "`type` must be a subject id type such as `nhs-number` (lower case letters, digits, `-`)"
    )]
    BadType,
    #[error("`{kind}` is not a subject id type: {hint}use one of {known}")]
    UnknownType { kind: String, hint: String, known: String },
    #[error("no agreement `{id}` is loaded, so the restriction would never match: {hint}check the agreement id, or use \"*\"")]
    UnknownAgreement { id: String, hint: String },
    #[error("`id` must hold 1 to 256 characters")]
    BadId,
    #[error("`agreements` must be \"*\" or a non-empty list of agreement ids")]
    BadScope,
    #[error("`note` must hold at most 500 characters")]
    BadNote,
    #[error("no active restriction has this id")]
    NotFound,
    #[error("the restriction change cannot be recorded: the record store is unavailable")]
    Store,
}

store_failure_is!(RestrictionError, "restrictions");

/// Check a restriction before it is recorded. `agreements` are the ids of the loaded
/// agreements: a scope naming another id, or an unknown subject id type, would make a data
/// subject's objection silently match nothing, so both are refused with "did you mean".
fn validate(input: &RestrictionInput, agreements: &[String]) -> Result<(), RestrictionError> {
    let k = &input.kind;
    if k.is_empty()
        || k.len() > 64
        || !k.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(RestrictionError::BadType);
    }
    let types = crate::minimise::SUBJECT_ID_TYPES;
    if !types.contains(&k.as_str()) {
        return Err(RestrictionError::UnknownType {
            kind: k.clone(),
            hint: crate::spelling::did_you_mean(k, types.iter().copied()),
            known: types.join(", "),
        });
    }
    let id_len = input.id.trim().chars().count();
    if id_len == 0 || id_len > 256 {
        return Err(RestrictionError::BadId);
    }
    if let Scope::Agreements(ids) = &input.agreements {
        if ids.is_empty() || ids.iter().any(|i| i.trim().is_empty() || i.len() > 200) {
            return Err(RestrictionError::BadScope);
        }
        if let Some(id) = ids.iter().find(|i| !agreements.contains(i)) {
            return Err(RestrictionError::UnknownAgreement {
                id: id.clone(),
                hint: crate::spelling::did_you_mean(id, agreements.iter().map(String::as_str)),
            });
        }
    }
    if input.note.chars().count() > MAX_NOTE_CHARS {
        return Err(RestrictionError::BadNote);
    }
    Ok(())
}

/// Record a new restriction, then refresh the cell. Returns it as listed.
pub async fn add(
    ledger: &dyn Ledger,
    cell: &RestrictionsCell,
    key: &SubjectKey,
    input: &RestrictionInput,
    actor: &str,
    agreements: &[String],
) -> Result<Restriction, RestrictionError> {
    validate(input, agreements)?;
    let hash = key.hash(&input.kind, &input.id);
    let mut draft = RecordDraft::new(RecordKind::Governance, Outcome::Recorded);
    draft.actor = Some(actor.to_owned());
    draft.subjects = vec![hash.clone()];
    draft.governance = Some(json!({
        "action": ADDED,
        "type": input.kind,
        "subject_hash": hash,
        "agreements": input.agreements,
        "note": input.note,
    }));
    let committed = ledger.append(draft).await?;
    tracing::info!(restriction = %committed.id, actor, kind = %input.kind, "subject restriction added");
    if let Err(e) = cell.refresh(ledger).await {
        tracing::warn!(error = %e, "restriction recorded; the local set refreshes at the next tick");
    }
    Ok(Restriction {
        id: committed.id.to_string(),
        kind: input.kind.clone(),
        subject_hash: hash,
        agreements: input.agreements.clone(),
        note: input.note.clone(),
        added_by: actor.to_owned(),
        added_at: committed.time,
    })
}

/// Record the removal of an active restriction; returns the removal record's id.
pub async fn remove(
    ledger: &dyn Ledger,
    cell: &RestrictionsCell,
    id: &str,
    actor: &str,
) -> Result<Uuid, RestrictionError> {
    cell.refresh(ledger).await?;
    let Some(existing) = cell.current().get(id).cloned() else {
        return Err(RestrictionError::NotFound);
    };
    let mut draft = RecordDraft::new(RecordKind::Governance, Outcome::Recorded);
    draft.actor = Some(actor.to_owned());
    draft.in_reply_to = id.parse().ok();
    draft.subjects = vec![existing.subject_hash.clone()];
    draft.governance = Some(json!({"action": REMOVED, "restriction": id}));
    let committed = ledger.append(draft).await?;
    tracing::info!(restriction = id, actor, "subject restriction removed");
    if let Err(e) = cell.refresh(ledger).await {
        tracing::warn!(error = %e, "removal recorded; the local set refreshes at the next tick");
    }
    Ok(committed.id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emergency::ledger::memory::MemoryLedger;
    use crate::keys::SecretKey;

    fn key() -> SubjectKey {
        SubjectKey::new(&SecretKey::from_base64(&"E".repeat(44)).unwrap())
    }

    fn input(scope: Scope) -> RestrictionInput {
        RestrictionInput {
            kind: "nhs-number".into(),
            id: "943 476 5919".into(),
            agreements: scope,
            note: "objection".into(),
        }
    }

    #[test]
    fn scope_parses_star_or_list() {
        assert_eq!(serde_json::from_str::<Scope>("\"*\"").unwrap(), Scope::All);
        assert_eq!(
            serde_json::from_str::<Scope>("[\"A\"]").unwrap(),
            Scope::Agreements(vec!["A".into()])
        );
        assert!(serde_json::from_str::<Scope>("\"A\"").is_err());
        assert_eq!(serde_json::to_value(Scope::All).unwrap(), "*");
    }

    #[tokio::test]
    async fn add_restrict_remove() {
        let ledger = MemoryLedger::new();
        let cell = RestrictionsCell::default();
        let k = key();
        let r = add(
            &ledger,
            &cell,
            &k,
            &input(Scope::Agreements(vec!["ISA-1".into()])),
            "urn:isagate:governance:ig",
            &["ISA-1".into(), "ISA-2".into()],
        )
        .await
        .unwrap();
        let h = k.hash("nhs-number", "9434765919");
        assert_eq!(r.subject_hash, h);
        let set = cell.current();
        assert!(restricted(&set, std::slice::from_ref(&h), "ISA-1", false, false));
        assert!(
            !restricted(&set, std::slice::from_ref(&h), "ISA-2", false, false),
            "other agreement"
        );
        assert!(!restricted(&set, std::slice::from_ref(&h), "ISA-1", true, false), "emergency");
        assert!(!restricted(&set, std::slice::from_ref(&h), "ISA-1", false, true), "legal duty");
        assert!(!restricted(&set, &["other".into()], "ISA-1", false, false));
        // The chain holds the hash, never the id.
        let text = serde_json::to_string(&ledger.all()).unwrap();
        assert!(!text.contains("9434765919") && !text.contains("943 476 5919"));
        // A second replica rebuilds the same set from the records.
        let other = RestrictionsCell::default();
        other.refresh(&ledger).await.unwrap();
        assert_eq!(*other.current(), *cell.current());

        assert_eq!(
            remove(&ledger, &cell, "nope", "g").await.unwrap_err(),
            RestrictionError::NotFound
        );
        remove(&ledger, &cell, &r.id, "urn:isagate:governance:ig").await.unwrap();
        assert!(!restricted(&cell.current(), std::slice::from_ref(&h), "ISA-1", false, false));
        assert_eq!(
            remove(&ledger, &cell, &r.id, "g").await.unwrap_err(),
            RestrictionError::NotFound
        );
        other.refresh(&ledger).await.unwrap();
        assert!(other.current().is_empty());
    }

    #[tokio::test]
    async fn star_covers_every_agreement_and_bad_input_is_refused() {
        let ledger = MemoryLedger::new();
        let cell = RestrictionsCell::default();
        add(&ledger, &cell, &key(), &input(Scope::All), "g", &[]).await.unwrap();
        let h = key().hash("nhs-number", "9434765919");
        assert!(restricted(&cell.current(), &[h], "ANY", false, false));
        let mut bad = input(Scope::Agreements(vec![]));
        assert_eq!(
            add(&ledger, &cell, &key(), &bad, "g", &[]).await.unwrap_err(),
            RestrictionError::BadScope
        );
        bad = input(Scope::All);
        bad.kind = "NHS number".into();
        assert_eq!(
            add(&ledger, &cell, &key(), &bad, "g", &[]).await.unwrap_err(),
            RestrictionError::BadType
        );
        bad = input(Scope::All);
        bad.id = " ".into();
        assert_eq!(
            add(&ledger, &cell, &key(), &bad, "g", &[]).await.unwrap_err(),
            RestrictionError::BadId
        );
        assert!(!format!("{bad:?}").contains("943"));
    }

    #[tokio::test]
    async fn unknown_types_and_agreements_are_refused_with_did_you_mean() {
        let ledger = MemoryLedger::new();
        let cell = RestrictionsCell::default();
        let known = ["ISA-LCC-MERPOL-0007".to_owned()];
        let mut bad = input(Scope::Agreements(vec!["ISA-LCC-MERPOL-007".into()]));
        let e = add(&ledger, &cell, &key(), &bad, "g", &known).await.unwrap_err();
        assert!(matches!(e, RestrictionError::UnknownAgreement { .. }), "{e}");
        assert!(e.to_string().contains("did you mean `ISA-LCC-MERPOL-0007`?"), "{e}");
        bad = input(Scope::All);
        bad.kind = "nhs".into();
        let e = add(&ledger, &cell, &key(), &bad, "g", &known).await.unwrap_err();
        assert!(e.to_string().contains("use one of nhs-number, pnc-id"), "{e}");
        bad.kind = "nhs-numbr".into();
        let e = add(&ledger, &cell, &key(), &bad, "g", &known).await.unwrap_err();
        assert!(e.to_string().contains("did you mean `nhs-number`?"), "{e}");
        assert!(ledger.all().is_empty(), "nothing was recorded");
    }
}
