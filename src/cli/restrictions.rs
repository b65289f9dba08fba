//! `isagate restrictions add|remove|list`: subject restrictions (contract section 10),
//! through the admin API of a running gateway, or with `--store URL` on an offline
//! gateway's store (then `--actor` names who acts). The subject id is sent once, hashed
//! by the gateway, and never printed back: listings show keyed hashes.

use http::Method;

use super::emergency::{admin_client, finish, open_ledger, Reach};
use super::{Exit, Format, GlobalArgs};
use crate::admin::client::Answer;
use crate::emergency::restrictions::{
    self, Restriction, RestrictionInput, RestrictionsCell, Scope,
};

#[derive(Debug, clap::Subcommand)]
pub enum RestrictionsCmd {
    /// Register a restriction for a subject.
    Add {
        /// The subject id type, e.g. `nhs-number`.
        #[arg(long = "type", value_name = "TYPE")]
        kind: String,
        /// The subject id (hashed by the gateway; never stored).
        #[arg(long)]
        id: String,
        /// The agreements it covers: `*` (all) or agreement ids separated by commas.
        /// (`--agreements` is the global agreements folder.)
        #[arg(long, value_name = "IDS", default_value = "*")]
        scope: String,
        /// Why, for the record (for example the reference of the subject's objection).
        #[arg(long, default_value = "")]
        note: String,
        /// `human` for reading, `json` for the admin API's JSON body.
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
        #[command(flatten)]
        reach: Reach,
    },
    /// Remove a restriction by its id (as `list` shows it).
    Remove {
        /// The restriction's id, as `restrictions list` shows it.
        #[arg(value_name = "RESTRICTION ID")]
        id: String,
        /// `human` for reading, `json` for the admin API's JSON body.
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
        #[command(flatten)]
        reach: Reach,
    },
    /// The active restrictions (keyed hashes only).
    List {
        /// `human` for reading, `json` for the admin API's JSON body.
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
        #[command(flatten)]
        reach: Reach,
    },
}

fn scope(s: &str) -> Scope {
    if s.trim() == "*" {
        Scope::All
    } else {
        Scope::Agreements(
            s.split(',').map(|a| a.trim().to_owned()).filter(|a| !a.is_empty()).collect(),
        )
    }
}

fn print_one(r: &Restriction) {
    let scope = match &r.agreements {
        Scope::All => "*".to_owned(),
        Scope::Agreements(a) => a.join(","),
    };
    println!(
        "{}  {}:{}  agreements {}  by {} at {}",
        r.id, r.kind, r.subject_hash, scope, r.added_by, r.added_at
    );
    if !r.note.is_empty() {
        println!("    note: {}", r.note);
    }
}

fn ok(body: serde_json::Value) -> Answer {
    Answer { status: 200, content_type: "application/json".into(), body, record_id: None }
}

fn refused(code: u16, detail: String) -> Answer {
    Answer {
        status: code,
        content_type: "application/problem+json".into(),
        body: serde_json::json!({"detail": detail}),
        record_id: None,
    }
}

/// An offline failure answered with the status and sentence the admin API would give.
fn refused_as_api(e: crate::admin::AdminError) -> Answer {
    refused(e.code().status(), e.to_string())
}

pub fn run(global: &GlobalArgs, cmd: RestrictionsCmd) -> anyhow::Result<Exit> {
    let rt = super::runtime()?;
    rt.block_on(async move {
        match cmd {
            RestrictionsCmd::Add { kind, id, scope: ids, note, format, reach } => {
                let input = RestrictionInput { kind, id, agreements: scope(&ids), note };
                let answer = if let Some(url) = &reach.store {
                    super::governance::refuse_offline_writes(global)?;
                    let actor = offline_actor(&reach)?;
                    let ledger = open_ledger(url).await?;
                    let key = subject_key(global)?;
                    let agreements = loaded_agreement_ids(global)?;
                    let cell = RestrictionsCell::default();
                    match restrictions::add(ledger.as_ref(), &cell, &key, &input, &actor, &agreements).await {
                        Ok(r) => ok(serde_json::to_value(r)?),
                        Err(e) => refused_as_api(e.into()),
                    }
                } else {
                    admin_client(global)?.send(Method::POST, "/v1/restrictions", Some(&serde_json::to_value(&input)?)).await?
                };
                finish(answer, format, |b| {
                    if let Ok(r) = serde_json::from_value::<Restriction>(b.clone()) {
                        print!("restriction added: ");
                        print_one(&r);
                    }
                })
            }
            RestrictionsCmd::Remove { id, format, reach } => {
                let answer = if let Some(url) = &reach.store {
                    super::governance::refuse_offline_writes(global)?;
                    let actor = offline_actor(&reach)?;
                    let ledger = open_ledger(url).await?;
                    let cell = RestrictionsCell::default();
                    match restrictions::remove(ledger.as_ref(), &cell, &id, &actor).await {
                        Ok(rec) => ok(serde_json::json!({"id": id, "removed": true, "record_id": rec.to_string()})),
                        Err(e) => refused_as_api(e.into()),
                    }
                } else {
                    let path = format!("/v1/restrictions/{}", percent_encoding::utf8_percent_encode(&id, percent_encoding::NON_ALPHANUMERIC));
                    admin_client(global)?.send(Method::DELETE, &path, None).await?
                };
                finish(answer, format, |b| println!("restriction {} removed", b["id"].as_str().unwrap_or("?")))
            }
            RestrictionsCmd::List { format, reach } => {
                let answer = if let Some(url) = &reach.store {
                    let ledger = open_ledger(url).await?;
                    let cell = RestrictionsCell::default();
                    cell.refresh(ledger.as_ref()).await?;
                    ok(serde_json::json!({"restrictions": cell.current().list()}))
                } else {
                    admin_client(global)?.send(Method::GET, "/v1/restrictions", None).await?
                };
                finish(answer, format, |b| {
                    let list: Vec<Restriction> = serde_json::from_value(b["restrictions"].clone()).unwrap_or_default();
                    if list.is_empty() {
                        println!("no active restrictions");
                    }
                    list.iter().for_each(print_one);
                })
            }
        }
    })
}

fn offline_actor(reach: &Reach) -> anyhow::Result<String> {
    let actor = reach
        .actor
        .clone()
        .ok_or_else(|| anyhow::anyhow!("`--store` needs `--actor urn:isagate:governance:...`"))?;
    anyhow::ensure!(
        actor.starts_with("urn:isagate:governance:"),
        "`--actor` must be a governance URI"
    );
    Ok(actor)
}

/// The subject key named by the config (`[keys] subject`), for offline restriction
/// changes: the same key the gateway hashes subject ids with, or the restriction would
/// never match.
fn subject_key(global: &GlobalArgs) -> anyhow::Result<crate::keys::SubjectKey> {
    let mut defaults = super::audit::defaults::Defaults::new(global);
    let file = defaults.subject_key(None)?.ok_or_else(|| {
        anyhow::anyhow!(
            "offline restriction changes need the subject key: give `--config` with \
             `[keys] subject` (the gateway's own key, or the restriction never matches)"
        )
    })?;
    Ok(crate::keys::SubjectKey::new(&crate::keys::SecretKey::read(&file)?))
}

/// The ids of the agreements the config's `[paths]` load, so an offline restriction is
/// checked against the same set the gateway enforces.
fn loaded_agreement_ids(global: &GlobalArgs) -> anyhow::Result<Vec<String>> {
    let mut defaults = super::audit::defaults::Defaults::new(global);
    let paths = defaults.paths()?.ok_or_else(|| {
        anyhow::anyhow!(
            "offline restriction changes need `--config`: its agreements check the scope"
        )
    })?;
    let set =
        crate::agreements::load::load_set(&paths.agreements, &paths.schemas).map_err(|e| {
            anyhow::anyhow!("cannot load the agreements to check the scope against: {e}")
        })?;
    Ok(set.agreements.iter().map(|a| a.agreement.id.clone()).collect())
}
