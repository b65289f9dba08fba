//! What the records say about one agreement, for the register (`agreements list`,
//! `GET /v1/agreements`): when its current text went live and who made it so (the
//! governance records of reloads and activations), and its last transfer. One query each,
//! on SQLite and PostgreSQL alike; only record metadata, never a payload or an identifier.

use serde::{Deserialize, Serialize};

use super::record::{Outcome, Record, RecordKind};
use super::store::{decode, Param, Store, StoreError};

/// How many activation records of one agreement text are read at most.
const ACTIVATIONS_READ: i64 = 1000;

/// When an agreement's current text went live.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activation {
    pub time: String,
    /// The governance identity that made it live (the gateway's own for `SIGHUP`), if
    /// the record names one.
    pub actor: Option<String>,
    /// The governance record's `action` (`agreement-activated`, `agreements-reloaded`).
    pub action: String,
    pub record_id: uuid::Uuid,
}

/// An agreement's last transfer (its request record).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastTransfer {
    pub time: String,
    pub flow: Option<String>,
    /// The request record's outcome (`forwarded`, `refused`...).
    pub outcome: Outcome,
    pub record_id: uuid::Uuid,
}

/// Both, for one agreement.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgreementActivity {
    pub last_activation: Option<Activation>,
    pub last_transfer: Option<LastTransfer>,
}

impl Store {
    /// What the records say about agreement `id` whose file hashes to `sha256`.
    pub async fn agreement_activity(
        &self,
        id: &str,
        sha256: &str,
    ) -> Result<AgreementActivity, StoreError> {
        // Only the two actions `activation_of` reads (through their index); the hash is
        // hex, so it needs no escaping inside a LIKE pattern.
        let rows = self
            .backend
            .select(
                "WHERE kind = 'governance' \
                 AND action IN ('agreement-activated', 'agreements-reloaded') \
                 AND body LIKE $1 ORDER BY seq LIMIT $2",
                vec![Param::Text(format!("%{sha256}%")), Param::Int(ACTIVATIONS_READ)],
            )
            .await?;
        let records = rows.into_iter().map(decode).collect::<Result<Vec<_>, _>>()?;
        let last_activation = activation_of(&records, id, sha256);
        let rows = self
            .backend
            .select(
                "WHERE kind = 'disclosure' AND agreement_id = $1 \
                 AND (direction IS NULL OR direction = 'request') ORDER BY seq DESC LIMIT 1",
                vec![Param::Text(id.to_owned())],
            )
            .await?;
        let last_transfer = match rows.into_iter().next().map(decode).transpose()? {
            Some(r) => Some(LastTransfer {
                time: r.time.clone(),
                flow: r.draft.flow.clone(),
                outcome: r.draft.outcome,
                record_id: r.id,
            }),
            None => None,
        };
        Ok(AgreementActivity { last_activation, last_transfer })
    }
}

/// The one place that reads activations out of governance records (in seq order): the
/// newest `agreement-activated` record for this agreement and text; failing that (records
/// written before those existed), the first `agreements-reloaded` that named them, which
/// is when that text went live by reload.
pub fn activation_of(records: &[Record], id: &str, sha256: &str) -> Option<Activation> {
    // The members of `lifecycle::Activation`: the text that went live is `sha256` (never
    // `previous_sha256`, which names the text it replaced).
    let names = |g: &serde_json::Value| {
        g["agreement"].as_str() == Some(id) && g["sha256"].as_str() == Some(sha256)
    };
    let activation = |r: &Record, action: &str| Activation {
        time: r.time.clone(),
        actor: r.draft.actor.clone(),
        action: action.to_owned(),
        record_id: r.id,
    };
    let governance = records
        .iter()
        .filter(|r| r.draft.kind == RecordKind::Governance)
        .filter_map(|r| r.draft.governance.as_ref().map(|g| (r, g)));
    let mut reloaded = None;
    let mut activated = None;
    for (r, g) in governance {
        match g["action"].as_str() {
            Some(a @ "agreement-activated") if names(g) => activated = Some(activation(r, a)),
            Some(a @ "agreements-reloaded") if reloaded.is_none() => {
                let listed = g["agreements"].as_array().is_some_and(|list| {
                    list.iter().any(|e| e["id"] == id && e["sha256"] == sha256)
                });
                if listed {
                    reloaded = Some(activation(r, a));
                }
            }
            _ => {}
        }
    }
    activated.or(reloaded)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::record::RecordDraft;
    use serde_json::json;

    fn governance(seq: u64, g: serde_json::Value, actor: &str) -> Record {
        let mut draft = RecordDraft::new(RecordKind::Governance, Outcome::Recorded);
        draft.governance = Some(g);
        draft.actor = Some(actor.to_owned());
        Record {
            id: uuid::Uuid::now_v7(),
            seq,
            time: format!("2026-11-2{seq}T10:00:00.000000Z"),
            draft,
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    #[test]
    fn the_newest_activation_wins_over_the_first_reload() {
        let sha = "ab".repeat(32);
        let reload = |seq, actor| {
            governance(
                seq,
                json!({"action": "agreements-reloaded", "agreements": [{"id": "ISA-1", "version": 1, "sha256": sha}]}),
                actor,
            )
        };
        let records = vec![reload(1, "urn:a"), reload(2, "urn:b")];
        let a = activation_of(&records, "ISA-1", &sha).unwrap();
        assert_eq!((a.actor.as_deref(), a.action.as_str()), (Some("urn:a"), "agreements-reloaded"));
        assert!(activation_of(&records, "ISA-2", &sha).is_none(), "another agreement");
        assert!(activation_of(&records, "ISA-1", &"cd".repeat(32)).is_none(), "another text");
        let mut more = records.clone();
        for seq in [3, 4] {
            more.push(governance(
                seq,
                json!({"action": "agreement-activated", "agreement": "ISA-1", "sha256": sha}),
                if seq == 3 { "urn:c" } else { "urn:d" },
            ));
        }
        let a = activation_of(&more, "ISA-1", &sha).unwrap();
        assert_eq!((a.actor.as_deref(), a.action.as_str()), (Some("urn:d"), "agreement-activated"));
    }
}
