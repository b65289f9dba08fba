//! `isagate agreements explain <agreement> <flow> <payload.json>`: the dry run on the
//! command line. Exit 0 when the transfer would be allowed, 1 when refused, 2 for a
//! missing file or agreements that do not load. Colour only on a terminal.
//!
//! Must not: read or use the live keys (the library uses a throw-away key).

use std::io::IsTerminal as _;
use std::path::PathBuf;

use anyhow::Context as _;

use crate::agreements::explain::{explain, render_human, ExplainRequest, Limits};
use crate::agreements::load::load_set;
use crate::cli::{Exit, Format, GlobalArgs};
use crate::codes::Direction;
use crate::config::Config;
use crate::policy::Policy;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum DirectionArg {
    #[default]
    Request,
    Response,
}

#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// The agreement id, e.g. `ISA-LCC-MERPOL-0007`; `emergency-policy` for an emergency
    /// under `emergency-policy.yaml` (with `--emergency`).
    pub agreement: String,
    /// The flow id within the agreement (the rule id under `emergency-policy`).
    pub flow: String,
    /// The payload to dry-run (JSON).
    pub payload: PathBuf,
    /// The purpose asserted (default: the flow's only purpose).
    #[arg(long)]
    pub purpose: Option<String>,
    /// An emergency category (risk-to-life, child-at-risk, ...): emergency sharing.
    #[arg(long)]
    pub emergency: Option<String>,
    /// Which way the payload travels.
    #[arg(long, value_enum, default_value_t)]
    pub direction: DirectionArg,
    /// The request's query string (without `?`), e.g. `page=2&name=Jo`.
    #[arg(long, value_name = "QUERY STRING")]
    pub query: Option<String>,
    /// The payload's media type, as the `Content-Type` header would send it.
    #[arg(long, value_name = "MEDIA TYPE", default_value = "application/json")]
    pub content_type: String,
    /// Ask as a caller that sends no `Isagate-Agreement` header: the gateway then chooses
    /// among every agreement, and refuses `agreement-ambiguous` when two permit the request.
    #[arg(long)]
    pub no_agreement_header: bool,
    /// `human` (before / after / why, side by side) or `json` (the stable document in
    /// `docs/minimisation.md`).
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn run(global: &GlobalArgs, args: ExplainArgs) -> anyhow::Result<Exit> {
    let payload = std::fs::read(&args.payload)
        .with_context(|| format!("cannot read the payload file `{}`", args.payload.display()))?;
    let set = load_set(&global.agreements, &global.schemas)?;
    // Schemas compile exactly as `serve` compiles them.
    let policy = Policy::build(set)?;
    // The recipient's jurisdiction comes from the configuration, when there is one.
    let agencies = match global.config_path() {
        Some(path) => Config::load_without_files(&path)
            .with_context(|| "cannot read the agencies from the configuration")?
            .to_agency_refs(),
        None => Vec::new(),
    };
    let today = crate::clock::today_in_london();
    let req = ExplainRequest {
        agreement: &args.agreement,
        flow: &args.flow,
        payload: &payload,
        purpose: args.purpose.as_deref(),
        emergency: args.emergency.as_deref(),
        direction: match args.direction {
            DirectionArg::Request => Direction::Request,
            DirectionArg::Response => Direction::Response,
        },
        today,
        query: args.query.as_deref(),
        content_type: Some(&args.content_type),
        agreement_header: !args.no_agreement_header,
        agencies: &agencies,
    };
    let report = explain(&policy, &req, &Limits::default());
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        Format::Human => {
            let stdout = std::io::stdout();
            let colour = stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none();
            let width = std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()).unwrap_or(120);
            print!("{}", render_human(&report, width, colour));
        }
    }
    Ok(if report.allowed() { Exit::Success } else { Exit::Finding })
}
