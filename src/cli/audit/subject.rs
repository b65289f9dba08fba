//! `audit subject --type T --id V`: every record about one data subject, for a subject
//! access request, with every other subject's hash redacted (shaped by
//! [`crate::audit::subject_access`]). The id is hashed with the subject key at once and
//! never printed or logged.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Context as _;

use super::defaults::Defaults;
use super::{Exit, Format, StoreArg};
use crate::audit::subject_access::{name, subject_access};
use crate::keys::{SecretKey, SubjectKey};

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
    /// `human` for reading, `json` for the answer as one document.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    #[command(flatten)]
    pub archive: super::ArchiveArg,
}

pub async fn run(args: SubjectArgs, defaults: &mut Defaults<'_>) -> anyhow::Result<Exit> {
    let key_file = defaults.subject_key(args.subject_key)?.context(
        "`--subject-key FILE` is needed to find a subject (the store holds only keyed hashes)",
    )?;
    let key = SubjectKey::new(&SecretKey::read(&key_file)?);
    let me = key.hash(&args.kind, &args.id);
    let archive = defaults.archive_folder(args.archive.archive)?;
    let store = super::open_reader(&defaults.store_url(&args.store)?, archive).await?;
    let answer = subject_access(&store, &me).await?;
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json => {
            let doc = serde_json::json!({
                "type": args.kind,
                "subject_hash": me,
                "records": answer.records,
                "archive": answer.archive,
            });
            writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
        }
        Format::Human => {
            let entries = &answer.records;
            let complete = if answer.archive.complete { "" } else { " (INCOMPLETE: see below)" };
            writeln!(out, "{} records about this {} subject{complete}", entries.len(), args.kind)?;
            for line in answer.archive.lines() {
                writeln!(out, "{line}")?;
            }
            for e in entries {
                writeln!(
                    out,
                    "\n{} seq {} {} ({})",
                    e.time,
                    e.seq,
                    e.kind.as_str(),
                    e.outcome.as_str()
                )?;
                writeln!(out, "  id: {}", e.id)?;
                let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
                writeln!(out, "  from {} to {}", opt(&e.parties.from), opt(&e.parties.to))?;
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
                for b in &e.lawful_basis {
                    writeln!(out, "  lawful basis: {} - {}", b.code, b.description)?;
                }
                writeln!(out, "  reason: {}", opt(&e.reason))?;
                writeln!(out, "  disclosed: {}", e.minimisation.disclosed.join(", "))?;
                for s in &e.minimisation.stripped {
                    writeln!(out, "  stripped: {} ({})", s.path, name(&s.reason))?;
                }
                for t in &e.minimisation.transformed {
                    writeln!(out, "  transformed: {} ({})", t.path, t.transform)?;
                }
                if let Some(em) = &e.emergency {
                    writeln!(
                        out,
                        "  emergency: {} ({}{})",
                        em.category,
                        em.review_state.state,
                        em.review_state
                            .decision
                            .as_ref()
                            .map(|d| format!(": {d}"))
                            .unwrap_or_default()
                    )?;
                }
            }
        }
    }
    // An answer that lacks an archived segment is a finding: it must not pass as complete.
    Ok(if answer.archive.complete { Exit::Success } else { Exit::Finding })
}
