//! `isagate agreements check [DIR] [--format human|json]`: lint every agreement, the
//! emergency policy and every schema they name (contract section 7). Exit 0 when clean
//! (warnings allowed), 1 on any lint error, 2 when the folder or config cannot be read.
//! With `--against DIR`, a changed agreement whose version did not increase is an error.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::Context;

use crate::agreements::lifecycle::{version_findings, Snapshot};
use crate::agreements::lint::RenderOptions;
use crate::agreements::load::load_with_findings;
use crate::cli::{Exit, Format, GlobalArgs};
use crate::clock::today_in_london;
use crate::config::Config;

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The agreements folder (default: the global `--agreements`).
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// `human` (quoted lines and carets) or `json` (stable, documented).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Also compare with an older set: a changed agreement (its file or a schema it
    /// names) whose `version` did not increase is an error. DIR is the older agreements
    /// folder (its schemas from the `schemas` folder beside it, or `--against-schemas`),
    /// or `live`: the set live in the config's store (its activation records).
    #[arg(long, value_name = "DIR")]
    pub against: Option<PathBuf>,
    /// The older set's schemas folder (default: `schemas` beside the `--against` folder).
    #[arg(long, value_name = "DIR", requires = "against")]
    pub against_schemas: Option<PathBuf>,
}

pub fn run(global: &GlobalArgs, args: CheckArgs) -> anyhow::Result<Exit> {
    let dir = args.dir.unwrap_or_else(|| global.agreements.clone());
    if !dir.is_dir() {
        anyhow::bail!("the agreements folder `{}` does not exist", dir.display());
    }
    // The real config module, without looking for the certificate and key files: a
    // file that holds only `[[agencies]]` is a valid config (every other table has
    // defaults), and a config that would not start the gateway is refused here too.
    let agencies = match global.config_path() {
        Some(path) => Some(
            Config::load_without_files(&path)
                .with_context(|| "cannot read the agencies from the configuration")?
                .to_agency_refs(),
        ),
        None => None,
    };
    let (_, mut report) =
        load_with_findings(&dir, &global.schemas, agencies.as_deref(), today_in_london())?;
    if let Some(old_dir) = &args.against {
        let old = if old_dir.as_os_str() == "live" && !old_dir.is_dir() {
            live_set(global)?
        } else {
            let old_schemas = args.against_schemas.clone().unwrap_or_else(|| {
                old_dir.parent().unwrap_or(std::path::Path::new(".")).join("schemas")
            });
            Snapshot::read(old_dir, &old_schemas)?
        };
        let new = Snapshot::read(&dir, &global.schemas)?;
        for f in version_findings(&old, &new, &dir.display().to_string()) {
            report.push(f);
        }
        report.sort();
    }
    match args.format {
        Format::Json => {
            let text = serde_json::to_string_pretty(&report.to_json())?;
            println!("{text}");
        }
        Format::Human => {
            let stdout = std::io::stdout();
            let terminal = stdout.is_terminal();
            let opts = RenderOptions {
                colour: terminal && std::env::var_os("NO_COLOR").is_none(),
                width: if terminal { terminal_width() } else { 100 },
            };
            print!("{}", report.render_human(&opts));
        }
    }
    Ok(if report.has_errors() { Exit::Finding } else { Exit::Success })
}

/// The set the config's store says is live (its activation records); the store must exist.
fn live_set(global: &GlobalArgs) -> anyhow::Result<Snapshot> {
    let path = global
        .config_path()
        .context("`--against live` reads the config's store: pass `--config FILE`")?;
    let url = Config::load_without_files(&path)?.store.url;
    crate::cli::runtime()?.block_on(async {
        let store = crate::cli::audit::open_existing(&url).await?;
        crate::admin::activations::live_set(&store)
            .await?
            .context("the store has no activation records yet: start the gateway once")
    })
}

/// `$COLUMNS` when set, else 100.
fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .filter(|w: &usize| *w >= 40)
        .unwrap_or(100)
}
