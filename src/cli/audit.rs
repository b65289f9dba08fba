//! TODO: filled in by the owning work item.

use super::{Exit, GlobalArgs};

#[derive(Debug, clap::Subcommand)]
pub enum AuditCmd {
    /// Not implemented yet.
    Todo,
}

pub fn run(_global: &GlobalArgs, _cmd: AuditCmd) -> anyhow::Result<Exit> {
    anyhow::bail!("not implemented yet")
}
