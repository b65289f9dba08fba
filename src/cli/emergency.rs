//! `isagate emergency list|review`: the review queue and its decisions.
//!
//! Two ways to reach the records (docs/emergency.md):
//! - by default, the admin API of a running gateway over mTLS, with the governance
//!   certificate of `[admin_client]` in the config: the reviewer's identity comes from that
//!   certificate, and it works the same with several replicas;
//! - with `--store URL`, directly on a store, for an offline gateway: the reviewer names
//!   themselves with `--actor urn:isagate:governance:...`, which the record keeps.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use http::Method;

use super::{Exit, Format, GlobalArgs};
use crate::admin::client::{AdminClient, Answer};
use crate::config::Config;
use crate::emergency::queue::{self, QueueItem, StateFilter};
use crate::emergency::review::{self, ReviewInput};
use crate::emergency::Ledger;

/// How to reach the records: the admin API (default) or a store.
#[derive(Debug, Clone, clap::Args)]
pub struct Reach {
    /// Work directly on this store (`sqlite://path` or `postgres://...`) of an offline gateway.
    #[arg(long, value_name = "URL")]
    pub store: Option<String>,
    /// With `--store`: the governance identity acting (`urn:isagate:governance:...`).
    #[arg(long, value_name = "URI", requires = "store")]
    pub actor: Option<String>,
}

#[derive(Debug, clap::Subcommand)]
pub enum EmergencyCmd {
    /// The review queue.
    List {
        /// Which disclosures: awaiting review, reviewed, or all.
        #[arg(long, value_enum, default_value = "pending")]
        state: StateFilter,
        /// `human` for reading, `json` for the admin API's JSON body.
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
        #[command(flatten)]
        reach: Reach,
        /// With `--store`: the folder of archived segments, read too (default: the
        /// config's `[paths] archive`, else `./archive`).
        #[arg(long, value_name = "DIR", requires = "store")]
        archive: Option<std::path::PathBuf>,
    },
    /// Record a review of an emergency disclosure (its `Isagate-Disclosure-Id`).
    Review {
        /// The emergency disclosure's record id (its `Isagate-Disclosure-Id`).
        #[arg(value_name = "DISCLOSURE ID")]
        id: uuid::Uuid,
        /// Was the disclosure justified under the emergency it claimed?
        #[arg(long, value_parser = ["justified", "not-justified"])]
        decision: String,
        /// Was the data subject told: `told`, `not-safe-to-tell`, or `deferred` (then give
        /// `--revisit`).
        #[arg(long, value_parser = ["told", "not-safe-to-tell", "deferred"])]
        subject_told: String,
        /// With `deferred`: the date to revisit, YYYY-MM-DD.
        #[arg(long, value_name = "DATE")]
        revisit: Option<String>,
        /// Why, in a sentence for the record (no personal data beyond what the review needs).
        #[arg(long)]
        note: String,
        /// Amend an earlier review (both stay in the chain).
        #[arg(long)]
        amendment: bool,
        /// `human` for reading, `json` for the admin API's JSON body.
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
        #[command(flatten)]
        reach: Reach,
    },
}

/// The admin API client described by `[admin_client]` in the config, read by the config
/// module (paths relative to the config file; the defaults `docs/configuration.md` lists,
/// `https://127.0.0.1:9443` and `certs/governance-dpo.*`, when the section is absent).
pub fn admin_client(global: &GlobalArgs) -> anyhow::Result<AdminClient> {
    let path = global.config_path().context(
        "no config: pass `--config FILE` (its `[admin_client]` names the gateway and your governance certificate), or `--store URL`",
    )?;
    let ac = Config::load_without_files(&path)?.admin_client;
    Ok(AdminClient::from_files(&ac.url, &ac.cert, &ac.key, &ac.ca)?)
}

/// Open a store URL as a ledger, for offline work.
pub async fn open_ledger(url: &str) -> anyhow::Result<Arc<dyn Ledger>> {
    open_ledger_reading(url, None).await
}

/// [`open_ledger`], reading the archived segments in `archive` too.
async fn open_ledger_reading(
    url: &str,
    archive: Option<std::path::PathBuf>,
) -> anyhow::Result<Arc<dyn Ledger>> {
    let opts = crate::audit::StoreOptions {
        archive_folder: archive,
        ..crate::audit::StoreOptions::default()
    };
    let store = crate::audit::Store::open(url, opts).await?;
    Ok(Arc::new(store))
}

/// `--archive`, else the config's `[paths] archive` (when there is a config), else `./archive`.
fn archive_folder(
    global: &GlobalArgs,
    arg: Option<std::path::PathBuf>,
) -> anyhow::Result<std::path::PathBuf> {
    if let Some(a) = arg {
        return Ok(a);
    }
    match global.config_path() {
        Some(path) => Ok(Config::load_without_files(&path)?.paths.archive),
        None => Ok(std::path::PathBuf::from("archive")),
    }
}

/// Print an API answer: 2xx through `ok`, a problem to stderr as a finding.
pub fn finish(
    answer: Answer,
    format: Format,
    ok: impl FnOnce(&serde_json::Value),
) -> anyhow::Result<Exit> {
    if (200..300).contains(&answer.status) {
        match format {
            Format::Json => println!("{}", serde_json::to_string_pretty(&answer.body)?),
            Format::Human => ok(&answer.body),
        }
        return Ok(Exit::Success);
    }
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&answer.body)?),
        Format::Human => eprintln!(
            "refused ({}): {}",
            answer.status,
            answer.body["detail"].as_str().unwrap_or("no detail")
        ),
    }
    if answer.status == 403 || answer.status >= 500 {
        anyhow::bail!("the admin API refused the request ({})", answer.status);
    }
    Ok(Exit::Finding)
}

pub fn run(global: &GlobalArgs, cmd: EmergencyCmd) -> anyhow::Result<Exit> {
    let rt = super::runtime()?;
    rt.block_on(async move {
        match cmd {
            EmergencyCmd::List { state, format, reach, archive } => {
                if let Some(url) = &reach.store {
                    let ledger =
                        open_ledger_reading(url, Some(archive_folder(global, archive)?)).await?;
                    let entries = ledger.emergencies().await?;
                    let coverage = ledger.archive_coverage().await?;
                    let items = queue::build(entries, state, jiff::Timestamp::now(), Duration::from_secs(72 * 3600));
                    let body = serde_json::json!({"state": state.as_str(), "overdue_after_hours": 72, "disclosures": items, "archive": coverage});
                    let answer = Answer { status: 200, content_type: "application/json".into(), body, record_id: None };
                    return finish(answer, format, print_queue);
                }
                let client = admin_client(global)?;
                let answer = client.send(Method::GET, &format!("/v1/emergency?state={}", state.as_str()), None).await?;
                finish(answer, format, print_queue)
            }
            EmergencyCmd::Review { id, decision, subject_told, revisit, note, amendment, format, reach } => {
                let input = ReviewInput { decision, subject_told, revisit, note, amendment };
                if let Some(url) = &reach.store {
                    super::governance::refuse_offline_writes(global)?;
                    let actor = reach.actor.clone().context("`--store` needs `--actor urn:isagate:governance:...`")?;
                    anyhow::ensure!(actor.starts_with("urn:isagate:governance:"), "`--actor` must be a governance URI");
                    let ledger = open_ledger(url).await?;
                    let today = crate::clock::today_in_london();
                    let lock = tokio::sync::Mutex::new(());
                    return match review::record(ledger.as_ref(), &lock, id, &input, &actor, today).await {
                        Ok(c) => {
                            println!("review {} recorded for {id}", c.id);
                            Ok(Exit::Success)
                        }
                        Err(e) => {
                            eprintln!("refused: {e}");
                            Ok(Exit::Finding)
                        }
                    };
                }
                let client = admin_client(global)?;
                let body = serde_json::to_value(&input)?;
                let answer = client.send(Method::POST, &format!("/v1/emergency/{id}/review"), Some(&body)).await?;
                finish(answer, format, |b| {
                    println!(
                        "review {} recorded for {}: {} / subject {}{}",
                        b["review_id"].as_str().unwrap_or("?"),
                        b["disclosure_id"].as_str().unwrap_or("?"),
                        b["decision"].as_str().unwrap_or("?"),
                        b["subject_told"].as_str().unwrap_or("?"),
                        if b["amendment"] == true { " (amendment)" } else { "" }
                    )
                })
            }
        }
    })
}

fn print_queue(body: &serde_json::Value) {
    let items: Vec<QueueItem> =
        serde_json::from_value(body["disclosures"].clone()).unwrap_or_default();
    let coverage: Option<crate::audit::ArchiveCoverage> =
        serde_json::from_value(body["archive"].clone()).ok().flatten();
    for line in coverage.map(|c| c.lines()).unwrap_or_default() {
        println!("{line}");
    }
    if items.is_empty() {
        match body["state"].as_str() {
            Some(state @ ("pending" | "reviewed")) => {
                println!("no {state} emergency disclosures");
            }
            _ => println!("no emergency disclosures"),
        }
        return;
    }
    for i in items {
        let flag = if i.status.overdue { "  OVERDUE" } else { "" };
        println!(
            "{}  {}  {} -> {}  {}  {}{}",
            i.disclosure_id,
            i.time,
            i.parties.from.as_deref().unwrap_or("?"),
            i.parties.to.as_deref().unwrap_or("?"),
            i.emergency.category,
            i.status.state,
            flag
        );
        println!(
            "    basis: {}  requester: {}",
            i.emergency.basis,
            i.requester.as_deref().unwrap_or("?")
        );
        println!("    justification: {}", i.emergency.justification);
        if let Some(r) = i.status.review {
            println!(
                "    review: {} / subject {} by {} at {} ({} in all)",
                r.decision, r.subject_told, r.reviewer, r.time, r.reviews
            );
        }
    }
}
