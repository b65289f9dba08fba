//! `isagate agreements check|explain|list|new`: the governance team's lint, dry run,
//! register and templates.

pub mod check;
pub mod explain;
pub mod list;
pub mod new_template;

use super::{Exit, GlobalArgs};

#[derive(Debug, clap::Subcommand)]
pub enum AgreementsCmd {
    /// Lint every agreement and schema; exit 1 on any error.
    Check(check::CheckArgs),
    /// Dry run: what would be disclosed, stripped and transformed; exit 1 when refused.
    Explain(explain::ExplainArgs),
    /// The register: status, version, parties, owner, DPIA, dates with days left, last
    /// activation, last transfer and findings.
    List(list::ListArgs),
    /// Write a commented agreement and schema from a template; both lint clean.
    New(new_template::NewArgs),
}

pub fn run(global: &GlobalArgs, cmd: AgreementsCmd) -> anyhow::Result<Exit> {
    match cmd {
        AgreementsCmd::Check(args) => check::run(global, args),
        AgreementsCmd::Explain(args) => explain::run(global, args),
        AgreementsCmd::List(args) => list::run(global, args),
        AgreementsCmd::New(args) => new_template::run(global, args),
    }
}
