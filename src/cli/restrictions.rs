//! TODO: filled in by the owning work item.

use super::{Exit, GlobalArgs};

#[derive(Debug, clap::Subcommand)]
pub enum RestrictionsCmd {
    /// Not implemented yet.
    Todo,
}

pub fn run(_global: &GlobalArgs, _cmd: RestrictionsCmd) -> anyhow::Result<Exit> {
    anyhow::bail!("not implemented yet")
}
