//! `isagate agreements check|explain`: the governance team's lint and dry run.

pub mod check;
pub mod diff;
pub mod explain;

use super::{Exit, GlobalArgs};

#[derive(Debug, clap::Subcommand)]
pub enum AgreementsCmd {
    /// Lint every agreement and schema; exit 1 on any error.
    Check(check::CheckArgs),
    /// Dry run: what would be disclosed, stripped and transformed; exit 1 when refused.
    Explain(explain::ExplainArgs),
    /// What a change to agreements does (widens / narrows), and its impact on recorded traffic.
    Diff(diff::DiffArgs),
}

pub fn run(global: &GlobalArgs, cmd: AgreementsCmd) -> anyhow::Result<Exit> {
    match cmd {
        AgreementsCmd::Check(args) => check::run(global, args),
        AgreementsCmd::Explain(args) => explain::run(global, args),
        AgreementsCmd::Diff(args) => diff::run(global, args),
    }
}
