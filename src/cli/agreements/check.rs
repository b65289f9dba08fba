//! TODO: filled in by the owning work item.

use crate::cli::{Exit, GlobalArgs};

#[derive(Debug, clap::Args)]
pub struct CheckArgs {}

pub fn run(_global: &GlobalArgs, _args: CheckArgs) -> anyhow::Result<Exit> {
    anyhow::bail!("not implemented yet")
}
