//! `isagate agreements check|explain|diff|list|new|propose|proposals|approve|reject`: the
//! governance team's lint, dry run, impact diff, register, templates and four-eyes
//! lifecycle.

pub mod check;
pub mod diff;
pub mod explain;
pub mod list;
pub mod new_template;
pub mod propose;

use super::{Exit, GlobalArgs};

#[derive(Debug, clap::Subcommand)]
pub enum AgreementsCmd {
    /// Lint every agreement and schema; exit 1 on any error.
    Check(check::CheckArgs),
    /// Dry run: what would be disclosed, stripped and transformed; exit 1 when refused.
    Explain(explain::ExplainArgs),
    /// Propose agreement and schema files through the admin API (four-eyes).
    Propose(propose::ProposeArgs),
    /// The proposals and their state.
    Proposals(propose::ProposalsArgs),
    /// Approve a proposal (another governance identity than its proposer): it goes live.
    Approve(propose::DecideArgs),
    /// Reject a proposal, with a note.
    Reject(propose::DecideArgs),
    /// What a change to agreements does (widens / narrows), and its impact on recorded traffic.
    Diff(diff::DiffArgs),
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
        AgreementsCmd::Propose(a) => propose::run(global, propose::Step::Propose(a)),
        AgreementsCmd::Proposals(a) => propose::run(global, propose::Step::List(a)),
        AgreementsCmd::Approve(a) => propose::run(global, propose::Step::Approve(a)),
        AgreementsCmd::Reject(a) => propose::run(global, propose::Step::Reject(a)),
        AgreementsCmd::Diff(args) => diff::run(global, args),
        AgreementsCmd::List(args) => list::run(global, args),
        AgreementsCmd::New(args) => new_template::run(global, args),
    }
}
