//! TODO: filled in by the owning work item.

use crate::cli::{Exit, GlobalArgs};

#[derive(Debug, clap::Args)]
pub struct ExplainArgs {}

pub fn run(_global: &GlobalArgs, _args: ExplainArgs) -> anyhow::Result<Exit> {
    anyhow::bail!("not implemented yet")
}
