//! `isagate agreements diff OLD NEW [--store URL --days N] [--fail-on widen] [--format
//! human|json|markdown]` (contract section 7): what a change to agreements does, and its
//! impact replayed on recorded traffic. Exit 0, or 1 with `--fail-on widen` when
//! something widens; 2 when a side does not load or the store cannot be read.
//!
//! OLD and NEW are agreement files or folders. A folder holding `agreements/` is read as
//! `agreements/` and `schemas/`; a folder holding `schemas/` as agreements beside their
//! schemas; any other folder, and a single file, take their schemas from `--schemas`.

use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::agreements::diff::render::{render_human, render_markdown, DiffReport};
use crate::agreements::diff::{diff, impact, Window};
use crate::agreements::load::load_with_findings;
use crate::agreements::AgencyRef;
use crate::cli::audit::defaults::Defaults;
use crate::cli::audit::{open_existing, StoreArg};
use crate::cli::{runtime, Exit, GlobalArgs};
use crate::policy::Policy;

/// `--format` of `agreements diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum DiffFormat {
    #[default]
    Human,
    Json,
    /// For a change request.
    Markdown,
}

/// What makes `--fail-on` exit 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// Any finding that widens what may be disclosed.
    Widen,
}

#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The agreements before the change: a file or a folder.
    pub old: PathBuf,
    /// The agreements after the change: a file or a folder.
    pub new: PathBuf,
    /// Replay the records of this store (default: the config's `[store] url`, when a
    /// config is found; without either, no impact is shown).
    #[command(flatten)]
    pub store: StoreArg,
    /// How many days of records to replay, back from now.
    #[arg(long, value_name = "N", default_value_t = 30)]
    pub days: u32,
    /// Exit 1 when something widens (for a CI pipeline that gates agreement changes).
    #[arg(long, value_enum, value_name = "WHAT")]
    pub fail_on: Option<FailOn>,
    /// `human`, `json` (stable, `docs/diff.md`) or `markdown` (for a change request).
    #[arg(long, value_enum, default_value_t)]
    pub format: DiffFormat,
}

pub fn run(global: &GlobalArgs, args: DiffArgs) -> anyhow::Result<Exit> {
    let agencies = global.agency_refs()?;
    let old = load_side(&args.old, &global.schemas, agencies.as_deref())?;
    let new = load_side(&args.new, &global.schemas, agencies.as_deref())?;
    let found = diff(&old, &new);
    let replay = args.store.store.is_some() || global.config_path().is_some();
    let impact = if replay {
        let url = Defaults::new(global).store_url(&args.store)?;
        let window = Window {
            until: jiff::Timestamp::now(),
            days: args.days,
            agencies: agencies.unwrap_or_default(),
        };
        let rt = runtime()?;
        Some(rt.block_on(async {
            let store = open_existing(&url).await?;
            anyhow::Ok(impact(&store, &new, &found, &window).await?)
        })?)
    } else {
        None
    };
    let widens = found.widens();
    let report = DiffReport { diff: found, impact };
    match args.format {
        DiffFormat::Human => print!("{}", render_human(&report)),
        DiffFormat::Markdown => print!("{}", render_markdown(&report)),
        DiffFormat::Json => println!("{}", serde_json::to_string_pretty(&report)?),
    }
    Ok(if widens && args.fail_on == Some(FailOn::Widen) { Exit::Finding } else { Exit::Success })
}

/// Load one side, lint-clean, as the gateway would compile it.
fn load_side(
    path: &Path,
    schemas: &Path,
    agencies: Option<&[AgencyRef]>,
) -> anyhow::Result<Policy> {
    let today = crate::clock::today_in_london();
    let (set, report) = if path.is_file() {
        let dir = Scratch::with_file(path)?;
        load_with_findings(&dir.0, schemas, agencies, today)?
    } else if path.is_dir() {
        let (agreements, schemas) = if path.join("agreements").is_dir() {
            (path.join("agreements"), path.join("schemas"))
        } else if path.join("schemas").is_dir() {
            (path.to_path_buf(), path.join("schemas"))
        } else {
            (path.to_path_buf(), schemas.to_path_buf())
        };
        load_with_findings(&agreements, &schemas, agencies, today)?
    } else {
        anyhow::bail!(
            "`{}` is neither an agreement file nor a folder of agreements",
            path.display()
        );
    };
    let Some(set) = set else {
        let first = report
            .findings
            .iter()
            .find(|f| f.severity == crate::agreements::lint::Severity::Error)
            .map(|f| format!(": {}:{}: {}", f.file, f.line, f.message))
            .unwrap_or_default();
        anyhow::bail!(
            "`{}` does not lint clean ({} errors{first}): run `isagate agreements check` on it and fix them first",
            path.display(),
            report.errors()
        );
    };
    Ok(Policy::build(set)?)
}

/// A folder of its own holding one agreement file, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn with_file(file: &Path) -> anyhow::Result<Self> {
        let nanos = jiff::Timestamp::now().as_nanosecond();
        let dir = std::env::temp_dir().join(format!("isagate-diff-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create `{}`", dir.display()))?;
        let scratch = Self(dir);
        let name = file
            .file_name()
            .map_or_else(|| "agreement.yaml".into(), |n| n.to_string_lossy().into_owned());
        let name = if name.ends_with(".yaml") { name } else { format!("{name}.yaml") };
        std::fs::copy(file, scratch.0.join(name))
            .with_context(|| format!("cannot read `{}`", file.display()))?;
        Ok(scratch)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
