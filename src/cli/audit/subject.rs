//! `audit subject --type T --id V`: every record about one data subject, for a subject
//! access request, with every other subject's hash redacted. The id is hashed with the
//! subject key at once and never printed or logged.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Context as _;
use serde::Serialize;

use super::defaults::Defaults;
use super::{Exit, Format, StoreArg};
use crate::audit::record::{AgreementRef, Record};
use crate::keys::{SecretKey, SubjectKey};
use crate::minimise::{Stripped, Transformed};

/// What replaces another subject's hash.
pub const REDACTED: &str = "redacted";

#[derive(Debug, clap::Args)]
pub struct SubjectArgs {
    #[command(flatten)]
    pub store: StoreArg,
    /// The kind of identifier, e.g. `nhs-number`, `pnc-id`, `local-id`.
    #[arg(long = "type", value_name = "T")]
    pub kind: String,
    /// The identifier itself (never printed).
    #[arg(long, value_name = "V")]
    pub id: String,
    /// The subject hash key file (base64; default: the config's `[keys] subject`).
    #[arg(long, value_name = "FILE")]
    pub subject_key: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// The emergency part of an entry, with its review state.
#[derive(Debug, Serialize)]
pub struct EmergencyView {
    pub category: String,
    pub justification: String,
    /// `pending` or `reviewed`.
    pub state: String,
    pub decision: Option<String>,
    pub subject_told: Option<String>,
}

/// One record as a subject access response shows it.
#[derive(Debug, Serialize)]
pub struct SubjectEntry {
    pub id: String,
    pub seq: u64,
    pub time: String,
    pub kind: String,
    pub direction: Option<String>,
    pub in_reply_to: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub agreement: Option<AgreementRef>,
    pub flow: Option<String>,
    pub purpose: Option<String>,
    pub reason: Option<String>,
    pub requester: Option<String>,
    pub disclosed: Vec<String>,
    pub stripped: Vec<Stripped>,
    pub transformed: Vec<Transformed>,
    pub outcome: String,
    pub emergency: Option<EmergencyView>,
    /// This subject's hash, and `redacted` for everyone else named in the record.
    pub subjects: Vec<String>,
}

fn name<T: Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// Shape a record for the subject whose hash is `me`.
pub fn entry(
    r: Record,
    me: &str,
    states: &HashMap<uuid::Uuid, (String, Option<String>, Option<String>)>,
) -> SubjectEntry {
    let d = r.draft;
    let emergency = d.emergency.map(|e| {
        let (state, decision, told) =
            states.get(&r.id).cloned().unwrap_or(("pending".into(), None, None));
        EmergencyView {
            category: e.category,
            justification: e.justification,
            state,
            decision,
            subject_told: told,
        }
    });
    SubjectEntry {
        id: r.id.to_string(),
        seq: r.seq,
        time: r.time,
        kind: name(&d.kind),
        direction: d.direction.as_ref().map(name),
        in_reply_to: d.in_reply_to.map(|u| u.to_string()),
        from: d.from,
        to: d.to,
        agreement: d.agreement,
        flow: d.flow,
        purpose: d.purpose,
        reason: d.reason,
        requester: d.requester,
        disclosed: d.disclosed,
        stripped: d.stripped,
        transformed: d.transformed,
        outcome: name(&d.outcome),
        emergency,
        subjects: d
            .subjects
            .into_iter()
            .map(|s| if s == me { s } else { REDACTED.to_owned() })
            .collect(),
    }
}

pub async fn run(args: SubjectArgs, defaults: &mut Defaults<'_>) -> anyhow::Result<Exit> {
    let key_file = defaults.subject_key(args.subject_key)?.context(
        "`--subject-key FILE` is needed to find a subject (the store holds only keyed hashes)",
    )?;
    let key = SubjectKey::new(&SecretKey::read(&key_file)?);
    let me = key.hash(&args.kind, &args.id);
    let store = super::open_existing(&defaults.store_url(&args.store)?).await?;
    let records = store.subject_records(&me).await?;
    let states: HashMap<_, _> = store
        .emergency_records(None)
        .await?
        .into_iter()
        .map(|e| (e.record.id, (e.state, e.decision, e.subject_told)))
        .collect();
    let entries: Vec<SubjectEntry> = records.into_iter().map(|r| entry(r, &me, &states)).collect();
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&entries)?)?,
        Format::Human => {
            writeln!(out, "{} records about this {} subject", entries.len(), args.kind)?;
            for e in &entries {
                writeln!(out, "\n{} seq {} {} ({})", e.time, e.seq, e.kind, e.outcome)?;
                writeln!(out, "  id: {}", e.id)?;
                let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
                writeln!(out, "  from {} to {}", opt(&e.from), opt(&e.to))?;
                if let Some(a) = &e.agreement {
                    writeln!(
                        out,
                        "  agreement: {} version {}, flow {}",
                        a.id,
                        a.version,
                        opt(&e.flow)
                    )?;
                }
                writeln!(out, "  purpose: {}; requester: {}", opt(&e.purpose), opt(&e.requester))?;
                writeln!(out, "  reason: {}", opt(&e.reason))?;
                writeln!(out, "  disclosed: {}", e.disclosed.join(", "))?;
                for s in &e.stripped {
                    writeln!(out, "  stripped: {} ({})", s.path, name(&s.reason))?;
                }
                for t in &e.transformed {
                    writeln!(out, "  transformed: {} ({})", t.path, t.transform)?;
                }
                if let Some(em) = &e.emergency {
                    writeln!(
                        out,
                        "  emergency: {} ({}{})",
                        em.category,
                        em.state,
                        em.decision.as_ref().map(|d| format!(": {d}")).unwrap_or_default()
                    )?;
                }
            }
        }
    }
    Ok(Exit::Success)
}
