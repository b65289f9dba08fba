//! TODO: filled in by the owning work item.

use super::{Exit, GlobalArgs};

#[derive(Debug, clap::Subcommand)]
pub enum EmergencyCmd {
    /// Not implemented yet.
    Todo,
}

pub fn run(_global: &GlobalArgs, _cmd: EmergencyCmd) -> anyhow::Result<Exit> {
    anyhow::bail!("not implemented yet")
}
