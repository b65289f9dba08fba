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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum DirectionArg {
    #[default]
    Request,
    Response,
}

#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// The agreement id, e.g. `ISA-LCC-MERPOL-0007`.
    pub agreement: String,
    /// The flow id within the agreement.
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
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

pub fn run(global: &GlobalArgs, args: ExplainArgs) -> anyhow::Result<Exit> {
    let payload = std::fs::read(&args.payload)
        .with_context(|| format!("cannot read the payload file `{}`", args.payload.display()))?;
    let set = load_set(&global.agreements, &global.schemas)?;
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
    };
    let report = explain(&set, &req, &Limits::default());
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
